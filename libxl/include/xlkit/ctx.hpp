// xlkit/ctx.hpp: the context, and the three ways an application drives it.
//
// A Ctx owns one lock, one epoll set, a timer heap, the application's event
// queue and its child processes. It is driven in any mix of:
//   (a) xlkit's own loop: run_once(), and the private per-thread pollers that
//       synchronous operations use (at most one thread at a time holds the
//       "baton" and sleeps in epoll_wait; the others wait to be handed it);
//   (b) beforepoll()/afterpoll() over the caller's pollfd array (libxl
//       compatible; O(registered fds) per call: prefer (a) or (c));
//   (c) osevent hooks: the application's loop watches xlkit's fds and its
//       earliest timeout and calls occurred_fd()/occurred_timeout().
//
// Threading and reentrancy rules (see docs/design.md):
//   - every method may be called from any thread;
//   - application callbacks (events, completions, progress, disaster) run
//     after the context lock is released and may call back into xlkit;
//   - osevent and childproc hooks run with the lock held and must not
//     re-enter xlkit;
//   - if an unrecoverable error happens and no disaster callback is set, the
//     context enters a failed state in which every call returns
//     Error::Fail. xlkit never calls exit().
#pragma once

#include <memory>
#include <string>
#include <poll.h>
#include <sys/time.h>
extern "C" {
#include <xentoollog.h>  // has no C++ guard of its own
}

#include <xlkit/error.hpp>
#include <xlkit/export.h>
#include <xlkit/osevent.h>
#include <xlkit/types.hpp>

namespace xlkit {

namespace detail { class CtxImpl; }

/* Called once, after the lock is released, when the context cannot go on
 * (e.g. epoll_wait or the SIGCHLD self-pipe failed). May not call xlkit on
 * this context. */
using DisasterFn = void (*)(void *user, int event_type, const char *msg, int errnoval);

/* Event type masks: bit (1 << EventType). */
inline constexpr std::uint64_t kEventMaskAll = ~std::uint64_t(0);
constexpr std::uint64_t event_mask(EventType t) noexcept {
    return std::uint64_t(1) << static_cast<unsigned>(t);
}
/* Non-zero if ev is wanted. Must not fail or call xlkit. */
using EventPredicate = bool (*)(const Event &ev, void *user);
/* Takes ownership of ev. Runs after the lock is released; may call xlkit. */
using EventOccursFn = void (*)(void *user, std::unique_ptr<Event> ev);

struct CtxOptions {
    /* Not owned; must outlive the context. nullptr: log warnings and worse
     * to stderr. */
    xentoollog_logger *logger = nullptr;
    /* The hypervisor backend: "xenctrl" (real Xen) or "sim:DIR" (the
     * userspace sim host in DIR). Empty: the environment XLKIT_HYPERVISOR,
     * else "xenctrl". Opened on first use, not at creation (and the
     * environment is read then, by the first call that needs Xen). */
    std::string hypervisor;
    /* Filters over the hypervisor and xenstore backends, e.g. "trace" or
     * "fault=read:3:EIO" (see docs/xen.md). Empty: XLKIT_FILTERS (read as
     * XLKIT_HYPERVISOR is), else none. */
    std::string filters;
    /* Where the hotplug scripts a device names without a '/' (and the
     * defaults, block and vif-bridge) are. Empty: XLKIT_HOTPLUG_DIR, else
     * /etc/xen/scripts (Xen's own, from xen-utils-common). */
    std::string hotplug_dir;
    /* Every device wait (backend InitWait, hotplug script, frontend
     * connect, Closed), in ms; 0: XLKIT_DEVICE_TIMEOUT_MS, else libxl's
     * own bounds (docs/ops.md). For tests and unusually slow hosts. */
    int device_timeout_ms = 0;
    /* Where libxl keeps per-domain files: the configuration a domain was
     * created with (userdata-d.DOMID.UUID.libxl-json), which `xl list -l`
     * and `xl save` read and xlkit writes. Empty: XLKIT_XEN_LIB_DIR, else
     * DIR/lib-xen for the sim host "sim:DIR", else /var/lib/xen. */
    std::string lib_dir;
};

class XLKIT_API Ctx {
public:
    /* On success *out holds the context and Error::Success is returned; on
     * failure *out is untouched. */
    static Error create(std::unique_ptr<Ctx> *out, const CtxOptions &opts = {});
    ~Ctx();
    Ctx(const Ctx &) = delete;
    Ctx &operator=(const Ctx &) = delete;

    // ---- (a) xlkit's own loop -------------------------------------------
    /* Wait up to timeout_ms (-1: no limit, 0: just poll) for fd events,
     * timeouts or cross-thread wake-ups and dispatch what is due. If another
     * thread holds the baton, waits to be handed it (or to be woken). */
    Error run_once(int timeout_ms);

    // ---- (b) beforepoll / afterpoll ------------------------------------
    /* As libxl_osevent_beforepoll: fills fds[0..*nfds_io), updates
     * *nfds_io to the number needed (Error::Bufferfull if it was too
     * small) and lowers *timeout_upd to xlkit's earliest timeout. */
    Error beforepoll(struct pollfd *fds, int *nfds_io, int *timeout_upd,
                     struct timeval now);
    /* As libxl_osevent_afterpoll: dispatches fd events reported in fds and
     * due timeouts. Entries for fds registered after beforepoll, or for an
     * fd closed and reopened since, are ignored; POLLNVAL is tolerated. */
    void afterpoll(const struct pollfd *fds, int nfds, struct timeval now);

    // ---- (c) the application's own loop through hooks ---------------------
    /* hooks is not copied and must outlive the context. May be called at
     * any time: fds and the timeout already registered are announced to the
     * new hooks at once. nullptr unregisters. */
    Error register_osevent_hooks(const xlkit_osevent_hooks *hooks, void *user);
    void occurred_fd(void *for_xlkit, int fd, short events, short revents);
    void occurred_timeout(void *for_xlkit);

    // ---- child processes ---------------------------------------------------
    void childproc_setmode(const xlkit_childproc_hooks *hooks, void *user);
    Error childproc_reaped(pid_t pid, int status);
    void childproc_sigchld_occurred();
    /* In a child forked by the application that will not exec at once:
     * invalidates every context inherited from the parent. */
    static void postfork_child_noexec();

    // ---- the application's events --------------------------------------------
    /* The first queued event matching typemask and pred (nullptr: any),
     * or Error::NotReady. O(queued events). */
    Error event_check(std::unique_ptr<Event> *out, std::uint64_t typemask = kEventMaskAll,
                      EventPredicate pred = nullptr, void *user = nullptr);
    /* As event_check, but waits (running xlkit's loop) until one arrives;
     * timeout_ms >= 0 (an xlkit addition): Error::Timedout after that. */
    Error event_wait(std::unique_ptr<Event> *out, std::uint64_t typemask = kEventMaskAll,
                     EventPredicate pred = nullptr, void *user = nullptr, int timeout_ms = -1);
    /* libxl_event_register_callbacks: events whose type is in mask go to
     * occurs instead of the queue; disaster as set_disaster_callback. */
    void register_event_callbacks(std::uint64_t mask, EventOccursFn occurs, DisasterFn disaster,
                                  void *user);

    // ---- disaster ------------------------------------------------------------
    void set_disaster_callback(DisasterFn fn, void *user);
    bool failed() const;

    /* Internal: the implementation object (xlkit::detail, not exported). */
    detail::CtxImpl &impl() noexcept { return *impl_; }

private:
    explicit Ctx(detail::CtxImpl *impl) : impl_(impl) {}
    detail::CtxImpl *impl_;
};

} // namespace xlkit
