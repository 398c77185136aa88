/* xlkit/osevent.h: the C shapes through which an application's own event loop
 * and child-process handling plug into xlkit. Names and semantics mirror
 * libxl_event.h (Xen 4.17) with libxl_ -> xlkit_; shared by the C API
 * (xlkit.h) and the C++ API (xlkit/ctx.hpp).
 *
 * Threading: hooks are called with the context lock held. They must not call
 * back into xlkit (occurred_fd/occurred_timeout may be called later, from any
 * thread, but never from inside a hook).
 */
#ifndef XLKIT_OSEVENT_H
#define XLKIT_OSEVENT_H

#include <sys/time.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xlkit_osevent_hooks {
    /* Register fd for poll(2) events; store anything in
     * *for_app_registration_out. Later call
     * xlkit_osevent_occurred_fd(ctx, for_xlkit, fd, events, revents).
     * events may be 0 (registered but quiet). Return 0, or
     * XLKIT_ERROR_OSEVENT_REG_FAIL / any positive int on failure (the value
     * reaches the operation that needed the registration). */
    int (*fd_register)(void *user, int fd, void **for_app_registration_out,
                       short events, void *for_xlkit);
    int (*fd_modify)(void *user, int fd, void **for_app_registration_update,
                     short events);
    void (*fd_deregister)(void *user, int fd, void *for_app_registration);
    /* One-shot timeout at absolute wall-clock time abs; when it occurs call
     * xlkit_osevent_occurred_timeout(ctx, for_xlkit) and consider the
     * registration gone. xlkit keeps at most one such registration alive
     * (for its earliest deadline) plus at most one being fired early.
     * As in libxl, timeout_modify may be called for a registration (from
     * any thread) while the application is already about to report it, so
     * keep what *for_app_registration_out names valid until
     * xlkit_osevent_occurred_timeout has returned, as libvirt does. A
     * registration reported more than once is reported once: the later
     * reports are recognised and ignored. */
    int (*timeout_register)(void *user, void **for_app_registration_out,
                            struct timeval abs, void *for_xlkit);
    /* Only ever called with abs = {0,0}, meaning "fire as soon as possible". */
    int (*timeout_modify)(void *user, void **for_app_registration_update,
                          struct timeval abs);
    /* Never called (as in libxl); present for source compatibility. */
    void (*timeout_deregister)(void *user, void *for_app_registration);
} xlkit_osevent_hooks;

typedef enum {
    /* xlkit owns SIGCHLD while it has children and reaps all children.
     * While several ctxs own it, each reaps only its own (libxl's ctxs reap
     * each other's and lose them). */
    xlkit_sigchld_owner_xlkit,
    /* The application owns SIGCHLD and calls xlkit_childproc_reaped or
     * xlkit_childproc_sigchld_occurred (never from a signal handler). */
    xlkit_sigchld_owner_mainloop,
    /* xlkit owns SIGCHLD always and reaps every child of the process;
     * unknown ones go to reaped_callback. One such ctx per process. */
    xlkit_sigchld_owner_xlkit_always,
    /* xlkit owns SIGCHLD always but reaps only its own children. */
    xlkit_sigchld_owner_xlkit_always_selective_reap,
} xlkit_sigchld_owner;

typedef struct {
    xlkit_sigchld_owner chldowner;
    /* Optional: called instead of fork(); must behave like fork(). */
    pid_t (*fork_replacement)(void *user);
    /* Optional, modes xlkit/xlkit_always: a reaped child xlkit did not
     * start. Return 0 or XLKIT_ERROR_UNKNOWN_CHILD; anything else is a
     * disaster. Called from xlkit's event handling, never a signal handler. */
    int (*reaped_callback)(pid_t pid, int status, void *user);
} xlkit_childproc_hooks;

#ifdef __cplusplus
}
#endif

#endif /* XLKIT_OSEVENT_H */
