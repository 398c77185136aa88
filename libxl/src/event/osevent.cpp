// Application-driven loops: beforepoll/afterpoll (libxl compatible, O(fds))
// and osevent hooks (the application's loop watches xlkit's fds and a single
// timeout for xlkit's earliest deadline).
#include <poll.h>

#include <cstdint>
#include <limits>

#include "event/ctx_impl.hpp"
#include "event/log.hpp"

namespace xlkit::detail {

namespace {

// Newer-than with wrap-around, for registration generations.
inline bool gen_after(std::uint32_t a, std::uint32_t b) noexcept {
    return static_cast<std::int32_t>(a - b) > 0;
}

inline void decode_fd_token(void *token, int *fd, std::uint32_t *gen) noexcept {
    auto key = reinterpret_cast<std::uintptr_t>(token);
    *fd = static_cast<int>(static_cast<std::uint32_t>(key));
    *gen = static_cast<std::uint32_t>(std::uint64_t(key) >> 32);
}

// The app-side timeout's for_xlkit names its registration: a tag in the low
// bit (never a valid fd token's pattern alone, and never null) and the
// registration's generation above it. An occurred_timeout for an older
// registration -- an application that fires one twice, or late after a
// racing "fire now" -- is then recognised and ignored instead of being taken
// for the live one.
inline void *timeout_token(std::uint32_t gen) noexcept {
    return reinterpret_cast<void *>((std::uintptr_t(gen) << 1) | 1u);
}

} // namespace

Error CtxImpl::beforepoll(Egc &egc, struct pollfd *fds, int *nfds_io, int *timeout_upd) {
    (void)egc;
    if (!nfds_io || *nfds_io < 0 || (*nfds_io > 0 && !fds) || !timeout_upd)
        return Error::Inval;
    int room = *nfds_io, used = 0;
    for (EvFd &ev : all_fds_) {
        if (!ev.events_) continue;
        if (used < room) {
            fds[used].fd = ev.fd_;
            fds[used].events = ev.events_;
            fds[used].revents = 0;
        }
        ++used;
    }
    *nfds_io = used;
    if (used > room) return Error::Bufferfull;

    beforepoll_gen_ = fd_gen_;
    Nanos next = timers_.next_deadline();
    if (!immediates_.empty() || !posted_.empty()) next = 0;
    if (next != kNever) {
        int ms = ms_until(next, mono_now());
        if (*timeout_upd < 0 || ms < *timeout_upd) *timeout_upd = ms;
    }
    // The application will sleep in poll() on this set until this deadline:
    // a change to the set or an earlier timeout must wake it (wake fd).
    app_polling_ = true;
    app_poll_deadline_ = next;
    return Error::Success;
}

void CtxImpl::afterpoll(Egc &egc, const struct pollfd *fds, int nfds) {
    app_polling_ = false;
    app_poll_deadline_ = kNever;
    for (int i = 0; i < nfds; ++i) {
        short revents = fds[i].revents;
        // POLLNVAL: the fd was closed (perhaps by an earlier callback).
        if (!revents || (revents & POLLNVAL)) continue;
        EvFd *ev = fd_lookup(fds[i].fd);
        // Registered after beforepoll (maybe a reused fd number): its
        // revents describe another file, skip it until the next round.
        if (!ev || gen_after(ev->gen_, beforepoll_gen_)) continue;
        dispatch_fd(egc, ev, revents);
    }
    if (!timers_.empty()) run_due_timers(egc, mono_now());
}

Error CtxImpl::register_hooks(Egc &egc, const xlkit_osevent_hooks *hooks, void *user) {
    if (hooks && (!hooks->fd_register || !hooks->fd_modify || !hooks->fd_deregister ||
                  !hooks->timeout_register || !hooks->timeout_modify)) {
        XLKIT_LOG(*this, ERROR, "register_osevent_hooks: a required hook is null");
        return Error::Inval;
    }
    // Tell the old hooks to forget everything.
    if (hooks_) {
        for (EvFd &ev : all_fds_) {
            if (ev.app_registered_) hooks_->fd_deregister(hooks_user_, ev.fd_, ev.app_reg_);
            ev.app_registered_ = false;
            ev.app_reg_ = nullptr;
        }
        if (app_timer_registered_ && hooks_->timeout_deregister)
            hooks_->timeout_deregister(hooks_user_, app_timer_reg_);
        app_timer_registered_ = false;
        app_timer_reg_ = nullptr;
    }
    hooks_ = hooks;
    hooks_user_ = user;
    if (!hooks_) return Error::Success;
    // Announce what is already registered.
    for (EvFd &ev : all_fds_) {
        void *reg = nullptr;
        std::uint64_t key = (std::uint64_t(ev.gen_) << 32) | std::uint32_t(ev.fd_);
        int r = hooks_->fd_register(hooks_user_, ev.fd_, &reg, ev.events_, reinterpret_cast<void *>(key));
        if (r) {
            XLKIT_LOG(*this, ERROR, "register_osevent_hooks: fd_register(%d) failed (rc=%d)", ev.fd_, r);
            (void)register_hooks(egc, nullptr, nullptr);
            return hook_error(r);
        }
        ev.app_reg_ = reg;
        ev.app_registered_ = true;
    }
    Error rc = app_timer_update(egc);
    if (rc != Error::Success) (void)register_hooks(egc, nullptr, nullptr);
    return rc;
}

// Keep the invariant: while hooks are set and a timer is active, the
// application holds one timeout at or before the earliest deadline.
Error CtxImpl::app_timer_update(Egc &egc) {
    (void)egc;
    if (!hooks_ || timers_.empty()) return Error::Success;
    Nanos min = timers_.next_deadline();
    if (!app_timer_registered_) {
        void *reg = nullptr;
        ++app_timer_gen_;
        int r = hooks_->timeout_register(hooks_user_, &reg, to_timeval(wall_from_mono(min)),
                                         timeout_token(app_timer_gen_));
        if (r) {
            XLKIT_LOG(*this, ERROR, "application timeout_register hook failed (rc=%d)", r);
            return hook_error(r);
        }
        app_timer_reg_ = reg;
        app_timer_registered_ = true;
        app_timer_deadline_ = min;
    } else if (min < app_timer_deadline_) {
        // libxl's contract: modify only ever means "fire now".
        void *reg = app_timer_reg_;
        struct timeval zero = {0, 0};
        int r = hooks_->timeout_modify(hooks_user_, &reg, zero);
        if (r) {
            XLKIT_LOG(*this, ERROR, "application timeout_modify hook failed (rc=%d)", r);
            return hook_error(r);
        }
        app_timer_reg_ = reg;
        app_timer_deadline_ = 0;
    }
    return Error::Success;
}

void CtxImpl::occurred_fd(Egc &egc, void *for_xlkit, int fd, short revents) {
    (void)revents;
    int tfd;
    std::uint32_t gen;
    decode_fd_token(for_xlkit, &tfd, &gen);
    if (tfd != fd) {
        XLKIT_LOG(*this, ERROR, "occurred_fd: fd %d does not match its registration", fd);
        return;
    }
    EvFd *ev = fd_lookup(fd);
    if (!ev || ev->gen_ != gen) return;  // stale: deregistered or reused fd
    // The readiness may already have been consumed by a poller thread: ask
    // the kernel again rather than trusting revents.
    struct pollfd pfd = {fd, ev->events_, 0};
    if (poll(&pfd, 1, 0) <= 0 || (pfd.revents & POLLNVAL)) return;
    dispatch_fd(egc, ev, pfd.revents);
}

void CtxImpl::occurred_timeout(Egc &egc, void *for_xlkit) {
    auto key = reinterpret_cast<std::uintptr_t>(for_xlkit);
    if (!(key & 1u) || (key >> 1) > std::numeric_limits<std::uint32_t>::max()) {
        XLKIT_LOG(*this, ERROR, "occurred_timeout: unknown for_xlkit %p", for_xlkit);
        return;
    }
    if (!app_timer_registered_ || for_xlkit != timeout_token(app_timer_gen_)) {
        XLKIT_LOG(*this, DEBUG, "occurred_timeout: stale registration %p ignored", for_xlkit);
        return;
    }
    app_timer_registered_ = false;
    app_timer_reg_ = nullptr;
    app_timer_deadline_ = kNever;
    if (!timers_.empty()) run_due_timers(egc, mono_now());
    // The hook's rc is logged by app_timer_update; there is no errno.
    if (app_timer_update(egc) != Error::Success) disaster(egc, "cannot re-arm the application's timeout", 0);
}

} // namespace xlkit::detail
