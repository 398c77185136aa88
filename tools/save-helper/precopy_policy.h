/* precopy_policy.h: when a live save stops the precopy passes and
 * suspends the guest (stop-and-copy). The library's MigratePolicy
 * (xlkit/migrate.hpp) reaches xlkit-save-helper as four numbers; this is
 * the decision libxenguest's precopy_policy callback makes with them, and
 * what each pass is reported with. Header-only and free of Xen types, so
 * tests (tests/ops/precopy_policy_test.cpp) exercise it without Xen.
 *
 * libxenguest 4.17 calls the callback before each pass: first with
 * iteration 0 (nothing sent yet, every page to send), then after each pass
 * with the pages that pass left dirty. Measured per call, from the
 * monotonic clock:
 *   pass_ms     the pass just ended (0 at iteration 0)
 *   dirty_rate  pages dirtied per second during it (-1: unknown)
 *   downtime_ms what sending the dirty pages would take at the pass's own
 *               send rate: the downtime of a stop-and-copy now (-1: unknown)
 * Stop once any bound is reached (a 0 field keeps libxenguest's default:
 * 5 passes, 50 dirty pages, no time or downtime bound). */
#ifndef XLKIT_PRECOPY_POLICY_H
#define XLKIT_PRECOPY_POLICY_H

#include <stdbool.h>

struct xlkit_precopy_policy {
    unsigned long max_iterations;   /* default 5 */
    unsigned long dirty_threshold;  /* stop when fewer dirty; default 50 */
    unsigned long max_time_ms;      /* the whole precopy; 0: none */
    unsigned long max_downtime_ms;  /* stop once the estimate is within; 0: none */
};

struct xlkit_precopy_clock {
    long long start_ms;       /* the first call's time; -1 before it */
    long long pass_start_ms;  /* the previous call's */
    unsigned long pass_start_written;
};

struct xlkit_precopy_pass {
    unsigned iteration;
    unsigned long total_written;  /* pages sent so far */
    long dirty_count;             /* pages still dirty, -1 unknown */
    long long pass_ms, dirty_rate, downtime_ms, elapsed_ms;
};

static inline void xlkit_precopy_policy_init(struct xlkit_precopy_policy *p) {
    p->max_iterations = 5;
    p->dirty_threshold = 50;
    p->max_time_ms = 0;
    p->max_downtime_ms = 0;
}

/* Fill pass's measured fields from the call's stats and time now_ms. */
static inline void xlkit_precopy_measure(struct xlkit_precopy_clock *c, struct xlkit_precopy_pass *pass,
                                         long long now_ms) {
    if (c->start_ms < 0) c->start_ms = c->pass_start_ms = now_ms;
    long long ms = now_ms - c->pass_start_ms;
    unsigned long sent = pass->total_written - c->pass_start_written;
    pass->pass_ms = pass->iteration ? ms : 0;
    pass->dirty_rate = pass->downtime_ms = -1;
    if (pass->iteration > 0 && pass->dirty_count >= 0) {
        if (ms > 0) pass->dirty_rate = (long long)pass->dirty_count * 1000 / ms;
        if (sent) pass->downtime_ms = (long long)pass->dirty_count * ms / (long long)sent;
    }
    pass->elapsed_ms = now_ms - c->start_ms;
    c->pass_start_ms = now_ms;
    c->pass_start_written = pass->total_written;
}

/* true: stop-and-copy now; false: another precopy pass. */
static inline bool xlkit_precopy_stop(const struct xlkit_precopy_policy *p, const struct xlkit_precopy_pass *pass) {
    if (pass->dirty_count >= 0 && (unsigned long)pass->dirty_count < p->dirty_threshold) return true;
    if (pass->iteration >= p->max_iterations) return true;
    if (p->max_time_ms && pass->elapsed_ms >= 0 && (unsigned long long)pass->elapsed_ms >= p->max_time_ms) return true;
    if (p->max_downtime_ms && pass->downtime_ms >= 0 && (unsigned long long)pass->downtime_ms <= p->max_downtime_ms)
        return true;
    return false;
}

#endif
