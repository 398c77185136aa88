// cpuid_policy: xl's cpuid setting as the CPUID bits it forces (xl.cfg(5)
// "cpuid"; libxl_cpuid_parse_config and libxl_cpuid_parse_config_xend).
// Layer 3. Two forms, as in xl.cfg:
//
// The feature form, "host,FEATURE=VALUE,...": "host" is the host's default
// policy for the guest type and is implied; each FEATURE is a name of Xen's
// feature set (rdtscp, x2apic, avx, ...: the names `xen-cpuid` prints, with
// libxl's own aliases) and VALUE is 0 or 1 (force), x (default), k (the
// host's value) or s (as k, kept across migration).
//
// The list form (xl's cpuid = [ "...", ... ], libxl's xend syntax): one item
// per leaf, "LEAF[,SUBLEAF]:REG=BITS,REG=BITS,...", LEAF and SUBLEAF numbers
// as C writes them (0x80000001, 7), REG one of eax ebx ecx edx, BITS 32
// letters of 0 1 x k s, the first for bit 31. A register an item names is
// wholly replaced (its 'x' bits take the default policy's value); a later
// item for the same leaf and register wins. In DomainConfig::cpuid the
// items are joined by ';' (which neither form uses); a string is in the
// list form when it has a ':'.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xen/hypervisor.hpp"

namespace xlkit::detail {

/* Appends the bits s forces to *out; false with *why naming the item (and
 * nothing appended). */
bool parse_cpuid_policy(const std::string &s, std::vector<CpuidBit> *out, std::string *why);

/* One leaf (and subleaf) of a policy as libxl keeps it: a register's 32
 * letters (0 1 x k s, the first for bit 31), empty for a register it does
 * not force. libxl's JSON of b_info.cpuid is a list of these. */
struct CpuidLeafPolicy {
    std::uint32_t leaf = 0, subleaf = UINT32_MAX;  // UINT32_MAX: no subleaf
    std::string regs[4];                           // eax ebx ecx edx
};

/* bits by leaf and subleaf, in order of first mention, a register's
 * unforced bits 'x'. */
std::vector<CpuidLeafPolicy> cpuid_policy_leaves(const std::vector<CpuidBit> &bits);

/* leaves in the list form ("0x80000001:edx=xxxx0xxx...;..."): what
 * libxenguest is given, and what parse_cpuid_policy reads back. Empty for
 * none. */
std::string cpuid_leaves_xend(const std::vector<CpuidLeafPolicy> &leaves);
/* bits in that form. */
inline std::string cpuid_policy_xend(const std::vector<CpuidBit> &bits) {
    return cpuid_leaves_xend(cpuid_policy_leaves(bits));
}

/* The feature names parse_cpuid_policy knows, in table order. */
std::vector<std::string> cpuid_feature_names();

} // namespace xlkit::detail
