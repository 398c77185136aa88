// ChildRun: see child_run.hpp for the state machine.
#include "ops/child_run.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/ctx_impl.hpp"
#include "event/log.hpp"

extern char **environ;

namespace xlkit::detail {

namespace {

constexpr int kKillGraceMs = 1000;

void signal_run(Egc &egc, ChildRun &cr, int sig) {
    if (!cr.child.active()) return;
    if (cr.own_pgrp)
        (void)kill(-cr.child.pid(), sig);
    else
        (void)egc.ctx.child_kill(egc, cr.child, sig);
}

void deliver(Egc &egc, ChildRun::Stream &s, std::string line) {
    if (s.run->on_line) s.run->on_line(egc, s.run, s.no, std::move(line));
}

// Read what is available; deliver complete lines. false at EOF or error.
bool pump(Egc &egc, ChildRun::Stream &s) {
    char buf[4096];
    for (;;) {
        ssize_t n = read(s.fd.get(), buf, sizeof buf);
        if (n > 0) {
            s.partial.append(buf, static_cast<std::size_t>(n));
            std::size_t pos;
            while ((pos = s.partial.find('\n')) != std::string::npos) {
                std::string line = s.partial.substr(0, pos);
                s.partial.erase(0, pos + 1);
                deliver(egc, s, std::move(line));
            }
            // A pipe gives all it holds: a short read drained it, and
            // another read would only say EAGAIN (the fd is polled level-
            // triggered, so what comes later wakes the loop again).
            if (static_cast<std::size_t>(n) < sizeof buf) return true;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return true;
        return false;
    }
}

void finish_stream(Egc &egc, ChildRun::Stream &s) {
    if (!s.fd) return;
    egc.ctx.fd_deregister(egc, s.ev);
    if (!s.partial.empty()) {
        std::string last = std::move(s.partial);
        s.partial.clear();
        deliver(egc, s, std::move(last));
    }
    s.fd.reset();
}

void output_cb(Egc &egc, EvFd *ev, int, short, short) {
    auto *s = static_cast<ChildRun::Stream *>(ev->data);
    if (!pump(egc, *s)) finish_stream(egc, *s);
}

void exited_cb(Egc &egc, EvChild *ev, pid_t, int status) {
    auto *cr = static_cast<ChildRun *>(ev->data);
    // Everything the program wrote is in the pipes now (a grandchild may
    // still hold them open: do not wait for EOF).
    for (ChildRun::Stream &s : cr->out) {
        if (s.fd) (void)pump(egc, s);
        finish_stream(egc, s);
    }
    egc.ctx.time_deregister(egc, cr->timeout);
    egc.ctx.time_deregister(egc, cr->grace);
    abortable_deregister(egc, cr->abort);
    if (cr->rc != Error::Success && cr->own_pgrp) (void)kill(-ev->pid(), SIGKILL);  // what is left of the group
    Error rc = cr->rc;
    cr->rc = Error::Success;
    cr->callback(egc, cr, rc, status);
}

void grace_cb(Egc &egc, EvTime *ev, Nanos, Error) {
    auto *cr = static_cast<ChildRun *>(ev->data);
    signal_run(egc, *cr, SIGKILL);
}

void timeout_cb(Egc &egc, EvTime *ev, Nanos, Error) {
    auto *cr = static_cast<ChildRun *>(ev->data);
    if (cr->rc == Error::Success) cr->rc = Error::Timedout;
    XLKIT_LOG(egc.ctx, INFO, "%s (pid %d) timed out: SIGTERM", cr->argv[0].c_str(), int(cr->child.pid()));
    signal_run(egc, *cr, SIGTERM);
    cr->grace.data = cr;
    if (egc.ctx.time_register_rel(egc, cr->grace, grace_cb, kKillGraceMs) != Error::Success)
        signal_run(egc, *cr, SIGKILL);
}

void abort_cb(Egc &egc, AoAbortable *ab, Error rc) {
    auto *cr = static_cast<ChildRun *>(ab->data);
    if (cr->rc == Error::Success) cr->rc = rc;
    signal_run(egc, *cr, SIGKILL);  // completes when reaped
}

// In the child, between fork and exec: async-signal-safe calls only
// (everything was prepared by the parent).
[[noreturn]] void exec_child(const char *prog, char *const *av, char *const *envp, int devnull, int out_wr,
                             int err_wr, bool own_pgrp, int inherit_fd) {
    if (own_pgrp) (void)setpgid(0, 0);
    if (devnull >= 0) (void)dup2(devnull, 0);
    if (inherit_fd >= 3) (void)fcntl(inherit_fd, F_SETFD, 0);
    if (dup2(out_wr, 1) < 0) _exit(127);
    if (err_wr >= 0 && dup2(err_wr, 2) < 0) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    (void)sigaction(SIGPIPE, &dfl, nullptr);
    (void)sigaction(SIGCHLD, &dfl, nullptr);
    (void)sigaction(SIGINT, &dfl, nullptr);
    (void)sigaction(SIGTERM, &dfl, nullptr);
    execve(prog, av, envp);
    _exit(127);
}

// The same as exec_child, with posix_spawn: no copy of this process, so
// none of the page-table copying and copy-on-write faults a fork costs a
// large or busy caller (docs/performance-vm.md, "Why a short command costs
// what it does here").
// glibc's adddup2 of an fd onto itself clears its FD_CLOEXEC (inherit_fd).
Error spawn_child(Egc &egc, ChildRun &cr, const char *prog, char *const *av, char *const *envp, int in_fd,
                  int out_wr, int err_wr, pid_t *pid) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    if (posix_spawn_file_actions_init(&fa) != 0) return Error::Nomem;
    if (posix_spawnattr_init(&attr) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return Error::Nomem;
    }
    int e = in_fd >= 0 ? posix_spawn_file_actions_adddup2(&fa, in_fd, 0) : 0;
    if (cr.inherit_fd >= 3) e = e ? e : posix_spawn_file_actions_adddup2(&fa, cr.inherit_fd, cr.inherit_fd);
    e = e ? e : posix_spawn_file_actions_adddup2(&fa, out_wr, 1);
    if (err_wr >= 0) e = e ? e : posix_spawn_file_actions_adddup2(&fa, err_wr, 2);
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    for (int sig : {SIGPIPE, SIGCHLD, SIGINT, SIGTERM}) sigaddset(&dfl, sig);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (cr.own_pgrp) {
        flags |= POSIX_SPAWN_SETPGROUP;
        e = e ? e : posix_spawnattr_setpgroup(&attr, 0);
    }
    e = e ? e : posix_spawnattr_setsigmask(&attr, &none);
    e = e ? e : posix_spawnattr_setsigdefault(&attr, &dfl);
    e = e ? e : posix_spawnattr_setflags(&attr, flags);
    Error rc = Error::Success;
    if (e != 0) {
        XLKIT_LOGE(egc.ctx, ERROR, e, "%s: preparing its start", cr.argv[0].c_str());
        rc = Error::Fail;
    } else {
        rc = egc.ctx.child_spawn(egc, cr.child, exited_cb, prog, &fa, &attr, av, envp, pid);
    }
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

Error open_pipe(Egc &egc, ChildRun &cr, int i, UniqueFd *wr) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        XLKIT_LOGE(egc.ctx, ERROR, errno, "%s: pipe", cr.argv[0].c_str());
        return Error::Fail;
    }
    cr.out[i].fd.reset(p[0]);
    wr->reset(p[1]);
    cr.out[i].run = &cr;
    cr.out[i].no = i + 1;
    cr.out[i].partial.clear();
    return Error::Success;
}

} // namespace

bool child_run_executable(const std::string &prog, std::string *found) {
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

Error child_run_start(Egc &egc, ChildRun &cr) {
    std::string prog;
    if (cr.argv.empty() || !cr.callback) {
        XLKIT_LOG(egc.ctx, ERROR, "child run: no program or no callback");
        return Error::Inval;
    }
    if (cr.timeout_ms < 0) {
        XLKIT_LOG(egc.ctx, ERROR, "%s: negative timeout %d ms", cr.argv[0].c_str(), cr.timeout_ms);
        return Error::Inval;
    }
    if (!child_run_executable(cr.argv[0], &prog)) {
        XLKIT_LOG(egc.ctx, ERROR, "'%s' is not an executable program", cr.argv[0].c_str());
        return Error::Inval;
    }
    cr.rc = Error::Success;
    if (cr.can_abort) {
        Error rc = abortable_register(egc, cr.abort, cr.ao, abort_cb);
        if (rc != Error::Success) return rc;
        cr.abort.data = &cr;
    }
    auto fail = [&](Error rc) {
        abortable_deregister(egc, cr.abort);
        for (ChildRun::Stream &s : cr.out) s.fd.reset();
        return rc;
    };
    UniqueFd out_wr, err_wr;
    if (Error rc = open_pipe(egc, cr, 0, &out_wr); rc != Error::Success) return fail(rc);
    if (cr.capture_stderr)
        if (Error rc = open_pipe(egc, cr, 1, &err_wr); rc != Error::Success) return fail(rc);

    std::vector<char *> av;
    av.reserve(cr.argv.size() + 1);
    for (std::string &a : cr.argv) av.push_back(a.data());
    av.push_back(nullptr);
    // The environment: ours, with cr.env's names replaced or added.
    std::vector<char *> envp;
    for (char **e = environ; e && *e; ++e) {
        const char *eq = std::strchr(*e, '=');
        std::size_t n = eq ? std::size_t(eq - *e) + 1 : std::strlen(*e);
        bool replaced = false;
        for (const std::string &x : cr.env) replaced = replaced || x.compare(0, n, *e, n) == 0;
        if (!replaced) envp.push_back(*e);
    }
    for (std::string &x : cr.env) envp.push_back(x.data());
    envp.push_back(nullptr);
    UniqueFd devnull(cr.stdin_fd >= 0 ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC));
    cr.child.data = &cr;
    pid_t pid = -1;
    const int in_fd = cr.stdin_fd >= 0 ? cr.stdin_fd : devnull.get();
    if (!egc.ctx.fork_is_replaced()) {
        if (Error rc = spawn_child(egc, cr, prog.c_str(), av.data(), envp.data(), in_fd, out_wr.get(),
                                   err_wr ? err_wr.get() : -1, &pid);
            rc != Error::Success)
            return fail(rc);
    } else {
        // The application's fork_replacement stands for fork(): the fork
        // path, with the child's side done here.
        if (Error rc = egc.ctx.child_fork(egc, cr.child, exited_cb, &pid); rc != Error::Success) return fail(rc);
        if (pid == 0)
            exec_child(prog.c_str(), av.data(), envp.data(), in_fd, out_wr.get(), err_wr ? err_wr.get() : -1,
                       cr.own_pgrp, cr.inherit_fd);
    }
    if (cr.own_pgrp) (void)setpgid(pid, pid);  // both sides: no window where a kill misses the group
    // The child runs: from here on the reap completes the run.
    out_wr.reset();
    err_wr.reset();
    Error rc = Error::Success;
    for (ChildRun::Stream &s : cr.out) {
        if (!s.fd || rc != Error::Success) continue;
        (void)fcntl(s.fd.get(), F_SETFL, O_NONBLOCK);
        s.ev.data = &s;
        rc = egc.ctx.fd_register(egc, s.ev, output_cb, s.fd.get(), POLLIN);
    }
    if (rc == Error::Success && cr.timeout_ms > 0) {
        cr.timeout.data = &cr;
        rc = egc.ctx.time_register_rel(egc, cr.timeout, timeout_cb, cr.timeout_ms);
    }
    if (rc != Error::Success) {
        cr.rc = rc;  // kill it; the reap completes the run with rc
        signal_run(egc, cr, SIGKILL);
    }
    return Error::Success;
}

} // namespace xlkit::detail
