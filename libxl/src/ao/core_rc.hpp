// core_rc / core_error: where the Xen layer, the operations and ao_start
// meet the event core and the ao layer, which still carry an xlkit outcome
// as an int rc. Everything above them carries xlkit::Error; these two
// functions mark each crossing, so that the crossings can be found and
// removed once event/ and ao/ carry Error too. Never use them for a
// system call's -errno (convert that where the call is made).
#pragma once

#include <xlkit/types.hpp>

namespace xlkit::detail {

/* An Error handed to the event core or the ao layer. */
constexpr int core_rc(Error rc) noexcept { return static_cast<int>(rc); }

/* An rc from the event core or the ao layer (a return value, or the rc of
 * one of their callbacks). */
constexpr Error core_error(int rc) noexcept { return static_cast<Error>(rc); }

} // namespace xlkit::detail
