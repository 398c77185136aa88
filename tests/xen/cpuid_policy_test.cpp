// xl's cpuid="host,FEATURE=VALUE,..." as CPUID bits (xen/cpuid_policy.hpp).
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

} // namespace
