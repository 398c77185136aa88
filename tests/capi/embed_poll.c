/* The C API driven by a plain poll() loop through beforepoll/afterpoll, with
 * xlkit's default SIGCHLD mode. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "scenarios.h"

static void iterate(void *loop) {
    xlkit_ctx *ctx = loop;
    static struct pollfd *fds;
    static int cap;
    int nfds = cap, timeout = 100;
    struct timeval now = {0, 0};
    int rc = xlkit_osevent_beforepoll(ctx, &nfds, fds, &timeout, now);
    if (rc == XLKIT_ERROR_BUFFERFULL) {
        cap = nfds * 2;
        fds = realloc(fds, sizeof *fds * (size_t)cap);
        nfds = cap;
        rc = xlkit_osevent_beforepoll(ctx, &nfds, fds, &timeout, now);
    }
    if (rc) {
        fprintf(stderr, "beforepoll: %d\n", rc);
        exit(2);
    }
    if (poll(fds, (nfds_t)nfds, timeout) < 0) return;
    xlkit_osevent_afterpoll(ctx, nfds, fds, now);
}

int main(void) {
    xlkit_ctx *ctx;
    if (xlkit_ctx_alloc(&ctx, XLKIT_VERSION, 0, NULL)) return 2;
    loop_driver d = {"poll", iterate, ctx};
    int failures = run_scenarios(ctx, &d);
    xlkit_ctx_free(ctx);
    return failures ? 1 : 0;
}
