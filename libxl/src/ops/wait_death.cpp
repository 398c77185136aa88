// domain_wait_death: completes when the domain is dying or gone.
#include "ops/op_util.hpp"

namespace xlkit {

using namespace detail;

Error domain_wait_death(Ctx &ctx, std::uint32_t domid, int timeout_ms, AoHow how) {
    Egc egc(ctx.impl());
    if (ctx.impl().failed()) return Error::Fail;
    struct State {
        DeathWait w;
    };
    Ao *ao = nullptr;
    State *st = Ao::create<State>(egc, std::move(how), &ao);
    if (!st) return Error::Nomem;
    if (timeout_ms < 0) return static_cast<Error>(ao->create_fail(egc, rc_of(Error::Inval)));
    st->w.ao = ao;
    st->w.domid = domid;
    st->w.timeout_ms = timeout_ms;
    st->w.data = ao;
    st->w.callback = [](Egc &g, DeathWait *w, int rc) { static_cast<Ao *>(w->data)->complete(g, rc); };
    int rc = death_wait_start(egc, st->w);
    if (rc) return static_cast<Error>(ao->create_fail(egc, rc));
    return static_cast<Error>(ao->inprogress(egc));
}

} // namespace xlkit
