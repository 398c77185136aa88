// domain_suspend (libxl_domain_suspend): save a domain's memory and state
// to fd as libxl's migration stream v2. The caller writes what comes before
// (xl's header and the configuration, as xl does) and destroys or resumes
// the domain afterwards.
//
//   Start --bad fd / flags, no such domain, domain 0, shut down, dying,
//           no save helper-->                         create_fail(Inval /
//                                                     DomainNotfound)
//   Start --the stream header and LIBXC_CONTEXT written, the helper
//           (xlkit-save-helper, running xc_domain_save) started-->  Copying
//   Start --writing fails / the helper cannot start--> complete(Fail)
//   Copying --the helper reports pages sent / a precopy pass-->
//           OPERATION_PROGRESS ("memory", pages done of total; "pass N:
//           D dirty"); the data-phase timer restarts
//   Copying --the helper asks for the suspend--> GuestSuspend
//           (ops/guest_suspend.hpp; suspend_timeout_ms bounds the
//           acknowledgement and then the suspension); its answer goes back
//           to the helper (GuestTimedout: the request was withdrawn, the
//           guest runs on)
//   Copying --the helper exits after xc_domain_save succeeded-->
//           END written ──► complete(Success): the domain is suspended
//   Copying --xc_domain_save failed / the helper died--> complete(Fail,
//           naming libxenguest's error), the domain resumed if suspended
//   Copying --no progress for data_timeout_ms (a reader that stopped
//           reading: no progress report, and fd's offset, or the bytes
//           queued in its pipe or socket, did not change either)--> SIGTERM to the helper; complete(Timedout), the
//           domain resumed if suspended
//   Copying --abort--> SIGTERM to the helper (its stream's fd becomes
//           /dev/null, so libxenguest fails and tidies up); complete(Aborted)
//           once it has exited, the domain resumed if suspended
// The helper is always reaped before completion: none is left. The fd is
// made blocking for the helper and given its flags back at the end.
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event/ctx_impl.hpp"
#include "event/log.hpp"
#include "event/unique_fd.hpp"
#include "ops/child_run.hpp"
#include "ops/guest_suspend.hpp"
#include "ops/helper_reply.hpp"
#include "ops/nested.hpp"
#include "ops/helper_line.hpp"
#include "ops/op_util.hpp"
#include "ops/save_format.hpp"

#ifndef XLKIT_SAVE_HELPER_PATH
#define XLKIT_SAVE_HELPER_PATH "/usr/local/libexec/xlkit/xlkit-save-helper"
#endif

namespace xlkit {

using namespace detail;

namespace {

constexpr int kDefaultDataTimeoutMs = 60000;

// How data moving through the stream's fd shows (fd_kind, below).
enum class FdKind : std::uint8_t { Opaque, Offset, Pipe, Socket };

struct State {
    Ao *ao = nullptr;
    Progress own_progress;
    Progress *progress = &own_progress;  // a parent's, when nested (ops/nested.hpp)
    std::uint32_t domid = 0;
    int fd = -1;
    int fd_flags = -1;
    int data_timeout_ms = 0;
    int suspend_timeout_ms = 0;  // GuestSuspend's (0: its default)
    ChildRun helper;
    UniqueFd io;         // the helper's copy of fd
    UniqueFd to_helper;  // its stdin (a socket: a dead helper is EPIPE, not SIGPIPE)
    UniqueFd helper_in;  // the helper's end, closed once it runs
    GuestSuspend gs;
    bool suspending = false;
    bool suspended = false;
    EvTime stall;
    AoAbortable abortable;
    Error rc = Error::Success;
    bool reaped = false;
    int status = 0;
    HelperReply reply;
    unsigned long total_pages = 0;
    MigratePolicy policy;  // the precopy's bounds (a live save; all 0: libxenguest's default)
    std::int64_t data_mark = -1;  // fd_mark() when the stall timer was armed
    FdKind fd_kind = FdKind::Opaque;
};

/* How data moving through the stream's fd shows (FdKind, read once at the
 * start: the mark is taken at every progress report), and a number that
 * changes when it moves, -1 if there is none: a file's offset (the
 * helper's fd shares it), the bytes queued in a pipe or a socket's send
 * queue. libxenguest reports progress only every 1024 pages, which on a
 * slow host (a loaded machine, a box under emulation) can take longer than
 * the data timeout while the copy still moves. */
FdKind fd_kind(int fd) {
    struct stat sb;
    if (fstat(fd, &sb) < 0) return FdKind::Opaque;
    if (S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode)) return FdKind::Offset;
    if (S_ISFIFO(sb.st_mode)) return FdKind::Pipe;
    if (S_ISSOCK(sb.st_mode)) return FdKind::Socket;
    return FdKind::Opaque;
}

std::int64_t fd_mark(int fd, FdKind kind) {
    int queued = 0;
    switch (kind) {
    case FdKind::Offset: {
        off_t off = lseek(fd, 0, SEEK_CUR);
        return off < 0 ? -1 : std::int64_t(off);
    }
    case FdKind::Pipe: return ioctl(fd, FIONREAD, &queued) == 0 ? queued : -1;
    case FdKind::Socket: return ioctl(fd, SIOCOUTQ, &queued) == 0 ? queued : -1;
    case FdKind::Opaque: break;
    }
    return -1;
}

std::string helper_path() {
    const char *e = std::getenv("XLKIT_SAVE_HELPER");
    return e && *e ? e : XLKIT_SAVE_HELPER_PATH;
}

Error write_all(Egc &egc, State &st, const std::string &data, const char *what) {
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = write(st.fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            XLKIT_LOGE(egc.ctx, ERROR, errno, "save of domain %u: writing the %s failed", st.domid, what);
            return Error::Fail;
        }
        off += std::size_t(n);
    }
    return Error::Success;
}

void restore_fd_flags(State &st) {
    if (st.fd_flags >= 0) (void)fcntl(st.fd, F_SETFL, st.fd_flags);
    st.fd_flags = -1;
}

void signal_helper(State &st, int sig) {
    if (st.helper.child.active()) (void)kill(st.helper.child.pid(), sig);
}

void tell_helper(State &st, const char *answer) {
    if (st.to_helper) (void)send(st.to_helper.get(), answer, std::strlen(answer), MSG_NOSIGNAL);
}

/* Stop the copy with rc (the first error wins): the helper is told to stop
 * and the operation completes once it has been reaped. A guest suspend in
 * progress goes on (an abort reaches it too: it withdraws its request, or
 * waits for the guest and resumes it), and completion waits for it. */
void stop_copy(Egc &egc, State &st, Error rc) {
    if (st.rc == Error::Success) st.rc = rc;
    egc.ctx.time_deregister(egc, st.stall);
    signal_helper(st, SIGTERM);
}

void finish_if_done(Egc &egc, State &st);

void arm_stall(Egc &egc, State &st);

void stall_cb(Egc &egc, EvTime *ev, Nanos, Error) {
    State &st = *static_cast<State *>(ev->data);
    if (std::int64_t m = fd_mark(st.fd, st.fd_kind); m >= 0 && m != st.data_mark) {
        arm_stall(egc, st);  // no progress report, but the data moves
        return;
    }
    XLKIT_LOG(egc.ctx, ERROR,
              "save of domain %u: no data moved for %d ms (does the reader of the save stream still read?)",
              st.domid, st.data_timeout_ms);
    stop_copy(egc, st, Error::Timedout);
}

void arm_stall(Egc &egc, State &st) {
    egc.ctx.time_deregister(egc, st.stall);
    st.stall.data = &st;
    st.data_mark = fd_mark(st.fd, st.fd_kind);
    if (egc.ctx.time_register_rel(egc, st.stall, stall_cb, st.data_timeout_ms) != Error::Success)
        stop_copy(egc, st, Error::Fail);
}

void abort_cb(Egc &egc, AoAbortable *ab, Error rc) { stop_copy(egc, *static_cast<State *>(ab->data), rc); }

void suspended_cb(Egc &egc, GuestSuspend *gs, Error rc) {
    State &st = *static_cast<State *>(gs->data);
    st.suspending = false;
    if (rc == Error::Success) st.suspended = true;
    if (rc == Error::Success && st.rc == Error::Success && !st.reaped) {
        tell_helper(st, "ok\n");
        arm_stall(egc, st);
        return;
    }
    tell_helper(st, "fail\n");
    if (rc != Error::Success) stop_copy(egc, st, rc);
    finish_if_done(egc, st);
}

int clamp_int(unsigned long v) { return v > unsigned(INT_MAX) ? INT_MAX : int(v); }

void helper_line(Egc &egc, ChildRun *cr, int stream, std::string line) {
    State &st = *static_cast<State *>(cr->data);
    if (stream == 2) {
        XLKIT_LOG(egc.ctx, INFO, "save helper: %s", line.c_str());
        return;
    }
    HelperLine in(line);
    const std::string_view word = in.word();
    if (word == "progress") {
        unsigned long done = 0, total = 0;
        (void)(in.num(&done) && in.num(&total));
        if (total) st.total_pages = total;
        report_stage(egc, *st.progress, st.domid, "memory", int(done), int(total));
        if (!st.suspending && st.rc == Error::Success) arm_stall(egc, st);
    } else if (word == "iteration") {
        unsigned n = 0;
        unsigned long sent = 0;
        long dirty = -1;
        (void)(in.num(&n) && in.num(&sent) && in.num(&dirty));
        PrecopyPass pass;
        pass.iteration = int(n);
        pass.dirty_pages = dirty;
        // absent: -1 (an older helper)
        (void)(in.num(&pass.pass_ms) && in.num(&pass.dirty_rate) && in.num(&pass.downtime_ms));
        // done/total: the pages sent so far, of at least those plus the
        // ones still dirty (the "progress" lines count within one pass).
        std::string stage = "pass " + std::to_string(n);
        if (dirty >= 0) stage += ": " + std::to_string(dirty) + " pages dirty";
        const unsigned long at_least = sent + (dirty > 0 ? static_cast<unsigned long>(dirty) : 0ul);
        report_pass(egc, *st.progress, st.domid, stage.c_str(), clamp_int(sent), clamp_int(at_least), pass);
        if (!st.suspending && st.rc == Error::Success) arm_stall(egc, st);
    } else if (word == "suspend") {
        egc.ctx.time_deregister(egc, st.stall);  // GuestSuspend has its own bounds
        if (st.rc != Error::Success) {
            tell_helper(st, "fail\n");
            return;
        }
        report_stage(egc, *st.progress, st.domid, "suspend", 0, 1);
        st.gs.ao = st.ao;
        st.gs.domid = st.domid;
        st.gs.ack_timeout_ms = st.suspend_timeout_ms;
        st.gs.suspend_timeout_ms = st.suspend_timeout_ms;
        st.gs.data = &st;
        st.gs.callback = suspended_cb;
        st.suspending = true;
        if (Error rc = guest_suspend_start(egc, st.gs); rc != Error::Success) {
            st.suspending = false;
            // Answered, not only signalled: the helper's SIGTERM handler may
            // run before it blocks reading this answer, and would then wait
            // for it for ever (seen on real Xen: a migration that hung until
            // killed, its guest shut down before the suspend).
            tell_helper(st, "fail\n");
            stop_copy(egc, st, rc);
        }
    } else {
        (void)st.reply.take(egc, "save", st.domid, word, in);
    }
}

void helper_done(Egc &egc, ChildRun *cr, Error rc, int status) {
    State &st = *static_cast<State *>(cr->data);
    egc.ctx.time_deregister(egc, st.stall);
    st.reaped = true;
    st.status = status;
    st.to_helper.reset();
    st.io.reset();
    if (st.rc == Error::Success && rc != Error::Success) st.rc = rc;
    finish_if_done(egc, st);
}

/* Completion, once the helper has been reaped and no guest suspend is in
 * progress. */
void finish_if_done(Egc &egc, State &st) {
    if (!st.reaped || st.suspending) return;
    abortable_deregister(egc, st.abortable);
    int status = st.status;
    if (st.rc == Error::Success && !st.reply.succeeded(status)) {
        st.reply.log_failure(egc, "save", "xc_domain_save", st.domid, status);
        st.rc = Error::Fail;
    }
    if (st.rc == Error::Success) st.rc = write_all(egc, st, save_format::record(save_format::kRecEnd), "END record");
    restore_fd_flags(st);
    if (st.rc != Error::Success && st.suspended) {
        // The guest runs on: a failed or aborted save leaves it as it was.
        if (resume_suspended(egc, st.domid) == Error::Success) st.suspended = false;
    }
    st.ao->complete(egc, st.rc);
}

Error save_start(Egc &egc, State &st, std::uint32_t domid, int fd, int flags, int data_timeout_ms,
                 int suspend_timeout_ms) {
    st.domid = domid;
    st.fd = fd;
    st.fd_kind = fd_kind(fd);
    st.data_timeout_ms = data_timeout_ms ? data_timeout_ms : kDefaultDataTimeoutMs;
    st.suspend_timeout_ms = suspend_timeout_ms;
    if (data_timeout_ms < 0 || suspend_timeout_ms < 0 || (flags & ~(kSuspendDebug | kSuspendLive))) {
        XLKIT_LOG(egc.ctx, ERROR, "save of domain %u: bad flags %d, data timeout %d ms or suspend timeout %d ms",
                  domid, flags, data_timeout_ms, suspend_timeout_ms);
        return Error::Inval;
    }
    int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
    if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
        XLKIT_LOG(egc.ctx, ERROR, "save of domain %u: fd %d is not open for writing", domid, fd);
        return Error::Inval;
    }
    XenStacks s;
    if (Error rc = xen_stacks(egc, &s); rc != Error::Success) return rc;
    DomInfo d;
    if (Error rc = query_domain(egc, *s.hv, domid, &d); rc != Error::Success) {
        if (rc == Error::DomainNotfound) XLKIT_LOG(egc.ctx, ERROR, "save: no domain %u", domid);
        return rc;
    }
    if (domid == 0 || d.dying || (d.shutdown && d.shutdown_reason != 2)) {
        XLKIT_LOG(egc.ctx, ERROR, "save: domain %u cannot be saved (%s)", domid,
                  domid == 0 ? "domain 0" : d.dying ? "dying" : "shut down");
        return Error::Inval;
    }
    std::string helper = helper_path(), found;
    if (!child_run_executable(helper, &found)) {
        XLKIT_LOG(egc.ctx, ERROR, "save: the save helper '%s' is not installed (XLKIT_SAVE_HELPER names another)",
                  helper.c_str());
        return Error::Inval;
    }
    // From here on the stream is being written: failures are completions.
    st.fd_flags = fl;
    if (fl & O_NONBLOCK) (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    auto fail = [&](Error rc) {
        restore_fd_flags(st);
        st.ao->complete(egc, rc);
        return Error::Success;
    };
    if (Error rc = write_all(egc, st, save_format::stream_header() + save_format::record(save_format::kRecLibxcContext),
                             "stream header");
        rc != Error::Success)
        return fail(rc);
    st.io.reset(fcntl(fd, F_DUPFD_CLOEXEC, 3));
    int p[2];
    if (!st.io || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0) {
        XLKIT_LOGE(egc.ctx, ERROR, errno, "save of domain %u: cannot set up the save helper's fds", domid);
        return fail(Error::Fail);
    }
    st.helper_in.reset(p[0]);
    st.to_helper.reset(p[1]);
    st.helper.ao = st.ao;
    st.helper.argv = {found, "save", std::to_string(st.io.get()), std::to_string(domid),
                      (flags & kSuspendLive) ? "1" : "0", (flags & kSuspendDebug) ? "1" : "0"};
    if (const MigratePolicy &mp = st.policy;
        mp.max_iterations || mp.dirty_threshold || mp.max_time_ms || mp.max_downtime_ms)
        for (std::uint64_t v : {std::uint64_t{mp.max_iterations}, std::uint64_t{mp.dirty_threshold},
                                std::uint64_t{mp.max_time_ms}, std::uint64_t{mp.max_downtime_ms}})
            st.helper.argv.push_back(std::to_string(v));
    st.helper.capture_stderr = true;
    st.helper.can_abort = false;  // aborted by SIGTERM below, so libxenguest tidies up
    st.helper.stdin_fd = st.helper_in.get();
    st.helper.inherit_fd = st.io.get();
    st.helper.on_line = helper_line;
    st.helper.callback = helper_done;
    st.helper.data = &st;
    st.abortable.data = &st;
    if (Error rc = abortable_register(egc, st.abortable, st.ao, abort_cb); rc != Error::Success) return fail(rc);
    if (Error rc = child_run_start(egc, st.helper); rc != Error::Success) {
        abortable_deregister(egc, st.abortable);
        return fail(rc);
    }
    st.helper_in.reset();
    report_stage(egc, *st.progress, domid, "memory", 0, 0);
    arm_stall(egc, st);
    return Error::Success;
}

} // namespace

Error domain_suspend(Ctx &ctx, std::uint32_t domid, int fd, int flags, AoHow how, ProgressHow progress_how,
                     int data_timeout_ms, int suspend_timeout_ms) {
    return ao_start<State>(ctx, std::move(how), &State::own_progress, std::move(progress_how), [=](Egc &egc, State &st) {
        return save_start(egc, st, domid, fd, flags, data_timeout_ms, suspend_timeout_ms);
    });
}

namespace detail {

Error domain_suspend_nested(Egc &egc, Ao *parent, Progress *progress, NestedDone done, void *done_data,
                            std::uint32_t domid, int fd, int flags, int data_timeout_ms,
                            const MigratePolicy *policy) {
    return ao_start_nested<State>(egc, parent, done, done_data, [=](Egc &e, State &st) {
        st.progress = progress;
        if (policy) st.policy = *policy;
        return save_start(e, st, domid, fd, flags, data_timeout_ms, 0);  // GuestSuspend's default bounds
    });
}

} // namespace detail

} // namespace xlkit
