// domain_destroy: tear a domain down, stage by stage, each stage reported.
//
//   pause    (1/5) the domain stops running (a dying one is not paused)
//   devices  (2/5) its backend and frontend xenstore entries are removed
//   destroy  (3/5) the hypervisor is asked to destroy it
//   release  (4/5) wait until the hypervisor reports it dying or gone
//                  (Xen fires @releaseDomain once, when it becomes dying)
//   cleanup  (5/5) its /local/domain/DOMID and /vm/UUID directories go
// Error::DomainNotfound if it does not exist; abortable during "release"
// (the destroy hypercall has been made: the domain will still go away).
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

void cleanup_and_complete(Egc &egc, State &st, int rc) {
    XenCtx *x;
    Hypervisor *hv;
    Xenstore *xs;
    if (!rc && !xen_stacks(egc, &x, &hv, &xs)) {
        report_stage(egc, st.stages, st.domid, "cleanup", 5, 5);
        (void)xs_transact(egc, *x, "destroy cleanup", [&](Xenstore &s, XsTxn t) {
            (void)s.rm(t, dom_path(st.domid));
            if (!st.vm_path.empty()) (void)s.rm(t, st.vm_path);
            return 0;
        });
    }
    st.ao->complete(egc, rc);
}

} // namespace

Error domain_destroy(Ctx &ctx, std::uint32_t domid, AoHow how, ProgressHow stage_how) {
    Egc egc(ctx.impl());
    if (ctx.impl().failed()) return Error::Fail;
    Ao *ao = nullptr;
    State *st = Ao::create<State>(egc, std::move(how), &ao);
    if (!st) return Error::Nomem;
    st->ao = ao;
    st->domid = domid;
    st->stages.set(ao, std::move(stage_how));
    XenCtx *x;
    Hypervisor *hv;
    Xenstore *xs;
    int rc = xen_stacks(egc, &x, &hv, &xs);
    if (rc) return static_cast<Error>(ao->create_fail(egc, rc));
    if (domid == 0) {
        XLKIT_LOG(ctx.impl(), ERROR, "destroy: domain 0 cannot be destroyed");
        return static_cast<Error>(ao->create_fail(egc, rc_of(Error::Inval)));
    }
    DomInfo d;
    rc = query_domain(egc, *hv, domid, &d);
    if (rc) return static_cast<Error>(ao->create_fail(egc, rc));
    (void)xs->read(0, dom_path(domid) + "/vm", &st->vm_path);

    report_stage(egc, st->stages, domid, "pause", 1, 5);
    if (!d.dying && !d.paused) {
        int r = hv->domain_pause(domid);
        if (r < 0 && r != -ESRCH) XLKIT_LOGE(ctx.impl(), WARN, -r, "destroy: pause of %u", domid);
    }

    report_stage(egc, st->stages, domid, "devices", 2, 5);
    rc = xs_transact(egc, *x, "destroy devices", [&](Xenstore &s, XsTxn t) {
        std::vector<std::string> kinds;
        if (s.directory(t, "/local/domain/0/backend", &kinds) == 0)
            for (const std::string &k : kinds) (void)s.rm(t, "/local/domain/0/backend/" + k + "/" + std::to_string(domid));
        (void)s.rm(t, dom_path(domid) + "/device");
        return 0;
    });
    if (rc) XLKIT_LOG(ctx.impl(), WARN, "destroy: could not remove the devices of %u", domid);

    report_stage(egc, st->stages, domid, "destroy", 3, 5);
    int r = hv->domain_destroy(domid);
    // From the first progress report on, the operation has started: a
    // failure is its completion, not a failed initiation.
    if (r < 0 && r != -ESRCH) {
        XLKIT_LOGE(ctx.impl(), ERROR, -r, "destroy: hypervisor refused to destroy %u", domid);
        ao->complete(egc, rc_of(Error::Fail));
        return static_cast<Error>(ao->inprogress(egc));
    }

    report_stage(egc, st->stages, domid, "release", 4, 5);
    st->release.ao = ao;
    st->release.domid = domid;
    st->release.timeout_ms = kReleaseTimeoutMs;
    std::memcpy(st->release.uuid, d.uuid, 16);
    st->release.have_uuid = true;
    st->release.data = st;
    st->release.callback = [](Egc &g, DeathWait *w, int wrc) {
        cleanup_and_complete(g, *static_cast<State *>(w->data), wrc);
    };
    rc = death_wait_start(egc, st->release);
    if (rc) ao->complete(egc, rc);
    return static_cast<Error>(ao->inprogress(egc));
}

} // namespace xlkit
