/* xlkit-sim-guest: plays the kernel of a simulated domain on the sim host.
 *
 *   xlkit-sim-guest [--ignore] [--poweroff-after SECS] DOMID
 *
 * Watches /local/domain/DOMID/control/shutdown as a PV Linux kernel does:
 * on "poweroff"/"reboot"/"halt" it acknowledges (writes "") and shuts the
 * simulated domain down with that reason. --ignore never acknowledges (a
 * guest without PV drivers, or a stubborn one). --poweroff-after powers the
 * domain off by itself after SECS seconds. Exits when the domain is gone or
 * shut down. Needs XLKIT_SIM_DIR and XENSTORED_PATH (xlkit-sim-host env). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenstore.h>

#include "xen/sim_hv.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    int ignore = 0;
    double poweroff_after = -1;
    const char *domarg = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--ignore"))
            ignore = 1;
        else if (!strcmp(argv[i], "--poweroff-after") && i + 1 < argc)
            poweroff_after = atof(argv[++i]);
        else if (!domarg && argv[i][0] != '-')
            domarg = argv[i];
        else {
            fprintf(stderr, "usage: xlkit-sim-guest [--ignore] [--poweroff-after SECS] DOMID\n");
            return 2;
        }
    }
    char *end = NULL;
    long domid = domarg ? strtol(domarg, &end, 10) : -1;
    if (!domarg || *end || domid <= 0) {
        fprintf(stderr, "xlkit-sim-guest: DOMID must be a positive number, got '%s'\n", domarg ? domarg : "");
        return 2;
    }
    const char *dir = getenv("XLKIT_SIM_DIR");
    sim_t *sim = dir ? sim_open(dir, 0) : NULL;
    if (!sim) {
        fprintf(stderr, "xlkit-sim-guest: cannot open the sim host (XLKIT_SIM_DIR=%s): %s\n", dir ? dir : "",
                strerror(errno));
        return 1;
    }
    struct xs_handle *xs = xs_open(0);
    if (!xs) {
        fprintf(stderr, "xlkit-sim-guest: cannot connect to xenstored: %s\n", strerror(errno));
        return 1;
    }
    char node[64];
    snprintf(node, sizeof node, "/local/domain/%ld/control/shutdown", domid);
    if (!xs_watch(xs, node, "guest")) {
        fprintf(stderr, "xlkit-sim-guest: cannot watch %s: %s\n", node, strerror(errno));
        return 1;
    }
    double t0 = now();
    for (;;) {
        sim_dominfo di;
        if (sim_domain_getinfo_one(sim, (uint32_t)domid, &di) < 0 || (di.flags & (SIM_DOMF_SHUTDOWN | SIM_DOMF_DYING)))
            break;
        if (poweroff_after >= 0 && now() - t0 >= poweroff_after) {
            (void)sim_domain_shutdown(sim, (uint32_t)domid, SIM_SHUTDOWN_POWEROFF);
            break;
        }
        struct pollfd p = {xs_fileno(xs), POLLIN, 0};
        (void)poll(&p, 1, 100);
        char **w;
        while ((w = xs_check_watch(xs))) {
            free(w);
            unsigned len = 0;
            char *v = xs_read(xs, XBT_NULL, node, &len);
            if (v && len && !ignore) {
                unsigned reason = !strcmp(v, "reboot") ? SIM_SHUTDOWN_REBOOT : SIM_SHUTDOWN_POWEROFF;
                (void)xs_write(xs, XBT_NULL, node, "", 0);
                (void)sim_domain_shutdown(sim, (uint32_t)domid, reason);
            }
            free(v);
        }
    }
    xs_close(xs);
    sim_close(sim);
    return 0;
}
