// Y: N simulated domains created and then destroyed with xlkit's operations
// (domain_create_new, domain_destroy; libxl/src/ops/) on the userspace sim
// host, from one thread:
//
//   Y_ops/concurrent_callback:N  all N creates started at once in callback
//                                mode, xlkit's loop run until every one has
//                                completed; then all N destroys the same way;
//   Y_ops/sequential_sync:N      the same 2N operations one after the other,
//                                each in sync mode.
//
// Both make the same domains (PV config as in tests/ops: any readable file
// as the kernel, 64 MiB, maxmem 128 MiB, 2 vcpus; the sim host does not boot
// it) on a fresh host, so the numbers of domains alive at each step are the
// same. Counters: wall_ms, cpu_ms (this process, every thread: xlkit runs
// each build in a worker thread), create_wall_ms, destroy_wall_ms and
// xenstored_cpu_ms (the daemon's CPU time over the run).
#include <benchmark/benchmark.h>
#include <memory>
#include <string>
#include <vector>

#include "bench.hpp"
#include "support/sim_support.hpp"
#include <xlkit/domain.hpp>

namespace xbench {

namespace {

using namespace xlkit;

constexpr int kStepTimeoutMs = 30000;

DomainConfig config(int i) {
    DomainConfig c;
    c.name = "bench" + std::to_string(i);
    c.kernel = "/bin/sh";  // any readable file: the sim host does not boot it
    c.memory = 64;
    c.maxmem = 128;
    c.vcpus = 2;
    return c;
}

struct OpsResult {
    double wall_ms = 0, cpu_ms = 0, create_ms = 0, destroy_ms = 0, xenstored_ms = 0;
    std::string error;
};

// Runs phase(i) for every i, concurrently or one after the other.
class Runner {
public:
    Runner(Ctx &ctx, bool concurrent) : ctx_(ctx), concurrent_(concurrent) {}
    template <class Start>
    std::string phase(int n, Start &&start) {
        done_ = failed_ = 0;
        for (int i = 0; i < n; ++i) {
            if (concurrent_) {
                Error e = start(i, AoHow::callback([this](Error rc) {
                    ++done_;
                    if (rc != Error::Success) ++failed_;
                }));
                if (e != Error::Success) return "an operation could not be started";
            } else {
                if (start(i, AoHow{}) != Error::Success) return "a synchronous operation failed";
            }
        }
        if (!concurrent_) return {};
        std::int64_t end = now_ns() + std::int64_t(kStepTimeoutMs) * 1'000'000;
        while (done_ < n) {
            if (ctx_.run_once(kStepTimeoutMs) != Error::Success || now_ns() > end)
                return "operations did not complete within 30 s";
        }
        return failed_ ? "an operation completed with an error" : std::string();
    }

private:
    Ctx &ctx_;
    bool concurrent_;
    int done_ = 0, failed_ = 0;
};

OpsResult run_ops(int n, bool concurrent) {
    OpsResult r;
    simtest::Host host;
    if (!host.start("bench-y")) {
        r.error = "cannot start a sim host (xlkit-sim-host start)";
        return r;
    }
    simtest::use_host(host.dir());
    std::unique_ptr<Ctx> ctx;
    CtxOptions o;
    o.hypervisor = "sim:" + host.dir();
    if (Ctx::create(&ctx, o) != Error::Success) {
        r.error = "Ctx::create failed";
        return r;
    }
    // Open the Xen layer's stacks (first use) outside the timed section.
    std::vector<DomainInfo> doms;
    if (list_domain(*ctx, &doms) != Error::Success) {
        r.error = "list_domain failed";
        return r;
    }
    std::vector<DomainConfig> cfgs;
    for (int i = 0; i < n; ++i) cfgs.push_back(config(i));
    std::vector<std::uint32_t> domids(std::size_t(n), 0);
    const int pid = host.xenstored_pid();
    Runner run(*ctx, concurrent);

    std::int64_t xs0 = other_process_cpu_ns(pid);
    std::int64_t cpu0 = process_cpu_ns();
    std::int64_t t0 = now_ns();
    r.error = run.phase(n, [&](int i, AoHow how) {
        return domain_create_new(*ctx, cfgs[std::size_t(i)], false, &domids[std::size_t(i)], std::move(how));
    });
    if (!r.error.empty()) return r;
    std::int64_t t1 = now_ns();
    r.error = run.phase(n, [&](int i, AoHow how) { return domain_destroy(*ctx, domids[std::size_t(i)], std::move(how)); });
    if (!r.error.empty()) return r;
    std::int64_t t2 = now_ns();
    std::int64_t cpu1 = process_cpu_ns();
    std::int64_t xs1 = other_process_cpu_ns(pid);

    if (list_domain(*ctx, &doms) != Error::Success || doms.size() != 1 || ao_inflight(*ctx) != 0) {
        r.error = "domains or operations left over";
        return r;
    }
    r.create_ms = double(t1 - t0) / 1e6;
    r.destroy_ms = double(t2 - t1) / 1e6;
    r.wall_ms = double(t2 - t0) / 1e6;
    r.cpu_ms = double(cpu1 - cpu0) / 1e6;
    if (xs0 >= 0 && xs1 >= 0) r.xenstored_ms = double(xs1 - xs0) / 1e6;
    return r;
}

void bench_ops(benchmark::State &st, int n, bool concurrent) {
    OpsResult sum;
    long runs = 0;
    for (auto _ : st) {
        OpsResult r = run_ops(n, concurrent);
        if (!r.error.empty()) {
            st.SkipWithError(r.error.c_str());
            return;
        }
        sum.wall_ms += r.wall_ms;
        sum.cpu_ms += r.cpu_ms;
        sum.create_ms += r.create_ms;
        sum.destroy_ms += r.destroy_ms;
        sum.xenstored_ms += r.xenstored_ms;
        ++runs;
    }
    if (runs) {
        double k = double(runs);
        st.counters["wall_ms"] = sum.wall_ms / k;
        st.counters["cpu_ms"] = sum.cpu_ms / k;
        st.counters["create_wall_ms"] = sum.create_ms / k;
        st.counters["destroy_wall_ms"] = sum.destroy_ms / k;
        st.counters["xenstored_cpu_ms"] = sum.xenstored_ms / k;
        st.counters["domains"] = n;
    }
}

} // namespace

void register_xen_ops_benchmarks() {
    const int n = params().xo_domains;
    std::string c = "Y_ops/concurrent_callback:" + std::to_string(n);
    std::string s = "Y_ops/sequential_sync:" + std::to_string(n);
    benchmark::RegisterBenchmark(c.c_str(), [n](benchmark::State &st) { bench_ops(st, n, true); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(s.c_str(), [n](benchmark::State &st) { bench_ops(st, n, false); })
        ->Unit(benchmark::kMillisecond);
}

} // namespace xbench
