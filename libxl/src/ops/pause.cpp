// domain_pause / domain_unpause: one hypercall, as aos.
//
//   Start --no Xen layer / hypervisor-->       create_fail(its rc)
//   Start --already aborting-->                create_fail(Aborted)
//   Start --no such domain-->                  create_fail(DomainNotfound)
//   Start --unpause of a domain not paused-->  create_fail(Inval)
//   Start --hypercall fails otherwise-->       create_fail(Fail)
//   Start --hypercall done-->                  complete(Success)
// They complete inside their initiating call: in callback and event mode the
// completion is delivered before that call returns Success.
#include <cerrno>

#include "event/log.hpp"
#include "ops/op_util.hpp"

namespace xlkit {

using namespace detail;

namespace {

struct State {
    Ao *ao = nullptr;
};

Error pause_start(Egc &egc, State &st, std::uint32_t domid, bool pause) {
    const char *what = pause ? "pause" : "unpause";
    XenStacks s;
    if (Error rc = xen_stacks(egc, &s, XsNeed::None); rc != Error::Success) return rc;
    // One hypercall, no abortable to cut it short: an abort requested
    // already (a stop_token fired before the call) is honoured here.
    if (st.ao->aborting()) return Error::Aborted;
    int r = pause ? s.hv->domain_pause(domid) : s.hv->domain_unpause(domid);
    if (r == -ESRCH || r == -ENOENT) {
        XLKIT_LOG(egc.ctx, ERROR, "%s: no domain %u", what, domid);
        return Error::DomainNotfound;
    }
    if (r == -EINVAL && !pause) {
        XLKIT_LOG(egc.ctx, ERROR, "unpause: domain %u is not paused", domid);
        return Error::Inval;
    }
    if (r < 0) {
        XLKIT_LOGE(egc.ctx, ERROR, -r, "%s of domain %u failed", what, domid);
        return Error::Fail;
    }
    st.ao->complete(egc, Error::Success);
    return Error::Success;
}

} // namespace

Error domain_pause(Ctx &ctx, std::uint32_t domid, AoHow how) {
    return ao_start<State>(ctx, std::move(how),
                           [domid](Egc &egc, State &st) { return pause_start(egc, st, domid, true); });
}

Error domain_unpause(Ctx &ctx, std::uint32_t domid, AoHow how) {
    return ao_start<State>(ctx, std::move(how),
                           [domid](Egc &egc, State &st) { return pause_start(egc, st, domid, false); });
}

} // namespace xlkit
