// domain_destroy: tear a domain down, stage by stage, each stage reported.
//
//   pause    (1/5) the domain stops running (a dying one is not paused)
//   devices  (2/5) every disk and nic is removed, forced, in parallel: the
//                  backend closes (10 s bound), the hotplug script's remove
//                  runs (so no loop device or vif is left), the entries go;
//                  then whatever device entries are left are removed.
//                  Each device's own stages are reported in between,
//                  named as create names them ("disk xvda: closing",
//                  "nic 0: hotplug", ... "disk xvda: removed")
//   destroy  (3/5) the hypervisor is asked to destroy it
//   release  (4/5) wait until the hypervisor reports it dying or gone
//                  (asked at once: xc_domain_destroy returns when it is,
//                  as a rule; else Xen fires @releaseDomain once, when it
//                  becomes dying)
//   cleanup  (5/5) its /local/domain/DOMID and /vm/UUID directories and
//                  its configuration file (ops/userdata.hpp) go
//
//   Start --no such domain-->    create_fail(DomainNotfound)
//   Start --domain 0-->          create_fail(Inval)
//   Start --> pause, devices (DevRemoves, ops/device.hpp), destroy (each
//             reported; from the first report on a failure is a
//             completion, not a failed initiation)
//   destroy --refused-->         complete(Fail)
//   destroy --dying or gone already--> cleanup, complete(Success)
//   destroy --> Releasing (a DeathWait, abortable, 30 s)
//   Releasing --dying or gone--> cleanup, complete(Success)
//   Releasing --timeout / abort / error--> complete(rc), no cleanup
// Abortable during "release" only (the destroy hypercall has been made: the
// domain will still go away).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "event/log.hpp"
#include "ops/device.hpp"
#include "ops/nested.hpp"
#include "ops/op_util.hpp"
#include "ops/userdata.hpp"

namespace xlkit {

using namespace detail;

namespace {

constexpr int kReleaseTimeoutMs = 30000;

struct State {
    Ao *ao = nullptr;
    Progress stages;
    DeathWait release;
    std::uint32_t domid = 0;
    bool can_abort = true;  // false when nested: the parent needs the domain gone
    std::uint8_t uuid[16] = {};
    std::string vm_path;
    std::vector<std::string> backend_kinds;  // /local/domain/0/backend's
    std::vector<std::unique_ptr<DevRemove>> devices;
    int pending = 0;  // device removals not yet done, +1 while starting them
};

// Each xenstore request costs the caller about 0.4 ms of CPU in dom0 under
// emulation, so the removals below are plain ones, without a transaction
// around them: each is whole by itself, and a destroy only takes away.
void cleanup_and_complete(Egc &egc, State &st, Error rc) {
    XenStacks s;
    if (rc == Error::Success && xen_stacks(egc, &s) == Error::Success) {
        report_stage(egc, st.stages, st.domid, "cleanup", 5, 5);
        (void)s.xs->rm(0, dom_path(st.domid));
        if (!st.vm_path.empty()) (void)s.xs->rm(0, st.vm_path);
        Uuid u;
        std::memcpy(u.bytes.data(), st.uuid, 16);
        userdata_remove(*s.x, st.domid, u);
    }
    st.ao->complete(egc, rc);
}

void released_cb(Egc &egc, DeathWait *w, Error rc) {
    cleanup_and_complete(egc, *static_cast<State *>(w->data), rc);
}

// After the devices: what is left of their entries, then the domain.
void destroy_domain(Egc &egc, State &st) {
    const std::uint32_t domid = st.domid;
    XenStacks s;
    Error rc = xen_stacks(egc, &s);
    if (rc != Error::Success) {
        st.ao->complete(egc, rc);
        return;
    }
    for (const std::string &k : st.backend_kinds)
        (void)s.xs->rm(0, "/local/domain/0/backend/" + k + "/" + std::to_string(domid));
    (void)s.xs->rm(0, dom_path(domid) + "/device");
    (void)s.xs->rm(0, "/libxl/" + std::to_string(domid));

    report_stage(egc, st.stages, domid, "destroy", 3, 5);
    int r = s.hv->domain_destroy(domid);
    if (r < 0 && r != -ESRCH) {
        XLKIT_LOGE(egc.ctx, ERROR, -r, "destroy: hypervisor refused to destroy %u", domid);
        st.ao->complete(egc, Error::Fail);
        return;
    }

    report_stage(egc, st.stages, domid, "release", 4, 5);
    // xc_domain_destroy returns once the domain's resources are given back:
    // it is dying, or gone, by now as a rule, and then no watch is needed.
    DomInfo d;
    Error q = query_domain(egc, *s.hv, domid, &d);
    if (q == Error::DomainNotfound || (q == Error::Success && (d.dying || std::memcmp(d.uuid, st.uuid, 16) != 0)))
        return cleanup_and_complete(egc, st, Error::Success);
    st.release.ao = st.ao;
    st.release.domid = domid;
    st.release.timeout_ms = kReleaseTimeoutMs;
    std::memcpy(st.release.uuid, st.uuid, 16);
    st.release.have_uuid = true;
    st.release.can_abort = st.can_abort;
    st.release.data = &st;
    st.release.callback = released_cb;
    rc = death_wait_start(egc, st.release);
    if (rc != Error::Success) st.ao->complete(egc, rc);
}

void device_removal_done(Egc &egc, State &st) {
    if (--st.pending == 0) destroy_domain(egc, st);
}

void device_removed_cb(Egc &egc, DevRemove *r, Error) {  // the removal logged its failures
    device_removal_done(egc, *static_cast<State *>(r->data));
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
    std::memcpy(st.uuid, d.uuid, 16);

    // From the first progress report on, the operation has started: a
    // failure is its completion, not a failed initiation.
    report_stage(egc, st.stages, domid, "pause", 1, 5);
    if (!d.dying && !d.paused) {
        int r = s.hv->domain_pause(domid);
        if (r < 0 && r != -ESRCH) XLKIT_LOGE(egc.ctx, WARN, -r, "destroy: pause of %u", domid);
    }

    report_stage(egc, st.stages, domid, "devices", 2, 5);
    // Every device is removed as a forced removal: its backend closes, its
    // hotplug script's remove runs (no loop device or vif is left behind),
    // its entries go. In parallel; a device that fails is logged, and the
    // destroy goes on. A kind's devices are listed only where the kind is
    // there at all, in the domain's device directory or among dom0's
    // backends (two listings, where a listing per kind and side would be
    // four for a guest without devices).
    std::vector<std::string> fe_kinds;
    (void)s.xs->directory(0, dom_path(domid) + "/device", &fe_kinds);
    (void)s.xs->directory(0, "/local/domain/0/backend", &st.backend_kinds);
    auto has = [](const std::vector<std::string> &v, const char *k) { return std::find(v.begin(), v.end(), k) != v.end(); };
    for (DevKind k : {DevKind::Vbd, DevKind::Vif}) {
        if (!has(fe_kinds, dev_kind_name(k)) && !has(st.backend_kinds, dev_kind_name(k))) continue;
        for (int id : dev_list(*s.xs, domid, k)) {
            auto r = std::make_unique<DevRemove>();
            r->ao = st.ao;
            r->addr = DevAddr{k, domid, id, 0};
            // Named as create and the device operations name it ("disk
            // xvda", "nic 0"); its stages nest in the destroy's.
            std::string vdev;
            if (k == DevKind::Vbd && s.xs->read(0, dev_backend_path(r->addr) + "/dev", &vdev) == 0 && !vdev.empty())
                r->label = "disk " + vdev;
            else
                r->label = std::string(k == DevKind::Vbd ? "disk " : "nic ") + std::to_string(id);
            r->progress = &st.stages;
            r->force = true;
            r->can_abort = false;
            r->data = &st;
            r->callback = device_removed_cb;
            st.devices.push_back(std::move(r));
        }
    }
    st.pending = 1;  // held until every removal has started
    for (auto &r : st.devices)
        if (dev_remove_start(egc, *r) == Error::Success) ++st.pending;
    device_removal_done(egc, st);
    return Error::Success;
}

} // namespace

Error domain_destroy(Ctx &ctx, std::uint32_t domid, AoHow how, ProgressHow stage_how) {
    return ao_start<State>(ctx, std::move(how), &State::stages, std::move(stage_how),
                           [domid](Egc &egc, State &st) { return destroy_start(egc, st, domid); });
}

namespace detail {

Error domain_destroy_nested(Egc &egc, Ao *parent, NestedDone done, void *done_data, std::uint32_t domid) {
    return ao_start_nested<State>(egc, parent, done, done_data, [domid](Egc &e, State &st) {
        st.can_abort = false;
        return destroy_start(e, st, domid);
    });
}

} // namespace detail

} // namespace xlkit
