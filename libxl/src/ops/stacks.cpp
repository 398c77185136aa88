#include "ops/stacks.hpp"

namespace xlkit::detail {

int xen_stacks(Egc &egc, XenStacks *s, XsNeed xs) {
    XenCtx *x = XenCtx::of(egc);
    if (!x) return rc_of(Error::Nomem);
    int rc = 0;
    Hypervisor *hv = x->hv(egc, &rc);
    if (!hv) return rc;
    Xenstore *store = nullptr;
    if (xs != XsNeed::None) {
        store = x->xs(egc, &rc);
        if (!store && xs == XsNeed::Required) return rc;
    }
    s->x = x;
    s->hv = hv;
    s->xs = store;
    return 0;
}

} // namespace xlkit::detail
