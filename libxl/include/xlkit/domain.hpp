// xlkit/domain.hpp: toolstack operations on domains. Each slow one is an ao
// usable in every completion mode (see xlkit/ao.hpp): the AoHow overload is
// the one implementation; the template forwards any completion token.
//
// Backends: the operations run unchanged on real Xen (libxenctrl,
// libxenguest, xenstored) and on the userspace sim host (CtxOptions::
// hypervisor = "sim:DIR"), where domain_create_new makes a simulated domain.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <xlkit/ao.hpp>
#include <xlkit/ctx.hpp>
#include <xlkit/progress.hpp>

namespace xlkit {

/* ---- quick calls (no ao): one hypervisor query ------------------------- */

/* Every domain, in domid order (dom0 included). */
XLKIT_API Error list_domain(Ctx &ctx, std::vector<DomainInfo> *out);
/* One domain; Error::DomainNotfound if it does not exist. Its name comes
 * from xenstore; a name asked for again is kept by the ctx, with a watch on
 * it, so a rename through another connection shows once xenstored's watch
 * event has reached this process. */
XLKIT_API Error domain_info(Ctx &ctx, std::uint32_t domid, DomainInfo *out);
/* The host's total and free memory (xl info), from the hypervisor. */
XLKIT_API Error get_physinfo(Ctx &ctx, Physinfo *out);
/* The configuration the domain was created with, as xlkit's create or
 * libxl stored it (libxl_retrieve_domain_configuration; the file `xl list
 * -l` shows): devices with the devids and macs they were given. Error::
 * DomainNotfound; Error::Notfound if nothing is stored for it (dom0, or a
 * domain made by a toolstack that keeps none); Error::Inval if the stored
 * JSON is not a configuration xlkit can use (the log names the key). */
XLKIT_API Error retrieve_domain_configuration(Ctx &ctx, std::uint32_t domid, DomainConfig *out);
/* The domid of the domain called name; Error::DomainNotfound if none. A
 * string of digits is taken as a domid (and checked to exist). */
XLKIT_API Error domain_qualifier_to_domid(Ctx &ctx, const std::string &name_or_domid, std::uint32_t *domid);

/* ---- operations ------------------------------------------------------------
 *
 * domain_create_new: builds a PV domain from cfg (kernel, ramdisk, cmdline,
 * memory, maxmem, vcpus), writes its xenstore entries, introduces it to
 * xenstored, sets up its console for xenconsoled and (unless paused)
 * unpauses it. *domid is set as soon as the domain exists (before
 * completion). Progress: DOMAIN_CREATE_CONSOLE_AVAILABLE through console_how.
 * Errors: Error::Inval for a bad config (the log names the field: missing
 * or unreadable kernel, memory 0, maxmem < memory, vcpus out of 1..512, a
 * bad name) and for a name already in use; Error::Nomem if the host has
 * less free memory than cfg.memory.
 * Disks and nics (cfg.disks, cfg.nics) are added in parallel while the
 * domain is still paused, as device_disk_add / device_nic_add do
 * (xlkit/device.hpp); their progress (stages, hotplug script lines) comes
 * through console_how too. A bad device spec fails the call before
 * anything is built; a device that fails to attach fails the create.
 * On any failure the half-made domain is destroyed, with every device
 * added (their hotplug scripts' removes run): nothing is left behind.
 * Abortable (the domain is then destroyed, Error::Aborted). */
XLKIT_API Error domain_create_new(Ctx &ctx, const DomainConfig &cfg, bool paused, std::uint32_t *domid,
                                  AoHow how, ProgressHow console_how = {});

/* domain_shutdown / domain_reboot: ask the guest (control/shutdown =
 * "poweroff" / "reboot") and wait up to timeout_ms (0: 60 s) for it to
 * acknowledge (it clears the node). Error::GuestTimedout if it does not;
 * Error::DomainNotfound if there is no such domain. Completion means the
 * guest accepted the request, not that it has shut down (use
 * domain_wait_death). */
XLKIT_API Error domain_shutdown(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how);
XLKIT_API Error domain_reboot(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how);

/* domain_destroy: pause, remove its devices' xenstore entries, destroy it,
 * wait until the hypervisor released it (dying or gone), then remove its
 * xenstore directories. Progress: one OPERATION_PROGRESS event per stage
 * through stage_how (EventOperationProgress{stage, done, total}; stages
 * "pause", "devices", "destroy", "release", "cleanup"). */
XLKIT_API Error domain_destroy(Ctx &ctx, std::uint32_t domid, AoHow how, ProgressHow stage_how = {});

XLKIT_API Error domain_pause(Ctx &ctx, std::uint32_t domid, AoHow how);
XLKIT_API Error domain_unpause(Ctx &ctx, std::uint32_t domid, AoHow how);

/* Completes when the domain is dying or gone (Success), or after timeout_ms
 * (0: none) with Error::Timedout. */
XLKIT_API Error domain_wait_death(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how);

/* domain_suspend_only: ask the guest to suspend (through the suspend event
 * channel it offers in device/suspend/event-channel, else control/shutdown
 * = "suspend") and wait until the domain has shut down with reason suspend;
 * it is left so, for domain_resume or domain_destroy. timeout_ms (0: 60 s)
 * bounds the acknowledgement and then the suspension. Error::GuestTimedout
 * if the guest does not acknowledge (the request is withdrawn and the guest
 * runs on) or does not suspend; Error::DomainNotfound; Error::Inval for
 * domain 0 or a domain shut down otherwise or dying. A domain already
 * suspended completes at once. Abortable: before the acknowledgement the
 * request is withdrawn; after it the guest suspends and is resumed; either
 * way Error::Aborted and the guest runs on. */
XLKIT_API Error domain_suspend_only(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how);

/* domain_resume: a domain shut down with reason suspend runs again. Only the
 * fast resume (suspend_cancel true: the guest sees its suspend cancelled,
 * as xl always does) is implemented; false is Error::Inval. Error::Inval
 * too if the domain is not suspended; Error::DomainNotfound. Completes
 * inside the initiating call. */
XLKIT_API Error domain_resume(Ctx &ctx, std::uint32_t domid, bool suspend_cancel, AoHow how);

/* domain_suspend flags (libxl's LIBXL_SUSPEND_DEBUG / _LIVE). */
constexpr int kSuspendDebug = 1;
constexpr int kSuspendLive = 2;

/* domain_suspend: save the domain's memory and state to fd (libxl's
 * migration stream v2: header, LIBXC_CONTEXT, libxenguest's stream, END),
 * as libxl_domain_suspend. The caller writes xl's header before it, if it
 * wants a file xl restores, and destroys or resumes the domain after it:
 * on success the domain is left suspended. The copy runs in a helper
 * process (xlkit-save-helper; XLKIT_SAVE_HELPER names another); the guest
 * is suspended when libxenguest asks (after the precopy passes with
 * kSuspendLive). Progress through progress_how: OPERATION_PROGRESS with
 * stage "memory" (pages sent, of the total), "pass N: D pages dirty" after
 * each precopy pass, "suspend". Errors: Inval (bad fd or flags, domain 0,
 * shut down or dying, no helper, a negative timeout), DomainNotfound,
 * GuestTimedout (the guest did not acknowledge the suspend request, or did
 * not suspend, within suspend_timeout_ms each, 0: 60 s, as
 * domain_suspend_only), Fail (libxenguest's error is logged), Timedout when
 * no data moved for data_timeout_ms (0: 60 s), Aborted. On any of them
 * after the guest was suspended, it is resumed; before, the request is
 * withdrawn: the guest runs on. */
XLKIT_API Error domain_suspend(Ctx &ctx, std::uint32_t domid, int fd, int flags, AoHow how,
                               ProgressHow progress_how = {}, int data_timeout_ms = 0,
                               int suspend_timeout_ms = 0);

/* domain_create_restore: a domain made from cfg as domain_create_new makes
 * one, but filled from a saved stream read from restore_fd (libxl's
 * migration stream v2, as domain_suspend writes it; the caller has read
 * xl's header before it) instead of built from a kernel (cfg.kernel is not
 * read), as libxl_domain_create_restore. The domain keeps cfg.uuid (the
 * saved one; nil: a new one). libxenguest's xc_domain_restore runs in the
 * save helper. Then, as create: xenstore entries, console
 * (DOMAIN_CREATE_CONSOLE_AVAILABLE), disks and nics, unpaused unless
 * paused. Progress through console_how: OPERATION_PROGRESS stage "stream",
 * then "memory" (KiB read, of the file's size; 0 when restore_fd is a pipe
 * or socket), then the devices' stages. params: the plain case only
 * (checkpointed_stream 0, stream_version 2, no COLO), send_back_fd -1;
 * anything else is Inval. Errors: those of create (for the config),
 * Inval for a bad stream (not a stream, empty, truncated, a corrupt record,
 * device model state or checkpoints in it: the log names what), Fail
 * (libxenguest's error is logged), Timedout when no data arrived for
 * data_timeout_ms (0: 60 s), Aborted. On any failure the half-made domain
 * is destroyed and no helper is left; restore_fd is never closed and is
 * given its flags back. */
XLKIT_API Error domain_create_restore(Ctx &ctx, const DomainConfig &cfg, bool paused, std::uint32_t *domid,
                                      int restore_fd, int send_back_fd, const DomainRestoreParams &params,
                                      AoHow how, ProgressHow console_how = {}, int data_timeout_ms = 0);

/* ---- completion-token forms ------------------------------------------------- */

template <class Token = use_sync_t>
auto domain_create_new(Ctx &ctx, DomainConfig cfg, bool paused, std::uint32_t *domid, Token &&token = {},
                       ProgressHow console_how = {}) {
    return initiate(std::forward<Token>(token),
                    [&ctx, cfg = std::move(cfg), paused, domid,
                     ch = std::make_shared<ProgressHow>(std::move(console_how))](AoHow how) {
                        return domain_create_new(ctx, cfg, paused, domid, std::move(how), std::move(*ch));
                    });
}
template <class Token = use_sync_t>
auto domain_create_restore(Ctx &ctx, DomainConfig cfg, bool paused, std::uint32_t *domid, int restore_fd,
                           DomainRestoreParams params, Token &&token = {}, ProgressHow console_how = {},
                           int data_timeout_ms = 0) {
    return initiate(std::forward<Token>(token),
                    [&ctx, cfg = std::move(cfg), paused, domid, restore_fd, params = std::move(params),
                     ch = std::make_shared<ProgressHow>(std::move(console_how)), data_timeout_ms](AoHow how) {
                        return domain_create_restore(ctx, cfg, paused, domid, restore_fd, -1, params, std::move(how),
                                                     std::move(*ch), data_timeout_ms);
                    });
}
template <class Token = use_sync_t>
auto domain_shutdown(Ctx &ctx, std::uint32_t domid, int timeout_ms, Token &&token = {}) {
    return initiate(std::forward<Token>(token),
                    [&ctx, domid, timeout_ms](AoHow how) { return domain_shutdown(ctx, domid, timeout_ms, std::move(how)); });
}
template <class Token = use_sync_t>
auto domain_reboot(Ctx &ctx, std::uint32_t domid, int timeout_ms, Token &&token = {}) {
    return initiate(std::forward<Token>(token),
                    [&ctx, domid, timeout_ms](AoHow how) { return domain_reboot(ctx, domid, timeout_ms, std::move(how)); });
}
template <class Token = use_sync_t>
auto domain_destroy(Ctx &ctx, std::uint32_t domid, Token &&token = {}, ProgressHow stage_how = {}) {
    return initiate(std::forward<Token>(token),
                    [&ctx, domid, sh = std::make_shared<ProgressHow>(std::move(stage_how))](AoHow how) {
                        return domain_destroy(ctx, domid, std::move(how), std::move(*sh));
                    });
}
template <class Token = use_sync_t>
auto domain_pause(Ctx &ctx, std::uint32_t domid, Token &&token = {}) {
    return initiate(std::forward<Token>(token), [&ctx, domid](AoHow how) { return domain_pause(ctx, domid, std::move(how)); });
}
template <class Token = use_sync_t>
auto domain_unpause(Ctx &ctx, std::uint32_t domid, Token &&token = {}) {
    return initiate(std::forward<Token>(token), [&ctx, domid](AoHow how) { return domain_unpause(ctx, domid, std::move(how)); });
}
template <class Token = use_sync_t>
auto domain_wait_death(Ctx &ctx, std::uint32_t domid, int timeout_ms, Token &&token = {}) {
    return initiate(std::forward<Token>(token),
                    [&ctx, domid, timeout_ms](AoHow how) { return domain_wait_death(ctx, domid, timeout_ms, std::move(how)); });
}
template <class Token = use_sync_t>
auto domain_suspend_only(Ctx &ctx, std::uint32_t domid, int timeout_ms, Token &&token = {}) {
    return initiate(std::forward<Token>(token),
                    [&ctx, domid, timeout_ms](AoHow how) { return domain_suspend_only(ctx, domid, timeout_ms, std::move(how)); });
}
template <class Token = use_sync_t>
auto domain_resume(Ctx &ctx, std::uint32_t domid, bool suspend_cancel, Token &&token = {}) {
    return initiate(std::forward<Token>(token), [&ctx, domid, suspend_cancel](AoHow how) {
        return domain_resume(ctx, domid, suspend_cancel, std::move(how));
    });
}

} // namespace xlkit
