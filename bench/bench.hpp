// xlkit-bench: the event-core workloads A to E (docs/performance.md, "How each
// workload is run"; their targets are in rows() of bench/compare.py), run for
// xlkit, libev, libuv and the raw limit in one binary.
//
// Every workload is run whole inside one Google Benchmark iteration and timed
// by the workload itself around its measured section only (set-up and
// tear-down are outside), so the reported counters are per operation:
//   ns_per_op          A, B, C, E
//   p50_us, p99_us     D (round-trip latency, one sample per round trip)
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace xbench {

/* Sizes of every workload. full() is the anchors' workload; smoke() runs
 * every benchmark in well under a second. */
struct Params {
    // A: dispatch
    long a_callbacks;   // total callbacks per run
    int a_batch;        // A1: callbacks queued per loop run
    // B: timers
    int b_timers;
    std::int64_t b_min_ns, b_max_ns;  // deadlines uniform in [min, max]
    // C: fds
    int c_pipes;        // upper bound; limited by RLIMIT_NOFILE
    long c_dispatches;
    long c_poll_dispatches;  // the poll() variant costs O(fds) per dispatch
    // D: cross-thread wake
    long d_round_trips;
    long d_warmup;
    // E: one-shot op
    long e_ops;
    // W, X, Y: the Xen layer on the userspace sim host (xen_*.cpp)
    long xw_round_trips;  // W: xenstore write -> watch callback
    long xw_warmup;
    int xd_watched[3];    // X: domains watched for death
    int xd_deaths;        // X: deaths timed per run (in rounds of fresh domains)
    int xo_domains;       // Y: domains created and destroyed per run

    static Params full();
    static Params smoke();
};

const Params &params();
void set_params(const Params &p);

/* Shared inputs, identical for every implementation. */
const std::vector<std::int64_t> &timer_offsets_ns();  // b_timers entries
const std::vector<std::uint32_t> &pipe_sequence();    // c_dispatches indices < pipe_count()

/* The pipe pool of workload C: created once, left open until exit. */
int pipe_count();
const std::vector<int> &pipe_read_fds();
const std::vector<int> &pipe_write_fds();

inline std::int64_t now_ns() noexcept {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/* Cost per operation of a measured section: the calling thread's CPU time
 * (user + system) and the wall-clock time. Workloads A, B, C and E never
 * block inside a measured section (C writes the byte before it polls), so on
 * an idle machine the two agree; on a shared one the CPU time leaves out the
 * time other processes took the CPU, so it is what ns_per_op reports. */
struct Cost {
    double ns = 0;       // thread CPU time per op
    double wall_ns = 0;  // wall-clock time per op
};
struct Stamp {
    std::int64_t wall, cpu;
};
inline Stamp stamp() noexcept {
    struct timespec c;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
    return Stamp{now_ns(), std::int64_t(c.tv_sec) * 1'000'000'000 + c.tv_nsec};
}
/* The whole process's CPU time (all its threads: libxenstore's reader
 * thread, xlkit's create workers), ns. */
inline std::int64_t process_cpu_ns() noexcept {
    struct timespec c;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    return std::int64_t(c.tv_sec) * 1'000'000'000 + c.tv_nsec;
}
inline Cost per_op(Stamp a, Stamp b, double ops) noexcept {
    return Cost{double(b.cpu - a.cpu) / ops, double(b.wall - a.wall) / ops};
}
void sleep_until_ns(std::int64_t abs_monotonic_ns);
/* B sleeps until the last deadline plus this margin (libuv's clock is
 * CLOCK_MONOTONIC_COARSE in ms), then enters the loop once. */
inline constexpr std::int64_t kFireMarginNs = 10'000'000;

/* Write one byte to fd / read (and discard) up to one byte from it. */
void write_byte(int fd);
void read_byte(int fd);

/* A never-ready eventfd, as the xenstore fd every toolstack loop watches. */
int make_idle_eventfd();
/* A blocking eventfd (a thread sleeps in read() on it). */
int make_blocking_eventfd();

bool pin_to_cpu(int cpu);

// ---- results -------------------------------------------------------------
/* B runs the whole arm/cancel/fire cycle twice on one loop and the same
 * timers: the first (cold) pass also pays for growing the loop's timer
 * storage to 100,000 entries; the second is the steady state. */
struct TimerPass {
    Cost arm, cancel, fire;
};
struct TimerResult {
    TimerPass warm, cold;
    std::string error;
};

/* Workload D. A's callback calls on_callback() (takes the time, pings B);
 * B blocks on efd_b and then completes the next op through the library's
 * cross-thread mechanism. One sample = one round trip, timed at A. */
struct WakeShared {
    int efd_b = -1;                 // A pings B here (blocking eventfd)
    std::atomic<bool> done{false};
    long callbacks = 0;             // A only
    long total = 0;                 // warmup + round trips + 1
    long warmup = 0;
    std::int64_t prev = 0;
    std::vector<std::int64_t> samples;

    /* In A's callback. Returns true after the last round trip (B is then
     * released and will not post again). */
    bool on_callback() noexcept;
};

struct WakeResult {
    double p50_us = 0, p99_us = 0, mean_us = 0;
    std::string error;
};

/* Runs D: the implementation supplies A's body (which must call
 * ws.on_callback() from its completion callback until it returns true, and
 * must ping B once at start with ws_ping_b()) and B's post. */
struct WakeImpl {
    virtual ~WakeImpl() = default;
    virtual void run_a(WakeShared &ws) = 0;  // in thread A, pinned
    virtual void post() = 0;                 // in thread B, pinned
};
WakeResult run_wake(WakeImpl &impl, bool cross_cpu);
void ws_ping_b(WakeShared &ws) noexcept;

// ---- the implementations ---------------------------------------------------
/* Each returns the cost per operation (or TimerResult/WakeResult); on
 * failure *err is set. */
struct Impl {
    const char *name;
    Cost (*a1)(std::string *err);
    Cost (*a2)(std::string *err);
    TimerResult (*b)();
    Cost (*c)(std::string *err);
    Cost (*c_poll)(std::string *err);  // nullptr: no poll()-style API
    WakeResult (*d)(bool cross_cpu);
    Cost (*e)(std::string *err);
};

extern const Impl kRaw, kXlkit, kLibev, kLibuv;

/* The Xen-layer benchmarks on the sim host (xen_watch.cpp, xen_death.cpp,
 * xen_ops.cpp); each run starts its own host and stops it. */
void register_xen_watch_benchmarks();
void register_xen_death_benchmarks();
void register_xen_ops_benchmarks();
/* Nanoseconds process pid has run on a CPU (all its threads, from
 * /proc/PID/task/TID/schedstat), or -1. */
std::int64_t other_process_cpu_ns(int pid);
/* p50, p99 and mean of samples in ns, in µs (sorts samples). */
struct Dist {
    double p50_us = 0, p99_us = 0, mean_us = 0;
};
Dist dist_us(std::vector<std::int64_t> &samples_ns);

} // namespace xbench
