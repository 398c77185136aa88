// domain_shutdown / domain_reboot: ask the guest through control/shutdown
// and wait for it to acknowledge (it clears the node).
//
//   Start --domain missing-->         create_fail(DomainNotfound)
//   Start --write control/shutdown--> Waiting (xswait on the node)
//   Waiting --node "" or gone-->      complete(0)
//   Waiting --timeout-->              complete(GuestTimedout); the request
//                                     is withdrawn (node cleared)
//   Waiting --abort-->                complete(Aborted); request withdrawn
#include "event/log.hpp"
#include "ops/op_util.hpp"

namespace xlkit {

using namespace detail;

namespace {

constexpr int kDefaultTimeoutMs = 60000;

struct State {
    Ao *ao = nullptr;
    XsWait w;
    std::uint32_t domid = 0;
    const char *request = "";
};

void withdraw(Egc &egc, State &st) {
    XenCtx *x = XenCtx::of(egc);
    int rc = 0;
    if (Xenstore *xs = x ? x->xs(egc, &rc) : nullptr) {
        std::string v;
        std::string p = dom_path(st.domid) + "/control/shutdown";
        if (xs->read(0, p, &v) == 0 && v == st.request) (void)xs->write(0, p, "");
    }
}

Error request_op(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how, const char *request) {
    Egc egc(ctx.impl());
    if (ctx.impl().failed()) return Error::Fail;
    Ao *ao = nullptr;
    State *st = Ao::create<State>(egc, std::move(how), &ao);
    if (!st) return Error::Nomem;
    st->ao = ao;
    st->domid = domid;
    st->request = request;
    if (timeout_ms < 0) return static_cast<Error>(ao->create_fail(egc, rc_of(Error::Inval)));
    XenCtx *x;
    Hypervisor *hv;
    Xenstore *xs;
    int rc = xen_stacks(egc, &x, &hv, &xs);
    if (rc) return static_cast<Error>(ao->create_fail(egc, rc));
    DomInfo d;
    rc = query_domain(egc, *hv, domid, &d);
    if (!rc && (d.dying || d.shutdown)) {
        XLKIT_LOG(ctx.impl(), ERROR, "%s: domain %u is already %s", request, domid,
                  d.dying ? "dying" : "shut down");
        rc = rc_of(Error::Inval);
    }
    if (rc) return static_cast<Error>(ao->create_fail(egc, rc));
    std::string node = dom_path(domid) + "/control/shutdown";
    rc = xs_transact(egc, *x, request, [&](Xenstore &s, XsTxn t) {
        std::string v;
        // The domain's directory must exist (not a half-destroyed domain).
        if (s.read(t, dom_path(domid) + "/domid", &v) < 0 && s.read(t, dom_path(domid) + "/name", &v) < 0)
            return rc_of(Error::DomainNotfound);
        return s.write(t, node, request) < 0 ? rc_of(Error::Fail) : 0;
    });
    if (rc) return static_cast<Error>(ao->create_fail(egc, rc));
    st->w.ao = ao;
    st->w.what = std::string(request) + " of domain " + std::to_string(domid);
    st->w.path = node;
    st->w.timeout_ms = timeout_ms ? timeout_ms : kDefaultTimeoutMs;
    st->w.data = st;
    st->w.callback = [](Egc &g, XsWait *w, int wrc, const char *value) {
        State &s = *static_cast<State *>(w->data);
        if (!wrc && value && *value) return;  // not acknowledged yet
        if (!wrc) {
            xswait_stop(g, s.w);
            s.ao->complete(g, 0);
            return;
        }
        // Timed out or aborted: take the request back, so a guest that
        // looks later does not act on a stale one.
        withdraw(g, s);
        s.ao->complete(g, wrc == rc_of(Error::Timedout) ? rc_of(Error::GuestTimedout) : wrc);
    };
    rc = xswait_start(egc, st->w);
    if (rc) {
        withdraw(egc, *st);
        return static_cast<Error>(ao->create_fail(egc, rc));
    }
    return static_cast<Error>(ao->inprogress(egc));
}

} // namespace

Error domain_shutdown(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how) {
    return request_op(ctx, domid, timeout_ms, std::move(how), "poweroff");
}

Error domain_reboot(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how) {
    return request_op(ctx, domid, timeout_ms, std::move(how), "reboot");
}

} // namespace xlkit
