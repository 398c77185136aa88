// xlkit/progress.hpp: how an operation reports intermediate progress
// (libxl's aop_FOO_how), per kind of progress:
//   ProgressHow{}                   discard the reports;
//   ProgressHow::event(for_user)    queue each report as an event;
//   ProgressHow::callback(f)        call f(const Event &) for each, in order.
// Callbacks run after the lock is released, on whichever thread drives the
// ctx, one at a time and in the order the reports were made; every one of
// them has returned before the operation counts as complete (so before a
// synchronous call returns, and before its completion callback or event).
// The callable is released exactly once, after its last call.
#pragma once

#include <cstdint>

#include <xlkit/callback.hpp>
#include <xlkit/types.hpp>

namespace xlkit {

class ProgressHow {
public:
    enum class Mode : std::uint8_t { Discard, Event, Callback };

    ProgressHow() noexcept = default;
    ProgressHow(ProgressHow &&) noexcept = default;
    ProgressHow &operator=(ProgressHow &&) noexcept = default;

    static ProgressHow event(std::uint64_t for_user) noexcept {
        ProgressHow h;
        h.mode_ = Mode::Event;
        h.for_event_ = for_user;
        return h;
    }
    template <class F>
    static ProgressHow callback(F &&f) {
        ProgressHow h;
        h.mode_ = Mode::Callback;
        h.cb_ = UniqueCallback<const Event &>(std::forward<F>(f));
        return h;
    }

    Mode mode() const noexcept { return mode_; }
    std::uint64_t for_event() const noexcept { return for_event_; }
    UniqueCallback<const Event &> &callback_ref() noexcept { return cb_; }

private:
    Mode mode_ = Mode::Discard;
    std::uint64_t for_event_ = 0;
    UniqueCallback<const Event &> cb_;
};

} // namespace xlkit
