#include "ao/progress.hpp"

#include "event/ctx_impl.hpp"

namespace xlkit::detail {

Progress::~Progress() {
    // The ao completes only after every report was delivered.
    while (!pending_.empty()) {
        Item &it = pending_.front();
        pending_.pop_front();
        delete &it;
    }
}

void Progress::report(Egc &egc, std::unique_ptr<Event> ev) {
    switch (how_.mode()) {
    case ProgressHow::Mode::Discard:
        return;
    case ProgressHow::Mode::Event:
        ev->for_user = how_.for_event();
        egc.ctx.event_occurred(egc, std::move(ev));
        return;
    case ProgressHow::Mode::Callback:
        break;
    }
    auto *it = new (std::nothrow) Item;
    if (!it) {
        egc.ctx.disaster(egc, "out of memory reporting progress", ENOMEM);
        return;
    }
    ev->for_user = how_.for_event();
    it->ev = std::move(ev);
    pending_.push_back(*it);
    ao_->progress_begin();
    if (!draining_) {
        draining_ = true;
        drainer_.data = this;
        drainer_.fn = drain;
        egc.defer(drainer_);
    }
}

void Progress::drain(Deferred *d) {
    Progress *p = static_cast<Progress *>(d->data);
    CtxImpl &ctx = p->ao_->ctx();
    for (;;) {
        Item *it;
        {
            Egc egc(ctx);
            if (p->pending_.empty()) {
                p->draining_ = false;
                return;
            }
            it = &p->pending_.front();
            p->pending_.pop_front();
        }
        p->how_.callback_ref()(*it->ev);
        delete it;
        // Counted only now: the callback has returned. This may complete the
        // ao (and free p): touch nothing of p after it, unless more is
        // pending, in which case the ao cannot have completed.
        Egc egc(ctx);
        Ao *ao = p->ao_;
        bool more = !p->pending_.empty();
        if (!more) p->draining_ = false;
        ao->progress_end(egc);
        if (!more) return;
    }
}

} // namespace xlkit::detail
