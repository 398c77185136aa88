// xlkit/error.hpp: error codes are values (negative, libxl's ERROR_* numbers).
//
// xlkit::Error (Success = 0, Nonspecific = -1, ... one enumerator per
// libxl ERROR_* name, in CamelCase) is generated from idl/xlkit_types.idl,
// with to_string() ("inval"), from_string() and describe() ("invalid
// argument"); see <xlkit/types.hpp>.
//
// rc conventions (from libxl): a variable called rc holds an xlkit::Error
// (Error::Success = 0); a variable called r holds a system call's result.
// rc_of gives an Error's number, as the C API (xlkit.h) returns it.
#pragma once

#include <xlkit/export.h>
#include <xlkit/types.hpp>

namespace xlkit {

/* A short English description, never null ("unknown error" for others). */
XLKIT_API const char *error_string(int rc) noexcept;

constexpr int rc_of(Error e) noexcept { return static_cast<int>(e); }

} // namespace xlkit
