// EvImmediate: FIFO callbacks run at the end of the current egc, or posted to
// the thread that drives the loop.
#include "event/ctx_impl.hpp"

namespace xlkit::detail {

void CtxImpl::immediate_register(Egc &egc, EvImmediate &ev, EvImmediate::Func func) {
    (void)egc;
    if (ev.queued()) return;
    ev.func_ = func;
    ev.where_ = EvImmediate::Where::Registered;
    immediates_.push(ev);
}

void CtxImpl::immediate_post(Egc &egc, EvImmediate &ev, EvImmediate::Func func) {
    (void)egc;
    if (ev.queued()) return;
    ev.func_ = func;
    ev.where_ = EvImmediate::Where::Posted;
    posted_.push(ev);
    wake();
}

void CtxImpl::immediate_deregister(Egc &egc, EvImmediate &ev) {
    (void)egc;
    if (!ev.queued()) return;
    (ev.where_ == EvImmediate::Where::Posted ? posted_ : immediates_).erase(ev);
    ev.where_ = EvImmediate::Where::Idle;
}

void CtxImpl::run_immediates(Egc &egc) {
    while (!immediates_.empty()) {
        EvImmediate &ev = immediates_.pop();
        ev.where_ = EvImmediate::Where::Idle;
        ev.func_(egc, &ev);
    }
}

} // namespace xlkit::detail
