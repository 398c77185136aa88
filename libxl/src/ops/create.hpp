// The domain-creation skeleton shared by domain_create_new and
// domain_create_restore (ops/create.cpp). Layer 4, internal.
#pragma once

#include <cstdint>

#include <xlkit/domain.hpp>

namespace xlkit::detail {

/* Where a restore's stream comes from (ops/restore_stream.hpp). */
struct RestoreSource {
    int fd = -1;
    int send_back_fd = -1;
    int data_timeout_ms = 0;  // 0: RestoreStream's default
    const char *unsupported = nullptr;  // a restore params' case xlkit does not take: Inval
};

/* domain_create_new when restore is null; else the domain is made empty
 * and filled from the stream. */
Error domain_create_common(Ctx &ctx, const DomainConfig &cfg, bool paused, std::uint32_t *domid, AoHow how,
                           ProgressHow console_how, const RestoreSource *restore);

} // namespace xlkit::detail
