#include "event/log.hpp"

#include <cstdarg>

namespace xlkit::detail {

void log_to(xentoollog_logger *lg, xentoollog_level level, int errnoval, const char *fmt, ...) {
    if (!lg) return;
    va_list ap;
    va_start(ap, fmt);
    xtl_logv(lg, level, errnoval, "xlkit", fmt, ap);
    va_end(ap);
}

} // namespace xlkit::detail
