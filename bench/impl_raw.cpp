// The raw limits: the least a loop can do for each workload.
//   A  an intrusive FIFO of preallocated tasks
//   B  an indexed 4-ary heap with cached deadlines, one clock read per batch
//   C  level-triggered epoll (and: rebuild a pollfd array, poll(), scan)
//   D  eventfd ping-pong
//   E  malloc + mutex lock/unlock + free
#include <cstdlib>
#include <memory>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "bench.hpp"

namespace xbench {
namespace {

// ---- A -------------------------------------------------------------------------
struct Task {
    Task *next = nullptr;
    void (*fn)(Task *) = nullptr;
};

struct Fifo {
    Task *head = nullptr;
    Task **tail = &head;
    void push(Task *t) noexcept {
        t->next = nullptr;
        *tail = t;
        tail = &t->next;
    }
    void drain() noexcept {
        while (Task *t = head) {
            head = t->next;
            if (!head) tail = &head;
            t->fn(t);
        }
    }
};

long g_count;
Fifo g_fifo;
long g_chain_left;

__attribute__((noinline)) void count_task(Task *) { ++g_count; }

__attribute__((noinline)) void chain_task(Task *t) {
    ++g_count;
    if (--g_chain_left > 0) g_fifo.push(t);
}

Cost a1(std::string *err) {
    const Params &p = params();
    std::unique_ptr<Task[]> tasks(new Task[static_cast<std::size_t>(p.a_batch)]);
    for (int i = 0; i < p.a_batch; ++i) tasks[i].fn = count_task;
    g_count = 0;
    const long rounds = p.a_callbacks / p.a_batch;
    Stamp t0 = stamp();
    for (long r = 0; r < rounds; ++r) {
        for (int i = 0; i < p.a_batch; ++i) g_fifo.push(&tasks[i]);
        g_fifo.drain();
    }
    Stamp t1 = stamp();
    if (g_count != rounds * p.a_batch) *err = "wrong callback count";
    return per_op(t0, t1, double(rounds * p.a_batch));
}

Cost a2(std::string *err) {
    const Params &p = params();
    Task t;
    t.fn = chain_task;
    g_count = 0;
    g_chain_left = p.a_callbacks;
    Stamp t0 = stamp();
    g_fifo.push(&t);
    g_fifo.drain();
    Stamp t1 = stamp();
    if (g_count != p.a_callbacks) *err = "wrong callback count";
    return per_op(t0, t1, double(p.a_callbacks));
}

// ---- B -------------------------------------------------------------------------
struct RawTimer {
    std::uint32_t idx = UINT32_MAX;
    void (*fn)(RawTimer *) = nullptr;
};

class Heap4 {
public:
    struct Entry {
        std::int64_t deadline;
        RawTimer *t;
    };
    explicit Heap4(std::size_t cap) : v_(new Entry[cap]) {}
    bool empty() const noexcept { return n_ == 0; }
    const Entry &top() const noexcept { return v_[0]; }
    void push(RawTimer *t, std::int64_t d) noexcept { sift_up(n_++, Entry{d, t}); }
    void remove(RawTimer *t) noexcept {
        std::uint32_t i = t->idx;
        t->idx = UINT32_MAX;
        Entry last = v_[--n_];
        if (i == n_) return;
        if (i > 0 && last.deadline < v_[(i - 1) / 4].deadline)
            sift_up(i, last);
        else
            sift_down(i, last);
    }

private:
    void place(std::uint32_t i, const Entry &e) noexcept {
        v_[i] = e;
        e.t->idx = i;
    }
    void sift_up(std::uint32_t i, Entry e) noexcept {
        while (i > 0) {
            std::uint32_t p = (i - 1) / 4;
            if (!(e.deadline < v_[p].deadline)) break;
            place(i, v_[p]);
            i = p;
        }
        place(i, e);
    }
    void sift_down(std::uint32_t i, Entry e) noexcept {
        for (;;) {
            std::uint32_t c = i * 4 + 1;
            if (c >= n_) break;
            std::uint32_t end = c + 4 < n_ ? c + 4 : n_, best = c;
            for (std::uint32_t k = c + 1; k < end; ++k)
                if (v_[k].deadline < v_[best].deadline) best = k;
            if (!(v_[best].deadline < e.deadline)) break;
            place(i, v_[best]);
            i = best;
        }
        place(i, e);
    }
    std::unique_ptr<Entry[]> v_;
    std::uint32_t n_ = 0;
};

__attribute__((noinline)) void count_timer(RawTimer *) { ++g_count; }

TimerResult b() {
    TimerResult r;
    const Params &p = params();
    const auto &off = timer_offsets_ns();
    const std::size_t n = off.size();
    std::unique_ptr<RawTimer[]> ts(new RawTimer[n]);
    for (std::size_t i = 0; i < n; ++i) ts[i].fn = count_timer;
    Heap4 heap(n);

    auto pass = [&](TimerPass &tp) {
        g_count = 0;
        Stamp t0 = stamp();
        const std::int64_t base = now_ns();  // one clock read for the batch
        for (std::size_t i = 0; i < n; ++i) heap.push(&ts[i], base + off[i]);
        Stamp t1 = stamp();
        for (std::size_t i = 0; i < n; i += 2) heap.remove(&ts[i]);
        Stamp t2 = stamp();

        sleep_until_ns(base + p.b_max_ns + kFireMarginNs);

        Stamp t3 = stamp();
        const std::int64_t now = now_ns();  // one clock read per fire batch
        while (!heap.empty() && heap.top().deadline <= now) {
            RawTimer *t = heap.top().t;
            heap.remove(t);
            t->fn(t);
        }
        Stamp t4 = stamp();
        const std::size_t fired = n / 2;
        if (static_cast<std::size_t>(g_count) != fired || !heap.empty()) r.error = "wrong fire count";
        tp.arm = per_op(t0, t1, double(n));
        tp.cancel = per_op(t1, t2, double((n + 1) / 2));
        tp.fire = per_op(t3, t4, double(fired));
    };
    pass(r.cold);
    pass(r.warm);
    return r;
}

// ---- C -------------------------------------------------------------------------
struct RawFd {
    int fd;
    void (*fn)(RawFd *);
};

__attribute__((noinline)) void read_cb(RawFd *f) {
    read_byte(f->fd);
    ++g_count;
}

Cost c(std::string *err) {
    const Params &p = params();
    const int n = pipe_count();
    const auto &rd = pipe_read_fds();
    const auto &wr = pipe_write_fds();
    const auto &seq = pipe_sequence();
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        *err = "epoll_create1 failed";
        return {};
    }
    std::unique_ptr<RawFd[]> fds(new RawFd[static_cast<std::size_t>(n)]);
    for (int i = 0; i < n; ++i) {
        fds[i] = RawFd{rd[static_cast<std::size_t>(i)], read_cb};
        struct epoll_event e {};
        e.events = EPOLLIN;
        e.data.ptr = &fds[i];
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i].fd, &e) < 0) *err = "epoll_ctl failed";
    }
    g_count = 0;
    struct epoll_event evs[64];
    Stamp t0 = stamp();
    for (long k = 0; k < p.c_dispatches; ++k) {
        write_byte(wr[seq[static_cast<std::size_t>(k)]]);
        int m = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < m; ++i) {
            auto *f = static_cast<RawFd *>(evs[i].data.ptr);
            f->fn(f);
        }
    }
    Stamp t1 = stamp();
    (void)close(ep);
    if (g_count != p.c_dispatches) *err = "wrong dispatch count";
    return per_op(t0, t1, double(p.c_dispatches));
}

Cost c_poll(std::string *err) {
    const Params &p = params();
    const int n = pipe_count();
    const auto &rd = pipe_read_fds();
    const auto &wr = pipe_write_fds();
    const auto &seq = pipe_sequence();
    std::unique_ptr<RawFd[]> fds(new RawFd[static_cast<std::size_t>(n)]);
    for (int i = 0; i < n; ++i) fds[i] = RawFd{rd[static_cast<std::size_t>(i)], read_cb};
    std::unique_ptr<struct pollfd[]> pfd(new struct pollfd[static_cast<std::size_t>(n)]);
    g_count = 0;
    Stamp t0 = stamp();
    for (long k = 0; k < p.c_poll_dispatches; ++k) {
        write_byte(wr[seq[static_cast<std::size_t>(k)]]);
        for (int i = 0; i < n; ++i) pfd[i] = {fds[i].fd, POLLIN, 0};  // rebuild
        int m = poll(pfd.get(), static_cast<nfds_t>(n), -1);
        for (int i = 0; i < n && m > 0; ++i) {  // scan
            if (pfd[i].revents) {
                --m;
                fds[i].fn(&fds[i]);
            }
        }
    }
    Stamp t1 = stamp();
    if (g_count != p.c_poll_dispatches) *err = "wrong dispatch count";
    return per_op(t0, t1, double(p.c_poll_dispatches));
}

// ---- D -------------------------------------------------------------------------
struct RawWake : WakeImpl {
    int efd_a = -1;  // blocking eventfd A sleeps on
    void run_a(WakeShared &ws) override {
        ws_ping_b(ws);
        for (;;) {
            std::uint64_t v;
            if (read(efd_a, &v, sizeof v) < 0) continue;
            if (ws.on_callback()) break;
        }
    }
    void post() override {
        std::uint64_t one = 1;
        (void)!write(efd_a, &one, sizeof one);
    }
};

WakeResult d(bool cross) {
    RawWake w;
    w.efd_a = make_blocking_eventfd();
    WakeResult r = run_wake(w, cross);
    (void)close(w.efd_a);
    return r;
}

// ---- E -------------------------------------------------------------------------
struct Op {
    void (*fn)(Op *);
    long value;
    bool done;
};

std::uint64_t g_sink;

__attribute__((noinline)) void op_done(Op *op) {
    g_sink += static_cast<std::uint64_t>(op->value);
    ++g_count;
    std::free(op);
}

Cost e(std::string *err) {
    const Params &p = params();
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    g_count = 0;
    Stamp t0 = stamp();
    for (long i = 0; i < p.e_ops; ++i) {
        auto *op = static_cast<Op *>(std::malloc(sizeof(Op)));  // create
        benchmark::DoNotOptimize(op);
        op->fn = op_done;
        op->value = i;
        pthread_mutex_lock(&mu);  // complete under the lock
        op->done = true;
        pthread_mutex_unlock(&mu);
        op->fn(op);  // dispatch its completion, which frees it
    }
    Stamp t1 = stamp();
    if (g_count != p.e_ops) *err = "wrong completion count";
    return per_op(t0, t1, double(p.e_ops));
}

} // namespace

const Impl kRaw = {"raw", a1, a2, b, c, c_poll, d, e};

} // namespace xbench
