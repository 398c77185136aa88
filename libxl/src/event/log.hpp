// Logging through xentoollog, as libxl does. Library code logs; it never
// prints directly and never exits.
#pragma once

extern "C" {
#include <xentoollog.h>  // has no C++ guard of its own
}

namespace xlkit::detail {

void log_to(xentoollog_logger *lg, xentoollog_level level, int errnoval,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

} // namespace xlkit::detail

#define XLKIT_LOG(ctx, level, ...) \
    ::xlkit::detail::log_to((ctx).logger(), XTL_##level, -1, __VA_ARGS__)
#define XLKIT_LOGE(ctx, level, errnoval, ...) \
    ::xlkit::detail::log_to((ctx).logger(), XTL_##level, (errnoval), __VA_ARGS__)
