// X: the cost of detecting one domain's death while N domains are watched
// (xlkit's domain-death evgen, libxl/src/xen/domain_death.cpp), on the
// userspace sim host.
//
//   X_death/watched:N   N simulated domains, each introduced to xenstored
//                       (as a toolstack does for every domain it builds) and
//                       each with an evenable_domain_death request; the
//                       application takes DOMAIN_DEATH through
//                       register_event_callbacks. Then, one at a time:
//                       sim_domain_destroy(victim), run xlkit's loop until
//                       the victim's DOMAIN_DEATH callback has run, and keep
//                       running it until the dying domain is gone (xenstored
//                       released it) and the loop is idle, so every check the
//                       death causes is counted. Victims are spread over the
//                       watched domids. With fewer watched domains than
//                       deaths to time, rounds of fresh domains are made
//                       (set-up outside the timed sections).
//
// Counters, per death:
//   cpu_us_to_event        this process's CPU time (every thread: the loop
//                          and libxenstore's reader thread) from
//                          sim_domain_destroy to the DOMAIN_DEATH callback;
//   loop_cpu_us_to_event   the same, the loop's thread alone;
//   cpu_us_per_death       this process's CPU time from the destroy until
//                          the domain is gone and the loop idle again (every
//                          check the death causes, plus the benchmark's own
//                          polling of the sim table while it waits);
//   p50_us, mean_us        wall clock from sim_domain_destroy to the
//                          DOMAIN_DEATH callback (xenstored's part included);
//   xenstored_us_per_death xenstored's CPU time over the same windows (it
//                          re-checks every introduced domain on each
//                          domain-exception interrupt: not xlkit's cost);
//   queries_per_death      hypervisor queries (domain_getinfolist calls)
//                          and watch_events_per_death (@releaseDomain
//                          events xlkit read), counted in a separate pass
//                          through the "trace" filter with a counting
//                          logger, so that tracing does not slow the timed
//                          pass.
#include <benchmark/benchmark.h>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench.hpp"
#include "support/sim_support.hpp"
#include <xlkit/ctx.hpp>
#include <xlkit/evgen.hpp>

namespace xbench {

namespace {

using namespace xlkit;

constexpr int kStepTimeoutMs = 10000;

// Counts the trace filter's lines for hypervisor queries and watch events.
struct CountingLogger {
    xentoollog_logger lg;  // first: the library sees a xentoollog_logger *
    long getinfo = 0;
    long watch_events = 0;
};

void count_vmessage(xentoollog_logger *lg, xentoollog_level, int, const char *, const char *fmt, va_list ap) {
    auto *c = reinterpret_cast<CountingLogger *>(lg);
    char buf[256];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    if (std::strncmp(buf, "trace: getinfo(", 15) == 0) ++c->getinfo;
    if (std::strncmp(buf, "trace: watch event: @releaseDomain", 34) == 0) ++c->watch_events;
}
void count_destroy(xentoollog_logger *) {}

struct Deaths {
    long count = 0;
    std::uint32_t last = 0;
    long unexpected = 0;  // any other event
};

void occurs_cb(void *user, std::unique_ptr<Event> ev) {
    auto *d = static_cast<Deaths *>(user);
    if (ev->type() == EventType::DomainDeath) {
        ++d->count;
        d->last = ev->domid;
    } else {
        ++d->unexpected;
    }
}

struct DeathResult {
    std::vector<std::int64_t> latency_ns;
    std::int64_t cpu_ns = 0, xenstored_ns = 0;
    std::int64_t cpu_to_event_ns = 0, loop_cpu_to_event_ns = 0;
    long deaths = 0;
    double queries_per_death = 0, watch_events_per_death = 0;
    std::string error;
};

// One xlkit ctx watching `n` fresh domains; kills `kills` of them.
class Round {
public:
    Round(simtest::Host &host, simtest::Xs &xs, xentoollog_logger *lg, const char *filters)
        : host_(host), xs_(xs) {
        CtxOptions o;
        o.hypervisor = "sim:" + host.dir();
        o.logger = lg;
        if (filters) o.filters = filters;
        if (Ctx::create(&ctx_, o) != Error::Success) return;
        ctx_->register_event_callbacks(kEventMaskAll, occurs_cb, nullptr, &deaths_);
    }
    ~Round() {
        for (auto *g : gs_) evdisable_domain_death(*ctx_, g);
        ctx_.reset();
        // Outside any timed section: the rest of this round's domains go,
        // and are waited for (xenstored releases them), so that their
        // @releaseDomain events do not reach the next round's ctx.
        for (std::uint32_t d : doms_)
            if (d) (void)sim_domain_destroy(host_.sim(), d);
        std::int64_t end = now_ns() + 5'000'000'000;
        for (std::uint32_t d : doms_) {
            sim_dominfo info;
            while (d && sim_domain_getinfo_one(host_.sim(), d, &info) == 0 && now_ns() < end) usleep(1000);
        }
    }
    bool ok() const { return ctx_ != nullptr; }

    std::string setup(int n) {
        for (int i = 0; i < n; ++i) {
            std::uint32_t d = SIM_DOMID_ANY;
            if (sim_domain_create(host_.sim(), &d, 65536, 1, nullptr, SIM_CREATE_UNPAUSED) != 0)
                return "sim_domain_create failed";
            if (!xs_introduce_domain(xs_.get(), d, 0, 1)) return "xs_introduce_domain failed";
            doms_.push_back(d);
        }
        for (std::uint32_t d : doms_) {
            EvgenDomainDeath *g = nullptr;
            if (evenable_domain_death(*ctx_, d, d, &g) != Error::Success) return "evenable_domain_death failed";
            gs_.push_back(g);
        }
        idle();
        if (deaths_.count || deaths_.unexpected) return "an event before any domain died";
        return {};
    }

    // Kills the domain at index i; adds to r.
    bool kill(std::size_t i, DeathResult &r, int xenstored_pid) {
        std::uint32_t d = doms_[i];
        long before = deaths_.count;
        std::int64_t xs0 = other_process_cpu_ns(xenstored_pid);
        std::int64_t cpu0 = process_cpu_ns();
        Stamp s0 = stamp();
        std::int64_t t0 = s0.wall;
        if (sim_domain_destroy(host_.sim(), d) != 0) {
            r.error = "sim_domain_destroy failed";
            return false;
        }
        std::int64_t end = t0 + std::int64_t(kStepTimeoutMs) * 1'000'000;
        while (deaths_.count == before) {
            if (ctx_->run_once(kStepTimeoutMs) != Error::Success || now_ns() > end) {
                r.error = "no DOMAIN_DEATH within 10 s";
                return false;
            }
        }
        Stamp s1 = stamp();
        std::int64_t t1 = s1.wall;
        std::int64_t cpu1 = process_cpu_ns();
        if (deaths_.count != before + 1 || deaths_.last != d || deaths_.unexpected) {
            r.error = "wrong events for the death";
            return false;
        }
        // Until xenstored has released it and the table no longer has it.
        sim_dominfo info;
        while (sim_domain_getinfo_one(host_.sim(), d, &info) == 0 && now_ns() < end) (void)ctx_->run_once(2);
        idle();
        r.cpu_ns += process_cpu_ns() - cpu0;
        r.cpu_to_event_ns += cpu1 - cpu0;
        r.loop_cpu_to_event_ns += s1.cpu - s0.cpu;
        std::int64_t xs1 = other_process_cpu_ns(xenstored_pid);
        if (xs0 >= 0 && xs1 >= 0) r.xenstored_ns += xs1 - xs0;
        r.latency_ns.push_back(t1 - t0);
        ++r.deaths;
        doms_[i] = 0;
        return true;
    }
    std::size_t size() const { return doms_.size(); }
    std::uint32_t domid(std::size_t i) const { return doms_[i]; }

private:
    // Runs the loop until nothing has happened for 20 ms (blocked: no CPU).
    void idle() {
        for (int i = 0; i < 2; ++i) (void)ctx_->run_once(10);
    }
    simtest::Host &host_;
    simtest::Xs &xs_;
    std::unique_ptr<Ctx> ctx_;
    Deaths deaths_;
    std::vector<std::uint32_t> doms_;
    std::vector<EvgenDomainDeath *> gs_;
};

// Victims spread over the watched domains.
std::vector<std::size_t> victims(std::size_t n, std::size_t k) {
    std::vector<std::size_t> v;
    for (std::size_t j = 0; j < k; ++j) v.push_back((2 * j + 1) * n / (2 * k));
    return v;
}

DeathResult run_death(int watched) {
    DeathResult r;
    simtest::Host host;
    if (!host.start("bench-x")) {
        r.error = "cannot start a sim host (xlkit-sim-host start)";
        return r;
    }
    simtest::use_host(host.dir());
    simtest::Xs xs;
    if (!xs) {
        r.error = "cannot connect to the sim host's xenstored";
        return r;
    }
    const int pid = host.xenstored_pid();
    const long want = params().xd_deaths;
    // Timed pass.
    while (r.deaths < want) {
        Round round(host, xs, nullptr, nullptr);
        if (!round.ok()) {
            r.error = "Ctx::create failed";
            return r;
        }
        r.error = round.setup(watched);
        if (!r.error.empty()) return r;
        std::size_t k = std::min<std::size_t>(std::size_t(watched), std::size_t(want - r.deaths));
        for (std::size_t i : victims(std::size_t(watched), k))
            if (!round.kill(i, r, pid)) return r;
    }
    // Counting pass: the same through the trace filter (two deaths at most).
    CountingLogger cl;
    cl.lg.vmessage = count_vmessage;
    cl.lg.progress = nullptr;
    cl.lg.destroy = count_destroy;
    Round round(host, xs, &cl.lg, "trace");
    if (!round.ok()) {
        r.error = "Ctx::create with the trace filter failed";
        return r;
    }
    std::string err = round.setup(watched);
    if (!err.empty()) {
        r.error = err + " (trace pass)";
        return r;
    }
    std::size_t k = std::min<std::size_t>(std::size_t(watched), 2);
    cl.getinfo = cl.watch_events = 0;
    DeathResult scratch;
    for (std::size_t i : victims(std::size_t(watched), k))
        if (!round.kill(i, scratch, pid)) {
            r.error = scratch.error + " (trace pass)";
            return r;
        }
    r.queries_per_death = double(cl.getinfo) / double(k);
    r.watch_events_per_death = double(cl.watch_events) / double(k);
    return r;
}

void bench_death(benchmark::State &st, int watched) {
    double cpu = 0, cpu_ev = 0, loop_ev = 0, xsd = 0, p50 = 0, mean = 0, q = 0, w = 0;
    long runs = 0;
    for (auto _ : st) {
        DeathResult r = run_death(watched);
        if (!r.error.empty()) {
            st.SkipWithError(r.error.c_str());
            return;
        }
        Dist d = dist_us(r.latency_ns);
        cpu += double(r.cpu_ns) / 1000.0 / double(r.deaths);
        cpu_ev += double(r.cpu_to_event_ns) / 1000.0 / double(r.deaths);
        loop_ev += double(r.loop_cpu_to_event_ns) / 1000.0 / double(r.deaths);
        xsd += double(r.xenstored_ns) / 1000.0 / double(r.deaths);
        p50 += d.p50_us;
        mean += d.mean_us;
        q += r.queries_per_death;
        w += r.watch_events_per_death;
        ++runs;
    }
    if (runs) {
        double n = double(runs);
        st.counters["cpu_us_per_death"] = cpu / n;
        st.counters["cpu_us_to_event"] = cpu_ev / n;
        st.counters["loop_cpu_us_to_event"] = loop_ev / n;
        st.counters["xenstored_us_per_death"] = xsd / n;
        st.counters["p50_us"] = p50 / n;
        st.counters["mean_us"] = mean / n;
        st.counters["queries_per_death"] = q / n;
        st.counters["watch_events_per_death"] = w / n;
        st.counters["watched"] = watched;
    }
}

} // namespace

void register_xen_death_benchmarks() {
    for (int watched : params().xd_watched) {
        std::string name = "X_death/watched:" + std::to_string(watched);
        benchmark::RegisterBenchmark(name.c_str(), [watched](benchmark::State &st) { bench_death(st, watched); })
            ->Unit(benchmark::kMillisecond);
    }
}

} // namespace xbench
