// The save file's framing (ops/save_format.hpp): what xl and libxl 4.17
// write, and a clear reason for every kind of wrong file.
#include <cstring>
#include <gtest/gtest.h>

#include "ops/save_format.hpp"

namespace {

using namespace xlkit;
using namespace xlkit::detail::save_format;

std::uint32_t u32_at(const std::string &s, std::size_t off) {
    std::uint32_t v;
    std::memcpy(&v, s.data() + off, 4);
    return v;
}

TEST(SaveFormat, XlHeaderIsXlsLayoutWithTheJsonAndItsNul) {
    std::string h = xl_header("{\"c_info\":{}}");
    ASSERT_EQ(h.size(), kXlHeaderSize + 4 + 14);
    EXPECT_EQ(std::string(h.data(), 32), std::string("Xen saved domain, xl format\n \0 \r", 32));
    EXPECT_EQ(u32_at(h, 32), 0x01020304u);
    EXPECT_EQ(u32_at(h, 36), kXlFlagJson | kXlFlagStreamV2);
    EXPECT_EQ(u32_at(h, 40), 0u);
    EXPECT_EQ(u32_at(h, 44), 4u + 14u);
    EXPECT_EQ(u32_at(h, 48), 14u);
    EXPECT_EQ(h.back(), '\0');
}

TEST(SaveFormat, XlHeaderRoundTrips) {
    std::string h = xl_header("{\"a\":1}");
    std::uint32_t optlen = 0, flags = 0;
    std::string why, cfg;
    ASSERT_EQ(xl_header_fixed(std::string_view(h).substr(0, kXlHeaderSize), &optlen, &flags, &why), Error::Success);
    ASSERT_EQ(optlen, h.size() - kXlHeaderSize);
    ASSERT_EQ(xl_header_optional(std::string_view(h).substr(kXlHeaderSize), flags, &cfg, &why), Error::Success);
    EXPECT_EQ(cfg, "{\"a\":1}");
}

TEST(SaveFormat, WrongFilesAreNamed) {
    std::uint32_t optlen = 0, flags = 0;
    std::string why;
    EXPECT_EQ(xl_header_fixed("", &optlen, &flags, &why), Error::Inval);
    EXPECT_EQ(why, "the file is empty");
    EXPECT_EQ(xl_header_fixed("Xen saved", &optlen, &flags, &why), Error::Inval);
    EXPECT_NE(why.find("too short"), std::string::npos);
    std::string text(64, 'x');
    EXPECT_EQ(xl_header_fixed(text, &optlen, &flags, &why), Error::Inval);
    EXPECT_NE(why.find("not a save file"), std::string::npos);
    std::string h = xl_header("{}");
    h[32] = 1, h[33] = 2, h[34] = 3, h[35] = 4;  // 0x01020304 as a big-endian host writes it
    EXPECT_EQ(xl_header_fixed(h, &optlen, &flags, &why), Error::Inval);
    EXPECT_NE(why.find("byte order"), std::string::npos);
    h = xl_header("{}");
    h[36] = 1;  // JSON without STREAMv2: a legacy stream
    EXPECT_EQ(xl_header_fixed(h, &optlen, &flags, &why), Error::Inval);
    EXPECT_NE(why.find("legacy"), std::string::npos);
}

TEST(SaveFormat, StreamHeaderIsLibxlFmtVersion2BigEndian) {
    std::string s = stream_header();
    ASSERT_EQ(s.size(), kStreamHeaderSize);
    EXPECT_EQ(s.substr(0, 8), "LibxlFmt");
    EXPECT_EQ(s.substr(8, 8), std::string("\0\0\0\2\0\0\0\0", 8));
    std::string why;
    EXPECT_EQ(stream_header_check(s, &why), Error::Success);
    s[11] = 3;
    EXPECT_EQ(stream_header_check(s, &why), Error::Inval);
    EXPECT_NE(why.find("version 3"), std::string::npos);
    EXPECT_EQ(stream_header_check("XenFmt", &why), Error::Inval);
    EXPECT_NE(why.find("truncated"), std::string::npos);
}

TEST(SaveFormat, RecordsArePaddedToEightAndCorruptOnesAreNamed) {
    std::string r = record(kRecEmulatorXenstoreData, "abc");
    ASSERT_EQ(r.size(), 16u);
    std::uint32_t type = 0, len = 0, padded = 0;
    std::string why;
    ASSERT_EQ(record_header(r, &type, &len, &padded, &why), Error::Success);
    EXPECT_EQ(type, kRecEmulatorXenstoreData);
    EXPECT_EQ(len, 3u);
    EXPECT_EQ(padded, 8u);
    EXPECT_EQ(record(kRecEnd).size(), 8u);
    std::string bad = record(77);
    EXPECT_EQ(record_header(bad, &type, &len, &padded, &why), Error::Inval);
    EXPECT_NE(why.find("corrupted record (unknown type 77)"), std::string::npos);
    bad = record(kRecEnd, "x");
    EXPECT_EQ(record_header(bad, &type, &len, &padded, &why), Error::Inval);
    EXPECT_NE(why.find("corrupted END record"), std::string::npos);
    EXPECT_EQ(record_header("abc", &type, &len, &padded, &why), Error::Inval);
    EXPECT_NE(why.find("truncated"), std::string::npos);
}

} // namespace
