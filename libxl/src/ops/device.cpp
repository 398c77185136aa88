// The generic device machinery: see device.hpp for both state machines.
#include "ops/device.hpp"

#include <algorithm>
#include <cstdlib>
#include <sys/wait.h>

#include "event/log.hpp"
#include "ops/device_native.hpp"
#include "ops/op_util.hpp"
#include <xlkit/error.hpp>

namespace xlkit::detail {

namespace {

// libxl's bounds (libxl_internal.h): LIBXL_INIT_TIMEOUT 10 s,
// LIBXL_HOTPLUG_TIMEOUT 40 s, LIBXL_DESTROY_TIMEOUT 10 s. libxl never waits
// for Connected; 20 s is xlkit's.
constexpr DevTimeouts kDefaults{10000, 40000, 20000, 10000};

std::string kind_dir(const DevAddr &a) {
    return std::string(dev_kind_name(a.kind)) + "/" + std::to_string(a.domid) + "/" + std::to_string(a.devid);
}

void stage(Egc &egc, Progress *p, const DevAddr &a, const std::string &label, const char *what, int done,
           int total) {
    if (p) report_stage(egc, *p, a.domid, (label + ": " + what).c_str(), done, total);
}

void script_line(Egc &egc, Progress *p, const DevAddr &a, const std::string &label, int stream,
                 std::string line) {
    XLKIT_LOG(egc.ctx, INFO, "%s: hotplug: %s", label.c_str(), line.c_str());
    if (!p || !p->wanted()) return;
    auto ev = std::make_unique<Event>();
    ev->domid = a.domid;
    EventHelperOutput out;
    out.stream = stream;
    out.line = std::move(line);
    out.source = label;
    ev->u = std::move(out);
    p->report(egc, std::move(ev));
}

// The script run as libxl runs it (libxl__get_hotplug_script_info and
// device_hotplug): args, XENBUS_* and, for a vif, its interface name.
void script_setup(ChildRun &run, Xenstore &xs, const DevAddr &a, const std::string &script, bool add) {
    run.argv = {script};
    if (a.kind == DevKind::Vbd) {
        run.argv.push_back(add ? "add" : "remove");
    } else {
        run.argv.push_back(add ? "online" : "offline");
        run.argv.push_back("type_if=vif");
    }
    std::string be = "backend/" + kind_dir(a);
    run.env = {"script=" + script, std::string("XENBUS_TYPE=") + dev_kind_name(a.kind), "XENBUS_PATH=" + be,
               "XENBUS_BASE_PATH=backend"};
    if (a.kind == DevKind::Vif) {
        // The name netback gave the interface, as libxl passes it
        // (libxl__device_nic_devname): the script renames it to the
        // backend's vifname itself, and finds it by that name on offline.
        std::string gw;
        run.env.push_back("vif=vif" + std::to_string(a.domid) + "." + std::to_string(a.devid));
        if (xs.read(0, dev_backend_path(a) + "/gatewaydev", &gw) == 0 && !gw.empty()) run.env.push_back("netdev=" + gw);
    }
    run.timeout_ms = 0;
    run.own_pgrp = true;
    run.capture_stderr = true;
}

std::string exit_text(int status) {
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return std::string("killed by signal ") + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

// ---- remove ----------------------------------------------------------------------

void remove_finish(Egc &egc, DevRemove &r) {
    XenStacks s;
    if (xen_stacks(egc, &s) == Error::Success) {
        Error rc = xs_transact(egc, *s.x, "device removal", [&](Xenstore &xs, XsTxn t) {
            (void)xs.rm(t, dev_frontend_path(r.addr));
            (void)xs.rm(t, dev_backend_path(r.addr));
            (void)xs.rm(t, dev_libxl_path(r.addr));
            // The per-domain directories go with their last device.
            std::vector<std::string> left;
            std::string be_dom = "/local/domain/" + std::to_string(r.addr.backend_domid) + "/backend/" +
                                 dev_kind_name(r.addr.kind) + "/" + std::to_string(r.addr.domid);
            if (xs.directory(t, be_dom, &left) == 0 && left.empty()) (void)xs.rm(t, be_dom);
            return Error::Success;
        });
        if (rc != Error::Success && r.rc == Error::Success) r.rc = rc;
    } else if (r.rc == Error::Success) {
        r.rc = Error::Fail;
    }
    stage(egc, r.progress, r.addr, r.label, "removed", 3, 3);
    r.callback(egc, &r, r.rc);
}

void remove_script_done(Egc &egc, ChildRun *cr, Error rc, int status) {
    DevRemove &r = *static_cast<DevRemove *>(cr->data);
    if (rc != Error::Success)
        XLKIT_LOG(egc.ctx, WARN, "%s: the hotplug script's removal did not finish (%s): its process group was killed",
                  r.label.c_str(), error_string(rc_of(rc)));
    else if (status != 0)
        XLKIT_LOG(egc.ctx, WARN, "%s: the hotplug script's removal failed (%s)", r.label.c_str(),
                  exit_text(status).c_str());
    remove_finish(egc, r);
}

void remove_script(Egc &egc, DevRemove &r) {
    stage(egc, r.progress, r.addr, r.label, "hotplug", 2, 3);
    XenStacks s;
    std::string script;
    if (!r.run_script || xen_stacks(egc, &s) != Error::Success ||
        s.xs->read(0, dev_backend_path(r.addr) + "/script", &script) < 0 || script.empty()) {
        remove_finish(egc, r);
        return;
    }
    if (native_block_applies(r.addr, script)) {
        native_block_remove(egc, s, r.addr);
        remove_finish(egc, r);
        return;
    }
    ChildRun &run = r.run;
    script_setup(run, *s.xs, r.addr, script, false);
    run.ao = r.ao;
    run.timeout_ms = dev_timeouts(*s.x).hotplug_ms;
    run.can_abort = false;  // the clean-up runs to its end, bounded by the timeout
    run.data = &r;
    run.on_line = [](Egc &g, ChildRun *cr, int stream, std::string line) {
        DevRemove &rr = *static_cast<DevRemove *>(cr->data);
        script_line(g, rr.progress, rr.addr, rr.label, stream, std::move(line));
    };
    run.callback = remove_script_done;
    Error rc = child_run_start(egc, run);
    if (rc != Error::Success) {
        XLKIT_LOG(egc.ctx, WARN, "%s: cannot run the hotplug script %s for the removal", r.label.c_str(),
                  script.c_str());
        remove_finish(egc, r);
    }
}

Error remove_close(Egc &egc, DevRemove &r);

void closed_cb(Egc &egc, DevState *ds, Error rc) {
    DevRemove &r = *static_cast<DevRemove *>(ds->data);
    if (rc == Error::Success) {
        remove_script(egc, r);
        return;
    }
    if (rc == Error::Aborted) r.rc = rc;
    if (!r.forced_now) {
        XLKIT_LOG(egc.ctx, WARN, "%s: the backend did not close (%s): removing the frontend", r.label.c_str(),
                  error_string(rc_of(rc)));
        r.forced_now = true;
        r.ds.can_abort = false;
        if (remove_close(egc, r) == Error::Success) return;
    } else {
        XLKIT_LOG(egc.ctx, WARN, "%s: the backend did not close (%s)", r.label.c_str(), error_string(rc_of(rc)));
    }
    if (r.rc == Error::Success) r.rc = rc;
    remove_script(egc, r);
}

// Writes online=0 / Closing (and, forced, removes the frontend), then waits
// for Closed.
Error remove_close(Egc &egc, DevRemove &r) {
    XenStacks s;
    Error rc = xen_stacks(egc, &s);
    if (rc != Error::Success) return rc;
    const std::string be = dev_backend_path(r.addr);
    bool gone = false, closed = false;
    rc = xs_transact(egc, *s.x, "device close", [&](Xenstore &xs, XsTxn t) {
        if (r.forced_now) (void)xs.rm(t, dev_frontend_path(r.addr));
        std::string state;
        gone = xs.read(t, be + "/state", &state) < 0;
        if (gone) return Error::Success;
        closed = std::atoi(state.c_str()) == kXbClosed;
        if (xs.write(t, be + "/online", "0") < 0) return Error::Fail;
        if (!closed && xs.write(t, be + "/state", std::to_string(kXbClosing)) < 0) return Error::Fail;
        return Error::Success;
    });
    if (rc != Error::Success) return rc;
    if (gone) {
        // The backend is gone already: clean up what is left (libxl's
        // 9eaaedfcde); there is no script to run without its entries.
        remove_finish(egc, r);
        return Error::Success;
    }
    r.ds.ao = r.ao;
    r.ds.state_path = be + "/state";
    r.ds.wanted = kXbClosed;
    r.ds.timeout_ms = dev_timeouts(*s.x).close_ms;
    r.ds.callback = closed_cb;
    r.ds.data = &r;
    return devstate_wait(egc, r.ds);
}

// ---- add -------------------------------------------------------------------------

void add_done(Egc &egc, DevAdd &a, Error rc);

void undo_done(Egc &egc, DevRemove *r, Error) {
    DevAdd &a = *static_cast<DevAdd *>(r->data);
    a.callback(egc, &a, a.rc);
}

void add_done(Egc &egc, DevAdd &a, Error rc) {
    if (rc == Error::Success) {
        a.callback(egc, &a, rc);
        return;
    }
    a.rc = rc;
    DevRemove &u = a.undo;
    u.ao = a.ao;
    u.progress = nullptr;
    u.addr = a.addr;
    u.label = a.label;
    u.force = true;
    u.forced_now = true;
    u.can_abort = false;
    u.run_script = a.script_ran;
    u.callback = undo_done;
    u.data = &a;
    u.ds.can_abort = false;
    if (dev_remove_start(egc, u) != Error::Success) a.callback(egc, &a, a.rc);
}

int add_total(const DevAdd &a) { return a.wait_connected ? 3 : 2; }

void frontend_connected_cb(Egc &egc, DevState *ds, Error rc) {
    DevAdd &a = *static_cast<DevAdd *>(ds->data);
    if (rc == Error::Timedout)
        XLKIT_LOG(egc.ctx, ERROR, "%s: the guest's frontend did not connect in %d s", a.label.c_str(),
                  ds->timeout_ms / 1000);
    else if (rc == Error::Success)
        stage(egc, a.progress, a.addr, a.label, "connected", 3, 3);
    add_done(egc, a, rc);
}

// The backend is Connected; the frontend too, or soon (blkfront connects
// after its backend: a caller told "connected" before that could list the
// disk in the guest's xenstore as still Initialised).
void connected_cb(Egc &egc, DevState *ds, Error rc) {
    DevAdd &a = *static_cast<DevAdd *>(ds->data);
    if (rc == Error::Timedout)
        XLKIT_LOG(egc.ctx, ERROR, "%s: the guest's frontend did not connect in %d s", a.label.c_str(),
                  ds->timeout_ms / 1000);
    if (rc != Error::Success) {
        add_done(egc, a, rc);
        return;
    }
    a.ds.state_path = dev_frontend_path(a.addr) + "/state";
    a.ds.wanted = kXbConnected;
    a.ds.callback = frontend_connected_cb;
    rc = devstate_wait(egc, a.ds);
    if (rc != Error::Success) add_done(egc, a, rc);
}

void hotplug_done(Egc &egc, DevAdd &a, Error rc);

void add_script_done(Egc &egc, ChildRun *cr, Error rc, int status) {
    DevAdd &a = *static_cast<DevAdd *>(cr->data);
    XenStacks s;
    Error src = xen_stacks(egc, &s);
    if (rc == Error::Timedout) {
        XLKIT_LOG(egc.ctx, ERROR, "%s: the hotplug script %s did not finish in %d s: killed it and its children",
                  a.label.c_str(), cr->argv[0].c_str(), cr->timeout_ms / 1000);
    } else if (rc == Error::Success && status != 0) {
        std::string why;
        if (src == Error::Success) (void)s.xs->read(0, dev_backend_path(a.addr) + "/hotplug-error", &why);
        XLKIT_LOG(egc.ctx, ERROR, "%s: the hotplug script %s failed (%s)%s%s", a.label.c_str(),
                  cr->argv[0].c_str(), exit_text(status).c_str(), why.empty() ? "" : ": ", why.c_str());
        rc = Error::Fail;
    }
    if (rc == Error::Success && src != Error::Success) rc = src;
    hotplug_done(egc, a, rc);
}

// The script (or the native path) has done its part: connect, or done.
void hotplug_done(Egc &egc, DevAdd &a, Error rc) {
    XenStacks s;
    if (rc == Error::Success) rc = xen_stacks(egc, &s);
    if (rc != Error::Success) {
        add_done(egc, a, rc);
        return;
    }
    stage(egc, a.progress, a.addr, a.label, "hotplug", 2, add_total(a));
    if (!a.wait_connected) {
        add_done(egc, a, Error::Success);
        return;
    }
    a.ds.ao = a.ao;
    a.ds.state_path = dev_backend_path(a.addr) + "/state";
    a.ds.wanted = kXbConnected;
    a.ds.timeout_ms = dev_timeouts(*s.x).connect_ms;
    a.ds.callback = connected_cb;
    a.ds.data = &a;
    rc = devstate_wait(egc, a.ds);
    if (rc != Error::Success) add_done(egc, a, rc);
}

void initwait_cb(Egc &egc, DevState *ds, Error rc) {
    DevAdd &a = *static_cast<DevAdd *>(ds->data);
    if (rc == Error::Timedout)
        XLKIT_LOG(egc.ctx, ERROR, "%s: the backend did not reach InitWait in %d s (is the %s driver loaded?)",
                  a.label.c_str(), ds->timeout_ms / 1000, a.addr.kind == DevKind::Vbd ? "xen-blkback" : "xen-netback");
    XenStacks s;
    if (rc == Error::Success) rc = xen_stacks(egc, &s);
    if (rc != Error::Success) {
        add_done(egc, a, rc);
        return;
    }
    stage(egc, a.progress, a.addr, a.label, "backend", 1, add_total(a));
    if (native_block_applies(a.addr, a.script)) {
        std::string why;
        a.script_ran = true;  // the undo releases what it made
        rc = native_block_add(egc, s, a.addr, &why);
        if (rc != Error::Success) XLKIT_LOG(egc.ctx, ERROR, "%s: %s", a.label.c_str(), why.c_str());
        hotplug_done(egc, a, rc);
        return;
    }
    ChildRun &run = a.run;
    script_setup(run, *s.xs, a.addr, a.script, true);
    run.ao = a.ao;
    run.timeout_ms = dev_timeouts(*s.x).hotplug_ms;
    run.data = &a;
    run.on_line = [](Egc &g, ChildRun *cr, int stream, std::string line) {
        DevAdd &aa = *static_cast<DevAdd *>(cr->data);
        script_line(g, aa.progress, aa.addr, aa.label, stream, std::move(line));
    };
    run.callback = add_script_done;
    rc = child_run_start(egc, run);
    if (rc == Error::Inval)
        XLKIT_LOG(egc.ctx, ERROR, "%s: the hotplug script %s is not an executable file", a.label.c_str(),
                  a.script.c_str());
    if (rc != Error::Success) {
        add_done(egc, a, rc == Error::Inval ? Error::Fail : rc);
        return;
    }
    a.script_ran = true;
}

} // namespace

const char *dev_kind_name(DevKind k) noexcept { return k == DevKind::Vbd ? "vbd" : "vif"; }

std::string dev_backend_path(const DevAddr &a) {
    return "/local/domain/" + std::to_string(a.backend_domid) + "/backend/" + kind_dir(a);
}
std::string dev_frontend_path(const DevAddr &a) {
    return dom_path(a.domid) + "/device/" + dev_kind_name(a.kind) + "/" + std::to_string(a.devid);
}
std::string dev_libxl_path(const DevAddr &a) {
    return "/libxl/" + std::to_string(a.domid) + "/device/" + dev_kind_name(a.kind) + "/" + std::to_string(a.devid);
}

DevTimeouts dev_timeouts(XenCtx &x) {
    int all = x.device_timeout_ms();
    return all > 0 ? DevTimeouts{all, all, all, all} : kDefaults;
}

std::vector<int> dev_list(Xenstore &xs, std::uint32_t domid, DevKind k) {
    std::vector<int> ids;
    auto add_from = [&](const std::string &dir) {
        std::vector<std::string> names;
        if (xs.directory(0, dir, &names) < 0) return;
        for (const std::string &n : names) {
            char *end = nullptr;
            long v = std::strtol(n.c_str(), &end, 10);
            if (end != n.c_str() && !*end && v >= 0 && v <= (1L << 30)) ids.push_back(int(v));
        }
    };
    add_from(dom_path(domid) + "/device/" + dev_kind_name(k));
    add_from("/local/domain/0/backend/" + std::string(dev_kind_name(k)) + "/" + std::to_string(domid));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

std::string dev_script_path(XenCtx &x, const std::string &script, const char *dflt) {
    const std::string &s = script.empty() ? std::string(dflt) : script;
    if (s.find('/') != std::string::npos) return s;
    return x.hotplug_dir() + "/" + s;
}

Error dev_remove_start(Egc &egc, DevRemove &r) {
    XenStacks s;
    Error rc = xen_stacks(egc, &s);
    if (rc != Error::Success) return rc;
    std::string state;
    std::string fe;
    if (s.xs->read(0, dev_backend_path(r.addr) + "/state", &state) < 0 &&
        s.xs->read(0, dev_frontend_path(r.addr) + "/backend", &fe) < 0) {
        XLKIT_LOG(egc.ctx, ERROR, "%s: domain %u has no such device", r.label.c_str(), r.addr.domid);
        return Error::Notfound;
    }
    r.rc = Error::Success;
    r.forced_now = r.force;
    r.ds.can_abort = r.can_abort;
    stage(egc, r.progress, r.addr, r.label, "closing", 1, 3);
    rc = remove_close(egc, r);
    if (rc != Error::Success) {
        // Started (reported): go on to the script and the clean-up.
        r.rc = rc;
        remove_script(egc, r);
    }
    return Error::Success;
}

Error dev_add_start(Egc &egc, DevAdd &a) {
    XenStacks s;
    Error rc = xen_stacks(egc, &s);
    if (rc != Error::Success) return rc;
    const std::string fe = dev_frontend_path(a.addr), be = dev_backend_path(a.addr), lp = dev_libxl_path(a.addr);
    bool exists = false;
    rc = xs_transact(egc, *s.x, "device entries", [&](Xenstore &xs, XsTxn t) {
        std::string v;
        exists = xs.read(t, fe + "/backend", &v) == 0 || xs.read(t, be + "/frontend", &v) == 0;
        if (exists) return Error::DeviceExists;
        if (xs.read(t, dom_path(a.addr.domid) + "/domid", &v) < 0) return Error::DomainNotfound;
        auto w = [&](const std::string &p, const std::string &val) { return xs.write(t, p, val) < 0; };
        bool fail = xs.mkdir(t, fe) < 0 || xs.set_perms_for(t, fe, a.addr.domid, true) < 0;
        for (auto &[k, val] : a.frontend)
            if (!fail) fail = w(fe + "/" + k, val);
        // The backend domain owns the backend; the guest reads it (its
        // frontend reads the backend's state and features).
        fail = fail || xs.mkdir(t, be) < 0 || xs.set_perms_for(t, be, a.addr.domid, false) < 0;
        for (auto &[k, val] : a.backend)
            if (!fail) fail = w(be + "/" + k, val);
        // libxl's own copy (libxl_device.c generic_add): xl reads devices
        // from here (xl block-list on a domain xlkit made), state stays 1.
        fail = fail || w(lp + "/frontend", fe) || w(lp + "/backend", be);
        for (auto &[k, val] : a.backend)
            if (!fail) fail = w(lp + "/" + k, val);
        return fail ? Error::Fail : Error::Success;
    });
    if (rc == Error::DeviceExists)
        XLKIT_LOG(egc.ctx, ERROR, "%s: domain %u has this device already", a.label.c_str(), a.addr.domid);
    else if (rc == Error::DomainNotfound)
        XLKIT_LOG(egc.ctx, ERROR, "%s: domain %u does not exist", a.label.c_str(), a.addr.domid);
    if (rc != Error::Success) return rc;
    a.rc = Error::Success;
    a.script_ran = false;
    a.ds.ao = a.ao;
    a.ds.state_path = be + "/state";
    a.ds.wanted = kXbInitWait;
    a.ds.timeout_ms = dev_timeouts(*s.x).initwait_ms;
    a.ds.callback = initwait_cb;
    a.ds.data = &a;
    rc = devstate_wait(egc, a.ds);
    if (rc != Error::Success) add_done(egc, a, rc);  // entries written: undo them
    return Error::Success;
}

} // namespace xlkit::detail
