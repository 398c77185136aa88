// domain_shutdown / domain_reboot: ask the guest through control/shutdown
// and wait for it to acknowledge (it clears the node).
//
//   Start --timeout_ms < 0-->         create_fail(Inval)
//   Start --domain missing-->         create_fail(DomainNotfound)
//   Start --shut down or dying-->     create_fail(Inval)
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
    XenStacks s;
    if (xen_stacks(egc, &s) == Error::Success) {
        std::string v;
        std::string p = dom_path(st.domid) + "/control/shutdown";
        if (s.xs->read(0, p, &v) == 0 && v == st.request) (void)s.xs->write(0, p, "");
    }
}

void acknowledged_cb(Egc &egc, XsWait *w, Error rc, const char *value) {
    State &st = *static_cast<State *>(w->data);
    if (rc == Error::Success && value && *value) return;  // not acknowledged yet
    if (rc == Error::Success) {
        xswait_stop(egc, st.w);
        st.ao->complete(egc, Error::Success);
        return;
    }
    // Timed out or aborted: take the request back, so a guest that looks
    // later does not act on a stale one.
    withdraw(egc, st);
    st.ao->complete(egc, rc == Error::Timedout ? Error::GuestTimedout : rc);
}

Error request_start(Egc &egc, State &st, std::uint32_t domid, int timeout_ms, const char *request) {
    st.domid = domid;
    st.request = request;
    if (timeout_ms < 0) return Error::Inval;
    XenStacks s;
    Error rc = xen_stacks(egc, &s);
    if (rc != Error::Success) return rc;
    DomInfo d;
    rc = query_domain(egc, *s.hv, domid, &d);
    if (rc == Error::Success && (d.dying || d.shutdown)) {
        XLKIT_LOG(egc.ctx, ERROR, "%s: domain %u is already %s", request, domid, d.dying ? "dying" : "shut down");
        rc = Error::Inval;
    }
    if (rc != Error::Success) return rc;
    std::string node = dom_path(domid) + "/control/shutdown";
    rc = xs_transact(egc, *s.x, request, [&](Xenstore &xs, XsTxn t) {
        std::string v;
        // The domain's directory must exist (not a half-destroyed domain).
        if (xs.read(t, dom_path(domid) + "/domid", &v) < 0 && xs.read(t, dom_path(domid) + "/name", &v) < 0)
            return Error::DomainNotfound;
        return xs.write(t, node, request) < 0 ? Error::Fail : Error::Success;
    });
    if (rc != Error::Success) return rc;
    st.w.ao = st.ao;
    st.w.what = std::string(request) + " of domain " + std::to_string(domid);
    st.w.path = node;
    st.w.timeout_ms = timeout_ms ? timeout_ms : kDefaultTimeoutMs;
    st.w.data = &st;
    st.w.callback = acknowledged_cb;
    rc = xswait_start(egc, st.w);
    if (rc != Error::Success) withdraw(egc, st);
    return rc;
}

} // namespace

Error domain_shutdown(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how) {
    return ao_start<State>(ctx, std::move(how), [=](Egc &egc, State &st) {
        return request_start(egc, st, domid, timeout_ms, "poweroff");
    });
}

Error domain_reboot(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how) {
    return ao_start<State>(ctx, std::move(how), [=](Egc &egc, State &st) {
        return request_start(egc, st, domid, timeout_ms, "reboot");
    });
}

} // namespace xlkit
