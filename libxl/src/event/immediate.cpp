// EvImmediate: FIFO callbacks run at the end of the current egc, or posted to
// the thread that drives the loop.
#include "event/ctx_impl.hpp"

namespace xlkit::detail {

void CtxImpl::immediate_register(Egc &egc, EvImmediate &ev, EvImmediate::Func func) {
    (void)egc;
    if (ev.queued()) return;
    ev.func_ = func;
    ev.posted_ = false;
    immediates_.push_back(ev);
}

void CtxImpl::immediate_post(Egc &egc, EvImmediate &ev, EvImmediate::Func func) {
    (void)egc;
    if (ev.queued()) return;
    ev.func_ = func;
    ev.posted_ = true;
    posted_.push_back(ev);
    wake();
}

void CtxImpl::immediate_deregister(Egc &egc, EvImmediate &ev) {
    (void)egc;
    if (!ev.queued()) return;
    if (ev.posted_)
        posted_.erase(posted_.iterator_to(ev));
    else
        immediates_.erase(immediates_.iterator_to(ev));
}

void CtxImpl::run_immediates(Egc &egc) {
    while (!immediates_.empty()) {
        EvImmediate &ev = immediates_.front();
        immediates_.pop_front();
        ev.func_(egc, &ev);
    }
}

} // namespace xlkit::detail
