/* Embedding scenarios for the C API, run under several event loops. */
#ifndef XLKIT_TEST_SCENARIOS_H
#define XLKIT_TEST_SCENARIOS_H

#include <xlkit.h>

/* How a test program drives its loop: one iteration (may block briefly). */
typedef struct {
    const char *name;
    void (*iterate)(void *loop);
    void *loop;
} loop_driver;

/* Runs every scenario; prints one line per check and a closing
 * "N passed, M failed" line; returns the number of failures. */
int run_scenarios(xlkit_ctx *ctx, loop_driver *d);

#endif
