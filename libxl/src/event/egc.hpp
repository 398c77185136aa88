// Egc: the "event generation context" of one entry into xlkit (libxl's egc).
//
// Constructing an Egc takes the ctx lock. Work that must reach the application
// (events, operation completions, progress reports, disaster) is not run under
// the lock: it is queued on the Egc as a Deferred and run when the Egc ends,
// after immediates have drained and the lock has been released. So
// application callbacks may call back into xlkit, and internal callbacks never
// see the application re-enter them.
//
// Sequence at the end of an Egc (and at flush()):
//   1. run queued EvImmediates (lock held) until none is left;
//   2. release the lock;
//   3. run Deferred callbacks in FIFO order (each may start new Egcs);
//   (flush() then re-takes the lock.)
#pragma once

namespace xlkit::detail {

class CtxImpl;

/* A unit of work for the application, run after the lock is released.
 * fn must not throw. The node may be freed by fn. As with every embedded
 * node (EvFd, EvTime...), fn finds its owner through data. */
struct Deferred {
    using Fn = void (*)(Deferred *d);
    // ---- filled in by the caller --------------------------------------
    Fn fn = nullptr;
    void *data = nullptr;

    Deferred *next_ = nullptr;  // the Egc's FIFO (singly linked)
};

class Egc {
public:
    explicit Egc(CtxImpl &ctx) noexcept;
    ~Egc();
    Egc(const Egc &) = delete;
    Egc &operator=(const Egc &) = delete;

    /* Queue d to run after the lock is released (d must not be queued). */
    void defer(Deferred &d) noexcept {
        d.next_ = nullptr;
        *tail_ = &d;
        tail_ = &d.next_;
    }
    /* Deliver everything queued so far, then re-take the lock. */
    void flush() noexcept;
    /* The innermost Egc of this thread that holds its ctx's lock, or null:
     * for code reached with the lock held but without an Egc in hand
     * (e.g. a closure released during a failed initiation). */
    static Egc *current() noexcept;

    CtxImpl &ctx;

private:
    void deliver() noexcept;
    Egc *prev_;
    Deferred *head_ = nullptr;
    Deferred **tail_ = &head_;
    friend class CtxImpl;  // locked_by_me walks the chain
};

} // namespace xlkit::detail
