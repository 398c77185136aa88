// domain_pause / domain_unpause: one hypercall, as aos (they complete in
// their initiating call; every completion mode applies).
#include <cerrno>

#include "event/log.hpp"
#include "ops/op_util.hpp"

namespace xlkit {

using namespace detail;

namespace {

Error pause_op(Ctx &ctx, std::uint32_t domid, AoHow how, bool pause) {
    Egc egc(ctx.impl());
    if (ctx.impl().failed()) return Error::Fail;
    struct State {};
    Ao *ao = nullptr;
    if (!Ao::create<State>(egc, std::move(how), &ao)) return Error::Nomem;
    XenCtx *x = XenCtx::of(egc);
    int rc = 0;
    Hypervisor *hv = x ? x->hv(egc, &rc) : nullptr;
    if (!hv) return static_cast<Error>(ao->create_fail(egc, rc ? rc : rc_of(Error::Nomem)));
    if (ao->aborting()) return static_cast<Error>(ao->create_fail(egc, rc_of(Error::Aborted)));
    int r = pause ? hv->domain_pause(domid) : hv->domain_unpause(domid);
    if (r == -ESRCH || r == -ENOENT) {
        XLKIT_LOG(ctx.impl(), ERROR, "%s: no domain %u", pause ? "pause" : "unpause", domid);
        rc = rc_of(Error::DomainNotfound);
    } else if (r == -EINVAL && !pause) {
        XLKIT_LOG(ctx.impl(), ERROR, "unpause: domain %u is not paused", domid);
        rc = rc_of(Error::Inval);
    } else if (r < 0) {
        XLKIT_LOGE(ctx.impl(), ERROR, -r, "%s of domain %u failed", pause ? "pause" : "unpause", domid);
        rc = rc_of(Error::Fail);
    }
    if (rc) return static_cast<Error>(ao->create_fail(egc, rc));
    ao->complete(egc, 0);
    return static_cast<Error>(ao->inprogress(egc));
}

} // namespace

Error domain_pause(Ctx &ctx, std::uint32_t domid, AoHow how) { return pause_op(ctx, domid, std::move(how), true); }
Error domain_unpause(Ctx &ctx, std::uint32_t domid, AoHow how) { return pause_op(ctx, domid, std::move(how), false); }

} // namespace xlkit
