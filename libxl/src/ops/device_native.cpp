// The native path for Xen's block script: see device_native.hpp.
#include "ops/device_native.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "event/log.hpp"
#include "event/unique_fd.hpp"

namespace xlkit::detail {

namespace {

constexpr const char *kXenBlockScript = "/etc/xen/scripts/block";

std::string hexdev(dev_t d) {
    char b[32];
    std::snprintf(b, sizeof b, "%x:%x", major(d), minor(d));
    return b;
}

// Xen's fatal/ebusy: the reason where the toolstack and the admin look.
Error fatal(XenStacks &s, const std::string &be, const std::string &msg, std::string *why) {
    *why = msg;
    (void)s.xs->write(0, be + "/hotplug-error", msg);
    (void)s.xs->write(0, be + "/hotplug-status", "error");
    return Error::Fail;
}

// The script's check_sharing, asked of xenstore (which knows every vbd):
// another vbd with the same target, where either of the two writes.
std::string sharing_conflict(XenStacks &s, const DevAddr &a, const struct stat &mine, bool writes) {
    std::vector<std::string> doms;
    if (s.xs->directory(0, "/local/domain/0/backend/vbd", &doms) < 0) return {};
    // As the block script's same_vm: two domains of the same VM (the same
    // /vm path: the two ends of a migration to this host) may share a disk.
    std::string my_vm;
    (void)s.xs->read(0, "/local/domain/" + std::to_string(a.domid) + "/vm", &my_vm);
    for (const std::string &d : doms) {
        std::string vm;
        if (!my_vm.empty() && s.xs->read(0, "/local/domain/" + d + "/vm", &vm) == 0 && vm == my_vm) continue;
        std::vector<std::string> ids;
        if (s.xs->directory(0, "/local/domain/0/backend/vbd/" + d, &ids) < 0) continue;
        for (const std::string &id : ids) {
            const std::string other = "/local/domain/0/backend/vbd/" + d + "/" + id;
            if (other == dev_backend_path(a)) continue;
            std::string params, mode;
            struct stat st;
            if (s.xs->read(0, other + "/params", &params) < 0 || stat(params.c_str(), &st) < 0) continue;
            if (st.st_dev != mine.st_dev || st.st_ino != mine.st_ino) continue;
            (void)s.xs->read(0, other + "/mode", &mode);
            if (writes || mode == "w") return "domain " + d;
        }
    }
    return {};
}

// Binds a free loop device to fd (losetup -f): its path and number.
Error loop_attach(int fd, bool ro, const std::string &file, std::string *dev, dev_t *rdev, int *err) {
    UniqueFd ctl(open("/dev/loop-control", O_RDWR | O_CLOEXEC));
    if (!ctl) {
        *err = errno;
        return Error::Fail;
    }
    for (int attempt = 0; attempt < 32; ++attempt) {
        int n = ioctl(ctl.get(), LOOP_CTL_GET_FREE);
        if (n < 0) {
            *err = errno;
            return Error::Fail;
        }
        std::string path = "/dev/loop" + std::to_string(n);
        UniqueFd lfd(open(path.c_str(), (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC));
        if (!lfd) {
            *err = errno;
            return Error::Fail;
        }
        if (ioctl(lfd.get(), LOOP_SET_FD, fd) < 0) {
            if (errno == EBUSY) continue;  // taken by someone else meanwhile
            *err = errno;
            return Error::Fail;
        }
        struct loop_info64 info;
        std::memset(&info, 0, sizeof info);
        std::strncpy(reinterpret_cast<char *>(info.lo_file_name), file.c_str(), LO_NAME_SIZE - 1);
        if (ro) info.lo_flags = LO_FLAGS_READ_ONLY;
        (void)ioctl(lfd.get(), LOOP_SET_STATUS64, &info);
        struct stat st;
        if (fstat(lfd.get(), &st) < 0) {
            *err = errno;
            (void)ioctl(lfd.get(), LOOP_CLR_FD, 0);
            return Error::Fail;
        }
        *dev = path;
        *rdev = st.st_rdev;
        return Error::Success;
    }
    *err = EBUSY;
    return Error::Fail;
}

void loop_detach(const std::string &dev) {
    UniqueFd lfd(open(dev.c_str(), O_RDONLY | O_CLOEXEC));
    // Still open in blkback: the kernel frees it on its last close
    // (LOOP_CLR_FD then sets autoclear), as losetup -d does.
    if (lfd) (void)ioctl(lfd.get(), LOOP_CLR_FD, 0);
}

} // namespace

bool native_block_applies(const DevAddr &a, const std::string &script) {
    if (a.kind != DevKind::Vbd || script != kXenBlockScript) return false;
    const char *e = std::getenv("XLKIT_NATIVE_HOTPLUG");
    return !(e && std::strcmp(e, "0") == 0);
}

Error native_block_add(Egc &egc, XenStacks &s, const DevAddr &a, std::string *why) {
    const std::string be = dev_backend_path(a);
    std::string params, mode, phys;
    if (s.xs->read(0, be + "/physical-device", &phys) == 0 && !phys.empty()) return Error::Success;  // done already
    if (s.xs->read(0, be + "/params", &params) < 0) return fatal(s, be, "no params", why);
    (void)s.xs->read(0, be + "/mode", &mode);
    const bool writes = mode == "w";
    struct stat st;
    if (stat(params.c_str(), &st) < 0) return fatal(s, be, params + " does not exist.", why);
    if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
        return fatal(s, be, params + " is neither a block device nor a regular file.", why);
    std::string other = sharing_conflict(s, a, st, writes);
    if (!other.empty()) {
        Error rc = fatal(s, be, params + " is in use by " + other + (writes ? "" : " read-write") + ", and so cannot be used now.", why);
        (void)s.xs->write(0, be + "/hotplug-status", "busy");
        return rc;
    }
    std::string node, path;
    dev_t rdev;
    if (S_ISBLK(st.st_mode)) {
        rdev = st.st_rdev;
        path = params;
    } else {
        if (writes && access(params.c_str(), W_OK) < 0)
            return fatal(s, be, "File " + params + " is read-only, and so I will not mount it read-write in a guest domain.", why);
        UniqueFd fd(open(params.c_str(), (writes ? O_RDWR : O_RDONLY) | O_CLOEXEC));
        if (!fd) return fatal(s, be, params + ": " + std::strerror(errno), why);
        int err = 0;
        if (loop_attach(fd.get(), !writes, params, &node, &rdev, &err) != Error::Success)
            return fatal(s, be, std::string("Failed to find an unused loop device: ") + std::strerror(err), why);
        path = node;
    }
    XenCtx &x = *s.x;
    Error rc = xs_transact(egc, x, "block hotplug", [&](Xenstore &xs, XsTxn t) {
        bool fail = (!node.empty() && xs.write(t, be + "/node", node) < 0) ||
                    xs.write(t, be + "/physical-device", hexdev(rdev)) < 0 ||
                    xs.write(t, be + "/physical-device-path", path) < 0 ||
                    xs.write(t, be + "/hotplug-status", "connected") < 0;
        return fail ? Error::Fail : Error::Success;
    });
    if (rc != Error::Success) {
        if (!node.empty()) loop_detach(node);
        *why = "cannot write the backend's physical-device";
        return rc;
    }
    XLKIT_LOG(egc.ctx, DEBUG, "vbd %u/%d: %s as %s (%s), natively", a.domid, a.devid, params.c_str(),
              path.c_str(), hexdev(rdev).c_str());
    return Error::Success;
}

void native_block_remove(Egc &egc, XenStacks &s, const DevAddr &a) {
    std::string node;
    if (s.xs->read(0, dev_backend_path(a) + "/node", &node) < 0 || node.rfind("/dev/loop", 0) != 0) return;
    loop_detach(node);
    XLKIT_LOG(egc.ctx, DEBUG, "vbd %u/%d: released %s", a.domid, a.devid, node.c_str());
}

} // namespace xlkit::detail
