/* elf_probe: see elf_probe.h. Every offset is checked against len. */
#include "xen/elf_probe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PT_LOAD 1u
#define PT_NOTE 4u
#define XEN_ELFNOTE_PHYS32_ENTRY 18u

static uint64_t get(const uint8_t *p, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
}

static int in(size_t len, uint64_t off, uint64_t n) { return off <= len && n <= len - off; }

/* Looks for Xen's PHYS32_ENTRY note among the notes at [off, off + n). */
static int has_pvh_note(const uint8_t *b, size_t len, uint64_t off, uint64_t n) {
    if (!in(len, off, n)) return 0;
    uint64_t end = off + n;
    while (end - off >= 12) {
        uint64_t namesz = get(b + off, 4), descsz = get(b + off + 4, 4), type = get(b + off + 8, 4);
        uint64_t name = off + 12;
        uint64_t desc = name + ((namesz + 3) & ~UINT64_C(3));
        uint64_t next = desc + ((descsz + 3) & ~UINT64_C(3));
        if (namesz > end || descsz > end || next > end || next <= off) return 0;
        if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && memcmp(b + name, "Xen", 4) == 0) return 1;
        off = next;
    }
    return 0;
}

void xlkit_elf_probe(const void *buf, size_t len, xlkit_elf_info *out) {
    const uint8_t *b = buf;
    memset(out, 0, sizeof *out);
    if (!b || len < 52 || memcmp(b, "\177ELF", 4) != 0 || b[5] != 1 /* little-endian */) return;
    const int is64 = b[4] == 2;
    if (!is64 && b[4] != 1) return;
    if (is64 && len < 64) return;
    uint64_t phoff = is64 ? get(b + 32, 8) : get(b + 28, 4);
    uint64_t phentsize = get(b + (is64 ? 54 : 42), 2);
    uint64_t phnum = get(b + (is64 ? 56 : 44), 2);
    if (phentsize < (is64 ? 56u : 32u) || !in(len, phoff, phentsize * phnum)) return;
    out->is_elf = 1;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = b + phoff + i * phentsize;
        uint64_t type = get(ph, 4);
        uint64_t offset = is64 ? get(ph + 8, 8) : get(ph + 4, 4);
        uint64_t paddr = is64 ? get(ph + 24, 8) : get(ph + 12, 4);
        uint64_t filesz = is64 ? get(ph + 32, 8) : get(ph + 16, 4);
        uint64_t memsz = is64 ? get(ph + 40, 8) : get(ph + 20, 4);
        if (type == PT_LOAD && paddr + memsz > out->load_end) out->load_end = paddr + memsz;
        if (type == PT_NOTE && has_pvh_note(b, len, offset, filesz)) out->has_pvh_entry = 1;
    }
}

int xlkit_pvh_image_check(const void *buf, size_t len, uint64_t ramdisk_len, uint64_t memkb, const char *kernel,
                          char *why, size_t why_len) {
    xlkit_elf_info ei;
    xlkit_elf_probe(buf, len, &ei);
    if (!ei.is_elf) return 0;
    if (!ei.has_pvh_entry) {
        snprintf(why, why_len,
                 "the kernel '%s' has no PVH entry point (no ELF note XEN_ELFNOTE_PHYS32_ENTRY): "
                 "it can only boot as a PV guest",
                 kernel);
        return -ENOEXEC;
    }
    /* The image is loaded at its physical addresses, the ramdisk after it,
     * and the start info and command line take a page or two more. */
    const uint64_t mib = UINT64_C(1) << 20;
    uint64_t need = ei.load_end + ramdisk_len + mib;
    if (memkb * 1024 < need) {
        snprintf(why, why_len,
                 "memory: %llu MiB is too little for a PVH guest of the kernel '%s': its image ends at %llu MiB "
                 "and the ramdisk takes %llu MiB after it (at least %llu MiB)",
                 (unsigned long long)(memkb / 1024), kernel, (unsigned long long)((ei.load_end + mib - 1) / mib),
                 (unsigned long long)((ramdisk_len + mib - 1) / mib), (unsigned long long)((need + mib - 1) / mib));
        return -ERANGE;
    }
    return 0;
}
