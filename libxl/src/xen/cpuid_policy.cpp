// cpuid_policy: see cpuid_policy.hpp. Leaf, register and bit of each name
// as Xen's public/arch-x86/cpufeatureset.h numbers them.
#include "xen/cpuid_policy.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace xlkit::detail {

namespace {

enum : unsigned { Eax = 0, Ebx = 1, Ecx = 2, Edx = 3 };
constexpr std::uint32_t kNoSub = UINT32_MAX;

struct Feature {
    const char *name;
    std::uint32_t leaf, subleaf;
    unsigned reg, bit;
};

constexpr Feature kFeatures[] = {
    // leaf 1, ecx
    {"sse3", 0x1, kNoSub, Ecx, 0}, {"pclmulqdq", 0x1, kNoSub, Ecx, 1}, {"vmx", 0x1, kNoSub, Ecx, 5},
    {"est", 0x1, kNoSub, Ecx, 7}, {"ssse3", 0x1, kNoSub, Ecx, 9}, {"fma", 0x1, kNoSub, Ecx, 12},
    {"cx16", 0x1, kNoSub, Ecx, 13}, {"pcid", 0x1, kNoSub, Ecx, 17}, {"sse4_1", 0x1, kNoSub, Ecx, 19},
    {"sse4_2", 0x1, kNoSub, Ecx, 20}, {"x2apic", 0x1, kNoSub, Ecx, 21}, {"movbe", 0x1, kNoSub, Ecx, 22},
    {"popcnt", 0x1, kNoSub, Ecx, 23}, {"tsc-deadline", 0x1, kNoSub, Ecx, 24}, {"aes", 0x1, kNoSub, Ecx, 25},
    {"xsave", 0x1, kNoSub, Ecx, 26}, {"avx", 0x1, kNoSub, Ecx, 28}, {"f16c", 0x1, kNoSub, Ecx, 29},
    {"rdrand", 0x1, kNoSub, Ecx, 30}, {"hypervisor", 0x1, kNoSub, Ecx, 31},
    // leaf 1, edx
    {"fpu", 0x1, kNoSub, Edx, 0}, {"tsc", 0x1, kNoSub, Edx, 4}, {"msr", 0x1, kNoSub, Edx, 5},
    {"pae", 0x1, kNoSub, Edx, 6}, {"apic", 0x1, kNoSub, Edx, 9}, {"mtrr", 0x1, kNoSub, Edx, 12},
    {"pge", 0x1, kNoSub, Edx, 13}, {"pat", 0x1, kNoSub, Edx, 16}, {"pse36", 0x1, kNoSub, Edx, 17},
    {"clflush", 0x1, kNoSub, Edx, 19}, {"mmx", 0x1, kNoSub, Edx, 23}, {"sse", 0x1, kNoSub, Edx, 25},
    {"sse2", 0x1, kNoSub, Edx, 26}, {"htt", 0x1, kNoSub, Edx, 28},
    // leaf 7 subleaf 0, ebx and ecx
    {"fsgsbase", 0x7, 0, Ebx, 0}, {"tsc_adjust", 0x7, 0, Ebx, 1}, {"bmi1", 0x7, 0, Ebx, 3},
    {"hle", 0x7, 0, Ebx, 4}, {"avx2", 0x7, 0, Ebx, 5}, {"smep", 0x7, 0, Ebx, 7}, {"bmi2", 0x7, 0, Ebx, 8},
    {"erms", 0x7, 0, Ebx, 9}, {"invpcid", 0x7, 0, Ebx, 10}, {"rtm", 0x7, 0, Ebx, 11},
    {"avx512f", 0x7, 0, Ebx, 16}, {"rdseed", 0x7, 0, Ebx, 18}, {"adx", 0x7, 0, Ebx, 19},
    {"smap", 0x7, 0, Ebx, 20}, {"clflushopt", 0x7, 0, Ebx, 23}, {"sha", 0x7, 0, Ebx, 29},
    {"umip", 0x7, 0, Ecx, 2}, {"pku", 0x7, 0, Ecx, 3}, {"la57", 0x7, 0, Ecx, 16}, {"rdpid", 0x7, 0, Ecx, 22},
    // extended leaves
    {"lahfsahf", 0x80000001, kNoSub, Ecx, 0}, {"svm", 0x80000001, kNoSub, Ecx, 2},
    {"abm", 0x80000001, kNoSub, Ecx, 5}, {"sse4a", 0x80000001, kNoSub, Ecx, 6},
    {"syscall", 0x80000001, kNoSub, Edx, 11}, {"nx", 0x80000001, kNoSub, Edx, 20},
    {"page1gb", 0x80000001, kNoSub, Edx, 26}, {"rdtscp", 0x80000001, kNoSub, Edx, 27},
    {"lm", 0x80000001, kNoSub, Edx, 29}, {"invtsc", 0x80000007, kNoSub, Edx, 8},
};

} // namespace

std::vector<std::string> cpuid_feature_names() {
    std::vector<std::string> v;
    for (const Feature &f : kFeatures) v.push_back(f.name);
    return v;
}

namespace {

constexpr const char *kRegNames[] = {"eax", "ebx", "ecx", "edx"};

bool parse_feature_form(const std::string &s, std::vector<CpuidBit> *bits, std::string *why) {
    std::size_t i = 0;
    bool first = true;
    while (i <= s.size()) {
        std::size_t j = s.find(',', i);
        if (j == std::string::npos) j = s.size();
        std::string item = s.substr(i, j - i);
        i = j + 1;
        if (item.empty()) {
            *why = "an empty item (cpuid = \"host,FEATURE=VALUE,...\")";
            return false;
        }
        if (item == "host") {
            if (!first) {
                *why = "'host' must come first";
                return false;
            }
            first = false;
            continue;
        }
        first = false;
        std::size_t eq = item.find('=');
        if (eq == std::string::npos) {
            *why = "'" + item + "' is not FEATURE=VALUE";
            return false;
        }
        std::string name = item.substr(0, eq), val = item.substr(eq + 1);
        const Feature *f = nullptr;
        for (const Feature &k : kFeatures)
            if (name == k.name) f = &k;
        if (!f) {
            *why = "unknown feature '" + name + "' (known: ";
            for (const Feature &k : kFeatures) *why += std::string(&k == kFeatures ? "" : " ") + k.name;
            *why += ")";
            return false;
        }
        if (val.size() != 1 || std::strchr("01xks", val[0]) == nullptr) {
            *why = name + ": '" + val + "' is not 0, 1, x, k or s";
            return false;
        }
        bits->push_back(CpuidBit{f->leaf, f->subleaf, f->reg, f->bit, val[0]});
    }
    return true;
}

/* A leaf or subleaf number of the list form: as strtoul(s, &end, 0) reads
 * it (libxl's parser), but digits first (no sign, no blanks) and 32 bits. */
bool parse_leaf_number(const std::string &item, std::size_t *at, std::uint32_t *out) {
    const char *p = item.c_str() + *at;
    if (!std::isdigit(static_cast<unsigned char>(*p))) return false;
    errno = 0;
    char *end = nullptr;
    unsigned long long v = std::strtoull(p, &end, 0);
    if (errno || v > UINT32_MAX) return false;
    *at += std::size_t(end - p);
    *out = std::uint32_t(v);
    return true;
}

/* One list-form item; *why without the item's name (the caller adds it). */
bool parse_xend_item(const std::string &item, std::vector<CpuidBit> *bits, std::string *why) {
    std::size_t at = 0;
    std::uint32_t leaf = 0, subleaf = UINT32_MAX;
    if (!parse_leaf_number(item, &at, &leaf)) {
        *why = "the leaf is not a 32-bit number (LEAF[,SUBLEAF]:REG=BITS,...)";
        return false;
    }
    if (at < item.size() && item[at] == ',') {
        ++at;
        if (!parse_leaf_number(item, &at, &subleaf)) {
            *why = "the subleaf is not a 32-bit number (LEAF[,SUBLEAF]:REG=BITS,...)";
            return false;
        }
    }
    if (at >= item.size() || item[at] != ':') {
        *why = "no ':' after the leaf (LEAF[,SUBLEAF]:REG=BITS,...)";
        return false;
    }
    ++at;
    // As libxl: nothing after the ':' names no register and forces nothing.
    while (at < item.size()) {
        std::size_t j = item.find(',', at);
        if (j == std::string::npos) j = item.size();
        std::string reg = item.substr(at, j - at);
        at = j + 1;
        std::size_t eq = reg.find('=');
        unsigned r = 4;
        for (unsigned k = 0; k < 4; ++k)
            if (reg.compare(0, eq, kRegNames[k]) == 0 && eq == 3) r = k;
        if (eq == std::string::npos || r == 4) {
            *why = "'" + reg + "' is not REG=BITS with REG one of eax, ebx, ecx, edx";
            return false;
        }
        std::string v = reg.substr(eq + 1);
        if (v.size() != 32) {
            *why = std::string(kRegNames[r]) + ": " + std::to_string(v.size()) +
                   " letters, not 32 (one per bit, bit 31 first)";
            return false;
        }
        for (unsigned k = 0; k < 32; ++k) {
            if (std::strchr("01xks", v[k]) == nullptr || v[k] == 0) {
                *why = std::string(kRegNames[r]) + ": '" + std::string(1, v[k]) + "' (bit " + std::to_string(31 - k) +
                       ") is not 0, 1, x, k or s";
                return false;
            }
        }
        for (unsigned k = 0; k < 32; ++k) bits->push_back(CpuidBit{leaf, subleaf, r, 31 - k, v[k]});
    }
    return true;
}

bool parse_list_form(const std::string &s, std::vector<CpuidBit> *bits, std::string *why) {
    std::size_t i = 0;
    for (unsigned n = 1; i <= s.size(); ++n) {
        std::size_t j = s.find(';', i);
        if (j == std::string::npos) j = s.size();
        std::string item = s.substr(i, j - i);
        i = j + 1;
        std::string w;
        if (!item.empty() && parse_xend_item(item, bits, &w)) continue;
        if (item.empty()) w = "empty (each item is LEAF[,SUBLEAF]:REG=BITS,...)";
        *why = "item " + std::to_string(n) + " '" + item + "': " + w;
        return false;
    }
    return true;
}

} // namespace

bool parse_cpuid_policy(const std::string &s, std::vector<CpuidBit> *out, std::string *why) {
    std::vector<CpuidBit> bits;
    bool ok = s.find(':') != std::string::npos ? parse_list_form(s, &bits, why) : parse_feature_form(s, &bits, why);
    if (!ok) return false;
    out->insert(out->end(), bits.begin(), bits.end());
    return true;
}

std::vector<CpuidLeafPolicy> cpuid_policy_leaves(const std::vector<CpuidBit> &bits) {
    std::vector<CpuidLeafPolicy> items;
    for (const CpuidBit &b : bits) {
        auto it = std::find_if(items.begin(), items.end(),
                               [&](const CpuidLeafPolicy &i) { return i.leaf == b.leaf && i.subleaf == b.subleaf; });
        if (it == items.end()) {
            CpuidLeafPolicy l;
            l.leaf = b.leaf;
            l.subleaf = b.subleaf;
            it = items.insert(items.end(), std::move(l));
        }
        std::string &r = it->regs[b.reg & 3];
        if (r.empty()) r.assign(32, 'x');
        r[31 - (b.bit & 31)] = b.value;
    }
    return items;
}

std::string cpuid_leaves_xend(const std::vector<CpuidLeafPolicy> &items) {
    std::string s;
    char num[32];
    for (const CpuidLeafPolicy &i : items) {
        if (!s.empty()) s += ';';
        std::snprintf(num, sizeof num, "%#x", i.leaf);
        s += num;
        if (i.subleaf != UINT32_MAX) {
            std::snprintf(num, sizeof num, ",%u", i.subleaf);
            s += num;
        }
        s += ':';
        bool first = true;
        for (unsigned r = 0; r < 4; ++r) {
            if (i.regs[r].empty()) continue;
            s += std::string(first ? "" : ",") + kRegNames[r] + "=" + i.regs[r];
            first = false;
        }
    }
    return s;
}

} // namespace xlkit::detail
