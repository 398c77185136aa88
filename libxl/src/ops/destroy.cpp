// domain_destroy: tear a domain down, stage by stage, each stage reported.
//
//   pause    (1/5) the domain stops running (a dying one is not paused)
//   devices  (2/5) its backend and frontend xenstore entries are removed
//   destroy  (3/5) the hypervisor is asked to destroy it
//   release  (4/5) wait until the hypervisor reports it dying or gone
//                  (Xen fires @releaseDomain once, when it becomes dying)
//   cleanup  (5/5) its /local/domain/DOMID and /vm/UUID directories go
//
//   Start --no such domain-->    create_fail(DomainNotfound)
//   Start --domain 0-->          create_fail(Inval)
//   Start --> pause, devices, destroy (each reported; from the first report
//             on a failure is a completion, not a failed initiation)
//   destroy --refused-->         complete(Fail)
//   destroy --> Releasing (a DeathWait, abortable, 30 s)
//   Releasing --dying or gone--> cleanup, complete(Success)
//   Releasing --timeout / abort / error--> complete(rc), no cleanup
// Abortable during "release" only (the destroy hypercall has been made: the
// domain will still go away).
#include <cerrno>
#include <cstring>

#include "event/log.hpp"
#include "ops/op_util.hpp"

namespace xlkit {

using namespace detail;

namespace {

constexpr int kReleaseTimeoutMs = 30000;

struct State {
    Ao *ao = nullptr;
    Progress stages;
    DeathWait release;
    std::uint32_t domid = 0;
    std::string vm_path;
};

void cleanup_and_complete(Egc &egc, State &st, Error rc) {
    XenStacks s;
    if (rc == Error::Success && xen_stacks(egc, &s) == Error::Success) {
        report_stage(egc, st.stages, st.domid, "cleanup", 5, 5);
        (void)xs_transact(egc, *s.x, "destroy cleanup", [&](Xenstore &xs, XsTxn t) {
            (void)xs.rm(t, dom_path(st.domid));
            if (!st.vm_path.empty()) (void)xs.rm(t, st.vm_path);
            return Error::Success;
        });
    }
    st.ao->complete(egc, rc);
}

void released_cb(Egc &egc, DeathWait *w, Error rc) {
    cleanup_and_complete(egc, *static_cast<State *>(w->data), rc);
}

Error destroy_start(Egc &egc, State &st, std::uint32_t domid) {
    st.domid = domid;
    XenStacks s;
    Error rc = xen_stacks(egc, &s);
    if (rc != Error::Success) return rc;
    if (domid == 0) {
        XLKIT_LOG(egc.ctx, ERROR, "destroy: domain 0 cannot be destroyed");
        return Error::Inval;
    }
    DomInfo d;
    rc = query_domain(egc, *s.hv, domid, &d);
    if (rc != Error::Success) return rc;
    (void)s.xs->read(0, dom_path(domid) + "/vm", &st.vm_path);

    // From the first progress report on, the operation has started: a
    // failure is its completion, not a failed initiation.
    report_stage(egc, st.stages, domid, "pause", 1, 5);
    if (!d.dying && !d.paused) {
        int r = s.hv->domain_pause(domid);
        if (r < 0 && r != -ESRCH) XLKIT_LOGE(egc.ctx, WARN, -r, "destroy: pause of %u", domid);
    }

    report_stage(egc, st.stages, domid, "devices", 2, 5);
    rc = xs_transact(egc, *s.x, "destroy devices", [&](Xenstore &xs, XsTxn t) {
        std::vector<std::string> kinds;
        if (xs.directory(t, "/local/domain/0/backend", &kinds) == 0)
            for (const std::string &k : kinds) (void)xs.rm(t, "/local/domain/0/backend/" + k + "/" + std::to_string(domid));
        (void)xs.rm(t, dom_path(domid) + "/device");
        return Error::Success;
    });
    if (rc != Error::Success) XLKIT_LOG(egc.ctx, WARN, "destroy: could not remove the devices of %u", domid);

    report_stage(egc, st.stages, domid, "destroy", 3, 5);
    int r = s.hv->domain_destroy(domid);
    if (r < 0 && r != -ESRCH) {
        XLKIT_LOGE(egc.ctx, ERROR, -r, "destroy: hypervisor refused to destroy %u", domid);
        st.ao->complete(egc, Error::Fail);
        return Error::Success;
    }

    report_stage(egc, st.stages, domid, "release", 4, 5);
    st.release.ao = st.ao;
    st.release.domid = domid;
    st.release.timeout_ms = kReleaseTimeoutMs;
    std::memcpy(st.release.uuid, d.uuid, 16);
    st.release.have_uuid = true;
    st.release.data = &st;
    st.release.callback = released_cb;
    rc = death_wait_start(egc, st.release);
    if (rc != Error::Success) st.ao->complete(egc, rc);
    return Error::Success;
}

} // namespace

Error domain_destroy(Ctx &ctx, std::uint32_t domid, AoHow how, ProgressHow stage_how) {
    return ao_start<State>(ctx, std::move(how), &State::stages, std::move(stage_how),
                           [domid](Egc &egc, State &st) { return destroy_start(egc, st, domid); });
}

} // namespace xlkit
