// Egc: deferred delivery of application callbacks after the lock is dropped.
#include "event/egc.hpp"

#include "event/ctx_impl.hpp"

namespace xlkit::detail {

Egc::Egc(CtxImpl &c) noexcept : ctx(c) { ctx.lock(); }

Egc::~Egc() {
    ctx.run_immediates(*this);
    ctx.unlock();
    deliver();
}

void Egc::flush() noexcept {
    ctx.run_immediates(*this);
    if (deferred_.empty()) return;
    ctx.unlock();
    deliver();
    ctx.lock();
}

void Egc::deliver() noexcept {
    while (!deferred_.empty()) {
        Deferred &d = deferred_.front();
        deferred_.pop_front();
        d.fn(&d);  // may free d
    }
}

} // namespace xlkit::detail
