// migrate_protocol.hpp: the handshake xl migrate and xl migrate-receive
// exchange around the domain's stream (Xen 4.17's tools/xl), as pure data and
// functions: no I/O, no libxl. The CLI's migrate and migrate-receive read
// and write these on the transport's fds. The exchange, step by step, with
// its failure rules: docs/migration.md.
//
//   receiver -> sender   Banner          (no NUL)
//   sender -> receiver   xl's save header with the config, then the stream
//   receiver -> sender   Ready           (with NUL)
//   sender               renames NAME -> NAME--migratedaway
//   sender -> receiver   PermissionToGo  (with NUL)   <- the hand-over point
//   receiver             renames NAME--incoming -> NAME, unpauses
//   receiver -> sender   Report          (with NUL), then one status byte
//   status != 0:         receiver destroys its copy and sends PermissionToGo
//                        back; the sender renames back and resumes
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace xlcli::migrate_protocol {

enum class Message {
    Banner,          // receiver -> sender, first
    Ready,           // receiver -> sender, after the stream
    PermissionToGo,  // sender -> receiver (and back, after a failure)
    Report,          // receiver -> sender, before the status byte
};

/* The bytes on the wire, exactly (the NUL included where xl sends it). */
std::string_view wire(Message m);
/* What xl calls the message in its errors ("banner", "ready message"...). */
const char *name(Message m);

/* Matching a message read from a stream that goes on after it: feed what
 * has been read; never asks for more than the message's remaining bytes,
 * so the caller can read exactly wanted() bytes and no more.
 *   Matching --feed(prefix of the rest)--> Matching (wanted() smaller)
 *   Matching --feed(the rest)-->           Matched  (wanted() == 0)
 *   Matching --feed(a differing byte)-->   Mismatch (final)
 * feed() on a final state returns it and consumes nothing. */
class Expect {
public:
    enum class State { Matching, Matched, Mismatch };
    explicit Expect(Message m) : msg_(m) {}
    /* Consumes at most wanted() bytes of chunk; *used (if given) says how many. */
    State feed(std::string_view chunk, std::size_t *used = nullptr);
    State state() const { return state_; }
    std::size_t wanted() const;
    Message message() const { return msg_; }
    /* Bytes matched so far. */
    std::size_t matched() const { return pos_; }

private:
    Message msg_;
    State state_ = State::Matching;
    std::size_t pos_ = 0;
};

/* The report the receiver sends: Report's bytes and the status byte for rc
 * (0, or a negative libxl/xlkit error: the byte is -rc, truncated to 8 bits,
 * as xl writes it; a positive rc is a caller's bug and is sent as is). */
std::string report_with_status(int rc);
/* The status byte as xl's sender reads it: a C char (signed on x86), 0 for
 * success. */
int status_from_byte(std::uint8_t byte);

/* The temporary names: the receiver creates NAME--incoming; the sender
 * renames its copy NAME--migratedaway just before the hand-over. */
std::string incoming_name(std::string_view name);
std::string migrated_away_name(std::string_view name);
/* NAME for NAME--incoming or NAME--migratedaway; empty if neither. */
std::string_view common_name(std::string_view temporary);

/* The shell command xl migrate runs (with sh -c) to reach the receiver. */
struct RuneOptions {
    std::string ssh_command = "ssh";  // -s; empty: the host argument is the whole command
    std::string program = "xl";       // what runs at the other end: xl, or xlkit
    bool tty = false;                 // the sender's stderr is a terminal: -t
    bool timestamps = false;          // -T
    unsigned verbose = 0;             // extra -v levels given to xl
    bool no_daemon = false;           // -e (or -F) given to migrate: -e
    bool debug = false;               // --debug: -d
    bool pause_after = false;         // -p
};
std::string rune(std::string_view host, const RuneOptions &opt);

} // namespace xlcli::migrate_protocol
