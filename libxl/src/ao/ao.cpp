// The ao lifecycle: create, inprogress, complete, deliver, free.
#include "ao/ao.hpp"

#include <cassert>
#include <cstdint>
#include <new>
#include <utility>

#include "ao/ao_events.hpp"
#include "ao/block_cache.hpp"
#include "event/log.hpp"

namespace xlkit::detail {

namespace {

constexpr std::size_t kArenaFirstChunk = 256;

/* Teardown step 1 (layer.hpp): every operation still in flight completes
 * (with Error::Aborted where its sub-operations honour the abort) before
 * any layer goes away, so every callback and closure is released exactly
 * once, and no operation outlives the Xen layer it uses. */
void ao_finish_all(CtxImpl &ctx) noexcept {
    Egc egc(ctx);
    ao_abort_all(egc);
    AoCtx &a = AoCtx::of(ctx);
    (void)ctx.wait_until(egc, [&] { return a.ops.empty(); }, kNever);
}

constexpr LayerOps kAoLayerOps{ao_finish_all, nullptr};

} // namespace

AoCtx &AoCtx::attach(CtxImpl &ctx) noexcept { return ctx.layer(kAoLayer).attach<AoCtx>(kAoLayerOps); }

std::pmr::memory_resource *Ao::arena_slow() noexcept {
    // One allocation: the resource, then its first chunk.
    constexpr std::size_t head =
        (sizeof(std::pmr::monotonic_buffer_resource) + alignof(std::max_align_t) - 1) /
        alignof(std::max_align_t) * alignof(std::max_align_t);
    void *mem = ::operator new(head + kArenaFirstChunk, std::nothrow);
    if (!mem) {
        XLKIT_LOG(*ctx_, ERROR, "out of memory creating an operation's arena");
        return std::pmr::null_memory_resource();  // its allocate() throws bad_alloc
    }
    arena_ = ::new (mem) std::pmr::monotonic_buffer_resource(static_cast<char *>(mem) + head,
                                                             kArenaFirstChunk);
    return arena_;
}

Ao *Ao::alloc(Egc &egc, AoHow &&how, std::size_t off, std::size_t size) {
    std::uint8_t cls;
    void *mem = block_get(size, &cls);
    if (!mem) {
        XLKIT_LOG(egc.ctx, ERROR, "out of memory creating an operation");
        return nullptr;  // `how` (and its callback) is released by the caller's temporary
    }
    Ao *ao = ::new (mem) Ao(egc.ctx, std::move(how), static_cast<char *>(mem) + off, cls);
    AoCtx::of(egc.ctx).ops.push_back(*ao);
    if (ao->how_.stop_token_ref().stop_possible()) ao->stop_watch_start(egc);
    return ao;
}

void Ao::make_nested(Ao *parent, void (*done)(Egc &, Ao *, Error), void *data) noexcept {
    op_hook_.unlink();  // only roots are in flight for abort and teardown
    parent_ = parent;
    root_ = parent->root_;
    nested_done_ = done;
    nested_data_ = data;
}

void Ao::StopHook::operator()() noexcept {
    if (ctx->locked_by_me()) {
        // Stop was requested while we register for it, under our own lock:
        // just mark it; abortables registered from now on are refused.
        ao->aborting_ = true;
        return;
    }
    Egc egc(*ctx);
    // The ao cannot be freed meanwhile: freeing destroys this stop callback
    // first, which waits for us.
    if (!ao->complete_) (void)ao->abort(egc);
}

void Ao::stop_watch_start(Egc &egc) {
    (void)egc;
    std::stop_token &st = how_.stop_token_ref();
    if (!st.stop_possible()) return;
    if (st.stop_requested()) {
        aborting_ = true;
        return;
    }
    stop_cb_.emplace(st, StopHook{ctx_, this});
}

Error Ao::create_fail(Egc &egc, Error rc) {
    assert(rc != Error::Success);
    assert(!complete_);
    // Progress already reported means the operation had started: then it
    // must complete (and deliver those reports) instead.
    assert(progress_inflight_ == 0 && "create_fail after a progress report: use complete()");
    op_hook_.unlink();
    abortables_.clear();
    // The callback is never called: destroying the how releases it.
    destroy_or_defer(egc);
    return rc;
}

Error Ao::inprogress_slow(Egc &egc) {
    if (parent_ || how_.mode() != AoHow::Mode::Sync) {
        in_initiator_ = false;
        if (complete_) maybe_deliver(egc);
        return Error::Success;
    }
    in_initiator_ = false;
    // Done already (no progress report outstanding): no need to wait.
    Error rc = complete_ && progress_inflight_ == 0
                   ? Error::Success
                   : ctx_->wait_until(
                         egc, [this] { return complete_ && progress_inflight_ == 0; }, kNever, &poller_);
    if (rc != Error::Success) {
        // The ctx failed under us: the ao can no longer finish normally.
        // Leave it to the ctx teardown.
        XLKIT_LOG(*ctx_, ERROR, "synchronous operation abandoned: %s", describe(rc));
        abandoned_ = true;
        poller_ = nullptr;
        return rc;
    }
    rc = rc_;
    destroy_or_defer(egc);
    return rc;
}

void Ao::complete_slow(Egc &egc) {
    if (!abortables_.empty()) {
        XLKIT_LOG(*ctx_, ERROR, "operation completed with sub-operations still abortable");
        abortables_.clear();
    }
    maybe_deliver(egc);
}

void Ao::progress_end(Egc &egc) noexcept {
    assert(progress_inflight_ > 0);
    if (--progress_inflight_ == 0) maybe_deliver(egc);
}

void Ao::maybe_deliver(Egc &egc) {
    // In the initiator, inprogress() delivers.
    if (!complete_ || progress_inflight_ > 0 || in_initiator_) return;
    if (parent_) {
        nested_done_(egc, this, rc_);
        destroy();
        return;
    }
    switch (how_.mode()) {
    case AoHow::Mode::Sync:
        if (abandoned_) {
            destroy();
            return;
        }
        if (poller_) ctx_->poller_wake(*poller_);
        return;
    case AoHow::Mode::Callback:
        if (delivery_scheduled_) return;
        delivery_scheduled_ = true;
        defer(egc, deliver_callback);
        return;
    case AoHow::Mode::Event:
        if (delivery_scheduled_) return;
        delivery_scheduled_ = true;
        queue_operation_complete(egc, how_.for_event(), rc_);
        destroy_after_unlock(egc);
        return;
    }
}

void Ao::deliver_callback(Deferred *d) {
    Ao *ao = static_cast<Ao *>(d->data);
    ao->stop_cb_.reset();  // unlocked: may wait for a running stop request
    // The operation's state goes first (releasing its progress closures),
    // so the completion callback is the last thing the application sees.
    ao->destroy_state();
    UniqueCallback<Error> &cb = ao->how_.callback_ref();
    cb(ao->rc_);
    cb.reset();  // released exactly once, after its only call
    ao->destroy();
}

void Ao::destroy_state() noexcept {
    if (auto fn = std::exchange(destroy_state_, nullptr)) fn(state_);
}

void Ao::destroy_after_unlock(Egc &egc) noexcept {
    defer(egc, [](Deferred *d) { static_cast<Ao *>(d->data)->destroy(); });
}

void Ao::destroy() noexcept {
    stop_cb_.reset();
    destroy_state();
    if (arena_) {
        arena_->~monotonic_buffer_resource();
        ::operator delete(static_cast<void *>(arena_));
    }
    std::uint8_t cls = block_class_;
    this->~Ao();
    block_put(this, cls);
}

Error Ao::abort(Egc &egc) {
    if (aborting_) return Error::Aborted;
    aborting_ = true;
    while (!abortables_.empty()) {
        AoAbortable &ab = abortables_.front();
        abortables_.pop_front();
        ab.func_(egc, &ab, Error::Aborted);
    }
    return Error::Success;
}

Error abortable_register(Egc &egc, AoAbortable &ab, Ao *ao, AoAbortable::Func func) {
    (void)egc;
    Ao *root = ao->root();
    if (root->aborting()) return Error::Aborted;
    ab.func_ = func;
    ab.root_ = root;
    if (!ab.active()) root->abortables_.push_back(ab);
    return Error::Success;
}

void abortable_deregister(Egc &egc, AoAbortable &ab) {
    (void)egc;
    if (ab.active()) ab.root_->abortables_.erase(ab.root_->abortables_.iterator_to(ab));
}

Ao *ao_find(Egc &egc, const AoHow *how) {
    AoCtx *ac = AoCtx::find(egc.ctx);
    if (!ac) return nullptr;
    for (Ao &a : ac->ops) {
        if (a.completed()) continue;
        if (!how) {
            if (a.how_.mode() == AoHow::Mode::Sync) return &a;
            continue;
        }
        switch (how->mode()) {
        case AoHow::Mode::Callback:
            if (a.how_.mode() == AoHow::Mode::Callback && a.how_.match_fn() &&
                a.how_.match_fn() == how->match_fn() && a.how_.match_user() == how->match_user())
                return &a;
            break;
        case AoHow::Mode::Event:
            if (a.how_.mode() == AoHow::Mode::Event && a.how_.for_event() == how->for_event())
                return &a;
            break;
        case AoHow::Mode::Sync:
            if (a.how_.mode() == AoHow::Mode::Sync) return &a;
            break;
        }
    }
    return nullptr;
}

void ao_abort_all(Egc &egc) {
    AoCtx *ac = AoCtx::find(egc.ctx);
    if (!ac) return;
    // abort() can complete aos (and so unlink them): restart each time.
    bool again = true;
    while (again) {
        again = false;
        for (Ao &a : ac->ops) {
            if (a.aborting()) continue;
            (void)a.abort(egc);
            again = true;
            break;
        }
    }
}

std::size_t ao_inflight(Egc &egc) {
    AoCtx *ac = AoCtx::find(egc.ctx);
    return ac ? ac->ops.size() : 0;
}

} // namespace xlkit::detail
