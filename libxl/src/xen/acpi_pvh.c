/* acpi_pvh: the ACPI tables of a PVH guest (see acpi_pvh.h). Offsets and
 * lengths are the ACPI 5.0 specification's; every value little-endian. */
#include "xen/acpi_pvh.h"

#include <errno.h>
#include <string.h>

enum {
    HDR_LEN = 36,          /* every system description table's header */
    FADT_LEN = 268,        /* revision 5 */
    MADT_FIXED_LEN = 44,   /* header, local APIC address, flags */
    MADT_LAPIC_LEN = 8,    /* processor local APIC structure */
    XSDT_ENTRIES = 2,      /* FADT, MADT */
};

/* FADT fields used (offsets from the table's start). */
enum {
    FADT_DSDT = 40,
    FADT_IAPC_BOOT_ARCH = 109,
    FADT_FLAGS = 112,
    FADT_X_DSDT = 140,
};
#define FADT_FLAG_PWR_BUTTON (1u << 4)  /* no fixed-feature power button */
#define FADT_FLAG_SLP_BUTTON (1u << 5)  /* no fixed-feature sleep button */
#define FADT_FLAG_HW_REDUCED (1u << 20) /* no ACPI hardware at all */
#define BOOT_ARCH_NO_VGA (1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC (1u << 5)

static void put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v) {
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}
static void put64(uint8_t *p, uint64_t v) {
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t xlkit_acpi_sum(const uint8_t *p, size_t len) {
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++) s = (uint8_t)(s + p[i]);
    return s;
}

static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t revision) {
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = revision;
    memcpy(t + 10, "Xen   ", 6);   /* OEM id */
    memcpy(t + 16, "PVH     ", 8); /* OEM table id */
    put32(t + 24, 1);              /* OEM revision */
    memcpy(t + 28, "XLKT", 4);     /* creator id */
    put32(t + 32, 1);              /* creator revision */
}

/* Fills in the checksum (byte 9) of a table of len bytes. */
static void seal(uint8_t *t, uint32_t len) {
    t[9] = 0;
    t[9] = (uint8_t)(0u - xlkit_acpi_sum(t, len));
}

static size_t align16(size_t n) { return (n + 15) & ~(size_t)15; }

int xlkit_acpi_pvh_build(uint32_t nr_vcpus, uint64_t tables_gpa, uint8_t *buf, size_t buf_size,
                         uint8_t rsdp[XLKIT_ACPI_RSDP_LEN]) {
    if (nr_vcpus == 0 || nr_vcpus > XLKIT_ACPI_MAX_VCPUS) return -EINVAL;
    const uint32_t madt_len = MADT_FIXED_LEN + MADT_LAPIC_LEN * nr_vcpus;
    const uint32_t xsdt_len = HDR_LEN + 8 * XSDT_ENTRIES;
    const size_t dsdt_at = 0;
    const size_t fadt_at = align16(dsdt_at + HDR_LEN);
    const size_t madt_at = align16(fadt_at + FADT_LEN);
    const size_t xsdt_at = align16(madt_at + madt_len);
    const size_t used = xsdt_at + xsdt_len;
    if (!buf || used > buf_size) return -ENOSPC;
    memset(buf, 0, buf_size);

    uint8_t *dsdt = buf + dsdt_at;
    header(dsdt, "DSDT", HDR_LEN, 2);
    seal(dsdt, HDR_LEN);

    uint8_t *fadt = buf + fadt_at;
    header(fadt, "FACP", FADT_LEN, 5);
    put32(fadt + FADT_DSDT, (uint32_t)(tables_gpa + dsdt_at));
    put16(fadt + FADT_IAPC_BOOT_ARCH, BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS_RTC);
    put32(fadt + FADT_FLAGS, FADT_FLAG_HW_REDUCED | FADT_FLAG_PWR_BUTTON | FADT_FLAG_SLP_BUTTON);
    put64(fadt + FADT_X_DSDT, tables_gpa + dsdt_at);
    seal(fadt, FADT_LEN);

    uint8_t *madt = buf + madt_at;
    header(madt, "APIC", madt_len, 3);
    put32(madt + 36, XLKIT_ACPI_LAPIC_BASE);
    put32(madt + 40, 0); /* no dual 8259 PICs */
    for (uint32_t i = 0; i < nr_vcpus; i++) {
        uint8_t *l = madt + MADT_FIXED_LEN + MADT_LAPIC_LEN * i;
        l[0] = 0; /* processor local APIC */
        l[1] = MADT_LAPIC_LEN;
        l[2] = (uint8_t)i;       /* ACPI processor id */
        l[3] = (uint8_t)(2 * i); /* APIC id: Xen's vlapic numbering */
        put32(l + 4, 1);         /* enabled */
    }
    seal(madt, madt_len);

    uint8_t *xsdt = buf + xsdt_at;
    header(xsdt, "XSDT", xsdt_len, 1);
    put64(xsdt + HDR_LEN, tables_gpa + fadt_at);
    put64(xsdt + HDR_LEN + 8, tables_gpa + madt_at);
    seal(xsdt, xsdt_len);

    memset(rsdp, 0, XLKIT_ACPI_RSDP_LEN);
    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, "Xen   ", 6);
    rsdp[15] = 2;                          /* revision: ACPI 2.0+, has an XSDT */
    put32(rsdp + 16, 0);                   /* no RSDT */
    put32(rsdp + 20, XLKIT_ACPI_RSDP_LEN); /* length */
    put64(rsdp + 24, tables_gpa + xsdt_at);
    rsdp[8] = (uint8_t)(0u - xlkit_acpi_sum(rsdp, 20));
    rsdp[32] = (uint8_t)(0u - xlkit_acpi_sum(rsdp, XLKIT_ACPI_RSDP_LEN));
    return (int)used;
}
