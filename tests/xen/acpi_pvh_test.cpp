// The ACPI tables of a PVH guest (xen/acpi_pvh.h), byte by byte: the
// signatures, lengths, checksums and pointers a guest's ACPI code checks.
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "xen/acpi_pvh.h"

namespace {

constexpr std::uint64_t kBase = 0xfc000000;

std::uint64_t le(const std::uint8_t *p, unsigned n) {
    std::uint64_t v = 0;
    for (unsigned i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
}

struct Tables {
    std::vector<std::uint8_t> buf = std::vector<std::uint8_t>(16 * 4096, 0xaa);
    std::uint8_t rsdp[XLKIT_ACPI_RSDP_LEN] = {};
    int used = 0;
    explicit Tables(std::uint32_t vcpus) {
        used = xlkit_acpi_pvh_build(vcpus, kBase, buf.data(), buf.size(), rsdp);
    }
    // The table at guest address gpa.
    const std::uint8_t *at(std::uint64_t gpa) const { return buf.data() + (gpa - kBase); }
    bool inside(std::uint64_t gpa, std::uint64_t len) const {
        return gpa >= kBase && gpa - kBase + len <= std::uint64_t(used);
    }
};

std::string sig(const std::uint8_t *t) { return std::string(reinterpret_cast<const char *>(t), 4); }

// A table's header is sound: its signature, its length inside the buffer,
// its bytes summing to zero.
::testing::AssertionResult sound_table(const Tables &t, std::uint64_t gpa, const char *want) {
    if (!t.inside(gpa, 36)) return ::testing::AssertionFailure() << want << " header outside the tables";
    const std::uint8_t *p = t.at(gpa);
    std::uint64_t len = le(p + 4, 4);
    if (sig(p) != want) return ::testing::AssertionFailure() << "signature " << sig(p) << ", not " << want;
    if (!t.inside(gpa, len)) return ::testing::AssertionFailure() << want << " length " << len << " runs past the tables";
    if (xlkit_acpi_sum(p, len) != 0) return ::testing::AssertionFailure() << want << " checksum is wrong";
    if (std::memcmp(p + 10, "Xen   ", 6) != 0) return ::testing::AssertionFailure() << want << " OEM id";
    return ::testing::AssertionSuccess();
}

TEST(AcpiPvhTest, RsdpHasBothChecksumsAndPointsAtTheXsdt) {
    Tables t(1);
    ASSERT_GT(t.used, 0);
    EXPECT_EQ(std::memcmp(t.rsdp, "RSD PTR ", 8), 0);
    EXPECT_EQ(xlkit_acpi_sum(t.rsdp, 20), 0) << "ACPI 1.0 checksum (first 20 bytes)";
    EXPECT_EQ(xlkit_acpi_sum(t.rsdp, 36), 0) << "extended checksum (all 36 bytes)";
    EXPECT_EQ(t.rsdp[15], 2) << "revision 2: the XSDT is used";
    EXPECT_EQ(le(t.rsdp + 20, 4), 36u);
    EXPECT_TRUE(sound_table(t, le(t.rsdp + 24, 8), "XSDT"));
}

TEST(AcpiPvhTest, XsdtListsTheFadtAndTheMadt) {
    Tables t(2);
    const std::uint64_t xsdt = le(t.rsdp + 24, 8);
    ASSERT_TRUE(sound_table(t, xsdt, "XSDT"));
    const std::uint8_t *x = t.at(xsdt);
    ASSERT_EQ(le(x + 4, 4), 36u + 2 * 8);
    EXPECT_TRUE(sound_table(t, le(x + 36, 8), "FACP"));
    EXPECT_TRUE(sound_table(t, le(x + 44, 8), "APIC"));
}

TEST(AcpiPvhTest, FadtIsRevision5HardwareReducedAndPointsAtTheDsdt) {
    Tables t(1);
    const std::uint64_t fadt = le(t.at(le(t.rsdp + 24, 8)) + 36, 8);
    ASSERT_TRUE(sound_table(t, fadt, "FACP"));
    const std::uint8_t *f = t.at(fadt);
    EXPECT_EQ(le(f + 4, 4), 268u) << "the ACPI 5.0 FADT's length";
    EXPECT_EQ(f[8], 5);
    EXPECT_NE(le(f + 112, 4) & (1u << 20), 0u) << "HW_REDUCED_ACPI";
    EXPECT_EQ(le(f + 36, 4), 0u) << "no FACS";
    EXPECT_EQ(le(f + 46, 2), 0u) << "no SCI";
    EXPECT_EQ(le(f + 56, 4), 0u) << "no PM1a event block";
    EXPECT_EQ(le(f + 109, 2), (1u << 2) | (1u << 5)) << "no VGA, no CMOS RTC";
    EXPECT_EQ(le(f + 40, 4), le(f + 140, 8)) << "DSDT and X_DSDT agree";
    EXPECT_TRUE(sound_table(t, le(f + 140, 8), "DSDT"));
    EXPECT_EQ(le(t.at(le(f + 140, 8)) + 4, 4), 36u) << "an empty DSDT: a header, no AML";
}

TEST(AcpiPvhTest, MadtHasOneEnabledLocalApicPerVcpuNumberedAsXenDoes) {
    for (std::uint32_t n : {1u, 2u, 7u, 128u}) {
        Tables t(n);
        ASSERT_GT(t.used, 0) << n << " vcpus";
        const std::uint64_t madt = le(t.at(le(t.rsdp + 24, 8)) + 44, 8);
        ASSERT_TRUE(sound_table(t, madt, "APIC")) << n << " vcpus";
        const std::uint8_t *m = t.at(madt);
        ASSERT_EQ(le(m + 4, 4), 44u + 8u * n);
        EXPECT_EQ(le(m + 36, 4), 0xfee00000u);
        for (std::uint32_t i = 0; i < n; ++i) {
            const std::uint8_t *l = m + 44 + 8 * i;
            EXPECT_EQ(l[0], 0) << "processor local APIC";
            EXPECT_EQ(l[1], 8);
            EXPECT_EQ(l[2], i) << "processor id";
            EXPECT_EQ(l[3], 2 * i) << "APIC id";
            EXPECT_EQ(le(l + 4, 4), 1u) << "enabled";
        }
    }
}

TEST(AcpiPvhTest, TablesFitTheirBufferOrTheCallFails) {
    std::vector<std::uint8_t> small(64);
    std::uint8_t rsdp[XLKIT_ACPI_RSDP_LEN];
    EXPECT_EQ(xlkit_acpi_pvh_build(1, kBase, small.data(), small.size(), rsdp), -ENOSPC);
    std::vector<std::uint8_t> buf(4096);
    EXPECT_EQ(xlkit_acpi_pvh_build(0, kBase, buf.data(), buf.size(), rsdp), -EINVAL);
    EXPECT_EQ(xlkit_acpi_pvh_build(XLKIT_ACPI_MAX_VCPUS + 1, kBase, buf.data(), buf.size(), rsdp), -EINVAL);
    Tables t(XLKIT_ACPI_MAX_VCPUS);
    EXPECT_GT(t.used, 0);
    EXPECT_LE(t.used, 2 * 4096) << "128 vcpus' tables fit in two pages";
}

} // namespace
