// xlkit/config_json.hpp: a domain's configuration as libxl 4.17's
// libxl_domain_config JSON (libxl_domain_config_to_json's shape: "c_info",
// "b_info" with its "type.pv" / "type.pvh" union, "disks", "nics",
// "on_poweroff", ...). It is what xl writes into a save file's header and
// into /var/lib/xen/userdata-d.DOMID.UUID.libxl-json (which `xl list -l`
// shows and `xl save` reads), so files and running domains move between
// xl and xlkit both ways.
//
// Only the keys xlkit's DomainConfig has are written; on reading, keys
// xlkit does not know are ignored (xl writes many, mostly defaults) unless
// ignoring them would build a different guest (an HVM type, a device model,
// a PV shim): those are Error::Inval, naming the key.
#pragma once

#include <string>
#include <string_view>

#include <xlkit/error.hpp>
#include <xlkit/export.h>
#include <xlkit/types.hpp>

namespace xlkit {

/* cfg as libxl_domain_config JSON, for a domain whose uuid is uuid. Devices
 * are written with the defaults libxl fills in (a nic's bridge "xenbr0",
 * script "vif-bridge", ...) where cfg leaves them empty, as libxl's own
 * JSON of a running domain has them. */
XLKIT_API std::string domain_config_to_libxl_json(const DomainConfig &cfg, const Uuid &uuid);

/* The reverse (trailing NULs, which libxl's stored files end with, are
 * ignored): Success and *cfg (and *uuid, all zero if the JSON has none),
 * or Error::Inval with *why naming the key and what is wrong with it
 * ("b_info.max_memkb: not a number"); *cfg is then unspecified. */
XLKIT_API Error domain_config_from_libxl_json(std::string_view json, DomainConfig *cfg, Uuid *uuid,
                                              std::string *why);

} // namespace xlkit
