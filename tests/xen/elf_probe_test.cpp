// What xen/elf_probe.h reads from a kernel image, on small ELF files made
// here: the PVH entry note, the end of the loaded image, and the PVH check.
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "support/tiny_elf.hpp"
#include "xen/elf_probe.h"

namespace {

void put(std::vector<std::uint8_t> &b, std::size_t at, std::uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) b[at + i] = std::uint8_t(v >> (8 * i));
}

std::vector<std::uint8_t> elf64(std::uint64_t paddr, std::uint64_t memsz, bool pvh) {
    return xlkit::testing::tiny_elf(paddr, memsz, pvh);
}

TEST(ElfProbeTest, FindsThePvhEntryNoteAndTheImagesEnd) {
    auto b = elf64(16 << 20, 40 << 20, true);
    xlkit_elf_info ei;
    xlkit_elf_probe(b.data(), b.size(), &ei);
    EXPECT_EQ(ei.is_elf, 1);
    EXPECT_EQ(ei.has_pvh_entry, 1);
    EXPECT_EQ(ei.load_end, std::uint64_t(56) << 20);
}

TEST(ElfProbeTest, AKernelWithOnlyPvNotesHasNoPvhEntry) {
    auto b = elf64(16 << 20, 40 << 20, false);
    xlkit_elf_info ei;
    xlkit_elf_probe(b.data(), b.size(), &ei);
    EXPECT_EQ(ei.is_elf, 1);
    EXPECT_EQ(ei.has_pvh_entry, 0);
}

TEST(ElfProbeTest, WhatIsNotAnElfOrIsCutShortIsNotAnElf) {
    std::string text = "not a kernel at all, just some text that is long enough to be read as a header";
    xlkit_elf_info ei;
    xlkit_elf_probe(text.data(), text.size(), &ei);
    EXPECT_EQ(ei.is_elf, 0);
    auto b = elf64(0, 4096, true);
    xlkit_elf_probe(b.data(), 100, &ei);  // the program headers are past the end
    EXPECT_EQ(ei.is_elf, 0);
    put(b, 120 + 32, 1u << 30, 8);        // a note segment larger than the file
    xlkit_elf_probe(b.data(), b.size(), &ei);
    EXPECT_EQ(ei.is_elf, 1);
    EXPECT_EQ(ei.has_pvh_entry, 0);
}

TEST(ElfProbeTest, PvhCheckNamesTheMissingEntryAndTooLittleMemory) {
    char why[320];
    auto pv = elf64(16 << 20, 40 << 20, false);
    EXPECT_EQ(xlkit_pvh_image_check(pv.data(), pv.size(), 0, 128 << 10, "/k", why, sizeof why), -ENOEXEC);
    EXPECT_NE(std::strstr(why, "no PVH entry point"), nullptr) << why;
    EXPECT_NE(std::strstr(why, "'/k'"), nullptr) << why;
    auto pvh = elf64(16 << 20, 40 << 20, true);
    EXPECT_EQ(xlkit_pvh_image_check(pvh.data(), pvh.size(), 0, 128 << 10, "/k", why, sizeof why), 0);
    // image to 56 MiB + 8 MiB ramdisk + 1 MiB: 64 MiB is too little, 65 enough
    EXPECT_EQ(xlkit_pvh_image_check(pvh.data(), pvh.size(), 8 << 20, 64 << 10, "/k", why, sizeof why), -ERANGE);
    EXPECT_NE(std::strstr(why, "memory: 64 MiB is too little"), nullptr) << why;
    EXPECT_NE(std::strstr(why, "at least 65 MiB"), nullptr) << why;
    EXPECT_EQ(xlkit_pvh_image_check(pvh.data(), pvh.size(), 8 << 20, 65 << 10, "/k", why, sizeof why), 0);
    std::string text = "a compressed kernel only libxenguest can look into";
    EXPECT_EQ(xlkit_pvh_image_check(text.data(), text.size(), 0, 1024, "/k", why, sizeof why), 0);
}

} // namespace
