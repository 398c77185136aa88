/* xlkit-sim: drives the simulated hypervisor of a sim host (for tests and
 * humans). The host is $XLKIT_SIM_DIR or -d DIR.
 *
 *   xlkit-sim [-d DIR] create [--memory KB] [--vcpus N] [--uuid UUID]
 *                             [--domid N] [--count N] [--paused] [--introduce]
 *   xlkit-sim [-d DIR] shutdown DOMID REASON   (poweroff reboot suspend crash
 *                                               watchdog soft_reset, or 0-5)
 *   xlkit-sim [-d DIR] crash|destroy|pause|unpause DOMID
 *   xlkit-sim [-d DIR] list | info | raise
 *
 * create prints the new domids, one a line. --introduce also tells
 * xenstored about each domain (xs_introduce_domain, as a toolstack does
 * after building it), which is what makes it fire @introduceDomain now and
 * @releaseDomain when the domain shuts down or dies. raise raises the
 * domain-exception interrupt by hand.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "xen/sim_hv.h"

static const char *prog = "xlkit-sim";

static void usage(void) {
    fprintf(stderr,
            "usage: %s [-d DIR] COMMAND [ARGS]\n"
            "  create [--memory KB] [--vcpus N] [--uuid UUID] [--domid N] [--count N]\n"
            "         [--paused] [--introduce]\n"
            "  shutdown DOMID REASON   crash DOMID   destroy DOMID\n"
            "  pause DOMID   unpause DOMID   list   info   raise\n"
            "DIR defaults to $XLKIT_SIM_DIR.\n",
            prog);
    exit(2);
}

static int fail(const char *what) {
    fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
    return 1;
}

static bool parse_u64(const char *s, uint64_t *out) {
    char *end;
    if (!s || !*s || *s == '-') return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end) return false;
    *out = v;
    return true;
}

static uint32_t parse_domid(const char *s) {
    uint64_t v;
    if (!parse_u64(s, &v) || v > SIM_DOMID_MAX) {
        fprintf(stderr, "%s: bad domid '%s'\n", prog, s ? s : "");
        exit(2);
    }
    return (uint32_t)v;
}

static bool parse_uuid(const char *s, uint8_t out[16]) {
    int n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '-') continue;
        int v;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            return false;
        if (n >= 32) return false;
        if (n % 2 == 0)
            out[n / 2] = (uint8_t)(v << 4);
        else
            out[n / 2] |= (uint8_t)v;
        n++;
    }
    return n == 32;
}

static int cmd_create(sim_t *sim, int argc, char **argv) {
    static const struct option opts[] = {
        {"memory", required_argument, NULL, 'm'}, {"vcpus", required_argument, NULL, 'v'},
        {"uuid", required_argument, NULL, 'u'},   {"domid", required_argument, NULL, 'd'},
        {"count", required_argument, NULL, 'n'},  {"paused", no_argument, NULL, 'p'},
        {"introduce", no_argument, NULL, 'i'},    {NULL, 0, NULL, 0}};
    uint64_t memkb = 131072, vcpus = 1, count = 1;
    uint32_t domid = SIM_DOMID_ANY;
    uint8_t uuid[16];
    bool have_uuid = false, paused = false, introduce = false;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (!parse_u64(optarg, &memkb)) usage();
            break;
        case 'v':
            if (!parse_u64(optarg, &vcpus) || vcpus > UINT32_MAX) usage();
            break;
        case 'u':
            if (!parse_uuid(optarg, uuid)) usage();
            have_uuid = true;
            break;
        case 'd':
            domid = parse_domid(optarg);
            break;
        case 'n':
            if (!parse_u64(optarg, &count) || count == 0 || count > SIM_NR_DOMIDS) usage();
            break;
        case 'p':
            paused = true;
            break;
        case 'i':
            introduce = true;
            break;
        default:
            usage();
        }
    }
    if (optind != argc || (count > 1 && (have_uuid || domid != SIM_DOMID_ANY))) usage();
    struct xs_handle *xs = NULL;
    if (introduce && !(xs = xs_open(0))) return fail("cannot connect to xenstored");
    int rc = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint32_t d = domid;
        if (sim_domain_create(sim, &d, memkb, (uint32_t)vcpus, have_uuid ? uuid : NULL,
                              paused ? 0 : SIM_CREATE_UNPAUSED) != 0) {
            rc = fail("create");
            break;
        }
        if (xs && !xs_introduce_domain(xs, d, 0, 1)) {
            char what[64];
            snprintf(what, sizeof what, "introduce %u", d);
            rc = fail(what);
            break;
        }
        printf("%u\n", d);
    }
    if (xs) xs_close(xs);
    return rc;
}

static void format_uuid(const uint8_t u[16], char out[37]) {
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
}

static int cmd_list(sim_t *sim) {
    printf("%-6s %-8s %-10s %10s %5s %10s %5s %s\n", "domid", "gen", "state", "mem(kB)", "vcpus",
           "time(s)", "refs", "uuid");
    sim_dominfo buf[256];
    uint32_t next = 0;
    for (;;) {
        int n = sim_domain_getinfo(sim, next, 256, buf);
        if (n < 0) return fail("getinfo");
        for (int i = 0; i < n; i++) {
            const sim_dominfo *d = &buf[i];
            char state[32], uuid[37];
            if (d->flags & SIM_DOMF_DYING)
                snprintf(state, sizeof state, "dying");
            else if (d->flags & SIM_DOMF_SHUTDOWN)
                snprintf(state, sizeof state, "%s", sim_shutdown_reason_name(d->shutdown_reason));
            else if (d->flags & SIM_DOMF_PAUSED)
                snprintf(state, sizeof state, "paused");
            else
                snprintf(state, sizeof state, "running");
            format_uuid(d->uuid, uuid);
            printf("%-6u %-8" PRIu64 " %-10s %10" PRIu64 " %5u %10.1f %5u %s\n", d->domid,
                   d->generation, state, d->cur_memkb, d->vcpus, (double)d->cpu_time_ns / 1e9,
                   d->refs, uuid);
        }
        if (n < 256) return 0;
        next = buf[n - 1].domid + 1;
    }
}

static int cmd_info(sim_t *sim) {
    sim_hostinfo hi;
    if (sim_hostinfo_get(sim, &hi) != 0) return fail("info");
    printf("dir: %s\ndomains: %u\nmax_domains: %u\ntotal_memkb: %" PRIu64 "\nfree_memkb: %" PRIu64
           "\ndom_exc_count: %" PRIu64 "\nseq: %" PRIu64 "\n",
           sim_dir(sim), hi.nr_domains, hi.max_domains, hi.total_memkb, hi.free_memkb,
           hi.dom_exc_count, hi.seq);
    return 0;
}

int main(int argc, char **argv) {
    const char *dir = getenv("XLKIT_SIM_DIR");
    int a = 1;
    if (a < argc && strcmp(argv[a], "-d") == 0) {
        if (a + 1 >= argc) usage();
        dir = argv[a + 1];
        a += 2;
    }
    if (a >= argc) usage();
    if (!dir || !*dir) {
        fprintf(stderr, "%s: no sim host: set XLKIT_SIM_DIR or pass -d DIR\n", prog);
        return 2;
    }
    const char *cmd = argv[a];
    int nargs = argc - a - 1;
    char **args = argv + a + 1;

    sim_t *sim = sim_open(dir, 0);
    if (!sim) {
        fprintf(stderr, "%s: cannot open the sim host in %s: %s\n", prog, dir, strerror(errno));
        return 1;
    }
    int rc;
    if (strcmp(cmd, "create") == 0) {
        rc = cmd_create(sim, argc - a, argv + a);
    } else if (strcmp(cmd, "shutdown") == 0 && nargs == 2) {
        int reason = sim_shutdown_reason_parse(args[1]);
        if (reason < 0) usage();
        rc = sim_domain_shutdown(sim, parse_domid(args[0]), (unsigned)reason) ? fail("shutdown") : 0;
    } else if (nargs == 1 && strcmp(cmd, "crash") == 0) {
        rc = sim_domain_crash(sim, parse_domid(args[0])) ? fail("crash") : 0;
    } else if (nargs == 1 && strcmp(cmd, "destroy") == 0) {
        rc = sim_domain_destroy(sim, parse_domid(args[0])) ? fail("destroy") : 0;
    } else if (nargs == 1 && strcmp(cmd, "pause") == 0) {
        rc = sim_domain_pause(sim, parse_domid(args[0])) ? fail("pause") : 0;
    } else if (nargs == 1 && strcmp(cmd, "unpause") == 0) {
        rc = sim_domain_unpause(sim, parse_domid(args[0])) ? fail("unpause") : 0;
    } else if (nargs == 0 && strcmp(cmd, "list") == 0) {
        rc = cmd_list(sim);
    } else if (nargs == 0 && strcmp(cmd, "info") == 0) {
        rc = cmd_info(sim);
    } else if (nargs == 0 && strcmp(cmd, "raise") == 0) {
        rc = sim_raise_dom_exc(sim) ? fail("raise") : 0;
    } else {
        usage();
    }
    sim_close(sim);
    return rc;
}
