// GuestSuspend: ask a PV or PVH guest to suspend itself and wait until it
// has (libxl's domain_suspend_callback_common). A sub-operation of
// domain_suspend_only and of save. Layer 4.
//
// The request goes through the guest's suspend event channel when it
// offers one (a port number in device/suspend/event-channel, which create
// makes writable by the guest, as libxl does), else through
// control/shutdown = "suspend".
//
//   Idle --guest_suspend_start: no such domain-->     DomainNotfound, Idle
//   Idle --...: shut down (not suspended) / dying-->  Inval, Idle
//   Idle --...: already suspended-->                  Suspended: callback
//                                                     (Success) from an
//                                                     immediate, not inside
//                                                     the start
//   Idle --a port offered: bind it (exclusive, subscribed to the domain's
//          suspend), notify the guest-->              Suspending, watching
//                                                     the channel too
//   Idle --the port cannot be bound / notified-->     Fail, Idle (nothing
//                                                     asked of the guest)
//   Idle --write control/shutdown = "suspend"-->      Acking (xswait)
//   Acking --the guest changes the node-->            Suspending
//   Acking --ack_timeout-->   the request withdrawn in a transaction: still
//                             "suspend" -> callback(GuestTimedout), the
//                             guest runs on; acked meanwhile -> Suspending
//   Acking --abort-->         the same withdrawal: callback(Aborted) or,
//                             acked meanwhile, Suspending (then resumed)
//   Suspending --@releaseDomain, or the channel signalled: shut down,
//                reason suspend-->
//                             callback(Success) (aborted meanwhile: the
//                             domain is resumed, callback(Aborted))
//   Suspending --gone, dying or another shutdown reason--> callback(Fail)
//   Suspending --suspend_timeout--> callback(GuestTimedout)
// Suspending is not cut short by an abort: the guest has agreed to suspend
// and does, so an abort waits for it and resumes it. Every error is logged,
// naming the domain and what went wrong. guest_suspend_stop stops whatever
// is armed (twice is harmless); the callback is then not called.
//
// Unlike libxl's, the channel's wait also watches @releaseDomain, so a
// guest destroyed or shut down otherwise meanwhile ends it at once, not at
// the timeout. A device/suspend/event-channel that holds something other
// than a port (the guest writes it) is logged and the request goes
// through control/shutdown. The channel is released when the suspension
// ends, whatever its outcome.
#pragma once

#include <cstdint>
#include <memory>

#include "ao/ao.hpp"
#include "event/ev_fd.hpp"
#include "event/ev_immediate.hpp"
#include "xen/hypervisor.hpp"
#include "xen/xswait.hpp"

namespace xlkit::detail {

struct GuestSuspend {
    using Callback = void (*)(Egc &egc, GuestSuspend *gs, Error rc);
    // ---- filled in by the caller
    Ao *ao = nullptr;
    std::uint32_t domid = 0;
    int ack_timeout_ms = 0;      // 0: 60 s, as libxl
    int suspend_timeout_ms = 0;  // 0: 60 s, as libxl
    Callback callback = nullptr;
    void *data = nullptr;
    // ---- private
    XsWait ack;
    XsWait released;
    EvImmediate done;
    std::unique_ptr<SuspendChannel> channel;  // asked through it: the guest offers one
    EvFd channel_ev;
    bool aborted = false;
};

Error guest_suspend_start(Egc &egc, GuestSuspend &gs);
void guest_suspend_stop(Egc &egc, GuestSuspend &gs);

/* Fast resume (suspend_cancel) of a domain shut down with reason suspend:
 * the hypervisor's and xenstored's halves. Inval if it is not suspended
 * (logged). */
Error resume_suspended(Egc &egc, std::uint32_t domid);

} // namespace xlkit::detail
