// idl/uuid.cpp: the text forms of the builtin byte types: uuid (8-4-4-4-12
// hex digits) and mac (xx:xx:xx:xx:xx:xx).
#include <xlkit/_types.hpp>

namespace xlkit {

std::string to_string(const Uuid &u) {
    static const char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (std::size_t i = 0; i < u.bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        s += hex[u.bytes[i] >> 4];
        s += hex[u.bytes[i] & 0xF];
    }
    return s;
}

namespace {

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Error from_string(std::string_view s, Uuid *out) noexcept {
    if (s.size() != 36) return Error::Inval;
    Uuid u;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < u.bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            if (s[pos] != '-') return Error::Inval;
            ++pos;
        }
        int hi = hex_digit(s[pos]), lo = hex_digit(s[pos + 1]);
        if (hi < 0 || lo < 0) return Error::Inval;
        u.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
        pos += 2;
    }
    if (out) *out = u;
    return Error::Success;
}

std::string to_string(const Mac &m) {
    static const char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(17);
    for (std::size_t i = 0; i < m.bytes.size(); ++i) {
        if (i) s += ':';
        s += hex[m.bytes[i] >> 4];
        s += hex[m.bytes[i] & 0xF];
    }
    return s;
}

Error from_string(std::string_view s, Mac *out) noexcept {
    if (s.size() != 17) return Error::Inval;
    Mac m;
    for (std::size_t i = 0; i < m.bytes.size(); ++i) {
        if (i && s[3 * i - 1] != ':') return Error::Inval;
        int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);
        if (hi < 0 || lo < 0) return Error::Inval;
        m.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    if (out) *out = m;
    return Error::Success;
}

}  // namespace xlkit
