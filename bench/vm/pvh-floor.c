/* pvh-floor: the part of a PVH create that is libxenguest's and the
 * hypervisor's, and so the same in xl and in xlkit: one PVH domain built
 * from a kernel file (the domain made, its limits and HVM parameters set,
 * the default CPUID policy, then xc_dom_* from reading the kernel to
 * seeding the grant table: xen/xc_shim.c, which follows libxl 4.17's
 * libxl__build_hvm), left paused, then destroyed. No config file, no
 * xenstore, no console, no monitor, no stored configuration: nothing a
 * toolstack adds. bench/vm/pvh.py runs it beside xl and the xlkit CLI to
 * show each tool's CPU with and without this floor (docs/performance-vm.md,
 * "PVH").
 *
 *   pvh-floor KERNEL RAMDISK MEMORY_MIB VCPUS
 *
 * Prints one JSON object: the build's CPU seconds (user + system of this
 * process, whose hypercalls a PV dom0 accounts to it) and wall seconds, and
 * the whole process's CPU including the destroy. Exit status 1 on failure.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "xen/xc_shim.h"
#include "xen/xg_lazy.h"

static double cpu_now(void) {
    struct rusage ru;
    (void)getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static double wall_now(void) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: pvh-floor KERNEL RAMDISK MEMORY_MIB VCPUS\n");
        return 2;
    }
    uint64_t mib = strtoull(argv[3], NULL, 10);
    uint32_t vcpus = (uint32_t)strtoul(argv[4], NULL, 10);
    if (!mib || !vcpus) {
        fprintf(stderr, "pvh-floor: MEMORY_MIB and VCPUS must be positive\n");
        return 2;
    }
    /* libxenguest is loaded before the measured build (xl maps it at its
     * start, xlkit on its first build: each tool's own cost, not the
     * floor's). */
    const char *why = NULL;
    if (!xlkit_xg_get(&why)) {
        fprintf(stderr, "pvh-floor: %s\n", why);
        return 1;
    }
    double c0 = cpu_now(), w0 = wall_now();
    xlkit_xc *x = xlkit_xc_open();
    if (!x) {
        fprintf(stderr, "pvh-floor: cannot open libxenctrl: %s\n", strerror(errno));
        return 1;
    }
    /* As both tools give it for the benchmark's guest: tsc_mode native, no
     * cpuid changes, libxl's default paging pool (1 MiB per vCPU plus
     * 8 KiB per MiB of memory). */
    uint8_t uuid[16];
    for (unsigned i = 0; i < sizeof uuid; i++) uuid[i] = (uint8_t)(0x5a + i);
    xlkit_xc_build_args a;
    memset(&a, 0, sizeof a);
    a.type = XLKIT_XC_TYPE_PVH;
    a.uuid = uuid;
    a.kernel = argv[1];
    a.ramdisk = argv[2];
    a.cmdline = "console=hvc0 quiet";
    a.memkb = a.maxmemkb = mib << 10;
    a.vcpus = vcpus;
    a.tsc_mode = 2;
    a.shadow_kb = (uint64_t)vcpus * 1024 + mib * 8;
    xlkit_xc_built b;
    int r = xlkit_xc_build(x, &a, &b);
    double c1 = cpu_now(), w1 = wall_now();
    if (r < 0) {
        fprintf(stderr, "pvh-floor: building the domain failed in %s: %s\n", xlkit_xc_failed_step(x), strerror(-r));
        xlkit_xc_close(x);
        return 1;
    }
    r = xlkit_xc_destroy(x, b.domid);
    xlkit_xc_close(x);
    double c2 = cpu_now(), w2 = wall_now();
    if (r < 0) {
        fprintf(stderr, "pvh-floor: destroying domain %u failed: %s\n", b.domid, strerror(-r));
        return 1;
    }
    printf("{\"domid\": %u, \"build_cpu\": %.6f, \"build_wall\": %.6f, \"cpu\": %.6f, \"wall\": %.6f}\n", b.domid,
           c1 - c0, w1 - w0, c2 - c0, w2 - w0);
    return 0;
}
