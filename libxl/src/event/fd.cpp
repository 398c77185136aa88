// EvFd registration against the ctx epoll set and, if present, the
// application's osevent hooks.
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/epoll.h>

#include "event/ctx_impl.hpp"
#include "event/log.hpp"

namespace xlkit::detail {

namespace {

constexpr short kPollable = POLLIN | POLLPRI | POLLOUT;
// poll(2) and epoll(7) share the bit values of IN/PRI/OUT/ERR/HUP on Linux.
static_assert(POLLIN == EPOLLIN && POLLPRI == EPOLLPRI && POLLOUT == EPOLLOUT &&
              POLLERR == EPOLLERR && POLLHUP == EPOLLHUP);

inline std::uint64_t fd_key(int fd, std::uint32_t gen) noexcept {
    return (std::uint64_t(gen) << 32) | std::uint32_t(fd);
}

} // namespace

Error CtxImpl::fd_register(Egc &egc, EvFd &ev, EvFd::Func func, int fd, short events) {
    (void)egc;
    if (fd < 0 || !func || ev.active() || (events & ~kPollable)) {
        XLKIT_LOG(*this, ERROR, "fd_register: invalid arguments (fd=%d events=%#x%s%s)", fd,
                  unsigned(events), func ? "" : " func=null", ev.active() ? " already active" : "");
        return Error::Inval;
    }
    if (fd_lookup(fd)) {
        XLKIT_LOG(*this, ERROR, "fd_register: fd %d is already registered", fd);
        return Error::Inval;
    }
    if (static_cast<std::size_t>(fd) >= fd_table_.size())
        fd_table_.resize(std::max<std::size_t>(fd + 1, fd_table_.size() * 2), nullptr);

    std::uint32_t gen = ++fd_gen_;
    struct epoll_event e;
    std::memset(&e, 0, sizeof e);
    e.events = static_cast<std::uint32_t>(events);
    e.data.u64 = fd_key(fd, gen);
    // An fd with events == 0 stays out of the epoll set (epoll would still
    // report POLLHUP/POLLERR for it); it is added when modified to non-zero.
    // Still check that it is a pollable open fd, so a bad fd is reported now.
    if (epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, fd, &e) < 0) {
        int err = errno;
        XLKIT_LOGE(*this, ERROR, err, "fd_register: cannot watch fd %d", fd);
        return err == EBADF || err == EPERM ? Error::Inval : Error::Fail;
    }
    if (!events) (void)epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, fd, nullptr);
    if (hooks_ && hooks_->fd_register) {
        void *reg = nullptr;
        int r = hooks_->fd_register(hooks_user_, fd, &reg, events, reinterpret_cast<void *>(fd_key(fd, gen)));
        if (r) {
            if (events) (void)epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, fd, nullptr);
            XLKIT_LOG(*this, ERROR, "fd_register: application hook refused fd %d (rc=%d)", fd, r);
            return hook_error(r);
        }
        ev.app_reg_ = reg;
        ev.app_registered_ = true;
    }
    ev.func_ = func;
    ev.fd_ = fd;
    ev.events_ = events;
    ev.gen_ = gen;
    fd_table_[fd] = &ev;
    all_fds_.push_back(ev);
    if (app_polling_) wake();  // the application's poll set is now stale
    return Error::Success;
}

Error CtxImpl::fd_modify(Egc &egc, EvFd &ev, short events) {
    (void)egc;
    if (!ev.active() || (events & ~kPollable)) return Error::Inval;
    if (events == ev.events_) return Error::Success;
    struct epoll_event e;
    std::memset(&e, 0, sizeof e);
    e.events = static_cast<std::uint32_t>(events);
    e.data.u64 = fd_key(ev.fd_, ev.gen_);
    auto epoll_set = [&](short from, short to) {
        e.events = static_cast<std::uint32_t>(to);
        int op = !from ? EPOLL_CTL_ADD : !to ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
        return epoll_ctl(epfd_.get(), op, ev.fd_, &e);
    };
    if (epoll_set(ev.events_, events) < 0) {
        int err = errno;
        XLKIT_LOGE(*this, ERROR, err, "fd_modify: fd %d", ev.fd_);
        return err == EBADF ? Error::Inval : Error::Fail;
    }
    if (hooks_ && ev.app_registered_ && hooks_->fd_modify) {
        void *reg = ev.app_reg_;
        int r = hooks_->fd_modify(hooks_user_, ev.fd_, &reg, events);
        if (r) {
            (void)epoll_set(events, ev.events_);
            return hook_error(r);
        }
        ev.app_reg_ = reg;
    }
    ev.events_ = events;
    if (app_polling_) wake();
    return Error::Success;
}

void CtxImpl::fd_deregister(Egc &egc, EvFd &ev) {
    (void)egc;
    if (!ev.active()) return;
    // ENOENT/EBADF: quiet fd, or the caller closed it first; nothing to undo.
    (void)epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, ev.fd_, nullptr);
    if (ev.app_registered_ && hooks_ && hooks_->fd_deregister)
        hooks_->fd_deregister(hooks_user_, ev.fd_, ev.app_reg_);
    ev.app_registered_ = false;
    ev.app_reg_ = nullptr;
    fd_table_[ev.fd_] = nullptr;
    all_fds_.erase(all_fds_.iterator_to(ev));
    ev.fd_ = -1;
}

void CtxImpl::dispatch_fd(Egc &egc, EvFd *ev, short revents) {
    if (!ev->events_) return;  // registered but quiet
    short rev = static_cast<short>(revents & (ev->events_ | POLLERR | POLLHUP));
    if (!rev) return;
    ev->func_(egc, ev, ev->fd_, ev->events_, rev);
}

} // namespace xlkit::detail
