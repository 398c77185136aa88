// xlkit-bench: registers <workload>/<impl> for every workload and
// implementation, and adds --smoke (tiny sizes, for CI).
//
// Each Google Benchmark iteration runs one whole workload; the binary defaults
// to --benchmark_min_time=0 so each run is one iteration (a later
// --benchmark_min_time on the command line overrides it). Compare runs side by
// side with interleaved repetitions:
//   bench/xlkit-bench --benchmark_repetitions=3
//       --benchmark_enable_random_interleaving=true
//       --benchmark_format=json > results.json
//   bench/compare.py results.json
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/resource.h>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench.hpp"

namespace xbench {
void register_ao_benchmarks();  // ao.cpp
}

namespace {

using namespace xbench;

using CostFn = Cost (*)(std::string *);

/* ns_per_op: thread CPU time per op; wall_ns_per_op: wall-clock time per op
 * (see Cost in bench.hpp). */
void run_ns(benchmark::State &st, CostFn fn) {
    double cpu = 0, wall = 0;
    long runs = 0;
    for (auto _ : st) {
        std::string err;
        Cost c = fn(&err);
        if (!err.empty()) {
            st.SkipWithError(err.c_str());
            break;
        }
        cpu += c.ns;
        wall += c.wall_ns;
        ++runs;
    }
    if (runs) {
        st.counters["ns_per_op"] = cpu / double(runs);
        st.counters["wall_ns_per_op"] = wall / double(runs);
    }
}

enum class Phase { Arm, Cancel, Fire };

void run_timer(benchmark::State &st, TimerResult (*fn)(), Phase ph) {
    auto pick = [ph](const TimerPass &tp) {
        return ph == Phase::Arm ? tp.arm : ph == Phase::Cancel ? tp.cancel : tp.fire;
    };
    double cpu = 0, wall = 0, cold = 0;
    long runs = 0;
    for (auto _ : st) {
        TimerResult r = fn();
        if (!r.error.empty()) {
            st.SkipWithError(r.error.c_str());
            break;
        }
        cpu += pick(r.warm).ns;
        wall += pick(r.warm).wall_ns;
        cold += pick(r.cold).ns;
        ++runs;
    }
    if (runs) {
        st.counters["ns_per_op"] = cpu / double(runs);        // steady state
        st.counters["wall_ns_per_op"] = wall / double(runs);
        st.counters["cold_ns_per_op"] = cold / double(runs);  // first pass, fresh loop
    }
}

void run_wake_bench(benchmark::State &st, WakeResult (*fn)(bool), bool cross) {
    double p50 = 0, p99 = 0, mean = 0;
    long runs = 0;
    for (auto _ : st) {
        WakeResult r = fn(cross);
        if (!r.error.empty()) {
            st.SkipWithError(r.error.c_str());
            break;
        }
        p50 += r.p50_us;
        p99 += r.p99_us;
        mean += r.mean_us;
        ++runs;
    }
    if (runs) {
        st.counters["p50_us"] = p50 / double(runs);
        st.counters["p99_us"] = p99 / double(runs);
        st.counters["mean_us"] = mean / double(runs);
    }
}

template <class Fn>
void reg(const char *workload, const Impl &im, Fn &&fn) {
    std::string name = std::string(workload) + "/" + im.name;
    benchmark::RegisterBenchmark(name.c_str(), std::forward<Fn>(fn))->Unit(benchmark::kMillisecond);
}

void register_all() {
    xbench::register_ao_benchmarks();  // F_ and G_ (bench/ao.cpp)
    const Impl *impls[] = {&kXlkit, &kLibev, &kLibuv, &kRaw};
    for (const Impl *im : impls)
        reg("A1_dispatch_queued", *im, [im](benchmark::State &st) { run_ns(st, im->a1); });
    for (const Impl *im : impls)
        reg("A2_dispatch_chained", *im, [im](benchmark::State &st) { run_ns(st, im->a2); });
    for (const Impl *im : impls)
        reg("B_timer_arm", *im, [im](benchmark::State &st) { run_timer(st, im->b, Phase::Arm); });
    for (const Impl *im : impls)
        reg("B_timer_cancel", *im, [im](benchmark::State &st) { run_timer(st, im->b, Phase::Cancel); });
    for (const Impl *im : impls)
        reg("B_timer_fire", *im, [im](benchmark::State &st) { run_timer(st, im->b, Phase::Fire); });
    for (const Impl *im : impls)
        reg("C_fd_dispatch", *im, [im](benchmark::State &st) { run_ns(st, im->c); });
    for (const Impl *im : impls)
        if (im->c_poll)  // libuv has neither a poll() backend nor beforepoll
            reg("C_fd_dispatch_beforepoll", *im, [im](benchmark::State &st) { run_ns(st, im->c_poll); });
    for (const Impl *im : impls)
        reg("D_wake_cross_cpu", *im, [im](benchmark::State &st) { run_wake_bench(st, im->d, true); });
    for (const Impl *im : impls)
        reg("D_wake_same_cpu", *im, [im](benchmark::State &st) { run_wake_bench(st, im->d, false); });
    for (const Impl *im : impls)
        reg("E_oneshot_op", *im, [im](benchmark::State &st) { run_ns(st, im->e); });
    // The Xen layer on the userspace sim host (each run starts its own host).
    register_xen_watch_benchmarks();
    register_xen_death_benchmarks();
    register_xen_ops_benchmarks();
}

void raise_nofile() {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

} // namespace

int main(int argc, char **argv) {
    static char min_time[] = "--benchmark_min_time=0";
    std::vector<char *> args{argv[0], min_time};
    bool smoke = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--smoke") == 0) {
            smoke = true;
            continue;
        }
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0)
            std::printf("xlkit-bench: xlkit, libev, libuv and the raw limit side by side\n"
                        "  --smoke    every benchmark once with tiny sizes (CI)\n"
                        "Counters: ns_per_op (A, B, C, E: thread CPU time per op; wall_ns_per_op\n"
                        "is the wall-clock time), p50_us/p99_us (D: wall-clock round trips).\n"
                        "W_, X_, Y_: the Xen layer on the userspace sim host (see bench/xen_*.cpp).\n"
                        "Google Benchmark options follow.\n\n");
        args.push_back(argv[i]);
    }
    args.push_back(nullptr);
    if (smoke) set_params(Params::smoke());
    raise_nofile();
    register_all();
    int n = static_cast<int>(args.size()) - 1;
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
