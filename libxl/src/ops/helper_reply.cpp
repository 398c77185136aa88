#include "ops/helper_reply.hpp"

#include <cstring>
#include <utility>
#include <sys/wait.h>

#include "event/ctx_impl.hpp"
#include "event/log.hpp"

namespace xlkit::detail {

bool HelperReply::take(Egc &egc, const char *what, std::uint32_t domid, std::string_view word, HelperLine &in) {
    if (word == "log") {
        int level = 0;
        (void)in.num(&level);
        std::string text(in.rest());
        XLKIT_LOG(egc.ctx, WARN, "%s of domain %u: libxenguest: %s", what, domid, text.c_str());
        if (level >= 5) last_error = std::move(text);  // XTL_ERROR and up
        return true;
    }
    if (word == "done") {
        (void)(in.num(&rc) && in.num(&err));
        done = true;
        return true;
    }
    return false;
}

bool HelperReply::succeeded(int status) const {
    return done && rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void HelperReply::log_failure(Egc &egc, const char *what, const char *call, std::uint32_t domid, int status) const {
    if (done)
        XLKIT_LOG(egc.ctx, ERROR, "%s of domain %u failed in %s: %s", what, domid, call,
                  !last_error.empty() ? last_error.c_str() : std::strerror(err));
    else
        XLKIT_LOG(egc.ctx, ERROR, "%s of domain %u failed: the save helper ended without a result (status %d)", what,
                  domid, status);
}

} // namespace xlkit::detail
