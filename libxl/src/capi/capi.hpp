// The C API's internals (layer 5, thin over the C++ API).
#pragma once

#include <memory>
#include <xlkit.h>
#include <xlkit/ao.hpp>
#include <xlkit/ctx.hpp>
#include <xlkit/progress.hpp>

struct xlkit__ctx {
    std::unique_ptr<xlkit::Ctx> cxx;
    const xlkit_event_hooks *event_hooks = nullptr;
    void *event_hooks_user = nullptr;
};

namespace xlkit::capi {

/* A C completion callback as a C++ callable: calls cb(ctx, rc, user), and
 * free_fn(user) exactly once when released (libnbd's closure rule). */
struct CCallback {
    xlkit_ctx *ctx;
    void (*cb)(xlkit_ctx *, int, void *);
    void *user;
    void (*free_fn)(void *);

    CCallback(xlkit_ctx *c, void (*f)(xlkit_ctx *, int, void *), void *u, void (*fr)(void *))
        : ctx(c), cb(f), user(u), free_fn(fr) {}
    CCallback(CCallback &&o) noexcept
        : ctx(o.ctx), cb(o.cb), user(o.user), free_fn(std::exchange(o.free_fn, nullptr)) {}
    CCallback(const CCallback &) = delete;
    ~CCallback() {
        if (free_fn) free_fn(user);
    }
    void operator()(Error e) { cb(ctx, rc_of(e), user); }
};

/* Convert a C ao_how (NULL: synchronous) into the C++ AoHow, keeping the
 * identity xlkit_ao_abort matches on. */
AoHow to_cxx(xlkit_ctx *ctx, const xlkit_asyncop_how *how);
/* Convert a C progress how (NULL: no progress reports) into ProgressHow:
 * events queued for_event, or the callback with each event converted to C
 * (events.cpp). */
ProgressHow to_cxx_progress(xlkit_ctx *ctx, const xlkit_asyncprogress_how *how);

} // namespace xlkit::capi

#define XLKIT_CAPI_CHECK_CTX(ctx)                  \
    do {                                           \
        if (!(ctx) || !(ctx)->cxx) return XLKIT_ERROR_INVAL; \
    } while (0)
