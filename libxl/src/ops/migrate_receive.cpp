// domain_migrate_receive: the receiving side of a live migration. The state
// machine, and who runs the guest after a failure at each step, are in
// xlkit/migrate.hpp; the steps below are in that order.
#include <cerrno>
#include <fcntl.h>

#include "event/log.hpp"
#include "ops/migrate_handshake.hpp"
#include "ops/nested.hpp"
#include "ops/op_util.hpp"
#include <xlkit/migrate.hpp>

namespace xlkit {

using namespace detail;

namespace {

constexpr const char *kSide = "migration target";

bool ends_with(const std::string &s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

struct State {
    Ao *ao = nullptr;
    Progress console;
    std::string name;       // NAME
    std::string incoming;   // NAME--incoming
    std::uint32_t *domid_out = nullptr;
    std::uint32_t domid = 0;
    bool made = false;
    int recv_fd = -1;
    int send_fd = -1;
    migrate::MsgRead rd;
    Error rc = Error::Success;  // the completion, once our copy is destroyed
    bool give_back = false;     // send GO back once destroyed (after the hand-over)
    bool paused = false;        // MigrateReceiveOptions::paused: not unpaused after GO
    bool name_checked = false;  // NAME found free at the start: unpause before the rename
};

// ---- Tidying up: our copy goes, then complete --------------------------------

void copy_destroyed(Egc &egc, Ao *nested, Error drc) {
    State &st = *static_cast<State *>(nested->nested_data());
    if (drc != Error::Success)
        XLKIT_LOG(egc.ctx, ERROR, "%s: destroying our copy (domain %u) failed: %s", kSide, st.domid, describe(drc));
    if (st.give_back)
        (void)migrate::msg_write(egc, st.send_fd, migrate::kPermissionToGo, "GO message back", kSide);
    st.ao->complete(egc, st.rc);
}

void destroy_copy_and_complete(Egc &egc, State &st, Error rc, bool give_back) {
    st.rc = rc;
    st.give_back = give_back;
    XLKIT_LOG(egc.ctx, INFO, "%s: destroying our copy, domain %u", kSide, st.domid);
    if (domain_destroy_nested(egc, st.ao, copy_destroyed, &st, st.domid) != Error::Success) {
        if (give_back)
            (void)migrate::msg_write(egc, st.send_fd, migrate::kPermissionToGo, "GO message back", kSide);
        st.ao->complete(egc, rc);
    }
}

// ---- AwaitGo: then unpause and rename (see go_cb), report ----------------------

void go_cb(Egc &egc, migrate::MsgRead *r, Error rc) {
    State &st = *static_cast<State *>(r->data);
    if (rc != Error::Success) {
        destroy_copy_and_complete(egc, st, rc, false);
        return;
    }
    XLKIT_LOG(egc.ctx, INFO, "%s: got permission, starting domain %u", kSide, st.domid);
    // When NAME was free at the start (name_free_here), unpaused first, then
    // renamed (xl renames first): the rename's xenstore round trips are then
    // not downtime. Once the guest has run here it is this side's whatever
    // the rename does: a rename that fails (a domain called NAME made here
    // since the start) leaves it running under its temporary name, logged,
    // and reported as a success so that the sender never resumes its copy.
    Error urc = Error::Success;
    if (!st.name_checked) urc = migrate::domain_rename(egc, st.domid, st.incoming, st.name);
    if (urc == Error::Success && !st.paused) {
        XenStacks s;
        urc = xen_stacks(egc, &s);
        if (urc == Error::Success) {
            int ur = s.hv->domain_unpause(st.domid);
            if (ur < 0) {
                XLKIT_LOGE(egc.ctx, ERROR, -ur, "%s: cannot unpause domain %u", kSide, st.domid);
                urc = Error::Fail;
            }
        }
    }
    if (urc == Error::Success && st.name_checked) {
        Error nrc = migrate::domain_rename(egc, st.domid, st.incoming, st.name);
        if (nrc != Error::Success && !st.paused)
            XLKIT_LOG(egc.ctx, WARN, "%s: domain %u runs here under its temporary name '%s' (the rename failed)",
                      kSide, st.domid, st.incoming.c_str());
        else
            urc = nrc;
    }
    report_stage(egc, st.console, st.domid, "handshake", 1, 2);
    Error wrc = migrate::msg_write(egc, st.send_fd,
                                   migrate::report_with_status(urc), "success/failure report",
                                   kSide);
    if (urc != Error::Success) {
        destroy_copy_and_complete(egc, st, urc, true);
        return;
    }
    if (wrc != Error::Success)
        XLKIT_LOG(egc.ctx, WARN,
                  "%s: domain %u runs here, but the sender did not get the report: it keeps its copy suspended",
                  kSide, st.domid);
    st.ao->complete(egc, Error::Success);
}

// ---- Restoring -------------------------------------------------------------

void restored(Egc &egc, Ao *nested, Error rc) {
    State &st = *static_cast<State *>(nested->nested_data());
    if (rc != Error::Success) {
        // domain_create_restore destroyed what it had made.
        XLKIT_LOG(egc.ctx, ERROR, "%s: receiving the domain failed (%s): nothing is left here", kSide, describe(rc));
        st.ao->complete(egc, rc);
        return;
    }
    st.made = true;
    if (st.domid_out) *st.domid_out = st.domid;
    report_stage(egc, st.console, st.domid, "handshake", 0, 2);
    if (Error wrc = migrate::msg_write(egc, st.send_fd, migrate::kReady, "ready message", kSide);
        wrc != Error::Success) {
        destroy_copy_and_complete(egc, st, wrc, false);
        return;
    }
    st.rd.ao = st.ao;
    st.rd.fd = st.recv_fd;
    st.rd.expect = migrate::kPermissionToGo;
    st.rd.what = "GO message";
    st.rd.side = kSide;
    st.rd.timeout_ms = kMigrateHandshakeTimeoutMs;
    st.rd.callback = go_cb;
    st.rd.data = &st;
    if (Error rrc = migrate::msg_read_start(egc, st.rd); rrc != Error::Success)
        destroy_copy_and_complete(egc, st, rrc, false);
}

/* NAME must be free on this host, but for the sender's own domain when the
 * migration is to this host: that one has the guest's uuid. Checked before
 * anything is received (xl finds a clash after the whole stream, and then
 * sends the guest back). *checked: the answer is sure (the config has a
 * uuid); without one a local sender cannot be told apart, and the clash is
 * left to the rename after GO, made before the unpause as xl does. */
Error name_free_here(Egc &egc, const DomainConfig &cfg, bool *checked) {
    *checked = false;
    if (cfg.uuid == Uuid{}) return Error::Success;
    XenStacks s;
    if (Error rc = xen_stacks(egc, &s); rc != Error::Success) return rc;
    const std::string ours = "/vm/" + to_string(cfg.uuid);
    for (const std::string &d : domains_named(*s.xs, 0, cfg.name)) {
        std::string vm;
        if (s.xs->read(0, "/local/domain/" + d + "/vm", &vm) == 0 && vm == ours) continue;  // the sender's
        XLKIT_LOG(egc.ctx, ERROR,
                  "migrate-receive: name: domain %s here is called '%s' already (another guest: its uuid differs); "
                  "nothing was received",
                  d.c_str(), cfg.name.c_str());
        return Error::Inval;
    }
    *checked = true;
    return Error::Success;
}

Error receive_start(Egc &egc, State &st, const DomainConfig &cfg, std::uint32_t *domid, int recv_fd, int send_fd) {
    st.recv_fd = recv_fd;
    st.send_fd = send_fd;
    st.domid_out = domid;
    st.name = cfg.name;
    if (cfg.name.empty() || ends_with(cfg.name, migrate::kIncomingSuffix) ||
        ends_with(cfg.name, migrate::kMigratedAwaySuffix)) {
        XLKIT_LOG(egc.ctx, ERROR, "migrate-receive: name: '%s' cannot be the guest's name (empty, or a temporary one)",
                  cfg.name.c_str());
        return Error::Inval;
    }
    if (send_fd < 0 || fcntl(send_fd, F_GETFL) < 0 || (fcntl(send_fd, F_GETFL) & O_ACCMODE) == O_RDONLY) {
        XLKIT_LOG(egc.ctx, ERROR, "migrate-receive: send_fd %d is not open for writing", send_fd);
        return Error::Inval;
    }
    if (Error rc = name_free_here(egc, cfg, &st.name_checked); rc != Error::Success) return rc;
    st.incoming = cfg.name + std::string(migrate::kIncomingSuffix);
    DomainConfig c = cfg;
    c.name = st.incoming;
    RestoreSource src;
    src.fd = recv_fd;
    // domain_create_restore checks the rest (the config, recv_fd, the
    // helper) before it makes or reads anything.
    return domain_create_restore_nested(egc, st.ao, &st.console, restored, &st, c, true, &st.domid, src);
}

} // namespace

Error domain_migrate_receive(Ctx &ctx, const DomainConfig &cfg, const MigrateReceiveOptions &opts,
                             std::uint32_t *domid, int recv_fd, int send_fd, AoHow how, ProgressHow console_how) {
    return ao_start<State>(ctx, std::move(how), &State::console, std::move(console_how), [&](Egc &egc, State &st) {
        st.paused = opts.paused;
        return receive_start(egc, st, cfg, domid, recv_fd, send_fd);
    });
}

Error domain_migrate_receive(Ctx &ctx, const DomainConfig &cfg, std::uint32_t *domid, int recv_fd, int send_fd,
                             AoHow how, ProgressHow console_how) {
    return domain_migrate_receive(ctx, cfg, MigrateReceiveOptions{}, domid, recv_fd, send_fd, std::move(how),
                                  std::move(console_how));
}

} // namespace xlkit
