// CtxLock: the ctx's mutex. Layer 1, the event core.
//
// A futex mutex (the three-state lock of Drepper, "Futexes Are Tricky"):
//   0 free, 1 held, 2 held and someone may sleep on it.
// Taking a free lock is one compare-and-swap and releasing an uncontended
// one is one exchange, both inline, against ~50 instructions for
// pthread_mutex_lock + unlock called through the PLT: every entry into
// xlkit (one Egc) and every wait in the loop pays both. The lock is not
// recursive, has no owner and is private to the process (the ctx never
// crosses fork: atfork.cpp takes it in the parent and releases it in both).
// Which thread holds it is known from the thread's Egc chain
// (CtxImpl::locked_by_me), not stored here.
#pragma once

#include <atomic>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace xlkit::detail {

class CtxLock {
public:
    void lock() noexcept {
        int c = 0;
        if (!state_.compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed))
            [[unlikely]] lock_slow(c);
    }
    void unlock() noexcept {
        if (state_.exchange(0, std::memory_order_release) == 2) [[unlikely]] wake_one();
    }

private:
    [[gnu::noinline]] void lock_slow(int c) noexcept {
        // Mark it contended, then sleep until it is released to us.
        if (c != 2) c = state_.exchange(2, std::memory_order_acquire);
        while (c != 0) {
            (void)syscall(SYS_futex, reinterpret_cast<int *>(&state_), FUTEX_WAIT_PRIVATE, 2, nullptr,
                          nullptr, 0);
            c = state_.exchange(2, std::memory_order_acquire);
        }
    }
    [[gnu::noinline]] void wake_one() noexcept {
        (void)syscall(SYS_futex, reinterpret_cast<int *>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr,
                      0);
    }

    static_assert(sizeof(std::atomic<int>) == sizeof(int) && std::atomic<int>::is_always_lock_free);
    std::atomic<int> state_{0};
};

} // namespace xlkit::detail
