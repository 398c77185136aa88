// migrate_protocol.cpp: xl's migration handshake (see migrate_protocol.hpp
// and docs/migration.md).
#include "migrate_protocol.hpp"

#include <algorithm>

namespace xlcli::migrate_protocol {

namespace {

using namespace std::string_view_literals;

// The NUL is part of three of the messages: xl writes sizeof(the array), but
// sizeof - 1 for the banner.
constexpr std::string_view kBanner = "xl migration receiver ready, send binary domain data.\n"sv;
constexpr std::string_view kReady = "domain received, ready to unpause\0"sv;
constexpr std::string_view kPermissionToGo = "domain is yours, you are cleared to unpause\0"sv;
constexpr std::string_view kReport = "my copy unpause results are as follows\0"sv;

constexpr std::string_view kIncoming = "--incoming"sv;
constexpr std::string_view kMigratedAway = "--migratedaway"sv;

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() > tail.size() && s.substr(s.size() - tail.size()) == tail;
}

} // namespace

std::string_view wire(Message m) {
    switch (m) {
    case Message::Banner: return kBanner;
    case Message::Ready: return kReady;
    case Message::PermissionToGo: return kPermissionToGo;
    case Message::Report: return kReport;
    }
    return {};
}

const char *name(Message m) {
    switch (m) {
    case Message::Banner: return "banner";
    case Message::Ready: return "ready message";
    case Message::PermissionToGo: return "GO message";
    case Message::Report: return "success/failure report message";
    }
    return "?";
}

std::size_t Expect::wanted() const {
    return state_ == State::Matching ? wire(msg_).size() - pos_ : 0;
}

Expect::State Expect::feed(std::string_view chunk, std::size_t *used) {
    std::size_t n = 0;
    if (state_ == State::Matching) {
        const std::string_view want = wire(msg_).substr(pos_);
        const std::size_t take = std::min(chunk.size(), want.size());
        while (n < take && chunk[n] == want[n]) ++n;
        pos_ += n;
        if (n < take) {
            ++n;  // the differing byte was read
            state_ = State::Mismatch;
        } else if (pos_ == wire(msg_).size()) {
            state_ = State::Matched;
        }
    }
    if (used) *used = n;
    return state_;
}

std::string report_with_status(int rc) {
    std::string out(kReport);
    out.push_back(static_cast<char>(static_cast<std::uint8_t>(-rc)));
    return out;
}

int status_from_byte(std::uint8_t byte) {
    return static_cast<int>(static_cast<std::int8_t>(byte));
}

std::string incoming_name(std::string_view name) {
    std::string s(name);
    s += kIncoming;
    return s;
}

std::string migrated_away_name(std::string_view name) {
    std::string s(name);
    s += kMigratedAway;
    return s;
}

std::string_view common_name(std::string_view temporary) {
    if (ends_with(temporary, kIncoming)) return temporary.substr(0, temporary.size() - kIncoming.size());
    if (ends_with(temporary, kMigratedAway)) return temporary.substr(0, temporary.size() - kMigratedAway.size());
    return {};
}

std::string rune(std::string_view host, const RuneOptions &opt) {
    if (opt.ssh_command.empty()) return std::string(host);
    std::string r = "exec ";
    r += opt.ssh_command;
    r += ' ';
    r += host;
    r += ' ';
    r += opt.program;
    if (opt.tty) r += " -t";
    if (opt.timestamps) r += " -T";
    if (opt.verbose > 0) {
        r += " -";
        r.append(opt.verbose, 'v');
    }
    r += " migrate-receive";
    if (opt.no_daemon) r += " -e";
    if (opt.debug) r += " -d";
    if (opt.pause_after) r += " -p";
    return r;
}

} // namespace xlcli::migrate_protocol
