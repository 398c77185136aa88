/* elf_probe: what a guest kernel image says about itself, read before a
 * domain is made for it, so that a kernel that cannot boot as asked is
 * refused with a clear error and nothing to undo. Pure C, no Xen headers.
 */
#ifndef XLKIT_ELF_PROBE_H
#define XLKIT_ELF_PROBE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int is_elf;          /* 1: an ELF image (32- or 64-bit, little-endian) */
    int has_pvh_entry;   /* a Xen note XEN_ELFNOTE_PHYS32_ENTRY (18) */
    uint64_t load_end;   /* the highest p_paddr + p_memsz of its PT_LOADs */
} xlkit_elf_info;

/* Reads the image's program headers and notes in buf (len bytes). Never
 * fails: anything that is not a well-formed ELF gives is_elf 0 (a
 * compressed kernel, say, which only libxenguest can look into). */
void xlkit_elf_probe(const void *buf, size_t len, xlkit_elf_info *out);

/* Can the kernel image in buf boot as a PVH guest of memkb kB with a
 * ramdisk of ramdisk_len bytes? 0 if so (or if buf is not an ELF image:
 * then only the domain builder can tell); -ENOEXEC without a PVH entry
 * point; -ERANGE if memory ends before the image and the ramdisk do. On
 * failure why (why_len bytes) says so, naming the kernel file. */
int xlkit_pvh_image_check(const void *buf, size_t len, uint64_t ramdisk_len, uint64_t memkb, const char *kernel,
                          char *why, size_t why_len);

#ifdef __cplusplus
}
#endif

#endif
