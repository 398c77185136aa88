/* xlkit.h: the C API.
 *
 * Names and semantics mirror libxl's public event API (libxl_event.h and
 * the ao parts of libxl.h, Xen 4.17) with libxl_/LIBXL_ -> xlkit_/XLKIT_
 * and ERROR_* -> XLKIT_ERROR_*, so that a libxl embedder ports by renaming.
 * What differs, and what xlkit adds (closure free functions, groups,
 * xlkit_helper_run), is listed in docs/c-api.md.
 *
 * Every function checks its arguments and returns XLKIT_ERROR_INVAL (or
 * does nothing, for void functions) on bad ones; none ever exits or aborts.
 */
#ifndef XLKIT_H
#define XLKIT_H

#include <poll.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/types.h>
#include <xentoollog.h>

#include <xlkit/export.h>
#include <xlkit/osevent.h>
#include <xlkit/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XLKIT_VERSION 0

/* ---- context ------------------------------------------------------------ */

#ifndef XLKIT_CTX_DEFINED
#define XLKIT_CTX_DEFINED
typedef struct xlkit__ctx xlkit_ctx;
#endif

typedef uint64_t xlkit_ev_user;

/* version must be XLKIT_VERSION (else XLKIT_ERROR_VERSION); flags must be
 * 0; lg may be NULL (warnings to stderr). */
XLKIT_API int xlkit_ctx_alloc(xlkit_ctx **pctx, int version, unsigned flags,
                              xentoollog_logger *lg);
/* NULL is fine. Operations still in flight complete (XLKIT_ERROR_ABORTED
 * where they can be cut short) and release their closures first. */
XLKIT_API int xlkit_ctx_free(xlkit_ctx *ctx);

/* ---- asynchronous operations -------------------------------------------- */

typedef struct {
    void (*callback)(xlkit_ctx *ctx, int rc, void *for_callback);
    union {
        xlkit_ev_user for_event; /* used if callback == NULL */
        void *for_callback;      /* passed to callback */
    } u;
    /* xlkit addition (zero-initialise for libxl behaviour): called exactly
     * once with for_callback after the callback's last call - after it ran,
     * or instead of it if the operation never started. */
    void (*free_callback)(void *for_callback);
} xlkit_asyncop_how;

typedef struct {
    /* The callback owns ev and frees it with xlkit_event_free. */
    void (*callback)(xlkit_ctx *ctx, xlkit_event *ev, void *for_callback);
    xlkit_ev_user for_event; /* always used */
    void *for_callback;      /* passed to callback */
    /* xlkit addition: called once after the last progress callback. */
    void (*free_callback)(void *for_callback);
} xlkit_asyncprogress_how;

XLKIT_API int xlkit_ao_abort(xlkit_ctx *ctx, const xlkit_asyncop_how *how);

/* ---- events -------------------------------------------------------------- */

#define XLKIT_EVENTMASK_ALL (~0UL)

typedef int xlkit_event_predicate(const xlkit_event *, void *user);

/* XLKIT_ERROR_NOT_READY if nothing matches. */
XLKIT_API int xlkit_event_check(xlkit_ctx *ctx, xlkit_event **event_r, uint64_t typemask,
                                xlkit_event_predicate *predicate, void *predicate_user);
XLKIT_API int xlkit_event_wait(xlkit_ctx *ctx, xlkit_event **event_r, uint64_t typemask,
                               xlkit_event_predicate *predicate, void *predicate_user);
XLKIT_API void xlkit_event_free(xlkit_ctx *ctx, xlkit_event *event);

typedef struct xlkit_event_hooks {
    uint64_t event_occurs_mask;
    void (*event_occurs)(void *user, xlkit_event *event);
    void (*disaster)(void *user, xlkit_event_type type, const char *msg, int errnoval);
} xlkit_event_hooks;

XLKIT_API void xlkit_event_register_callbacks(xlkit_ctx *ctx, const xlkit_event_hooks *hooks,
                                              void *user);

/* ---- asking for domain events (as libxl_evenable_*) -------------------------- */

/* DOMAIN_SHUTDOWN (once, with its reason) then DOMAIN_DEATH (once) for
 * domid. An already-dead domain gets DOMAIN_DEATH at once. */
typedef struct xlkit__evgen_domain_death xlkit_evgen_domain_death;
XLKIT_API int xlkit_evenable_domain_death(xlkit_ctx *ctx, uint32_t domid, xlkit_ev_user user,
                                          xlkit_evgen_domain_death **evgen_out);
XLKIT_API void xlkit_evdisable_domain_death(xlkit_ctx *ctx, xlkit_evgen_domain_death *evgen);

/* DISK_EJECT when the guest asks to eject vdev's media (acknowledged). */
typedef struct xlkit__evgen_disk_eject xlkit_evgen_disk_eject;
XLKIT_API int xlkit_evenable_disk_eject(xlkit_ctx *ctx, uint32_t domid, const char *vdev,
                                        xlkit_ev_user user, xlkit_evgen_disk_eject **evgen_out);
XLKIT_API void xlkit_evdisable_disk_eject(xlkit_ctx *ctx, xlkit_evgen_disk_eject *evgen);

/* ---- the application's event loop ------------------------------------------ */

XLKIT_API int xlkit_osevent_beforepoll(xlkit_ctx *ctx, int *nfds_io, struct pollfd *fds,
                                       int *timeout_upd, struct timeval now);
XLKIT_API void xlkit_osevent_afterpoll(xlkit_ctx *ctx, int nfds, const struct pollfd *fds,
                                       struct timeval now);
XLKIT_API void xlkit_osevent_register_hooks(xlkit_ctx *ctx, const xlkit_osevent_hooks *hooks,
                                            void *user);
XLKIT_API void xlkit_osevent_occurred_fd(xlkit_ctx *ctx, void *for_xlkit, int fd, short events,
                                         short revents);
XLKIT_API void xlkit_osevent_occurred_timeout(xlkit_ctx *ctx, void *for_xlkit);

/* ---- child processes ----------------------------------------------------- */

XLKIT_API void xlkit_childproc_setmode(xlkit_ctx *ctx, const xlkit_childproc_hooks *hooks,
                                       void *user);
XLKIT_API int xlkit_childproc_reaped(xlkit_ctx *ctx, pid_t pid, int status);
XLKIT_API void xlkit_childproc_sigchld_occurred(xlkit_ctx *ctx);
XLKIT_API void xlkit_postfork_child_noexec(xlkit_ctx *ctx);

/* ---- domain operations (as libxl 4.17's; docs/ops.md) ------------------------ */

/* As libxl 4.17's: the domain is built, its devices added, and it is left
 * paused; the caller unpauses it (xlkit_domain_unpause), as xl and libvirt
 * do after libxl_domain_create_new. */
XLKIT_API int xlkit_domain_create_new(xlkit_ctx *ctx, xlkit_domain_config *d_config, uint32_t *domid,
                                      const xlkit_asyncop_how *ao_how,
                                      const xlkit_asyncprogress_how *aop_console_how);
/* As libxl 4.17's: the domain filled from the saved stream on restore_fd
 * (after xl's header) and left paused (as xlkit_domain_create_new). params:
 * the plain case only (checkpointed_stream 0, stream_version 2, no COLO;
 * NULL: that), send_back_fd -1; others: XLKIT_ERROR_INVAL. A bad stream is
 * XLKIT_ERROR_INVAL; on any failure no domain is left. */
XLKIT_API int xlkit_domain_create_restore(xlkit_ctx *ctx, xlkit_domain_config *d_config, uint32_t *domid,
                                          int restore_fd, int send_back_fd,
                                          const xlkit_domain_restore_params *params,
                                          const xlkit_asyncop_how *ao_how,
                                          const xlkit_asyncprogress_how *aop_console_how);
/* Ask the guest; wait (60 s) for it to acknowledge: XLKIT_ERROR_GUEST_TIMEDOUT. */
XLKIT_API int xlkit_domain_shutdown(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how);
XLKIT_API int xlkit_domain_reboot(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how);
XLKIT_API int xlkit_domain_destroy(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how);
XLKIT_API int xlkit_domain_pause(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how);
XLKIT_API int xlkit_domain_unpause(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how);
/* As libxl's: the guest suspends itself and the domain is left shut down
 * with reason suspend (60 s for the acknowledgement, 60 s more to suspend:
 * XLKIT_ERROR_GUEST_TIMEDOUT); resume runs it again (suspend_cancel must be
 * 1: the slow resume is not implemented, as in xl). */
XLKIT_API int xlkit_domain_suspend_only(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how);
XLKIT_API int xlkit_domain_resume(xlkit_ctx *ctx, uint32_t domid, int suspend_cancel,
                                  const xlkit_asyncop_how *ao_how);
/* libxl's LIBXL_SUSPEND_DEBUG and LIBXL_SUSPEND_LIVE. */
#define XLKIT_SUSPEND_DEBUG 1
#define XLKIT_SUSPEND_LIVE 2
/* As libxl 4.17's: save the domain to fd (the migration stream v2; the
 * caller writes xl's header first if it wants one) and leave it suspended,
 * for the caller to destroy or resume. flags: XLKIT_SUSPEND_*. No progress
 * reports, as libxl has none here: xlkit_domain_suspend_progress gives them.
 * Errors as xlkit::domain_suspend's (xlkit/domain.hpp): XLKIT_ERROR_INVAL
 * for a bad fd or flags, XLKIT_ERROR_DOMAIN_NOTFOUND, XLKIT_ERROR_GUEST_TIMEDOUT,
 * XLKIT_ERROR_TIMEDOUT (no data moved for 60 s), ...; after any failure the
 * guest runs on. */
XLKIT_API int xlkit_domain_suspend(xlkit_ctx *ctx, uint32_t domid, int fd, int flags,
                                   const xlkit_asyncop_how *ao_how);
/* xlkit addition: xlkit_domain_suspend with the copy's progress, which
 * libxl never reports: XLKIT_EVENT_TYPE_OPERATION_PROGRESS through
 * aop_progress_how (NULL: none), as the C++ domain_suspend's progress_how:
 * stage "memory" with pages sent of the total (done/total), a
 * "pass N: ..." stage per precopy pass (iteration, dirty_pages, pass_ms,
 * dirty_rate, downtime_ms), and "suspend" when the guest is asked. */
XLKIT_API int xlkit_domain_suspend_progress(xlkit_ctx *ctx, uint32_t domid, int fd, int flags,
                                            const xlkit_asyncop_how *ao_how,
                                            const xlkit_asyncprogress_how *aop_progress_how);
/* ---- live migration (xlkit addition: libxl leaves it to xl) -------------- */

/* The sender's side of a live migration of domid over a connected fd pair
 * (send_fd: the stream and the hand-over; recv_fd: the receiver's answers;
 * they may be the same fd), after the caller's own framing (xl's header).
 * policy: the precopy's bounds (NULL: libxenguest's default; see the IDL's
 * migrate_policy). aop_progress_how: each stage and precopy pass as an
 * XLKIT_EVENT_TYPE_OPERATION_PROGRESS (NULL: none). The state machine and
 * who runs the guest after a failure at each step: xlkit/migrate.hpp's
 * domain_migrate_send; in short, before the hand-over the source runs on;
 * after it exactly one side runs the guest. Neither fd is closed. */
XLKIT_API int xlkit_domain_migrate_send(xlkit_ctx *ctx, uint32_t domid, int send_fd, int recv_fd,
                                        const xlkit_migrate_policy *policy, const xlkit_asyncop_how *ao_how,
                                        const xlkit_asyncprogress_how *aop_progress_how);
/* The receiver's side: the domain d_config describes is made from the
 * stream on recv_fd, paused, as NAME--incoming, and taken over (renamed
 * NAME, unpaused unless options->paused) when the sender hands it over;
 * *domid is set once the stream has been received. options: NULL for the
 * defaults (see the IDL's migrate_receive_options). On any failure nothing
 * is left here. */
XLKIT_API int xlkit_domain_migrate_receive(xlkit_ctx *ctx, xlkit_domain_config *d_config, uint32_t *domid,
                                           int recv_fd, int send_fd, const xlkit_migrate_receive_options *options,
                                           const xlkit_asyncop_how *ao_how,
                                           const xlkit_asyncprogress_how *aop_console_how);

/* xlkit addition: completes when the domain is dying or gone, or
 * XLKIT_ERROR_TIMEDOUT after timeout_ms (0: no limit). */
XLKIT_API int xlkit_domain_wait_death(xlkit_ctx *ctx, uint32_t domid, int timeout_ms,
                                      const xlkit_asyncop_how *ao_how);
/* NULL on error (and *nb_domain_out = 0). Free with xlkit_dominfo_list_free. */
XLKIT_API xlkit_dominfo *xlkit_list_domain(xlkit_ctx *ctx, int *nb_domain_out);
XLKIT_API void xlkit_dominfo_list_free(xlkit_dominfo *list, int nb_domain);
/* info_r may be NULL (just checks that domid exists). */
XLKIT_API int xlkit_domain_info(xlkit_ctx *ctx, xlkit_dominfo *info_r, uint32_t domid);
/* The host's total and free memory, as libxl_get_physinfo (which also gives
 * CPU facts xlkit does not report). */
XLKIT_API int xlkit_get_physinfo(xlkit_ctx *ctx, xlkit_physinfo *physinfo);

/* ---- disks and network interfaces (libxl_device_disk_add, ...) ----------
 * Each add/remove/destroy is an operation (ao_how NULL: synchronous); the
 * contract (stages, timeouts, what a failure undoes) is xlkit/device.hpp's.
 * xlkit_device_nic_add fills in nic->devid and nic->mac when they were
 * left for xlkit to choose, as libxl does. A disk is named by its vdev, a
 * nic by its devid or (devid -1) its mac. */
XLKIT_API int xlkit_device_disk_add(xlkit_ctx *ctx, uint32_t domid, xlkit_device_disk *disk,
                                    const xlkit_asyncop_how *ao_how);
XLKIT_API int xlkit_device_disk_remove(xlkit_ctx *ctx, uint32_t domid, xlkit_device_disk *disk,
                                       const xlkit_asyncop_how *ao_how);
XLKIT_API int xlkit_device_disk_destroy(xlkit_ctx *ctx, uint32_t domid, xlkit_device_disk *disk,
                                        const xlkit_asyncop_how *ao_how);
XLKIT_API int xlkit_device_nic_add(xlkit_ctx *ctx, uint32_t domid, xlkit_device_nic *nic,
                                   const xlkit_asyncop_how *ao_how);
XLKIT_API int xlkit_device_nic_remove(xlkit_ctx *ctx, uint32_t domid, xlkit_device_nic *nic,
                                      const xlkit_asyncop_how *ao_how);
XLKIT_API int xlkit_device_nic_destroy(xlkit_ctx *ctx, uint32_t domid, xlkit_device_nic *nic,
                                       const xlkit_asyncop_how *ao_how);
/* NULL (and *num 0) on error; free with the matching _list_free. */
XLKIT_API xlkit_device_disk *xlkit_device_disk_list(xlkit_ctx *ctx, uint32_t domid, int *num);
XLKIT_API void xlkit_device_disk_list_free(xlkit_device_disk *list, int num);
XLKIT_API xlkit_device_nic *xlkit_device_nic_list(xlkit_ctx *ctx, uint32_t domid, int *num);
XLKIT_API void xlkit_device_nic_list_free(xlkit_device_nic *list, int num);
XLKIT_API int xlkit_device_disk_getinfo(xlkit_ctx *ctx, uint32_t domid, const xlkit_device_disk *disk,
                                        xlkit_diskinfo *diskinfo);
XLKIT_API int xlkit_device_nic_getinfo(xlkit_ctx *ctx, uint32_t domid, const xlkit_device_nic *nic,
                                       xlkit_nicinfo *nicinfo);

/* ---- xlkit additions ------------------------------------------------------- */

/* Run argv[0] (searched in PATH) with arguments argv, NULL-terminated.
 * Each line it writes on stdout is a HELPER_OUTPUT progress report
 * (stream 1), in order, through aop_output_how. On exit: rc 0 and
 * *status_r = the waitpid status. timeout_ms > 0: then SIGTERM, SIGKILL after
 * a grace period, rc XLKIT_ERROR_TIMEDOUT. Abort: the child is killed, rc
 * XLKIT_ERROR_ABORTED. A program that cannot be executed: rc
 * XLKIT_ERROR_FAIL (status 127 << 8). */
XLKIT_API int xlkit_helper_run(xlkit_ctx *ctx, const char *const *argv, int timeout_ms,
                               int *status_r, const xlkit_asyncop_how *ao_how,
                               const xlkit_asyncprogress_how *aop_output_how);

/* Groups: operations that complete together (docs/c-api.md). */
typedef struct xlkit__group xlkit_group;
#define XLKIT_GROUP_CANCEL_ON_FAILURE 1u
XLKIT_API int xlkit_group_new(xlkit_ctx *ctx, unsigned flags, xlkit_group **group_r);
/* Fills *member_how for one more member's operation. */
XLKIT_API int xlkit_group_add(xlkit_group *group, xlkit_asyncop_how *member_how);
/* Completes through ao_how when all members have; frees the group. */
XLKIT_API int xlkit_group_close(xlkit_group *group, const xlkit_asyncop_how *ao_how);

#ifdef __cplusplus
}
#endif

#endif /* XLKIT_H */
