/* The C API embedded in a GLib main loop through osevent hooks.
 *
 * The hooks run on whichever thread calls into xlkit (the scenarios make
 * synchronous calls from worker threads while the main thread iterates the
 * loop), so a registration may be modified or deregistered while the main
 * thread is dispatching it. As libvirt does, each registration is
 * reference-counted: the registration holds one reference and every GLib
 * source that may still dispatch holds one, dropped by the source's destroy
 * notify once its dispatch has returned. A timer is fired at most once: a
 * "fire now" modify that races with the timer's own dispatch is dropped, and
 * the registration is let go only after xlkit_osevent_occurred_timeout
 * returns (xlkit forgets it then). */
#include <glib-unix.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "scenarios.h"

static xlkit_ctx *g_ctx;
static GMutex g_reg_lock; /* guards reg_info.id and .fired */

typedef struct {
    gint refs;
    guint id;
    int fired;
    void *for_xlkit;
} reg_info;

static reg_info *reg_new(void *for_xlkit) {
    reg_info *info = g_new0(reg_info, 1);
    info->refs = 1;
    info->for_xlkit = for_xlkit;
    return info;
}
static gpointer reg_ref(reg_info *info) {
    g_atomic_int_inc(&info->refs);
    return info;
}
static void reg_unref(gpointer data) {
    reg_info *info = data;
    if (g_atomic_int_dec_and_test(&info->refs)) g_free(info);
}

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
    /* A stale report (deregistered meanwhile) is ignored by xlkit. */
    xlkit_osevent_occurred_fd(g_ctx, info->for_xlkit, fd, 0, rev);
    return G_SOURCE_CONTINUE;
}

/* Called with g_reg_lock held. */
static void fd_watch(reg_info *info, int fd, short events) {
    if (info->id) g_source_remove(info->id);
    info->id = events ? g_unix_fd_add_full(G_PRIORITY_DEFAULT, fd, to_cond(events), fd_cb, reg_ref(info), reg_unref)
                      : 0;
}

static int h_fd_register(void *user, int fd, void **for_app, short events, void *for_xlkit) {
    (void)user;
    reg_info *info = reg_new(for_xlkit);
    g_mutex_lock(&g_reg_lock);
    fd_watch(info, fd, events);
    g_mutex_unlock(&g_reg_lock);
    *for_app = info;
    return 0;
}
static int h_fd_modify(void *user, int fd, void **for_app, short events) {
    (void)user;
    g_mutex_lock(&g_reg_lock);
    fd_watch(*for_app, fd, events);
    g_mutex_unlock(&g_reg_lock);
    return 0;
}
static void h_fd_deregister(void *user, int fd, void *for_app) {
    (void)user;
    (void)fd;
    reg_info *info = for_app;
    g_mutex_lock(&g_reg_lock);
    if (info->id) g_source_remove(info->id);
    info->id = 0;
    g_mutex_unlock(&g_reg_lock);
    reg_unref(info);
}

static gboolean timer_cb(gpointer data) {
    reg_info *info = data;
    g_mutex_lock(&g_reg_lock);
    int first = !info->fired;
    info->fired = 1;
    /* A "fire now" modify may have replaced this source with another. */
    if (info->id && info->id != g_source_get_id(g_main_current_source())) g_source_remove(info->id);
    info->id = 0;
    g_mutex_unlock(&g_reg_lock);
    if (first) {
        xlkit_osevent_occurred_timeout(g_ctx, info->for_xlkit);
        reg_unref(info); /* the registration's own reference */
    }
    return G_SOURCE_REMOVE;
}

static int h_timeout_register(void *user, void **for_app, struct timeval abs, void *for_xlkit) {
    (void)user;
    struct timeval now;
    gettimeofday(&now, NULL);
    long ms = (abs.tv_sec - now.tv_sec) * 1000 + (abs.tv_usec - now.tv_usec) / 1000;
    reg_info *info = reg_new(for_xlkit);
    g_mutex_lock(&g_reg_lock);
    info->id = g_timeout_add_full(G_PRIORITY_DEFAULT, ms < 0 ? 0 : (guint)ms, timer_cb, reg_ref(info), reg_unref);
    g_mutex_unlock(&g_reg_lock);
    *for_app = info;
    return 0;
}
/* xlkit only ever asks "fire now" (abs = {0,0}). */
static int h_timeout_modify(void *user, void **for_app, struct timeval abs) {
    (void)user;
    (void)abs;
    reg_info *info = *for_app;
    g_mutex_lock(&g_reg_lock);
    if (!info->fired) {
        if (info->id) g_source_remove(info->id);
        info->id = g_timeout_add_full(G_PRIORITY_DEFAULT, 0, timer_cb, reg_ref(info), reg_unref);
    }
    g_mutex_unlock(&g_reg_lock);
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
