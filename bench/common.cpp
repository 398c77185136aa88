// Shared inputs and harness pieces of xlkit-bench.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <random>
#include <string>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

#include "bench.hpp"

namespace xbench {

Params Params::full() {
    Params p;
    p.a_callbacks = 1'000'000;
    p.a_batch = 1'000;
    p.b_timers = 100'000;
    p.b_min_ns = 100'000'000;
    p.b_max_ns = 150'000'000;
    p.c_pipes = 10'000;
    p.c_dispatches = 100'000;
    p.c_poll_dispatches = 2'000;  // ~1 ms each: O(fds) per dispatch
    p.d_round_trips = 100'000;
    p.d_warmup = 1'000;
    p.e_ops = 1'000'000;
    p.xw_round_trips = 5'000;
    p.xw_warmup = 200;
    p.xd_watched[0] = 1;
    p.xd_watched[1] = 100;
    p.xd_watched[2] = 1'000;
    p.xd_deaths = 20;
    p.xo_domains = 100;
    return p;
}

Params Params::smoke() {
    Params p;
    p.a_callbacks = 20'000;
    p.a_batch = 1'000;
    p.b_timers = 2'000;
    p.b_min_ns = 2'000'000;
    p.b_max_ns = 3'000'000;
    p.c_pipes = 200;
    p.c_dispatches = 2'000;
    p.c_poll_dispatches = 500;
    p.d_round_trips = 1'000;
    p.d_warmup = 50;
    p.e_ops = 20'000;
    p.xw_round_trips = 100;
    p.xw_warmup = 10;
    p.xd_watched[0] = 1;
    p.xd_watched[1] = 10;
    p.xd_watched[2] = 50;
    p.xd_deaths = 2;
    p.xo_domains = 10;
    return p;
}

namespace {
Params g_params = Params::full();
} // namespace

const Params &params() { return g_params; }
void set_params(const Params &p) { g_params = p; }

const std::vector<std::int64_t> &timer_offsets_ns() {
    static const std::vector<std::int64_t> v = [] {
        std::mt19937_64 rng(20261121);
        std::uniform_int_distribution<std::int64_t> dist(params().b_min_ns, params().b_max_ns);
        std::vector<std::int64_t> out(static_cast<std::size_t>(params().b_timers));
        for (auto &x : out) x = dist(rng);
        return out;
    }();
    return v;
}

namespace {

struct PipePool {
    std::vector<int> rd, wr;
    PipePool() {
        struct rlimit rl;
        int n = params().c_pipes;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            // Keep room for the loops' own fds, stdio and the output file.
            long room = (static_cast<long>(rl.rlim_cur) - 128) / 2;
            if (room < n) n = static_cast<int>(std::max(room, 1L));
        }
        rd.reserve(static_cast<std::size_t>(n));
        wr.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            int fds[2];
            if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
                std::fprintf(stderr, "xlkit-bench: pipe2 after %d pipes: %s\n", i, std::strerror(errno));
                break;
            }
            rd.push_back(fds[0]);
            wr.push_back(fds[1]);
        }
    }
};

PipePool &pool() {
    static PipePool p;
    return p;
}

} // namespace

int pipe_count() { return static_cast<int>(pool().rd.size()); }
const std::vector<int> &pipe_read_fds() { return pool().rd; }
const std::vector<int> &pipe_write_fds() { return pool().wr; }

const std::vector<std::uint32_t> &pipe_sequence() {
    static const std::vector<std::uint32_t> v = [] {
        std::mt19937 rng(42);
        std::uniform_int_distribution<std::uint32_t> dist(0, static_cast<std::uint32_t>(pipe_count() - 1));
        long n = std::max(params().c_dispatches, params().c_poll_dispatches);
        std::vector<std::uint32_t> out(static_cast<std::size_t>(n));
        for (auto &x : out) x = dist(rng);
        return out;
    }();
    return v;
}

void sleep_until_ns(std::int64_t abs) {
    struct timespec ts;
    ts.tv_sec = static_cast<time_t>(abs / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(abs % 1'000'000'000);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

void write_byte(int fd) {
    char c = 'x';
    (void)!write(fd, &c, 1);
}

void read_byte(int fd) {
    char c;
    (void)!read(fd, &c, 1);
}

int make_idle_eventfd() { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
int make_blocking_eventfd() { return eventfd(0, EFD_CLOEXEC); }

bool pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

std::int64_t other_process_cpu_ns(int pid) {
    std::string task = "/proc/" + std::to_string(pid) + "/task";
    DIR *d = opendir(task.c_str());
    if (!d) return -1;
    std::int64_t sum = 0;
    while (struct dirent *e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        FILE *f = std::fopen((task + "/" + e->d_name + "/schedstat").c_str(), "r");
        if (!f) continue;
        long long ns = 0;
        if (std::fscanf(f, "%lld", &ns) == 1) sum += ns;
        std::fclose(f);
    }
    closedir(d);
    return sum;
}

Dist dist_us(std::vector<std::int64_t> &s) {
    Dist d;
    if (s.empty()) return d;
    double sum = 0;
    for (auto x : s) sum += static_cast<double>(x);
    std::sort(s.begin(), s.end());
    auto rank = [&](double q) {
        std::size_t k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(s.size())));
        return static_cast<double>(s[k ? k - 1 : 0]);
    };
    d.p50_us = rank(0.50) / 1000.0;
    d.p99_us = rank(0.99) / 1000.0;
    d.mean_us = sum / static_cast<double>(s.size()) / 1000.0;
    return d;
}

// ---- D -----------------------------------------------------------------------

void ws_ping_b(WakeShared &ws) noexcept {
    std::uint64_t one = 1;
    (void)!write(ws.efd_b, &one, sizeof one);
}

bool WakeShared::on_callback() noexcept {
    std::int64_t t = now_ns();
    if (callbacks > warmup) samples.push_back(t - prev);  // reserved: no allocation
    prev = t;
    ++callbacks;
    bool last = callbacks >= total;
    if (last) done.store(true, std::memory_order_release);
    ws_ping_b(*this);
    return last;
}

WakeResult run_wake(WakeImpl &impl, bool cross_cpu) {
    WakeResult r;
    const int cpu_a = 0, cpu_b = cross_cpu ? 1 : 0;
    cpu_set_t avail;
    CPU_ZERO(&avail);
    if (sched_getaffinity(0, sizeof avail, &avail) != 0 || !CPU_ISSET(cpu_a, &avail) ||
        !CPU_ISSET(cpu_b, &avail)) {
        r.error = "CPUs 0 and 1 are not both available";
        return r;
    }
    WakeShared ws;
    ws.efd_b = make_blocking_eventfd();  // B sleeps in read()
    if (ws.efd_b < 0) {
        r.error = "eventfd failed";
        return r;
    }
    const Params &p = params();
    ws.warmup = p.d_warmup;
    ws.total = p.d_warmup + p.d_round_trips + 1;
    ws.samples.reserve(static_cast<std::size_t>(p.d_round_trips));

    std::atomic<bool> pin_failed{false};
    std::thread b([&] {
        if (!pin_to_cpu(cpu_b)) pin_failed = true;
        for (;;) {
            std::uint64_t v;
            if (read(ws.efd_b, &v, sizeof v) < 0 && errno == EINTR) continue;
            if (ws.done.load(std::memory_order_acquire)) break;
            impl.post();
        }
    });
    std::thread a([&] {
        if (!pin_to_cpu(cpu_a)) pin_failed = true;
        impl.run_a(ws);
    });
    a.join();
    b.join();
    (void)close(ws.efd_b);
    if (pin_failed) {
        r.error = "pthread_setaffinity_np failed";
        return r;
    }
    auto &s = ws.samples;
    if (s.size() != static_cast<std::size_t>(p.d_round_trips)) {
        r.error = "wrong number of round trips";
        return r;
    }
    const Dist d = dist_us(s);
    r.p50_us = d.p50_us;
    r.p99_us = d.p99_us;
    r.mean_us = d.mean_us;
    return r;
}

} // namespace xbench
