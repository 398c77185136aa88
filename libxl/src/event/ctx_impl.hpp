// CtxImpl: the context's internals (xlkit::detail). Layer 1, the event core.
//
// Locking: one mutex per ctx, never held together with another ctx's. Every
// method taking an Egc& requires the lock held (the Egc is the proof).
// Internal callbacks (EvFd/EvTime/EvImmediate/EvChild funcs) run with the lock
// held; application callbacks run through Egc::defer after it is released.
#pragma once

#include <atomic>
#include <cassert>
#include <memory>
#include <boost/intrusive/list.hpp>
#include <cstdint>
#include <pthread.h>
#include <spawn.h>
#include <vector>
extern "C" {
#include <xentoollog.h>  // has no C++ guard of its own
}

#include "event/clock.hpp"
#include "event/ctx_lock.hpp"
#include "event/egc.hpp"
#include "event/ev_child.hpp"
#include "event/ev_fd.hpp"
#include "event/ev_immediate.hpp"
#include "event/ev_time.hpp"
#include "event/layer.hpp"
#include "event/poller.hpp"
#include "event/timer_heap.hpp"
#include "event/unique_fd.hpp"
#include <xlkit/ctx.hpp>

namespace xlkit::detail {

template <class T, boost::intrusive::list_member_hook<> T::*Hook>
using IList = boost::intrusive::list<
    T, boost::intrusive::member_hook<T, boost::intrusive::list_member_hook<>, Hook>,
    boost::intrusive::constant_time_size<false>>;

/* An event waiting in the application's queue. */
struct QueuedEvent {
    boost::intrusive::list_member_hook<> hook_;
    std::unique_ptr<Event> ev;
};

/* A thread in event_wait: woken when an event is queued. */
struct EventWaiter {
    boost::intrusive::list_member_hook<> hook_;
    Poller *poller = nullptr;
};

class CtxImpl {
public:
    /* Returns Success and sets *out, or an error. */
    static Error create(CtxImpl **out, const CtxOptions &opts);
    ~CtxImpl();

    xentoollog_logger *logger() const noexcept { return lg_; }

    // ---- lock (use Egc, not these, outside the event core) -------------
    void lock() noexcept { mu_.lock(); }
    void unlock() noexcept { mu_.unlock(); }
    /* This thread holds the lock: one of its Egcs, still locked, is this
     * ctx's (egc.cpp). */
    bool locked_by_me() const noexcept;

    // ---- fds ------------------------------------------------------------
    Error fd_register(Egc &egc, EvFd &ev, EvFd::Func func, int fd, short events);
    Error fd_modify(Egc &egc, EvFd &ev, short events);
    void fd_deregister(Egc &egc, EvFd &ev);

    // ---- timeouts -------------------------------------------------------
    Error time_register_abs(Egc &egc, EvTime &ev, EvTime::Func func, Nanos abs);
    Error time_register_rel(Egc &egc, EvTime &ev, EvTime::Func func, int ms);
    void time_deregister(Egc &egc, EvTime &ev);
    std::size_t timers_active() const noexcept { return timers_.size(); }

    // ---- immediates -----------------------------------------------------
    void immediate_register(Egc &egc, EvImmediate &ev, EvImmediate::Func func);
    void immediate_post(Egc &egc, EvImmediate &ev, EvImmediate::Func func);
    void immediate_deregister(Egc &egc, EvImmediate &ev);

    // ---- children ------------------------------------------------------
    /* Success and *pid_out: > 0 in the parent (the child registered), 0 in
     * the child; or an error (*pid_out untouched, no child). */
    Error child_fork(Egc &egc, EvChild &ev, EvChild::Func func, pid_t *pid_out);
    /* A program started with posix_spawn(prog, fa, attr, av, envp) rather
     * than fork and exec: this process is not copied (no page tables, no
     * copy-on-write faults in it afterwards), which is what a large or
     * busy caller needs. Watched and reported as child_fork's. Success and
     * *pid_out > 0; or an error (no child). Not when the application gave
     * a fork_replacement (fork_is_replaced()): that must be used. */
    Error child_spawn(Egc &egc, EvChild &ev, EvChild::Func func, const char *prog,
                      const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr, char *const *av,
                      char *const *envp, pid_t *pid_out);
    bool fork_is_replaced() const noexcept { return child_hooks_ && child_hooks_->fork_replacement; }
    Error child_kill(Egc &egc, EvChild &ev, int sig);
    void childproc_setmode(Egc &egc, const xlkit_childproc_hooks *hooks, void *user);
    Error childproc_reaped(Egc &egc, pid_t pid, int status);
    void childproc_sigchld_occurred(Egc &egc);

    // ---- waiting ---------------------------------------------------------
    Poller *poller_get();
    void poller_put(Poller *p) noexcept;
    /* One wait-and-dispatch round for poller p: takes the baton if it is
     * free and sleeps in epoll_wait, or waits on p's own eventfd, until
     * limit at most. Delivers what the round produced (egc.flush()). */
    Error poll_once(Egc &egc, Poller &p, Nanos limit);
    /* Wake the thread waiting on p (its eventfd, or the ctx wake fd if p
     * holds the baton). Safe if p is not waiting. */
    void poller_wake(Poller &p) noexcept;
    /* Run poll_once until pred() holds or deadline passes. Returns Success,
     * or Error::Timedout, or an error if the ctx failed. While waiting,
     * *waiting_slot (if given) points at this thread's poller, so whoever
     * makes pred() true (under the lock) can poller_wake() it. */
    template <class Pred>
    Error wait_until(Egc &egc, Pred &&pred, Nanos deadline, Poller **waiting_slot = nullptr) {
        Poller *p = poller_get();
        if (!p) return Error::Nomem;
        if (waiting_slot) *waiting_slot = p;
        Error rc = Error::Success;
        for (;;) {
            egc.flush();
            if (pred()) break;
            if (failed_) { rc = Error::Fail; break; }
            if (deadline != kNever && mono_now() >= deadline) {
                rc = Error::Timedout;
                break;
            }
            rc = poll_once(egc, *p, deadline);
            if (rc != Error::Success) break;
        }
        if (waiting_slot) *waiting_slot = nullptr;
        poller_put(p);
        return rc;
    }

    // ---- application-driven loops ---------------------------------------
    Error beforepoll(Egc &egc, struct pollfd *fds, int *nfds_io, int *timeout_upd);
    void afterpoll(Egc &egc, const struct pollfd *fds, int nfds);
    Error register_hooks(Egc &egc, const xlkit_osevent_hooks *hooks, void *user);
    void occurred_fd(Egc &egc, void *for_xlkit, int fd, short revents);
    void occurred_timeout(Egc &egc, void *for_xlkit);

    // ---- the application's event queue (event_queue.cpp) ------------------
    /* Queue ev, or hand it to the event_occurs callback (after unlock). */
    void event_occurred(Egc &egc, std::unique_ptr<Event> ev);
    /* Success and *out, or Error::NotReady. O(queued events). */
    Error event_check(Egc &egc, std::unique_ptr<Event> *out, std::uint64_t mask,
                      EventPredicate pred, void *user);
    Error event_wait(Egc &egc, std::unique_ptr<Event> *out, std::uint64_t mask,
                     EventPredicate pred, void *user, Nanos deadline);
    void set_event_callbacks(std::uint64_t mask, EventOccursFn fn, void *user);
    std::size_t events_queued() const noexcept { return events_.size(); }
    void drop_queued_events() noexcept;

    // ---- upper layers (layer.hpp) ------------------------------------------
    /* Slot id of the ctx, for the layer that owns id (lock held). */
    LayerSlot &layer(LayerId id) noexcept {
        assert(id < kLayerSlots);
        return layers_[id];
    }
    /* The options the ctx was created with, for the layers to read. */
    const CtxOptions &options() const noexcept { return opts_; }

    // ---- failure ------------------------------------------------------------
    bool failed() const noexcept { return failed_; }
    /* Unrecoverable: log, then call the disaster callback after unlock, or
     * (without one) put the ctx in the failed state. */
    void disaster(Egc &egc, const char *msg, int errnoval);
    void set_disaster(DisasterFn fn, void *user) noexcept { disaster_fn_ = fn; disaster_user_ = user; }

    // ---- internal, used by the dispatch paths and fork handling ----------
    void run_immediates(Egc &egc);
    void run_due_timers(Egc &egc, Nanos now);
    void dispatch_fd(Egc &egc, EvFd *ev, short revents);
    void wake() noexcept;  // write the ctx wake eventfd (coalesced; deferred past unlock)
    void write_wakefd() noexcept;
    bool wake_owed_ = false;  // a wake() under an egc, written when it unlocks

    // fork support (atfork.cpp)
    boost::intrusive::list_member_hook<> registry_hook_;
    bool locked_for_fork_ = false;
    void postfork_child_close() noexcept;

private:
    CtxImpl() = default;
    EvFd *fd_lookup(int fd) const noexcept {
        return static_cast<std::size_t>(fd) < fd_table_.size() ? fd_table_[fd] : nullptr;
    }
    bool someone_sleeps() const noexcept { return baton_ != nullptr || app_polling_; }
    Nanos sleeper_deadline() const noexcept {
        return baton_deadline_ < app_poll_deadline_ ? baton_deadline_ : app_poll_deadline_;
    }
    void timers_changed(Egc &egc, Nanos new_deadline);
    Error app_timer_update(Egc &egc);
    /* What an osevent hook returned (the C ABI's int: 0 or an XLKIT_ERROR_*
     * value), as an Error: the one place the core converts one. */
    static Error hook_error(int r) noexcept { return static_cast<Error>(r); }
    void reap_children(Egc &egc);
    void sigchld_acquire(Egc &egc);
    void sigchld_release() noexcept;
    static void wake_cb(Egc &egc, EvFd *ev, int fd, short events, short revents);
    static void sigchld_cb(Egc &egc, EvFd *ev, int fd, short events, short revents);
    void layers_end() noexcept;

    // What every entry and every loop turn touches, together at the start
    // (a loop turn's system calls evict much of the cache: the fewer lines
    // it needs again, the better).
    CtxLock mu_;
    bool failed_ = false;
    bool app_polling_ = false;           // (b) beforepoll/afterpoll
    Poller *baton_ = nullptr;            // the poller sleeping in epoll_wait
    Poller *spare_poller_ = nullptr;     // the last one put back (first reused)
    Nanos baton_deadline_ = kNever;
    UniqueFd epfd_;
    std::vector<EvFd *> fd_table_;       // by fd
    TimerHeap timers_;
    ImmediateQueue immediates_;
    IList<Poller, &Poller::hook_> waiting_;
    IList<Poller, &Poller::hook_> idle_pollers_;

    xentoollog_logger *lg_ = nullptr;
    xentoollog_logger *own_lg_ = nullptr;
    CtxOptions opts_;

    // upper layers
    LayerSlot layers_[kLayerSlots];

    // fds
    std::uint32_t fd_gen_ = 0;
    IList<EvFd, &EvFd::hook_> all_fds_;

    // timers
    std::uint64_t timer_seq_ = 0;
    std::uint64_t fire_batch_seq_ = 0;

    // immediates
    ImmediateQueue posted_;

    // wake-ups and the baton
    UniqueFd wakefd_;
    EvFd wake_ev_;
    std::atomic<bool> wake_pending_{false};
    std::vector<Poller *> all_pollers_;

    // (b) beforepoll/afterpoll
    Nanos app_poll_deadline_ = kNever;
    std::uint32_t beforepoll_gen_ = 0;

    // (c) osevent hooks
    const xlkit_osevent_hooks *hooks_ = nullptr;
    void *hooks_user_ = nullptr;
    bool app_timer_registered_ = false;
    Nanos app_timer_deadline_ = kNever;
    void *app_timer_reg_ = nullptr;
    std::uint32_t app_timer_gen_ = 0; // of the live registration

    // children
    IList<EvChild, &EvChild::hook_> children_;
    const xlkit_childproc_hooks *child_hooks_ = nullptr;
    void *child_hooks_user_ = nullptr;
    xlkit_sigchld_owner chldowner_ = xlkit_sigchld_owner_xlkit;
    UniqueFd sigchld_rd_, sigchld_wr_;
    EvFd sigchld_ev_;
    int sigchld_slot_ = -1;

    // the application's events
    IList<QueuedEvent, &QueuedEvent::hook_> events_;
    IList<EventWaiter, &EventWaiter::hook_> event_waiters_;
    std::uint64_t event_occurs_mask_ = 0;
    EventOccursFn event_occurs_ = nullptr;
    void *event_occurs_user_ = nullptr;

    // failure
    bool disaster_reported_ = false;
    DisasterFn disaster_fn_ = nullptr;
    void *disaster_user_ = nullptr;
    Deferred disaster_deferred_;  // data: this
    char disaster_msg_[256] = {};
    int disaster_errno_ = 0;

    friend class Egc;
};

/* Register/unregister with the process-wide registry used by the fork
 * handlers (atfork.cpp). */
void registry_add(CtxImpl *ctx);
void registry_remove(CtxImpl *ctx);

} // namespace xlkit::detail
