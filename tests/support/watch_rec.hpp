// A xenstore watch that records what it saw, for the Xen-layer suites on
// both hosts (tests/xen on the sim host, tests/vm on real Xen).
#pragma once

#include <string>
#include <vector>

#include "xen/xen_ctx.hpp"

namespace xlkit::testing {

struct WatchRec {
    detail::EvXsWatch w;
    std::vector<std::string> events;  // the paths, in order
    int failures = 0;                  // callbacks with rc != Success
};

inline void rec_cb(detail::Egc &, detail::EvXsWatch *w, const char *, const char *path, Error rc) {
    auto *r = static_cast<WatchRec *>(w->data);
    if (rc != Error::Success)
        ++r->failures;
    else
        r->events.push_back(path);
}

} // namespace xlkit::testing
