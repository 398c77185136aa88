#include "ops/op_util.hpp"

#include <cerrno>
#include <cstring>

#include "event/log.hpp"

namespace xlkit::detail {

Error query_domain(Egc &egc, Hypervisor &hv, std::uint32_t domid, DomInfo *out) {
    int n = hv.domain_getinfolist(domid, 1, out);
    if (n < 0) {
        XLKIT_LOGE(egc.ctx, ERROR, -n, "cannot query domain %u", domid);
        return Error::Fail;
    }
    if (n == 0 || out->domid != domid) return Error::DomainNotfound;
    return Error::Success;
}

std::vector<std::string> domains_named(Xenstore &xs, XsTxn t, const std::string &name) {
    std::vector<std::string> doms, out;
    if (xs.directory(t, "/local/domain", &doms) < 0) return out;
    for (const std::string &d : doms) {
        std::string n;
        if (xs.read(t, "/local/domain/" + d + "/name", &n) == 0 && n == name) out.push_back(d);
    }
    return out;
}

void fill_domain_info(Egc &egc, const XenStacks &s, const DomInfo &d, bool may_cache, DomainInfo *out) {
    *out = DomainInfo{};
    out->domid = d.domid;
    std::memcpy(out->uuid.bytes.data(), d.uuid, 16);
    std::string name;
    const int nr = s.xs ? s.x->domain_name(egc, *s.xs, d.domid, d.uuid, may_cache, &name) : -ENOENT;
    if (nr == 0)
        out->name = name;
    else if (d.domid == 0)
        out->name = "Domain-0";
    // A domain without a name node is normal (being made or destroyed); a
    // read that failed otherwise makes a lookup by name miss it: said here.
    if (nr < 0 && nr != -ENOENT && d.domid != 0)
        XLKIT_LOGE(egc.ctx, WARN, -nr, "cannot read the name of domain %u", d.domid);
    // Xen only knows "HVM container": a PVH one is told by the type the
    // toolstack recorded (libxl__domain_type reads the same node).
    out->domain_type = d.hvm ? DomainType::Hvm : DomainType::Pv;
    std::string type;
    if (d.hvm && s.xs && s.xs->read(0, "/libxl/" + std::to_string(d.domid) + "/type", &type) == 0 && type == "pvh")
        out->domain_type = DomainType::Pvh;
    out->state = d.dying     ? DomainState::Dying
                 : d.crashed ? DomainState::Crashed
                 : d.shutdown ? DomainState::Shutdown
                 : d.paused   ? DomainState::Paused
                 : d.running  ? DomainState::Running
                              : DomainState::Blocked;
    out->shutdown_reason = d.shutdown && d.shutdown_reason >= 0 && d.shutdown_reason <= 5
                               ? static_cast<ShutdownReason>(d.shutdown_reason)
                               : ShutdownReason::Unknown;
    out->current_memkb = d.current_memkb;
    out->max_memkb = d.max_memkb;
    out->outstanding_memkb = d.outstanding_memkb;
    out->cpu_time = d.cpu_time_ns;
    out->vcpu_max_id = d.max_vcpu_id;
    out->vcpu_online = d.online_vcpus;
    out->cpupool = d.cpupool;
}

namespace {

EventOperationProgress stage_of(const char *stage, int done, int total) {
    EventOperationProgress op;
    op.stage = stage;
    op.done = done;
    op.total = total;
    return op;
}

void report_op(Egc &egc, Progress &p, std::uint32_t domid, EventOperationProgress op) {
    auto ev = std::make_unique<Event>();
    ev->domid = domid;
    ev->u = std::move(op);
    p.report(egc, std::move(ev));
}

} // namespace

void report_stage(Egc &egc, Progress &p, std::uint32_t domid, const char *stage, int done, int total) {
    if (p.wanted()) report_op(egc, p, domid, stage_of(stage, done, total));
}

void report_pass(Egc &egc, Progress &p, std::uint32_t domid, const char *stage, int done, int total,
                 const PrecopyPass &pass) {
    if (!p.wanted()) return;
    EventOperationProgress op = stage_of(stage, done, total);
    op.iteration = pass.iteration;
    op.dirty_pages = pass.dirty_pages;
    op.pass_ms = pass.pass_ms;
    op.dirty_rate = pass.dirty_rate;
    op.downtime_ms = pass.downtime_ms;
    report_op(egc, p, domid, std::move(op));
}

// ---- DeathWait ---------------------------------------------------------------

namespace {

void dw_finish(Egc &egc, DeathWait &w, Error rc) {
    death_wait_stop(egc, w);
    w.callback(egc, &w, rc);
}

} // namespace

Error death_wait_start(Egc &egc, DeathWait &w) {
    w.abortable.data = &w;
    Error rc = !w.can_abort ? Error::Success
                            : abortable_register(egc, w.abortable, w.ao, [](Egc &g, AoAbortable *ab, Error arc) {
                                  dw_finish(g, *static_cast<DeathWait *>(ab->data), arc);
                              });
    if (rc != Error::Success) return rc;
    // One request among the ctx's domain-death requests: the first check
    // comes soon, then one per @releaseDomain event, batched with the rest.
    rc = death_watch_add(
        egc, w.domid, w.have_uuid ? w.uuid : nullptr,
        [](Egc &g, void *data, Error drc) { dw_finish(g, *static_cast<DeathWait *>(data), drc); }, &w, &w.req);
    if (rc == Error::Success && w.timeout_ms > 0) {
        w.timer.data = &w;
        rc = egc.ctx.time_register_rel(
            egc, w.timer,
            [](Egc &g, EvTime *ev, Nanos, Error trc) { dw_finish(g, *static_cast<DeathWait *>(ev->data), trc); },
            w.timeout_ms);
    }
    if (rc != Error::Success) death_wait_stop(egc, w);
    return rc;
}

void death_wait_stop(Egc &egc, DeathWait &w) {
    abortable_deregister(egc, w.abortable);
    egc.ctx.time_deregister(egc, w.timer);
    death_watch_remove(egc, w.req);
    w.req = nullptr;
}

} // namespace xlkit::detail
