// W: xenstore write -> watch callback latency on the userspace sim host
// (the real xenstored), xlkit against a raw libxenstore loop.
//
//   W_xs_watch/xlkit  an EvXsWatch (XenCtx::xswatch_register, the watch
//                     every Xen-layer wait and evgen is built on), driven by
//                     xlkit's own loop: Ctx::run_once(-1) until the watch's
//                     callback has seen the event;
//   W_xs_watch/raw    xs_open, xs_watch, poll() on xs_fileno, xs_read_watch.
//
// One round trip: the benchmark thread writes the watched node through a
// second libxenstore connection (xs_write, which returns when xenstored has
// answered), then runs the loop until the callback sees the event. Both sides
// use the same writer, the same libxenstore (its reader thread included) and
// the same xenstored, so the difference is the loop and the watch dispatch.
// Counters: p50_us, p99_us, mean_us (wall clock per round trip) and
// cpu_us_per_rt (this process's CPU time, every thread, per round trip;
// xenstored's is not included).
#include <benchmark/benchmark.h>
#include <cstring>
#include <memory>
#include <poll.h>
#include <string>

#include "bench.hpp"
#include "support/sim_support.hpp"
#include "xen/xen_ctx.hpp"
#include <xlkit/ctx.hpp>

namespace xbench {

namespace {

using namespace xlkit;
using namespace xlkit::detail;

constexpr const char *kNode = "/bench/w";
constexpr int kStepTimeoutMs = 5000;  // one event not seen by then: a failure

struct WatchResult {
    Dist d;
    double cpu_us_per_rt = 0;
    std::string error;
};

struct WatchSeen {
    EvXsWatch w;
    long events = 0;
    bool wrong_path = false;
};

void seen_cb(Egc &, EvXsWatch *w, const char *, const char *path, Error rc) {
    auto *s = static_cast<WatchSeen *>(w->data);
    if (rc != Error::Success || std::strcmp(path, kNode) != 0) s->wrong_path = true;
    ++s->events;
}

// The round-trip loop shared by both: write, then wait() for the event.
template <class Wait>
WatchResult round_trips(simtest::Xs &writer, Wait &&wait) {
    WatchResult r;
    const Params &p = params();
    std::vector<std::int64_t> samples;
    samples.reserve(static_cast<std::size_t>(p.xw_round_trips));
    std::int64_t cpu0 = 0;
    for (long i = 0; i < p.xw_warmup + p.xw_round_trips; ++i) {
        if (i == p.xw_warmup) cpu0 = process_cpu_ns();
        std::string v = std::to_string(i);
        std::int64_t t0 = now_ns();
        if (!writer.write(kNode, v)) {
            r.error = "xs_write failed";
            return r;
        }
        if (!wait()) {
            r.error = "watch event not seen within 5 s (or for the wrong path)";
            return r;
        }
        if (i >= p.xw_warmup) samples.push_back(now_ns() - t0);
    }
    r.cpu_us_per_rt = double(process_cpu_ns() - cpu0) / 1000.0 / double(p.xw_round_trips);
    r.d = dist_us(samples);
    return r;
}

WatchResult run_xlkit(simtest::Host &host, simtest::Xs &writer) {
    WatchResult r;
    std::unique_ptr<Ctx> ctx;
    CtxOptions o;
    o.hypervisor = "sim:" + host.dir();
    if (Ctx::create(&ctx, o) != Error::Success) {
        r.error = "Ctx::create failed";
        return r;
    }
    WatchSeen s;
    s.w.data = &s;
    {
        Egc egc(ctx->impl());
        XenCtx *x = XenCtx::of(egc);
        if (!x || x->xswatch_register(egc, s.w, seen_cb, kNode) != Error::Success) {
            r.error = "xswatch_register failed";
            return r;
        }
    }
    auto wait_for = [&](long n) {
        std::int64_t end = now_ns() + std::int64_t(kStepTimeoutMs) * 1'000'000;
        while (s.events < n) {
            if (ctx->run_once(kStepTimeoutMs) != Error::Success || now_ns() > end) return false;
        }
        return !s.wrong_path;
    };
    if (!wait_for(1)) {  // the event every watch fires when it is set
        r.error = "no initial watch event";
    } else {
        r = round_trips(writer, [&] { return wait_for(s.events + 1); });
    }
    Egc egc(ctx->impl());
    XenCtx::of(egc)->xswatch_deregister(egc, s.w);
    return r;
}

WatchResult run_raw(simtest::Xs &writer) {
    WatchResult r;
    struct xs_handle *h = xs_open(0);
    if (!h) {
        r.error = "xs_open failed";
        return r;
    }
    if (!xs_watch(h, kNode, "bench")) {
        xs_close(h);
        r.error = "xs_watch failed";
        return r;
    }
    int fd = xs_fileno(h);
    bool wrong = false;
    auto wait_one = [&] {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, kStepTimeoutMs) != 1) return false;
        unsigned n = 0;
        char **vec = xs_read_watch(h, &n);
        if (!vec) return false;
        if (std::strcmp(vec[XS_WATCH_PATH], kNode) != 0 || std::strcmp(vec[XS_WATCH_TOKEN], "bench") != 0)
            wrong = true;
        free(vec);
        return !wrong;
    };
    if (!wait_one())
        r.error = "no initial watch event";
    else
        r = round_trips(writer, wait_one);
    (void)xs_unwatch(h, kNode, "bench");
    xs_close(h);
    return r;
}

void bench_watch(benchmark::State &st, bool xlkit_side) {
    double p50 = 0, p99 = 0, mean = 0, cpu = 0;
    long runs = 0;
    for (auto _ : st) {
        simtest::Host host;
        if (!host.start("bench-w")) {
            st.SkipWithError("cannot start a sim host (xlkit-sim-host start)");
            return;
        }
        simtest::use_host(host.dir());
        simtest::Xs writer;
        if (!writer || !writer.write(kNode, "init")) {
            st.SkipWithError("cannot write to the sim host's xenstored");
            return;
        }
        WatchResult r = xlkit_side ? run_xlkit(host, writer) : run_raw(writer);
        if (!r.error.empty()) {
            st.SkipWithError(r.error.c_str());
            return;
        }
        p50 += r.d.p50_us;
        p99 += r.d.p99_us;
        mean += r.d.mean_us;
        cpu += r.cpu_us_per_rt;
        ++runs;
    }
    if (runs) {
        st.counters["p50_us"] = p50 / double(runs);
        st.counters["p99_us"] = p99 / double(runs);
        st.counters["mean_us"] = mean / double(runs);
        st.counters["cpu_us_per_rt"] = cpu / double(runs);
    }
}

} // namespace

void register_xen_watch_benchmarks() {
    benchmark::RegisterBenchmark("W_xs_watch/xlkit", [](benchmark::State &st) { bench_watch(st, true); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("W_xs_watch/raw", [](benchmark::State &st) { bench_watch(st, false); })
        ->Unit(benchmark::kMillisecond);
}

} // namespace xbench
