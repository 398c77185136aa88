// Ao: one asynchronous operation (libxl's ao). Layer 2.
//
// Every slow public call creates an Ao from its AoHow, hangs sub-operations
// off it (timeouts, fd waits, children, xenstore waits...), and ends with
// Ao::inprogress(). Exactly one Ao::complete() follows, from the initiator
// or from any callback, on any thread.
//
// State machine (lock held for every transition):
//
//   create() ----------------------> Initiating
//   Initiating --create_fail(rc)---> freed; the initiating call returns rc,
//                                    the completion callback is released
//                                    unused (never called)
//   Initiating --complete(rc)------> Complete(in initiator)
//   Initiating --inprogress()------> InProgress            [async modes]
//   Initiating --inprogress()------> waits (private poller) until Complete,
//                                    then freed; returns rc [sync mode]
//   InProgress --complete(rc)------> Complete -> delivery scheduled
//   Complete(in initiator) --inprogress()--> delivery scheduled; returns Success
//   delivery: callback mode: after the lock is released, f(rc), then the
//             callable is released, then the Ao is freed;
//             event mode: OPERATION_COMPLETE{rc, for_user} is queued, the
//             Ao is freed.
//
// Progress reports made before complete() are all delivered (and their
// callbacks returned) before the completion is delivered or a synchronous
// caller returns.
//
// Abort: Ctx::ao_abort / xlkit_ao_abort / the AoHow's stop_token mark the
// root ao as aborting and call every registered AoAbortable with
// Error::Aborted. Nested aos (create_nested) share their root's abort.
//
// Memory: an Ao is one block holding the Ao and the operation's own state
// (create<State>()). Blocks are recycled through a small per-thread cache
// (block_cache.hpp), so an ao that starts and finishes on a warm thread
// allocates nothing. The per-ao arena is a second allocation, made on its
// first use only: the monotonic resource and its first chunk; both are freed
// with the Ao.
//
// Per ctx, the ao layer keeps the list of its aos in flight (AoCtx) in its
// slot of the event core (event/layer.hpp, id kAoLayer). When the ctx is
// freed, every ao still in flight is aborted and waited for before any layer
// is torn down (LayerOps::finish), since operations also use the layers
// above this one (the Xen layer).
//
// Callbacks of the ao layer find their owner through the `data` field of the
// node they are handed (Deferred, AoAbortable, EvTime...), never by casting
// the node to a structure it is the first member of.
#pragma once

#include <boost/intrusive/list.hpp>
#include <cassert>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <stop_token>
#include <type_traits>

#include "event/ctx_impl.hpp"
#include "event/egc.hpp"
#include "event/layer.hpp"
#include <xlkit/ao.hpp>

namespace xlkit::detail {

class Ao;

/* The ao layer's slot in the event core (event/layer.hpp). */
inline constexpr LayerId kAoLayer = 0;

/* AoAbortable: a sub-operation that abort can cut short (libxl's
 * libxl__ao_abortable).
 *   Idle   --abortable_register(ok)-->  Active
 *   Idle   --abortable_register()-->    Idle, returns Error::Aborted, if
 *                                       the root is already aborting
 *   Active --abortable_deregister-->    Idle  (twice is harmless)
 *   Active --abort-->                   Idle, then func(egc, ab, Aborted)
 * func runs with the lock held; it must end its sub-operation (usually by
 * completing it with Error::Aborted). */
struct AoAbortable {
    using Func = void (*)(Egc &egc, AoAbortable *ab, Error rc);
    void *data = nullptr;
    bool active() const noexcept { return hook_.is_linked(); }

    Func func_ = nullptr;
    Ao *root_ = nullptr;
    boost::intrusive::list_member_hook<> hook_;
};

Error abortable_register(Egc &egc, AoAbortable &ab, Ao *ao, AoAbortable::Func func);
void abortable_deregister(Egc &egc, AoAbortable &ab);

class Ao {
public:
    /* Create an ao for `how`, with room for the operation's state T
     * (default-constructed, destroyed with the ao). nullptr: out of memory
     * (how's callback is released). */
    template <class T>
    static T *create(Egc &egc, AoHow &&how, Ao **ao_out) {
        static_assert(alignof(T) <= alignof(std::max_align_t), "over-aligned operation state");
        constexpr std::size_t off = (sizeof(Ao) + alignof(T) - 1) / alignof(T) * alignof(T);
        Ao *ao = alloc(egc, std::move(how), off, off + sizeof(T));
        if (!ao) return nullptr;
        T *st = ::new (ao->state_) T();
        if constexpr (!std::is_trivially_destructible_v<T>)
            ao->destroy_state_ = [](void *p) noexcept { static_cast<T *>(p)->~T(); };
        *ao_out = ao;
        return st;
    }
    /* A nested ao: completes into `done` (lock held) instead of the
     * application; shares the root's abort. done finds its owner through
     * nested->nested_data() (done_data). */
    template <class T>
    static T *create_nested(Egc &egc, Ao *parent, void (*done)(Egc &, Ao *nested, Error rc),
                            void *done_data, Ao **ao_out) {
        T *st = create<T>(egc, AoHow{}, ao_out);
        if (!st) return nullptr;
        (*ao_out)->make_nested(parent, done, done_data);
        return st;
    }

    /* The initiating call's return value. Sync mode: waits, frees, returns
     * the operation's rc. Async: returns Success. (Inline: the fast path of an
     * operation that completed during its initiation.) */
    inline Error inprogress(Egc &egc);
    /* Initiation failed before inprogress: frees the ao, returns rc. */
    Error create_fail(Egc &egc, Error rc);
    /* Exactly once. */
    inline void complete(Egc &egc, Error rc);

    bool aborting() const noexcept { return root_->aborting_; }
    Ao *root() const noexcept { return root_; }
    bool completed() const noexcept { return complete_; }
    void *state() const noexcept { return state_; }
    void *nested_data() const noexcept { return nested_data_; }
    CtxImpl &ctx() const noexcept { return *ctx_; }
    /* The per-ao arena, built on first use (freed with the ao). */
    std::pmr::memory_resource *arena() noexcept { return arena_ ? arena_ : arena_slow(); }
    /* Progress bookkeeping (see progress.hpp): a report in flight holds the
     * completion back. */
    void progress_begin() noexcept { ++progress_inflight_; }
    void progress_end(Egc &egc) noexcept;

    // ---- private ------------------------------------------------------------
    boost::intrusive::list<AoAbortable,
                           boost::intrusive::member_hook<AoAbortable, boost::intrusive::list_member_hook<>,
                                                         &AoAbortable::hook_>,
                           boost::intrusive::constant_time_size<false>>
        abortables_;
    AoHow how_;

    /* Abort this (root) ao; returns Success or Error::Aborted if already. */
    Error abort(Egc &egc);
    /* Free without delivery (create_fail, sync return, event mode). */
    void destroy() noexcept;
    /* destroy(), after the lock is released. */
    void destroy_after_unlock(Egc &egc) noexcept;
    /* Destroy the operation's state now (idempotent). */
    void destroy_state() noexcept;

private:
    Error inprogress_slow(Egc &egc);
    void complete_slow(Egc &egc);
    static Ao *alloc(Egc &egc, AoHow &&how, std::size_t state_off, std::size_t size);
    Ao(CtxImpl &ctx, AoHow &&how, void *state, std::uint8_t block_class) noexcept
        : how_(std::move(how)), ctx_(&ctx), state_(state), block_class_(block_class) {
        deliver_.data = this;
    }
    /* Run fn(&deliver_) after the lock is released. */
    void defer(Egc &egc, Deferred::Fn fn) noexcept {
        deliver_.fn = fn;
        egc.defer(deliver_);
    }
    /* Free now, or after the unlock if a stop callback may be waiting for
     * the lock (destroying it waits for that callback). */
    void destroy_or_defer(Egc &egc) noexcept {
        if (stop_cb_)
            destroy_after_unlock(egc);
        else
            destroy();
    }
    std::pmr::memory_resource *arena_slow() noexcept;
    void make_nested(Ao *parent, void (*done)(Egc &, Ao *, Error), void *data) noexcept;
    void maybe_deliver(Egc &egc);
    static void deliver_callback(Deferred *d);
    void stop_watch_start(Egc &egc);

    CtxImpl *ctx_;
    Ao *root_ = this;
    Ao *parent_ = nullptr;
    void (*nested_done_)(Egc &, Ao *, Error) = nullptr;
    void *nested_data_ = nullptr;
    void *state_ = nullptr;
    void (*destroy_state_)(void *) noexcept = nullptr;
    Error rc_ = Error::Success;
    int progress_inflight_ = 0;
    bool complete_ = false;
    bool in_initiator_ = true;
    bool aborting_ = false;
    bool delivery_scheduled_ = false;
    bool abandoned_ = false;  // its sync caller gave up (ctx failed)
    std::uint8_t block_class_;  // its block's size class (block_cache.hpp)
    Poller *poller_ = nullptr;  // the sync caller's, while it waits
    Deferred deliver_;  // data: this
    struct StopHook {
        CtxImpl *ctx;
        Ao *ao;
        void operator()() noexcept;
    };
    std::optional<std::stop_callback<StopHook>> stop_cb_;
    std::pmr::monotonic_buffer_resource *arena_ = nullptr;  // lives in its first chunk
    /* In AoCtx::ops while in flight (a root ao, not yet completed). */
    boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> op_hook_;
    friend struct AoCtx;
};

/* The ao layer's per-ctx state, kept inline in the ctx's kAoLayer slot:
 * reached at a fixed offset from the ctx, attached by the ctx's first ao. */
struct AoCtx {
    boost::intrusive::list<
        Ao,
        boost::intrusive::member_hook<
            Ao, boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>,
            &Ao::op_hook_>,
        boost::intrusive::constant_time_size<false>>
        ops;  // root aos in flight, oldest first

    /* The ctx's, attached on first use (lock held). */
    static AoCtx &of(CtxImpl &ctx) noexcept {
        LayerSlot &s = ctx.layer(kAoLayer);
        if (!s.attached()) [[unlikely]]
            return attach(ctx);
        return s.state<AoCtx>();
    }
    /* The ctx's, or nullptr if it never had an ao (lock held). */
    static AoCtx *find(CtxImpl &ctx) noexcept {
        LayerSlot &s = ctx.layer(kAoLayer);
        return s.attached() ? &s.state<AoCtx>() : nullptr;
    }

private:
    static AoCtx &attach(CtxImpl &ctx) noexcept;
};

Error Ao::inprogress(Egc &egc) {
    // Completed during its initiation, with no progress report or stop
    // callback outstanding: return (sync) or schedule the callback at once.
    if (complete_ && progress_inflight_ == 0 && !parent_ && !stop_cb_) {
        switch (how_.mode()) {
        case AoHow::Mode::Sync: {
            in_initiator_ = false;
            Error rc = rc_;
            destroy();
            return rc;
        }
        case AoHow::Mode::Callback:
            in_initiator_ = false;
            delivery_scheduled_ = true;
            defer(egc, deliver_callback);
            return Error::Success;
        case AoHow::Mode::Event:
            break;
        }
    }
    return inprogress_slow(egc);
}

void Ao::complete(Egc &egc, Error rc) {
    assert(!complete_ && "an ao completes exactly once");
    complete_ = true;
    rc_ = rc;
    // No longer findable by abort (libxl: ERROR_NOTFOUND once completed).
    op_hook_.unlink();
    // In the initiator, inprogress() delivers.
    if (!in_initiator_ || !abortables_.empty()) complete_slow(egc);
}

/* The first in-flight root ao matching a C how (fn, user) or for_event
 * (fn == nullptr), or the first synchronous one (how == nullptr). */
Ao *ao_find(Egc &egc, const AoHow *how);
/* Every in-flight root ao: for teardown. */
void ao_abort_all(Egc &egc);
std::size_t ao_inflight(Egc &egc);

} // namespace xlkit::detail
