// Public abort entry points.
#include "ao/ao.hpp"
#include <xlkit/ctx.hpp>

namespace xlkit {

Error ao_abort(Ctx &ctx, const AoHow *how) {
    detail::Egc egc(ctx.impl());
    if (ctx.impl().failed()) return Error::Fail;
    detail::Ao *ao = detail::ao_find(egc, how);
    if (!ao) return Error::Notfound;
    return ao->abort(egc);
}

std::size_t ao_inflight(Ctx &ctx) {
    detail::Egc egc(ctx.impl());
    return detail::ao_inflight(egc);
}

} // namespace xlkit
