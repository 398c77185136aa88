// The application's event queue: events are queued for event_check /
// event_wait, or handed (after the lock is released) to the application's
// event_occurs callback when their type is in its mask.
#include <memory>

#include "event/ctx_impl.hpp"
#include "event/log.hpp"

namespace xlkit::detail {

namespace {

bool in_mask(std::uint64_t mask, const Event &ev) {
    unsigned t = static_cast<unsigned>(ev.type());
    return t < 64 && (mask & (std::uint64_t(1) << t));
}

struct Occurs {
    Deferred d;  // data: this
    CtxImpl *ctx;
    EventOccursFn fn;
    void *user;
    std::unique_ptr<Event> ev;
};

} // namespace

void CtxImpl::event_occurred(Egc &egc, std::unique_ptr<Event> ev) {
    if (event_occurs_ && in_mask(event_occurs_mask_, *ev)) {
        auto *o = new (std::nothrow) Occurs{{}, this, event_occurs_, event_occurs_user_, std::move(ev)};
        if (!o) {
            disaster(egc, "out of memory delivering an event", ENOMEM);
            return;
        }
        o->d.data = o;
        o->d.fn = [](Deferred *d) {
            std::unique_ptr<Occurs> occ(static_cast<Occurs *>(d->data));
            occ->fn(occ->user, std::move(occ->ev));
        };
        egc.defer(o->d);
        return;
    }
    auto *q = new (std::nothrow) QueuedEvent;
    if (!q) {
        disaster(egc, "out of memory queueing an event", ENOMEM);
        return;
    }
    q->ev = std::move(ev);
    events_.push_back(*q);
    for (EventWaiter &w : event_waiters_)
        if (w.poller) poller_wake(*w.poller);
}

Error CtxImpl::event_check(Egc &egc, std::unique_ptr<Event> *out, std::uint64_t mask,
                           EventPredicate pred, void *user) {
    (void)egc;
    for (QueuedEvent &q : events_) {
        if (!in_mask(mask, *q.ev)) continue;
        if (pred && !pred(*q.ev, user)) continue;
        events_.erase(events_.iterator_to(q));
        *out = std::move(q.ev);
        delete &q;
        return Error::Success;
    }
    return Error::NotReady;
}

Error CtxImpl::event_wait(Egc &egc, std::unique_ptr<Event> *out, std::uint64_t mask,
                          EventPredicate pred, void *user, Nanos deadline) {
    Error rc = event_check(egc, out, mask, pred, user);
    if (rc != Error::NotReady) return rc;
    EventWaiter w;
    event_waiters_.push_back(w);
    // w.poller is set while this thread waits, so event_occurred can wake it.
    rc = wait_until(
        egc, [&] { return event_check(egc, out, mask, pred, user) == Error::Success; }, deadline, &w.poller);
    event_waiters_.erase(event_waiters_.iterator_to(w));
    return rc;
}

void CtxImpl::set_event_callbacks(std::uint64_t mask, EventOccursFn fn, void *user) {
    event_occurs_mask_ = fn ? mask : 0;
    event_occurs_ = fn;
    event_occurs_user_ = user;
}

void CtxImpl::drop_queued_events() noexcept {
    while (!events_.empty()) {
        QueuedEvent &q = events_.front();
        events_.pop_front();
        delete &q;
    }
}

} // namespace xlkit::detail
