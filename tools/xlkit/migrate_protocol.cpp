// migrate_protocol.cpp: the banner and the ssh rune of xl's migration
// exchange (see migrate_protocol.hpp and docs/migration.md).
#include "migrate_protocol.hpp"

#include <algorithm>

namespace xlcli::migrate_protocol {

namespace {

using namespace std::string_view_literals;

constexpr std::string_view kBanner = "xl migration receiver ready, send binary domain data.\n"sv;

} // namespace

std::string_view banner() { return kBanner; }

Expect::State Expect::feed(std::string_view chunk, std::size_t *used) {
    std::size_t n = 0;
    if (state_ == State::Matching) {
        const std::string_view rest = want_.substr(pos_);
        const std::size_t take = std::min(chunk.size(), rest.size());
        while (n < take && chunk[n] == rest[n]) ++n;
        pos_ += n;
        if (n < take) {
            ++n;  // the differing byte was read
            state_ = State::Mismatch;
        } else if (pos_ == want_.size()) {
            state_ = State::Matched;
        }
    }
    if (used) *used = n;
    return state_;
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
