// LayerSlot: how an upper layer keeps per-ctx state in the event core
// without the core knowing it exists.
//
// The core names none of the layers built on it (libuv's rule: the loop
// knows nothing of what runs on it). Instead a ctx has kLayerSlots slots, and
// each upper layer owns one index (a LayerId it declares in its own header):
// the higher a layer sits in the stack, the higher its id. A slot holds the
// layer's state inline (kInlineBytes, so a hot path reaches it at a fixed
// offset from the ctx, with no indirection) and a LayerOps table saying how
// to end it. Asio's service registry is the model, with fixed slots instead
// of a lookup by type, and attachment on first use as in use_service<>().
//
// State machine of one slot (lock held, except where said):
//   Empty    --attach<T>(ops, args...)-->  Attached  T built in the slot
//   Attached --ctx freed-->                Empty, in three steps:
//     1. ops.finish(ctx)       no lock held; may take Egcs and run the loop
//                              (e.g. to let every operation in flight end);
//     2. ops.teardown(egc, p)  lock held; releases the layer's events;
//     3. ~T()                  no lock held, after step 2's deliveries.
// Step 1 runs for every attached slot, highest id first, before any step 2:
// work in flight may still use every layer while it ends. Then steps 2-3
// run slot by slot, highest id first: a layer is gone before the layers
// under it are torn down. A slot attached during step 1 (a lower layer's
// finish may start using a higher one) goes through steps 2-3 as well; its
// own finish is not run.
// Either function in LayerOps may be nullptr.
//
// A layer reads its options from CtxImpl::options() (the CtxOptions the ctx
// was created with), and any environment fallback of its own, when it
// attaches.
#pragma once

#include <cassert>
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace xlkit::detail {

class CtxImpl;
class Egc;

/* A layer's slot index: owned by the layer, declared in its header. */
using LayerId = unsigned;
inline constexpr LayerId kLayerSlots = 4;

/* How the core ends a layer's state (see the state machine above). */
struct LayerOps {
    void (*finish)(CtxImpl &ctx) noexcept = nullptr;
    void (*teardown)(Egc &egc, void *state) noexcept = nullptr;
};

class LayerSlot {
public:
    static constexpr std::size_t kInlineBytes = 4 * sizeof(void *);

    LayerSlot() noexcept = default;
    LayerSlot(const LayerSlot &) = delete;
    LayerSlot &operator=(const LayerSlot &) = delete;

    bool attached() const noexcept { return ops_ != nullptr; }

    /* Build T in the slot (Empty only). ops must outlive the ctx (a
     * static). T's constructor may throw: the slot then stays Empty. */
    template <class T, class... Args>
    T &attach(const LayerOps &ops, Args &&...args) {
        static_assert(sizeof(T) <= kInlineBytes, "a layer's inline state must fit its slot: hold a pointer");
        static_assert(alignof(T) <= alignof(void *), "over-aligned layer state");
        assert(!attached());
        T *t = ::new (static_cast<void *>(storage_)) T(std::forward<Args>(args)...);
        if constexpr (!std::is_trivially_destructible_v<T>)
            destroy_ = [](void *p) noexcept { static_cast<T *>(p)->~T(); };
        ops_ = &ops;
        return *t;
    }

    /* The state built by attach<T> (Attached only). */
    template <class T>
    T &state() noexcept {
        assert(attached());
        return *std::launder(reinterpret_cast<T *>(storage_));
    }

private:
    friend class CtxImpl;
    const LayerOps *ops_ = nullptr;
    void (*destroy_)(void *) noexcept = nullptr;
    alignas(void *) unsigned char storage_[kInlineBytes];
};

} // namespace xlkit::detail
