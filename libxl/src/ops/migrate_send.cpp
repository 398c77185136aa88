// domain_migrate_send: the sending side of a live migration. The state
// machine, and who runs the guest after a failure at each step, are in
// xlkit/migrate.hpp; the steps below are in that order.
#include <cerrno>
#include <fcntl.h>

#include "event/log.hpp"
#include "ops/guest_suspend.hpp"
#include "ops/migrate_handshake.hpp"
#include "ops/nested.hpp"
#include "ops/op_util.hpp"
#include <xlkit/migrate.hpp>

namespace xlkit {

using namespace detail;

namespace {

constexpr const char *kSide = "migration sender";

struct State {
    Ao *ao = nullptr;
    Progress progress;
    std::uint32_t domid = 0;
    int send_fd = -1;
    int recv_fd = -1;
    std::string name;  // the domain's, before the renames
    migrate::MsgRead rd;
    Error report_rc = Error::Success;  // the receiver's, when it reported a failure
};

/* Arm the read of the receiver's next message. */
Error await(Egc &egc, State &st, std::string_view expect, const char *what, std::size_t extra, bool can_abort,
            migrate::MsgRead::Callback cb) {
    st.rd.ao = st.ao;
    st.rd.fd = st.recv_fd;
    st.rd.expect = expect;
    st.rd.what = what;
    st.rd.side = kSide;
    st.rd.extra = extra;
    st.rd.timeout_ms = kMigrateHandshakeTimeoutMs;
    st.rd.can_abort = can_abort;
    st.rd.callback = cb;
    st.rd.data = &st;
    return migrate::msg_read_start(egc, st.rd);
}

/* The guest runs on here: renamed back if it was renamed, and resumed. */
void fail_and_resume(Egc &egc, State &st, Error rc, bool renamed) {
    if (renamed &&
        migrate::domain_rename(egc, st.domid, st.name + std::string(migrate::kMigratedAwaySuffix), st.name) !=
            Error::Success)
        XLKIT_LOG(egc.ctx, ERROR, "%s: domain %u keeps its temporary name", kSide, st.domid);
    if (resume_suspended(egc, st.domid) != Error::Success)
        XLKIT_LOG(egc.ctx, ERROR, "%s: domain %u could not be resumed: it is left suspended", kSide, st.domid);
    else
        XLKIT_LOG(egc.ctx, INFO, "%s: migration failed, domain %u resumed here", kSide, st.domid);
    st.ao->complete(egc, rc);
}

void undefined(Egc &egc, State &st, Error rc) {
    XLKIT_LOG(egc.ctx, ERROR,
              "%s: migration failed during the final handshake: domain %u is left suspended as '%s%s'; "
              "the receiver may be running the guest (state undefined)",
              kSide, st.domid, st.name.c_str(), std::string(migrate::kMigratedAwaySuffix).c_str());
    st.ao->complete(egc, rc);
}

// ---- HandedOver: the report, then on success the source goes --------------

void source_destroyed(Egc &egc, Ao *nested, Error rc) {
    State &st = *static_cast<State *>(nested->nested_data());
    if (rc != Error::Success)
        XLKIT_LOG(egc.ctx, WARN, "%s: the migrated-away domain %u was not fully destroyed", kSide, st.domid);
    st.ao->complete(egc, Error::Success);  // the guest runs at the destination either way
}

void go_back_cb(Egc &egc, migrate::MsgRead *r, Error rc) {
    State &st = *static_cast<State *>(r->data);
    if (rc != Error::Success) {
        undefined(egc, st, Error::Fail);
        return;
    }
    XLKIT_LOG(egc.ctx, INFO, "%s: the target destroyed its copy; resuming here", kSide);
    fail_and_resume(egc, st, st.report_rc, true);
}

void report_cb(Egc &egc, migrate::MsgRead *r, Error rc) {
    State &st = *static_cast<State *>(r->data);
    if (rc != Error::Success) {
        undefined(egc, st, rc == Error::Timedout ? rc : Error::Fail);
        return;
    }
    int status = migrate::status_from_byte(static_cast<std::uint8_t>(r->tail[0]));
    if (status == 0) {
        XLKIT_LOG(egc.ctx, INFO, "%s: target reports successful startup", kSide);
        if (domain_destroy_nested(egc, st.ao, source_destroyed, &st, st.domid) != Error::Success) {
            XLKIT_LOG(egc.ctx, WARN, "%s: the migrated-away domain %u could not be destroyed", kSide, st.domid);
            st.ao->complete(egc, Error::Success);
        }
        return;
    }
    XLKIT_LOG(egc.ctx, ERROR, "%s: target failed to start the domain (status %d)", kSide, status);
    st.report_rc = Error::Fail;
    if (await(egc, st, migrate::kPermissionToGo, "GO message back", 0, false, go_back_cb) != Error::Success)
        undefined(egc, st, Error::Fail);
}

// ---- AwaitReady --------------------------------------------------------------

void ready_cb(Egc &egc, migrate::MsgRead *r, Error rc) {
    State &st = *static_cast<State *>(r->data);
    if (rc != Error::Success) {
        fail_and_resume(egc, st, rc, true);
        return;
    }
    XLKIT_LOG(egc.ctx, INFO, "%s: target has acknowledged transfer", kSide);
    // The hand-over point: from the first byte of GO on the receiver may
    // run the guest, so this side never resumes it on its own again.
    XLKIT_LOG(egc.ctx, INFO, "%s: giving target permission to start", kSide);
    report_stage(egc, st.progress, st.domid, "handshake", 1, 2);
    std::size_t sent = 0;
    if (migrate::msg_write(egc, st.send_fd, migrate::kPermissionToGo, "GO message", kSide, &sent) !=
        Error::Success) {
        // The receiver runs the guest only after the whole GO message
        // (it reads it exactly); a part of it, it ends in a timeout and
        // destroys its copy. So a GO not written in full hands nothing
        // over: the source runs on (xl calls this state undefined).
        XLKIT_LOG(egc.ctx, ERROR, "%s: the GO message was not sent in full (%zu of %zu bytes): nothing was handed over",
                  kSide, sent, migrate::kPermissionToGo.size());
        fail_and_resume(egc, st, Error::Fail, true);
        return;
    }
    if (await(egc, st, migrate::kReport, "success/failure report message", 1, false, report_cb) != Error::Success)
        undefined(egc, st, Error::Fail);
}

// ---- Streaming -------------------------------------------------------------

void streamed(Egc &egc, Ao *nested, Error rc) {
    State &st = *static_cast<State *>(nested->nested_data());
    if (rc != Error::Success) {
        // domain_suspend resumed the guest if it had suspended it.
        XLKIT_LOG(egc.ctx, ERROR, "%s: the stream failed (%s): domain %u runs on here", kSide, describe(rc),
                  st.domid);
        st.ao->complete(egc, rc);
        return;
    }
    report_stage(egc, st.progress, st.domid, "handshake", 0, 2);
    // The guest is suspended and sent: renamed away now, while the receiver
    // still introduces its copy, rather than after its Ready, where the
    // rename's xenstore round trips (tens of ms under emulation) would
    // count in the downtime. xl renames after Ready; both are before GO,
    // the only order that matters (a receiver on this host takes NAME).
    std::string away = st.name + std::string(migrate::kMigratedAwaySuffix);
    if (Error rrc = migrate::domain_rename(egc, st.domid, st.name, away); rrc != Error::Success) {
        fail_and_resume(egc, st, Error::Fail, false);
        return;
    }
    if (Error rrc = await(egc, st, migrate::kReady, "ready message", 0, true, ready_cb); rrc != Error::Success)
        fail_and_resume(egc, st, rrc, true);
}

Error check_policy(Egc &egc, const MigratePolicy &p) {
    const char *knob = p.max_iterations    ? "max_iterations"
                       : p.dirty_threshold ? "dirty_threshold"
                       : p.max_time_ms     ? "max_time_ms"
                       : p.max_downtime_ms ? "max_downtime_ms"
                                           : nullptr;
    if (knob && p.non_live) {
        XLKIT_LOG(egc.ctx, ERROR, "migrate: policy: %s: a non-live migration has no precopy to bound", knob);
        return Error::Inval;
    }
    return Error::Success;
}

/* What is checked before anything is sent (domain_migrate_check). */
Error check_sender(Egc &egc, std::uint32_t domid, const MigratePolicy &policy, std::string *name) {
    if (Error rc = check_policy(egc, policy); rc != Error::Success) return rc;
    XenStacks s;
    if (Error rc = xen_stacks(egc, &s); rc != Error::Success) return rc;
    DomInfo d;
    if (Error rc = query_domain(egc, *s.hv, domid, &d); rc != Error::Success) {
        if (rc == Error::DomainNotfound) XLKIT_LOG(egc.ctx, ERROR, "migrate: no domain %u", domid);
        return rc;
    }
    if (domid == 0 || d.dying || (d.shutdown && d.shutdown_reason != 2)) {
        XLKIT_LOG(egc.ctx, ERROR, "migrate: domain %u cannot be migrated (%s)", domid,
                  domid == 0 ? "domain 0" : d.dying ? "dying" : "shut down");
        return Error::Inval;
    }
    if (s.xs->read(0, dom_path(domid) + "/name", name) < 0 || name->empty()) {
        XLKIT_LOG(egc.ctx, ERROR, "migrate: domain %u has no name (the hand-over renames it)", domid);
        return Error::Inval;
    }
    if (!d.hvm && !policy.non_live) {
        unsigned caps = 0;
        if (s.hv->host_caps(&caps) == 0 && !(caps & kCapShadow)) {
            XLKIT_LOG(egc.ctx, ERROR,
                      "migrate: domain %u is a PV guest: its live migration needs log-dirty mode, which for PV "
                      "guests needs shadow paging, and this host's Xen has none (built without it): "
                      "migrate it non-live (suspended first: policy non_live, xlkit migrate --non-live)",
                      domid);
            return Error::Inval;
        }
    }
    return Error::Success;
}

Error send_start(Egc &egc, State &st, std::uint32_t domid, int send_fd, int recv_fd, const MigratePolicy &policy) {
    st.domid = domid;
    st.send_fd = send_fd;
    st.recv_fd = recv_fd;
    if (Error rc = check_sender(egc, domid, policy, &st.name); rc != Error::Success) return rc;
    const int flags = policy.non_live ? 0 : kSuspendLive;
    int rfl = recv_fd >= 0 ? fcntl(recv_fd, F_GETFL) : -1;
    if (rfl < 0 || (rfl & O_ACCMODE) == O_WRONLY) {
        XLKIT_LOG(egc.ctx, ERROR, "migrate: recv_fd %d is not open for reading", recv_fd);
        return Error::Inval;
    }
    // domain_suspend checks the rest (send_fd, the helper) before it
    // writes anything.
    return domain_suspend_nested(egc, st.ao, &st.progress, streamed, &st, domid, send_fd, flags, 0, &policy);
}

} // namespace

Error domain_migrate_check(Ctx &ctx, std::uint32_t domid, const MigratePolicy &policy) {
    return quick_call(ctx, XsNeed::Required, [domid, &policy](Egc &egc, XenStacks &) {
        std::string name;
        return check_sender(egc, domid, policy, &name);
    });
}

Error domain_migrate_send(Ctx &ctx, std::uint32_t domid, int send_fd, int recv_fd, const MigratePolicy &policy,
                          AoHow how, ProgressHow progress_how) {
    return ao_start<State>(ctx, std::move(how), &State::progress, std::move(progress_how), [&](Egc &egc, State &st) {
        return send_start(egc, st, domid, send_fd, recv_fd, policy);
    });
}

} // namespace xlkit
