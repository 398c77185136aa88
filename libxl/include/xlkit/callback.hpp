// xlkit/callback.hpp: UniqueCallback, a move-only callable with an exact-once
// release (libnbd's closure lifetimes, in C++ terms).
//
// Contract: the wrapped callable is invoked zero or more times, by xlkit, and
// is destroyed exactly once, after its last invocation: on completion, on
// abort, on initiation failure (never invoked then), and when the context
// is freed with the operation still in flight. For C callers the "destroy"
// is the optional free function given beside the user pointer.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace xlkit {

template <class... Args>
class UniqueCallback {
public:
    UniqueCallback() noexcept = default;

    template <class F, class D = std::decay_t<F>,
              class = std::enable_if_t<!std::is_same_v<D, UniqueCallback> &&
                                       std::is_invocable_v<D &, Args...>>>
    UniqueCallback(F &&f) {  // NOLINT: implicit by design, like std::function
        if constexpr (fits<D>) {
            ::new (static_cast<void *>(buf_)) D(std::forward<F>(f));
            vt_ = &inline_vt<D>;
        } else {
            *reinterpret_cast<D **>(buf_) = new D(std::forward<F>(f));
            vt_ = &heap_vt<D>;
        }
    }

    UniqueCallback(UniqueCallback &&o) noexcept : vt_(o.vt_) {
        if (vt_) vt_->move(buf_, o.buf_);
        o.vt_ = nullptr;
    }
    UniqueCallback &operator=(UniqueCallback &&o) noexcept {
        if (this != &o) {
            reset();
            vt_ = o.vt_;
            if (vt_) vt_->move(buf_, o.buf_);
            o.vt_ = nullptr;
        }
        return *this;
    }
    UniqueCallback(const UniqueCallback &) = delete;
    UniqueCallback &operator=(const UniqueCallback &) = delete;
    ~UniqueCallback() { reset(); }

    explicit operator bool() const noexcept { return vt_ != nullptr; }
    void operator()(Args... args) { vt_->call(buf_, std::forward<Args>(args)...); }
    /* Release the callable now (its destructor / free function runs). */
    void reset() noexcept {
        if (vt_) {
            auto *vt = vt_;
            vt_ = nullptr;
            vt->destroy(buf_);
        }
    }

private:
    static constexpr std::size_t kBuf = 48;
    template <class D>
    static constexpr bool fits = sizeof(D) <= kBuf && alignof(D) <= alignof(std::max_align_t) &&
                                 std::is_nothrow_move_constructible_v<D>;
    struct VTable {
        void (*call)(void *, Args &&...);
        void (*destroy)(void *) noexcept;
        void (*move)(void *dst, void *src) noexcept;
    };
    template <class D>
    static constexpr VTable inline_vt = {
        [](void *p, Args &&...a) { (*std::launder(static_cast<D *>(p)))(std::forward<Args>(a)...); },
        [](void *p) noexcept { std::launder(static_cast<D *>(p))->~D(); },
        [](void *dst, void *src) noexcept {
            D *s = std::launder(static_cast<D *>(src));
            ::new (dst) D(std::move(*s));
            s->~D();
        }};
    template <class D>
    static constexpr VTable heap_vt = {
        [](void *p, Args &&...a) { (**static_cast<D **>(p))(std::forward<Args>(a)...); },
        [](void *p) noexcept { delete *static_cast<D **>(p); },
        [](void *dst, void *src) noexcept { *static_cast<D **>(dst) = *static_cast<D **>(src); }};

    const VTable *vt_ = nullptr;
    alignas(std::max_align_t) unsigned char buf_[kBuf];
};

} // namespace xlkit
