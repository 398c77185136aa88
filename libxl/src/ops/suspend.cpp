// domain_suspend_only: the guest suspends itself (no memory copy); the
// domain is left shut down with reason suspend, for domain_resume or
// domain_destroy (libxl_domain_suspend_only).
//
//   Start --timeout_ms < 0-->                        create_fail(Inval)
//   Start --no such domain-->                        create_fail(DomainNotfound)
//   Start --domain 0 / shut down / dying-->          create_fail(Inval)
//   Start --already suspended-->                     complete(Success)
//   Start --GuestSuspend (ops/guest_suspend.hpp)-->  Suspending
//   Suspending --the domain shut down, reason suspend--> complete(Success)
//   Suspending --no acknowledgement in time-->       complete(GuestTimedout);
//                                                    request withdrawn, the
//                                                    guest runs on
//   Suspending --abort before the acknowledgement--> complete(Aborted);
//                                                    request withdrawn
//   Suspending --abort after it-->                   the guest suspends, is
//                                                    resumed; complete(Aborted)
//   Suspending --acknowledged, not suspended in time / another shutdown
//               reason / gone-->                     complete(GuestTimedout
//                                                    / Fail / Fail)
//
// domain_resume: a suspended domain runs again (fast resume: the guest
// sees its suspend cancelled, libxl's suspend_cancel = 1).
//
//   Start --suspend_cancel false-->                  create_fail(Inval): the
//                                                    slow resume is not
//                                                    implemented (nor in xl)
//   Start --already aborting-->                      create_fail(Aborted)
//   Start --no such domain-->                        create_fail(DomainNotfound)
//   Start --not suspended-->                         create_fail(Inval)
//   Start --xc_domain_resume(fast), xs_resume_domain--> complete(Success)
#include "event/log.hpp"
#include "ops/guest_suspend.hpp"
#include "ops/op_util.hpp"

namespace xlkit {

using namespace detail;

namespace {

struct SuspendState {
    Ao *ao = nullptr;
    GuestSuspend gs;
};

Error suspend_start(Egc &egc, SuspendState &st, std::uint32_t domid, int timeout_ms) {
    if (timeout_ms < 0) return Error::Inval;
    st.gs.ao = st.ao;
    st.gs.domid = domid;
    st.gs.ack_timeout_ms = timeout_ms;
    st.gs.suspend_timeout_ms = timeout_ms;
    st.gs.data = &st;
    st.gs.callback = [](Egc &g, GuestSuspend *gs, Error rc) {
        static_cast<SuspendState *>(gs->data)->ao->complete(g, rc);
    };
    return guest_suspend_start(egc, st.gs);
}

struct ResumeState {
    Ao *ao = nullptr;
};

} // namespace

Error domain_suspend_only(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how) {
    return ao_start<SuspendState>(ctx, std::move(how), [=](Egc &egc, SuspendState &st) {
        return suspend_start(egc, st, domid, timeout_ms);
    });
}

Error domain_resume(Ctx &ctx, std::uint32_t domid, bool suspend_cancel, AoHow how) {
    return ao_start<ResumeState>(ctx, std::move(how), [=](Egc &egc, ResumeState &st) {
        if (!suspend_cancel) {
            XLKIT_LOG(egc.ctx, ERROR, "resume of domain %u: only the fast resume (suspend_cancel) is supported", domid);
            return Error::Inval;
        }
        if (st.ao->aborting()) return Error::Aborted;
        Error rc = resume_suspended(egc, domid);
        if (rc != Error::Success) return rc;
        st.ao->complete(egc, Error::Success);
        return Error::Success;
    });
}

} // namespace xlkit
