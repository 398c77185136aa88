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
//
// The queues are singly linked FIFOs (ImmediateQueue): queueing is three
// stores and running one an unlink of the head, as in the raw FIFO the
// benchmark (A) measures against. Deregistering walks its queue: it is
// rare (abort and tear-down paths) and the queues are short.
#pragma once

#include <cstdint>

namespace xlkit::detail {

class Egc;
class CtxImpl;
class ImmediateQueue;

class EvImmediate {
public:
    using Func = void (*)(Egc &egc, EvImmediate *ev);

    EvImmediate() noexcept = default;
    EvImmediate(const EvImmediate &) = delete;
    EvImmediate &operator=(const EvImmediate &) = delete;

    bool queued() const noexcept { return where_ != Where::Idle; }
    Func func() const noexcept { return func_; }

    // ---- filled in by the caller --------------------------------------
    void *data = nullptr;

private:
    friend class CtxImpl;
    friend class Egc;
    friend class ImmediateQueue;
    enum class Where : std::uint8_t { Idle, Registered, Posted };
    Func func_ = nullptr;
    EvImmediate *next_ = nullptr;
    Where where_ = Where::Idle;
};

/* A FIFO of EvImmediates linked through their next_. Not thread-safe: the
 * ctx's lock guards it. It stays where it was built (tail_ may point at
 * head_). */
class ImmediateQueue {
public:
    ImmediateQueue() noexcept = default;
    ImmediateQueue(const ImmediateQueue &) = delete;
    ImmediateQueue &operator=(const ImmediateQueue &) = delete;

    bool empty() const noexcept { return head_ == nullptr; }
    void push(EvImmediate &ev) noexcept {
        ev.next_ = nullptr;
        *tail_ = &ev;
        tail_ = &ev.next_;
    }
    /* The first; the queue must not be empty. */
    EvImmediate &pop() noexcept {
        EvImmediate *ev = head_;
        head_ = ev->next_;
        if (!head_) tail_ = &head_;
        return *ev;
    }
    /* Takes ev out; it must be in this queue. O(its position). */
    void erase(EvImmediate &ev) noexcept {
        EvImmediate **pp = &head_;
        while (*pp != &ev) pp = &(*pp)->next_;
        *pp = ev.next_;
        if (tail_ == &ev.next_) tail_ = pp;
    }

private:
    EvImmediate *head_ = nullptr;
    EvImmediate **tail_ = &head_;
};

} // namespace xlkit::detail
