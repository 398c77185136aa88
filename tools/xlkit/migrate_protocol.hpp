// migrate_protocol.hpp: the CLI's part of xl's migration exchange (Xen
// 4.17's tools/xl), as pure data and functions: no I/O, no libxl.
//
// `xl migrate-receive` says a banner before anything else, and `xl migrate`
// reaches it through a shell command (the ssh rune); both are the CLI's
// business and are here. What follows the banner (xl's save header and the
// stream, then the ready, GO and report messages, the renames and the status
// byte) is the library's hand-over (xlkit/migrate.hpp; its messages in
// libxl/src/ops/migrate_handshake.hpp), which the CLI calls and does not
// copy. The whole exchange, with its failure rules: docs/migration.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xlcli::migrate_protocol {

/* The banner's bytes on the wire: xl sends it without a NUL (sizeof - 1). */
std::string_view banner();

/* Matching an expected message read from a stream that goes on after it:
 * feed what has been read; never asks for more than the message's remaining
 * bytes, so the caller can read exactly wanted() bytes and no more.
 *   Matching --feed(prefix of the rest)--> Matching (wanted() smaller)
 *   Matching --feed(the rest)-->           Matched  (wanted() == 0)
 *   Matching --feed(a differing byte)-->   Mismatch (final)
 * feed() on a final state returns it and consumes nothing. The expected
 * bytes are not copied: they must outlive the Expect. */
class Expect {
public:
    enum class State { Matching, Matched, Mismatch };
    explicit Expect(std::string_view want) : want_(want) {}
    /* Consumes at most wanted() bytes of chunk; *used (if given) says how many. */
    State feed(std::string_view chunk, std::size_t *used = nullptr);
    State state() const { return state_; }
    std::size_t wanted() const { return state_ == State::Matching ? want_.size() - pos_ : 0; }
    /* Bytes matched so far. */
    std::size_t matched() const { return pos_; }

private:
    std::string_view want_;
    State state_ = State::Matching;
    std::size_t pos_ = 0;
};

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
