// xlkit's own loop: pollers, the baton, and cross-thread wake-ups.
#include <cerrno>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <utility>

#include "event/ctx_impl.hpp"
#include "event/log.hpp"

namespace xlkit::detail {

Poller *CtxImpl::poller_get() {
    if (Poller *p = std::exchange(spare_poller_, nullptr)) return p;
    if (!idle_pollers_.empty()) {
        Poller &p = idle_pollers_.front();
        idle_pollers_.pop_front();
        return &p;
    }
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) {
        XLKIT_LOGE(*this, ERROR, errno, "cannot create a poller eventfd");
        return nullptr;
    }
    auto *p = new (std::nothrow) Poller;
    if (!p) {
        (void)close(fd);
        return nullptr;
    }
    p->efd.reset(fd);
    all_pollers_.push_back(p);
    return p;
}

void CtxImpl::poller_put(Poller *p) noexcept {
    if (p->hook_.is_linked()) waiting_.erase(waiting_.iterator_to(*p));
    // One thread at a time (the usual case) reuses the same poller without
    // touching the pool list.
    if (!spare_poller_)
        spare_poller_ = p;
    else
        idle_pollers_.push_front(*p);
    // Baton invariant: if threads still wait and nobody polls, one must.
    if (!baton_ && !waiting_.empty()) poller_wake(waiting_.front());
}

void CtxImpl::wake() noexcept {
    if (wake_pending_.exchange(true, std::memory_order_acq_rel)) return;
    // Under our own egc, write after the lock is released: a woken loop
    // thread must not preempt us only to block on the mutex we still hold.
    if (Egc *e = Egc::current(); e && &e->ctx == this) {
        wake_owed_ = true;
        return;
    }
    write_wakefd();
}

void CtxImpl::write_wakefd() noexcept {
    std::uint64_t one = 1;
    // EAGAIN would mean the counter is saturated: it is readable anyway.
    (void)!write(wakefd_.get(), &one, sizeof one);
}

void CtxImpl::poller_wake(Poller &p) noexcept {
    if (&p == baton_) {
        wake();
        return;
    }
    if (p.wake_pending) return;
    p.wake_pending = true;
    std::uint64_t one = 1;
    (void)!write(p.efd.get(), &one, sizeof one);
}

void CtxImpl::wake_cb(Egc &egc, EvFd *ev, int fd, short events, short revents) {
    (void)ev; (void)events; (void)revents;
    CtxImpl &c = egc.ctx;
    std::uint64_t v;
    (void)!read(fd, &v, sizeof v);  // EAGAIN: another poller drained it
    c.wake_pending_.store(false, std::memory_order_release);
    // Posted immediates now run in this (the loop's) thread.
    while (!c.posted_.empty()) {
        EvImmediate &im = c.posted_.pop();
        im.where_ = EvImmediate::Where::Registered;
        c.immediates_.push(im);
    }
}

Error CtxImpl::poll_once(Egc &egc, Poller &p, Nanos limit) {
    // No clock read when there is no deadline to compute a timeout from.
    const bool timed = limit != kNever || !timers_.empty();
    Nanos now = timed ? mono_now() : 0;
    if (!baton_) {
        baton_ = &p;
        Nanos next = timers_.next_deadline();
        if (limit < next) next = limit;
        baton_deadline_ = next;
        int timeout = timed ? ms_until(next, now) : -1;
        if (!immediates_.empty()) timeout = 0;
        bool owed = std::exchange(wake_owed_, false);
        unlock();
        if (owed) write_wakefd();
        int n = epoll_wait(epfd_.get(), p.events, Poller::kBatch, timeout);
        int err = n < 0 ? errno : 0;
        lock();
        baton_ = nullptr;
        baton_deadline_ = kNever;
        if (n < 0) {
            if (err != EINTR) {
                disaster(egc, "epoll_wait failed", err);
                return Error::Fail;
            }
            n = 0;
        }
        for (int i = 0; i < n; ++i) {
            std::uint64_t key = p.events[i].data.u64;
            int fd = static_cast<int>(static_cast<std::uint32_t>(key));
            EvFd *ev = fd_lookup(fd);
            // Deregistered, or re-registered (fd reused) since epoll_wait
            // returned: the event is stale, drop it.
            if (ev && ev->gen_ == static_cast<std::uint32_t>(key >> 32))
                dispatch_fd(egc, ev, static_cast<short>(p.events[i].events));
        }
        if (!timers_.empty()) run_due_timers(egc, mono_now());
        // Hand the baton on: a waiting thread must now poll the set.
        if (!waiting_.empty()) poller_wake(waiting_.front());
        return Error::Success;
    }

    waiting_.push_back(p);
    bool owed = std::exchange(wake_owed_, false);
    unlock();
    if (owed) write_wakefd();
    struct pollfd pfd = {p.efd.get(), POLLIN, 0};
    int r = poll(&pfd, 1, limit == kNever ? -1 : ms_until(limit, timed ? now : mono_now()));
    int err = errno;
    std::uint64_t v;
    if (r > 0) (void)!read(p.efd.get(), &v, sizeof v);
    lock();
    p.wake_pending = false;
    if (p.hook_.is_linked()) waiting_.erase(waiting_.iterator_to(p));
    if (r < 0 && err != EINTR) {
        disaster(egc, "poll on a poller eventfd failed", err);
        return Error::Fail;
    }
    return Error::Success;
}

} // namespace xlkit::detail
