// domain_create_new: a PV or PVH domain from a DomainConfig; and
// domain_create_restore, the same domain filled from a saved stream. They
// share this skeleton and differ in one step, the Building one: create_new
// builds the domain from its kernel, create_restore makes it empty and
// reads the stream into it (RestoreStream, ops/restore_stream.hpp).
//
//   Start    --bad config / no hypervisor or xenstore / PVH on a host
//             without HVM / name in use (in xenstore, or being created by
//             this ctx) / too little memory / no worker thread--> create_fail
//   Start    --> Building   the domain builder runs in a worker thread (it
//                           unpacks and loads the kernel: seconds under
//                           emulation), so the ctx keeps serving events
//   Building (restore) --the empty domain made--> its xenstore entries
//            but the ring references written (in a migration, this is
//            during the precopy, not downtime); Stream: the saved stream
//            is read into it (RestoreStream); its store and console frames
//            come back from xc_domain_restore --stream read--> as built
//            (the two ring references are what is left to write; the
//            stored configuration is written before the stream too)
//   Stream   --bad stream / failed / timed out / aborted--> the domain is
//            destroyed, complete(rc)
//   Start    --a disk or nic spec fails its add's checks--> create_fail
//   Building --built--> xenstore entries written, domain introduced to
//                       xenstored (xenconsoled then serves its console):
//                       DOMAIN_CREATE_CONSOLE_AVAILABLE; Devices
//   Building --failed or aborted--> whatever exists is destroyed, complete(rc)
//            (a PVH kernel without a PVH entry point, or memory below what
//            its image needs: Inval, found before the domain is made)
//   Devices  every disk and nic added in parallel (DevAdd, ops/device.hpp;
//            the domain is paused, so each completes with its hotplug
//            script done); their stages and script lines are reported
//            through the same progress as the console
//   Devices --all added--> unpaused unless asked not to; complete(0)
//   Devices --one failed / aborted--> the others finish; those added are
//            removed (forced, their scripts' removes run, not abortable);
//            the domain is destroyed; complete(the first error)
// *domid is set once the domain exists.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <set>
#include <sys/random.h>
#include <thread>
#include <unistd.h>

#include "event/log.hpp"
#include "ops/create.hpp"
#include "ops/device_kinds.hpp"
#include "ops/nested.hpp"
#include "ops/restore_stream.hpp"
#include "xen/cpuid_policy.hpp"
#include "ops/op_util.hpp"
#include "ops/userdata.hpp"
#include <xlkit/evgen.hpp>

namespace xlkit {

using namespace detail;

namespace {

struct State {
    Ao *ao = nullptr;
    CtxImpl *ctx = nullptr;
    Progress own_console;
    Progress *console = &own_console;  // a parent's, when nested (ops/nested.hpp)
    DomainConfig cfg;
    bool paused = false;
    std::uint32_t *domid_out = nullptr;
    const RestoreSource *restore = nullptr;  // null: create_new; else &restore_copy
    RestoreSource restore_copy;
    RestoreStream stream;
    Hypervisor *hv = nullptr;
    DomainBuild build;
    DomainBuilt built;
    int build_r = 0;  // the worker's domain_create (-errno), converted in built_cb
    bool name_reserved = false;  // in XenCtx's names being created
    std::thread worker;
    EvImmediate built_ev;
    // Devices: added in parallel once the domain exists; on a failure the
    // ones added are removed before the domain is destroyed.
    std::vector<std::unique_ptr<DevAdd>> adds;
    std::vector<std::unique_ptr<DevRemove>> removes;
    int pending = 0;
    Error dev_rc = Error::Success;
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

constexpr std::uint32_t kPvhMaxVcpus = 128;

// libxl_get_required_shadow_memory: the paging pool a PVH guest gets by
// default, in kB: 1 MiB per vcpu and 8 kB per MiB of maxmem.
std::uint64_t default_shadow_kb(std::uint64_t maxmem_kb, std::uint32_t vcpus) {
    return 4 * (256 * std::uint64_t(vcpus) + 2 * (maxmem_kb / 1024));
}

std::string uuid_string(const std::uint8_t u[16]) {
    char s[37];
    std::snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                  u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    return s;
}

// Every problem in cfg, logged naming the field; Inval if any.
Error check_config(Egc &egc, const DomainConfig &c, bool restoring) {
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
    const bool pvh = c.type == DomainType::Pvh;
    if (c.type != DomainType::Pv && !pvh)
        bad("type", std::string(to_string(c.type) ? to_string(c.type) : "?") + " domains are not supported (pv or pvh)");
    if (restoring)
        ;  // the stream brings the memory: the kernel is not read
    else if (c.kernel.empty())
        bad("kernel", "missing");
    else if (!readable_file(c.kernel))
        bad("kernel", "'" + c.kernel + "' is not a readable file (" + std::strerror(errno) + ")");
    if (!restoring && !c.ramdisk.empty() && !readable_file(c.ramdisk))
        bad("ramdisk", "'" + c.ramdisk + "' is not a readable file (" + std::strerror(errno) + ")");
    if (c.memory == 0) bad("memory", "must be at least 1 (MiB)");
    if (c.memory > (1ull << 32)) bad("memory", std::to_string(c.memory) + " MiB is more than any host has");
    if (c.maxmem && c.maxmem < c.memory)
        bad("maxmem", std::to_string(c.maxmem) + " is below memory (" + std::to_string(c.memory) + ")");
    if (c.vcpus < 1 || c.vcpus > 512) bad("vcpus", std::to_string(c.vcpus) + " is not in 1..512");
    // The PVH MADT numbers local APICs 2 * vcpu in 8 bits (acpi_pvh.h).
    if (pvh && c.vcpus > kPvhMaxVcpus)
        bad("vcpus", std::to_string(c.vcpus) + " is more than a PVH guest can have (" + std::to_string(kPvhMaxVcpus) + ")");
    if (c.tsc_mode == TscMode::NativeParavirt)
        bad("tsc_mode", "native_paravirt was removed from Xen (use default, always_emulate or native)");
    else if (!to_string(c.tsc_mode))
        bad("tsc_mode", std::to_string(int(c.tsc_mode)) + " is not a TSC mode");
    std::vector<CpuidBit> bits;
    std::string why;
    if (!c.cpuid.empty() && !parse_cpuid_policy(c.cpuid, &bits, &why)) bad("cpuid", why);
    if (!pvh && c.shadow_memory) bad("shadow_memory", "applies to PVH guests only (a PV guest's paging is its own)");
    if (c.shadow_memory > (1ull << 20)) bad("shadow_memory", std::to_string(c.shadow_memory) + " MiB is more than any host has");
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

// Which of a new domain's xenstore entries write_entries writes: all of
// them once it is built; for a restore, all but the two ring references
// before the stream (they are not downtime when it is a migration's), and
// the ring references, which come with the stream, after it.
enum class Entries { All, AllButRings, Rings };

// The xenstore entries of a new domain (libxl__build_post and the device
// entries of its disks).
Error write_entries(Egc &egc, XenCtx &x, State &st, Entries which) {
    const std::uint32_t d = st.built.domid;
    const std::string dp = dom_path(d);
    const std::string uuid = uuid_string(st.build.uuid);
    const std::string vm = "/vm/" + uuid;
    const DomainConfig &c = st.cfg;
    const bool pvh = c.type == DomainType::Pvh;
    auto rings = [&](Xenstore &s, XsTxn t) {
        return s.write(t, dp + "/store/ring-ref", std::to_string(st.built.store_mfn)) < 0 ||
               s.write(t, dp + "/console/ring-ref", std::to_string(st.built.console_mfn)) < 0;
    };
    if (which == Entries::Rings) {
        // Two writes, no transaction: the rest is there, and xenconsoled
        // and xenstored act on the domain only once it is introduced.
        Xenstore *s = nullptr;
        if (Error rc = x.xs(egc, &s); rc != Error::Success) return rc;
        if (!rings(*s, 0)) return Error::Success;
        XLKIT_LOG(egc.ctx, ERROR, "create: domain %u: cannot write its store and console ring references", d);
        return Error::Fail;
    }
    return xs_transact(egc, x, "create: xenstore entries", [&](Xenstore &s, XsTxn t) {
        auto w = [&](const std::string &p, const std::string &v) { return s.write(t, p, v) < 0; };
        if (s.mkdir(t, dp) < 0 || s.set_perms_for(t, dp, d, false) < 0) return Error::Fail;
        bool fail = w(dp + "/name", c.name) || w(dp + "/domid", std::to_string(d)) || w(dp + "/vm", vm) ||
                    w(dp + "/memory/static-max", std::to_string(st.build.maxmemkb)) ||
                    w(dp + "/memory/target", std::to_string(st.build.memkb)) ||
                    w(dp + "/store/port", std::to_string(st.built.store_port)) ||
                    (which == Entries::All && rings(s, t)) ||
                    w(dp + "/console/port", std::to_string(st.built.console_port)) ||
                    w(dp + "/console/type", "xenconsoled") || w(dp + "/console/output", "pty") ||
                    w(dp + "/console/limit", "1048576") || w(vm + "/name", c.name) || w(vm + "/uuid", uuid) ||
                    w("/libxl/" + std::to_string(d) + "/type", pvh ? "pvh" : "pv");
        // As libxl: the image is recorded for PV guests only.
        if (!pvh)
            fail = fail || w(vm + "/image/ostype", "linux") || w(vm + "/image/kernel", c.kernel) ||
                   w(vm + "/image/ramdisk", c.ramdisk) || w(vm + "/image/cmdline", c.cmdline);
        for (std::uint32_t i = 0; !fail && i < st.build.vcpus; ++i)
            fail = w(dp + "/cpu/" + std::to_string(i) + "/availability", "online");
        // The guest writes its own control nodes, and may offer a suspend
        // event channel (guest_suspend.hpp), as under libxl.
        for (const char *n : {"/control", "/control/shutdown", "/device", "/device/suspend/event-channel", "/data"}) {
            if (fail) break;
            fail = w(dp + n, "") || s.set_perms_for(t, dp + n, d, true) < 0;
        }
        return fail ? Error::Fail : Error::Success;
    });
}

Uuid uuid_of(const State &st) {
    Uuid u;
    std::memcpy(u.bytes.data(), st.build.uuid, 16);
    return u;
}

void undo(Egc &egc, State &st) {
    XenStacks s;  // opened by the start already: only xenstore may be missing
    if (xen_stacks(egc, &s, XsNeed::Optional) == Error::Success) {
        (void)s.hv->domain_destroy(st.built.domid);
        if (s.xs) {
            (void)s.xs->rm(0, dom_path(st.built.domid));
            (void)s.xs->rm(0, "/vm/" + uuid_string(st.build.uuid));
            for (const char *k : {"vbd", "vif"})
                (void)s.xs->rm(0, "/local/domain/0/backend/" + std::string(k) + "/" + std::to_string(st.built.domid));
            (void)s.xs->rm(0, "/libxl/" + std::to_string(st.built.domid));
        }
        userdata_remove(*s.x, st.built.domid, uuid_of(st));
    }
    XLKIT_LOG(egc.ctx, INFO, "create: removed the half-made domain %u", st.built.domid);
}

// The last steps: the configuration where xl looks for it (its devices
// with the devids and macs they were given), unpause (unless asked not
// to) and complete.
void launch(Egc &egc, State &st) {
    XenStacks s;
    Error rc = xen_stacks(egc, &s);
    // A restore's was stored before its stream; again only if its devices
    // have since been given devids and macs.
    if (rc == Error::Success && (!st.restore || !st.cfg.disks.empty() || !st.cfg.nics.empty())) {
        std::string why;
        rc = userdata_store(*s.x, st.built.domid, uuid_of(st), st.cfg, &why);
        if (rc != Error::Success)
            XLKIT_LOG(egc.ctx, ERROR, "create: domain %u's configuration: %s", st.built.domid, why.c_str());
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

void device_removed(Egc &egc, DevRemove *r, Error) {
    State &st = *static_cast<State *>(r->data);
    if (--st.pending) return;
    undo(egc, st);
    finish(egc, st, st.dev_rc);
}

// Once every add has finished: go on, or remove the devices that were
// added (their scripts' removes run; not abortable) and then the domain.
void devices_done(Egc &egc, State &st) {
    if (st.dev_rc == Error::Success && st.ao->aborting()) st.dev_rc = Error::Aborted;
    if (st.dev_rc == Error::Success) {
        launch(egc, st);
        return;
    }
    st.pending = 1;
    for (auto &a : st.adds) {
        if (!a->data) continue;  // never started or already undone by itself
        auto r = std::make_unique<DevRemove>();
        r->ao = st.ao;
        r->addr = a->addr;
        r->label = a->label;
        r->force = true;
        r->can_abort = false;
        r->data = &st;
        r->callback = device_removed;
        if (dev_remove_start(egc, *r) == Error::Success) ++st.pending;
        st.removes.push_back(std::move(r));
    }
    if (--st.pending == 0) {
        undo(egc, st);
        finish(egc, st, st.dev_rc);
    }
}

void device_added(Egc &egc, DevAdd *a, Error rc) {
    State &st = *static_cast<State *>(a->data);
    if (rc != Error::Success) {
        a->data = nullptr;  // the add undid itself
        if (st.dev_rc == Error::Success) st.dev_rc = rc;
        XLKIT_LOG(egc.ctx, ERROR, "create: %s of domain '%s' could not be added", a->label.c_str(),
                  st.cfg.name.c_str());
    }
    if (--st.pending == 0) devices_done(egc, st);
}

// Every configured disk and nic, added in parallel while the domain is
// still paused (so each add completes with its script done, at InitWait).
void start_devices(Egc &egc, State &st, XenStacks &s) {
    const std::uint32_t d = st.built.domid;
    st.pending = 1;  // held while starting
    std::vector<int> taken;
    auto start = [&](std::unique_ptr<DevAdd> a, Error prc) {
        a->ao = st.ao;
        a->progress = st.console;
        a->wait_connected = false;
        a->callback = device_added;
        a->data = &st;
        if (prc == Error::Success) prc = dev_add_start(egc, *a);
        if (prc == Error::Success) {
            ++st.pending;
        } else {
            a->data = nullptr;
            if (st.dev_rc == Error::Success) st.dev_rc = prc;
        }
        st.adds.push_back(std::move(a));
    };
    for (const DeviceDisk &disk : st.cfg.disks) {
        if (st.dev_rc != Error::Success) break;
        auto a = std::make_unique<DevAdd>();
        Error prc = disk_prepare(egc, s, d, disk, a.get());
        start(std::move(a), prc);
    }
    for (DeviceNic &nic : st.cfg.nics) {
        if (st.dev_rc != Error::Success) break;
        auto a = std::make_unique<DevAdd>();
        Error prc = nic_prepare(egc, s, d, &nic, a.get(), taken);
        taken.push_back(nic.devid);
        start(std::move(a), prc);
    }
    if (--st.pending == 0) devices_done(egc, st);
}

void domain_made(Egc &egc, State &st);

// Restore: the stream has been read into the domain, or not.
void stream_done(Egc &egc, RestoreStream *rs, Error rc) {
    State &st = *static_cast<State *>(rs->data);
    if (rc != Error::Success) {
        undo(egc, st);
        finish(egc, st, rc);
        return;
    }
    st.built.store_mfn = rs->store_mfn;
    st.built.console_mfn = rs->console_mfn;
    domain_made(egc, st);
}

// Lock held, in whichever thread drives the ctx, once the worker is done.
void built_cb(Egc &egc, EvImmediate *im) {
    State &st = *static_cast<State *>(im->data);
    if (st.worker.joinable()) st.worker.join();
    if (st.build_r < 0) {
        if (st.build_r == -ENOEXEC || st.build_r == -ERANGE)  // failed_step says what, in words
            XLKIT_LOG(egc.ctx, ERROR, "create: domain '%s': %s", st.cfg.name.c_str(), st.built.failed_step.c_str());
        else if (st.built.failed_step.empty())
            XLKIT_LOGE(egc.ctx, ERROR, -st.build_r, "create: building domain '%s' failed", st.cfg.name.c_str());
        else
            XLKIT_LOGE(egc.ctx, ERROR, -st.build_r, "create: building domain '%s' failed in %s", st.cfg.name.c_str(),
                       st.built.failed_step.c_str());
        Error rc = st.build_r == -ENOMEM ? Error::Nomem
                   : (st.build_r == -ENOENT || st.build_r == -EINVAL || st.build_r == -ENOEXEC ||
                      st.build_r == -ERANGE)
                       ? Error::Inval
                                                                     : Error::Fail;
        finish(egc, st, rc);
        return;
    }
    if (st.domid_out) *st.domid_out = st.built.domid;
    if (st.restore) {
        XenStacks s;
        Error wrc = xen_stacks(egc, &s);
        if (wrc == Error::Success) wrc = write_entries(egc, *s.x, st, Entries::AllButRings);
        if (wrc == Error::Success) {
            // Its stored configuration too (fsynced: tens of ms under
            // emulation), which undo() removes if the restore fails.
            std::string why;
            wrc = userdata_store(*s.x, st.built.domid, uuid_of(st), st.cfg, &why);
            if (wrc != Error::Success)
                XLKIT_LOG(egc.ctx, ERROR, "create: domain %u's configuration: %s", st.built.domid, why.c_str());
        }
        if (wrc != Error::Success) {
            undo(egc, st);
            finish(egc, st, wrc);
            return;
        }
        RestoreStream &rs = st.stream;
        rs.ao = st.ao;
        rs.progress = st.console;
        rs.domid = st.built.domid;
        rs.fd = st.restore->fd;
        rs.send_back_fd = st.restore->send_back_fd;
        rs.store_port = st.built.store_port;
        rs.console_port = st.built.console_port;
        rs.data_timeout_ms = st.restore->data_timeout_ms;
        rs.callback = stream_done;
        rs.data = &st;
        Error rc = st.ao->aborting() ? Error::Aborted : restore_stream_start(egc, rs);
        if (rc != Error::Success) {
            undo(egc, st);
            finish(egc, st, rc);
        }
        return;
    }
    domain_made(egc, st);
}

// The domain has its memory: its xenstore entries, the introduction to
// xenstored, the console, then the devices.
void domain_made(Egc &egc, State &st) {
    XenStacks s;
    Error rc = xen_stacks(egc, &s);
    if (rc == Error::Success && st.ao->aborting()) rc = Error::Aborted;
    if (rc == Error::Success) rc = write_entries(egc, *s.x, st, st.restore ? Entries::Rings : Entries::All);
    if (rc == Error::Success) {
        int r = s.xs->introduce_domain(st.built.domid, st.built.store_mfn, st.built.store_port);
        if (r < 0) rc = s.x->xs_error(egc, r, "introduce", std::to_string(st.built.domid));
    }
    if (rc == Error::Success) {
        auto ev = std::make_unique<Event>();
        ev->domid = st.built.domid;
        std::memcpy(ev->domuuid.bytes.data(), st.build.uuid, 16);
        ev->u = EventDomainCreateConsoleAvailable{};
        st.console->report(egc, std::move(ev));
    }
    if (rc != Error::Success) {
        undo(egc, st);
        finish(egc, st, rc);
        return;
    }
    start_devices(egc, st, s);
}

// Checks, reserves the name, and starts the builder thread.
Error create_start(Egc &egc, State &st, const DomainConfig &cfg, bool paused, std::uint32_t *domid,
                   const RestoreSource *restore) {
    st.ctx = &egc.ctx;
    st.cfg = cfg;
    st.paused = paused;
    st.domid_out = domid;
    st.restore = restore;
    Error rc = check_config(egc, cfg, restore != nullptr);
    if (rc != Error::Success) return rc;
    if (restore && restore->unsupported) {
        XLKIT_LOG(egc.ctx, ERROR, "restore: xlkit does not restore %s", restore->unsupported);
        return Error::Inval;
    }
    if (restore && (rc = restore_stream_check(egc, restore->fd, restore->data_timeout_ms)) != Error::Success)
        return rc;
    XenStacks s;
    rc = xen_stacks(egc, &s);
    if (rc != Error::Success) return rc;
    // Every device's spec is checked before anything is built (the same
    // checks as its add; the log names the device).
    for (const DeviceDisk &disk : cfg.disks) {
        DevAdd scratch;
        if (Error drc = disk_prepare(egc, s, 0, disk, &scratch); drc != Error::Success) return drc;
    }
    std::set<int> nic_ids;
    std::set<std::string> macs;
    for (const DeviceNic &nic : cfg.nics) {
        DeviceNic n = nic;
        n.devid = 0;  // not looked up: there is no domain yet
        DevAdd scratch;
        if (Error drc = nic_prepare(egc, s, 0, &n, &scratch); drc != Error::Success && drc != Error::DeviceExists)
            return drc;
        if (nic.devid >= 0 && !nic_ids.insert(nic.devid).second) {
            XLKIT_LOG(egc.ctx, ERROR, "domain config: vif: devid %d is used twice", nic.devid);
            return Error::Inval;
        }
        if (nic.mac != Mac{} && !macs.insert(to_string(nic.mac)).second) {
            XLKIT_LOG(egc.ctx, ERROR, "domain config: vif: mac %s is used twice", to_string(nic.mac).c_str());
            return Error::Inval;
        }
    }

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
    for (const std::string &d : domains_named(*s.xs, 0, cfg.name)) {
        XLKIT_LOG(egc.ctx, ERROR, "domain config: name: a domain called '%s' exists already (domid %s)",
                  cfg.name.c_str(), d.c_str());
        return fail_early(Error::Inval);
    }
    const bool pvh = cfg.type == DomainType::Pvh;
    const std::uint64_t maxmem_kb = (cfg.maxmem ? cfg.maxmem : cfg.memory) * 1024;
    const std::uint64_t shadow_kb = !pvh ? 0 : cfg.shadow_memory ? cfg.shadow_memory * 1024 : default_shadow_kb(maxmem_kb, cfg.vcpus);
    // A PVH guest is an HVM container: the host's Xen must run those.
    if (pvh) {
        unsigned caps = 0;
        int r = s.hv->host_caps(&caps);
        if (r < 0) {
            XLKIT_LOGE(egc.ctx, ERROR, -r, "create: cannot ask the hypervisor what it can run");
            return fail_early(Error::Fail);
        }
        if (!(caps & kCapHvm)) {
            XLKIT_LOG(egc.ctx, ERROR,
                      "domain config: type: pvh needs a Xen with HVM support, and this host's has none "
                      "(no hardware virtualisation, or Xen built without it): use type = \"pv\"");
            return fail_early(Error::Inval);
        }
    }
    // And the memory must be there (for PVH, the paging pool as well).
    std::uint64_t total_kb = 0, free_kb = 0;
    if (s.hv->physinfo(&total_kb, &free_kb) == 0 && free_kb < cfg.memory * 1024 + shadow_kb) {
        std::string pool = shadow_kb ? " (and " + std::to_string(shadow_kb / 1024) + " MiB of paging pool)" : "";
        XLKIT_LOG(egc.ctx, ERROR, "domain config: memory: %llu MiB wanted%s, the host has %llu MiB free",
                  static_cast<unsigned long long>(cfg.memory), pool.c_str(),
                  static_cast<unsigned long long>(free_kb / 1024));
        return fail_early(Error::Nomem);
    }

    if (cfg.uuid != Uuid{}) {
        std::memcpy(st.build.uuid, cfg.uuid.bytes.data(), 16);  // a restore keeps the saved one
    } else {
        if (getrandom(st.build.uuid, 16, 0) != 16) return fail_early(Error::Fail);
        st.build.uuid[6] = static_cast<std::uint8_t>((st.build.uuid[6] & 0x0f) | 0x40);  // version 4
        st.build.uuid[8] = static_cast<std::uint8_t>((st.build.uuid[8] & 0x3f) | 0x80);
    }
    st.build.restore = restore != nullptr;
    st.build.type = pvh ? DomainBuild::Type::Pvh : DomainBuild::Type::Pv;
    st.build.tsc_mode = int(cfg.tsc_mode);
    st.build.shadow_kb = shadow_kb;
    if (!cfg.cpuid.empty()) {
        std::string why;
        (void)parse_cpuid_policy(cfg.cpuid, &st.build.cpuid, &why);  // checked above
    }
    st.build.kernel = cfg.kernel;
    st.build.ramdisk = cfg.ramdisk;
    st.build.cmdline = cfg.cmdline;
    st.build.memkb = cfg.memory * 1024;
    st.build.maxmemkb = maxmem_kb;
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
    return ao_start<State>(ctx, std::move(how), &State::own_console, std::move(console_how),
                           [&](Egc &egc, State &st) { return create_start(egc, st, cfg, paused, domid, nullptr); });
}

namespace detail {

Error domain_create_common(Ctx &ctx, const DomainConfig &cfg, bool paused, std::uint32_t *domid, AoHow how,
                           ProgressHow console_how, const RestoreSource *restore) {
    // The State keeps its own copy of *restore.
    return ao_start<State>(ctx, std::move(how), &State::own_console, std::move(console_how), [&](Egc &egc, State &st) {
        if (restore) st.restore_copy = *restore;
        return create_start(egc, st, cfg, paused, domid, restore ? &st.restore_copy : nullptr);
    });
}

Error domain_create_restore_nested(Egc &egc, Ao *parent, Progress *console, NestedDone done, void *done_data,
                                   const DomainConfig &cfg, bool paused, std::uint32_t *domid,
                                   const RestoreSource &restore) {
    return ao_start_nested<State>(egc, parent, done, done_data, [&](Egc &e, State &st) {
        st.console = console;
        st.restore_copy = restore;
        return create_start(e, st, cfg, paused, domid, &st.restore_copy);
    });
}

} // namespace detail

} // namespace xlkit
