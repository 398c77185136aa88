#include "ops/stacks.hpp"

namespace xlkit::detail {

Error xen_stacks(Egc &egc, XenStacks *s, XsNeed xs) {
    XenCtx *x = XenCtx::of(egc);
    if (!x) return Error::Nomem;
    Hypervisor *hv = nullptr;
    Error rc = x->hv(egc, &hv);
    if (rc != Error::Success) return rc;
    Xenstore *store = nullptr;
    if (xs != XsNeed::None) {
        rc = x->xs(egc, &store);
        if (rc != Error::Success && xs == XsNeed::Required) return rc;
    }
    s->x = x;
    s->hv = hv;
    s->xs = store;
    return Error::Success;
}

} // namespace xlkit::detail
