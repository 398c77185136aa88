// A domain's libxl "userdata" files (libxl__userdata_store / _retrieve /
// _destroyall): LIB_DIR/userdata-d.DOMID.UUID.libxl-json holds the domain's
// configuration as libxl_domain_config JSON (xlkit/config_json.hpp). xl
// reads it for `xl list -l` and `xl save`; xlkit's create writes it, save
// reads it, destroy removes it, so a domain made by either toolstack is
// fully known to the other. LIB_DIR is XenCtx::lib_dir() (/var/lib/xen).
// Layer 4, synchronous: the files are small and local, as libxl treats them.
#pragma once

#include <cstdint>
#include <string>

#include <xlkit/error.hpp>
#include <xlkit/types.hpp>

namespace xlkit::detail {

class XenCtx;

std::string userdata_path(const XenCtx &x, std::uint32_t domid, const Uuid &uuid);

/* Writes cfg's JSON atomically (a temporary file renamed over the old one,
 * mode 0600 as libxl's), making LIB_DIR if it is missing. Fail, with the
 * reason in *why, if it cannot be written. */
Error userdata_store(const XenCtx &x, std::uint32_t domid, const Uuid &uuid, const DomainConfig &cfg,
                     std::string *why);

/* The stored configuration: Success; NotFound if there is none (a domain
 * made by an older toolstack, or dom0); Inval if it does not parse (*why
 * names the key). */
Error userdata_load(const XenCtx &x, std::uint32_t domid, const Uuid &uuid, DomainConfig *cfg, std::string *why);

/* The stored configuration's devices changed in place: every other key of
 * the file is kept as it is (a file xl wrote has many xlkit does not know).
 * kind "disks" or "nics"; entries whose devid (a disk's vdev's, a nic's
 * devid) is devid are removed, then add (if given) is appended. NotFound if
 * nothing is stored; Fail / Inval with *why. */
Error userdata_update_device(const XenCtx &x, std::uint32_t domid, const Uuid &uuid, const char *kind, int devid,
                             const DeviceDisk *add_disk, const DeviceNic *add_nic, std::string *why);

/* Every userdata file of the domain (userdata-*.DOMID.UUID.*), as libxl's
 * destroy removes them. Missing files are fine. */
void userdata_remove(const XenCtx &x, std::uint32_t domid, const Uuid &uuid);

} // namespace xlkit::detail
