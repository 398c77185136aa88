// list_domain, domain_info, get_physinfo, domain_qualifier_to_domid: one
// query each.
#include <cctype>
#include <vector>

#include "event/log.hpp"
#include "ops/op_util.hpp"

namespace xlkit {

using namespace detail;

// Each starts through quick_call (ops/stacks.hpp): lock, failed-ctx check,
// the Xen stacks it needs.

Error list_domain(Ctx &ctx, std::vector<DomainInfo> *out) {
    if (!out) return Error::Inval;
    // Names come from xenstore: a list without them still works.
    return quick_call(ctx, XsNeed::Optional, [out](Egc &egc, XenStacks &s) {
        std::vector<DomainInfo> result;
        DomInfo batch[256];
        std::uint32_t next = 0;
        for (;;) {
            int n = s.hv->domain_getinfolist(next, 256, batch);
            if (n < 0) {
                XLKIT_LOGE(egc.ctx, ERROR, -n, "list_domain: cannot query the hypervisor");
                return Error::Fail;
            }
            for (int i = 0; i < n; ++i) {
                result.emplace_back();
                fill_domain_info(egc, s, batch[i], false, &result.back());
            }
            if (n < 256) break;
            next = batch[n - 1].domid + 1;
        }
        *out = std::move(result);
        return Error::Success;
    });
}

Error domain_info(Ctx &ctx, std::uint32_t domid, DomainInfo *out) {
    if (!out) return Error::Inval;
    return quick_call(ctx, XsNeed::Optional, [domid, out](Egc &egc, XenStacks &s) {
        DomInfo d;
        if (Error rc = query_domain(egc, *s.hv, domid, &d); rc != Error::Success) return rc;
        fill_domain_info(egc, s, d, true, out);
        return Error::Success;
    });
}

Error get_physinfo(Ctx &ctx, Physinfo *out) {
    if (!out) return Error::Inval;
    return quick_call(ctx, XsNeed::None, [out](Egc &egc, XenStacks &s) {
        std::uint64_t total = 0, free = 0;
        if (int r = s.hv->physinfo(&total, &free); r < 0) {
            XLKIT_LOGE(egc.ctx, ERROR, -r, "get_physinfo: cannot query the hypervisor");
            return Error::Fail;
        }
        out->total_memkb = total;
        out->free_memkb = free;
        return Error::Success;
    });
}

Error domain_qualifier_to_domid(Ctx &ctx, const std::string &q, std::uint32_t *domid) {
    if (!domid || q.empty()) return Error::Inval;
    bool digits = q.size() < 10;
    for (char c : q) digits &= std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (digits) {
        // That it exists is all a number needs: one hypercall, no xenstore
        // (the caller's domain_info, if any, is then the name's first read).
        const auto d = static_cast<std::uint32_t>(std::stoul(q));
        Error e = quick_call(ctx, XsNeed::None, [d](Egc &egc, XenStacks &s) {
            DomInfo di;
            return query_domain(egc, *s.hv, d, &di);
        });
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
