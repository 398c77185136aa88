// The save file's framing, as xl 4.17 and libxl 4.17 write it (layer 4, no
// I/O: the save and restore operations do the reading and writing).
//
//   xl's save-file header   "Xen saved domain, xl format\n \0 \r" (32
//                           bytes), then u32 byteorder 0x01020304, u32
//                           mandatory flags (JSON 1, STREAMv2 2), u32
//                           optional flags, u32 optional data length, all in
//                           the host's byte order; the optional data is a
//                           u32 length and the domain's configuration as
//                           libxl_domain_config JSON with its trailing NUL.
//   libxl stream v2         u64 ident "LibxlFmt", u32 version 2, u32
//                           options, big-endian; then records: u32 type, u32
//                           length (host order), the body padded to 8 bytes.
//                           LIBXC_CONTEXT (length 0) is followed by
//                           libxenguest's own stream; END ends it all.
//
// Decoding is in two steps for each piece, so a reader of a pipe reads
// exactly what it needs: a fixed-size part says how much follows. Every
// decoding error is Error::Inval with *why naming what is wrong, in words
// a user who passed the wrong file understands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <xlkit/error.hpp>

namespace xlkit::detail::save_format {

// ---- xl's header -----------------------------------------------------------

constexpr std::size_t kXlHeaderSize = 48;
constexpr std::uint32_t kXlFlagJson = 1u << 0;
constexpr std::uint32_t kXlFlagStreamV2 = 1u << 1;

/* The header and its optional data for a configuration in JSON (empty: no
 * configuration, as xl writes when it has none). */
std::string xl_header(std::string_view json_config);

/* The fixed part (kXlHeaderSize bytes): Success and the length of the
 * optional data that follows, or Inval (not a save file, written on a host
 * of another byte order, a stream version or flags this reader does not
 * know: xl's legacy v1 files). */
Error xl_header_fixed(std::string_view fixed, std::uint32_t *optional_len, std::uint32_t *mandatory_flags,
                      std::string *why);
/* The optional data: the configuration (without its NUL; empty if none). */
Error xl_header_optional(std::string_view optional, std::uint32_t mandatory_flags, std::string *json_config,
                         std::string *why);

// ---- libxl stream v2 ----------------------------------------------------------

constexpr std::size_t kStreamHeaderSize = 16;
constexpr std::size_t kRecordHeaderSize = 8;
enum RecordType : std::uint32_t {
    kRecEnd = 0,
    kRecLibxcContext = 1,
    kRecEmulatorXenstoreData = 2,
    kRecEmulatorContext = 3,
    kRecCheckpointEnd = 4,
    kRecCheckpointState = 5,
};
/* Record bodies above this are refused as corrupt (libxl's largest, the
 * emulator context, is a few MiB). */
constexpr std::uint32_t kMaxRecordLength = 64u << 20;

std::string stream_header();
Error stream_header_check(std::string_view header, std::string *why);

/* A record: header, body, padding. */
std::string record(std::uint32_t type, std::string_view body = {});
/* A record's header: its type and the bytes that follow it (body and
 * padding). Inval for an unknown type or an absurd length. */
Error record_header(std::string_view header, std::uint32_t *type, std::uint32_t *length, std::uint32_t *padded,
                    std::string *why);
const char *record_name(std::uint32_t type);

} // namespace xlkit::detail::save_format
