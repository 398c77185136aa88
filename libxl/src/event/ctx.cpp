// The context: creation, teardown, the lock, disaster, and the public Ctx
// methods (each one an Egc: lock, work, unlock, deliver).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "event/ctx_impl.hpp"
#include "event/log.hpp"

namespace xlkit::detail {

Error CtxImpl::create(CtxImpl **out, const CtxOptions &opts) {
    auto *c = new (std::nothrow) CtxImpl;
    if (!c) return Error::Nomem;
    if (opts.logger) {
        c->lg_ = opts.logger;
    } else {
        c->own_lg_ = reinterpret_cast<xentoollog_logger *>(
            xtl_createlogger_stdiostream(stderr, XTL_WARN, 0));
        c->lg_ = c->own_lg_;
    }
    try {
        c->opts_ = opts;
    } catch (...) {
        delete c;
        return Error::Nomem;
    }
    int fds[2];
    c->epfd_.reset(epoll_create1(EPOLL_CLOEXEC));
    c->wakefd_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!c->epfd_ || !c->wakefd_ || pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        XLKIT_LOGE(*c, ERROR, errno, "cannot create the context's epoll/eventfd/pipe");
        delete c;
        return Error::Fail;
    }
    c->sigchld_rd_.reset(fds[0]);
    c->sigchld_wr_.reset(fds[1]);
    try {
        c->fd_table_.resize(256, nullptr);
        c->timers_.reserve(64);
    } catch (...) {
        delete c;
        return Error::Nomem;
    }
    Error rc;
    {
        Egc egc(*c);
        rc = c->fd_register(egc, c->wake_ev_, wake_cb, c->wakefd_.get(), POLLIN);
        if (rc == Error::Success)
            rc = c->fd_register(egc, c->sigchld_ev_, sigchld_cb, c->sigchld_rd_.get(), POLLIN);
    }
    if (rc != Error::Success) {
        delete c;
        return rc;
    }
    registry_add(c);
    *out = c;
    return Error::Success;
}

/* The upper layers end before the core (layer.hpp): first each finishes
 * its work in flight, with no lock held; then, from the top down, each
 * releases its events under the lock and its state after the unlock. */
void CtxImpl::layers_end() noexcept {
    for (LayerId id = kLayerSlots; id-- > 0;) {
        LayerSlot &s = layers_[id];
        if (s.ops_ && s.ops_->finish) s.ops_->finish(*this);
    }
    for (LayerId id = kLayerSlots; id-- > 0;) {
        LayerSlot &s = layers_[id];
        if (!s.ops_) continue;
        if (s.ops_->teardown) {
            Egc egc(*this);
            s.ops_->teardown(egc, s.storage_);
        }
        if (s.destroy_) s.destroy_(s.storage_);
        s.ops_ = nullptr;
        s.destroy_ = nullptr;
    }
}

CtxImpl::~CtxImpl() {
    layers_end();
    registry_remove(this);
    sigchld_release();
    {
        Egc egc(*this);
        fd_deregister(egc, wake_ev_);
        fd_deregister(egc, sigchld_ev_);
        if (!all_fds_.empty() || !timers_.empty() || !children_.empty())
            XLKIT_LOG(*this, WARN, "context freed with fds, timeouts or children still registered");
        (void)register_hooks(egc, nullptr, nullptr);
    }
    drop_queued_events();
    waiting_.clear();
    idle_pollers_.clear();
    spare_poller_ = nullptr;
    for (Poller *p : all_pollers_) delete p;
    if (own_lg_) xtl_logger_destroy(own_lg_);
}

void CtxImpl::postfork_child_close() noexcept {
    failed_ = true;
    epfd_.reset();
    wakefd_.reset();
    sigchld_rd_.reset();
    sigchld_wr_.reset();
    for (Poller *p : all_pollers_) p->efd.reset();
    sigchld_slot_ = -1;
}

void CtxImpl::disaster(Egc &egc, const char *msg, int errnoval) {
    XLKIT_LOGE(*this, CRITICAL, errnoval, "disaster: %s", msg);
    if (disaster_reported_) return;
    disaster_reported_ = true;
    if (!disaster_fn_) {
        failed_ = true;  // every later call returns Error::Fail; never exit()
        return;
    }
    std::snprintf(disaster_msg_, sizeof disaster_msg_, "%s", msg);
    disaster_errno_ = errnoval;
    disaster_deferred_.data = this;
    disaster_deferred_.fn = [](Deferred *d) {
        CtxImpl *c = static_cast<CtxImpl *>(d->data);
        c->disaster_fn_(c->disaster_user_, 0, c->disaster_msg_, c->disaster_errno_);
    };
    egc.defer(disaster_deferred_);
}

} // namespace xlkit::detail

// ---- public surface ---------------------------------------------------------
namespace xlkit {

using detail::CtxImpl;
using detail::Egc;

const char *error_string(int rc) noexcept {
    // The descriptions live in idl/xlkit_types.idl.
    const char *d = describe(static_cast<Error>(rc));
    return d ? d : "unknown error";
}

Error Ctx::create(std::unique_ptr<Ctx> *out, const CtxOptions &opts) {
    if (!out) return Error::Inval;
    CtxImpl *impl = nullptr;
    Error rc = CtxImpl::create(&impl, opts);
    if (rc != Error::Success) return rc;
    Ctx *c = new (std::nothrow) Ctx(impl);
    if (!c) {
        delete impl;
        return Error::Nomem;
    }
    out->reset(c);
    return Error::Success;
}

Ctx::~Ctx() {
    delete impl_;  // the upper layers end first (CtxImpl::layers_end)
}

#define XLKIT_ENTER(egc)                                   \
    Egc egc(*impl_);                                       \
    if (impl_->failed()) return Error::Fail

Error Ctx::run_once(int timeout_ms) {
    XLKIT_ENTER(egc);
    detail::Poller *p = impl_->poller_get();
    if (!p) return Error::Nomem;
    detail::Nanos limit = timeout_ms < 0 ? detail::kNever
                                         : detail::mono_now() + detail::Nanos(timeout_ms) * 1'000'000;
    Error rc = impl_->poll_once(egc, *p, limit);
    impl_->poller_put(p);
    return rc;
}

Error Ctx::beforepoll(struct pollfd *fds, int *nfds_io, int *timeout_upd, struct timeval now) {
    (void)now;  // xlkit keeps its own monotonic clock
    XLKIT_ENTER(egc);
    return impl_->beforepoll(egc, fds, nfds_io, timeout_upd);
}

void Ctx::afterpoll(const struct pollfd *fds, int nfds, struct timeval now) {
    (void)now;
    Egc egc(*impl_);
    if (impl_->failed() || nfds < 0 || (nfds > 0 && !fds)) return;
    impl_->afterpoll(egc, fds, nfds);
}

Error Ctx::register_osevent_hooks(const xlkit_osevent_hooks *hooks, void *user) {
    XLKIT_ENTER(egc);
    return impl_->register_hooks(egc, hooks, user);
}

void Ctx::occurred_fd(void *for_xlkit, int fd, short events, short revents) {
    (void)events;
    Egc egc(*impl_);
    if (impl_->failed() || fd < 0) return;
    impl_->occurred_fd(egc, for_xlkit, fd, revents);
}

void Ctx::occurred_timeout(void *for_xlkit) {
    Egc egc(*impl_);
    if (impl_->failed()) return;
    impl_->occurred_timeout(egc, for_xlkit);
}

void Ctx::childproc_setmode(const xlkit_childproc_hooks *hooks, void *user) {
    Egc egc(*impl_);
    if (impl_->failed()) return;
    impl_->childproc_setmode(egc, hooks, user);
}

Error Ctx::childproc_reaped(pid_t pid, int status) {
    XLKIT_ENTER(egc);
    return impl_->childproc_reaped(egc, pid, status);
}

void Ctx::childproc_sigchld_occurred() {
    Egc egc(*impl_);
    if (impl_->failed()) return;
    impl_->childproc_sigchld_occurred(egc);
}

Error Ctx::event_check(std::unique_ptr<Event> *out, std::uint64_t typemask, EventPredicate pred,
                       void *user) {
    if (!out) return Error::Inval;
    XLKIT_ENTER(egc);
    return impl_->event_check(egc, out, typemask, pred, user);
}

Error Ctx::event_wait(std::unique_ptr<Event> *out, std::uint64_t typemask, EventPredicate pred,
                      void *user, int timeout_ms) {
    if (!out) return Error::Inval;
    XLKIT_ENTER(egc);
    detail::Nanos deadline = timeout_ms < 0 ? detail::kNever
                                            : detail::mono_now() + detail::Nanos(timeout_ms) * 1'000'000;
    return impl_->event_wait(egc, out, typemask, pred, user, deadline);
}

void Ctx::register_event_callbacks(std::uint64_t mask, EventOccursFn occurs, DisasterFn disaster,
                                   void *user) {
    Egc egc(*impl_);
    impl_->set_event_callbacks(mask, occurs, user);
    impl_->set_disaster(disaster, user);
}

void Ctx::set_disaster_callback(DisasterFn fn, void *user) {
    Egc egc(*impl_);
    impl_->set_disaster(fn, user);
}

bool Ctx::failed() const {
    Egc egc(*impl_);
    return impl_->failed();
}

} // namespace xlkit
