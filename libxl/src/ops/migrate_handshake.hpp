// The pieces of xl's migration hand-over (xlkit/migrate.hpp) that both
// sides use: its messages, reading one with a bound, writing one, and the
// renames. Layer 4, internal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ao/ao.hpp"
#include "event/ev_fd.hpp"
#include "event/ev_time.hpp"

namespace xlkit::detail::migrate {

using namespace std::string_view_literals;

/* xl's bytes (tools/xl/xl_migrate.c), the NUL included. The banner before
 * them is the CLI's (tools/xlkit/migrate_protocol.hpp). */
constexpr std::string_view kReady = "domain received, ready to unpause\0"sv;
constexpr std::string_view kPermissionToGo = "domain is yours, you are cleared to unpause\0"sv;
constexpr std::string_view kReport = "my copy unpause results are as follows\0"sv;
constexpr std::string_view kIncomingSuffix = "--incoming"sv;
constexpr std::string_view kMigratedAwaySuffix = "--migratedaway"sv;

/* The receiver's report: kReport, then one status byte, -rc truncated to
 * 8 bits as xl writes it (0: the guest runs here). */
std::string report_with_status(Error rc);
/* The status byte as xl's sender reads it: a C char (signed on x86), 0 for
 * success. */
int status_from_byte(std::uint8_t byte);

/* MsgRead: read exactly one expected message (then `extra` bytes more,
 * into tail) from fd, never a byte beyond it.
 *   Idle   --msg_read_start(ok)--> Active: fd made non-blocking, a timer
 *                                  of timeout_ms, abortable if can_abort
 *   Idle   --msg_read_start(err)-> Idle, callback never called
 *   Active --all read-->           Idle, callback(Success)
 *   Active --a differing byte, end of file, a read error--> Idle,
 *                                  callback(Fail); the log names `what`
 *   Active --timeout-->            Idle, callback(Timedout), logged
 *   Active --abort-->              Idle, callback(Aborted)
 *   Active --msg_read_stop-->      Idle, no callback (twice is harmless)
 * fd gets its flags back on every way to Idle. The callback is never
 * called from inside msg_read_start. */
struct MsgRead {
    using Callback = void (*)(Egc &egc, MsgRead *r, Error rc);
    // ---- filled in by the caller
    Ao *ao = nullptr;
    int fd = -1;
    std::string_view expect;
    const char *what = "";  // "ready message", as xl names it
    const char *side = "";  // "migration sender" / "migration target", for the log
    std::size_t extra = 0;
    int timeout_ms = 0;
    bool can_abort = true;
    Callback callback = nullptr;
    void *data = nullptr;
    // ---- read-only: the extra bytes
    std::string tail;
    // ---- private
    std::size_t got = 0;
    int fd_flags = -1;
    EvFd ev;
    EvTime timer;
    AoAbortable abortable;
};
Error msg_read_start(Egc &egc, MsgRead &r);
void msg_read_stop(Egc &egc, MsgRead &r);

/* Write all of bytes to fd (waiting for room up to 10 s if it is
 * non-blocking; a socket's peer gone is EPIPE, not SIGPIPE). Fail, logged,
 * naming what; *sent (if given) is then how many bytes did go. */
Error msg_write(Egc &egc, int fd, std::string_view bytes, const char *what, const char *side,
                std::size_t *sent = nullptr);

/* Rename domain domid from `from` to `to` (libxl_domain_rename): its name in
 * xenstore and under its /vm path, in one transaction that checks that it
 * is still called `from` and that no other domain is called `to`. Inval
 * (logged) if either check fails; Fail on a xenstore error. */
Error domain_rename(Egc &egc, std::uint32_t domid, const std::string &from, const std::string &to);

} // namespace xlkit::detail::migrate
