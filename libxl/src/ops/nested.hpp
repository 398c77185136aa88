// Operations run as steps of another operation (layer 4, internal): the
// same state machines as their public entry points (each one's file
// describes it), started as a nested ao of a parent (ao_start_nested,
// ao/ao_start.hpp). The nested ao shares the parent's abort and completes
// into done(egc, nested, rc), lock held, with nested->nested_data() ==
// done_data; done may run before the start call returns. A start that
// returns an error has done nothing and done is never called. Progress
// reports go through the parent's Progress (which must outlive the nested
// ao: a member of the parent's state does).
#pragma once

#include <cstdint>

#include "ao/ao.hpp"
#include "ao/progress.hpp"
#include "ops/create.hpp"
#include <xlkit/migrate.hpp>

namespace xlkit::detail {

using NestedDone = void (*)(Egc &egc, Ao *nested, Error rc);

/* domain_suspend (ops/save.cpp): on success the domain is left suspended;
 * on failure after the guest was suspended it has been resumed. A live
 * save's precopy passes stop by policy's bounds (nullptr, or a 0 field:
 * libxenguest's default; domain_migrate_send checks them). */
Error domain_suspend_nested(Egc &egc, Ao *parent, Progress *progress, NestedDone done, void *done_data,
                            std::uint32_t domid, int fd, int flags, int data_timeout_ms,
                            const MigratePolicy *policy = nullptr);

/* domain_create_restore (ops/create.cpp): *domid is set once the domain
 * exists; on failure the half-made domain has been destroyed. */
Error domain_create_restore_nested(Egc &egc, Ao *parent, Progress *console, NestedDone done, void *done_data,
                                   const DomainConfig &cfg, bool paused, std::uint32_t *domid,
                                   const RestoreSource &restore);

/* domain_destroy (ops/destroy.cpp), without progress and not cut short by
 * an abort of the parent: the parent is tidying up. */
Error domain_destroy_nested(Egc &egc, Ao *parent, NestedDone done, void *done_data, std::uint32_t domid);

} // namespace xlkit::detail
