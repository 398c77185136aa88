// EvTime: a one-shot timeout at an absolute or relative monotonic time.
//
// Caller-embedded; kept in the ctx's indexed 4-ary heap (cached deadlines),
// so arm and cancel are O(log n) without allocation (the heap's array grows
// only past its high-water mark). Equal deadlines fire first-in, first-out.
//
// State machine (lock held for every transition):
//   Idle   --time_register_abs/rel(ok)-->   Active
//   Idle   --time_register_*(err)-->        Idle   func never called
//   Active --time_deregister-->             Idle
//   Idle   --time_deregister-->             Idle   harmless (twice, or from
//                                                  inside its own callback)
//   Active --deadline passes-->             Idle, then func(egc, ev, abs, rc)
//                                                  with rc = Error::Timedout
// A deadline in the past fires at the next dispatch, never from inside
// register. func runs with the lock held and may re-register this timer or
// register/deregister any other. Re-registering an Active timer moves it.
#pragma once

#include <cstdint>

#include "event/clock.hpp"
#include <xlkit/types.hpp>

namespace xlkit::detail {

class Egc;
class CtxImpl;

class EvTime {
public:
    using Func = void (*)(Egc &egc, EvTime *ev, Nanos requested_abs, Error rc);
    static constexpr std::uint32_t kIdle = UINT32_MAX;

    EvTime() noexcept = default;
    EvTime(const EvTime &) = delete;
    EvTime &operator=(const EvTime &) = delete;

    bool active() const noexcept { return heap_index_ != kIdle; }
    Nanos deadline() const noexcept { return deadline_; }

    // ---- filled in by the caller --------------------------------------
    void *data = nullptr;

private:
    friend class CtxImpl;
    friend class TimerHeap;
    friend struct EvTimeTestAccess;  // unit tests of the heap
    // ---- private to the ctx -------------------------------------------
    Func func_ = nullptr;
    Nanos deadline_ = 0;
    std::uint64_t seq_ = 0;               // FIFO tie-break
    std::uint32_t heap_index_ = kIdle;
};

} // namespace xlkit::detail
