// Domain death and shutdown events from one @releaseDomain watch.
//
// Per ctx: the enabled requests sorted by domid, one watch while any is
// enabled. A check (on each watch event, and once after each enable) asks
// the hypervisor for the state of the domains the unresolved requests span
// (Hypervisor::domain_states: domid, dying/shutdown, reason, uuid; batches
// of up to 1,024 from the lowest domid not yet resolved) and reports, once
// each, SHUTDOWN (with reason) then DEATH (dying, gone, or the domid now
// holds another domain: the uuid seen first no longer matches). A domain
// resumed after a suspend may shut down again: that is reported too (seen
// running, or shut down for another reason).
//
// Xen (4.17) cannot say which domain changed: @releaseDomain and
// VIRQ_DOM_EXC say only that one did, and the one query returns every
// domain in the range. So the query stays O(watched); what xlkit does with
// it need not: the answer is kept, and the next check compares the new one
// with it (24-byte entries, memcmp) and visits only the requests of the
// domains whose state changed (a set lookup each). Only a check after a new
// request was added walks every request (the new one has seen nothing yet).
//
// The operations' own death waits (domain_destroy, domain_wait_death) are
// internal requests in the same set: k operations in flight share the one
// watch and one batched check, instead of k watches each delivering every
// event to k checks (quadratic). An internal request is told through its
// callback instead of an event, and only of death (or of a failure).
#include <algorithm>
#include <boost/intrusive/set.hpp>
#include <cstring>
#include <vector>

#include "event/log.hpp"
#include "xen/xen_ctx.hpp"
#include <xlkit/evgen.hpp>

namespace xlkit {

struct EvgenDomainDeath {
    boost::intrusive::set_member_hook<> hook_;
    std::uint32_t domid = 0;
    std::uint64_t seq = 0;  // orders requests for the same domid
    std::uint64_t for_user = 0;
    bool uuid_known = false;
    std::uint8_t uuid[16] = {};
    bool shutdown_reported = false;
    int reported_reason = -1;  // of the SHUTDOWN reported
    bool death_reported = false;
    // Internal requests (detail::death_watch_add): told through cb.
    detail::DeathWatchCb cb = nullptr;
    void *data = nullptr;
    Error pending_rc = Error::Success;
    bool pending = false;  // cb owed, called once the walk is over

    friend bool operator<(const EvgenDomainDeath &a, const EvgenDomainDeath &b) {
        return a.domid < b.domid || (a.domid == b.domid && a.seq < b.seq);
    }
};

} // namespace xlkit

namespace xlkit::detail {

namespace {

constexpr unsigned kBatch = 1024;  // domains per getinfolist call (one hypercall)

using DeathSet = boost::intrusive::multiset<
    EvgenDomainDeath,
    boost::intrusive::member_hook<EvgenDomainDeath, boost::intrusive::set_member_hook<>, &EvgenDomainDeath::hook_>>;

} // namespace

struct DeathState {
    DeathSet set;
    EvXsWatch watch;
    EvImmediate check_soon;
    std::uint64_t seq = 0;
    // The last check's answer (seen, nseen entries) and this one's (cur),
    // by domid; swapped after each check. Entries past n are spare room.
    std::vector<DomState> seen, cur;
    std::size_t nseen = 0;
    bool walk_all = true;  // a request was added since the last check
};

namespace {

void emit(Egc &egc, const EvgenDomainDeath &g, EventType type, int reason) {
    auto ev = std::make_unique<Event>();
    ev->domid = g.domid;
    std::memcpy(ev->domuuid.bytes.data(), g.uuid, 16);
    ev->for_user = g.for_user;
    if (type == EventType::DomainShutdown) {
        EventDomainShutdown s;
        ShutdownReason r = ShutdownReason::Unknown;
        if (reason >= 0 && reason <= 5) r = static_cast<ShutdownReason>(reason);
        s.shutdown_reason = r;
        ev->u = s;
    } else {
        ev->u = EventDomainDeath{};
    }
    egc.ctx.event_occurred(egc, std::move(ev));
}

// Calls the callbacks owed to internal requests. A callback may remove any
// request (its own, or others through an abort), so each call starts again
// from the first request still linked and owed.
void notify_pending(Egc &egc, DeathState &st) {
    for (;;) {
        auto it = std::find_if(st.set.begin(), st.set.end(), [](const EvgenDomainDeath &g) { return g.pending; });
        if (it == st.set.end()) return;
        EvgenDomainDeath &g = *it;
        g.pending = false;
        g.cb(egc, g.data, g.pending_rc);
    }
}

// Every internal request not yet told ends with rc (the hypervisor or
// xenstore failed); public requests learn of it from the disaster.
void fail_internal(Egc &egc, DeathState &st, Error rc) {
    for (EvgenDomainDeath &g : st.set)
        if (g.cb && !g.death_reported) {
            g.death_reported = true;
            g.pending = true;
            g.pending_rc = rc;
        }
    notify_pending(egc, st);
}

struct DomidCmp {
    bool operator()(const EvgenDomainDeath &g, std::uint32_t d) const { return g.domid < d; }
    bool operator()(std::uint32_t d, const EvgenDomainDeath &g) const { return d < g.domid; }
};

// Applies a domain's state (d: nullptr if it is gone) to one unresolved
// request; true if an internal request's callback became due. The same d
// applied twice changes nothing the second time: a check may skip the
// requests of domains whose state did not change since the last one.
bool apply(Egc &egc, EvgenDomainDeath &g, const DomState *d) {
    if (d && !g.uuid_known) {
        std::memcpy(g.uuid, d->uuid, 16);
        g.uuid_known = true;
    }
    const bool same = d && std::memcmp(g.uuid, d->uuid, 16) == 0;
    const bool shutdown = same && (d->flags & kDomStateShutdown);
    // A domain resumed after a suspend (save -c, an aborted save) runs
    // again: its next shutdown is a new one. Xen fires no @releaseDomain
    // on resume, so a check may not see it running before it shuts down
    // again: a new reason also tells.
    if (same && !shutdown) g.shutdown_reported = false;
    if (shutdown && (!g.shutdown_reported || d->shutdown_reason != g.reported_reason)) {
        g.shutdown_reported = true;
        g.reported_reason = d->shutdown_reason;
        if (!g.cb) emit(egc, g, EventType::DomainShutdown, d->shutdown_reason);
    }
    if (same && !(d->flags & kDomStateDying)) return false;
    g.death_reported = true;
    if (!g.cb) {
        emit(egc, g, EventType::DomainDeath, -1);
        return false;
    }
    g.pending = true;
    g.pending_rc = Error::Success;
    return true;
}

// The requests for domid not yet resolved get d.
bool apply_domid(Egc &egc, DeathState &st, std::uint32_t domid, const DomState *d) {
    bool owed = false;
    for (auto it = st.set.lower_bound(domid, DomidCmp{}); it != st.set.end() && it->domid == domid; ++it)
        if (!it->death_reported) owed |= apply(egc, *it, d);
    return owed;
}

void check(Egc &egc, DeathState &st) {
    XenCtx *x = XenCtx::of(egc);
    Hypervisor *hv = nullptr;
    Error rc = x ? x->hv(egc, &hv) : Error::Fail;
    if (rc != Error::Success) {
        fail_internal(egc, st, rc);
        egc.ctx.disaster(egc, "domain death: cannot query the hypervisor", 0);
        return;
    }
    // The query: every unresolved request's domid lies in a range a batch
    // answered, so a domid missing from cur there is a domain gone.
    std::size_t ncur = 0;
    if (!st.set.empty()) {
        const std::uint32_t last = std::prev(st.set.end())->domid;
        auto it = st.set.begin();
        for (;;) {
            while (it != st.set.end() && it->death_reported) ++it;
            if (it == st.set.end()) break;
            const std::uint32_t first = it->domid;
            // No more entries than the watched domids span (1 for one domain).
            const unsigned want = unsigned(std::min<std::uint64_t>(kBatch, std::uint64_t(last) - first + 1));
            if (st.cur.size() < ncur + want) st.cur.resize(ncur + want);
            int n = hv->domain_states(first, want, st.cur.data() + ncur);
            if (n < 0) {
                XLKIT_LOGE(egc.ctx, ERROR, -n, "domain death: getinfolist from %u", first);
                st.walk_all = true;
                fail_internal(egc, st, Error::Fail);
                egc.ctx.disaster(egc, "domain death: the hypervisor query failed", -n);
                return;
            }
            ncur += unsigned(n);
            if (unsigned(n) < want) break;  // answered up to the last domid
            const std::uint32_t next = st.cur[ncur - 1].domid;
            if (next >= last) break;
            it = st.set.upper_bound(next, DomidCmp{});
        }
    }
    bool owed = false;  // an internal request's callback became due
    const DomState *cur = st.cur.data(), *seen = st.seen.data();
    if (st.walk_all) {
        // Every unresolved request, merged with the answer.
        std::size_t j = 0;
        for (EvgenDomainDeath &g : st.set) {
            if (g.death_reported) continue;
            while (j < ncur && cur[j].domid < g.domid) ++j;
            owed |= apply(egc, g, j < ncur && cur[j].domid == g.domid ? &cur[j] : nullptr);
        }
    } else {
        // Only the domains whose state differs from the last check's.
        std::size_t i = 0, j = 0;
        while (i < st.nseen || j < ncur) {
            if (j == ncur || (i < st.nseen && seen[i].domid < cur[j].domid)) {
                owed |= apply_domid(egc, st, seen[i++].domid, nullptr);
            } else if (i == st.nseen || cur[j].domid < seen[i].domid) {
                owed |= apply_domid(egc, st, cur[j].domid, &cur[j]);
                ++j;
            } else {
                if (std::memcmp(&seen[i], &cur[j], sizeof(DomState)) != 0)
                    owed |= apply_domid(egc, st, cur[j].domid, &cur[j]);
                ++i, ++j;
            }
        }
    }
    st.seen.swap(st.cur);
    st.nseen = ncur;
    st.walk_all = false;
    // Walking every request again is only needed if a callback is owed.
    if (owed) notify_pending(egc, st);
}

void watch_cb(Egc &egc, EvXsWatch *w, const char *, const char *, Error rc) {
    DeathState &st = *static_cast<DeathState *>(w->data);
    if (rc != Error::Success) {  // xenstore lost: the disaster has been reported
        fail_internal(egc, st, rc);
        return;
    }
    check(egc, st);
}

} // namespace

DeathState *XenCtx::death_state(bool create) {
    if (!death_ && create) death_.reset(new (std::nothrow) DeathState);
    return death_.get();
}

void DeathStateDeleter::operator()(DeathState *st) const { delete st; }

void death_teardown(Egc &egc, XenCtx &x) {
    DeathState *st = x.death_state(false);
    if (!st) return;
    x.xswatch_deregister(egc, st->watch);
    egc.ctx.immediate_deregister(egc, st->check_soon);
    // Requests the application never disabled are freed with the ctx;
    // internal ones belong to their operations (death_watch_remove frees).
    st->set.clear_and_dispose([](EvgenDomainDeath *g) {
        if (!g->cb) delete g;
    });
}

namespace {

// Adds a request (public or internal) and makes sure a check will come.
Error add_request(Egc &egc, XenCtx &x, DeathState &st, EvgenDomainDeath &g) {
    g.seq = ++st.seq;
    st.set.insert(g);
    st.walk_all = true;
    if (!st.watch.active()) {
        st.watch.data = &st;
        Error rc = x.xswatch_register(egc, st.watch, watch_cb, "@releaseDomain");
        if (rc != Error::Success) {
            st.set.erase(st.set.iterator_to(g));
            return rc;
        }
        // The watch fires once now: that first event does the first check.
    } else {
        // Check soon (not from inside this call): the domain may be dead.
        st.check_soon.data = &st;
        egc.ctx.immediate_register(egc, st.check_soon, [](Egc &e, EvImmediate *im) {
            check(e, *static_cast<DeathState *>(im->data));
        });
    }
    return Error::Success;
}

void remove_request(Egc &egc, XenCtx &x, DeathState &st, EvgenDomainDeath &g) {
    st.set.erase(st.set.iterator_to(g));
    if (st.set.empty()) {
        x.xswatch_deregister(egc, st.watch);
        egc.ctx.immediate_deregister(egc, st.check_soon);
    }
}

} // namespace

Error death_watch_add(Egc &egc, std::uint32_t domid, const std::uint8_t *uuid, DeathWatchCb cb, void *data,
                      EvgenDomainDeath **out) {
    XenCtx *x = XenCtx::of(egc);
    DeathState *st = x ? x->death_state(true) : nullptr;
    auto *g = st ? new (std::nothrow) EvgenDomainDeath : nullptr;
    if (!g) return Error::Nomem;
    g->domid = domid;
    if (uuid) {
        std::memcpy(g->uuid, uuid, 16);
        g->uuid_known = true;
    }
    g->cb = cb;
    g->data = data;
    Error rc = add_request(egc, *x, *st, *g);
    if (rc != Error::Success) {
        delete g;
        return rc;
    }
    *out = g;
    return Error::Success;
}

void death_watch_remove(Egc &egc, EvgenDomainDeath *g) {
    if (!g) return;
    XenCtx *x = XenCtx::of(egc);
    DeathState *st = x ? x->death_state(false) : nullptr;
    if (st && g->hook_.is_linked()) remove_request(egc, *x, *st, *g);
    delete g;
}

} // namespace xlkit::detail

namespace xlkit {

using namespace detail;

Error evenable_domain_death(Ctx &ctx, std::uint32_t domid, std::uint64_t for_user,
                            EvgenDomainDeath **evgen_out) {
    if (!evgen_out) return Error::Inval;
    Egc egc(ctx.impl());
    if (ctx.impl().failed()) return Error::Fail;
    XenCtx *x = XenCtx::of(egc);
    DeathState *st = x ? x->death_state(true) : nullptr;
    if (!st) return Error::Nomem;
    Hypervisor *hv = nullptr;
    Error rc = x->hv(egc, &hv);
    if (rc != Error::Success) return rc;
    auto *g = new (std::nothrow) EvgenDomainDeath;
    if (!g) return Error::Nomem;
    g->domid = domid;
    g->for_user = for_user;
    rc = add_request(egc, *x, *st, *g);
    if (rc != Error::Success) {
        delete g;
        return rc;
    }
    *evgen_out = g;
    return Error::Success;
}

void evdisable_domain_death(Ctx &ctx, EvgenDomainDeath *g) {
    if (!g) return;
    Egc egc(ctx.impl());
    XenCtx *x = XenCtx::of(egc);
    DeathState *st = x ? x->death_state(false) : nullptr;
    if (!st || !g->hook_.is_linked() || g->cb) return;  // unknown, or internal
    remove_request(egc, *x, *st, *g);
    delete g;
}

} // namespace xlkit
