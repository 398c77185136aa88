// Child processes and SIGCHLD.
//
// One process-wide SIGCHLD handler serves every ctx that owns SIGCHLD: it
// writes a byte to each such ctx's self-pipe (async-signal-safe: only
// write(2), errno saved). The pipe's read end is an ordinary EvFd, so reaping
// happens in whatever thread drives the ctx, under its lock, and works in
// every loop style.
#include <cerrno>
#include <csignal>
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event/child_signal.hpp"
#include "event/ctx_impl.hpp"
#include "event/log.hpp"

namespace xlkit::detail {

namespace {

constexpr int kSlots = 256;
// Write ends of the self-pipes, stored as fd+1 (0 = free slot).
std::atomic<int> g_slot[kSlots];
std::atomic<int> g_in_handler{0};
pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
int g_users = 0;
struct sigaction g_old_action;

void sigchld_handler(int) {
    g_in_handler.fetch_add(1, std::memory_order_acq_rel);
    int saved = errno;
    for (int i = 0; i < kSlots; ++i) {
        int v = g_slot[i].load(std::memory_order_acquire);
        if (v) (void)!write(v - 1, "", 1);  // EAGAIN: pipe full, already signalled
    }
    errno = saved;
    g_in_handler.fetch_sub(1, std::memory_order_acq_rel);
}

} // namespace

void sigchld_atfork_prepare() noexcept { pthread_mutex_lock(&g_mu); }
void sigchld_atfork_release() noexcept { pthread_mutex_unlock(&g_mu); }

void sigchld_postfork_child_reset() noexcept {
    // The child keeps none of the parent's contexts: stop signalling them.
    for (auto &s : g_slot) s.store(0, std::memory_order_relaxed);
    if (g_users > 0) (void)sigaction(SIGCHLD, &g_old_action, nullptr);
    g_users = 0;
}

void CtxImpl::sigchld_acquire(Egc &egc) {
    (void)egc;
    if (sigchld_slot_ >= 0) return;
    pthread_mutex_lock(&g_mu);
    for (int i = 0; i < kSlots; ++i) {
        if (g_slot[i].load(std::memory_order_relaxed) == 0) {
            g_slot[i].store(sigchld_wr_.get() + 1, std::memory_order_release);
            sigchld_slot_ = i;
            break;
        }
    }
    if (sigchld_slot_ >= 0 && g_users++ == 0) {
        struct sigaction sa = {};
        sa.sa_handler = sigchld_handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
        if (sigaction(SIGCHLD, &sa, &g_old_action) < 0)
            XLKIT_LOGE(*this, ERROR, errno, "cannot install the SIGCHLD handler");
    }
    pthread_mutex_unlock(&g_mu);
    if (sigchld_slot_ < 0)
        XLKIT_LOG(*this, ERROR, "more than %d contexts own SIGCHLD; children will be polled", kSlots);
}

void CtxImpl::sigchld_release() noexcept {
    if (sigchld_slot_ < 0) return;
    pthread_mutex_lock(&g_mu);
    g_slot[sigchld_slot_].store(0, std::memory_order_release);
    sigchld_slot_ = -1;
    // A handler that loaded our fd before the store may still write to it:
    // wait for it before the fd can be closed and its number reused.
    while (g_in_handler.load(std::memory_order_acquire)) sched_yield();
    if (--g_users == 0) (void)sigaction(SIGCHLD, &g_old_action, nullptr);
    pthread_mutex_unlock(&g_mu);
}

Error CtxImpl::child_fork(Egc &egc, EvChild &ev, EvChild::Func func, pid_t *pid_out) {
    if (!func || ev.active()) return Error::Inval;
    if (chldowner_ == xlkit_sigchld_owner_xlkit) sigchld_acquire(egc);
    pid_t pid;
    {
        LibraryForkScope scope;  // our own fork: the child will exec or _exit
        pid = child_hooks_ && child_hooks_->fork_replacement
                  ? child_hooks_->fork_replacement(child_hooks_user_)
                  : fork();
    }
    if (pid < 0) {
        XLKIT_LOGE(*this, ERROR, errno, "fork failed");
        if (children_.empty() && chldowner_ == xlkit_sigchld_owner_xlkit) sigchld_release();
        return Error::Fail;
    }
    if (pid != 0) {
        ev.func_ = func;
        ev.pid_ = pid;
        children_.push_back(ev);
    }
    *pid_out = pid;
    return Error::Success;
}

Error CtxImpl::child_spawn(Egc &egc, EvChild &ev, EvChild::Func func, const char *prog,
                           const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr, char *const *av,
                           char *const *envp, pid_t *pid_out) {
    if (!func || ev.active() || fork_is_replaced()) return Error::Inval;
    // SIGCHLD is ours before the child exists: it may exit at once.
    if (chldowner_ == xlkit_sigchld_owner_xlkit) sigchld_acquire(egc);
    pid_t pid = -1;
    // glibc's posix_spawn runs no atfork handlers and shares no state with
    // the child beyond the exec: nothing to guard, unlike child_fork.
    int e = posix_spawn(&pid, prog, fa, attr, av, envp);
    if (e != 0) {
        XLKIT_LOGE(*this, ERROR, e, "cannot start %s", prog);
        if (children_.empty() && chldowner_ == xlkit_sigchld_owner_xlkit) sigchld_release();
        return Error::Fail;
    }
    ev.func_ = func;
    ev.pid_ = pid;
    children_.push_back(ev);
    *pid_out = pid;
    return Error::Success;
}

Error CtxImpl::child_kill(Egc &egc, EvChild &ev, int sig) {
    (void)egc;
    if (!ev.active()) return Error::Inval;
    if (kill(ev.pid_, sig) < 0 && errno != ESRCH) {
        XLKIT_LOGE(*this, ERROR, errno, "kill(%d, %d)", int(ev.pid_), sig);
        return Error::Fail;
    }
    return Error::Success;
}

void CtxImpl::sigchld_cb(Egc &egc, EvFd *ev, int fd, short events, short revents) {
    (void)ev; (void)events; (void)revents;
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    CtxImpl &c = egc.ctx;
    if (c.chldowner_ != xlkit_sigchld_owner_mainloop) c.reap_children(egc);
}

namespace {
struct UnknownChild {
    Deferred d;  // data: this
    const xlkit_childproc_hooks *hooks;
    void *user;
    pid_t pid;
    int status;
};
} // namespace

void CtxImpl::reap_children(Egc &egc) {
    // Reaping every child of the process (waitpid(-1)) is right for one ctx
    // that owns SIGCHLD; with several (each ctx of the default mode owns it
    // while it has children) one would reap another's child and lose it,
    // as libxl does. So the default mode reaps all only while this ctx is
    // SIGCHLD's sole owner, checked and reaped under g_mu: another ctx's
    // child_fork takes g_mu (sigchld_acquire) before it forks, so no child
    // of another ctx can appear between the check and the waitpid. The
    // statuses are handed out after g_mu is dropped (a callback may fork).
    const bool always = chldowner_ == xlkit_sigchld_owner_xlkit_always;
    if (always || chldowner_ == xlkit_sigchld_owner_xlkit) {
        for (;;) {
            struct Reaped {
                pid_t pid;
                int status;
            } got[32];
            int n = 0;
            bool more = false, sole = always;
            pthread_mutex_lock(&g_mu);
            if (!always) sole = sigchld_slot_ >= 0 && g_users == 1;
            while (sole) {
                if (n == 32) {
                    more = true;
                    break;
                }
                int status;
                pid_t r = waitpid(-1, &status, WNOHANG);
                if (r <= 0) {
                    if (r < 0 && errno != ECHILD && errno != EINTR) {
                        pthread_mutex_unlock(&g_mu);
                        disaster(egc, "waitpid failed", errno);
                        return;
                    }
                    break;
                }
                got[n++] = {r, status};
            }
            pthread_mutex_unlock(&g_mu);
            if (!sole) break;  // shared: reap our own, below
            for (int i = 0; i < n; ++i) {
                pid_t r = got[i].pid;
                int status = got[i].status;
                if (childproc_reaped(egc, r, status) == Error::Success) continue;
                if (child_hooks_ && child_hooks_->reaped_callback) {
                    // An application callback: run it after the lock is dropped.
                    auto *u = new (std::nothrow) UnknownChild{{}, child_hooks_, child_hooks_user_, r, status};
                    if (u) {
                        u->d.data = u;
                        u->d.fn = [](Deferred *d) {
                            auto *uc = static_cast<UnknownChild *>(d->data);
                            (void)uc->hooks->reaped_callback(uc->pid, uc->status, uc->user);
                            delete uc;
                        };
                        egc.defer(u->d);
                    }
                } else {
                    XLKIT_LOG(*this, WARN, "reaped unknown child %d (status %#x)", int(r), unsigned(status));
                }
            }
            if (!more) {
                if (children_.empty() && chldowner_ == xlkit_sigchld_owner_xlkit) sigchld_release();
                return;
            }
        }
    }
    // Selective: only our own children. Restart after each callback, as
    // it may fork or drop other children.
again:
    for (EvChild &c : children_) {
        int status;
        pid_t r = waitpid(c.pid_, &status, WNOHANG);
        if (r == c.pid_) {
            (void)childproc_reaped(egc, r, status);
            goto again;
        }
    }
    if (children_.empty() && chldowner_ == xlkit_sigchld_owner_xlkit) sigchld_release();
}

Error CtxImpl::childproc_reaped(Egc &egc, pid_t pid, int status) {
    for (EvChild &c : children_) {
        if (c.pid_ != pid) continue;
        children_.erase(children_.iterator_to(c));
        c.pid_ = -1;
        c.func_(egc, &c, pid, status);
        return Error::Success;
    }
    return Error::UnknownChild;
}

void CtxImpl::childproc_sigchld_occurred(Egc &egc) {
    // The application owns SIGCHLD: check our children only.
    auto saved = chldowner_;
    chldowner_ = xlkit_sigchld_owner_xlkit_always_selective_reap;
    reap_children(egc);
    chldowner_ = saved;
}

void CtxImpl::childproc_setmode(Egc &egc, const xlkit_childproc_hooks *hooks, void *user) {
    sigchld_release();
    child_hooks_ = hooks;
    child_hooks_user_ = user;
    chldowner_ = hooks ? hooks->chldowner : xlkit_sigchld_owner_xlkit;
    if (chldowner_ == xlkit_sigchld_owner_xlkit_always ||
        chldowner_ == xlkit_sigchld_owner_xlkit_always_selective_reap ||
        (chldowner_ == xlkit_sigchld_owner_xlkit && !children_.empty()))
        sigchld_acquire(egc);
}

} // namespace xlkit::detail
