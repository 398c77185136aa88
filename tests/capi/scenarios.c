/* Embedding scenarios for the C API, written against xlkit.h only, the way
 * a libxl embedder would. Each one drives the application's loop (libvirt's,
 * GLib's, or plain poll()) until the operation reports back. */
#include "scenarios.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

static int passed, failed;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (cond) {                                        \
            passed++;                                      \
        } else {                                           \
            failed++;                                      \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);    \
            printf(__VA_ARGS__);                           \
            printf("\n");                                  \
        }                                                  \
    } while (0)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Iterate until *flag is set, at most `secs`. */
static int drive_until(loop_driver *d, volatile int *flag, double secs) {
    double end = now_s() + secs;
    while (!*flag && now_s() < end) d->iterate(d->loop);
    return *flag;
}

typedef struct {
    volatile int done;
    int rc;
    int calls;
    int frees;
    char lines[8][64];
    int nlines;
    int progress_frees;
} op_rec;

static void op_done(xlkit_ctx *ctx, int rc, void *user) {
    op_rec *r = user;
    (void)ctx;
    r->rc = rc;
    r->calls++;
    r->done = 1;
}
static void op_free(void *user) { ((op_rec *)user)->frees++; }

static void on_line(xlkit_ctx *ctx, xlkit_event *ev, void *user) {
    op_rec *r = user;
    if (ev->type == XLKIT_EVENT_TYPE_HELPER_OUTPUT && r->nlines < 8) {
        snprintf(r->lines[r->nlines], sizeof r->lines[0], "%s",
                 ev->u.helper_output.line ? ev->u.helper_output.line : "");
        r->nlines++;
    }
    xlkit_event_free(ctx, ev);
}
static void progress_free(void *user) { ((op_rec *)user)->progress_frees++; }

static void scenario_callback_with_progress(xlkit_ctx *ctx, loop_driver *d) {
    op_rec r;
    memset(&r, 0, sizeof r);
    const char *argv[] = {"sh", "-c", "echo one; echo two; printf three", NULL};
    int status = -1;
    xlkit_asyncop_how how = {.callback = op_done, .u.for_callback = &r, .free_callback = op_free};
    xlkit_asyncprogress_how out = {.callback = on_line, .for_callback = &r, .free_callback = progress_free};
    int rc = xlkit_helper_run(ctx, argv, 10000, &status, &how, &out);
    CHECK(rc == 0, "[%s] helper_run started: rc %d", d->name, rc);
    CHECK(drive_until(d, &r.done, 10), "[%s] completion callback came", d->name);
    CHECK(r.rc == 0 && r.calls == 1, "[%s] rc %d, %d calls", d->name, r.rc, r.calls);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "[%s] status %#x", d->name, status);
    CHECK(r.nlines == 3 && !strcmp(r.lines[0], "one") && !strcmp(r.lines[1], "two") &&
              !strcmp(r.lines[2], "three"),
          "[%s] output lines in order (%d)", d->name, r.nlines);
    CHECK(r.frees == 1 && r.progress_frees == 1, "[%s] closures freed once (%d, %d)", d->name,
          r.frees, r.progress_frees);
}

static int is_complete_for(const xlkit_event *ev, void *user) {
    return ev->type == XLKIT_EVENT_TYPE_OPERATION_COMPLETE && ev->for_user == *(uint64_t *)user;
}

static void scenario_event_mode(xlkit_ctx *ctx, loop_driver *d) {
    const char *argv[] = {"sh", "-c", "exit 3", NULL};
    int status = -1;
    uint64_t cookie = 4242;
    xlkit_asyncop_how how = {.callback = NULL, .u.for_event = cookie};
    int rc = xlkit_helper_run(ctx, argv, 0, &status, &how, NULL);
    CHECK(rc == 0, "[%s] event-mode helper_run started: rc %d", d->name, rc);
    xlkit_event *ev = NULL;
    double end = now_s() + 10;
    while (now_s() < end) {
        rc = xlkit_event_check(ctx, &ev, XLKIT_EVENTMASK_ALL, is_complete_for, &cookie);
        if (rc != XLKIT_ERROR_NOT_READY) break;
        d->iterate(d->loop);
    }
    CHECK(rc == 0 && ev, "[%s] OPERATION_COMPLETE arrived: rc %d", d->name, rc);
    if (ev) {
        CHECK(ev->u.operation_complete.rc == 0, "[%s] its rc %d", d->name,
              (int)ev->u.operation_complete.rc);
        xlkit_event_free(ctx, ev);
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3, "[%s] exit status 3 (%#x)", d->name, status);
}

static void scenario_timeout(xlkit_ctx *ctx, loop_driver *d) {
    op_rec r;
    memset(&r, 0, sizeof r);
    const char *argv[] = {"sleep", "10", NULL};
    xlkit_asyncop_how how = {.callback = op_done, .u.for_callback = &r, .free_callback = op_free};
    double t0 = now_s();
    int rc = xlkit_helper_run(ctx, argv, 100, NULL, &how, NULL);
    CHECK(rc == 0, "[%s] started: %d", d->name, rc);
    CHECK(drive_until(d, &r.done, 10), "[%s] timed-out op completed", d->name);
    CHECK(r.rc == XLKIT_ERROR_TIMEDOUT, "[%s] rc %d is TIMEDOUT", d->name, r.rc);
    CHECK(now_s() - t0 < 5, "[%s] within the timeout and grace", d->name);
}

static void scenario_abort(xlkit_ctx *ctx, loop_driver *d) {
    op_rec r;
    memset(&r, 0, sizeof r);
    const char *argv[] = {"sleep", "10", NULL};
    xlkit_asyncop_how how = {.callback = op_done, .u.for_callback = &r, .free_callback = op_free};
    int rc = xlkit_helper_run(ctx, argv, 0, NULL, &how, NULL);
    CHECK(rc == 0, "[%s] started: %d", d->name, rc);
    rc = xlkit_ao_abort(ctx, &how);
    CHECK(rc == 0, "[%s] abort found it: %d", d->name, rc);
    rc = xlkit_ao_abort(ctx, &how);
    CHECK(rc == XLKIT_ERROR_ABORTED || rc == XLKIT_ERROR_NOTFOUND, "[%s] second abort: %d", d->name, rc);
    CHECK(drive_until(d, &r.done, 10), "[%s] aborted op completed", d->name);
    CHECK(r.rc == XLKIT_ERROR_ABORTED, "[%s] rc %d is ABORTED", d->name, r.rc);
    rc = xlkit_ao_abort(ctx, &how);
    CHECK(rc == XLKIT_ERROR_NOTFOUND, "[%s] abort after completion: %d", d->name, rc);
    CHECK(r.frees == 1, "[%s] freed once", d->name);
}

static void scenario_bad_input(xlkit_ctx *ctx, loop_driver *d) {
    op_rec r;
    memset(&r, 0, sizeof r);
    const char *missing[] = {"/nonexistent/program", NULL};
    xlkit_asyncop_how how = {.callback = op_done, .u.for_callback = &r, .free_callback = op_free};
    int rc = xlkit_helper_run(ctx, missing, 0, NULL, &how, NULL);
    CHECK(rc == XLKIT_ERROR_INVAL, "[%s] missing program: rc %d", d->name, rc);
    CHECK(r.calls == 0 && r.frees == 1, "[%s] callback never called, freed once", d->name);
    const char *empty[] = {NULL};
    CHECK(xlkit_helper_run(ctx, empty, 0, NULL, NULL, NULL) == XLKIT_ERROR_INVAL, "[%s] empty argv", d->name);
    CHECK(xlkit_helper_run(NULL, missing, 0, NULL, NULL, NULL) == XLKIT_ERROR_INVAL, "[%s] NULL ctx", d->name);
    CHECK(xlkit_ao_abort(ctx, &how) == XLKIT_ERROR_NOTFOUND, "[%s] abort unknown", d->name);
}

struct sync_arg {
    xlkit_ctx *ctx;
    int rc;
    int status;
    volatile int done;
};

static void *sync_thread(void *p) {
    struct sync_arg *a = p;
    const char *argv[] = {"sh", "-c", "sleep 0.05; exit 5", NULL};
    a->rc = xlkit_helper_run(a->ctx, argv, 10000, &a->status, NULL, NULL);
    a->done = 1;
    return NULL;
}

/* libvirt's pattern: synchronous calls from worker threads while the main
 * loop drives the ctx through hooks. */
static void scenario_sync_from_threads(xlkit_ctx *ctx, loop_driver *d) {
    struct sync_arg a[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        memset(&a[i], 0, sizeof a[i]);
        a[i].ctx = ctx;
        pthread_create(&t[i], NULL, sync_thread, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        drive_until(d, &a[i].done, 20);
        pthread_join(t[i], NULL);
        CHECK(a[i].rc == 0 && WEXITSTATUS(a[i].status) == 5, "[%s] sync op %d: rc %d status %#x",
              d->name, i, a[i].rc, a[i].status);
    }
}

static void scenario_group(xlkit_ctx *ctx, loop_driver *d) {
    op_rec r;
    memset(&r, 0, sizeof r);
    xlkit_group *g = NULL;
    CHECK(xlkit_group_new(ctx, XLKIT_GROUP_CANCEL_ON_FAILURE, &g) == 0, "[%s] group", d->name);
    const char *fail[] = {"sh", "-c", "exit 1", NULL};
    const char *slow[] = {"sleep", "10", NULL};
    xlkit_asyncop_how m1, m2;
    CHECK(xlkit_group_add(g, &m1) == 0 && xlkit_group_add(g, &m2) == 0, "[%s] members", d->name);
    /* helper_run succeeds for any exit status: use a timeout to fail m1. */
    const char *hang[] = {"sleep", "5", NULL};
    (void)fail;
    CHECK(xlkit_helper_run(ctx, hang, 50, NULL, &m1, NULL) == 0, "[%s] m1", d->name);
    CHECK(xlkit_helper_run(ctx, slow, 0, NULL, &m2, NULL) == 0, "[%s] m2", d->name);
    xlkit_asyncop_how how = {.callback = op_done, .u.for_callback = &r, .free_callback = op_free};
    CHECK(xlkit_group_close(g, &how) == 0, "[%s] close", d->name);
    double t0 = now_s();
    CHECK(drive_until(d, &r.done, 15), "[%s] group completed", d->name);
    CHECK(r.rc == XLKIT_ERROR_TIMEDOUT, "[%s] group rc is the first failure (%d)", d->name, r.rc);
    CHECK(now_s() - t0 < 5, "[%s] the slow sibling was cancelled", d->name);
}

int run_scenarios(xlkit_ctx *ctx, loop_driver *d) {
    scenario_callback_with_progress(ctx, d);
    scenario_event_mode(ctx, d);
    scenario_timeout(ctx, d);
    scenario_abort(ctx, d);
    scenario_bad_input(ctx, d);
    scenario_sync_from_threads(ctx, d);
    scenario_group(ctx, d);
    printf("%s: %d passed, %d failed\n", d->name, passed, failed);
    return failed;
}
