// list_domain, domain_info, get_physinfo, domain_qualifier_to_domid: one
// query each.
#include <cctype>
#include <vector>

#include "event/log.hpp"
#include "ops/op_util.hpp"

namespace xlkit {

using namespace detail;

namespace {

// The preamble of every quick call: the ctx's Xen layer and hypervisor, or
// nullptr and the error to return.
Hypervisor *quick_hv(Egc &egc, XenCtx **x_out, Error *err) {
    *x_out = nullptr;
    if (egc.ctx.failed()) {
        *err = Error::Fail;
        return nullptr;
    }
    XenCtx *x = XenCtx::of(egc);
    if (!x) {
        *err = Error::Nomem;
        return nullptr;
    }
    int rc = 0;
    Hypervisor *hv = x->hv(egc, &rc);
    if (!hv) *err = static_cast<Error>(rc);
    *x_out = x;
    return hv;
}

} // namespace

Error list_domain(Ctx &ctx, std::vector<DomainInfo> *out) {
    if (!out) return Error::Inval;
    Egc egc(ctx.impl());
    XenCtx *x;
    Error err = Error::Success;
    Hypervisor *hv = quick_hv(egc, &x, &err);
    if (!hv) return err;
    int xrc = 0;
    Xenstore *xs = x->xs(egc, &xrc);  // names only: a list without them still works
    std::vector<DomainInfo> result;
    DomInfo batch[256];
    std::uint32_t next = 0;
    for (;;) {
        int n = hv->domain_getinfolist(next, 256, batch);
        if (n < 0) {
            XLKIT_LOGE(ctx.impl(), ERROR, -n, "list_domain: cannot query the hypervisor");
            return Error::Fail;
        }
        for (int i = 0; i < n; ++i) {
            result.emplace_back();
            fill_domain_info(xs, batch[i], &result.back());
        }
        if (n < 256) break;
        next = batch[n - 1].domid + 1;
    }
    *out = std::move(result);
    return Error::Success;
}

Error domain_info(Ctx &ctx, std::uint32_t domid, DomainInfo *out) {
    if (!out) return Error::Inval;
    Egc egc(ctx.impl());
    XenCtx *x;
    Error err = Error::Success;
    Hypervisor *hv = quick_hv(egc, &x, &err);
    if (!hv) return err;
    DomInfo d;
    int rc = query_domain(egc, *hv, domid, &d);
    if (rc) return static_cast<Error>(rc);
    int xrc = 0;
    fill_domain_info(x->xs(egc, &xrc), d, out);
    return Error::Success;
}

Error get_physinfo(Ctx &ctx, Physinfo *out) {
    if (!out) return Error::Inval;
    Egc egc(ctx.impl());
    XenCtx *x;
    Error err = Error::Success;
    Hypervisor *hv = quick_hv(egc, &x, &err);
    if (!hv) return err;
    std::uint64_t total = 0, free = 0;
    if (int r = hv->physinfo(&total, &free); r < 0) {
        XLKIT_LOGE(ctx.impl(), ERROR, -r, "get_physinfo: cannot query the hypervisor");
        return Error::Fail;
    }
    out->total_memkb = total;
    out->free_memkb = free;
    return Error::Success;
}

Error domain_qualifier_to_domid(Ctx &ctx, const std::string &q, std::uint32_t *domid) {
    if (!domid || q.empty()) return Error::Inval;
    bool digits = q.size() < 10;
    for (char c : q) digits &= std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (digits) {
        DomainInfo info;
        std::uint32_t d = static_cast<std::uint32_t>(std::stoul(q));
        Error e = domain_info(ctx, d, &info);
        if (e == Error::Success) *domid = d;
        return e;
    }
    std::vector<DomainInfo> all;
    if (Error e = list_domain(ctx, &all); e != Error::Success) return e;
    for (const DomainInfo &i : all)
        if (i.name == q) {
            *domid = i.domid;
            return Error::Success;
        }
    return Error::DomainNotfound;
}

} // namespace xlkit
