// helper_run: a child process as an operation, its stdout lines as progress.
//
// State machine of one run (lock held throughout):
//   Starting --bad argv / timeout / pipe / fork-->  create_fail
//   Starting --forked-->            Running   (stdout watched, timeout armed;
//                                             if they cannot be armed: Killing)
//   Running  --stdout line-->       Running   HELPER_OUTPUT reported
//   Running  --timeout-->           Killing   SIGTERM, rc Timedout, SIGKILL
//                                             after the grace period
//   Running  --abort-->             Killing   SIGKILL, rc Aborted
//   Running|Killing --reaped-->     Done      remaining output drained and
//                                             reported, complete(rc)
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ao/ao_start.hpp"
#include "event/log.hpp"
#include <xlkit/helper.hpp>

namespace xlkit::detail {

namespace {

constexpr int kKillGraceMs = 1000;

struct HelperRun {
    Ao *ao = nullptr;
    Progress output;
    EvChild child;
    EvFd out_ev;
    EvTime timeout;
    EvTime grace;
    AoAbortable abortable;
    UniqueFd out_rd;
    std::string partial;
    int *status_r = nullptr;
    Error rc = Error::Success;  // the completion's, once decided (timeout, abort)
};

// Is prog (searched in PATH if it has no '/') an executable regular file?
bool executable(const std::string &prog, std::string *found) {
    auto ok = [](const std::string &p) {
        struct stat st;
        return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
    };
    if (prog.find('/') != std::string::npos) {
        *found = prog;
        return ok(prog);
    }
    const char *path = getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    for (;;) {
        std::size_t end = dirs.find(':', start);
        std::string dir = dirs.substr(start, end - start);
        std::string cand = (dir.empty() ? std::string(".") : dir) + "/" + prog;
        if (ok(cand)) {
            *found = cand;
            return true;
        }
        if (end == std::string::npos) return false;
        start = end + 1;
    }
}

void report_line(Egc &egc, HelperRun *h, std::string line) {
    if (!h->output.wanted()) return;
    auto ev = std::make_unique<Event>();
    EventHelperOutput out;
    out.stream = 1;
    out.line = std::move(line);
    ev->u = std::move(out);
    h->output.report(egc, std::move(ev));
}

// Read what is available; report complete lines. Returns false at EOF or
// on error (the fd is then finished).
bool pump_output(Egc &egc, HelperRun *h) {
    char buf[4096];
    for (;;) {
        ssize_t n = read(h->out_rd.get(), buf, sizeof buf);
        if (n > 0) {
            h->partial.append(buf, static_cast<std::size_t>(n));
            std::size_t pos;
            while ((pos = h->partial.find('\n')) != std::string::npos) {
                report_line(egc, h, h->partial.substr(0, pos));
                h->partial.erase(0, pos + 1);
            }
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return true;
        return false;  // EOF or error
    }
}

void finish_output(Egc &egc, HelperRun *h) {
    egc.ctx.fd_deregister(egc, h->out_ev);
    if (!h->partial.empty()) {
        report_line(egc, h, std::move(h->partial));
        h->partial.clear();
    }
    h->out_rd.reset();
}

void output_cb(Egc &egc, EvFd *ev, int, short, short) {
    auto *h = static_cast<HelperRun *>(ev->data);
    if (!pump_output(egc, h)) finish_output(egc, h);
}

void exited_cb(Egc &egc, EvChild *ev, pid_t, int status) {
    auto *h = static_cast<HelperRun *>(ev->data);
    if (h->status_r) *h->status_r = status;
    // Everything the program wrote is in the pipe now (a grandchild may
    // still hold it open: do not wait for EOF).
    if (h->out_rd) {
        (void)pump_output(egc, h);
        finish_output(egc, h);
    }
    egc.ctx.time_deregister(egc, h->timeout);
    egc.ctx.time_deregister(egc, h->grace);
    abortable_deregister(egc, h->abortable);
    h->ao->complete(egc, h->rc);
}

void grace_cb(Egc &egc, EvTime *ev, Nanos, Error) {
    auto *h = static_cast<HelperRun *>(ev->data);
    (void)egc.ctx.child_kill(egc, h->child, SIGKILL);
}

void timeout_cb(Egc &egc, EvTime *ev, Nanos, Error) {
    auto *h = static_cast<HelperRun *>(ev->data);
    if (h->rc == Error::Success) h->rc = Error::Timedout;
    XLKIT_LOG(egc.ctx, INFO, "helper pid %d timed out: SIGTERM", int(h->child.pid()));
    (void)egc.ctx.child_kill(egc, h->child, SIGTERM);
    h->grace.data = h;
    if (egc.ctx.time_register_rel(egc, h->grace, grace_cb, kKillGraceMs) != Error::Success)
        (void)egc.ctx.child_kill(egc, h->child, SIGKILL);
}

void abort_cb(Egc &egc, AoAbortable *ab, Error rc) {
    auto *h = static_cast<HelperRun *>(ab->data);
    if (h->rc == Error::Success) h->rc = rc;
    (void)egc.ctx.child_kill(egc, h->child, SIGKILL);  // completes when reaped
}

// In the child, between fork and exec: async-signal-safe calls only
// (everything was prepared by the parent).
[[noreturn]] void exec_child(const char *prog, char *const *av, int devnull, int out_wr) {
    if (devnull >= 0) (void)dup2(devnull, 0);
    if (dup2(out_wr, 1) < 0) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    (void)sigaction(SIGPIPE, &dfl, nullptr);
    (void)sigaction(SIGCHLD, &dfl, nullptr);
    execv(prog, av);
    _exit(127);
}

Error helper_start(Egc &egc, HelperRun &h, HelperRunArgs &args) {
    h.status_r = args.status_r;
    std::string prog;
    if (args.argv.empty()) {
        XLKIT_LOG(egc.ctx, ERROR, "helper_run: argv is empty");
        return Error::Inval;
    }
    if (args.timeout_ms < 0) {
        XLKIT_LOG(egc.ctx, ERROR, "helper_run: negative timeout %d ms", args.timeout_ms);
        return Error::Inval;
    }
    if (!executable(args.argv[0], &prog)) {
        XLKIT_LOG(egc.ctx, ERROR, "helper_run: '%s' is not an executable program", args.argv[0].c_str());
        return Error::Inval;
    }
    Error rc = abortable_register(egc, h.abortable, h.ao, abort_cb);
    if (rc != Error::Success) return rc;
    h.abortable.data = &h;

    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        XLKIT_LOGE(egc.ctx, ERROR, errno, "helper_run: pipe");
        abortable_deregister(egc, h.abortable);
        return Error::Fail;
    }
    h.out_rd.reset(p[0]);
    UniqueFd out_wr(p[1]);
    std::vector<char *> av;
    av.reserve(args.argv.size() + 1);
    for (std::string &a : args.argv) av.push_back(a.data());
    av.push_back(nullptr);
    UniqueFd devnull(open("/dev/null", O_RDONLY | O_CLOEXEC));
    h.child.data = &h;
    pid_t pid = -1;
    rc = egc.ctx.child_fork(egc, h.child, exited_cb, &pid);
    if (rc != Error::Success) {
        abortable_deregister(egc, h.abortable);
        return rc;
    }
    if (pid == 0) exec_child(prog.c_str(), av.data(), devnull.get(), out_wr.get());
    // The child runs: from here on the reap completes the operation.
    out_wr.reset();
    (void)fcntl(h.out_rd.get(), F_SETFL, O_NONBLOCK);
    h.out_ev.data = &h;
    rc = egc.ctx.fd_register(egc, h.out_ev, output_cb, h.out_rd.get(), POLLIN);
    if (rc == Error::Success && args.timeout_ms > 0) {
        h.timeout.data = &h;
        rc = egc.ctx.time_register_rel(egc, h.timeout, timeout_cb, args.timeout_ms);
    }
    if (rc != Error::Success) {
        // Kill it and let the reap complete us with rc.
        h.rc = rc;
        (void)egc.ctx.child_kill(egc, h.child, SIGKILL);
    }
    return Error::Success;
}

} // namespace
} // namespace xlkit::detail

namespace xlkit {

using namespace detail;

Error helper_run(Ctx &ctx, HelperRunArgs args, AoHow how, ProgressHow output_how) {
    return ao_start<HelperRun>(ctx, std::move(how), &HelperRun::output, std::move(output_how),
                               [&args](Egc &egc, HelperRun &h) { return helper_start(egc, h, args); });
}

} // namespace xlkit
