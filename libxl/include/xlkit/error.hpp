// xlkit/error.hpp: error codes are values (negative, libxl's ERROR_* numbers).
//
// rc conventions (from libxl): a variable called rc holds an xlkit::Error as an
// int (0 = success); a variable called r holds a system call's result.
#pragma once

#include <xlkit/export.h>

namespace xlkit {

enum class Error : int {
    Success = 0,
    Nonspecific = -1,
    Version = -2,
    Fail = -3,
    Ni = -4,
    Nomem = -5,
    Inval = -6,
    Badfail = -7,
    GuestTimedout = -8,
    Timedout = -9,
    Noparavirt = -10,
    NotReady = -11,
    OseventRegFail = -12,
    Bufferfull = -13,
    UnknownChild = -14,
    LockFail = -15,
    JsonConfigEmpty = -16,
    DeviceExists = -17,
    CheckpointDevopsDoesNotMatch = -18,
    CheckpointDeviceNotSupported = -19,
    VnumaConfigInvalid = -20,
    DomainNotfound = -21,
    Aborted = -22,
    Notfound = -23,
    DomainDestroyed = -24,
    FeatureRemoved = -25,
};

/* A short English description, never null ("unknown error" for others). */
XLKIT_API const char *error_string(int rc) noexcept;

constexpr int rc_of(Error e) noexcept { return static_cast<int>(e); }

} // namespace xlkit
