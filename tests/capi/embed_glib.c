/* The C API embedded in a GLib main loop through osevent hooks. */
#include <glib-unix.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "scenarios.h"

static xlkit_ctx *g_ctx;

typedef struct {
    guint id;
    int fd;
    void *for_xlkit;
} reg_info;

static GIOCondition to_cond(short events) {
    GIOCondition c = 0;
    if (events & POLLIN) c |= G_IO_IN;
    if (events & POLLOUT) c |= G_IO_OUT;
    return c;
}

static gboolean fd_cb(gint fd, GIOCondition cond, gpointer data) {
    reg_info *info = data;
    short rev = 0;
    if (cond & G_IO_IN) rev |= POLLIN;
    if (cond & G_IO_OUT) rev |= POLLOUT;
    if (cond & G_IO_ERR) rev |= POLLERR;
    if (cond & G_IO_HUP) rev |= POLLHUP;
    xlkit_osevent_occurred_fd(g_ctx, info->for_xlkit, fd, 0, rev);
    return G_SOURCE_CONTINUE;
}

static int h_fd_register(void *user, int fd, void **for_app, short events, void *for_xlkit) {
    (void)user;
    reg_info *info = g_new0(reg_info, 1);
    info->fd = fd;
    info->for_xlkit = for_xlkit;
    info->id = events ? g_unix_fd_add(fd, to_cond(events), fd_cb, info) : 0;
    *for_app = info;
    return 0;
}
static int h_fd_modify(void *user, int fd, void **for_app, short events) {
    (void)user;
    reg_info *info = *for_app;
    if (info->id) g_source_remove(info->id);
    info->id = events ? g_unix_fd_add(fd, to_cond(events), fd_cb, info) : 0;
    return 0;
}
static void h_fd_deregister(void *user, int fd, void *for_app) {
    (void)user;
    (void)fd;
    reg_info *info = for_app;
    if (info->id) g_source_remove(info->id);
    g_free(info);
}

static gboolean timer_cb(gpointer data) {
    reg_info *info = data;
    void *token = info->for_xlkit;
    g_free(info);
    xlkit_osevent_occurred_timeout(g_ctx, token);
    return G_SOURCE_REMOVE;
}

static int h_timeout_register(void *user, void **for_app, struct timeval abs, void *for_xlkit) {
    (void)user;
    struct timeval now;
    gettimeofday(&now, NULL);
    long ms = (abs.tv_sec - now.tv_sec) * 1000 + (abs.tv_usec - now.tv_usec) / 1000;
    reg_info *info = g_new0(reg_info, 1);
    info->for_xlkit = for_xlkit;
    info->id = g_timeout_add(ms < 0 ? 0 : (guint)ms, timer_cb, info);
    *for_app = info;
    return 0;
}
static int h_timeout_modify(void *user, void **for_app, struct timeval abs) {
    (void)user;
    (void)abs;
    reg_info *info = *for_app;
    g_source_remove(info->id);
    info->id = g_timeout_add(0, timer_cb, info);
    return 0;
}

static const xlkit_osevent_hooks hooks = {h_fd_register, h_fd_modify, h_fd_deregister,
                                          h_timeout_register, h_timeout_modify, NULL};

static void iterate(void *loop) {
    (void)loop;
    g_main_context_iteration(NULL, TRUE);
}

static gboolean tick(gpointer data) {
    (void)data;
    return G_SOURCE_CONTINUE;
}

int main(void) {
    if (xlkit_ctx_alloc(&g_ctx, XLKIT_VERSION, 0, NULL)) return 2;
    xlkit_osevent_register_hooks(g_ctx, &hooks, NULL);
    guint t = g_timeout_add(50, tick, NULL);
    loop_driver d = {"glib", iterate, NULL};
    int failures = run_scenarios(g_ctx, &d);
    g_source_remove(t);
    xlkit_osevent_register_hooks(g_ctx, NULL, NULL);
    xlkit_ctx_free(g_ctx);
    return failures ? 1 : 0;
}
