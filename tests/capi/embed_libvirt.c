/* The C API embedded in libvirt's public event loop exactly as libvirt's
 * libxl driver embeds libxl: osevent hooks onto virEventAddHandle /
 * virEventAddTimeout, SIGCHLD mode xlkit_always_selective_reap, and timers
 * that, when they fire, are disabled, reported, then removed. */
#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>

#include "scenarios.h"

static xlkit_ctx *g_ctx;

typedef struct {
    int id;
    void *for_xlkit;
} reg_info;

static int to_vir(short events) {
    int r = 0;
    if (events & POLLIN) r |= VIR_EVENT_HANDLE_READABLE;
    if (events & POLLOUT) r |= VIR_EVENT_HANDLE_WRITABLE;
    return r;
}
static short from_vir(int events) {
    short r = 0;
    if (events & VIR_EVENT_HANDLE_READABLE) r |= POLLIN;
    if (events & VIR_EVENT_HANDLE_WRITABLE) r |= POLLOUT;
    if (events & VIR_EVENT_HANDLE_ERROR) r |= POLLERR;
    if (events & VIR_EVENT_HANDLE_HANGUP) r |= POLLHUP;
    return r;
}

static void fd_cb(int watch, int fd, int vir_events, void *opaque) {
    reg_info *info = opaque;
    (void)watch;
    xlkit_osevent_occurred_fd(g_ctx, info->for_xlkit, fd, 0, from_vir(vir_events));
}

static int h_fd_register(void *user, int fd, void **for_app, short events, void *for_xlkit) {
    (void)user;
    reg_info *info = calloc(1, sizeof *info);
    if (!info) return -1;
    info->for_xlkit = for_xlkit;
    info->id = virEventAddHandle(fd, to_vir(events), fd_cb, info, free);
    if (info->id < 0) {
        free(info);
        return -1;
    }
    *for_app = info;
    return 0;
}
static int h_fd_modify(void *user, int fd, void **for_app, short events) {
    (void)user;
    (void)fd;
    virEventUpdateHandle(((reg_info *)*for_app)->id, to_vir(events));
    return 0;
}
static void h_fd_deregister(void *user, int fd, void *for_app) {
    (void)user;
    (void)fd;
    virEventRemoveHandle(((reg_info *)for_app)->id);  /* frees info */
}

static void timer_cb(int timer, void *opaque) {
    reg_info *info = opaque;
    virEventUpdateTimeout(timer, -1);
    xlkit_osevent_occurred_timeout(g_ctx, info->for_xlkit);
    virEventRemoveTimeout(timer);  /* frees info */
}

static int h_timeout_register(void *user, void **for_app, struct timeval abs, void *for_xlkit) {
    (void)user;
    struct timeval now;
    gettimeofday(&now, NULL);
    long ms = (abs.tv_sec - now.tv_sec) * 1000 + (abs.tv_usec - now.tv_usec) / 1000;
    if (ms < 0) ms = 0;
    reg_info *info = calloc(1, sizeof *info);
    if (!info) return -1;
    info->for_xlkit = for_xlkit;
    info->id = virEventAddTimeout((int)ms, timer_cb, info, free);
    if (info->id < 0) {
        free(info);
        return -1;
    }
    *for_app = info;
    return 0;
}
static int h_timeout_modify(void *user, void **for_app, struct timeval abs) {
    (void)user;
    (void)abs; /* libxl/xlkit only ever ask for "now" */
    virEventUpdateTimeout(((reg_info *)*for_app)->id, 0);
    return 0;
}

static const xlkit_osevent_hooks hooks = {h_fd_register, h_fd_modify, h_fd_deregister,
                                          h_timeout_register, h_timeout_modify, NULL};
static const xlkit_childproc_hooks child_hooks = {xlkit_sigchld_owner_xlkit_always_selective_reap,
                                                  NULL, NULL};

static void iterate(void *loop) {
    (void)loop;
    virEventRunDefaultImpl();
}

/* Keep virEventRunDefaultImpl from blocking forever between checks. */
static void tick(int timer, void *opaque) {
    (void)timer;
    (void)opaque;
}

int main(void) {
    if (virEventRegisterDefaultImpl() < 0) return 2;
    if (xlkit_ctx_alloc(&g_ctx, XLKIT_VERSION, 0, NULL)) return 2;
    xlkit_osevent_register_hooks(g_ctx, &hooks, NULL);
    xlkit_childproc_setmode(g_ctx, &child_hooks, NULL);
    int t = virEventAddTimeout(50, tick, NULL, NULL);
    loop_driver d = {"libvirt", iterate, NULL};
    int failures = run_scenarios(g_ctx, &d);
    virEventRemoveTimeout(t);
    xlkit_ctx_free(g_ctx);
    return failures ? 1 : 0;
}
