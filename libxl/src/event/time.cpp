// EvTime registration in the ctx timer heap, and firing.
#include "event/ctx_impl.hpp"
#include "event/log.hpp"

namespace xlkit::detail {

Error CtxImpl::time_register_abs(Egc &egc, EvTime &ev, EvTime::Func func, Nanos abs) {
    if (!func) return Error::Inval;
    if (ev.active()) timers_.remove(&ev);
    ev.func_ = func;
    ev.deadline_ = abs;
    ev.seq_ = ++timer_seq_;
    timers_.push(&ev);
    if (abs < sleeper_deadline() || hooks_) {
        // Only an earlier deadline than a sleeper sleeps until needs a
        // wake-up (sleeper_deadline() is kNever when nobody sleeps).
        if (someone_sleeps() && abs < sleeper_deadline()) wake();
        if (hooks_ && abs == timers_.next_deadline()) {
            Error rc = app_timer_update(egc);
            if (rc != Error::Success) {
                timers_.remove(&ev);
                return rc;
            }
        }
    }
    return Error::Success;
}

Error CtxImpl::time_register_rel(Egc &egc, EvTime &ev, EvTime::Func func, int ms) {
    if (ms < 0) {
        XLKIT_LOG(*this, ERROR, "time_register_rel: negative timeout %d ms", ms);
        return Error::Inval;
    }
    return time_register_abs(egc, ev, func, mono_now() + Nanos(ms) * 1'000'000);
}

void CtxImpl::time_deregister(Egc &egc, EvTime &ev) {
    (void)egc;
    // A later deadline never needs a wake-up: a sleeper waking early for a
    // cancelled timer finds nothing due and goes back to sleep.
    if (ev.active()) timers_.remove(&ev);
}

void CtxImpl::run_due_timers(Egc &egc, Nanos now) {
    // Timers registered by the callbacks of this batch wait for the next one,
    // so a callback re-arming itself in the past cannot loop here forever.
    const std::uint64_t batch = timer_seq_;
    while (!timers_.empty() && timers_.next_deadline() <= now && timers_.top_seq() <= batch) {
        EvTime *t = timers_.top();
        timers_.pop();
        t->func_(egc, t, t->deadline_, Error::Timedout);
    }
}

} // namespace xlkit::detail
