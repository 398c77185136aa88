// C API: the event queue, event callbacks, progress hows, helper_run.
#include <cstdlib>
#include <string>
#include <vector>

#include "capi/capi.hpp"
#include "event/ctx_impl.hpp"
#include "idl/_types_internal.hpp"
#include <xlkit/evgen.hpp>
#include <xlkit/helper.hpp>
#include <xlkit/progress.hpp>

using xlkit::Error;
using xlkit::Event;
using xlkit::rc_of;

namespace {

// A C++ event as a malloc'ed C event the application frees with
// xlkit_event_free. nullptr if out of memory.
xlkit_event *to_c_event(const Event &ev) {
    auto *c = static_cast<xlkit_event *>(std::malloc(sizeof(xlkit_event)));
    if (!c) return nullptr;
    xlkit_event_init(c);
    if (xlkit::detail::to_c(ev, c) != Error::Success) {
        xlkit_event_dispose(c);
        std::free(c);
        return nullptr;
    }
    return c;
}

struct PredicateAdapter {
    xlkit_event_predicate *pred;
    void *user;
};

bool adapt_predicate(const Event &ev, void *user) {
    auto *a = static_cast<PredicateAdapter *>(user);
    xlkit_event *c = to_c_event(ev);
    if (!c) return false;
    bool r = a->pred(c, a->user) != 0;
    xlkit_event_dispose(c);
    std::free(c);
    return r;
}

int check_or_wait(xlkit_ctx *ctx, xlkit_event **event_r, uint64_t typemask,
                  xlkit_event_predicate *predicate, void *predicate_user, bool wait) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    if (!event_r) return XLKIT_ERROR_INVAL;
    PredicateAdapter a{predicate, predicate_user};
    std::unique_ptr<Event> ev;
    Error e = wait ? ctx->cxx->event_wait(&ev, typemask, predicate ? adapt_predicate : nullptr, &a)
                   : ctx->cxx->event_check(&ev, typemask, predicate ? adapt_predicate : nullptr, &a);
    if (e != Error::Success) return rc_of(e);
    xlkit_event *c = to_c_event(*ev);
    if (!c) return XLKIT_ERROR_NOMEM;
    *event_r = c;
    return 0;
}

void occurs_trampoline(void *user, std::unique_ptr<Event> ev) {
    auto *ctx = static_cast<xlkit_ctx *>(user);
    const xlkit_event_hooks *h = ctx->event_hooks;
    if (!h || !h->event_occurs) return;
    if (xlkit_event *c = to_c_event(*ev)) h->event_occurs(ctx->event_hooks_user, c);
}

void disaster_trampoline(void *user, int type, const char *msg, int errnoval) {
    auto *ctx = static_cast<xlkit_ctx *>(user);
    const xlkit_event_hooks *h = ctx->event_hooks;
    if (h && h->disaster) h->disaster(ctx->event_hooks_user, static_cast<xlkit_event_type>(type), msg, errnoval);
}

// A C progress callback as a C++ one: the C callback owns each event.
struct CProgress {
    xlkit_ctx *ctx;
    void (*cb)(xlkit_ctx *, xlkit_event *, void *);
    void *user;
    void (*free_fn)(void *);
    CProgress(xlkit_ctx *c, decltype(cb) f, void *u, void (*fr)(void *)) : ctx(c), cb(f), user(u), free_fn(fr) {}
    CProgress(CProgress &&o) noexcept
        : ctx(o.ctx), cb(o.cb), user(o.user), free_fn(std::exchange(o.free_fn, nullptr)) {}
    CProgress(const CProgress &) = delete;
    ~CProgress() {
        if (free_fn) free_fn(user);
    }
    void operator()(const Event &ev) {
        if (xlkit_event *c = to_c_event(ev)) cb(ctx, c, user);
    }
};

} // namespace

namespace xlkit::capi {
xlkit::ProgressHow to_cxx_progress(xlkit_ctx *ctx, const xlkit_asyncprogress_how *how) {
    if (!how) return {};
    if (!how->callback) return xlkit::ProgressHow::event(how->for_event);
    return xlkit::ProgressHow::callback(CProgress(ctx, how->callback, how->for_callback, how->free_callback));
}
} // namespace xlkit::capi

using xlkit::capi::to_cxx_progress;

extern "C" {

int xlkit_event_check(xlkit_ctx *ctx, xlkit_event **event_r, uint64_t typemask,
                      xlkit_event_predicate *predicate, void *predicate_user) {
    return check_or_wait(ctx, event_r, typemask, predicate, predicate_user, false);
}

int xlkit_event_wait(xlkit_ctx *ctx, xlkit_event **event_r, uint64_t typemask,
                     xlkit_event_predicate *predicate, void *predicate_user) {
    return check_or_wait(ctx, event_r, typemask, predicate, predicate_user, true);
}

void xlkit_event_free(xlkit_ctx *ctx, xlkit_event *event) {
    (void)ctx;
    if (!event) return;
    xlkit_event_dispose(event);
    std::free(event);
}

void xlkit_event_register_callbacks(xlkit_ctx *ctx, const xlkit_event_hooks *hooks, void *user) {
    if (!ctx) return;
    ctx->event_hooks = hooks;
    ctx->event_hooks_user = user;
    ctx->cxx->register_event_callbacks(hooks && hooks->event_occurs ? hooks->event_occurs_mask : 0,
                                       hooks && hooks->event_occurs ? occurs_trampoline : nullptr,
                                       hooks && hooks->disaster ? disaster_trampoline : nullptr, ctx);
}

int xlkit_evenable_domain_death(xlkit_ctx *ctx, uint32_t domid, xlkit_ev_user user,
                                xlkit_evgen_domain_death **evgen_out) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    if (!evgen_out) return XLKIT_ERROR_INVAL;
    xlkit::EvgenDomainDeath *g = nullptr;
    Error e = xlkit::evenable_domain_death(*ctx->cxx, domid, user, &g);
    if (e == Error::Success) *evgen_out = reinterpret_cast<xlkit_evgen_domain_death *>(g);
    return rc_of(e);
}

void xlkit_evdisable_domain_death(xlkit_ctx *ctx, xlkit_evgen_domain_death *evgen) {
    if (!ctx) return;
    xlkit::evdisable_domain_death(*ctx->cxx, reinterpret_cast<xlkit::EvgenDomainDeath *>(evgen));
}

int xlkit_evenable_disk_eject(xlkit_ctx *ctx, uint32_t domid, const char *vdev, xlkit_ev_user user,
                              xlkit_evgen_disk_eject **evgen_out) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    if (!evgen_out || !vdev) return XLKIT_ERROR_INVAL;
    xlkit::EvgenDiskEject *g = nullptr;
    Error e = xlkit::evenable_disk_eject(*ctx->cxx, domid, vdev, user, &g);
    if (e == Error::Success) *evgen_out = reinterpret_cast<xlkit_evgen_disk_eject *>(g);
    return rc_of(e);
}

void xlkit_evdisable_disk_eject(xlkit_ctx *ctx, xlkit_evgen_disk_eject *evgen) {
    if (!ctx) return;
    xlkit::evdisable_disk_eject(*ctx->cxx, reinterpret_cast<xlkit::EvgenDiskEject *>(evgen));
}

int xlkit_helper_run(xlkit_ctx *ctx, const char *const *argv, int timeout_ms, int *status_r,
                     const xlkit_asyncop_how *ao_how, const xlkit_asyncprogress_how *aop_output_how) {
    XLKIT_CAPI_CHECK_CTX(ctx);
    xlkit::AoHow how = xlkit::capi::to_cxx(ctx, ao_how);
    xlkit::ProgressHow out = to_cxx_progress(ctx, aop_output_how);
    if (!argv || !argv[0]) return XLKIT_ERROR_INVAL;  // how released: free_callback runs
    xlkit::HelperRunArgs args;
    for (const char *const *a = argv; *a; ++a) args.argv.emplace_back(*a);
    args.timeout_ms = timeout_ms;
    args.status_r = status_r;
    return rc_of(xlkit::helper_run(*ctx->cxx, std::move(args), std::move(how), std::move(out)));
}

} // extern "C"
