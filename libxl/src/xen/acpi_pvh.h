/* acpi_pvh: the ACPI tables a PVH guest is given, built by xlkit.
 *
 * A PVH guest has no firmware: the toolstack hands it its ACPI tables, as
 * libxl does with libacpi (libxl_x86_acpi.c), which Xen does not ship in
 * libxen-dev. What a PVH Linux needs, and all that is built here:
 *
 *   RSDP (revision 2, 36 bytes) -> XSDT -> FADT, MADT
 *                                         FADT -> DSDT
 *
 * - FADT revision 5 (268 bytes) with HW_REDUCED_ACPI: no PM1/GPE blocks, no
 *   SCI, no FACS (the guest has no ACPI hardware: Xen emulates only its
 *   local APICs), and the boot flags "no VGA", "no CMOS RTC";
 * - MADT: one enabled local APIC per vcpu, APIC id 2 * vcpu (Xen's vlapic
 *   numbering), processor ids 0..n-1, at Xen's LAPIC address 0xfee00000;
 * - DSDT: a header and no AML (nothing for the guest to evaluate).
 *
 * Each table has a valid checksum; the RSDP has both of its own. OEM id
 * "Xen", table id "PVH". Pure C, no Xen headers: the caller loads the bytes
 * (xc_shim.c: as libxenguest ACPI modules) and says where they will be.
 */
#ifndef XLKIT_ACPI_PVH_H
#define XLKIT_ACPI_PVH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XLKIT_ACPI_RSDP_LEN 36u
#define XLKIT_ACPI_LAPIC_BASE 0xfee00000u
/* xAPIC ids are 8 bits and Xen's are 2 * vcpu: more needs x2APIC entries. */
#define XLKIT_ACPI_MAX_VCPUS 128u

/* Writes the tables, to be loaded at guest physical address tables_gpa,
 * into buf (buf_size bytes, zeroed here first), and the RSDP that points at
 * them into rsdp. Returns how many bytes of buf the tables use, or -EINVAL
 * (nr_vcpus 0 or above XLKIT_ACPI_MAX_VCPUS) or -ENOSPC (buf too small). */
int xlkit_acpi_pvh_build(uint32_t nr_vcpus, uint64_t tables_gpa, uint8_t *buf, size_t buf_size,
                         uint8_t rsdp[XLKIT_ACPI_RSDP_LEN]);

/* The byte sum of len bytes (0 for a table with a valid checksum). */
uint8_t xlkit_acpi_sum(const uint8_t *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif
