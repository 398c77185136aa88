// libxl_json.hpp: a domain's configuration as libxl_domain_config's JSON
// (libxl_domain_config_to_json's shape: c_info, b_info with the "type.pv"
// union, on_poweroff...), which is what xl puts in a save file and reads
// back on restore.
#pragma once

#include <string>

#include <xlkit/types.hpp>

namespace xlcli {

/* cfg's keys that xlkit supports, in libxl's names; uuid: the domain's. */
std::string libxl_config_json(const xlkit::DomainConfig &cfg, const xlkit::Uuid &uuid);

} // namespace xlcli
