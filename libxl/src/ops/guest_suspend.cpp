#include "ops/guest_suspend.hpp"

#include <cerrno>
#include <poll.h>

#include "event/ctx_impl.hpp"
#include "event/log.hpp"
#include "ops/op_util.hpp"

namespace xlkit::detail {

namespace {

constexpr int kDefaultTimeoutMs = 60000;
constexpr int kShutdownSuspend = 2;  // SHUTDOWN_suspend, xen/sched.h

std::string control_node(std::uint32_t domid) { return dom_path(domid) + "/control/shutdown"; }

void finish(Egc &egc, GuestSuspend &gs, Error rc) {
    guest_suspend_stop(egc, gs);
    gs.callback(egc, &gs, rc);
}

/* Take the request back unless the guest has answered it: true if it was
 * still unanswered (and is now withdrawn). */
bool withdraw(Egc &egc, GuestSuspend &gs) {
    XenStacks s;
    if (xen_stacks(egc, &s) != Error::Success) return true;
    bool pending = true;
    Error rc = xs_transact(egc, *s.x, "suspend withdrawal", [&](Xenstore &xs, XsTxn t) {
        std::string v;
        pending = xs.read(t, control_node(gs.domid), &v) == 0 && v == "suspend";
        if (pending && xs.write(t, control_node(gs.domid), "") < 0) return Error::Fail;
        return Error::Success;
    });
    if (rc != Error::Success) XLKIT_LOG(egc.ctx, WARN, "suspend of domain %u: the request could not be withdrawn", gs.domid);
    return pending;
}

void start_suspending(Egc &egc, GuestSuspend &gs);

void acked_cb(Egc &egc, XsWait *w, Error rc, const char *value) {
    GuestSuspend &gs = *static_cast<GuestSuspend *>(w->data);
    if (rc == Error::Success && value && std::string_view(value) == "suspend") return;  // not yet
    if (rc != Error::Success) {
        xswait_stop(egc, gs.ack);
        // A last-minute acknowledgement counts, as in libxl.
        if (withdraw(egc, gs)) {
            if (rc == Error::Timedout)
                XLKIT_LOG(egc.ctx, ERROR, "domain %u did not acknowledge the suspend request (control/shutdown) in time; it runs on",
                          gs.domid);
            finish(egc, gs, rc == Error::Timedout ? Error::GuestTimedout : rc);
            return;
        }
        if (rc == Error::Aborted) gs.aborted = true;
        else if (rc != Error::Timedout) {
            finish(egc, gs, rc);
            return;
        }
    }
    xswait_stop(egc, gs.ack);
    start_suspending(egc, gs);
}

void check_suspended(Egc &egc, GuestSuspend &gs);

void released_cb(Egc &egc, XsWait *w, Error rc, const char *) {
    GuestSuspend &gs = *static_cast<GuestSuspend *>(w->data);
    if (rc == Error::Timedout) {
        if (gs.channel)
            XLKIT_LOG(egc.ctx, ERROR, "domain %u did not suspend in time when asked through its suspend event channel; it runs on",
                      gs.domid);
        else
            XLKIT_LOG(egc.ctx, ERROR, "domain %u acknowledged the suspend request but did not suspend in time", gs.domid);
        finish(egc, gs, Error::GuestTimedout);
        return;
    }
    if (rc != Error::Success) {
        finish(egc, gs, rc);
        return;
    }
    check_suspended(egc, gs);
}

/* Xen signals the channel when the domain has suspended. */
void channel_cb(Egc &egc, EvFd *ev, int, short, short) {
    GuestSuspend &gs = *static_cast<GuestSuspend *>(ev->data);
    if (int r = gs.channel->drain(); r < 0) {
        XLKIT_LOGE(egc.ctx, ERROR, -r, "suspend of domain %u: reading its suspend event channel failed", gs.domid);
        finish(egc, gs, Error::Fail);
        return;
    }
    check_suspended(egc, gs);
}

void check_suspended(Egc &egc, GuestSuspend &gs) {
    XenStacks s;
    if (Error src = xen_stacks(egc, &s); src != Error::Success) {
        finish(egc, gs, src);
        return;
    }
    DomInfo d;
    Error qrc = query_domain(egc, *s.hv, gs.domid, &d);
    if (qrc == Error::DomainNotfound || (qrc == Error::Success && d.dying)) {
        XLKIT_LOG(egc.ctx, ERROR, "domain %u went away while suspending", gs.domid);
        finish(egc, gs, Error::Fail);
        return;
    }
    if (qrc != Error::Success) {
        finish(egc, gs, qrc);
        return;
    }
    if (!d.shutdown) return;  // not yet (another domain's event)
    if (d.shutdown_reason != kShutdownSuspend) {
        XLKIT_LOG(egc.ctx, ERROR, "domain %u shut down with reason %d while suspending, not suspend", gs.domid,
                  d.shutdown_reason);
        finish(egc, gs, Error::Fail);
        return;
    }
    if (gs.aborted || gs.ao->aborting()) {
        // Aborted after the guest agreed: it has suspended, so it is resumed.
        Error rrc = resume_suspended(egc, gs.domid);
        finish(egc, gs, rrc == Error::Success ? Error::Aborted : rrc);
        return;
    }
    finish(egc, gs, Error::Success);
}

Error suspending(Egc &egc, GuestSuspend &gs) {
    gs.released.ao = gs.ao;
    gs.released.what = "suspend of domain " + std::to_string(gs.domid);
    gs.released.path = "@releaseDomain";
    gs.released.timeout_ms = gs.suspend_timeout_ms ? gs.suspend_timeout_ms : kDefaultTimeoutMs;
    gs.released.data = &gs;
    gs.released.callback = released_cb;
    gs.released.can_abort = false;  // see the header: the guest is suspending
    return xswait_start(egc, gs.released);
}

void start_suspending(Egc &egc, GuestSuspend &gs) {
    if (Error rc = suspending(egc, gs); rc != Error::Success) finish(egc, gs, rc);
}

/* The port device/suspend/event-channel names: 0 for none (empty) or for
 * something that is not a port number (bad is set). */
unsigned channel_port(const std::string &v, bool *bad) {
    *bad = false;
    if (v.empty()) return 0;
    unsigned long p = 0;
    for (char c : v) {
        if (c < '0' || c > '9' || p > 0xFFFFFu) {
            *bad = true;
            return 0;
        }
        p = p * 10 + unsigned(c - '0');
    }
    if (p == 0 || p > 0xFFFFFu) *bad = true;  // Xen's ports: 1 to 2^20 - 1 (FIFO ABI)
    return *bad ? 0 : unsigned(p);
}

/* Bind the guest's channel, watch it and @releaseDomain, and ask. */
Error ask_through_channel(Egc &egc, GuestSuspend &gs, Hypervisor &hv, unsigned port) {
    int r = hv.suspend_channel_bind(gs.domid, port, &gs.channel);
    if (r < 0) {
        XLKIT_LOGE(egc.ctx, ERROR, -r,
                   "suspend of domain %u: cannot bind the suspend event channel it offers (port %u, "
                   "device/suspend/event-channel)%s",
                   gs.domid, port,
                   r == -EBUSY    ? ": another suspend of it holds it"
                   : r == -EINVAL ? " (not a port it offers to dom0, or another toolstack holds it)"
                                  : "");
        return Error::Fail;
    }
    gs.channel_ev.data = &gs;
    Error rc = egc.ctx.fd_register(egc, gs.channel_ev, channel_cb, gs.channel->fd(), POLLIN);
    if (rc == Error::Success) rc = suspending(egc, gs);
    if (rc == Error::Success && (r = gs.channel->notify()) < 0) {
        XLKIT_LOGE(egc.ctx, ERROR, -r, "suspend of domain %u: notifying its suspend event channel (port %u) failed", gs.domid,
                   port);
        rc = Error::Fail;
    }
    if (rc != Error::Success) {
        guest_suspend_stop(egc, gs);
        return rc;
    }
    XLKIT_LOG(egc.ctx, DEBUG, "suspend of domain %u: asked through its suspend event channel (port %u)", gs.domid, port);
    return Error::Success;
}

} // namespace

Error guest_suspend_start(Egc &egc, GuestSuspend &gs) {
    gs.aborted = false;
    XenStacks s;
    if (Error rc = xen_stacks(egc, &s); rc != Error::Success) return rc;
    DomInfo d;
    if (Error rc = query_domain(egc, *s.hv, gs.domid, &d); rc != Error::Success) {
        if (rc == Error::DomainNotfound) XLKIT_LOG(egc.ctx, ERROR, "suspend: no domain %u", gs.domid);
        return rc;
    }
    if (d.shutdown && d.shutdown_reason == kShutdownSuspend && !d.dying) {
        gs.done.data = &gs;
        egc.ctx.immediate_register(egc, gs.done, [](Egc &g, EvImmediate *ev) {
            GuestSuspend &x = *static_cast<GuestSuspend *>(ev->data);
            x.callback(g, &x, Error::Success);
        });
        return Error::Success;
    }
    if (d.dying || d.shutdown) {
        XLKIT_LOG(egc.ctx, ERROR, "suspend: domain %u is already %s", gs.domid, d.dying ? "dying" : "shut down");
        return Error::Inval;
    }
    if (d.domid == 0) {
        XLKIT_LOG(egc.ctx, ERROR, "suspend: domain 0 cannot be suspended");
        return Error::Inval;
    }
    std::string node = control_node(gs.domid);
    unsigned port = 0;
    bool bad = false;
    std::string offered;
    Error rc = xs_transact(egc, *s.x, "suspend request", [&](Xenstore &xs, XsTxn t) {
        std::string v;
        port = 0;  // a retried transaction decides afresh
        bad = false;
        offered.clear();
        // The channel's node (create's, or xl's) also says the domain's
        // directory exists; without it, the domid or name does.
        if (xs.read(t, dom_path(gs.domid) + "/device/suspend/event-channel", &offered) == 0) {
            if ((port = channel_port(offered, &bad)) != 0) return Error::Success;  // nothing written
        } else if (xs.read(t, dom_path(gs.domid) + "/domid", &v) < 0 && xs.read(t, dom_path(gs.domid) + "/name", &v) < 0) {
            return Error::DomainNotfound;
        }
        return xs.write(t, node, "suspend") < 0 ? Error::Fail : Error::Success;
    });
    if (rc != Error::Success) return rc;
    if (port != 0) return ask_through_channel(egc, gs, *s.hv, port);
    if (bad)
        XLKIT_LOG(egc.ctx, WARN,
                  "suspend of domain %u: its device/suspend/event-channel holds \"%.32s\", not a port; asked through "
                  "control/shutdown",
                  gs.domid, offered.c_str());
    gs.ack.ao = gs.ao;
    gs.ack.what = "suspend acknowledgement of domain " + std::to_string(gs.domid);
    gs.ack.path = node;
    gs.ack.timeout_ms = gs.ack_timeout_ms ? gs.ack_timeout_ms : kDefaultTimeoutMs;
    gs.ack.data = &gs;
    gs.ack.callback = acked_cb;
    rc = xswait_start(egc, gs.ack);
    if (rc != Error::Success) (void)withdraw(egc, gs);
    return rc;
}

void guest_suspend_stop(Egc &egc, GuestSuspend &gs) {
    xswait_stop(egc, gs.ack);
    xswait_stop(egc, gs.released);
    egc.ctx.immediate_deregister(egc, gs.done);
    if (gs.channel_ev.active()) egc.ctx.fd_deregister(egc, gs.channel_ev);
    gs.channel.reset();  // unbound: the next suspend (or another toolstack) may bind it
}

Error resume_suspended(Egc &egc, std::uint32_t domid) {
    XenStacks s;
    if (Error rc = xen_stacks(egc, &s); rc != Error::Success) return rc;
    int r = s.hv->domain_resume(domid);
    if (r == -ESRCH || r == -ENOENT) {
        XLKIT_LOG(egc.ctx, ERROR, "resume: no domain %u", domid);
        return Error::DomainNotfound;
    }
    if (r == -EINVAL) {
        XLKIT_LOG(egc.ctx, ERROR, "resume: domain %u is not suspended", domid);
        return Error::Inval;
    }
    if (r < 0) {
        XLKIT_LOGE(egc.ctx, ERROR, -r, "resume of domain %u failed", domid);
        return Error::Fail;
    }
    // xenstored forgets the shutdown, so a later one fires @releaseDomain again.
    if ((r = s.xs->resume_domain(domid)) < 0)
        XLKIT_LOGE(egc.ctx, WARN, -r, "resume of domain %u: xenstored's resume failed", domid);
    return Error::Success;
}

} // namespace xlkit::detail
