// XenStacks: the one way an operation or a quick call gets the ctx's Xen
// layer (layer 3) and the hypervisor and xenstore stacks it needs.
//
// xen_stacks(egc, &s, xs) (lock held):
//   no Xen layer (out of memory) -------> Error::Nomem, s untouched
//   hypervisor cannot be opened --------> its rc (reason logged), s untouched
//   xs == Required, xenstore cannot be
//   opened -----------------------------> its rc (reason logged), s untouched
//   otherwise --------------------------> Success: s.x and s.hv set; s.xs
//                                         set if asked for and open
//                                         (Optional: may be nullptr; None:
//                                         nullptr, not opened)
// The stacks are opened on first use and stay open for the ctx's life, so a
// callback may fetch them again cheaply.
//
// quick_call(ctx, xs, fn): the opening of a quick (synchronous, non-ao)
// call, as ao_start is an operation's: lock; Error::Fail if the ctx has
// failed; xen_stacks; then fn(egc, s) -> Error, still locked.
#pragma once

#include <utility>

#include "event/ctx_impl.hpp"
#include "xen/xen_ctx.hpp"
#include <xlkit/ctx.hpp>

namespace xlkit::detail {

struct XenStacks {
    XenCtx *x = nullptr;
    Hypervisor *hv = nullptr;
    Xenstore *xs = nullptr;
};

/* How much an operation needs xenstore (the hypervisor it always needs). */
enum class XsNeed {
    Required,  // fail without it
    Optional,  // use it if it opens (a list without names still works)
    None,      // do not open it
};

Error xen_stacks(Egc &egc, XenStacks *s, XsNeed xs = XsNeed::Required);

template <class Fn>
Error quick_call(Ctx &ctx, XsNeed xs, Fn &&fn) {
    Egc egc(ctx.impl());
    if (ctx.impl().failed()) return Error::Fail;
    XenStacks s;
    if (Error rc = xen_stacks(egc, &s, xs); rc != Error::Success) return rc;
    return std::forward<Fn>(fn)(egc, s);
}

} // namespace xlkit::detail
