// xlkit/device.hpp: virtual disks (vbd, blkback) and network interfaces
// (vif, netback) of a domain, as operations. Names follow libxl 4.17
// (libxl_device_disk_add, ...); each is an ao usable in every completion
// mode (see xlkit/ao.hpp).
//
// Add (device_disk_add, device_nic_add):
//   checks     the spec (a disk's target must exist and be a regular file or
//              a block device; a vdev or devid must not be in use) -> else
//              initiation fails with Error::Inval (or DeviceExists),
//              naming the device in the log; nothing is written
//   written    backend and frontend xenstore entries, in one transaction
//   "backend"  progress: the backend reached InitWait (10 s bound)
//   "hotplug"  progress: the hotplug script (the disk's or nic's script=,
//              default Xen's block / vif-bridge) exited 0 and the backend
//              says hotplug-status connected (40 s bound). The script runs
//              in its own process group, a child of this operation: each
//              line it writes (stdout or stderr) is a HELPER_OUTPUT report
//              and a log line; at the timeout or on abort the whole group
//              is killed. A non-zero exit fails the add with the script's
//              hotplug-error in the log, naming the device.
//   "connected" progress, then completion: when the device is usable.
//              A running guest: the backend and the guest's frontend are
//              both Connected (20 s bound each). A paused guest (one
//              being created, for instance) cannot connect yet: the add
//              completes after "hotplug". (libxl completes when the script
//              exits, whether or not the guest ever sees the device.)
//   Any failure, timeout or abort after "written" removes what the add made
//   (the script's remove runs, the entries go) before the operation
//   completes: the domain is left as it was.
//
// Remove (device_*_remove) and destroy (device_*_destroy):
//   online=0 and Closing are written; the backend has 10 s to reach
//   Closed. remove: if it does not, the frontend is removed and it gets 10
//   s more (libxl's FORCE_AUTO); destroy removes the frontend at once. Then
//   the script's remove runs (also when forced: unlike libxl, a forced
//   removal never leaks the loop device or the vif the script made), and
//   the device's xenstore entries go. Progress: "closing", "hotplug",
//   "removed". Error::Notfound if the domain has no such device.
//
// Devices are identified by the fields libxl uses: a disk by vdev, a nic
// by devid or, when devid is -1, by mac.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <xlkit/ao.hpp>
#include <xlkit/ctx.hpp>
#include <xlkit/evgen.hpp>
#include <xlkit/progress.hpp>

namespace xlkit {

/* A disk's devid is computed from its vdev exactly as libxl does:
 * vdev_to_devid in xlkit/evgen.hpp. */

/* ---- operations ---------------------------------------------------------- */

XLKIT_API Error device_disk_add(Ctx &ctx, std::uint32_t domid, const DeviceDisk &disk, AoHow how,
                                ProgressHow progress_how = {});
XLKIT_API Error device_disk_remove(Ctx &ctx, std::uint32_t domid, const DeviceDisk &disk, AoHow how,
                                   ProgressHow progress_how = {});
XLKIT_API Error device_disk_destroy(Ctx &ctx, std::uint32_t domid, const DeviceDisk &disk, AoHow how,
                                    ProgressHow progress_how = {});
/* nic is completed at initiation, as libxl does: a devid of -1 becomes the
 * next free one, a zero mac a generated one (00:16:3e + 3 random bytes). */
XLKIT_API Error device_nic_add(Ctx &ctx, std::uint32_t domid, DeviceNic *nic, AoHow how,
                               ProgressHow progress_how = {});
XLKIT_API Error device_nic_remove(Ctx &ctx, std::uint32_t domid, const DeviceNic &nic, AoHow how,
                                  ProgressHow progress_how = {});
XLKIT_API Error device_nic_destroy(Ctx &ctx, std::uint32_t domid, const DeviceNic &nic, AoHow how,
                                   ProgressHow progress_how = {});

/* ---- quick calls: what xenstore says ------------------------------------- */

/* The domain's disks / nics, in devid order, read back from the backend
 * entries (target, vdev, mode, cdrom; mac, bridge, ip, ...). */
XLKIT_API Error device_disk_list(Ctx &ctx, std::uint32_t domid, std::vector<DeviceDisk> *out);
XLKIT_API Error device_nic_list(Ctx &ctx, std::uint32_t domid, std::vector<DeviceNic> *out);
/* One device's state (xl block-list / network-list); Error::Notfound if
 * the domain has no such device. */
XLKIT_API Error device_disk_getinfo(Ctx &ctx, std::uint32_t domid, const DeviceDisk &disk, Diskinfo *out);
XLKIT_API Error device_nic_getinfo(Ctx &ctx, std::uint32_t domid, const DeviceNic &nic, Nicinfo *out);

/* ---- completion-token forms ---------------------------------------------- */

#define XLKIT_DEVICE_TOKEN_FORM(fn, Dev)                                                                   \
    template <class Token = use_sync_t>                                                                    \
    auto fn(Ctx &ctx, std::uint32_t domid, Dev dev, Token &&token = {}, ProgressHow progress_how = {}) {  \
        return initiate(std::forward<Token>(token),                                                        \
                        [&ctx, domid, dev, ph = std::make_shared<ProgressHow>(std::move(progress_how))](  \
                            AoHow how) { return fn(ctx, domid, dev, std::move(how), std::move(*ph)); });   \
    }
XLKIT_DEVICE_TOKEN_FORM(device_disk_add, const DeviceDisk &)
XLKIT_DEVICE_TOKEN_FORM(device_disk_remove, const DeviceDisk &)
XLKIT_DEVICE_TOKEN_FORM(device_disk_destroy, const DeviceDisk &)
XLKIT_DEVICE_TOKEN_FORM(device_nic_add, DeviceNic *)
XLKIT_DEVICE_TOKEN_FORM(device_nic_remove, const DeviceNic &)
XLKIT_DEVICE_TOKEN_FORM(device_nic_destroy, const DeviceNic &)
#undef XLKIT_DEVICE_TOKEN_FORM

} // namespace xlkit
