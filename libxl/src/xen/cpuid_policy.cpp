// cpuid_policy: see cpuid_policy.hpp. Leaf, register and bit of each name
// as Xen's public/arch-x86/cpufeatureset.h numbers them.
#include "xen/cpuid_policy.hpp"

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

bool parse_cpuid_policy(const std::string &s, std::vector<CpuidBit> *out, std::string *why) {
    std::vector<CpuidBit> bits;
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
        bits.push_back(CpuidBit{f->leaf, f->subleaf, f->reg, f->bit, val[0]});
    }
    out->insert(out->end(), bits.begin(), bits.end());
    return true;
}

} // namespace xlkit::detail
