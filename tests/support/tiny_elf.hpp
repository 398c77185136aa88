// A tiny 64-bit ELF "kernel" for tests: one PT_LOAD [paddr, paddr + memsz)
// and one Xen note, PHYS32_ENTRY (a PVH entry point) or only GUEST_OS (a
// kernel that boots as PV alone). The sim host refuses PVH creates of such a
// file as real Xen's domain builder would (xen/elf_probe.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace xlkit::testing {

inline std::vector<std::uint8_t> tiny_elf(std::uint64_t paddr, std::uint64_t memsz, bool pvh) {
    std::vector<std::uint8_t> b(512, 0);
    auto put = [&](std::size_t at, std::uint64_t v, unsigned n) {
        for (unsigned i = 0; i < n; ++i) b[at + i] = std::uint8_t(v >> (8 * i));
    };
    std::memcpy(b.data(), "\177ELF", 4);
    b[4] = 2;  // 64-bit
    b[5] = 1;  // little-endian
    b[6] = 1;
    put(16, 2, 2);   // ET_EXEC
    put(18, 62, 2);  // x86-64
    put(32, 64, 8);  // e_phoff
    put(54, 56, 2);  // e_phentsize
    put(56, 2, 2);   // e_phnum
    put(64, 1, 4);   // PT_LOAD
    put(64 + 24, paddr, 8);
    put(64 + 40, memsz, 8);
    put(120, 4, 4);  // PT_NOTE, 20 bytes at 256
    put(120 + 8, 256, 8);
    put(120 + 32, 20, 8);
    put(256, 4, 4);  // namesz
    put(260, 4, 4);  // descsz
    put(264, pvh ? 18 : 6, 4);
    std::memcpy(&b[268], "Xen", 4);
    put(272, 0x1000000, 4);
    return b;
}

inline bool write_tiny_elf(const std::string &path, std::uint64_t paddr, std::uint64_t memsz, bool pvh) {
    auto b = tiny_elf(paddr, memsz, pvh);
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char *>(b.data()), std::streamsize(b.size()));
    return bool(f);
}

} // namespace xlkit::testing
