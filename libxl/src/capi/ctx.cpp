// C API: contexts, the application's event loop, child processes.
#include "capi/capi.hpp"
#include "event/ctx_impl.hpp"

using xlkit::Error;
using xlkit::rc_of;

extern "C" {

int xlkit_ctx_alloc(xlkit_ctx **pctx, int version, unsigned flags, xentoollog_logger *lg) {
    if (!pctx) return XLKIT_ERROR_INVAL;
    if (version != XLKIT_VERSION) return XLKIT_ERROR_VERSION;
    if (flags) return XLKIT_ERROR_INVAL;
    auto *c = new (std::nothrow) xlkit__ctx;
    if (!c) return XLKIT_ERROR_NOMEM;
    xlkit::CtxOptions opts;
    opts.logger = lg;
    Error e = xlkit::Ctx::create(&c->cxx, opts);
    if (e != Error::Success) {
        delete c;
        return rc_of(e);
    }
    *pctx = c;
    return 0;
}

int xlkit_ctx_free(xlkit_ctx *ctx) {
    delete ctx;
    return 0;
}

int xlkit_osevent_beforepoll(xlkit_ctx *ctx, int *nfds_io, struct pollfd *fds, int *timeout_upd,
                             struct timeval now) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    return rc_of(ctx->cxx->beforepoll(fds, nfds_io, timeout_upd, now));
}

void xlkit_osevent_afterpoll(xlkit_ctx *ctx, int nfds, const struct pollfd *fds, struct timeval now) {
    if (!ctx) return;
    ctx->cxx->afterpoll(fds, nfds, now);
}

void xlkit_osevent_register_hooks(xlkit_ctx *ctx, const xlkit_osevent_hooks *hooks, void *user) {
    if (!ctx) return;
    // libxl's version returns nothing; a refusal is logged by the library.
    (void)ctx->cxx->register_osevent_hooks(hooks, user);
}

void xlkit_osevent_occurred_fd(xlkit_ctx *ctx, void *for_xlkit, int fd, short events, short revents) {
    if (!ctx) return;
    ctx->cxx->occurred_fd(for_xlkit, fd, events, revents);
}

void xlkit_osevent_occurred_timeout(xlkit_ctx *ctx, void *for_xlkit) {
    if (!ctx) return;
    ctx->cxx->occurred_timeout(for_xlkit);
}

void xlkit_childproc_setmode(xlkit_ctx *ctx, const xlkit_childproc_hooks *hooks, void *user) {
    if (!ctx) return;
    ctx->cxx->childproc_setmode(hooks, user);
}

int xlkit_childproc_reaped(xlkit_ctx *ctx, pid_t pid, int status) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    return rc_of(ctx->cxx->childproc_reaped(pid, status));
}

void xlkit_childproc_sigchld_occurred(xlkit_ctx *ctx) {
    if (!ctx) return;
    ctx->cxx->childproc_sigchld_occurred();
}

void xlkit_postfork_child_noexec(xlkit_ctx *ctx) {
    (void)ctx;
    xlkit::Ctx::postfork_child_noexec();
}

} // extern "C"
