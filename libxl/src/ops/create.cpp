// domain_create_new: a PV domain from a DomainConfig.
//
//   Start    --bad config / no hypervisor or xenstore / name in use (in
//             xenstore, or being created by this ctx) / too little memory
//             / no worker thread--> create_fail
//   Start    --> Building   the domain builder runs in a worker thread (it
//                           unpacks and loads the kernel: seconds under
//                           emulation), so the ctx keeps serving events
//   Building --built--> xenstore entries written, domain introduced to
//                       xenstored (xenconsoled then serves its console):
//                       DOMAIN_CREATE_CONSOLE_AVAILABLE; unpaused unless
//                       asked not to; complete(0)
//   Building --failed or aborted--> whatever exists is destroyed, complete(rc)
// *domid is set once the domain exists.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/random.h>
#include <thread>
#include <unistd.h>

#include "event/log.hpp"
#include "ops/op_util.hpp"
#include <xlkit/evgen.hpp>

namespace xlkit {

using namespace detail;

namespace {

struct State {
    Ao *ao = nullptr;
    CtxImpl *ctx = nullptr;
    Progress console;
    DomainConfig cfg;
    bool paused = false;
    std::uint32_t *domid_out = nullptr;
    Hypervisor *hv = nullptr;
    DomainBuild build;
    DomainBuilt built;
    int build_r = 0;  // the worker's domain_create (-errno), converted in built_cb
    bool name_reserved = false;  // in XenCtx's names being created
    std::thread worker;
    EvImmediate built_ev;
    ~State() {
        if (worker.joinable()) worker.join();
    }
};

// Completes the operation, first freeing the name for other creates.
void finish(Egc &egc, State &st, Error rc) {
    if (st.name_reserved)
        if (XenCtx *x = XenCtx::of(egc)) x->release_name(st.cfg.name);
    st.name_reserved = false;
    st.ao->complete(egc, rc);
}

bool readable_file(const std::string &p) { return !p.empty() && access(p.c_str(), R_OK) == 0; }

std::string uuid_string(const std::uint8_t u[16]) {
    char s[37];
    std::snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                  u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    return s;
}

// Every problem in cfg, logged naming the field; Inval if any.
Error check_config(Egc &egc, const DomainConfig &c) {
    Error rc = Error::Success;
    auto bad = [&](const char *field, const std::string &why) {
        XLKIT_LOG(egc.ctx, ERROR, "domain config: %s: %s", field, why.c_str());
        rc = Error::Inval;
    };
    if (c.name.empty()) bad("name", "missing");
    if (c.name.size() > 64) bad("name", "longer than 64 characters");
    if (c.name.find_first_of("/ \t\n\"'") != std::string::npos) bad("name", "'" + c.name + "' contains '/', a quote or white space");
    if (!c.name.empty() && c.name.find_first_not_of("0123456789") == std::string::npos)
        bad("name", "'" + c.name + "' is a number: it would be read as a domid");
    if (c.type != DomainType::Pv) bad("type", "only PV domains are supported");
    if (c.kernel.empty())
        bad("kernel", "missing");
    else if (!readable_file(c.kernel))
        bad("kernel", "'" + c.kernel + "' is not a readable file (" + std::strerror(errno) + ")");
    if (!c.ramdisk.empty() && !readable_file(c.ramdisk))
        bad("ramdisk", "'" + c.ramdisk + "' is not a readable file (" + std::strerror(errno) + ")");
    if (c.memory == 0) bad("memory", "must be at least 1 (MiB)");
    if (c.memory > (1ull << 32)) bad("memory", std::to_string(c.memory) + " MiB is more than any host has");
    if (c.maxmem && c.maxmem < c.memory)
        bad("maxmem", std::to_string(c.maxmem) + " is below memory (" + std::to_string(c.memory) + ")");
    if (c.vcpus < 1 || c.vcpus > 512) bad("vcpus", std::to_string(c.vcpus) + " is not in 1..512");
    std::set<int> devids;
    for (const DeviceDisk &d : c.disks) {
        int devid = vdev_to_devid(d.vdev.c_str());
        if (devid < 0)
            bad("disk", "'" + d.vdev + "' is not a virtual disk name (xvda, hdb, sdc, ...)");
        else if (!devids.insert(devid).second)
            bad("disk", "'" + d.vdev + "' is used twice");
        if (d.pdev_path.empty() && !d.is_cdrom) bad("disk", "'" + d.vdev + "' has no target");
    }
    return rc;
}

// The xenstore entries of a new domain (libxl__build_post and the device
// entries of its disks).
Error write_entries(Egc &egc, XenCtx &x, State &st) {
    const std::uint32_t d = st.built.domid;
    const std::string dp = dom_path(d);
    const std::string uuid = uuid_string(st.build.uuid);
    const std::string vm = "/vm/" + uuid;
    const DomainConfig &c = st.cfg;
    return xs_transact(egc, x, "create: xenstore entries", [&](Xenstore &s, XsTxn t) {
        auto w = [&](const std::string &p, const std::string &v) { return s.write(t, p, v) < 0; };
        if (s.mkdir(t, dp) < 0 || s.set_perms_for(t, dp, d, false) < 0) return Error::Fail;
        bool fail = w(dp + "/name", c.name) || w(dp + "/domid", std::to_string(d)) || w(dp + "/vm", vm) ||
                    w(dp + "/memory/static-max", std::to_string(st.build.maxmemkb)) ||
                    w(dp + "/memory/target", std::to_string(st.build.memkb)) ||
                    w(dp + "/store/port", std::to_string(st.built.store_port)) ||
                    w(dp + "/store/ring-ref", std::to_string(st.built.store_mfn)) ||
                    w(dp + "/console/port", std::to_string(st.built.console_port)) ||
                    w(dp + "/console/ring-ref", std::to_string(st.built.console_mfn)) ||
                    w(dp + "/console/type", "xenconsoled") || w(dp + "/console/output", "pty") ||
                    w(dp + "/console/limit", "1048576") || w(vm + "/name", c.name) || w(vm + "/uuid", uuid) ||
                    w(vm + "/image/ostype", "linux") || w(vm + "/image/kernel", c.kernel) ||
                    w(vm + "/image/ramdisk", c.ramdisk) || w(vm + "/image/cmdline", c.cmdline);
        for (std::uint32_t i = 0; !fail && i < st.build.vcpus; ++i)
            fail = w(dp + "/cpu/" + std::to_string(i) + "/availability", "online");
        // The guest writes its own control nodes.
        for (const char *n : {"/control", "/control/shutdown", "/device", "/data"}) {
            if (fail) break;
            fail = w(dp + n, "") || s.set_perms_for(t, dp + n, d, true) < 0;
        }
        for (const DeviceDisk &disk : c.disks) {
            if (fail) break;
            std::string devid = std::to_string(vdev_to_devid(disk.vdev.c_str()));
            std::string fe = dp + "/device/vbd/" + devid;
            std::string be = "/local/domain/0/backend/vbd/" + std::to_string(d) + "/" + devid;
            fail = w(fe + "/backend", be) || w(fe + "/backend-id", "0") || w(fe + "/virtual-device", devid) ||
                   w(fe + "/device-type", disk.is_cdrom ? "cdrom" : "disk") || w(fe + "/state", "1") ||
                   w(fe + "/eject", "") || s.set_perms_for(t, fe, d, true) < 0 || w(be + "/frontend", fe) ||
                   w(be + "/frontend-id", std::to_string(d)) || w(be + "/params", disk.pdev_path) ||
                   w(be + "/mode", disk.readwrite ? "w" : "r") || w(be + "/dev", disk.vdev) ||
                   w(be + "/device-type", disk.is_cdrom ? "cdrom" : "disk") ||
                   w(be + "/removable", disk.removable ? "1" : "0") || w(be + "/state", "1") ||
                   s.set_perms_for(t, be, 0, false) < 0;
        }
        return fail ? Error::Fail : Error::Success;
    });
}

void undo(Egc &egc, State &st) {
    XenStacks s;  // opened by the start already: only xenstore may be missing
    if (xen_stacks(egc, &s, XsNeed::Optional) == Error::Success) {
        (void)s.hv->domain_destroy(st.built.domid);
        if (s.xs) {
            (void)s.xs->rm(0, dom_path(st.built.domid));
            (void)s.xs->rm(0, "/vm/" + uuid_string(st.build.uuid));
            (void)s.xs->rm(0, "/local/domain/0/backend/vbd/" + std::to_string(st.built.domid));
        }
    }
    XLKIT_LOG(egc.ctx, INFO, "create: removed the half-made domain %u", st.built.domid);
}

// Lock held, in whichever thread drives the ctx, once the worker is done.
void built_cb(Egc &egc, EvImmediate *im) {
    State &st = *static_cast<State *>(im->data);
    if (st.worker.joinable()) st.worker.join();
    if (st.build_r < 0) {
        if (st.built.failed_step.empty())
            XLKIT_LOGE(egc.ctx, ERROR, -st.build_r, "create: building domain '%s' failed", st.cfg.name.c_str());
        else
            XLKIT_LOGE(egc.ctx, ERROR, -st.build_r, "create: building domain '%s' failed in %s", st.cfg.name.c_str(),
                       st.built.failed_step.c_str());
        Error rc = st.build_r == -ENOMEM ? Error::Nomem
                   : (st.build_r == -ENOENT || st.build_r == -EINVAL) ? Error::Inval
                                                                     : Error::Fail;
        finish(egc, st, rc);
        return;
    }
    if (st.domid_out) *st.domid_out = st.built.domid;
    XenStacks s;
    Error rc = xen_stacks(egc, &s);
    if (rc == Error::Success && st.ao->aborting()) rc = Error::Aborted;
    if (rc == Error::Success) rc = write_entries(egc, *s.x, st);
    if (rc == Error::Success) {
        int r = s.xs->introduce_domain(st.built.domid, st.built.store_mfn, st.built.store_port);
        if (r < 0) rc = s.x->xs_error(egc, r, "introduce", std::to_string(st.built.domid));
    }
    if (rc == Error::Success) {
        auto ev = std::make_unique<Event>();
        ev->domid = st.built.domid;
        std::memcpy(ev->domuuid.bytes.data(), st.build.uuid, 16);
        ev->u = EventDomainCreateConsoleAvailable{};
        st.console.report(egc, std::move(ev));
    }
    if (rc == Error::Success && !st.paused) {
        int r = s.hv->domain_unpause(st.built.domid);
        if (r < 0) {
            XLKIT_LOGE(egc.ctx, ERROR, -r, "create: cannot unpause domain %u", st.built.domid);
            rc = Error::Fail;
        }
    }
    if (rc != Error::Success) undo(egc, st);
    finish(egc, st, rc);
}

// Checks, reserves the name, and starts the builder thread.
Error create_start(Egc &egc, State &st, const DomainConfig &cfg, bool paused, std::uint32_t *domid) {
    st.ctx = &egc.ctx;
    st.cfg = cfg;
    st.paused = paused;
    st.domid_out = domid;
    Error rc = check_config(egc, cfg);
    if (rc != Error::Success) return rc;
    XenStacks s;
    rc = xen_stacks(egc, &s);
    if (rc != Error::Success) return rc;

    // The name must be free: not being created by this ctx, not in xenstore.
    if (!s.x->reserve_name(cfg.name)) {
        XLKIT_LOG(egc.ctx, ERROR, "domain config: name: a domain called '%s' is being created already",
                  cfg.name.c_str());
        return Error::Inval;
    }
    st.name_reserved = true;
    auto fail_early = [&](Error frc) {
        s.x->release_name(cfg.name);
        st.name_reserved = false;
        return frc;
    };
    std::vector<std::string> doms;
    if (s.xs->directory(0, "/local/domain", &doms) == 0)
        for (const std::string &d : doms) {
            std::string name;
            if (s.xs->read(0, "/local/domain/" + d + "/name", &name) == 0 && name == cfg.name) {
                XLKIT_LOG(egc.ctx, ERROR, "domain config: name: a domain called '%s' exists already (domid %s)",
                          cfg.name.c_str(), d.c_str());
                return fail_early(Error::Inval);
            }
        }
    // And the memory must be there.
    std::uint64_t total_kb = 0, free_kb = 0;
    if (s.hv->physinfo(&total_kb, &free_kb) == 0 && free_kb < cfg.memory * 1024) {
        XLKIT_LOG(egc.ctx, ERROR, "domain config: memory: %llu MiB wanted, the host has %llu MiB free",
                  static_cast<unsigned long long>(cfg.memory), static_cast<unsigned long long>(free_kb / 1024));
        return fail_early(Error::Nomem);
    }

    if (getrandom(st.build.uuid, 16, 0) != 16) return fail_early(Error::Fail);
    st.build.uuid[6] = static_cast<std::uint8_t>((st.build.uuid[6] & 0x0f) | 0x40);  // version 4
    st.build.uuid[8] = static_cast<std::uint8_t>((st.build.uuid[8] & 0x3f) | 0x80);
    st.build.kernel = cfg.kernel;
    st.build.ramdisk = cfg.ramdisk;
    st.build.cmdline = cfg.cmdline;
    st.build.memkb = cfg.memory * 1024;
    st.build.maxmemkb = (cfg.maxmem ? cfg.maxmem : cfg.memory) * 1024;
    st.build.vcpus = cfg.vcpus;
    st.hv = s.hv;
    st.built_ev.data = &st;
    State *stp = &st;
    try {
        st.worker = std::thread([stp] {
            stp->build_r = stp->hv->domain_create(stp->build, &stp->built);
            Egc g(*stp->ctx);
            g.ctx.immediate_post(g, stp->built_ev, built_cb);
        });
    } catch (...) {
        return fail_early(Error::Fail);
    }
    return Error::Success;
}

} // namespace

Error domain_create_new(Ctx &ctx, const DomainConfig &cfg, bool paused, std::uint32_t *domid, AoHow how,
                        ProgressHow console_how) {
    return ao_start<State>(ctx, std::move(how), &State::console, std::move(console_how),
                           [&](Egc &egc, State &st) { return create_start(egc, st, cfg, paused, domid); });
}

} // namespace xlkit
