// HelperReply: what the save helper (tools/save-helper) says in both its
// modes, read by the save operation (ops/save.cpp) and the restore stream
// (ops/restore_stream.cpp). Each mode has replies of its own; these two
// are common to both:
//   log LEVEL TEXT    a libxenguest message (warning and up): logged as
//                     "WHAT of domain D: libxenguest: TEXT"; from XTL_ERROR
//                     up it is kept as the reason of a failure
//   done RC ERRNO     xc_domain_save / xc_domain_restore returned
// Layer 4.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "event/egc.hpp"
#include "ops/helper_line.hpp"

namespace xlkit::detail {

struct HelperReply {
    bool done = false;  // "done" was read
    int rc = -1, err = 0;
    std::string last_error;

    /* Takes word's reply (the rest of its line in in): true if it was one
     * of the two. */
    bool take(Egc &egc, const char *what, std::uint32_t domid, std::string_view word, HelperLine &in);
    /* The helper said "done 0 ..." and exited 0 (status as waitpid's). */
    bool succeeded(int status) const;
    /* Logs why the copy failed: libxenguest's message (else the errno it
     * returned), or that the helper ended without a result. */
    void log_failure(Egc &egc, const char *what, const char *call, std::uint32_t domid, int status) const;
};

} // namespace xlkit::detail
