// Egc: deferred delivery of application callbacks after the lock is dropped.
#include "event/egc.hpp"

#include "event/ctx_impl.hpp"

#include <utility>

namespace xlkit::detail {

namespace {
thread_local Egc *t_current = nullptr;
}

Egc *Egc::current() noexcept { return t_current; }

Egc::Egc(CtxImpl &c) noexcept : ctx(c), prev_(t_current) {
    ctx.lock();
    t_current = this;
}

Egc::~Egc() {
    ctx.run_immediates(*this);
    bool owed = std::exchange(ctx.wake_owed_, false);
    ctx.unlock();
    t_current = prev_;
    if (owed) ctx.write_wakefd();
    if (!deferred_.empty()) deliver();
}

void Egc::flush() noexcept {
    ctx.run_immediates(*this);
    bool owed = std::exchange(ctx.wake_owed_, false);
    if (deferred_.empty() && !owed) return;
    ctx.unlock();
    t_current = prev_;
    if (owed) ctx.write_wakefd();
    deliver();
    ctx.lock();
    t_current = this;
}

void Egc::deliver() noexcept {
    while (!deferred_.empty()) {
        Deferred &d = deferred_.front();
        deferred_.pop_front();
        d.fn(&d);  // may free d
    }
}

} // namespace xlkit::detail
