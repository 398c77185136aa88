// C API: the domain operations.
#include <cstdlib>
#include <vector>

#include "capi/capi.hpp"
#include "idl/_types_internal.hpp"
#include <xlkit/domain.hpp>

using xlkit::Error;
using xlkit::rc_of;


extern "C" {

int xlkit_domain_create_new(xlkit_ctx *ctx, xlkit_domain_config *d_config, uint32_t *domid,
                            const xlkit_asyncop_how *ao_how, const xlkit_asyncprogress_how *aop_console_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::AoHow how = xlkit::capi::to_cxx(ctx, ao_how);
    xlkit::ProgressHow console = xlkit::capi::to_cxx_progress(ctx, aop_console_how);
    if (!d_config) return XLKIT_ERROR_INVAL;
    xlkit::DomainConfig cfg;
    if (xlkit::detail::from_c(*d_config, &cfg) != Error::Success) return XLKIT_ERROR_INVAL;
    return rc_of(xlkit::domain_create_new(*ctx->cxx, cfg, /*paused=*/true, domid, std::move(how), std::move(console)));
}

int xlkit_domain_create_restore(xlkit_ctx *ctx, xlkit_domain_config *d_config, uint32_t *domid, int restore_fd,
                                int send_back_fd, const xlkit_domain_restore_params *params,
                                const xlkit_asyncop_how *ao_how, const xlkit_asyncprogress_how *aop_console_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::AoHow how = xlkit::capi::to_cxx(ctx, ao_how);
    xlkit::ProgressHow console = xlkit::capi::to_cxx_progress(ctx, aop_console_how);
    if (!d_config) return XLKIT_ERROR_INVAL;
    xlkit::DomainConfig cfg;
    if (xlkit::detail::from_c(*d_config, &cfg) != Error::Success) return XLKIT_ERROR_INVAL;
    xlkit::DomainRestoreParams p;
    if (params && xlkit::detail::from_c(*params, &p) != Error::Success) return XLKIT_ERROR_INVAL;
    return rc_of(xlkit::domain_create_restore(*ctx->cxx, cfg, /*paused=*/true, domid, restore_fd, send_back_fd, p,
                                              std::move(how), std::move(console)));
}

int xlkit_domain_shutdown(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    return rc_of(xlkit::domain_shutdown(*ctx->cxx, domid, 0, xlkit::capi::to_cxx(ctx, ao_how)));
}

int xlkit_domain_reboot(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    return rc_of(xlkit::domain_reboot(*ctx->cxx, domid, 0, xlkit::capi::to_cxx(ctx, ao_how)));
}

int xlkit_domain_destroy(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    return rc_of(xlkit::domain_destroy(*ctx->cxx, domid, xlkit::capi::to_cxx(ctx, ao_how)));
}

int xlkit_domain_pause(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    return rc_of(xlkit::domain_pause(*ctx->cxx, domid, xlkit::capi::to_cxx(ctx, ao_how)));
}

int xlkit_domain_suspend_only(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    return rc_of(xlkit::domain_suspend_only(*ctx->cxx, domid, 0, xlkit::capi::to_cxx(ctx, ao_how)));
}

int xlkit_domain_suspend(xlkit_ctx *ctx, uint32_t domid, int fd, int flags, const xlkit_asyncop_how *ao_how) {
    return xlkit_domain_suspend_progress(ctx, domid, fd, flags, ao_how, nullptr);
}

int xlkit_domain_suspend_progress(xlkit_ctx *ctx, uint32_t domid, int fd, int flags, const xlkit_asyncop_how *ao_how,
                                  const xlkit_asyncprogress_how *aop_progress_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::AoHow how = xlkit::capi::to_cxx(ctx, ao_how);
    xlkit::ProgressHow progress = xlkit::capi::to_cxx_progress(ctx, aop_progress_how);
    return rc_of(xlkit::domain_suspend(*ctx->cxx, domid, fd, flags, std::move(how), std::move(progress)));
}

int xlkit_domain_resume(xlkit_ctx *ctx, uint32_t domid, int suspend_cancel, const xlkit_asyncop_how *ao_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    return rc_of(xlkit::domain_resume(*ctx->cxx, domid, suspend_cancel != 0, xlkit::capi::to_cxx(ctx, ao_how)));
}

int xlkit_domain_unpause(xlkit_ctx *ctx, uint32_t domid, const xlkit_asyncop_how *ao_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    return rc_of(xlkit::domain_unpause(*ctx->cxx, domid, xlkit::capi::to_cxx(ctx, ao_how)));
}

int xlkit_domain_wait_death(xlkit_ctx *ctx, uint32_t domid, int timeout_ms, const xlkit_asyncop_how *ao_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    return rc_of(xlkit::domain_wait_death(*ctx->cxx, domid, timeout_ms, xlkit::capi::to_cxx(ctx, ao_how)));
}

xlkit_dominfo *xlkit_list_domain(xlkit_ctx *ctx, int *nb_domain_out) {
    if (nb_domain_out) *nb_domain_out = 0;
    if (!ctx || !ctx->cxx || !nb_domain_out) return nullptr;
    std::vector<xlkit::Dominfo> v;
    if (xlkit::list_domain(*ctx->cxx, &v) != Error::Success) return nullptr;
    auto *out = static_cast<xlkit_dominfo *>(std::calloc(v.empty() ? 1 : v.size(), sizeof(xlkit_dominfo)));
    if (!out) return nullptr;
    for (std::size_t i = 0; i < v.size(); ++i) {
        xlkit_dominfo_init(&out[i]);
        if (xlkit::detail::to_c(v[i], &out[i]) != Error::Success) {
            xlkit_dominfo_list_free(out, int(i + 1));
            return nullptr;
        }
    }
    *nb_domain_out = int(v.size());
    return out;
}

void xlkit_dominfo_list_free(xlkit_dominfo *list, int nb_domain) {
    if (!list) return;
    for (int i = 0; i < nb_domain; ++i) xlkit_dominfo_dispose(&list[i]);
    std::free(list);
}

int xlkit_domain_info(xlkit_ctx *ctx, xlkit_dominfo *info_r, uint32_t domid) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::Dominfo d;
    Error e = xlkit::domain_info(*ctx->cxx, domid, &d);
    if (e != Error::Success) return rc_of(e);
    if (!info_r) return 0;
    xlkit_dominfo tmp;
    xlkit_dominfo_init(&tmp);
    if (xlkit::detail::to_c(d, &tmp) != Error::Success) {
        xlkit_dominfo_dispose(&tmp);
        return XLKIT_ERROR_NOMEM;
    }
    *info_r = tmp;  // never clobber *info_r on failure
    return 0;
}

int xlkit_get_physinfo(xlkit_ctx *ctx, xlkit_physinfo *physinfo) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    if (!physinfo) return XLKIT_ERROR_INVAL;
    xlkit::Physinfo p;
    Error e = xlkit::get_physinfo(*ctx->cxx, &p);
    if (e != Error::Success) return rc_of(e);
    physinfo->total_memkb = p.total_memkb;
    physinfo->free_memkb = p.free_memkb;
    return 0;
}

} // extern "C"
