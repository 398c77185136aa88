// xlkit: the workloads over the internal event-core API (xlkit::detail).
//   A  EvImmediate registered inside one Egc: they run at the Egc's end
//   B  EvTime: time_register_abs (one clock read + offset), time_deregister,
//      fire with run_once(0) once all are due
//   C  one EvFd per pipe, run_once(-1) per dispatch; and Ctx::beforepoll/
//      afterpoll around poll()
//   D  thread B posts an EvImmediate (immediate_post wakes the loop), thread
//      A runs run_once(-1); the immediate hands the completion to the
//      application through egc.defer (run after unlock), which pings B
//   E  an op completed by egc.defer(): delivered after unlock, no system call
#include <cstdlib>
#include <memory>
#include <new>
#include <poll.h>
#include <sys/time.h>
#include <unistd.h>

#include "event/ctx_impl.hpp"
#include <xlkit/ctx.hpp>

#include "bench.hpp"

namespace xbench {
namespace {

using xlkit::Ctx;
using xlkit::Error;
using xlkit::detail::CtxImpl;
using xlkit::detail::Deferred;
using xlkit::detail::Egc;
using xlkit::detail::EvFd;
using xlkit::detail::EvImmediate;
using xlkit::detail::EvTime;
using xlkit::detail::mono_now;
using xlkit::detail::Nanos;

long g_count;
long g_chain_left;
std::uint64_t g_sink;

/* A context; with watch_idle, also watching one never-ready eventfd. */
struct XCtx {
    std::unique_ptr<Ctx> ctx;
    int idle_fd = -1;
    EvFd idle_ev;

    explicit XCtx(bool watch_idle, std::string *err) {
        if (Ctx::create(&ctx) != xlkit::Error::Success) {
            *err = "Ctx::create failed";
            return;
        }
        if (!watch_idle) return;
        idle_fd = make_idle_eventfd();
        Egc egc(impl());
        if (impl().fd_register(egc, idle_ev, never_cb, idle_fd, POLLIN) != Error::Success)
            *err = "fd_register(idle eventfd) failed";
    }
    ~XCtx() {
        if (ctx) {
            Egc egc(impl());
            impl().fd_deregister(egc, idle_ev);
        }
        ctx.reset();
        if (idle_fd >= 0) (void)close(idle_fd);
    }
    CtxImpl &impl() { return ctx->impl(); }

    static void never_cb(Egc &, EvFd *, int, short, short) { ++g_count; }
};

// ---- A -------------------------------------------------------------------------
void count_im(Egc &, EvImmediate *) { ++g_count; }

void chain_im(Egc &egc, EvImmediate *ev) {
    ++g_count;
    if (--g_chain_left > 0) egc.ctx.immediate_register(egc, *ev, chain_im);
}

Cost a1(std::string *err) {
    const Params &p = params();
    XCtx x(true, err);
    if (!err->empty()) return {};
    CtxImpl &impl = x.impl();
    std::unique_ptr<EvImmediate[]> ims(new EvImmediate[static_cast<std::size_t>(p.a_batch)]);
    const long rounds = p.a_callbacks / p.a_batch;
    g_count = 0;
    Stamp t0 = stamp();
    for (long r = 0; r < rounds; ++r) {
        Egc egc(impl);
        for (int i = 0; i < p.a_batch; ++i) impl.immediate_register(egc, ims[i], count_im);
    }  // the 1,000 run here, at the end of the Egc
    Stamp t1 = stamp();
    if (g_count != rounds * p.a_batch) *err = "wrong callback count";
    return per_op(t0, t1, double(rounds * p.a_batch));
}

Cost a2(std::string *err) {
    const Params &p = params();
    XCtx x(true, err);
    if (!err->empty()) return {};
    CtxImpl &impl = x.impl();
    EvImmediate im;
    g_count = 0;
    g_chain_left = p.a_callbacks;
    Stamp t0 = stamp();
    {
        Egc egc(impl);
        impl.immediate_register(egc, im, chain_im);
    }
    Stamp t1 = stamp();
    if (g_count != p.a_callbacks) *err = "wrong callback count";
    return per_op(t0, t1, double(p.a_callbacks));
}

// ---- B -------------------------------------------------------------------------
void count_timer(Egc &, EvTime *, Nanos, Error) { ++g_count; }

TimerResult b() {
    TimerResult r;
    const Params &p = params();
    XCtx x(false, &r.error);
    if (!r.error.empty()) return r;
    CtxImpl &impl = x.impl();
    const auto &off = timer_offsets_ns();
    const std::size_t n = off.size();
    std::unique_ptr<EvTime[]> ts(new EvTime[n]);

    auto pass = [&](TimerPass &tp) {
        g_count = 0;
        int bad = 0;
        Stamp t0 = stamp();
        Nanos base;
        {
            Egc egc(impl);
            base = mono_now();  // one clock read, like libev's cached now
            for (std::size_t i = 0; i < n; ++i)
                bad |= impl.time_register_abs(egc, ts[i], count_timer, base + off[i]) != Error::Success;
        }
        Stamp t1 = stamp();
        {
            Egc egc(impl);
            for (std::size_t i = 0; i < n; i += 2) impl.time_deregister(egc, ts[i]);
        }
        Stamp t2 = stamp();

        sleep_until_ns(base + p.b_max_ns + kFireMarginNs);

        Stamp t3 = stamp();
        bad |= static_cast<int>(x.ctx->run_once(0));
        Stamp t4 = stamp();
        const std::size_t fired = n / 2;
        if (bad) r.error = "xlkit call failed";
        if (static_cast<std::size_t>(g_count) != fired || impl.timers_active() != 0)
            r.error = "wrong fire count";
        tp.arm = per_op(t0, t1, double(n));
        tp.cancel = per_op(t1, t2, double((n + 1) / 2));
        tp.fire = per_op(t3, t4, double(fired));
    };
    pass(r.cold);
    pass(r.warm);
    return r;
}

// ---- C -------------------------------------------------------------------------
void read_cb(Egc &, EvFd *, int fd, short, short) {
    read_byte(fd);
    ++g_count;
}

struct XPipes {
    std::unique_ptr<EvFd[]> evs;
    CtxImpl &impl;
    int n;
    XPipes(CtxImpl &i, std::string *err) : impl(i), n(pipe_count()) {
        evs.reset(new EvFd[static_cast<std::size_t>(n)]);
        Egc egc(impl);
        for (int k = 0; k < n; ++k)
            if (impl.fd_register(egc, evs[k], read_cb, pipe_read_fds()[static_cast<std::size_t>(k)],
                                 POLLIN) != Error::Success)
                *err = "fd_register failed";
    }
    ~XPipes() {
        Egc egc(impl);
        for (int k = 0; k < n; ++k) impl.fd_deregister(egc, evs[k]);
    }
};

Cost c(std::string *err) {
    const Params &p = params();
    XCtx x(false, err);
    if (!err->empty()) return {};
    XPipes pipes(x.impl(), err);
    const auto &wr = pipe_write_fds();
    const auto &seq = pipe_sequence();
    Ctx &ctx = *x.ctx;
    int bad = 0;
    g_count = 0;
    Stamp t0 = stamp();
    for (long k = 0; k < p.c_dispatches; ++k) {
        write_byte(wr[seq[static_cast<std::size_t>(k)]]);
        bad |= static_cast<int>(ctx.run_once(-1));
    }
    Stamp t1 = stamp();
    if (bad) *err = "run_once failed";
    if (g_count != p.c_dispatches) *err = "wrong dispatch count";
    return per_op(t0, t1, double(p.c_dispatches));
}

Cost c_poll(std::string *err) {
    const Params &p = params();
    XCtx x(false, err);
    if (!err->empty()) return {};
    XPipes pipes(x.impl(), err);
    const auto &wr = pipe_write_fds();
    const auto &seq = pipe_sequence();
    Ctx &ctx = *x.ctx;
    const int cap = pipes.n + 16;  // the ctx's own fds too
    std::unique_ptr<struct pollfd[]> pfd(new struct pollfd[static_cast<std::size_t>(cap)]);
    int bad = 0;
    g_count = 0;
    Stamp t0 = stamp();
    for (long k = 0; k < p.c_poll_dispatches; ++k) {
        write_byte(wr[seq[static_cast<std::size_t>(k)]]);
        int nfds = cap, timeout = -1;
        struct timeval tv;
        gettimeofday(&tv, nullptr);
        bad |= static_cast<int>(ctx.beforepoll(pfd.get(), &nfds, &timeout, tv));
        if (poll(pfd.get(), static_cast<nfds_t>(nfds), timeout) < 0) bad = 1;
        gettimeofday(&tv, nullptr);
        ctx.afterpoll(pfd.get(), nfds, tv);
    }
    Stamp t1 = stamp();
    if (bad) *err = "beforepoll/poll failed";
    if (g_count != p.c_poll_dispatches) *err = "wrong dispatch count";
    return per_op(t0, t1, double(p.c_poll_dispatches));
}

// ---- D -------------------------------------------------------------------------
struct XWake : WakeImpl {
    Ctx *ctx = nullptr;
    EvImmediate ev;
    /* The application's completion callback: like every application
     * callback, delivered after the ctx lock is released (egc.defer), so
     * pinging B never makes B wait for the lock. */
    struct Done : Deferred {
        WakeShared *ws = nullptr;
    } done;
    bool failed = false;

    static void posted_cb(Egc &egc, EvImmediate *ev) {
        egc.defer(static_cast<XWake *>(ev->data)->done);
    }
    static void done_cb(Deferred *d) { static_cast<Done *>(d)->ws->on_callback(); }

    void run_a(WakeShared &ws) override {
        ev.data = this;
        done.fn = done_cb;
        done.ws = &ws;
        ws_ping_b(ws);
        while (!ws.done.load(std::memory_order_relaxed))
            if (ctx->run_once(-1) != xlkit::Error::Success) failed = true;
    }
    void post() override {
        CtxImpl &impl = ctx->impl();
        Egc egc(impl);
        impl.immediate_post(egc, ev, posted_cb);  // wakes the loop thread
    }
};

WakeResult d(bool cross) {
    WakeResult r;
    XCtx x(false, &r.error);
    if (!r.error.empty()) return r;
    XWake w;
    w.ctx = x.ctx.get();
    r = run_wake(w, cross);
    if (w.failed) r.error = "run_once failed";
    return r;
}

// ---- E -------------------------------------------------------------------------
struct XOp : Deferred {
    long value = 0;
};

void op_done(Deferred *d) {
    auto *op = static_cast<XOp *>(d);
    g_sink += static_cast<std::uint64_t>(op->value);
    ++g_count;
    op->~XOp();
    std::free(op);
}

Cost e(std::string *err) {
    const Params &p = params();
    XCtx x(false, err);
    if (!err->empty()) return {};
    CtxImpl &impl = x.impl();
    g_count = 0;
    Stamp t0 = stamp();
    for (long i = 0; i < p.e_ops; ++i) {
        // create (malloc, like the raw limit and the peers)
        auto *op = new (std::malloc(sizeof(XOp))) XOp;
        op->fn = op_done;
        op->value = i;
        Egc egc(impl);   // take the lock
        egc.defer(*op);  // complete: op_done runs after the unlock, frees op
    }
    Stamp t1 = stamp();
    if (g_count != p.e_ops) *err = "wrong completion count";
    return per_op(t0, t1, double(p.e_ops));
}

} // namespace

const Impl kXlkit = {"xlkit", a1, a2, b, c, c_poll, d, e};

} // namespace xbench
