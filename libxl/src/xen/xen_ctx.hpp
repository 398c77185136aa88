// XenCtx: a ctx's Xen layer: its hypervisor and xenstore stacks (backend
// plus filters, opened on first use) and the watches multiplexed over the
// single xenstore connection. Layer 3.
//
// A ctx's XenCtx is attached to the event core in slot kXenLayer
// (event/layer.hpp) by the first XenCtx::of(), which reads the ctx's
// options: CtxOptions::hypervisor (else XLKIT_HYPERVISOR, else "xenctrl")
// and CtxOptions::filters (else XLKIT_FILTERS, else none). When the ctx is
// freed, after every operation in flight has finished, teardown() releases
// its watches and events (lock held); the XenCtx is deleted after the unlock.
#pragma once

#include <boost/intrusive/list.hpp>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "event/ctx_impl.hpp"
#include "event/layer.hpp"
#include "xen/hypervisor.hpp"
#include "xen/xenstore.hpp"

namespace xlkit {
struct EvgenDomainDeath;  // xlkit/evgen.hpp
}

namespace xlkit::detail {

/* EvXsWatch: a xenstore watch (libxl's libxl__ev_xswatch).
 *
 *   Idle   --xswatch_register(ok)-->   Active   (fires once at once, as
 *                                               xenstore watches do)
 *   Idle   --xswatch_register(err)-->  Idle     func never called
 *   Active --xswatch_deregister-->     Idle     (twice is harmless)
 *   Active --connection lost-->        Idle, then func(rc = Error::Fail)
 * func(egc, w, watch_path, event_path, Error::Success) runs with the lock
 * held for each
 * change at or below the watched path. Each registration gets a fresh
 * token "slot/counter": an event for a slot since reused by another watch
 * is recognised by its counter and dropped. */
class EvXsWatch {
public:
    using Func = void (*)(Egc &egc, EvXsWatch *w, const char *watch_path, const char *event_path, Error rc);
    static constexpr std::uint32_t kIdle = UINT32_MAX;
    EvXsWatch() noexcept = default;
    EvXsWatch(const EvXsWatch &) = delete;
    EvXsWatch &operator=(const EvXsWatch &) = delete;
    bool active() const noexcept { return slot_ != kIdle; }
    const std::string &path() const noexcept { return path_; }
    void *data = nullptr;

private:
    friend class XenCtx;
    Func func_ = nullptr;
    std::string path_;
    std::uint32_t slot_ = kIdle;
    std::uint32_t counter_ = 0;
};

struct DeathState;  // domain_death.cpp
struct DeathStateDeleter {
    void operator()(DeathState *st) const;
};
class XenCtx;
void death_teardown(Egc &egc, XenCtx &x);
struct NameCache;  // domain_names.cpp
struct NameCacheDeleter {
    void operator()(NameCache *c) const;
};

/* An internal domain-death request (domain_death.cpp), sharing the ctx's one
 * @releaseDomain watch and batched check with the public evgens:
 * cb(rc = Success) once domid is dying, gone or holds another domain (the
 * first check comes soon after adding, not from inside the call); cb(an
 * error) if the hypervisor or xenstore fails. Called once; remove it
 * afterwards (or before, to stop). */
using DeathWatchCb = void (*)(Egc &egc, void *data, Error rc);
/* uuid (may be nullptr: the first check's) tells the domain apart from a
 * later one with the same domid. On success *out is the request; on error
 * *out is untouched and cb is never called. */
Error death_watch_add(Egc &egc, std::uint32_t domid, const std::uint8_t *uuid, DeathWatchCb cb, void *data,
                      EvgenDomainDeath **out);
void death_watch_remove(Egc &egc, EvgenDomainDeath *g);

/* The Xen layer's slot in the event core: above the ao layer (kAoLayer),
 * so it is torn down first. */
inline constexpr LayerId kXenLayer = 1;

class XenCtx {
public:
    static constexpr int kKeepaliveMs = 500;
    /* The ctx's Xen layer, created on first use. nullptr only if out of
     * memory. */
    static XenCtx *of(Egc &egc);
    /* Reads the ctx's options (and their environment fallbacks). */
    explicit XenCtx(CtxImpl &ctx);
    ~XenCtx();

    /* The stacks, opened on first use: *out set, or an error (the reason
     * logged, *out untouched) if they cannot be opened. */
    Error hv(Egc &egc, Hypervisor **out);
    /* xenstore for requests. Watches go through xswatch_register, on a
     * connection of their own: never watch on this one (its requests would
     * then pass through libxenstore's reader thread). */
    Error xs(Egc &egc, Xenstore **out);
    /* The fd the watches' events arrive on (-1 before the first watch). */
    int xs_watch_fd() const { return xsw_ ? xsw_->fileno() : -1; }

    Error xswatch_register(Egc &egc, EvXsWatch &w, EvXsWatch::Func func, const std::string &path);
    void xswatch_deregister(Egc &egc, EvXsWatch &w);

    /* Map a -errno from a xenstore call to an Error, logging it with the
     * errno and noticing a lost connection (which fails every watch and is
     * a disaster). */
    Error xs_error(Egc &egc, int r, const char *what, const std::string &path);

    void teardown(Egc &egc);
    /* The domain-death requests of this ctx (domain_death.cpp). */
    DeathState *death_state(bool create);
    std::size_t watches_active() const noexcept { return nactive_; }

    /* Domain domid's name (uuid: the domain's, from the hypervisor), from
     * the ctx's name cache or xenstore (domain_names.cpp). may_watch: a
     * name asked for again may be kept, with a watch on its node. Returns
     * 0 and *out, or -errno (-ENOENT: the domain has no name). */
    int domain_name(Egc &egc, Xenstore &xs, std::uint32_t domid, const std::uint8_t uuid[16], bool may_watch,
                    std::string *out);

    /* Names of the domains this ctx is creating: a second create of the same
     * name fails even before the first one has written its name to xenstore.
     * reserve_name returns false if the name is taken. */
    bool reserve_name(const std::string &name) { return creating_.insert(name).second; }
    void release_name(const std::string &name) { creating_.erase(name); }

    /* CtxOptions::hotplug_dir, else XLKIT_HOTPLUG_DIR, else /etc/xen/scripts. */
    const std::string &hotplug_dir() const noexcept { return hotplug_dir_; }
    /* CtxOptions::lib_dir, else XLKIT_XEN_LIB_DIR, else the sim host's
     * DIR/lib-xen, else /var/lib/xen (libxl's XEN_LIB_DIR). */
    const std::string &lib_dir() const noexcept { return lib_dir_; }
    /* CtxOptions::device_timeout_ms, else XLKIT_DEVICE_TIMEOUT_MS; 0: the
     * operation's own default. */
    int device_timeout_ms() const noexcept { return device_timeout_ms_; }

private:
    static void xs_fd_cb(Egc &egc, EvFd *ev, int fd, short events, short revents);
    static void keepalive_cb(Egc &egc, EvTime *ev, Nanos abs, Error rc);
    void pump(Egc &egc);
    void xs_lost(Egc &egc, int r);
    std::unique_ptr<Xenstore> open_xenstore();
    Error xs_watches(Egc &egc, Xenstore **out);
    int open_stacks(Egc &egc);

    CtxImpl &ctx_;
    std::string hv_spec_;       // CtxOptions::hypervisor, else XLKIT_HYPERVISOR
    std::string filters_spec_;  // CtxOptions::filters, else XLKIT_FILTERS
    std::string hotplug_dir_;
    std::string lib_dir_;
    int device_timeout_ms_ = 0;
    std::unique_ptr<Hypervisor> hv_;
    std::unique_ptr<Xenstore> xs_;   // requests: never watches (xs_watches())
    std::unique_ptr<Xenstore> xsw_;  // watches, and their events
    std::string open_error_;
    bool hv_tried_ = false, xs_tried_ = false, xsw_tried_ = false;
    bool xs_lost_ = false;
    EvFd xs_ev_;
    /* libxenstore does not wake the watch fd when xenstored dies; only the
     * next call tells. While watches exist, look every kKeepaliveMs. */
    EvTime keepalive_;
    std::vector<EvXsWatch *> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::uint32_t counter_ = 0;
    std::size_t nactive_ = 0;
    std::unique_ptr<DeathState, DeathStateDeleter> death_;
    std::unique_ptr<NameCache, NameCacheDeleter> names_;
    void names_teardown(Egc &egc);
    std::set<std::string> creating_;
};

} // namespace xlkit::detail
