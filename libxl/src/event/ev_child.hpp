// EvChild: a child process xlkit started (forked, or spawned with
// posix_spawn; only the library starts them), and the callback that reports
// its exit.
//
// State machine (lock held):
//   Idle   --child_fork(parent, ok)-->  Active   pid() > 0
//   Idle   --child_fork(err)-->         Idle     func never called
//   Idle   --child_spawn(ok)-->         Active   pid() > 0 (no child side)
//   Idle   --child_spawn(err)-->        Idle     func never called
//   Active --child reaped-->            Idle, then func(egc, ev, pid, status)
//   Active --child_kill(sig)-->         Active   (still reaped normally)
// In the child, child_fork gives pid 0: the child must exec or _exit and may
// not use the ctx. The ctx must outlive its Active children's callbacks.
// How the exit is noticed depends on the SIGCHLD owner mode
// (Ctx::childproc_setmode): a self-pipe written by xlkit's SIGCHLD handler, or
// the application's childproc_reaped/_sigchld_occurred calls.
#pragma once

#include <boost/intrusive/list_hook.hpp>
#include <sys/types.h>

namespace xlkit::detail {

class Egc;
class CtxImpl;

class EvChild {
public:
    using Func = void (*)(Egc &egc, EvChild *ev, pid_t pid, int status);

    EvChild() noexcept = default;
    EvChild(const EvChild &) = delete;
    EvChild &operator=(const EvChild &) = delete;

    bool active() const noexcept { return pid_ > 0; }
    pid_t pid() const noexcept { return pid_; }

    // ---- filled in by the caller --------------------------------------
    void *data = nullptr;

private:
    friend class CtxImpl;
    Func func_ = nullptr;
    pid_t pid_ = -1;
    boost::intrusive::list_member_hook<> hook_;
};

} // namespace xlkit::detail
