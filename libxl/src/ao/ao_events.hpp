// How the ao layer hands events to the application's queue (event layer).
#pragma once

#include <cstdint>

#include "event/egc.hpp"
#include <xlkit/types.hpp>

namespace xlkit::detail {

/* Queue OPERATION_COMPLETE{rc} with for_user for the application (or hand
 * it to its event_occurs callback after the lock is released). */
void queue_operation_complete(Egc &egc, std::uint64_t for_user, Error rc);

} // namespace xlkit::detail
