// EvFd: interest in poll(2) events on one file descriptor.
//
// Caller-embedded; registering, modifying, deregistering and dispatching never
// allocate (the per-ctx fd table grows only when an fd number above its
// high-water mark is first registered).
//
// State machine (the ctx lock is held for every transition):
//   Idle   --fd_register(ok)-->   Active
//   Idle   --fd_register(err)-->  Idle     func will never be called
//   Active --fd_modify(ok)-->     Active   events changed
//   Active --fd_modify(err)-->    Active   events unchanged
//   Active --fd_deregister-->     Idle
//   Idle   --fd_deregister-->     Idle     harmless: twice is fine
//
// While Active, func(egc, ev, fd, events, revents) is called with the lock held
// when the fd is ready for some of `events` (POLLERR/POLLHUP always count).
// It is never called from inside fd_register/fd_modify. It may modify or
// deregister this or any other EvFd (and then free it). Readiness may be
// reported spuriously: func must not block on the fd. The fd must stay open
// while Active (deregister before close). One EvFd per fd number.
#pragma once

#include <boost/intrusive/list_hook.hpp>
#include <cstdint>

namespace xlkit::detail {

class Egc;
class CtxImpl;

class EvFd {
public:
    using Func = void (*)(Egc &egc, EvFd *ev, int fd, short events, short revents);

    EvFd() noexcept = default;
    EvFd(const EvFd &) = delete;
    EvFd &operator=(const EvFd &) = delete;

    bool active() const noexcept { return fd_ >= 0; }
    int fd() const noexcept { return fd_; }
    short events() const noexcept { return events_; }

    // ---- filled in by the caller --------------------------------------
    void *data = nullptr;

private:
    friend class CtxImpl;
    // ---- private to the ctx -------------------------------------------
    Func func_ = nullptr;
    int fd_ = -1;
    short events_ = 0;
    std::uint32_t gen_ = 0;          // registration generation (stale-event filter)
    bool app_registered_ = false;    // announced to osevent hooks
    void *app_reg_ = nullptr;        // hooks' for_app_registration
    boost::intrusive::list_member_hook<> hook_;  // ctx->all_fds_
};

} // namespace xlkit::detail
