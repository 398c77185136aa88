// The native path for Xen's own `block` hotplug script: what the script
// does for a phy disk (a raw file through a loop device, or a block
// device), done by xlkit in-process. Layer 4.
//
// Why: under emulation each run of the script costs seconds (bash, losetup,
// xenstore-read/-write processes), and it holds a host-wide lock
// (locking.sh's claim_lock "block"), so attaching 16 disks takes 16 script
// runs one after the other. The native path is a handful of ioctls and one
// xenstore transaction: milliseconds, and parallel.
//
// It is used only where it is equivalent: the disk names no script of its
// own and the script would be Xen's /etc/xen/scripts/block. Any other script
// (script=, a different hotplug directory such as the sim host's) runs as
// a child as before. XLKIT_NATIVE_HOTPLUG=0 turns it off (to compare, or
// to fall back to the script).
//
// add (lock held; synchronous): the backend's params must be a block
// device (physical-device = MAJ:MIN in hex) or a regular file, not in use
// read-write by another vbd (or read-write here while in use elsewhere) -
// the script's check_sharing - then a free loop device is bound to the
// file (read-only for mode r, named after the file so losetup -a shows
// it): node, physical-device (7:N), physical-device-path. Then
// hotplug-status connected. Failures write hotplug-error and
// hotplug-status error, as the script's fatal does, and return
// Error::Fail with *why.
// remove: the loop device recorded in node is released (if blkback still
// holds it, the kernel frees it when blkback lets go, as losetup -d does).
#pragma once

#include <string>

#include "ops/device.hpp"
#include "ops/stacks.hpp"

namespace xlkit::detail {

/* Is `script` (an absolute path) Xen's block script, so the native path
 * may replace it? */
bool native_block_applies(const DevAddr &a, const std::string &script);

Error native_block_add(Egc &egc, XenStacks &s, const DevAddr &a, std::string *why);
void native_block_remove(Egc &egc, XenStacks &s, const DevAddr &a);

} // namespace xlkit::detail
