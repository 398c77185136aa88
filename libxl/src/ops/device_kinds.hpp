// What each device kind adds to the generic machinery (ops/device.hpp):
// checking a spec and turning it into entries (prepare), and finding an
// existing device (locate). Layer 4.
#pragma once

#include <cstdint>

#include "ops/device.hpp"
#include "ops/stacks.hpp"
#include <xlkit/types.hpp>

namespace xlkit::detail {

/* Checks disk (the log names the device and what is wrong: Inval) and
 * fills a's address, label, entries and script. a.wait_connected is the
 * caller's. */
Error disk_prepare(Egc &egc, XenStacks &s, std::uint32_t domid, const DeviceDisk &disk, DevAdd *a);
/* Checks nic and completes it as libxl does (devid, mac), then as above.
 * taken: devids already promised to other nics of the same domain in this
 * operation (create adds them in parallel). */
Error nic_prepare(Egc &egc, XenStacks &s, std::uint32_t domid, DeviceNic *nic, DevAdd *a,
                  const std::vector<int> &taken = {});

/* The address and label of the domain's disk with disk.vdev / nic with
 * nic.devid (or, devid -1, nic.mac); Error::Notfound (logged) if none. */
Error disk_locate(Egc &egc, XenStacks &s, std::uint32_t domid, const DeviceDisk &disk, DevAddr *addr,
                  std::string *label);
Error nic_locate(Egc &egc, XenStacks &s, std::uint32_t domid, const DeviceNic &nic, DevAddr *addr,
                 std::string *label);

} // namespace xlkit::detail
