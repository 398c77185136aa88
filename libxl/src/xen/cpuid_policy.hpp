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

#include <string>
#include <vector>

#include "xen/hypervisor.hpp"

namespace xlkit::detail {

/* Appends the bits s forces to *out; false with *why naming the item (and
 * nothing appended). */
bool parse_cpuid_policy(const std::string &s, std::vector<CpuidBit> *out, std::string *why);

/* bits in the list form ("0x80000001:edx=xxxx0xxx...;..."), one item per
 * leaf and subleaf in order of first mention, a register's unforced bits
 * 'x': what libxenguest is given. Empty for no bits. */
std::string cpuid_policy_xend(const std::vector<CpuidBit> &bits);

/* The feature names parse_cpuid_policy knows, in table order. */
std::vector<std::string> cpuid_feature_names();

} // namespace xlkit::detail
