// domain_wait_death: completes when the domain is dying or gone.
//
//   Start --timeout_ms < 0-->            create_fail(Inval)
//   Start --> Waiting (a DeathWait: the ctx's shared @releaseDomain watch,
//             timeout_ms, abortable)
//   Waiting --dying, gone, or its domid
//             holds another domain-->    complete(Success)
//   Waiting --timeout-->                 complete(Timedout)
//   Waiting --abort-->                   complete(Aborted)
//   Waiting --hypervisor/xenstore fail-->complete(rc)
#include "ops/op_util.hpp"

namespace xlkit {

using namespace detail;

namespace {

struct State {
    Ao *ao = nullptr;
    DeathWait w;
};

} // namespace

Error domain_wait_death(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how) {
    return ao_start<State>(ctx, std::move(how), [=](Egc &egc, State &st) {
        if (timeout_ms < 0) return Error::Inval;
        st.w.ao = st.ao;
        st.w.domid = domid;
        st.w.timeout_ms = timeout_ms;
        st.w.data = &st;
        st.w.callback = [](Egc &g, DeathWait *w, Error rc) {
            static_cast<State *>(w->data)->ao->complete(g, rc);
        };
        return death_wait_start(egc, st.w);
    });
}

} // namespace xlkit
