// xl's cpuid, "host,FEATURE=VALUE,..." and the list form
// "LEAF[,SUBLEAF]:REG=BITS,...", as CPUID bits (xen/cpuid_policy.hpp).
#include <gtest/gtest.h>

#include "xen/cpuid_policy.hpp"

namespace {

using namespace xlkit::detail;

TEST(CpuidPolicyTest, HostWithFeaturesGivesTheirLeafRegisterAndBit) {
    std::vector<CpuidBit> bits;
    std::string why;
    ASSERT_TRUE(parse_cpuid_policy("host,rdtscp=0,x2apic=1,avx2=k", &bits, &why)) << why;
    ASSERT_EQ(bits.size(), 3u);
    EXPECT_EQ(bits[0].leaf, 0x80000001u);
    EXPECT_EQ(bits[0].subleaf, UINT32_MAX);
    EXPECT_EQ(bits[0].reg, 3u);  // edx
    EXPECT_EQ(bits[0].bit, 27u);
    EXPECT_EQ(bits[0].value, '0');
    EXPECT_EQ(bits[1].leaf, 1u);
    EXPECT_EQ(bits[1].reg, 2u);  // ecx
    EXPECT_EQ(bits[1].bit, 21u);
    EXPECT_EQ(bits[1].value, '1');
    EXPECT_EQ(bits[2].leaf, 7u);
    EXPECT_EQ(bits[2].subleaf, 0u);
    EXPECT_EQ(bits[2].value, 'k');
}

TEST(CpuidPolicyTest, HostAloneForcesNothing) {
    std::vector<CpuidBit> bits;
    std::string why;
    EXPECT_TRUE(parse_cpuid_policy("host", &bits, &why)) << why;
    EXPECT_TRUE(bits.empty());
}

TEST(CpuidPolicyTest, BadItemsAreNamed) {
    std::vector<CpuidBit> bits;
    std::string why;
    EXPECT_FALSE(parse_cpuid_policy("host,warp=1", &bits, &why));
    EXPECT_NE(why.find("unknown feature 'warp'"), std::string::npos) << why;
    EXPECT_NE(why.find("rdtscp"), std::string::npos) << "lists the known names: " << why;
    EXPECT_FALSE(parse_cpuid_policy("host,rdtscp=2", &bits, &why));
    EXPECT_NE(why.find("rdtscp: '2' is not 0, 1, x, k or s"), std::string::npos) << why;
    EXPECT_FALSE(parse_cpuid_policy("host,rdtscp", &bits, &why));
    EXPECT_NE(why.find("'rdtscp' is not FEATURE=VALUE"), std::string::npos) << why;
    EXPECT_FALSE(parse_cpuid_policy("rdtscp=0,host", &bits, &why));
    EXPECT_NE(why.find("'host' must come first"), std::string::npos) << why;
    EXPECT_FALSE(parse_cpuid_policy("host,,rdtscp=0", &bits, &why));
    EXPECT_TRUE(bits.empty()) << "nothing appended on failure";
}

// The list form: every letter of a named register, bit 31 first.
TEST(CpuidPolicyTest, ListItemGivesAllThirtyTwoBitsOfEachRegisterItNames) {
    std::vector<CpuidBit> bits;
    std::string why;
    ASSERT_TRUE(parse_cpuid_policy("0x80000001:edx=xxxx0xxxxxxxxxxxxxxxxxxxxxxxxxx1,ecx=kxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxs",
                                   &bits, &why))
        << why;
    ASSERT_EQ(bits.size(), 64u);
    for (const CpuidBit &b : bits) {
        EXPECT_EQ(b.leaf, 0x80000001u);
        EXPECT_EQ(b.subleaf, UINT32_MAX) << "no subleaf given";
    }
    auto at = [&](unsigned reg, unsigned bit) {
        for (const CpuidBit &b : bits)
            if (b.reg == reg && b.bit == bit) return b.value;
        return '?';
    };
    EXPECT_EQ(at(3, 27), '0');  // edx bit 27: rdtscp
    EXPECT_EQ(at(3, 0), '1');
    EXPECT_EQ(at(3, 31), 'x');
    EXPECT_EQ(at(2, 31), 'k');
    EXPECT_EQ(at(2, 0), 's');
    EXPECT_EQ(at(2, 5), 'x');
}

TEST(CpuidPolicyTest, ListItemsTakeSubleavesAndDecimalOrHexNumbers) {
    std::vector<CpuidBit> bits;
    std::string why;
    ASSERT_TRUE(parse_cpuid_policy("7,0:ebx=xxxxxxxxxxxxxxxxxxxxxxxxxx0xxxxx;0xd,1:eax=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0",
                                   &bits, &why))
        << why;
    ASSERT_EQ(bits.size(), 64u);
    EXPECT_EQ(bits[0].leaf, 7u);
    EXPECT_EQ(bits[0].subleaf, 0u);
    EXPECT_EQ(bits[0].reg, 1u);
    EXPECT_EQ(bits[31 - 5].bit, 5u);  // avx2
    EXPECT_EQ(bits[31 - 5].value, '0');
    EXPECT_EQ(bits[32].leaf, 0xdu);
    EXPECT_EQ(bits[32].subleaf, 1u);
    EXPECT_EQ(bits[32].reg, 0u);
}

TEST(CpuidPolicyTest, XendFormOfTheBitsIsWhatLibxenguestIsGiven) {
    std::vector<CpuidBit> bits;
    std::string why;
    ASSERT_TRUE(parse_cpuid_policy("host,rdtscp=0,x2apic=1,avx2=k", &bits, &why)) << why;
    EXPECT_EQ(cpuid_policy_xend(bits),
              "0x80000001:edx=xxxx0xxxxxxxxxxxxxxxxxxxxxxxxxxx;"
              "0x1:ecx=xxxxxxxxxx1xxxxxxxxxxxxxxxxxxxxx;"
              "0x7,0:ebx=xxxxxxxxxxxxxxxxxxxxxxxxxxkxxxxx");
    // The list form reads back what it renders; a later item for the same
    // register replaces the earlier one.
    std::vector<CpuidBit> again;
    ASSERT_TRUE(parse_cpuid_policy(cpuid_policy_xend(bits), &again, &why)) << why;
    EXPECT_EQ(cpuid_policy_xend(again), cpuid_policy_xend(bits));
    std::vector<CpuidBit> twice;
    ASSERT_TRUE(parse_cpuid_policy("0x1:ecx=1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx;0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0",
                                   &twice, &why))
        << why;
    EXPECT_EQ(cpuid_policy_xend(twice), "0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0");
    EXPECT_EQ(cpuid_policy_xend({}), "");
}

TEST(CpuidPolicyTest, ListItemWithNoRegisterForcesNothing) {
    // As libxl: "LEAF:" names no register.
    std::vector<CpuidBit> bits;
    std::string why;
    EXPECT_TRUE(parse_cpuid_policy("0x1:", &bits, &why)) << why;
    EXPECT_TRUE(bits.empty());
}

TEST(CpuidPolicyTest, BadListItemsAreNamedWithTheirNumber) {
    const std::string ok = "0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0";
    struct {
        std::string in, want;
    } cases[] = {
        {"leaf:eax=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "item 1 'leaf:eax=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx': the leaf is not a 32-bit number"},
        {ok + ";-1:eax=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "item 2 '-1:eax=", },
        {"0x100000000:eax=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "the leaf is not a 32-bit number"},
        {"7,z:ebx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "the subleaf is not a 32-bit number"},
        {"7;ebx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx:", "item 1 '7': no ':' after the leaf"},
        {"7 :ebx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "no ':' after the leaf"},
        {"0x1:efx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "'efx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is not REG=BITS with REG one of eax, ebx, ecx, edx"},
        {"0x1:ecx", "'ecx' is not REG=BITS"},
        {"0x1:ecx=xxxx", "ecx: 4 letters, not 32 (one per bit, bit 31 first)"},
        {"0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ecx: 33 letters, not 32"},
        {"0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx2", "ecx: '2' (bit 0) is not 0, 1, x, k or s"},
        {"0x1:edx=Xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "edx: 'X' (bit 31) is not 0, 1, x, k or s"},
        {ok + ";;" + ok, "item 2 '': empty"},
        {ok + ";", "item 2 '': empty"},
    };
    for (const auto &c : cases) {
        std::vector<CpuidBit> bits;
        std::string why;
        EXPECT_FALSE(parse_cpuid_policy(c.in, &bits, &why)) << c.in;
        EXPECT_NE(why.find(c.want), std::string::npos) << c.in << " gave: " << why;
        EXPECT_TRUE(bits.empty()) << "nothing appended on failure: " << c.in;
    }
}

} // namespace
