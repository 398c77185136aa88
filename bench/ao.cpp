// The ao benchmarks, side by side in xlkit-bench (docs/performance.md, "The ao"):
//   F_ao_oneshot/<mode>   an operation that completes inside its initiating
//                         call: create -> complete -> deliver -> free, per
//                         completion mode (floor: E_oneshot_op/raw);
//   G_inflight_10k/<impl> 10,000 timed operations in flight on one ctx:
//                         heap bytes per in-flight operation and completions
//                         per second, xlkit aos vs libuv uv_timer handles.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <memory>
#include <uv.h>
#include <vector>

#include "ao/ao.hpp"
#include "bench.hpp"
#include <xlkit/ao.hpp>
#include <xlkit/ctx.hpp>

namespace xbench {

namespace {

using namespace xlkit;
using namespace xlkit::detail;

// The smallest real operation: an ao that completes in its initiator. These
// open their ao by hand, one level below the operations' skeleton
// (ao/ao_start.hpp, which adds only the failed-ctx check), so that F and G
// measure the ao itself and stay comparable across changes to the skeleton.
Error instant_op(Ctx &ctx, AoHow how) {
    Egc egc(ctx.impl());
    struct St {};
    Ao *ao = nullptr;
    if (!Ao::create<St>(egc, std::move(how), &ao)) return Error::Nomem;
    ao->complete(egc, Error::Success);
    return ao->inprogress(egc);
}

// A timed operation: completes when its timer fires (abortable).
Error timed_op(Ctx &ctx, int ms, AoHow how) {
    struct St {
        EvTime t;
        Ao *ao;
    };
    Egc egc(ctx.impl());
    Ao *ao = nullptr;
    St *st = Ao::create<St>(egc, std::move(how), &ao);
    if (!st) return Error::Nomem;
    st->ao = ao;
    st->t.data = st;
    Error rc = ctx.impl().time_register_rel(egc, st->t,
                                            [](Egc &g, EvTime *ev, Nanos, Error) {
                                                static_cast<St *>(ev->data)->ao->complete(g, Error::Success);
                                            },
                                            ms);
    if (rc != Error::Success) return ao->create_fail(egc, rc);
    return ao->inprogress(egc);
}

enum class Mode { Sync, Callback, Event, Future };

void oneshot(benchmark::State &st, Mode mode) {
    std::unique_ptr<Ctx> ctx;
    if (Ctx::create(&ctx) != Error::Success) {
        st.SkipWithError("ctx");
        return;
    }
    const long n = params().e_ops;
    double cpu = 0;
    long runs = 0;
    for (auto _ : st) {
        long done = 0;
        Stamp a = stamp();
        for (long i = 0; i < n; ++i) {
            switch (mode) {
            case Mode::Sync:
                if (instant_op(*ctx, AoHow{}) == Error::Success) ++done;
                break;
            case Mode::Callback:
                (void)instant_op(*ctx, AoHow::callback([&done](Error) { ++done; }));
                break;
            case Mode::Event: {
                (void)instant_op(*ctx, AoHow::event(std::uint64_t(i)));
                std::unique_ptr<Event> ev;
                if (ctx->event_check(&ev) == Error::Success) ++done;
                break;
            }
            case Mode::Future: {
                std::future<Error> f = initiate(use_future, [&](AoHow h) { return instant_op(*ctx, std::move(h)); });
                if (f.get() == Error::Success) ++done;
                break;
            }
            }
        }
        Stamp b = stamp();
        if (done != n) {
            st.SkipWithError("an operation did not complete");
            return;
        }
        cpu += per_op(a, b, double(n)).ns;
        ++runs;
    }
    if (runs) st.counters["ns_per_op"] = cpu / double(runs);
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

constexpr int kInflight = 10000;

void inflight_xlkit(benchmark::State &st) {
    double bytes = 0, rate = 0;
    long runs = 0;
    for (auto _ : st) {
        std::unique_ptr<Ctx> ctx;
        if (Ctx::create(&ctx) != Error::Success) {
            st.SkipWithError("ctx");
            return;
        }
        int done = 0;
        // Warm the ctx's own structures (timer heap) to their size first, as
        // a long-running toolstack's are.
        for (int i = 0; i < kInflight; ++i) (void)timed_op(*ctx, 0, AoHow::callback([&done](Error) { ++done; }));
        while (done < kInflight) (void)ctx->run_once(10);
        done = 0;
        std::size_t h0 = heap_in_use();
        std::int64_t t0 = now_ns();
        for (int i = 0; i < kInflight; ++i) (void)timed_op(*ctx, 1, AoHow::callback([&done](Error) { ++done; }));
        std::size_t h1 = heap_in_use();
        while (done < kInflight) (void)ctx->run_once(10);
        std::int64_t t1 = now_ns();
        bytes += double(h1 - h0) / kInflight;
        rate += kInflight / (double(t1 - t0) / 1e9);
        ++runs;
    }
    if (runs) {
        st.counters["bytes_per_op"] = bytes / double(runs);
        st.counters["completions_per_s"] = rate / double(runs);
    }
}

void inflight_libuv(benchmark::State &st) {
    double bytes = 0, rate = 0;
    long runs = 0;
    for (auto _ : st) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        struct Op {
            uv_timer_t t;
            int *done;
        };
        int done = 0;
        auto start = [&](std::uint64_t ms) {
            auto *op = new Op;
            op->done = &done;
            uv_timer_init(&loop, &op->t);
            op->t.data = op;
            uv_timer_start(&op->t, [](uv_timer_t *t) {
                auto *o = static_cast<Op *>(t->data);
                ++*o->done;
                uv_close(reinterpret_cast<uv_handle_t *>(t), [](uv_handle_t *h) { delete static_cast<Op *>(h->data); });
            }, ms, 0);
        };
        for (int i = 0; i < kInflight; ++i) start(0);
        while (done < kInflight) uv_run(&loop, UV_RUN_ONCE);
        uv_run(&loop, UV_RUN_NOWAIT);
        done = 0;
        std::size_t h0 = heap_in_use();
        std::int64_t t0 = now_ns();
        for (int i = 0; i < kInflight; ++i) start(1);
        std::size_t h1 = heap_in_use();
        while (done < kInflight) uv_run(&loop, UV_RUN_ONCE);
        std::int64_t t1 = now_ns();
        uv_run(&loop, UV_RUN_NOWAIT);
        uv_loop_close(&loop);
        bytes += double(h1 - h0) / kInflight;
        rate += kInflight / (double(t1 - t0) / 1e9);
        ++runs;
    }
    if (runs) {
        st.counters["bytes_per_op"] = bytes / double(runs);
        st.counters["completions_per_s"] = rate / double(runs);
    }
}

} // namespace

void register_ao_benchmarks() {
    auto reg = [](const char *name, auto fn) {
        benchmark::RegisterBenchmark(name, fn)->Unit(benchmark::kMillisecond);
    };
    reg("F_ao_oneshot/sync", [](benchmark::State &st) { oneshot(st, Mode::Sync); });
    reg("F_ao_oneshot/callback", [](benchmark::State &st) { oneshot(st, Mode::Callback); });
    reg("F_ao_oneshot/event", [](benchmark::State &st) { oneshot(st, Mode::Event); });
    reg("F_ao_oneshot/future", [](benchmark::State &st) { oneshot(st, Mode::Future); });
    reg("G_inflight_10k/xlkit", inflight_xlkit);
    reg("G_inflight_10k/libuv", inflight_libuv);
}

} // namespace xbench
