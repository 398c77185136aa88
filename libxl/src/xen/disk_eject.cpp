// Disk eject events: a watch on the frontend's eject node (libxl_disk.c's
// evenable_disk_eject, redone). When the guest writes "eject" there, xlkit
// acknowledges (writes "" back), empties the backend's params in the same
// transaction, and reports DISK_EJECT with vdev and the disk as it was.
#include <cstdio>
#include <cstring>

#include "event/log.hpp"
#include "xen/xen_ctx.hpp"
#include "xen/xswait.hpp"
#include <xlkit/evgen.hpp>

namespace xlkit {

struct EvgenDiskEject {
    detail::EvXsWatch watch;
    std::uint32_t domid = 0;
    std::string vdev;
    std::string eject_path;    // .../device/vbd/DEVID/eject
    std::string frontend_path; // .../device/vbd/DEVID
    std::uint64_t for_user = 0;
};

int vdev_to_devid(const char *vdev) noexcept {
    if (!vdev || !*vdev) return -1;
    // A plain number is taken as it is.
    char *end = nullptr;
    long n = std::strtol(vdev, &end, 10);
    if (end != vdev && !*end) return n >= 0 && n < (1L << 30) ? int(n) : -1;
    auto disk_part = [](const char *p, int *disk, int *part) {
        // letters a..z, aa..zz: disk index; then an optional partition number
        int d = 0, letters = 0;
        while (*p >= 'a' && *p <= 'z') {
            d = d * 26 + (*p - 'a' + 1);
            ++p;
            ++letters;
        }
        if (!letters || letters > 2) return false;
        *disk = d - 1;
        *part = 0;
        if (*p) {
            char *e = nullptr;
            long v = std::strtol(p, &e, 10);
            if (e == p || *e || v < 0 || v > 255) return false;
            *part = int(v);
        }
        return true;
    };
    int disk, part;
    if (!std::strncmp(vdev, "xvd", 3) && disk_part(vdev + 3, &disk, &part)) {
        if (disk < 16 && part < 16) return (202 << 8) | (disk << 4) | part;
        return (1 << 28) | (disk << 8) | part;  // extended scheme
    }
    if (!std::strncmp(vdev, "hd", 2) && disk_part(vdev + 2, &disk, &part) && disk < 4 && part < 64) {
        static const int major[] = {3, 3, 22, 22};
        return (major[disk] << 8) | ((disk & 1) << 6) | part;
    }
    if (!std::strncmp(vdev, "sd", 2) && disk_part(vdev + 2, &disk, &part) && disk < 16 && part < 16)
        return (8 << 8) | (disk << 4) | part;
    return -1;
}

} // namespace xlkit

namespace xlkit::detail {

namespace {

void eject_cb(Egc &egc, EvXsWatch *w, const char *, const char *, Error rc) {
    auto *g = static_cast<EvgenDiskEject *>(w->data);
    if (rc != Error::Success) return;
    XenCtx *x = XenCtx::of(egc);
    Xenstore *xs = nullptr;
    if (!x || x->xs(egc, &xs) != Error::Success) return;
    std::string value;
    if (xs->read(0, g->eject_path, &value) < 0 || value != "eject") return;
    DeviceDisk disk;
    disk.vdev = g->vdev;
    disk.removable = true;
    rc = xs_transact(egc, *x, g->eject_path.c_str(), [&](Xenstore &s, XsTxn t) {
        std::string v, backend;
        if (s.read(t, g->eject_path, &v) < 0 || v != "eject") return Error::NotReady;
        if (s.read(t, g->frontend_path + "/backend", &backend) == 0) {
            std::string params, mode, type;
            if (s.read(t, backend + "/params", &params) == 0) disk.pdev_path = params;
            if (s.read(t, backend + "/mode", &mode) == 0) disk.readwrite = mode.find('w') != std::string::npos;
            if (s.read(t, backend + "/device-type", &type) == 0) disk.is_cdrom = type == "cdrom";
            (void)s.write(t, backend + "/params", "");
        }
        return s.write(t, g->eject_path, "") < 0 ? Error::Fail : Error::Success;
    });
    if (rc == Error::NotReady) return;  // someone else acknowledged it
    if (rc != Error::Success) {
        XLKIT_LOG(egc.ctx, ERROR, "disk eject of %s (domain %u): cannot acknowledge", g->vdev.c_str(), g->domid);
        return;
    }
    auto ev = std::make_unique<Event>();
    ev->domid = g->domid;
    ev->for_user = g->for_user;
    EventDiskEject de;
    de.vdev = g->vdev;
    de.disk = std::move(disk);
    ev->u = std::move(de);
    egc.ctx.event_occurred(egc, std::move(ev));
}

} // namespace
} // namespace xlkit::detail

namespace xlkit {

using namespace detail;

Error evenable_disk_eject(Ctx &ctx, std::uint32_t domid, const char *vdev, std::uint64_t for_user,
                          EvgenDiskEject **evgen_out) {
    if (!evgen_out || !vdev) return Error::Inval;
    int devid = vdev_to_devid(vdev);
    Egc egc(ctx.impl());
    if (ctx.impl().failed()) return Error::Fail;
    if (devid < 0) {
        XLKIT_LOG(ctx.impl(), ERROR, "evenable_disk_eject: '%s' is not a virtual disk name", vdev);
        return Error::Inval;
    }
    XenCtx *x = XenCtx::of(egc);
    if (!x) return Error::Nomem;
    Xenstore *xs = nullptr;
    Error rc = x->xs(egc, &xs);
    if (rc != Error::Success) return rc;
    std::string dompath;
    int r = xs->get_domain_path(domid, &dompath);
    if (r < 0) return x->xs_error(egc, r, "get_domain_path", std::to_string(domid));
    auto *g = new (std::nothrow) EvgenDiskEject;
    if (!g) return Error::Nomem;
    g->domid = domid;
    g->vdev = vdev;
    g->for_user = for_user;
    g->frontend_path = dompath + "/device/vbd/" + std::to_string(devid);
    g->eject_path = g->frontend_path + "/eject";
    g->watch.data = g;
    rc = x->xswatch_register(egc, g->watch, eject_cb, g->eject_path);
    if (rc != Error::Success) {
        delete g;
        return rc;
    }
    *evgen_out = g;
    return Error::Success;
}

void evdisable_disk_eject(Ctx &ctx, EvgenDiskEject *g) {
    if (!g) return;
    Egc egc(ctx.impl());
    if (XenCtx *x = XenCtx::of(egc)) x->xswatch_deregister(egc, g->watch);
    delete g;
}

} // namespace xlkit
