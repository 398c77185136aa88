// libuv 1.44 (Debian libuv1-dev).
//   A  uv_idle handles: A1 starts 1,000 and runs uv_run(UV_RUN_NOWAIT), each
//      callback stops its handle; A2 each callback stops itself and starts
//      the next (idle handles started in a callback run on the next loop
//      turn, after a poll)
//   B  uv_timer: uv_update_time once, then uv_timer_start (cached now +
//      timeout, ms), uv_timer_stop, one uv_run(UV_RUN_NOWAIT) once all are due
//   C  one uv_poll per pipe, uv_run(UV_RUN_ONCE) per dispatch (no poll()
//      backend, no beforepoll-style API: no C poll() variant)
//   D  uv_async_send from thread B, uv_run in thread A
//   E  malloc a uv_idle, start it, uv_run(UV_RUN_NOWAIT): the callback stops
//      and closes it, the close callback frees it
#include <cstdlib>
#include <memory>
#include <unistd.h>
#include <uv.h>

#include "bench.hpp"

namespace xbench {
namespace {

long g_count;
long g_chain_left;
std::uint64_t g_sink;

template <class H>
uv_handle_t *handle(H *h) {
    return reinterpret_cast<uv_handle_t *>(h);
}

void never_cb(uv_poll_t *, int, int) { ++g_count; }

/* A loop; with watch_idle, also watching one never-ready eventfd. */
struct UvLoop {
    uv_loop_t loop;
    uv_poll_t idle_poll;
    int idle_fd = -1;
    bool ok = false;

    UvLoop(bool watch_idle, std::string *err) {
        if (uv_loop_init(&loop) != 0) {
            *err = "uv_loop_init failed";
            return;
        }
        ok = true;
        if (!watch_idle) return;
        idle_fd = make_idle_eventfd();
        if (uv_poll_init(&loop, &idle_poll, idle_fd) != 0 ||
            uv_poll_start(&idle_poll, UV_READABLE, never_cb) != 0) {
            *err = "uv_poll on the idle eventfd failed";
            return;
        }
        uv_run(&loop, UV_RUN_NOWAIT);  // apply the epoll_ctl outside the timing
    }
    /* Close every handle and let the loop finish: call before the handles'
     * storage goes away. */
    void finish() {
        if (!ok || finished) return;
        finished = true;
        uv_walk(
            &loop,
            [](uv_handle_t *h, void *) {
                if (!uv_is_closing(h)) uv_close(h, nullptr);
            },
            nullptr);
        uv_run(&loop, UV_RUN_DEFAULT);
        (void)uv_loop_close(&loop);
        if (idle_fd >= 0) (void)close(idle_fd);
    }
    ~UvLoop() { finish(); }
    bool finished = false;
};

// ---- A -------------------------------------------------------------------------
void count_cb(uv_idle_t *h) {
    uv_idle_stop(h);
    ++g_count;
}

void chain_cb(uv_idle_t *h) {
    ++g_count;
    uv_idle_stop(h);
    if (--g_chain_left > 0)
        uv_idle_start(static_cast<uv_idle_t *>(h->data), chain_cb);  // the next one
    else
        uv_stop(h->loop);
}

Cost a1(std::string *err) {
    const Params &p = params();
    UvLoop l(true, err);
    if (!err->empty()) return {};
    std::unique_ptr<uv_idle_t[]> hs(new uv_idle_t[static_cast<std::size_t>(p.a_batch)]);
    for (int i = 0; i < p.a_batch; ++i) uv_idle_init(&l.loop, &hs[i]);
    const long rounds = p.a_callbacks / p.a_batch;
    g_count = 0;
    Stamp t0 = stamp();
    for (long r = 0; r < rounds; ++r) {
        for (int i = 0; i < p.a_batch; ++i) uv_idle_start(&hs[i], count_cb);
        uv_run(&l.loop, UV_RUN_NOWAIT);
    }
    Stamp t1 = stamp();
    l.finish();
    if (g_count != rounds * p.a_batch) *err = "wrong callback count";
    return per_op(t0, t1, double(rounds * p.a_batch));
}

Cost a2(std::string *err) {
    const Params &p = params();
    UvLoop l(true, err);
    if (!err->empty()) return {};
    uv_idle_t hs[2];
    for (int i = 0; i < 2; ++i) {
        uv_idle_init(&l.loop, &hs[i]);
        hs[i].data = &hs[1 - i];
    }
    g_count = 0;
    g_chain_left = p.a_callbacks;
    Stamp t0 = stamp();
    uv_idle_start(&hs[0], chain_cb);
    uv_run(&l.loop, UV_RUN_DEFAULT);  // the last callback calls uv_stop
    Stamp t1 = stamp();
    l.finish();
    if (g_count != p.a_callbacks) *err = "wrong callback count";
    return per_op(t0, t1, double(p.a_callbacks));
}

// ---- B -------------------------------------------------------------------------
void timer_cb(uv_timer_t *) { ++g_count; }

TimerResult b() {
    TimerResult r;
    const Params &p = params();
    UvLoop l(false, &r.error);
    if (!r.error.empty()) return r;
    const auto &off = timer_offsets_ns();
    const std::size_t n = off.size();
    std::unique_ptr<std::uint64_t[]> ms(new std::uint64_t[n]);
    for (std::size_t i = 0; i < n; ++i) ms[i] = static_cast<std::uint64_t>((off[i] + 500'000) / 1'000'000);
    std::unique_ptr<uv_timer_t[]> ts(new uv_timer_t[n]);
    for (std::size_t i = 0; i < n; ++i) uv_timer_init(&l.loop, &ts[i]);

    auto pass = [&](TimerPass &tp) {
        g_count = 0;
        Stamp t0 = stamp();
        uv_update_time(&l.loop);  // one clock read; uv_timer_start adds to it
        const std::int64_t base = now_ns();
        for (std::size_t i = 0; i < n; ++i) uv_timer_start(&ts[i], timer_cb, ms[i], 0);
        Stamp t1 = stamp();
        for (std::size_t i = 0; i < n; i += 2) uv_timer_stop(&ts[i]);
        Stamp t2 = stamp();

        sleep_until_ns(base + p.b_max_ns + kFireMarginNs);

        Stamp t3 = stamp();
        uv_run(&l.loop, UV_RUN_NOWAIT);
        Stamp t4 = stamp();
        const std::size_t fired = n / 2;
        if (static_cast<std::size_t>(g_count) != fired) r.error = "wrong fire count";
        tp.arm = per_op(t0, t1, double(n));
        tp.cancel = per_op(t1, t2, double((n + 1) / 2));
        tp.fire = per_op(t3, t4, double(fired));
    };
    pass(r.cold);
    pass(r.warm);
    l.finish();
    return r;
}

// ---- C -------------------------------------------------------------------------
void read_cb(uv_poll_t *h, int, int) {
    read_byte(*static_cast<int *>(h->data));
    ++g_count;
}

Cost c(std::string *err) {
    const Params &p = params();
    UvLoop l(false, err);
    if (!err->empty()) return {};
    const int n = pipe_count();
    const auto &wr = pipe_write_fds();
    const auto &seq = pipe_sequence();
    std::vector<int> fds(pipe_read_fds());
    std::unique_ptr<uv_poll_t[]> ps(new uv_poll_t[static_cast<std::size_t>(n)]);
    for (int i = 0; i < n; ++i) {
        if (uv_poll_init(&l.loop, &ps[i], fds[static_cast<std::size_t>(i)]) != 0 ||
            uv_poll_start(&ps[i], UV_READABLE, read_cb) != 0)
            *err = "uv_poll failed";
        ps[i].data = &fds[static_cast<std::size_t>(i)];
    }
    uv_run(&l.loop, UV_RUN_NOWAIT);  // register the fds with the kernel first
    g_count = 0;
    Stamp t0 = stamp();
    for (long k = 0; k < p.c_dispatches; ++k) {
        write_byte(wr[seq[static_cast<std::size_t>(k)]]);
        uv_run(&l.loop, UV_RUN_ONCE);
    }
    Stamp t1 = stamp();
    l.finish();
    if (g_count != p.c_dispatches) *err = "wrong dispatch count";
    return per_op(t0, t1, double(p.c_dispatches));
}

// ---- D -------------------------------------------------------------------------
struct UvWake : WakeImpl {
    uv_loop_t *loop = nullptr;
    uv_async_t async;

    static void done_cb(uv_async_t *h) {
        if (static_cast<WakeShared *>(h->data)->on_callback()) uv_stop(h->loop);
    }
    void run_a(WakeShared &ws) override {
        async.data = &ws;
        ws_ping_b(ws);
        uv_run(loop, UV_RUN_DEFAULT);
    }
    void post() override { uv_async_send(&async); }
};

WakeResult d(bool cross) {
    WakeResult r;
    UvLoop l(false, &r.error);
    if (!r.error.empty()) return r;
    UvWake w;
    w.loop = &l.loop;
    if (uv_async_init(&l.loop, &w.async, UvWake::done_cb) != 0) {
        r.error = "uv_async_init failed";
        return r;
    }
    r = run_wake(w, cross);
    l.finish();
    return r;
}

// ---- E -------------------------------------------------------------------------
struct UvOp {
    uv_idle_t h;
    long value;
};

void op_closed(uv_handle_t *h) {
    auto *op = static_cast<UvOp *>(h->data);
    g_sink += static_cast<std::uint64_t>(op->value);
    ++g_count;
    std::free(op);
}

void op_done(uv_idle_t *h) {
    uv_idle_stop(h);
    uv_close(handle(h), op_closed);
}

Cost e(std::string *err) {
    const Params &p = params();
    UvLoop l(true, err);
    if (!err->empty()) return {};
    g_count = 0;
    Stamp t0 = stamp();
    for (long i = 0; i < p.e_ops; ++i) {
        auto *op = static_cast<UvOp *>(std::malloc(sizeof(UvOp)));  // create
        uv_idle_init(&l.loop, &op->h);
        op->h.data = op;
        op->value = i;
        uv_idle_start(&op->h, op_done);  // complete
        uv_run(&l.loop, UV_RUN_NOWAIT);  // dispatch; freed in the close cb
    }
    Stamp t1 = stamp();
    if (g_count != p.e_ops) *err = "wrong completion count";
    return per_op(t0, t1, double(p.e_ops));
}

} // namespace

const Impl kLibuv = {"libuv", a1, a2, b, c, nullptr, d, e};

} // namespace xbench
