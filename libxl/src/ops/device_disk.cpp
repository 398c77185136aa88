// Virtual disks (vbd, blkback): the spec checked and turned into entries as
// libxl's device_disk_add writes them (libxl_disk.c), and read back.
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include "event/log.hpp"
#include "ops/device_kinds.hpp"
#include "ops/op_util.hpp"
#include <xlkit/device.hpp>

namespace xlkit {

using namespace detail;

namespace detail {

namespace {

std::string disk_label(const DeviceDisk &d) { return "disk " + (d.vdev.empty() ? std::string("(no vdev)") : d.vdev); }

} // namespace

Error disk_prepare(Egc &egc, XenStacks &s, std::uint32_t domid, const DeviceDisk &disk, DevAdd *a) {
    const std::string label = disk_label(disk);
    auto bad = [&](const std::string &why) {
        XLKIT_LOG(egc.ctx, ERROR, "%s: %s", label.c_str(), why.c_str());
        return Error::Inval;
    };
    int devid = vdev_to_devid(disk.vdev.c_str());
    if (devid < 0) return bad("'" + disk.vdev + "' is not a virtual disk name (xvda, hdb, sdc, 51712, ...)");
    if (disk.backend_domid != 0) return bad("a backend in domain " + std::to_string(disk.backend_domid) + " (a driver domain) is not supported");
    if (disk.backend != DiskBackend::Unknown && disk.backend != DiskBackend::Phy)
        return bad(std::string("backend ") + to_string(disk.backend) + " needs a device model; PV guests use phy");
    if (disk.format == DiskFormat::Empty || disk.pdev_path.empty())
        return bad(disk.is_cdrom ? "an empty cdrom needs an HVM guest" : "no target (backing file or device)");
    if (disk.format != DiskFormat::Unknown && disk.format != DiskFormat::Raw)
        return bad(std::string("format ") + to_string(disk.format) + " needs a device model (qdisk); only raw files and block devices are supported");
    struct stat st;
    if (stat(disk.pdev_path.c_str(), &st) < 0)
        return bad("target '" + disk.pdev_path + "': " + std::strerror(errno));
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        return bad("target '" + disk.pdev_path + "' is neither a regular file nor a block device");
    if (disk.readwrite && !disk.is_cdrom && access(disk.pdev_path.c_str(), W_OK) < 0)
        return bad("target '" + disk.pdev_path + "' is not writable (" + std::strerror(errno) + "); use ro");

    a->addr = DevAddr{DevKind::Vbd, domid, devid, 0};
    a->label = label;
    a->script = dev_script_path(*s.x, disk.script, "block");
    const std::string type = disk.is_cdrom ? "cdrom" : "disk";
    a->frontend = {{"backend", dev_backend_path(a->addr)},
                   {"backend-id", "0"},
                   {"state", "1"},
                   {"virtual-device", std::to_string(devid)},
                   {"device-type", type},
                   {"trusted", "1"},
                   {"protocol", "x86_64-abi"}};
    a->backend = {{"frontend", dev_frontend_path(a->addr)},
                  {"frontend-id", std::to_string(domid)},
                  {"online", "1"},
                  {"removable", disk.removable ? "1" : "0"},
                  {"bootable", "1"},
                  {"state", "1"},
                  {"dev", disk.vdev},
                  {"type", "phy"},
                  {"mode", disk.readwrite && !disk.is_cdrom ? "w" : "r"},
                  {"device-type", type},
                  {"params", disk.pdev_path},
                  {"script", a->script},
                  // As libxl 4.17 writes them (discard_enable defaults to
                  // readwrite; xen is the only specification of a PV disk).
                  {"discard-enable", disk.readwrite ? "1" : "0"},
                  {"specification", "xen"}};
    return Error::Success;
}

Error disk_locate(Egc &egc, XenStacks &s, std::uint32_t domid, const DeviceDisk &disk, DevAddr *addr,
                  std::string *label) {
    *label = disk_label(disk);
    int devid = vdev_to_devid(disk.vdev.c_str());
    if (devid < 0) {
        XLKIT_LOG(egc.ctx, ERROR, "%s: '%s' is not a virtual disk name", label->c_str(), disk.vdev.c_str());
        return Error::Inval;
    }
    *addr = DevAddr{DevKind::Vbd, domid, devid, 0};
    for (int id : dev_list(*s.xs, domid, DevKind::Vbd))
        if (id == devid) return Error::Success;
    XLKIT_LOG(egc.ctx, ERROR, "%s: domain %u has no such disk", label->c_str(), domid);
    return Error::Notfound;
}

} // namespace detail

Error device_disk_list(Ctx &ctx, std::uint32_t domid, std::vector<DeviceDisk> *out) {
    return quick_call(ctx, XsNeed::Required, [&](Egc &egc, XenStacks &s) {
        DomInfo d;
        if (Error rc = query_domain(egc, *s.hv, domid, &d); rc != Error::Success) return rc;
        std::vector<DeviceDisk> disks;
        for (int id : dev_list(*s.xs, domid, DevKind::Vbd)) {
            const std::string be = dev_backend_path(DevAddr{DevKind::Vbd, domid, id, 0});
            auto rd = [&](const char *k) {
                std::string v;
                (void)s.xs->read(0, be + "/" + k, &v);
                return v;
            };
            DeviceDisk k;
            k.pdev_path = rd("params");
            k.vdev = rd("dev");
            if (k.vdev.empty()) k.vdev = std::to_string(id);
            k.backend = DiskBackend::Phy;
            k.format = DiskFormat::Raw;
            std::string script = rd("script");
            if (script != dev_script_path(*s.x, "", "block")) k.script = script;
            k.removable = rd("removable") == "1";
            k.readwrite = rd("mode") == "w";
            k.is_cdrom = rd("device-type") == "cdrom";
            disks.push_back(std::move(k));
        }
        *out = std::move(disks);
        return Error::Success;
    });
}

Error device_disk_getinfo(Ctx &ctx, std::uint32_t domid, const DeviceDisk &disk, Diskinfo *out) {
    return quick_call(ctx, XsNeed::Required, [&](Egc &egc, XenStacks &s) {
        DevAddr a;
        std::string label;
        if (Error rc = disk_locate(egc, s, domid, disk, &a, &label); rc != Error::Success) return rc;
        dev_getinfo(*s.xs, a, out, [](Diskinfo &i, auto &num) { i.rref = num("ring-ref"); });
        return Error::Success;
    });
}

} // namespace xlkit
