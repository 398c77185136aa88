#include "xen/xswait.hpp"

#include <cerrno>
#include <cstdlib>

#include "event/log.hpp"

namespace xlkit::detail {

namespace {

XsWait *of_watch(EvXsWatch *w) { return static_cast<XsWait *>(w->data); }

void finish(Egc &egc, XsWait &w, Error rc, const char *value) {
    xswait_stop(egc, w);
    w.callback(egc, &w, rc, value);
}

void report(Egc &egc, XsWait &w) {
    XenCtx *x = XenCtx::of(egc);
    Xenstore *xs = nullptr;
    Error rc = x ? x->xs(egc, &xs) : Error::Fail;
    if (rc != Error::Success) {
        finish(egc, w, rc, nullptr);
        return;
    }
    if (w.path.starts_with('@')) {  // a special watch (@releaseDomain): nothing to read
        w.callback(egc, &w, Error::Success, nullptr);
        return;
    }
    std::string v;
    int r = xs->read(0, w.path, &v);
    if (r == -ENOENT) {
        w.callback(egc, &w, Error::Success, nullptr);
        return;
    }
    if (r < 0) {
        finish(egc, w, x->xs_error(egc, r, "read", w.path), nullptr);
        return;
    }
    w.callback(egc, &w, Error::Success, v.c_str());
}

void watch_cb(Egc &egc, EvXsWatch *ev, const char *, const char *, Error rc) {
    XsWait &w = *of_watch(ev);
    if (rc != Error::Success) {
        XLKIT_LOG(egc.ctx, ERROR, "%s: xenstore failed while waiting", w.what.c_str());
        finish(egc, w, rc, nullptr);
        return;
    }
    report(egc, w);
}

void timer_cb(Egc &egc, EvTime *ev, Nanos, Error rc) {
    XsWait &w = *static_cast<XsWait *>(ev->data);
    XLKIT_LOG(egc.ctx, ERROR, "%s: timed out after %d ms", w.what.c_str(), w.timeout_ms);
    finish(egc, w, rc, nullptr);
}

void abort_cb(Egc &egc, AoAbortable *ab, Error rc) {
    XsWait &w = *static_cast<XsWait *>(ab->data);
    finish(egc, w, rc, nullptr);
}

} // namespace

Error xswait_start(Egc &egc, XsWait &w) {
    if (!w.ao || !w.callback || w.path.empty() || w.timeout_ms < 0) return Error::Inval;
    XenCtx *x = XenCtx::of(egc);
    if (!x) return Error::Nomem;
    w.abortable.data = &w;
    Error rc = w.can_abort ? abortable_register(egc, w.abortable, w.ao, abort_cb) : Error::Success;
    if (rc != Error::Success) return rc;
    w.watch.data = &w;
    // The watch fires once at registration: that first event reads the
    // current value, so no separate initial read is needed.
    rc = x->xswatch_register(egc, w.watch, watch_cb, w.path);
    if (rc == Error::Success && w.timeout_ms > 0) {
        w.timer.data = &w;
        rc = egc.ctx.time_register_rel(egc, w.timer, timer_cb, w.timeout_ms);
    }
    if (rc != Error::Success) xswait_stop(egc, w);
    return rc;
}

void xswait_stop(Egc &egc, XsWait &w) {
    abortable_deregister(egc, w.abortable);
    egc.ctx.time_deregister(egc, w.timer);
    if (XenCtx *x = XenCtx::of(egc)) x->xswatch_deregister(egc, w.watch);
}

Error devstate_wait(Egc &egc, DevState &ds) {
    ds.w.ao = ds.ao;
    ds.w.what = "waiting for " + ds.state_path + " to become " + std::to_string(ds.wanted);
    ds.w.path = ds.state_path;
    ds.w.timeout_ms = ds.timeout_ms;
    ds.w.can_abort = ds.can_abort;
    ds.w.data = &ds;
    ds.w.callback = [](Egc &g, XsWait *w, Error rc, const char *value) {
        DevState &d = *static_cast<DevState *>(w->data);
        if (rc != Error::Success) {
            d.callback(g, &d, rc);
            return;
        }
        if (!value) return;  // not there yet: keep waiting
        char *end = nullptr;
        long v = std::strtol(value, &end, 10);
        if (end == value || *end) {
            XLKIT_LOG(g.ctx, ERROR, "%s: not a number: '%s'", d.state_path.c_str(), value);
            xswait_stop(g, d.w);
            d.callback(g, &d, Error::Fail);
            return;
        }
        if (v != d.wanted) return;
        xswait_stop(g, d.w);
        d.callback(g, &d, Error::Success);
    };
    return xswait_start(egc, ds.w);
}

Error xs_transact(Egc &egc, XenCtx &x, const char *what, const std::function<Error(Xenstore &, XsTxn)> &body,
                  int max_attempts) {
    Xenstore *xs = nullptr;
    Error rc = x.xs(egc, &xs);
    if (rc != Error::Success) return rc;
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
        XsTxn t = 0;
        int r = xs->transaction_start(&t);
        if (r < 0) return x.xs_error(egc, r, "transaction_start", what);
        rc = body(*xs, t);
        if (rc != Error::Success) {
            (void)xs->transaction_end(t, true);
            return rc;
        }
        r = xs->transaction_end(t, false);
        if (r == 0) return Error::Success;
        if (r != -EAGAIN) return x.xs_error(egc, r, "transaction_end", what);
        XLKIT_LOG(egc.ctx, DEBUG, "%s: transaction conflict, attempt %d", what, attempt);
    }
    XLKIT_LOG(egc.ctx, ERROR, "%s: still conflicting after %d attempts", what, max_attempts);
    return Error::Timedout;
}

} // namespace xlkit::detail
