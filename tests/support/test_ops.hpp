// Operations for tests and benchmarks, written exactly as real ones are:
// one implementation taking an AoHow, one template forwarding any token.
#pragma once

#include <xlkit/ao.hpp>
#include <xlkit/ctx.hpp>

#include "ao/ao.hpp"
#include "ao/ao_start.hpp"

namespace xlkit::testing {

/* Completes after `ms` (0: before the initiating call returns) with `rc`;
 * abortable (then completes with Error::Aborted). A negative ms makes the
 * initiation itself fail with Error::Inval. */
inline Error timer_op(Ctx &ctx, int ms, Error rc, AoHow how) {
    struct State {
        detail::EvTime timer;
        detail::AoAbortable abortable;
        detail::Ao *ao = nullptr;
        Error rc = Error::Success;
    };
    return detail::ao_start<State>(ctx, std::move(how), [&ctx, ms, rc](detail::Egc &egc, State &st) {
        if (ms < 0) return Error::Inval;
        st.rc = rc;
        if (ms == 0) {
            st.ao->complete(egc, st.rc);
            return Error::Success;
        }
        st.timer.data = &st;
        st.abortable.data = &st;
        Error r = detail::abortable_register(egc, st.abortable, st.ao,
                                             [](detail::Egc &g, detail::AoAbortable *ab, Error arc) {
                                                 auto *s = static_cast<State *>(ab->data);
                                                 g.ctx.time_deregister(g, s->timer);
                                                 s->ao->complete(g, arc);
                                             });
        if (r != Error::Success) return r;
        r = ctx.impl().time_register_rel(egc, st.timer,
                                         [](detail::Egc &g, detail::EvTime *ev, detail::Nanos, Error) {
                                             auto *s = static_cast<State *>(ev->data);
                                             detail::abortable_deregister(g, s->abortable);
                                             s->ao->complete(g, s->rc);
                                         },
                                         ms);
        if (r != Error::Success) detail::abortable_deregister(egc, st.abortable);
        return r;
    });
}

template <class Token = use_sync_t>
auto timer_op(Ctx &ctx, int ms, Error rc, Token &&token = {}) {
    return initiate(std::forward<Token>(token),
                    [&ctx, ms, rc](AoHow how) { return timer_op(ctx, ms, rc, std::move(how)); });
}

} // namespace xlkit::testing
