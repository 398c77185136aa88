// domain_create_restore (libxl_domain_create_restore): a domain made as
// domain_create_new makes one, filled from a saved stream instead of built
// from its kernel. The state machine is create's (ops/create.cpp), whose
// Building step becomes the stream's (ops/restore_stream.hpp); this file
// checks what only a restore takes.
#include "ops/create.hpp"
#include "ops/op_util.hpp"

namespace xlkit {

using namespace detail;

Error domain_create_restore(Ctx &ctx, const DomainConfig &cfg, bool paused, std::uint32_t *domid, int restore_fd,
                            int send_back_fd, const DomainRestoreParams &params, AoHow how, ProgressHow console_how,
                            int data_timeout_ms) {
    const char *unsupported = params.checkpointed_stream      ? "checkpointed streams (Remus, COLO)"
                              : params.stream_version != 2    ? "stream versions other than 2 (xl's legacy files)"
                              : !params.colo_proxy_script.empty() || params.userspace_colo_proxy ? "COLO proxies"
                              : send_back_fd != -1            ? "a send-back fd (checkpoints)"
                                                              : nullptr;
    RestoreSource src;
    src.fd = restore_fd;
    src.send_back_fd = send_back_fd;
    src.data_timeout_ms = data_timeout_ms;
    src.unsupported = unsupported;  // refused in the initiating call
    return domain_create_common(ctx, cfg, paused, domid, std::move(how), std::move(console_how), &src);
}

} // namespace xlkit
