#include "ops/save_format.hpp"

#include <cstring>

namespace xlkit::detail::save_format {

namespace {

// 32 bytes: xl's char[32] drops the literal's terminating NUL.
constexpr char kXlMagicZ[] = "Xen saved domain, xl format\n \0 \r";
constexpr std::string_view kXlMagic(kXlMagicZ, sizeof kXlMagicZ - 1);
static_assert(kXlMagic.size() == 32);
constexpr std::uint32_t kByteorder = 0x01020304u;
constexpr std::uint64_t kStreamIdent = 0x4c6962786c466d74ull;  // "LibxlFmt"
constexpr std::uint32_t kStreamVersion = 2;
constexpr std::uint32_t kOptBigEndian = 1u << 0;
constexpr std::uint32_t kOptLegacy = 1u << 1;

void put32(std::string &s, std::uint32_t v) { s.append(reinterpret_cast<const char *>(&v), 4); }
std::uint32_t get32(const char *p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}
void put_be(std::string &s, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get_be(const char *p, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}
Error bad(std::string *why, std::string what) {
    *why = std::move(what);
    return Error::Inval;
}

} // namespace

std::string xl_header(std::string_view json_config) {
    std::string opt;
    std::uint32_t flags = kXlFlagStreamV2;
    std::uint32_t len = json_config.empty() ? 0 : static_cast<std::uint32_t>(json_config.size() + 1);
    put32(opt, len);
    if (len) {
        opt.append(json_config);
        opt.push_back('\0');
        flags |= kXlFlagJson;
    }
    std::string s(kXlMagic);
    put32(s, kByteorder);
    put32(s, flags);
    put32(s, 0);
    put32(s, static_cast<std::uint32_t>(opt.size()));
    return s + opt;
}

Error xl_header_fixed(std::string_view fixed, std::uint32_t *optional_len, std::uint32_t *mandatory_flags,
                      std::string *why) {
    if (fixed.size() < kXlHeaderSize)
        return bad(why, fixed.empty() ? "the file is empty" : "the file is too short for a save file's header");
    if (fixed.substr(0, kXlMagic.size()) != kXlMagic)
        return bad(why, "not a save file (no \"Xen saved domain, xl format\" header)");
    const char *p = fixed.data() + kXlMagic.size();
    if (get32(p) != kByteorder) return bad(why, "the save file was written on a host of another byte order");
    std::uint32_t mandatory = get32(p + 4), optional = get32(p + 8);
    if (mandatory & ~(kXlFlagJson | kXlFlagStreamV2))
        return bad(why, "the save file needs features this toolstack does not know (mandatory flags " +
                            std::to_string(mandatory) + ")");
    if (!(mandatory & kXlFlagStreamV2))
        return bad(why, "the save file holds a legacy (v1) stream, which is not supported");
    if (optional) return bad(why, "the save file has unknown optional flags " + std::to_string(optional));
    *optional_len = get32(p + 12);
    if (*optional_len > kMaxRecordLength) return bad(why, "the save file's header is corrupt (absurd length)");
    *mandatory_flags = mandatory;
    return Error::Success;
}

Error xl_header_optional(std::string_view optional, std::uint32_t mandatory_flags, std::string *json_config,
                         std::string *why) {
    json_config->clear();
    if (optional.size() < 4) {
        if (mandatory_flags & kXlFlagJson) return bad(why, "the save file's header has no configuration");
        return Error::Success;
    }
    std::uint32_t len = get32(optional.data());
    if (len > optional.size() - 4) return bad(why, "the save file's header is corrupt (configuration length)");
    std::string_view cfg = optional.substr(4, len);
    if (!cfg.empty() && cfg.back() == '\0') cfg.remove_suffix(1);
    if ((mandatory_flags & kXlFlagJson) && cfg.empty())
        return bad(why, "the save file's header has no configuration");
    if (!(mandatory_flags & kXlFlagJson) && !cfg.empty())
        return bad(why, "the save file holds an xl configuration file, not JSON: not supported");
    json_config->assign(cfg);
    return Error::Success;
}

std::string stream_header() {
    std::string s;
    put_be(s, kStreamIdent, 8);
    put_be(s, kStreamVersion, 4);
    put_be(s, 0, 4);  // little-endian, not legacy
    return s;
}

Error stream_header_check(std::string_view h, std::string *why) {
    if (h.size() < kStreamHeaderSize) return bad(why, "the save file ends before its stream begins (truncated)");
    if (get_be(h.data(), 8) != kStreamIdent) return bad(why, "the save file's stream is not a libxl stream (no \"LibxlFmt\")");
    std::uint64_t version = get_be(h.data() + 8, 4), options = get_be(h.data() + 12, 4);
    if (version != kStreamVersion)
        return bad(why, "the save file's stream has version " + std::to_string(version) + " (only 2 is supported)");
    if (options & kOptBigEndian) return bad(why, "the save file's stream is big-endian, which this host is not");
    if (options & kOptLegacy) return bad(why, "the save file's stream was converted from a legacy one: not supported");
    return Error::Success;
}

std::string record(std::uint32_t type, std::string_view body) {
    std::string s;
    put32(s, type);
    put32(s, static_cast<std::uint32_t>(body.size()));
    s.append(body);
    s.append((8 - body.size() % 8) % 8, '\0');
    return s;
}

Error record_header(std::string_view h, std::uint32_t *type, std::uint32_t *length, std::uint32_t *padded,
                    std::string *why) {
    if (h.size() < kRecordHeaderSize) return bad(why, "the save file ends inside a record (truncated)");
    *type = get32(h.data());
    *length = get32(h.data() + 4);
    if (*type > kRecCheckpointState)
        return bad(why, "the save file has a corrupted record (unknown type " + std::to_string(*type) + ")");
    if (*length > kMaxRecordLength)
        return bad(why, std::string("the save file has a corrupted ") + record_name(*type) + " record (length " +
                            std::to_string(*length) + ")");
    if ((*type == kRecEnd || *type == kRecLibxcContext || *type == kRecCheckpointEnd) && *length != 0)
        return bad(why, std::string("the save file has a corrupted ") + record_name(*type) + " record (length " +
                            std::to_string(*length) + ", expected 0)");
    *padded = (*length + 7u) & ~7u;
    return Error::Success;
}

const char *record_name(std::uint32_t type) {
    switch (type) {
    case kRecEnd: return "END";
    case kRecLibxcContext: return "LIBXC_CONTEXT";
    case kRecEmulatorXenstoreData: return "EMULATOR_XENSTORE_DATA";
    case kRecEmulatorContext: return "EMULATOR_CONTEXT";
    case kRecCheckpointEnd: return "CHECKPOINT_END";
    case kRecCheckpointState: return "CHECKPOINT_STATE";
    default: return "unknown";
    }
}

} // namespace xlkit::detail::save_format
