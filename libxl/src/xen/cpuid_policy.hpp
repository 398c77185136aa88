// cpuid_policy: xl's cpuid="host,FEATURE=VALUE,..." string as the CPUID
// bits it forces (xl.cfg(5) "cpuid", libxl_cpuid_parse_config). Layer 3.
//
// "host" is the host's default policy for the guest type and is implied;
// each FEATURE is a name of Xen's feature set (rdtscp, x2apic, avx, ...: the
// names `xen-cpuid` prints, with libxl's own aliases) and VALUE is 0 or 1
// (force), x (default), k (the host's value) or s (as k, kept across
// migration). xl's list form (['0x1:ecx=...']) is not supported.
#pragma once

#include <string>
#include <vector>

#include "xen/hypervisor.hpp"

namespace xlkit::detail {

/* Appends the bits s forces to *out; false with *why naming the item. */
bool parse_cpuid_policy(const std::string &s, std::vector<CpuidBit> *out, std::string *why);

/* The feature names parse_cpuid_policy knows, in table order. */
std::vector<std::string> cpuid_feature_names();

} // namespace xlkit::detail
