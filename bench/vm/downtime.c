/* xlkit-downtime: a live migration's downtime as the hypervisor sees it, the
 * same for any toolstack (bench/vm/migrate.py runs it beside xl's and
 * xlkit's migrations to this host; bench/vm/migrate_twohost.py runs a half
 * of it on each of two hosts).
 *
 *   xlkit-downtime SRC_DOMID TIMEOUT_SECS
 *
 * Polls every domain (xc_domain_getinfolist) about every 0.2 ms and prints
 *   suspended MS running MS downtime MS suspended_at S running_at S
 * milliseconds from its start: when SRC_DOMID first stopped running (shut
 * down with reason suspend, dying, or gone), when a domain created since
 * the start first ran (not paused, not shut down) after that, and their
 * difference: the time the guest ran nowhere; then the two instants in
 * seconds since the epoch, to line them up with `xlkit -T`'s log lines.
 *
 *   xlkit-downtime --stop SRC_DOMID TIMEOUT_SECS   (the sending host)
 *   xlkit-downtime --run TIMEOUT_SECS              (the receiving host)
 *
 * The two halves for a migration between hosts: --stop prints
 * "suspended_at S" once SRC_DOMID stopped running, --run prints
 * "running_at S" once a domain created since its start first ran. Their
 * difference is the downtime once the two hosts' clocks are related
 * (migrate_twohost.py measures the offset).
 *
 * Exit 0; 1 if what it waits for was not seen within TIMEOUT_SECS; 2 for a
 * usage error. Its polling costs one CPU while it runs, equally for the
 * tools compared. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenctrl.h>

#define MAXDOM 1024

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int usage(void) {
    fprintf(stderr, "usage: xlkit-downtime SRC_DOMID TIMEOUT_SECS\n"
                    "       xlkit-downtime --stop SRC_DOMID TIMEOUT_SECS\n"
                    "       xlkit-downtime --run TIMEOUT_SECS\n");
    return 2;
}

enum mode { BOTH, STOP, RUN };

int main(int argc, char **argv) {
    char *end;
    enum mode mode = BOTH;
    if (argc > 1 && strcmp(argv[1], "--stop") == 0) mode = STOP;
    if (argc > 1 && strcmp(argv[1], "--run") == 0) mode = RUN;
    if (mode != BOTH) argc--, argv++;
    if (argc != (mode == RUN ? 2 : 3)) return usage();
    unsigned long src = 0;
    if (mode != RUN) {
        src = strtoul(argv[1], &end, 10);
        if (*end || end == argv[1] || src == 0 || src >= 0x7ff0) {
            fprintf(stderr, "xlkit-downtime: SRC_DOMID '%s' is not a guest's domid\n", argv[1]);
            return 2;
        }
    }
    const char *secs = argv[argc - 1];
    double limit = strtod(secs, &end) * 1e3;
    if (*end || end == secs || !(limit > 0)) {
        fprintf(stderr, "xlkit-downtime: TIMEOUT_SECS '%s' is not a positive number\n", secs);
        return 2;
    }
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    if (!xch) {
        fprintf(stderr, "xlkit-downtime: cannot open the hypervisor: %s\n", strerror(errno));
        return 1;
    }
    static xc_domaininfo_t info[MAXDOM];
    static unsigned char existed[0x7ff0];
    int n = xc_domain_getinfolist(xch, 0, MAXDOM, info);
    if (n < 0) {
        fprintf(stderr, "xlkit-downtime: xc_domain_getinfolist: %s\n", strerror(errno));
        return 1;
    }
    for (int i = 0; i < n; i++) existed[info[i].domain] = 1;
    if (mode != RUN && !existed[src]) {
        fprintf(stderr, "xlkit-downtime: no domain %lu\n", src);
        return 1;
    }
    const double t0 = now_ms();
    const double wall0 = wall_ms();  /* the same instant on the clock log lines show (xlkit -T) */
    /* --run waits for a run only; --stop for a stop only. */
    double suspended = mode == RUN ? 0 : -1, running = -1;
    struct timespec gap = {0, 200000};
    for (;;) {
        if (mode == STOP ? suspended >= 0 : running >= 0) break;
        if (now_ms() - t0 >= limit) break;
        n = xc_domain_getinfolist(xch, 0, MAXDOM, info);
        if (n < 0) continue;
        const double t = now_ms() - t0;
        int seen = 0;
        for (int i = 0; i < n; i++) {
            const xc_domaininfo_t *d = &info[i];
            const int shut = (d->flags & XEN_DOMINF_shutdown) || (d->flags & XEN_DOMINF_dying);
            if (mode != RUN && d->domain == src) {
                seen = 1;
                if (suspended < 0 && shut) suspended = t;
            } else if (mode != STOP && suspended >= 0 && !existed[d->domain] && !shut &&
                       !(d->flags & XEN_DOMINF_paused)) {
                running = t;
            }
        }
        if (mode != RUN && !seen && suspended < 0) suspended = t;
        nanosleep(&gap, NULL);
    }
    xc_interface_close(xch);
    if (suspended < 0 || (mode != STOP && running < 0)) {
        fprintf(stderr, "xlkit-downtime: within %s s: %s\n", secs,
                suspended < 0 ? "the source never stopped" : "no new domain ran");
        return 1;
    }
    if (mode == STOP)
        printf("suspended_at %.3f\n", (wall0 + suspended) / 1e3);
    else if (mode == RUN)
        printf("running_at %.3f\n", (wall0 + running) / 1e3);
    else
        printf("suspended %.1f running %.1f downtime %.1f suspended_at %.3f running_at %.3f\n", suspended, running,
               running - suspended, (wall0 + suspended) / 1e3, (wall0 + running) / 1e3);
    return 0;
}
