// ao_start: the one way a long-running operation begins and ends its
// initiating call (libxl's AO_CREATE ... AO_INPROGRESS / AO_CREATE_FAIL).
// Layer 2.
//
// An operation is its State and its start function; ao_start does the rest:
//
//   lock the ctx (an Egc: application callbacks run after it is released,
//   before the call returns)
//   ctx failed ------------------------> return Error::Fail  (how released)
//   Ao::create<State>(how) fails ------> return Error::Nomem (how released)
//   st.ao = the new ao
//   [st.*progress.set(ao, progress_how)]
//   start(egc, st) != Success ---------> ao->create_fail(rc): the State is
//                                         destroyed, no completion is
//                                         delivered, the call returns rc
//   start(egc, st) == Success ---------> ao->inprogress(): sync mode waits
//                                         and returns the operation's rc;
//                                         callback and event modes return
//                                         Error::Success at once
//
// The start function's contract:
//  * It runs with the lock held, inside the initiating call.
//  * It returns an error only while nothing has been reported and nothing
//    armed is left behind: that is a failed initiation.
//  * Once the operation has started (a progress report, a hypercall with
//    effects, a child forked), a failure is a completion: it calls
//    st.ao->complete(egc, rc) and returns Success.
//  * It may complete the ao itself (an operation done in one step) and
//    return Success: the completion is delivered before the call returns.
//  * Otherwise it arms sub-operations (timers, fds, children, xenstore
//    waits, abortables) whose callbacks later complete the ao, and
//    returns Success.
#pragma once

#include <type_traits>
#include <utility>

#include "ao/ao.hpp"
#include "ao/progress.hpp"
#include <xlkit/ctx.hpp>

namespace xlkit::detail {

/* An operation's state: default-constructible (it lives in the ao's block)
 * and with a member `Ao *ao` that ao_start fills in. */
template <class State>
concept AoState = std::is_default_constructible_v<State> && requires(State &st, Ao *ao) { st.ao = ao; };

/* start(egc, st) -> Error, as above. */
template <class Start, class State>
concept AoStartFn = std::is_invocable_r_v<Error, Start, Egc &, State &>;

/* Start an operation with no progress reports. */
template <AoState State, AoStartFn<State> Start>
Error ao_start(CtxImpl &ctx, AoHow &&how, Start &&start) {
    Egc egc(ctx);
    if (ctx.failed()) return Error::Fail;
    Ao *ao = nullptr;
    State *st = Ao::create<State>(egc, std::move(how), &ao);
    if (!st) return Error::Nomem;
    st->ao = ao;
    if (Error rc = std::forward<Start>(start)(egc, *st); rc != Error::Success) return ao->create_fail(egc, rc);
    return ao->inprogress(egc);
}

/* The same, from the public Ctx (what the operations' entry points hold). */
template <AoState State, AoStartFn<State> Start>
Error ao_start(Ctx &ctx, AoHow &&how, Start &&start) {
    return ao_start<State>(ctx.impl(), std::move(how), std::forward<Start>(start));
}

/* Start an operation that reports progress through st.*progress, set up
 * from progress_how before start runs. */
template <AoState State, AoStartFn<State> Start>
Error ao_start(Ctx &ctx, AoHow &&how, Progress State::*progress, ProgressHow &&progress_how, Start &&start) {
    return ao_start<State>(ctx, std::move(how), [&](Egc &egc, State &st) {
        (st.*progress).set(st.ao, std::move(progress_how));
        return std::forward<Start>(start)(egc, st);
    });
}

/* Start an operation as a nested ao of parent (an operation that runs
 * another as one of its steps): the same start contract, but the nested
 * ao shares parent's abort and completes into done(egc, nested, rc) (lock
 * held; nested->nested_data() is done_data) instead of the application.
 * Returns start's error when it fails (done is then never called), else
 * Success; done may already have run (an operation done in one step). */
template <AoState State, AoStartFn<State> Start>
Error ao_start_nested(Egc &egc, Ao *parent, void (*done)(Egc &, Ao *nested, Error rc), void *done_data,
                      Start &&start) {
    Ao *ao = nullptr;
    State *st = Ao::create_nested<State>(egc, parent, done, done_data, &ao);
    if (!st) return Error::Nomem;
    st->ao = ao;
    if (Error rc = std::forward<Start>(start)(egc, *st); rc != Error::Success) return ao->create_fail(egc, rc);
    return ao->inprogress(egc);
}

} // namespace xlkit::detail
