/* xlkit-vs-libxl: xlkit's per-operation cost against real libxl (Debian's
 * libxenlight 4.17), side by side in one process, on real Xen (run it in
 * Xen in a box: bench/vm/run.sh, `make bench-vm`, docs/performance-vm.md).
 *
 *   xlkit-vs-libxl lib --domid D [--rounds R] [--batch-ms MS] [--json FILE]
 *   xlkit-vs-libxl cli [--runs N] [--json FILE] -- LABEL XLKIT_CMD XL_CMD ...
 *   xlkit-vs-libxl loop --domid D OP libxl|xlkit N   (one side alone, for
 *       strace -c -f or perf; OP as in the JSON: list_domain, domain_info, ...)
 *   xlkit-vs-libxl checkpoint --domid D [--runs N] [--json FILE] [--only libxl|xlkit]
 *   xlkit-vs-libxl create --kernel K --ramdisk R [--runs N] [--json FILE]
 *
 * create: a 96 MiB, 1-vCPU PVH guest created (left paused, as both
 * libraries leave it) and destroyed through each library in one process,
 * the two alternating N times after one untimed create each (libxenguest
 * loaded, code warm: what a toolstack daemon such as libvirtd sees). Per
 * run: the process's CPU (RUSAGE_SELF, every thread, plus RUSAGE_CHILDREN of
 * any child it reaped) for the create and for the destroy, and the wall
 * times; and, as a third side in the same process, the floor: the same
 * guest built and destroyed with libxenguest and nothing else (xen/xc_shim.c,
 * as bench/vm/pvh-floor, its handle kept open as a toolstack keeps its
 * ctx, its code as warm as the libraries'). "own" is each run's create
 * minus that run's floor build, then the median: the toolstack's own CPU of
 * a create without a process start.
 *
 * checkpoint: what `save -c DOM /dev/null` does, through each library in
 * one process (libxl_domain_suspend then libxl_domain_resume with
 * suspend_cancel, as xl's save -c; the same calls renamed for xlkit), the
 * two alternating N times. Per run: the process's own CPU (RUSAGE_SELF:
 * every thread of the toolstack library, hypercalls included), the copy
 * helper's (RUSAGE_CHILDREN: libxl-save-helper or xlkit-save-helper, reaped
 * by the library) and the wall time; medians. This is the toolstack's own
 * CPU of a checkpoint without a process start, which the CLI's figures
 * (bench/vm/save.py) are mostly made of. The guest must be a PV or PVH
 * guest that answers suspend requests; XLKIT_SAVE_HELPER names xlkit's
 * helper in a build tree.
 *
 * lib: both libraries get one context each, for the whole run (as a
 * toolstack keeps its ctx). Each operation runs in R rounds; in a round each
 * library runs one batch of the same number of iterations (the order of the
 * two alternates from round to round), timed with CLOCK_PROCESS_CPUTIME_ID
 * (every thread of the process, user and system, including the hypercalls,
 * which a PV dom0 accounts to the calling process) and CLOCK_MONOTONIC. The
 * batch size is calibrated on the slower of the two so that a batch takes
 * about MS milliseconds. Each figure is the median over the rounds of the
 * per-iteration time. xenstored's own work (a separate process) appears in
 * the wall-clock time only.
 * Where an operation has one, its floor runs in the same rounds as a third
 * side: the hypercalls the answer needs, made through libxenctrl with a
 * handle kept open and nothing else (pause + unpause: xc_domain_pause and
 * xc_domain_unpause; domain_info and list_domain: one getdomaininfolist).
 * What neither library can go below; "xlkit ÷ floor" is what xlkit adds.
 * pause + unpause run while the guest is held paused by one more pause
 * (taken here before the rounds, dropped after): each pair then moves the
 * pause count 1 -> 2 -> 1 and the hypercalls cost the same every time.
 * Without the hold, a pause must wait until the guest's vCPU, woken by the
 * previous unpause, is off its CPU: its cost depends on how soon the next
 * call comes, so the faster side paid more per hypercall (on a quiet box
 * the same two hypercalls of the floor measured 61 us in one row and
 * 120 us in the next).
 *
 * cli: each (XLKIT_CMD, XL_CMD) pair is run N times, alternately xlkit
 * first and xl first; a command is split on spaces (no shell), its output
 * discarded; wall time from fork to reaping, CPU time from the child's
 * rusage (user + system). Each figure is the median of N. The pairs run in
 * the order given, within each run (so "pause D" then "unpause D" pairs keep
 * the domain's pause count balanced).
 *
 * The tables are printed as Markdown on stdout; --json writes the figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenctrl.h>
#include <xentoollog.h>
#include <xlkit.h>

#include "xen/xc_shim.h"
#include "xen/xg_lazy.h"

#define TARGET_RATIO 0.5

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("xlkit-vs-libxl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static double now_ns(clockid_t clk) {
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the operations --------------------------------------------------------- */

struct env {
    xentoollog_logger *lg;
    libxl_ctx *lx;
    xlkit_ctx *xk;
    xc_interface *xc; /* the floor's */
    uint32_t domid;
};

#define CHECK(what, rc)                                                     \
    do {                                                                    \
        int rc_ = (rc);                                                     \
        if (rc_) die("%s failed: %d", what, rc_);                           \
    } while (0)

/* libxl */

static void lx_list(struct env *e) {
    int n = 0;
    libxl_dominfo *l = libxl_list_domain(e->lx, &n);
    if (!l || n < 2) die("libxl_list_domain failed (%d domains)", n);
    libxl_dominfo_list_free(l, n);
}

static void lx_info(struct env *e) {
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    CHECK("libxl_domain_info", libxl_domain_info(e->lx, &info, e->domid));
    libxl_dominfo_dispose(&info);
}

static void lx_pause_sync(struct env *e) {
    CHECK("libxl_domain_pause", libxl_domain_pause(e->lx, e->domid, NULL));
    CHECK("libxl_domain_unpause", libxl_domain_unpause(e->lx, e->domid, NULL));
}

static void lx_wait_complete(struct env *e, uint64_t cookie) {
    libxl_event *ev = NULL;
    CHECK("libxl_event_wait", libxl_event_wait(e->lx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL));
    if (ev->type != LIBXL_EVENT_TYPE_OPERATION_COMPLETE || ev->for_user != cookie)
        die("libxl: unexpected event type %d", (int)ev->type);
    CHECK("libxl operation", ev->u.operation_complete.rc);
    libxl_event_free(e->lx, ev);
}

static void lx_pause_event(struct env *e) {
    libxl_asyncop_how how = {.callback = NULL, .u.for_event = 1};
    CHECK("libxl_domain_pause (event)", libxl_domain_pause(e->lx, e->domid, &how));
    lx_wait_complete(e, 1);
    how.u.for_event = 2;
    CHECK("libxl_domain_unpause (event)", libxl_domain_unpause(e->lx, e->domid, &how));
    lx_wait_complete(e, 2);
}

static void lx_ctx(struct env *e) {
    libxl_ctx *c = NULL;
    CHECK("libxl_ctx_alloc", libxl_ctx_alloc(&c, LIBXL_VERSION, 0, e->lg));
    libxl_ctx_free(c);
}

static void lx_ctx_info(struct env *e) {
    libxl_ctx *c = NULL;
    CHECK("libxl_ctx_alloc", libxl_ctx_alloc(&c, LIBXL_VERSION, 0, e->lg));
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    CHECK("libxl_domain_info", libxl_domain_info(c, &info, e->domid));
    libxl_dominfo_dispose(&info);
    libxl_ctx_free(c);
}

/* xlkit: the same calls, renamed */

static void xk_list(struct env *e) {
    int n = 0;
    xlkit_dominfo *l = xlkit_list_domain(e->xk, &n);
    if (!l || n < 2) die("xlkit_list_domain failed (%d domains)", n);
    xlkit_dominfo_list_free(l, n);
}

static void xk_info(struct env *e) {
    xlkit_dominfo info;
    xlkit_dominfo_init(&info);
    CHECK("xlkit_domain_info", xlkit_domain_info(e->xk, &info, e->domid));
    xlkit_dominfo_dispose(&info);
}

static void xk_pause_sync(struct env *e) {
    CHECK("xlkit_domain_pause", xlkit_domain_pause(e->xk, e->domid, NULL));
    CHECK("xlkit_domain_unpause", xlkit_domain_unpause(e->xk, e->domid, NULL));
}

static void xk_wait_complete(struct env *e, uint64_t cookie) {
    xlkit_event *ev = NULL;
    CHECK("xlkit_event_wait", xlkit_event_wait(e->xk, &ev, XLKIT_EVENTMASK_ALL, NULL, NULL));
    if (ev->type != XLKIT_EVENT_TYPE_OPERATION_COMPLETE || ev->for_user != cookie)
        die("xlkit: unexpected event type %d", (int)ev->type);
    CHECK("xlkit operation", ev->u.operation_complete.rc);
    xlkit_event_free(e->xk, ev);
}

static void xk_pause_event(struct env *e) {
    xlkit_asyncop_how how = {.callback = NULL, .u.for_event = 1};
    CHECK("xlkit_domain_pause (event)", xlkit_domain_pause(e->xk, e->domid, &how));
    xk_wait_complete(e, 1);
    how.u.for_event = 2;
    CHECK("xlkit_domain_unpause (event)", xlkit_domain_unpause(e->xk, e->domid, &how));
    xk_wait_complete(e, 2);
}

static void xk_ctx(struct env *e) {
    xlkit_ctx *c = NULL;
    CHECK("xlkit_ctx_alloc", xlkit_ctx_alloc(&c, XLKIT_VERSION, 0, e->lg));
    xlkit_ctx_free(c);
}

static void xk_ctx_info(struct env *e) {
    xlkit_ctx *c = NULL;
    CHECK("xlkit_ctx_alloc", xlkit_ctx_alloc(&c, XLKIT_VERSION, 0, e->lg));
    xlkit_dominfo info;
    xlkit_dominfo_init(&info);
    CHECK("xlkit_domain_info", xlkit_domain_info(c, &info, e->domid));
    xlkit_dominfo_dispose(&info);
    xlkit_ctx_free(c);
}

/* floors: libxenctrl alone */

static void fl_list(struct env *e) {
    static xc_domaininfo_t buf[256];
    int n = xc_domain_getinfolist(e->xc, 0, 256, buf);
    if (n < 2) die("xc_domain_getinfolist failed (%d domains)", n);
}

static void fl_info(struct env *e) {
    xc_domaininfo_t info;
    if (xc_domain_getinfolist(e->xc, e->domid, 1, &info) != 1 || info.domain != e->domid)
        die("xc_domain_getinfolist of domain %u failed", e->domid);
}

static void fl_pause(struct env *e) {
    CHECK("xc_domain_pause", xc_domain_pause(e->xc, e->domid));
    CHECK("xc_domain_unpause", xc_domain_unpause(e->xc, e->domid));
}

typedef void op_fn(struct env *);

static const struct op {
    const char *name, *what;
    op_fn *lx, *xk, *fl; /* fl: the floor, or NULL */
    int targeted;        /* 0: information only */
    int hold_pause;      /* run with the guest held paused (see the top) */
} ops[] = {
    {"list_domain", "`list_domain` + `dominfo_list_free`", lx_list, xk_list, fl_list, 1, 0},
    {"domain_info", "`domain_info` of the guest + `dominfo_dispose`", lx_info, xk_info, fl_info, 1, 0},
    {"pause_unpause_sync", "`domain_pause` + `domain_unpause`, `ao_how` NULL", lx_pause_sync,
     xk_pause_sync, fl_pause, 1, 1},
    {"pause_unpause_event",
     "`domain_pause` + `domain_unpause`, event mode (`callback` NULL, `event_wait` for each "
     "OPERATION_COMPLETE)",
     lx_pause_event, xk_pause_event, fl_pause, 1, 1},
    {"ctx_alloc_free", "`ctx_alloc` + `ctx_free`", lx_ctx, xk_ctx, NULL, 1, 0},
    {"ctx_alloc_info_free", "`ctx_alloc` + `domain_info` + `ctx_free` (a one-shot tool)",
     lx_ctx_info, xk_ctx_info, NULL, 0, 0},
};
#define NOPS (sizeof ops / sizeof ops[0])

struct sample {
    double cpu, wall; /* ns per iteration */
};

static struct sample run_batch(op_fn *f, struct env *e, long n) {
    double c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), w0 = now_ns(CLOCK_MONOTONIC);
    for (long i = 0; i < n; ++i) f(e);
    double c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID), w1 = now_ns(CLOCK_MONOTONIC);
    return (struct sample){(c1 - c0) / (double)n, (w1 - w0) / (double)n};
}

static void fmt_time(char *buf, size_t len, double ns) {
    if (ns >= 1e6)
        snprintf(buf, len, "%.2f ms", ns / 1e6);
    else
        snprintf(buf, len, "%.1f µs", ns / 1e3);
}

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; ++s) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int cmd_lib(int argc, char **argv) {
    long domid = -1;
    int rounds = 5;
    double batch_ms = 300;
    const char *json = NULL;
    for (int i = 0; i < argc; ++i) {
        if (!strcmp(argv[i], "--domid") && i + 1 < argc)
            domid = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch-ms") && i + 1 < argc)
            batch_ms = atof(argv[++i]);
        else if (!strcmp(argv[i], "--json") && i + 1 < argc)
            json = argv[++i];
        else
            die("lib: unknown argument %s", argv[i]);
    }
    if (domid <= 0) die("lib: --domid of a running guest (not 0) is required");
    if (rounds < 1 || rounds > 100 || batch_ms <= 0) die("lib: bad --rounds or --batch-ms");

    struct env e = {.domid = (uint32_t)domid};
    e.lg = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (!e.lg) die("cannot create a logger");
    CHECK("libxl_ctx_alloc", libxl_ctx_alloc(&e.lx, LIBXL_VERSION, 0, e.lg));
    CHECK("xlkit_ctx_alloc", xlkit_ctx_alloc(&e.xk, XLKIT_VERSION, 0, e.lg));
    e.xc = xc_interface_open(e.lg, e.lg, 0);
    if (!e.xc) die("xc_interface_open failed");

    struct result {
        double cpu[3], wall[3]; /* [0] libxl, [1] xlkit, [2] floor (if any) */
        long iters;
    } res[NOPS];
    double load_cpu = 0, load_wall = 0;

    for (size_t k = 0; k < NOPS; ++k) {
        const struct op *o = &ops[k];
        if (o->hold_pause) CHECK("xc_domain_pause (the hold)", xc_domain_pause(e.xc, e.domid));
        /* warm-up (opens xlkit's stacks on first use, faults pages in) and
         * calibration on the slower of the two */
        for (int i = 0; i < 3; ++i) {
            o->lx(&e);
            o->xk(&e);
            if (o->fl) o->fl(&e);
        }
        struct sample a = run_batch(o->lx, &e, 3), b = run_batch(o->xk, &e, 3);
        double per = a.wall > b.wall ? a.wall : b.wall;
        long n = (long)(batch_ms * 1e6 / (per > 1 ? per : 1));
        if (n < 3) n = 3;
        if (n > 1000000) n = 1000000;
        /* The sides take turns: libxl, xlkit (and the floor) in an order
         * that rotates from round to round. */
        int sides = o->fl ? 3 : 2;
        double cpu[3][100], wall[3][100];
        for (int r = 0; r < rounds; ++r)
            for (int j = 0; j < sides; ++j) {
                int impl = (r % 2) ? sides - 1 - (j + r / 2) % sides : (j + r / 2) % sides;
                op_fn *f = impl == 0 ? o->lx : impl == 1 ? o->xk : o->fl;
                struct sample s = run_batch(f, &e, n);
                cpu[impl][r] = s.cpu;
                wall[impl][r] = s.wall;
                load_cpu += s.cpu * (double)n;
                load_wall += s.wall * (double)n;
            }
        res[k].cpu[2] = res[k].wall[2] = 0;
        for (int impl = 0; impl < sides; ++impl) {
            res[k].cpu[impl] = median(cpu[impl], rounds);
            res[k].wall[impl] = median(wall[impl], rounds);
        }
        res[k].iters = n;
        if (o->hold_pause) CHECK("xc_domain_unpause (the hold)", xc_domain_unpause(e.xc, e.domid));
        fprintf(stderr, "  %-22s libxl %10.0f ns  xlkit %10.0f ns  floor %10.0f ns CPU (%ld iterations x %d rounds)\n",
                o->name, res[k].cpu[0], res[k].cpu[1], res[k].cpu[2], n, rounds);
    }

    xlkit_ctx_free(e.xk);
    libxl_ctx_free(e.lx);
    xc_interface_close(e.xc);

    printf("| Operation | libxl CPU | xlkit CPU | xlkit ÷ libxl | Target | Met | libxl wall | xlkit wall | wall ratio "
           "| floor CPU | libxl ÷ floor | xlkit ÷ floor |\n");
    printf("|---|---:|---:|---:|---|:---:|---:|---:|---:|---:|---:|---:|\n");
    int met = 0, targeted = 0;
    for (size_t k = 0; k < NOPS; ++k) {
        char lc[32], xc[32], lw[32], xw[32];
        fmt_time(lc, sizeof lc, res[k].cpu[0]);
        fmt_time(xc, sizeof xc, res[k].cpu[1]);
        fmt_time(lw, sizeof lw, res[k].wall[0]);
        fmt_time(xw, sizeof xw, res[k].wall[1]);
        double ratio = res[k].cpu[1] / res[k].cpu[0];
        int ok = ratio <= TARGET_RATIO;
        if (ops[k].targeted) {
            targeted++;
            met += ok;
        }
        printf("| %s | %s | %s | %.2f× | %s | %s | %s | %s | %.2f× |", ops[k].what, lc, xc, ratio,
               ops[k].targeted ? "≤ 0.5× libxl" : "(information)",
               ops[k].targeted ? (ok ? "**yes**" : "**no**") : "—", lw, xw,
               res[k].wall[1] / res[k].wall[0]);
        if (ops[k].fl) {
            char fc[32];
            fmt_time(fc, sizeof fc, res[k].cpu[2]);
            printf(" %s | %.2f× | %.2f× |\n", fc, res[k].cpu[0] / res[k].cpu[2], res[k].cpu[1] / res[k].cpu[2]);
        } else {
            printf(" — | — | — |\n");
        }
    }
    printf("\nTargets met: %d of %d. Wall ÷ CPU over every batch: %.2f.\n", met, targeted,
           load_cpu > 0 ? load_wall / load_cpu : 0);

    if (json) {
        FILE *f = fopen(json, "w");
        if (!f) die("cannot write %s: %s", json, strerror(errno));
        fprintf(f, "{\n  \"rounds\": %d,\n  \"batch_ms\": %g,\n  \"domid\": %ld,\n", rounds,
                batch_ms, domid);
        fprintf(f, "  \"wall_over_cpu\": %.3f,\n  \"ops\": [\n",
                load_cpu > 0 ? load_wall / load_cpu : 0);
        for (size_t k = 0; k < NOPS; ++k) {
            fprintf(f, "    {\"name\": ");
            json_str(f, ops[k].name);
            fprintf(f,
                    ", \"iterations\": %ld, \"targeted\": %s, \"libxl_cpu_ns\": %.0f, "
                    "\"xlkit_cpu_ns\": %.0f, \"libxl_wall_ns\": %.0f, \"xlkit_wall_ns\": %.0f, "
                    "\"floor_cpu_ns\": %.0f, \"floor_wall_ns\": %.0f, \"ratio_cpu\": %.3f}%s\n",
                    res[k].iters, ops[k].targeted ? "true" : "false", res[k].cpu[0], res[k].cpu[1],
                    res[k].wall[0], res[k].wall[1], res[k].cpu[2], res[k].wall[2],
                    res[k].cpu[1] / res[k].cpu[0], k + 1 < NOPS ? "," : "");
        }
        fprintf(f, "  ]\n}\n");
        fclose(f);
    }
    xtl_logger_destroy(e.lg);
    return 0;
}

/* One operation of one library, N times (after one untimed call), for
 * strace -c / perf: xlkit-vs-libxl loop --domid D OP libxl|xlkit N */
static int cmd_loop(int argc, char **argv) {
    if (argc != 5 || strcmp(argv[0], "--domid")) die("loop: --domid D OP libxl|xlkit N");
    struct env e = {.domid = (uint32_t)strtoul(argv[1], NULL, 10)};
    const struct op *o = NULL;
    for (size_t k = 0; k < NOPS; ++k)
        if (!strcmp(ops[k].name, argv[2])) o = &ops[k];
    if (!o) die("loop: unknown operation %s", argv[2]);
    int xk = !strcmp(argv[3], "xlkit");
    if (!xk && strcmp(argv[3], "libxl")) die("loop: libxl or xlkit, not %s", argv[3]);
    long n = atol(argv[4]);
    e.lg = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (!e.lg) die("cannot create a logger");
    if (xk)
        CHECK("xlkit_ctx_alloc", xlkit_ctx_alloc(&e.xk, XLKIT_VERSION, 0, e.lg));
    else
        CHECK("libxl_ctx_alloc", libxl_ctx_alloc(&e.lx, LIBXL_VERSION, 0, e.lg));
    op_fn *f = xk ? o->xk : o->lx;
    f(&e);
    fprintf(stderr, "loop: start\n");
    struct sample s = run_batch(f, &e, n);
    fprintf(stderr, "loop: %s/%s: %.0f ns CPU, %.0f ns wall per iteration\n", o->name, argv[3],
            s.cpu, s.wall);
    if (xk)
        xlkit_ctx_free(e.xk);
    else
        libxl_ctx_free(e.lx);
    xtl_logger_destroy(e.lg);
    return 0;
}

/* ---- a checkpoint through each library -------------------------------------------- */

static double tv_s(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

/* User + system CPU seconds of RUSAGE_SELF or RUSAGE_CHILDREN so far. */
static double rusage_cpu(int who) {
    struct rusage r;
    getrusage(who, &r);
    return tv_s(r.ru_utime) + tv_s(r.ru_stime);
}

struct ckpt {
    double self, child, wall; /* seconds */
};

static struct ckpt checkpoint_once(struct env *e, int xk) {
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0) die("open /dev/null: %s", strerror(errno));
    double s0 = rusage_cpu(RUSAGE_SELF), c0 = rusage_cpu(RUSAGE_CHILDREN);
    double w0 = now_ns(CLOCK_MONOTONIC);
    if (xk) {
        CHECK("xlkit_domain_suspend", xlkit_domain_suspend(e->xk, e->domid, fd, 0, NULL));
        CHECK("xlkit_domain_resume", xlkit_domain_resume(e->xk, e->domid, 1, NULL));
    } else {
        CHECK("libxl_domain_suspend", libxl_domain_suspend(e->lx, e->domid, fd, 0, NULL));
        CHECK("libxl_domain_resume", libxl_domain_resume(e->lx, e->domid, 1, NULL));
    }
    double w1 = now_ns(CLOCK_MONOTONIC);
    double s1 = rusage_cpu(RUSAGE_SELF), c1 = rusage_cpu(RUSAGE_CHILDREN);
    close(fd);
    struct ckpt r;
    r.self = s1 - s0;
    r.child = c1 - c0;
    r.wall = (w1 - w0) / 1e9;
    return r;
}

static int cmd_checkpoint(int argc, char **argv) {
    long domid = -1;
    int runs = 7;
    const char *json = NULL;
    int only = -1; /* --only: one side alone (for strace -c -f), no table */
    for (int i = 0; i < argc; ++i) {
        if (!strcmp(argv[i], "--domid") && i + 1 < argc)
            domid = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json") && i + 1 < argc)
            json = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = !strcmp(argv[++i], "xlkit") ? 1 : !strcmp(argv[i], "libxl") ? 0 : -2;
        else
            die("checkpoint: unknown argument %s", argv[i]);
    }
    if (only == -2) die("checkpoint: --only libxl or xlkit");
    if (domid <= 0) die("checkpoint: --domid of a running guest (not 0) is required");
    if (runs < 1 || runs > 100) die("checkpoint: --runs from 1 to 100");
    struct env e = {.domid = (uint32_t)domid};
    e.lg = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (!e.lg) die("cannot create a logger");
    CHECK("libxl_ctx_alloc", libxl_ctx_alloc(&e.lx, LIBXL_VERSION, 0, e.lg));
    CHECK("xlkit_ctx_alloc", xlkit_ctx_alloc(&e.xk, XLKIT_VERSION, 0, e.lg));
    if (only >= 0) {
        for (int r = 0; r < runs; ++r) {
            struct ckpt c = checkpoint_once(&e, only);
            fprintf(stderr, "  run %d %s own %.3f s  helper %.3f s  wall %.3f s\n", r + 1, only ? "xlkit" : "libxl",
                    c.self, c.child, c.wall);
        }
        xlkit_ctx_free(e.xk);
        libxl_ctx_free(e.lx);
        xtl_logger_destroy(e.lg);
        return 0;
    }
    /* one untimed checkpoint each: both open what they open on first use */
    (void)checkpoint_once(&e, 0);
    (void)checkpoint_once(&e, 1);
    double self[2][100], child[2][100], wall[2][100];
    for (int r = 0; r < runs; ++r)
        for (int j = 0; j < 2; ++j) {
            int xk = (r % 2) ? 1 - j : j;
            struct ckpt c = checkpoint_once(&e, xk);
            self[xk][r] = c.self;
            child[xk][r] = c.child;
            wall[xk][r] = c.wall;
            fprintf(stderr, "  run %d %-5s own %.3f s  helper %.3f s  wall %.3f s\n", r + 1, xk ? "xlkit" : "libxl",
                    c.self, c.child, c.wall);
        }
    double m[2][3];
    for (int k = 0; k < 2; ++k) {
        m[k][0] = median(self[k], runs);
        m[k][1] = median(child[k], runs);
        m[k][2] = median(wall[k], runs);
    }
    xlkit_ctx_free(e.xk);
    libxl_ctx_free(e.lx);
    xtl_logger_destroy(e.lg);
    printf("| checkpoint (suspend + resume, %d runs, medians) | libxl | xlkit | xlkit ÷ libxl |\n", runs);
    printf("|---|---:|---:|---:|\n");
    static const char *what[3] = {"CPU, the toolstack's own (the process)", "CPU, the copy helper",
                                  "wall"};
    for (int i = 0; i < 3; ++i)
        printf("| %s | %.3f s | %.3f s | %.2f× |\n", what[i], m[0][i], m[1][i], m[1][i] / m[0][i]);
    if (json) {
        FILE *f = fopen(json, "w");
        if (!f) die("cannot write %s: %s", json, strerror(errno));
        fprintf(f, "{\"runs\": %d, \"domid\": %ld, \"libxl\": {\"own_cpu_s\": %.4f, \"helper_cpu_s\": %.4f, "
                   "\"wall_s\": %.4f}, \"xlkit\": {\"own_cpu_s\": %.4f, \"helper_cpu_s\": %.4f, \"wall_s\": %.4f}}\n",
                runs, domid, m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2]);
        fclose(f);
    }
    return 0;
}

/* ---- a PVH create and destroy through each library ------------------------------ */

#define CREATE_MIB 96
#define CREATE_CMDLINE "console=hvc0 quiet"

struct create_args {
    const char *kernel, *ramdisk;
    xlkit_xc *xc; /* the floor's */
};

static uint32_t lx_create_pvh(struct env *e, const struct create_args *a) {
    libxl_domain_config dc;
    libxl_domain_config_init(&dc);
    dc.c_info.type = LIBXL_DOMAIN_TYPE_PVH;
    dc.c_info.name = strdup("bc-libxl");
    libxl_domain_build_info_init_type(&dc.b_info, LIBXL_DOMAIN_TYPE_PVH);
    dc.b_info.max_memkb = dc.b_info.target_memkb = CREATE_MIB * 1024;
    dc.b_info.max_vcpus = 1;
    CHECK("libxl_cpu_bitmap_alloc", libxl_cpu_bitmap_alloc(e->lx, &dc.b_info.avail_vcpus, 1));
    libxl_bitmap_set(&dc.b_info.avail_vcpus, 0);
    dc.b_info.kernel = strdup(a->kernel);
    dc.b_info.ramdisk = strdup(a->ramdisk);
    dc.b_info.cmdline = strdup(CREATE_CMDLINE);
    dc.b_info.tsc_mode = LIBXL_TSC_MODE_NATIVE;
    dc.on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
    uint32_t domid = 0;
    CHECK("libxl_domain_create_new", libxl_domain_create_new(e->lx, &dc, &domid, NULL, NULL));
    libxl_domain_config_dispose(&dc);
    return domid;
}

static uint32_t xk_create_pvh(struct env *e, const struct create_args *a) {
    xlkit_domain_config c;
    xlkit_domain_config_init(&c);
    c.name = strdup("bc-xlkit");
    c.type = XLKIT_DOMAIN_TYPE_PVH;
    c.kernel = strdup(a->kernel);
    c.ramdisk = strdup(a->ramdisk);
    c.cmdline = strdup(CREATE_CMDLINE);
    c.memory = CREATE_MIB;
    c.vcpus = 1;
    c.tsc_mode = XLKIT_TSC_MODE_NATIVE;
    c.on_poweroff = XLKIT_ACTION_ON_SHUTDOWN_DESTROY;
    uint32_t domid = 0;
    CHECK("xlkit_domain_create_new", xlkit_domain_create_new(e->xk, &c, &domid, NULL, NULL));
    xlkit_domain_config_dispose(&c);
    return domid;
}

struct create_sample {
    double create_cpu, create_wall, destroy_cpu, destroy_wall, child_cpu;
};

static struct create_sample create_once(struct env *e, const struct create_args *a, int xk) {
    struct create_sample r;
    double c0 = rusage_cpu(RUSAGE_SELF), k0 = rusage_cpu(RUSAGE_CHILDREN), w0 = now_ns(CLOCK_MONOTONIC);
    uint32_t domid = xk ? xk_create_pvh(e, a) : lx_create_pvh(e, a);
    double c1 = rusage_cpu(RUSAGE_SELF), w1 = now_ns(CLOCK_MONOTONIC);
    if (xk)
        CHECK("xlkit_domain_destroy", xlkit_domain_destroy(e->xk, domid, NULL));
    else
        CHECK("libxl_domain_destroy", libxl_domain_destroy(e->lx, domid, NULL));
    double c2 = rusage_cpu(RUSAGE_SELF), k2 = rusage_cpu(RUSAGE_CHILDREN), w2 = now_ns(CLOCK_MONOTONIC);
    r.create_cpu = c1 - c0;
    r.create_wall = (w1 - w0) / 1e9;
    r.destroy_cpu = c2 - c1;
    r.destroy_wall = (w2 - w1) / 1e9;
    r.child_cpu = k2 - k0;
    return r;
}

/* The floor: the same guest built by libxenguest alone (as bench/vm/pvh-floor:
 * tsc_mode native, libxl's default paging pool), then destroyed with the
 * hypercall alone (xc_domain_destroy until it is gone); the CPU of each. */
struct floor_sample {
    double build_cpu, destroy_cpu;
};

static struct floor_sample floor_once(const struct create_args *a) {
    static uint8_t uuid[16] = {0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61,
                               0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69};
    xlkit_xc_build_args b;
    memset(&b, 0, sizeof b);
    b.type = XLKIT_XC_TYPE_PVH;
    b.uuid = uuid;
    b.kernel = a->kernel;
    b.ramdisk = a->ramdisk;
    b.cmdline = CREATE_CMDLINE;
    b.memkb = b.maxmemkb = (uint64_t)CREATE_MIB << 10;
    b.vcpus = 1;
    b.tsc_mode = 2;
    b.shadow_kb = 1024 + CREATE_MIB * 8;
    xlkit_xc_built built;
    double c0 = rusage_cpu(RUSAGE_SELF);
    int r = xlkit_xc_build(a->xc, &b, &built);
    double c1 = rusage_cpu(RUSAGE_SELF);
    if (r < 0) die("floor: building the domain failed in %s: %s", xlkit_xc_failed_step(a->xc), strerror(-r));
    r = xlkit_xc_destroy(a->xc, built.domid);
    double c2 = rusage_cpu(RUSAGE_SELF);
    if (r < 0) die("floor: destroying domain %u failed: %s", built.domid, strerror(-r));
    return (struct floor_sample){c1 - c0, c2 - c1};
}

static int cmd_create(int argc, char **argv) {
    struct create_args a = {0};
    int runs = 7;
    const char *json = NULL;
    for (int i = 0; i < argc; ++i) {
        if (!strcmp(argv[i], "--kernel") && i + 1 < argc)
            a.kernel = argv[++i];
        else if (!strcmp(argv[i], "--ramdisk") && i + 1 < argc)
            a.ramdisk = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json") && i + 1 < argc)
            json = argv[++i];
        else
            die("create: unknown argument %s", argv[i]);
    }
    if (!a.kernel || !a.ramdisk) die("create: --kernel and --ramdisk are required");
    if (runs < 1 || runs > 100) die("create: --runs from 1 to 100");
    struct env e = {0};
    e.lg = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (!e.lg) die("cannot create a logger");
    CHECK("libxl_ctx_alloc", libxl_ctx_alloc(&e.lx, LIBXL_VERSION, 0, e.lg));
    CHECK("xlkit_ctx_alloc", xlkit_ctx_alloc(&e.xk, XLKIT_VERSION, 0, e.lg));
    const char *why = NULL;
    if (!xlkit_xg_get(&why)) die("floor: %s", why);
    a.xc = xlkit_xc_open();
    if (!a.xc) die("floor: cannot open libxenctrl: %s", strerror(errno));
    (void)create_once(&e, &a, 0); /* untimed: each loads what it loads on first use */
    (void)create_once(&e, &a, 1);
    (void)floor_once(&a);
    static double v[2][7][100], fl[100], fd[100];
    for (int r = 0; r < runs; ++r) {
        for (int j = 0; j < 2; ++j) {
            int xk = (r % 2) ? 1 - j : j;
            struct create_sample c = create_once(&e, &a, xk);
            v[xk][0][r] = c.create_cpu;
            v[xk][1][r] = c.create_wall;
            v[xk][2][r] = c.destroy_cpu;
            v[xk][3][r] = c.destroy_wall;
            v[xk][4][r] = c.child_cpu;
            fprintf(stderr, "  run %d %-5s create %.3f s CPU (%.3f s wall)  destroy %.3f s CPU (%.3f s wall)\n", r + 1,
                    xk ? "xlkit" : "libxl", c.create_cpu, c.create_wall, c.destroy_cpu, c.destroy_wall);
        }
        struct floor_sample fs = floor_once(&a);
        fl[r] = fs.build_cpu;
        fd[r] = fs.destroy_cpu;
        for (int k = 0; k < 2; ++k) {
            v[k][5][r] = v[k][0][r] + v[k][4][r] - fl[r];
            v[k][6][r] = v[k][2][r] - fd[r];
        }
        fprintf(stderr, "  run %d floor build %.3f s, destroy %.3f s CPU; own create: libxl %.3f s, xlkit %.3f s\n",
                r + 1, fl[r], fd[r], v[0][5][r], v[1][5][r]);
    }
    xlkit_xc_close(a.xc);
    xlkit_ctx_free(e.xk);
    libxl_ctx_free(e.lx);
    xtl_logger_destroy(e.lg);
    double m[2][7];
    for (int k = 0; k < 2; ++k)
        for (int i = 0; i < 7; ++i) m[k][i] = median(v[k][i], runs);
    double f = median(fl, runs), g = median(fd, runs);
    printf("| PVH create + destroy, library only (%d runs, medians) | libxl | xlkit | xlkit ÷ libxl |\n", runs);
    printf("|---|---:|---:|---:|\n");
    printf("| create: CPU | %.3f s | %.3f s | %.2f× |\n", m[0][0], m[1][0], m[1][0] / m[0][0]);
    printf("| floor: the libxenguest build alone, same process | %.3f s | %.3f s | |\n", f, f);
    printf("| create: CPU, the toolstack's own (create + children − that run's floor) | %.3f s | %.3f s | %.2f× |\n",
           m[0][5], m[1][5], m[1][5] / m[0][5]);
    printf("| create: wall | %.3f s | %.3f s | %.2f× |\n", m[0][1], m[1][1], m[1][1] / m[0][1]);
    printf("| destroy: CPU | %.3f s | %.3f s | %.2f× |\n", m[0][2], m[1][2], m[1][2] / m[0][2]);
    printf("| floor: the destroy hypercall alone, same process | %.3f s | %.3f s | |\n", g, g);
    printf("| destroy: CPU, the toolstack's own (minus that run's floor) | %.3f s | %.3f s | %.2f× |\n", m[0][6],
           m[1][6], m[1][6] / m[0][6]);
    printf("| destroy: wall | %.3f s | %.3f s | %.2f× |\n", m[0][3], m[1][3], m[1][3] / m[0][3]);
    printf("| children's CPU (create + destroy) | %.3f s | %.3f s | |\n", m[0][4], m[1][4]);
    if (json) {
        FILE *fj = fopen(json, "w");
        if (!fj) die("cannot write %s: %s", json, strerror(errno));
        fprintf(fj, "{\"runs\": %d, \"floor_build_cpu_s\": %.4f, \"floor_destroy_cpu_s\": %.4f", runs, f, g);
        for (int k = 0; k < 2; ++k)
            fprintf(fj,
                    ", \"%s\": {\"create_cpu_s\": %.4f, \"create_own_cpu_s\": %.4f, \"create_wall_s\": %.4f, "
                    "\"destroy_cpu_s\": %.4f, \"destroy_own_cpu_s\": %.4f, \"destroy_wall_s\": %.4f, "
                    "\"children_cpu_s\": %.4f}",
                    k ? "xlkit" : "libxl", m[k][0], m[k][5], m[k][1], m[k][2], m[k][6], m[k][3], m[k][4]);
        fprintf(fj, "}\n");
        fclose(fj);
    }
    return 0;
}

/* ---- the CLI against xl ------------------------------------------------------- */

static struct sample run_cmd(const char *cmd) {
    char buf[1024];
    char *argv[64];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", cmd);
    for (char *t = strtok(buf, " "); t && argc < 63; t = strtok(NULL, " ")) argv[argc++] = t;
    argv[argc] = NULL;
    if (!argc) die("empty command");
    double w0 = now_ns(CLOCK_MONOTONIC);
    pid_t pid = fork();
    if (pid < 0) die("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) die("wait4: %s", strerror(errno));
    double w1 = now_ns(CLOCK_MONOTONIC);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("`%s` failed (status 0x%x)", cmd, status);
    double cpu = ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e9 +
                 ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e3;
    return (struct sample){cpu, w1 - w0};
}

static int cmd_cli(int argc, char **argv) {
    int runs = 20;
    const char *json = NULL;
    int i = 0;
    for (; i < argc; ++i) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json") && i + 1 < argc)
            json = argv[++i];
        else if (!strcmp(argv[i], "--")) {
            ++i;
            break;
        } else
            die("cli: unknown argument %s", argv[i]);
    }
    int npairs = (argc - i) / 3;
    if (npairs < 1 || (argc - i) % 3 || runs < 1 || runs > 1000)
        die("cli: expected -- LABEL XLKIT_CMD XL_CMD ... and 1 <= --runs <= 1000");
    char **p = argv + i;
    double *cpu = calloc((size_t)(npairs * 2 * runs), sizeof *cpu);
    double *wall = calloc((size_t)(npairs * 2 * runs), sizeof *wall);
    if (!cpu || !wall) die("out of memory");
#define AT(arr, k, impl, r) arr[((k)*2 + (impl)) * runs + (r)]
    for (int r = 0; r < runs; ++r)
        for (int k = 0; k < npairs; ++k)
            for (int j = 0; j < 2; ++j) {
                int impl = (r % 2) ? 1 - j : j; /* 0: xlkit, 1: xl */
                struct sample s = run_cmd(p[k * 3 + 1 + impl]);
                AT(cpu, k, impl, r) = s.cpu;
                AT(wall, k, impl, r) = s.wall;
            }
    printf("| Command | xlkit wall | xl wall | wall ratio | xlkit CPU | xl CPU | CPU ratio |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|\n");
    FILE *f = NULL;
    if (json) {
        f = fopen(json, "w");
        if (!f) die("cannot write %s: %s", json, strerror(errno));
        fprintf(f, "{\n  \"runs\": %d,\n  \"commands\": [\n", runs);
    }
    for (int k = 0; k < npairs; ++k) {
        double m[2][2]; /* [impl][0 wall, 1 cpu] */
        for (int impl = 0; impl < 2; ++impl) {
            m[impl][0] = median(&AT(wall, k, impl, 0), runs);
            m[impl][1] = median(&AT(cpu, k, impl, 0), runs);
        }
        char b[4][32];
        fmt_time(b[0], sizeof b[0], m[0][0]);
        fmt_time(b[1], sizeof b[1], m[1][0]);
        fmt_time(b[2], sizeof b[2], m[0][1]);
        fmt_time(b[3], sizeof b[3], m[1][1]);
        printf("| `%s` vs `%s` | %s | %s | %.2f× | %s | %s | %.2f× |\n", p[k * 3 + 1], p[k * 3 + 2],
               b[0], b[1], m[0][0] / m[1][0], b[2], b[3], m[0][1] / m[1][1]);
        if (f) {
            fprintf(f, "    {\"label\": ");
            json_str(f, p[k * 3]);
            fprintf(f, ", \"xlkit\": ");
            json_str(f, p[k * 3 + 1]);
            fprintf(f, ", \"xl\": ");
            json_str(f, p[k * 3 + 2]);
            fprintf(f,
                    ", \"xlkit_wall_ns\": %.0f, \"xl_wall_ns\": %.0f, \"xlkit_cpu_ns\": %.0f, "
                    "\"xl_cpu_ns\": %.0f}%s\n",
                    m[0][0], m[1][0], m[0][1], m[1][1], k + 1 < npairs ? "," : "");
        }
    }
    if (f) {
        fprintf(f, "  ]\n}\n");
        fclose(f);
    }
    free(cpu);
    free(wall);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "lib")) return cmd_lib(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "cli")) return cmd_cli(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "loop")) return cmd_loop(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "checkpoint")) return cmd_checkpoint(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "create")) return cmd_create(argc - 2, argv + 2);
    fprintf(stderr,
            "usage: xlkit-vs-libxl lib --domid D [--rounds R] [--batch-ms MS] [--json FILE]\n"
            "       xlkit-vs-libxl cli [--runs N] [--json FILE] -- LABEL XLKIT_CMD XL_CMD ...\n"
            "       xlkit-vs-libxl loop --domid D OP libxl|xlkit N   (for strace -c, perf)\n"
            "       xlkit-vs-libxl checkpoint --domid D [--runs N] [--json FILE]\n"
            "       xlkit-vs-libxl create --kernel K --ramdisk R [--runs N] [--json FILE]\n"
            "(in dom0 of real Xen; see bench/vm/run.sh and docs/performance-vm.md)\n");
    return 2;
}
