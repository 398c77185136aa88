// EvImmediate: run a callback soon, without a system call.
//
// State machine (lock held):
//   Idle   --immediate_register-->  Queued   runs at the end of the current
//                                            egc (before the lock is dropped)
//   Idle   --immediate_post-->      Queued   runs in the thread driving the
//                                            loop; callable from any thread
//                                            holding an egc; wakes that thread
//   Queued --immediate_deregister--> Idle
//   Queued --runs-->                 Idle, then func(egc, ev)
//   Idle   --immediate_deregister--> Idle    harmless
// Registered immediates run in FIFO order, with no system call between them.
// func runs with the lock held and may queue further immediates; those run
// in the same drain (an immediate that re-queues itself forever starves the
// loop, as in libxl).
#pragma once

#include <boost/intrusive/list_hook.hpp>

namespace xlkit::detail {

class Egc;
class CtxImpl;

class EvImmediate {
public:
    using Func = void (*)(Egc &egc, EvImmediate *ev);

    EvImmediate() noexcept = default;
    EvImmediate(const EvImmediate &) = delete;
    EvImmediate &operator=(const EvImmediate &) = delete;

    bool queued() const noexcept { return hook_.is_linked(); }
    Func func() const noexcept { return func_; }

    // ---- filled in by the caller --------------------------------------
    void *data = nullptr;

private:
    friend class CtxImpl;
    friend class Egc;
    Func func_ = nullptr;
    bool posted_ = false;
    boost::intrusive::list_member_hook<> hook_;
};

} // namespace xlkit::detail
