// RestoreStream (ops/restore_stream.hpp has its state machine).
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event/ctx_impl.hpp"
#include "event/log.hpp"
#include "ops/helper_line.hpp"
#include "ops/op_util.hpp"
#include "ops/restore_stream.hpp"
#include "ops/save_format.hpp"

#ifndef XLKIT_SAVE_HELPER_PATH
#define XLKIT_SAVE_HELPER_PATH "/usr/local/libexec/xlkit/xlkit-save-helper"
#endif

namespace xlkit::detail {

namespace sf = save_format;

namespace {

std::string helper_path() {
    const char *e = std::getenv("XLKIT_SAVE_HELPER");
    return e && *e ? e : XLKIT_SAVE_HELPER_PATH;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int timeout_of(const RestoreStream &rs) {
    return rs.data_timeout_ms ? rs.data_timeout_ms : RestoreStream::kDefaultDataTimeoutMs;
}

/* Bytes that have moved so far: for a regular file its offset (shared with
 * the helper), else what we read plus what the helper read (/proc/PID/io's
 * rchar: its small stdin reads count too, which is harmless here). */
std::uint64_t moved(const RestoreStream &rs) {
    if (rs.regular) {
        off_t o = lseek(rs.io.get(), 0, SEEK_CUR);
        return o < 0 ? rs.read_bytes : std::uint64_t(o) - rs.start_off;
    }
    std::uint64_t helper = 0;
    if (rs.helper.child.active()) {
        char path[48], buf[512];
        std::snprintf(path, sizeof path, "/proc/%d/io", int(rs.helper.child.pid()));
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);  // rchar is its first line
        if (fd >= 0) close(fd);
        if (n > 0) {
            HelperLine in(std::string_view(buf, std::size_t(n)));
            if (in.word() == "rchar:") (void)in.num(&helper);
        }
    }
    return rs.read_bytes + helper;
}

void finish(Egc &egc, RestoreStream &rs) {
    egc.ctx.fd_deregister(egc, rs.ev);
    egc.ctx.immediate_deregister(egc, rs.kick);
    egc.ctx.time_deregister(egc, rs.tick);
    abortable_deregister(egc, rs.abortable);
    if (rs.fd_flags >= 0) (void)fcntl(rs.fd, F_SETFL, rs.fd_flags);
    rs.fd_flags = -1;
    rs.io.reset();
    rs.phase = RestoreStream::Phase::Idle;
    rs.callback(egc, &rs, rs.rc);
}

/* Stop with rc (the first error wins): at once, or once the helper has been
 * reaped. */
void stop(Egc &egc, RestoreStream &rs, Error rc) {
    if (rs.rc == Error::Success) rs.rc = rc;
    if (rs.phase == RestoreStream::Phase::Killing) return;
    if (rs.helper.child.active()) {
        rs.phase = RestoreStream::Phase::Killing;
        egc.ctx.fd_deregister(egc, rs.ev);
        (void)kill(rs.helper.child.pid(), SIGTERM);
        return;
    }
    finish(egc, rs);
}

void bad_stream(Egc &egc, RestoreStream &rs, const std::string &why) {
    XLKIT_LOG(egc.ctx, ERROR, "restore of domain %u: %s", rs.domid, why.c_str());
    stop(egc, rs, Error::Inval);
}

void tick_cb(Egc &egc, EvTime *ev, Nanos, Error);

void arm_tick(Egc &egc, RestoreStream &rs) {
    rs.tick.data = &rs;
    int period = std::min(RestoreStream::kProgressPeriodMs, timeout_of(rs));
    if (egc.ctx.time_register_rel(egc, rs.tick, tick_cb, period) != Error::Success) stop(egc, rs, Error::Fail);
}

void tick_cb(Egc &egc, EvTime *ev, Nanos, Error) {
    RestoreStream &rs = *static_cast<RestoreStream *>(ev->data);
    if (rs.phase == RestoreStream::Phase::Killing || rs.phase == RestoreStream::Phase::Idle) return;
    std::uint64_t m = moved(rs);
    if (m != rs.last_moved) {
        rs.last_moved = m;
        rs.last_move_ms = now_ms();
        if (rs.progress)
            report_stage(egc, *rs.progress, rs.domid, "memory", int(m >> 10), int(rs.total >> 10));
    } else if (now_ms() - rs.last_move_ms >= timeout_of(rs)) {
        XLKIT_LOG(egc.ctx, ERROR,
                  "restore of domain %u: no data arrived for %d ms (does the writer of the stream still write?)",
                  rs.domid, timeout_of(rs));
        stop(egc, rs, Error::Timedout);
        return;
    }
    arm_tick(egc, rs);
}

void abort_cb(Egc &egc, AoAbortable *ab, Error rc) { stop(egc, *static_cast<RestoreStream *>(ab->data), rc); }

void want(RestoreStream &rs, RestoreStream::Phase phase, std::size_t n) {
    rs.phase = phase;
    rs.buf.clear();
    rs.need = n;
}

Error start_copy(Egc &egc, RestoreStream &rs);

/* A piece of framing is complete in rs.buf: act on it. True if framing goes
 * on; false if it ended (the copy started, or the stream finished or
 * failed: the callback may have run and freed rs, so the caller must not
 * touch it). */
bool framing_done(Egc &egc, RestoreStream &rs) {
    auto bad = [&](const std::string &what) {
        bad_stream(egc, rs, what);
        return false;
    };
    std::string why;
    if (rs.phase == RestoreStream::Phase::Header) {
        if (sf::stream_header_check(rs.buf, &why) != Error::Success) return bad(why);
        want(rs, RestoreStream::Phase::RecordHeader, sf::kRecordHeaderSize);
        return true;
    }
    std::uint32_t type = 0, length = 0, padded = 0;
    if (sf::record_header(rs.buf, &type, &length, &padded, &why) != Error::Success) return bad(why);
    switch (type) {
    case sf::kRecLibxcContext:
        if (rs.copied) return bad("the stream has a second LIBXC_CONTEXT record: it is corrupt");
        if (length != 0)
            return bad("the LIBXC_CONTEXT record has a body (" + std::to_string(length) +
                       " bytes): the stream is corrupt");
        if (Error rc = start_copy(egc, rs); rc != Error::Success) stop(egc, rs, rc);
        return false;
    case sf::kRecEnd:
        if (!rs.copied)
            return bad("the stream ends before the domain's memory (no LIBXC_CONTEXT record)");
        if (!rs.got_results)
            return bad("the save helper gave no store and console frames");
        finish(egc, rs);
        return false;
    case sf::kRecEmulatorXenstoreData:
    case sf::kRecEmulatorContext:
        return bad(std::string("the stream has a ") + sf::record_name(type) +
                   " record: device model state (HVM guests) cannot be restored by xlkit");
    default:
        return bad(std::string("the stream has a ") + sf::record_name(type) +
                   " record: checkpointed streams (Remus, COLO) are not supported");
    }
}

const char *piece(const RestoreStream &rs) {
    return rs.phase == RestoreStream::Phase::Header ? "the stream header" : "a record header";
}

/* Reads what the framing needs. A regular file is read until the piece is
 * complete (it never blocks); anything else once per readiness report. */
void pump(Egc &egc, RestoreStream &rs, bool ready) {
    while (rs.phase == RestoreStream::Phase::Header || rs.phase == RestoreStream::Phase::RecordHeader) {
        if (!rs.regular && !ready) {
            if (!rs.ev.active()) {
                rs.ev.data = &rs;
                if (Error rc = egc.ctx.fd_register(
                        egc, rs.ev,
                        [](Egc &g, EvFd *e, int, short, short) { pump(g, *static_cast<RestoreStream *>(e->data), true); },
                        rs.io.get(), POLLIN);
                    rc != Error::Success)
                    return stop(egc, rs, rc);
            }
            return;
        }
        ready = false;
        char tmp[64];
        std::size_t want_n = std::min(sizeof tmp, rs.need - rs.buf.size());
        ssize_t n = read(rs.io.get(), tmp, want_n);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) {
            XLKIT_LOGE(egc.ctx, ERROR, errno, "restore of domain %u: reading the stream failed", rs.domid);
            return stop(egc, rs, Error::Fail);
        }
        if (n == 0) {
            if (rs.read_bytes == 0) return bad_stream(egc, rs, "the stream is empty (nothing to read)");
            return bad_stream(egc, rs, std::string("the stream is truncated: it ends inside ") + piece(rs) +
                                           (rs.copied ? " after the memory" : ""));
        }
        rs.buf.append(tmp, std::size_t(n));
        rs.read_bytes += std::uint64_t(n);
        if (rs.buf.size() == rs.need) {
            egc.ctx.fd_deregister(egc, rs.ev);
            if (!framing_done(egc, rs)) return;  // rs may be gone
        }
    }
}

void kick_cb(Egc &egc, EvImmediate *im) { pump(egc, *static_cast<RestoreStream *>(im->data), false); }

void helper_line(Egc &egc, ChildRun *cr, int stream, std::string line) {
    RestoreStream &rs = *static_cast<RestoreStream *>(cr->data);
    if (stream == 2) {
        XLKIT_LOG(egc.ctx, INFO, "restore helper: %s", line.c_str());
        return;
    }
    HelperLine in(line);
    const std::string_view word = in.word();
    if (word == "restored") {
        rs.got_results = in.num(&rs.store_mfn) && in.num(&rs.console_mfn);
    } else {
        (void)rs.reply.take(egc, "restore", rs.domid, word, in);
    }
}

void helper_done(Egc &egc, ChildRun *cr, Error rc, int status) {
    RestoreStream &rs = *static_cast<RestoreStream *>(cr->data);
    if (rs.phase == RestoreStream::Phase::Killing) return finish(egc, rs);
    if (rc == Error::Success && rs.reply.succeeded(status)) {
        want(rs, RestoreStream::Phase::RecordHeader, sf::kRecordHeaderSize);
        return pump(egc, rs, false);
    }
    if (rc != Error::Success) return stop(egc, rs, rc);
    // A regular file read to its end: libxenguest's stream was cut short.
    struct stat sb;
    off_t off = lseek(rs.io.get(), 0, SEEK_CUR);
    if (rs.regular && fstat(rs.io.get(), &sb) == 0 && off >= sb.st_size) {
        XLKIT_LOG(egc.ctx, ERROR,
                  "restore of domain %u: the stream is truncated: it ends inside the domain's memory "
                  "(libxenguest: %s)",
                  rs.domid, rs.reply.last_error.empty() ? "no message" : rs.reply.last_error.c_str());
        return stop(egc, rs, Error::Inval);
    }
    rs.reply.log_failure(egc, "restore", "xc_domain_restore", rs.domid, status);
    stop(egc, rs, Error::Fail);
}

Error start_copy(Egc &egc, RestoreStream &rs) {
    std::string found;
    if (!child_run_executable(helper_path(), &found)) return Error::Fail;  // checked before: gone since
    rs.copied = true;
    rs.phase = RestoreStream::Phase::Copying;
    if (rs.progress) report_stage(egc, *rs.progress, rs.domid, "memory", 0, int(rs.total >> 10));
    rs.helper.ao = rs.ao;
    rs.helper.argv = {found,
                      "restore",
                      std::to_string(rs.io.get()),
                      std::to_string(rs.domid),
                      std::to_string(rs.store_port),
                      std::to_string(rs.console_port),
                      std::to_string(rs.send_back_fd)};
    rs.helper.capture_stderr = true;
    rs.helper.can_abort = false;  // stopped by SIGTERM from stop()
    rs.helper.inherit_fd = rs.io.get();
    rs.helper.on_line = helper_line;
    rs.helper.callback = helper_done;
    rs.helper.data = &rs;
    return child_run_start(egc, rs.helper);
}

} // namespace

Error restore_stream_check(Egc &egc, int fd, int data_timeout_ms) {
    int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
    if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY) {
        XLKIT_LOG(egc.ctx, ERROR, "restore: fd %d is not open for reading", fd);
        return Error::Inval;
    }
    if (data_timeout_ms < 0) {
        XLKIT_LOG(egc.ctx, ERROR, "restore: bad data timeout %d ms", data_timeout_ms);
        return Error::Inval;
    }
    std::string helper = helper_path(), found;
    if (!child_run_executable(helper, &found)) {
        XLKIT_LOG(egc.ctx, ERROR, "restore: the save helper '%s' is not installed (XLKIT_SAVE_HELPER names another)",
                  helper.c_str());
        return Error::Inval;
    }
    return Error::Success;
}

Error restore_stream_start(Egc &egc, RestoreStream &rs) {
    if (Error rc = restore_stream_check(egc, rs.fd, rs.data_timeout_ms); rc != Error::Success) return rc;
    rs.rc = Error::Success;
    rs.copied = rs.got_results = false;
    rs.reply = HelperReply{};
    rs.read_bytes = 0;
    rs.io.reset(fcntl(rs.fd, F_DUPFD_CLOEXEC, 3));
    if (!rs.io) {
        XLKIT_LOGE(egc.ctx, ERROR, errno, "restore of domain %u: cannot dup the stream's fd", rs.domid);
        return Error::Fail;
    }
    struct stat sb;
    rs.regular = fstat(rs.io.get(), &sb) == 0 && S_ISREG(sb.st_mode);
    off_t off = rs.regular ? lseek(rs.io.get(), 0, SEEK_CUR) : 0;
    rs.start_off = off > 0 ? std::uint64_t(off) : 0;
    rs.total = rs.regular && std::uint64_t(sb.st_size) > rs.start_off ? std::uint64_t(sb.st_size) - rs.start_off : 0;
    // libxenguest reads with blocking reads, as libxl forces too; the
    // flags are given back at the end. Our own reads follow poll.
    rs.fd_flags = fcntl(rs.fd, F_GETFL);
    if (rs.fd_flags >= 0 && (rs.fd_flags & O_NONBLOCK)) (void)fcntl(rs.fd, F_SETFL, rs.fd_flags & ~O_NONBLOCK);
    rs.abortable.data = &rs;
    if (Error rc = abortable_register(egc, rs.abortable, rs.ao, abort_cb); rc != Error::Success) {
        if (rs.fd_flags >= 0) (void)fcntl(rs.fd, F_SETFL, rs.fd_flags);
        rs.fd_flags = -1;
        rs.io.reset();
        return rc;
    }
    want(rs, RestoreStream::Phase::Header, sf::kStreamHeaderSize);
    if (rs.progress) report_stage(egc, *rs.progress, rs.domid, "stream", 0, 0);
    rs.last_moved = 0;
    rs.last_move_ms = now_ms();
    arm_tick(egc, rs);
    rs.kick.data = &rs;
    egc.ctx.immediate_post(egc, rs.kick, kick_cb);  // the first read, outside this call
    return Error::Success;
}

} // namespace xlkit::detail
