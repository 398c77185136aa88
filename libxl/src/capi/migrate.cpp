// C API: live migration over a connected fd pair (xlkit/migrate.hpp).
#include "capi/capi.hpp"
#include "idl/_types_internal.hpp"
#include <xlkit/migrate.hpp>

using xlkit::Error;
using xlkit::rc_of;


extern "C" {

int xlkit_domain_migrate_send(xlkit_ctx *ctx, uint32_t domid, int send_fd, int recv_fd,
                              const xlkit_migrate_policy *policy, const xlkit_asyncop_how *ao_how,
                              const xlkit_asyncprogress_how *aop_progress_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::AoHow how = xlkit::capi::to_cxx(ctx, ao_how);
    xlkit::ProgressHow progress = xlkit::capi::to_cxx_progress(ctx, aop_progress_how);
    xlkit::MigratePolicy p;
    if (policy && xlkit::detail::from_c(*policy, &p) != Error::Success) return XLKIT_ERROR_INVAL;
    return rc_of(xlkit::domain_migrate_send(*ctx->cxx, domid, send_fd, recv_fd, p, std::move(how),
                                            std::move(progress)));
}

int xlkit_domain_migrate_receive(xlkit_ctx *ctx, xlkit_domain_config *d_config, uint32_t *domid, int recv_fd,
                                 int send_fd, const xlkit_migrate_receive_options *options,
                                 const xlkit_asyncop_how *ao_how, const xlkit_asyncprogress_how *aop_console_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::AoHow how = xlkit::capi::to_cxx(ctx, ao_how);
    xlkit::ProgressHow console = xlkit::capi::to_cxx_progress(ctx, aop_console_how);
    if (!d_config || !domid) return XLKIT_ERROR_INVAL;
    xlkit::DomainConfig cfg;
    if (xlkit::detail::from_c(*d_config, &cfg) != Error::Success) return XLKIT_ERROR_INVAL;
    xlkit::MigrateReceiveOptions opts;
    if (options && xlkit::detail::from_c(*options, &opts) != Error::Success) return XLKIT_ERROR_INVAL;
    return rc_of(xlkit::domain_migrate_receive(*ctx->cxx, cfg, opts, domid, recv_fd, send_fd, std::move(how),
                                               std::move(console)));
}

} // extern "C"
