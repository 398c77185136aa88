// Monotonic time in nanoseconds, and conversions at the API boundary
// (libxl's public API speaks struct timeval on the wall clock).
#pragma once

#include <cstdint>
#include <ctime>
#include <limits>
#include <sys/time.h>

namespace xlkit::detail {

using Nanos = std::int64_t;
inline constexpr Nanos kNever = std::numeric_limits<Nanos>::max();

inline Nanos mono_now() noexcept {
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return Nanos(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline Nanos wall_now() noexcept {
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return Nanos(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline Nanos from_timeval(struct timeval tv) noexcept {
    return Nanos(tv.tv_sec) * 1'000'000'000 + Nanos(tv.tv_usec) * 1000;
}

inline struct timeval to_timeval(Nanos n) noexcept {
    struct timeval tv;
    if (n < 0) n = 0;
    tv.tv_sec = static_cast<time_t>(n / 1'000'000'000);
    tv.tv_usec = static_cast<suseconds_t>((n % 1'000'000'000) / 1000);
    return tv;
}

/* Milliseconds from now until deadline, rounded up so a poll never wakes
 * before the deadline; -1 for kNever; 0 if due. */
inline int ms_until(Nanos deadline, Nanos now) noexcept {
    if (deadline == kNever) return -1;
    if (deadline <= now) return 0;
    Nanos ms = (deadline - now + 999'999) / 1'000'000;
    return ms > std::numeric_limits<int>::max() ? std::numeric_limits<int>::max()
                                               : static_cast<int>(ms);
}

/* A monotonic deadline from a wall-clock one, both read now. */
inline Nanos mono_from_wall(Nanos wall_abs) noexcept {
    return mono_now() + (wall_abs - wall_now());
}

inline Nanos wall_from_mono(Nanos mono_abs) noexcept {
    return wall_now() + (mono_abs - mono_now());
}

} // namespace xlkit::detail
