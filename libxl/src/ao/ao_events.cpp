// Events the ao layer produces for the application.
#include "ao/ao_events.hpp"

#include <memory>
#include <new>

#include "event/ctx_impl.hpp"

namespace xlkit::detail {

void queue_operation_complete(Egc &egc, std::uint64_t for_user, Error rc) {
    std::unique_ptr<Event> ev(new (std::nothrow) Event);
    if (!ev) {
        egc.ctx.disaster(egc, "out of memory reporting an operation's completion", ENOMEM);
        return;
    }
    ev->for_user = for_user;
    EventOperationComplete oc;
    oc.rc = rc_of(rc);  // the event's field is the C ABI's int
    ev->u = oc;
    egc.ctx.event_occurred(egc, std::move(ev));
}

} // namespace xlkit::detail
