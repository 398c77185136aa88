// Domain names (/local/domain/D/name) for domain_info and list_domain,
// from a per-ctx cache kept true by xenstore watches.
//
// libxl's libxl_domain_info returns no name (xl asks libxl_domid_to_name
// separately); xlkit's does, and reading it is a xenstore round trip that
// costs more than the hypercall for the rest of the answer. So a name asked
// for twice is kept, with a watch on its node: while that watch has not
// fired, the name read last is the name. Per entry (domid), lock held:
//
//   none     --name(domid)-->            Seen: read from xenstore, uuid kept
//   Seen     --name(domid), same uuid--> Watched: watch registered, then
//                                        read; its first event (xenstored
//                                        fires every new watch once) is
//                                        skipped
//   Watched  --name, no event since-->   answered from the cache, after
//                                        the pending watch events were
//                                        delivered (no system call)
//   Watched  --watch event-->            Stale: the next name() reads again
//   any      --uuid differs (domid now another domain)--> dropped, then as none
//   any      --a watch cannot be set-->  read every time, as without cache
//
// A rename through another connection shows once xenstored's event for it
// has reached this process: libxenstore's reader thread queues it when it
// arrives (microseconds after the write), and every lookup delivers what is
// queued first. list_domain only reads cached names; it never adds watches
// (a one-shot `list` would pay a watch per domain for nothing).
#include <cerrno>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "event/log.hpp"
#include "xen/xen_ctx.hpp"

namespace xlkit::detail {

namespace {

constexpr std::size_t kMaxNames = 1024;  // entries per ctx; beyond, start again

std::string name_path(std::uint32_t domid) { return "/local/domain/" + std::to_string(domid) + "/name"; }

struct NameEntry {
    EvXsWatch watch;  // data: this
    std::uint8_t uuid[16] = {};
    std::string name;
    bool found = false;  // the node existed when read
    bool valid = false;  // watched, and no event since the read
    int skip = 0;        // events still to skip (the watch's first)
};

void name_watch_cb(Egc &, EvXsWatch *w, const char *, const char *, Error rc) {
    auto *e = static_cast<NameEntry *>(w->data);
    if (rc == Error::Success && e->skip > 0) {
        --e->skip;
        return;
    }
    e->valid = false;
}

} // namespace

struct NameCache {
    std::unordered_map<std::uint32_t, std::unique_ptr<NameEntry>> by_domid;
};

void NameCacheDeleter::operator()(NameCache *c) const { delete c; }

namespace {

void drop(Egc &egc, XenCtx &x, NameCache &c, std::uint32_t domid) {
    auto it = c.by_domid.find(domid);
    if (it == c.by_domid.end()) return;
    x.xswatch_deregister(egc, it->second->watch);
    c.by_domid.erase(it);
}

} // namespace

int XenCtx::domain_name(Egc &egc, Xenstore &xs, std::uint32_t domid, const std::uint8_t uuid[16],
                        bool may_watch, std::string *out) {
    if (!names_) names_.reset(new (std::nothrow) NameCache);
    NameCache *c = names_.get();
    NameEntry *e = nullptr;
    if (c) {
        auto it = c->by_domid.find(domid);
        if (it != c->by_domid.end()) {
            e = it->second.get();
            if (std::memcmp(e->uuid, uuid, 16) != 0) {
                drop(egc, *this, *c, domid);
                e = nullptr;
            }
        }
    }
    if (e && e->watch.active()) {
        pump(egc);  // the changes queued so far mark their entries stale
        if (e->valid && e->watch.active()) {
            if (!e->found) return -ENOENT;
            *out = e->name;
            return 0;
        }
    }
    if (e && may_watch && !e->watch.active()) {
        e->watch.data = e;
        e->skip = 1;
        e->valid = false;
        if (xswatch_register(egc, e->watch, name_watch_cb, name_path(domid)) != Error::Success)
            e->skip = 0;  // uncached from now on: read every time
    }
    int r = xs.read(0, name_path(domid), out);
    if (!c || (!e && !may_watch)) return r;
    if (!e) {
        if (c->by_domid.size() >= kMaxNames) {
            for (auto &kv : c->by_domid) xswatch_deregister(egc, kv.second->watch);
            c->by_domid.clear();
        }
        auto fresh = std::unique_ptr<NameEntry>(new (std::nothrow) NameEntry);
        if (!fresh) return r;
        std::memcpy(fresh->uuid, uuid, 16);
        e = fresh.get();
        try {
            c->by_domid.emplace(domid, std::move(fresh));
        } catch (...) {
            return r;
        }
        return r;  // Seen: watched from the next lookup on
    }
    if (e->watch.active() && (r == 0 || r == -ENOENT)) {
        try {
            e->name = r == 0 ? *out : std::string();
        } catch (...) {
            return r;
        }
        e->found = r == 0;
        e->valid = true;
    }
    return r;
}

void XenCtx::names_teardown(Egc &egc) {
    if (!names_) return;
    for (auto &kv : names_->by_domid) xswatch_deregister(egc, kv.second->watch);
    names_->by_domid.clear();
}

} // namespace xlkit::detail
