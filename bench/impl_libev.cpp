// libev 4.33 (Debian libev-dev), epoll backend (poll backend for the poll()
// variant of C).
//   A  ev_feed_event on preallocated watchers, ev_run(EVRUN_NOWAIT); pending
//      watchers fed from a callback run in the same pass, without a poll
//   B  ev_timer: ev_now_update once, then ev_timer_start (cached now + after),
//      ev_timer_stop, one ev_run(EVRUN_NOWAIT) once all are due
//   C  one ev_io per pipe, ev_run(EVRUN_ONCE) per dispatch
//   D  ev_async_send from thread B, ev_run in thread A
//   E  malloc a watcher, ev_feed_event, ev_run(EVRUN_NOWAIT), free in the cb
#include <cstdlib>
#include <memory>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <ev.h>
#pragma GCC diagnostic pop

#include "bench.hpp"

namespace xbench {
namespace {

long g_count;
long g_chain_left;
std::uint64_t g_sink;

/* Initialise a watcher (ev_init without the macro's C casts). */
template <class W, class Cb>
void init_watcher(W *w, Cb cb) {
    w->active = 0;
    w->pending = 0;
    w->priority = 0;
    w->cb = cb;
}

void never_cb(struct ev_loop *, ev_io *, int) { ++g_count; }

/* A loop with the given backend; with watch_idle, also watching one
 * never-ready eventfd. */
struct EvLoop {
    struct ev_loop *loop = nullptr;
    ev_io idle_io;
    int idle_fd = -1;

    EvLoop(unsigned backend, bool watch_idle, std::string *err) {
        loop = ev_loop_new(backend);
        if (!loop) {
            *err = "ev_loop_new failed";
            return;
        }
        if (!watch_idle) return;
        idle_fd = make_idle_eventfd();
        init_watcher(&idle_io, never_cb);
        ev_io_set(&idle_io, idle_fd, EV_READ);
        ev_io_start(loop, &idle_io);
        ev_run(loop, EVRUN_NOWAIT);  // apply the epoll_ctl outside the timing
    }
    ~EvLoop() {
        if (!loop) return;
        if (idle_fd >= 0) {
            ev_io_stop(loop, &idle_io);
            (void)close(idle_fd);
        }
        ev_loop_destroy(loop);
    }
};

// ---- A -------------------------------------------------------------------------
void count_cb(struct ev_loop *, ev_idle *, int) { ++g_count; }

void chain_cb(struct ev_loop *loop, ev_idle *w, int) {
    ++g_count;
    if (--g_chain_left > 0) ev_feed_event(loop, w, EV_CUSTOM);
}

Cost a1(std::string *err) {
    const Params &p = params();
    EvLoop l(EVBACKEND_EPOLL, true, err);
    if (!err->empty()) return {};
    std::unique_ptr<ev_idle[]> ws(new ev_idle[static_cast<std::size_t>(p.a_batch)]);
    for (int i = 0; i < p.a_batch; ++i) init_watcher(&ws[i], count_cb);
    const long rounds = p.a_callbacks / p.a_batch;
    g_count = 0;
    Stamp t0 = stamp();
    for (long r = 0; r < rounds; ++r) {
        for (int i = 0; i < p.a_batch; ++i) ev_feed_event(l.loop, &ws[i], EV_CUSTOM);
        ev_run(l.loop, EVRUN_NOWAIT);
    }
    Stamp t1 = stamp();
    if (g_count != rounds * p.a_batch) *err = "wrong callback count";
    return per_op(t0, t1, double(rounds * p.a_batch));
}

Cost a2(std::string *err) {
    const Params &p = params();
    EvLoop l(EVBACKEND_EPOLL, true, err);
    if (!err->empty()) return {};
    ev_idle w;
    init_watcher(&w, chain_cb);
    g_count = 0;
    g_chain_left = p.a_callbacks;
    Stamp t0 = stamp();
    ev_feed_event(l.loop, &w, EV_CUSTOM);
    while (g_count < p.a_callbacks) ev_run(l.loop, EVRUN_NOWAIT);
    Stamp t1 = stamp();
    if (g_count != p.a_callbacks) *err = "wrong callback count";
    return per_op(t0, t1, double(p.a_callbacks));
}

// ---- B -------------------------------------------------------------------------
void timer_cb(struct ev_loop *, ev_timer *, int) { ++g_count; }

TimerResult b() {
    TimerResult r;
    const Params &p = params();
    EvLoop l(EVBACKEND_EPOLL, false, &r.error);
    if (!r.error.empty()) return r;
    const auto &off = timer_offsets_ns();
    const std::size_t n = off.size();
    std::unique_ptr<ev_timer[]> ts(new ev_timer[n]);
    for (std::size_t i = 0; i < n; ++i) init_watcher(&ts[i], timer_cb);

    auto pass = [&](TimerPass &tp) {
        g_count = 0;
        Stamp t0 = stamp();
        ev_now_update(l.loop);  // one clock read; ev_timer_start adds to it
        const std::int64_t base = now_ns();
        for (std::size_t i = 0; i < n; ++i) {
            ev_timer_set(&ts[i], static_cast<double>(off[i]) * 1e-9, 0.);
            ev_timer_start(l.loop, &ts[i]);
        }
        Stamp t1 = stamp();
        for (std::size_t i = 0; i < n; i += 2) ev_timer_stop(l.loop, &ts[i]);
        Stamp t2 = stamp();

        sleep_until_ns(base + p.b_max_ns + kFireMarginNs);

        Stamp t3 = stamp();
        ev_run(l.loop, EVRUN_NOWAIT);
        Stamp t4 = stamp();
        const std::size_t fired = n / 2;
        if (static_cast<std::size_t>(g_count) != fired) r.error = "wrong fire count";
        tp.arm = per_op(t0, t1, double(n));
        tp.cancel = per_op(t1, t2, double((n + 1) / 2));
        tp.fire = per_op(t3, t4, double(fired));
    };
    pass(r.cold);
    pass(r.warm);
    for (std::size_t i = 0; i < n; ++i) ev_timer_stop(l.loop, &ts[i]);
    return r;
}

// ---- C -------------------------------------------------------------------------
void read_cb(struct ev_loop *, ev_io *w, int) {
    read_byte(w->fd);
    ++g_count;
}

Cost c_with(unsigned backend, long dispatches, std::string *err) {
    EvLoop l(backend, false, err);
    if (!err->empty()) return {};
    const int n = pipe_count();
    const auto &rd = pipe_read_fds();
    const auto &wr = pipe_write_fds();
    const auto &seq = pipe_sequence();
    std::unique_ptr<ev_io[]> ws(new ev_io[static_cast<std::size_t>(n)]);
    for (int i = 0; i < n; ++i) {
        init_watcher(&ws[i], read_cb);
        ev_io_set(&ws[i], rd[static_cast<std::size_t>(i)], EV_READ);
        ev_io_start(l.loop, &ws[i]);
    }
    ev_run(l.loop, EVRUN_NOWAIT);  // register the fds with the kernel first
    g_count = 0;
    Stamp t0 = stamp();
    for (long k = 0; k < dispatches; ++k) {
        write_byte(wr[seq[static_cast<std::size_t>(k)]]);
        ev_run(l.loop, EVRUN_ONCE);
    }
    Stamp t1 = stamp();
    for (int i = 0; i < n; ++i) ev_io_stop(l.loop, &ws[i]);
    if (g_count != dispatches) *err = "wrong dispatch count";
    return per_op(t0, t1, double(dispatches));
}

Cost c(std::string *err) { return c_with(EVBACKEND_EPOLL, params().c_dispatches, err); }
Cost c_poll(std::string *err) { return c_with(EVBACKEND_POLL, params().c_poll_dispatches, err); }

// ---- D -------------------------------------------------------------------------
struct EvWake : WakeImpl {
    struct ev_loop *loop = nullptr;
    ev_async async;

    static void done_cb(struct ev_loop *l, ev_async *w, int) {
        if (static_cast<WakeShared *>(w->data)->on_callback()) ev_break(l, EVBREAK_ALL);
    }
    void run_a(WakeShared &ws) override {
        async.data = &ws;
        ws_ping_b(ws);
        ev_run(loop, 0);
    }
    void post() override { ev_async_send(loop, &async); }
};

WakeResult d(bool cross) {
    WakeResult r;
    EvLoop l(EVBACKEND_EPOLL, false, &r.error);
    if (!r.error.empty()) return r;
    EvWake w;
    w.loop = l.loop;
    init_watcher(&w.async, EvWake::done_cb);
    w.async.sent = 0;
    ev_async_start(l.loop, &w.async);
    r = run_wake(w, cross);
    ev_async_stop(l.loop, &w.async);
    return r;
}

// ---- E -------------------------------------------------------------------------
struct EvOp {
    ev_idle w;
    long value;
};

void op_done(struct ev_loop *, ev_idle *w, int) {
    auto *op = static_cast<EvOp *>(w->data);
    g_sink += static_cast<std::uint64_t>(op->value);
    ++g_count;
    std::free(op);
}

Cost e(std::string *err) {
    const Params &p = params();
    EvLoop l(EVBACKEND_EPOLL, true, err);
    if (!err->empty()) return {};
    g_count = 0;
    Stamp t0 = stamp();
    for (long i = 0; i < p.e_ops; ++i) {
        auto *op = static_cast<EvOp *>(std::malloc(sizeof(EvOp)));  // create
        init_watcher(&op->w, op_done);
        op->w.data = op;
        op->value = i;
        ev_feed_event(l.loop, &op->w, EV_CUSTOM);  // complete
        ev_run(l.loop, EVRUN_NOWAIT);              // dispatch; the cb frees it
    }
    Stamp t1 = stamp();
    if (g_count != p.e_ops) *err = "wrong completion count";
    return per_op(t0, t1, double(p.e_ops));
}

} // namespace

const Impl kLibev = {"libev", a1, a2, b, c, c_poll, d, e};

} // namespace xbench
