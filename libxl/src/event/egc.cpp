// Egc: deferred delivery of application callbacks after the lock is dropped.
#include "event/egc.hpp"

#include "event/ctx_impl.hpp"

#include <utility>

namespace xlkit::detail {

namespace {
// Initial-exec: one %fs-relative access, where the shared library's default
// (global-dynamic) model calls __tls_get_addr on every Egc.
[[gnu::tls_model("initial-exec")]] thread_local Egc *t_current = nullptr;
}

Egc *Egc::current() noexcept { return t_current; }

// The chain holds exactly this thread's Egcs that hold their ctx's lock: an
// Egc leaves it whenever it unlocks to deliver (the destructor, flush), and
// the loop's unlocked waits (poll_once) run no code in this thread.
bool CtxImpl::locked_by_me() const noexcept {
    for (const Egc *e = t_current; e; e = e->prev_)
        if (&e->ctx == this) return true;
    return false;
}

Egc::Egc(CtxImpl &c) noexcept : ctx(c), prev_(t_current) {
    ctx.lock();
    t_current = this;
}

Egc::~Egc() {
    if (!ctx.immediates_.empty()) ctx.run_immediates(*this);
    bool owed = std::exchange(ctx.wake_owed_, false);
    ctx.unlock();
    t_current = prev_;
    if (owed) [[unlikely]] ctx.write_wakefd();
    if (head_) deliver();
}

void Egc::flush() noexcept {
    if (!ctx.immediates_.empty()) ctx.run_immediates(*this);
    bool owed = std::exchange(ctx.wake_owed_, false);
    if (!head_ && !owed) return;
    ctx.unlock();
    t_current = prev_;
    if (owed) ctx.write_wakefd();
    deliver();
    ctx.lock();
    t_current = this;
}

void Egc::deliver() noexcept {
    while (Deferred *d = head_) {
        head_ = d->next_;
        if (!head_) tail_ = &head_;
        d->fn(d);  // may free d, or queue more
    }
}

} // namespace xlkit::detail
