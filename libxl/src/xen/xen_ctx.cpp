// The Xen layer of a ctx: backend stacks and the xenstore watch multiplexer.
#include <algorithm>
#include <cstdlib>
#include "xen/xen_ctx.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "ao/ao.hpp"
#include "event/log.hpp"
#include "xen/filters.hpp"

namespace xlkit::detail {

static_assert(kXenLayer > kAoLayer, "the Xen layer sits above the ao layer: it is torn down first");

namespace {

using XenSlot = std::unique_ptr<XenCtx>;  // the Xen layer's state in its slot

// Operations in flight have finished (the ao layer's LayerOps::finish) by
// the time this runs; the XenCtx itself is deleted after the unlock.
constexpr LayerOps kXenLayerOps{nullptr, [](Egc &egc, void *st) noexcept {
                                    (*static_cast<XenSlot *>(st))->teardown(egc);
                                }};

std::string option_or_env(const std::string &v, const char *env) {
    const char *e = v.empty() ? std::getenv(env) : nullptr;
    return e ? std::string(e) : v;
}

bool is_subpath(const std::string &parent, const char *child) {
    std::size_t n = parent.size();
    if (std::strncmp(parent.c_str(), child, n) != 0) return false;
    return child[n] == '\0' || child[n] == '/' || (n && parent[n - 1] == '/');
}

// A lost connection, as opposed to an answer (ENOENT, EACCES, EAGAIN...).
bool connection_error(int r) {
    return r == -ECONNRESET || r == -EPIPE || r == -EBADF || r == -ENOTCONN || r == -ECONNREFUSED ||
           r == -ESHUTDOWN || r == -EIO;
}

} // namespace

XenCtx *XenCtx::of(Egc &egc) {
    LayerSlot &s = egc.ctx.layer(kXenLayer);
    if (!s.attached()) {
        try {
            s.attach<XenSlot>(kXenLayerOps, std::make_unique<XenCtx>(egc.ctx));
        } catch (const std::bad_alloc &) {
            return nullptr;
        }
    }
    return s.state<XenSlot>().get();
}

XenCtx::XenCtx(CtxImpl &ctx)
    : ctx_(ctx),
      hv_spec_(option_or_env(ctx.options().hypervisor, "XLKIT_HYPERVISOR")),
      filters_spec_(option_or_env(ctx.options().filters, "XLKIT_FILTERS")),
      hotplug_dir_(option_or_env(ctx.options().hotplug_dir, "XLKIT_HOTPLUG_DIR")) {
    if (hotplug_dir_.empty()) hotplug_dir_ = "/etc/xen/scripts";
    lib_dir_ = option_or_env(ctx.options().lib_dir, "XLKIT_XEN_LIB_DIR");
    if (lib_dir_.empty())
        lib_dir_ = hv_spec_.rfind("sim:", 0) == 0 ? hv_spec_.substr(4) + "/lib-xen" : std::string("/var/lib/xen");
    device_timeout_ms_ = ctx.options().device_timeout_ms;
    if (device_timeout_ms_ <= 0) {
        std::string t = option_or_env("", "XLKIT_DEVICE_TIMEOUT_MS");
        device_timeout_ms_ = t.empty() ? 0 : std::max(0, std::atoi(t.c_str()));
    }
}

XenCtx::~XenCtx() = default;

Error XenCtx::hv(Egc &egc, Hypervisor **out) {
    (void)egc;
    if (!hv_ && !hv_tried_) {
        hv_tried_ = true;
        std::string spec = hv_spec_.empty() ? "xenctrl" : hv_spec_;
        std::string why;
        std::unique_ptr<Hypervisor> h;
        if (spec == "xenctrl")
            h = open_xenctrl(&why);
        else if (spec.rfind("sim:", 0) == 0)
            h = open_sim(spec.substr(4), &why);
        else
            why = "unknown hypervisor backend '" + spec + "' (expected xenctrl or sim:DIR)";
        std::vector<FilterSpec> filters;
        if (h && parse_filters(filters_spec_, &filters, &why) < 0) h.reset();
        for (const FilterSpec &f : filters)
            if (h) h = wrap_hypervisor(std::move(h), f, ctx_.logger());
        if (!h) {
            open_error_ = why;
            XLKIT_LOG(ctx_, ERROR, "%s", why.c_str());
        }
        hv_ = std::move(h);
    }
    if (!hv_) return Error::Fail;
    *out = hv_.get();
    return Error::Success;
}

// One libxenstore connection with the filters of XLKIT_FILTERS /
// CtxOptions::filters around it; null (and logged) if none.
std::unique_ptr<Xenstore> XenCtx::open_xenstore() {
    std::string why;
    std::unique_ptr<Xenstore> x = open_libxenstore(&why);
    std::vector<FilterSpec> filters;
    if (x && parse_filters(filters_spec_, &filters, &why) < 0) x.reset();
    for (const FilterSpec &f : filters)
        if (x) x = wrap_xenstore(std::move(x), f, ctx_.logger());
    if (!x) XLKIT_LOG(ctx_, ERROR, "%s", why.c_str());
    return x;
}

Error XenCtx::xs(Egc &egc, Xenstore **out) {
    (void)egc;
    if (!xs_ && !xs_tried_) {
        xs_tried_ = true;
        xs_ = open_xenstore();
    }
    if (!xs_ || xs_lost_) return Error::Fail;
    *out = xs_.get();
    return Error::Success;
}

// The watches' own connection. Once a libxenstore handle has a watch, a
// reader thread takes every reply on it and hands it over to the caller
// through a condition variable; requests on a handle that never watches
// are written and read on the caller's thread (in dom0 under emulation a
// read cost 0.43 ms of CPU without the thread, 0.56 ms with it). So
// requests go to xs_ and watches to xsw_, opened with the first watch and
// kept until the ctx goes (as libxl keeps its one handle).
Error XenCtx::xs_watches(Egc &egc, Xenstore **out) {
    Xenstore *requests = nullptr;
    Error rc = xs(egc, &requests);  // the ctx's xenstore is usable at all
    if (rc != Error::Success) return rc;
    if (!xsw_ && !xsw_tried_) {
        xsw_tried_ = true;
        xsw_ = open_xenstore();
    }
    if (!xsw_) return Error::Fail;
    *out = xsw_.get();
    return Error::Success;
}

Error XenCtx::xswatch_register(Egc &egc, EvXsWatch &w, EvXsWatch::Func func, const std::string &path) {
    if (!func || path.empty() || w.active()) return Error::Inval;
    Xenstore *x = nullptr;
    Error rc = xs_watches(egc, &x);
    if (rc != Error::Success) return rc;
    if (!xs_ev_.active()) {
        int fd = x->fileno();
        if (fd < 0) return xs_error(egc, -errno, "xs_fileno", path);
        xs_ev_.data = this;
        rc = ctx_.fd_register(egc, xs_ev_, xs_fd_cb, fd, POLLIN);
        if (rc != Error::Success) return rc;
        keepalive_.data = this;
        rc = ctx_.time_register_rel(egc, keepalive_, keepalive_cb, kKeepaliveMs);
        if (rc != Error::Success) {
            ctx_.fd_deregister(egc, xs_ev_);
            return rc;
        }
    }
    std::uint32_t slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.push_back(nullptr);
    }
    std::uint32_t counter = ++counter_;
    char token[32];
    std::snprintf(token, sizeof token, "%u/%x", slot, counter);
    int r = x->watch(path, token);
    if (r < 0) {
        free_slots_.push_back(slot);
        return xs_error(egc, r, "watch", path);
    }
    w.func_ = func;
    w.path_ = path;
    w.slot_ = slot;
    w.counter_ = counter;
    slots_[slot] = &w;
    ++nactive_;
    return Error::Success;
}

void XenCtx::xswatch_deregister(Egc &egc, EvXsWatch &w) {
    if (!w.active()) return;
    if (xsw_ && !xs_lost_) {
        char token[32];
        std::snprintf(token, sizeof token, "%u/%x", w.slot_, w.counter_);
        int r = xsw_->unwatch(w.path_, token);
        if (r < 0 && r != -ENOENT) (void)xs_error(egc, r, "unwatch", w.path_);
    }
    slots_[w.slot_] = nullptr;
    free_slots_.push_back(w.slot_);
    w.slot_ = EvXsWatch::kIdle;
    --nactive_;
    // Like libxl: no watches, no fd (xenstored may then be restarted).
    if (!nactive_) {
        ctx_.fd_deregister(egc, xs_ev_);
        ctx_.time_deregister(egc, keepalive_);
    }
}

void XenCtx::xs_fd_cb(Egc &egc, EvFd *ev, int, short, short) {
    static_cast<XenCtx *>(ev->data)->pump(egc);
}

void XenCtx::keepalive_cb(Egc &egc, EvTime *ev, Nanos, Error) {
    auto *self = static_cast<XenCtx *>(ev->data);
    self->pump(egc);
    if (self->nactive_ && !self->xs_lost_)
        (void)egc.ctx.time_register_rel(egc, self->keepalive_, keepalive_cb, kKeepaliveMs);
}

// Deliver every pending watch event; notice a lost connection.
void XenCtx::pump(Egc &egc) {
    std::string path, token;
    while (xsw_ && !xs_lost_) {
        int r = xsw_->check_watch(&path, &token);
        if (r == 0) return;
        if (r < 0) {
            xs_lost(egc, r);
            return;
        }
        unsigned slot = 0, counter = 0;
        if (std::sscanf(token.c_str(), "%u/%x", &slot, &counter) != 2 || slot >= slots_.size()) {
            XLKIT_LOG(egc.ctx, DEBUG, "xenstore watch event with a foreign token '%s' (%s)", token.c_str(),
                      path.c_str());
            continue;
        }
        EvXsWatch *w = slots_[slot];
        // A stale event for a slot since reused (or freed): its counter no
        // longer matches. Also check the path really is ours.
        if (!w || w->counter_ != counter || !is_subpath(w->path_, path.c_str())) continue;
        w->func_(egc, w, w->path_.c_str(), path.c_str(), Error::Success);
    }
}

Error XenCtx::xs_error(Egc &egc, int r, const char *what, const std::string &path) {
    XLKIT_LOGE(ctx_, ERROR, -r, "xenstore %s %s", what, path.c_str());
    if (connection_error(r)) xs_lost(egc, r);
    return Error::Fail;
}

void XenCtx::xs_lost(Egc &egc, int r) {
    if (xs_lost_) return;
    xs_lost_ = true;
    ctx_.fd_deregister(egc, xs_ev_);
    ctx_.time_deregister(egc, keepalive_);
    // Every watch ends now, with an error: nothing waits forever.
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        EvXsWatch *w = slots_[i];
        if (!w) continue;
        slots_[i] = nullptr;
        w->slot_ = EvXsWatch::kIdle;
        --nactive_;
        w->func_(egc, w, w->path_.c_str(), "", Error::Fail);
    }
    ctx_.disaster(egc, "lost the connection to xenstored", -r);
}

void XenCtx::teardown(Egc &egc) {
    death_teardown(egc, *this);
    names_teardown(egc);
    for (EvXsWatch *w : slots_)
        if (w) xswatch_deregister(egc, *w);
    ctx_.fd_deregister(egc, xs_ev_);
    ctx_.time_deregister(egc, keepalive_);
}

} // namespace xlkit::detail
