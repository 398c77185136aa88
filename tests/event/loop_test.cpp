// xlkit's own loop with several threads: pollers, the baton, wake-ups.
#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "support/ctx_fixture.hpp"

namespace {

using namespace xlkit;
using namespace xlkit::detail;
using namespace std::chrono_literals;

// What an operation does: a flag its waiter checks, and the waiter's
// poller, woken by whoever sets the flag (as an ao's completion does).
struct Flag {
    EvTime ev;
    std::atomic<bool> set{false};
    std::atomic<int> fired{0};
    Poller *waiter = nullptr;
};

void set_flag(Egc &egc, EvTime *ev, Nanos, Error) {
    auto *f = static_cast<Flag *>(ev->data);
    f->fired++;
    f->set = true;
    if (f->waiter) egc.ctx.poller_wake(*f->waiter);
}

using LoopTest = xlkit::testing::CtxTest;

TEST_F(LoopTest, RunOnceReturnsAfterItsTimeoutWhenNothingHappens) {
    Nanos t0 = mono_now();
    ASSERT_EQ(ctx_->run_once(30), Error::Success);
    EXPECT_GE(mono_now() - t0, 29'000'000);
}

TEST_F(LoopTest, ThreadBlockedWithoutTimeoutIsWokenByAnEarlierTimeoutFromAnotherThread) {
    Flag f;
    f.ev.data = &f;
    std::thread waiter([&] {
        Egc egc(impl());
        EXPECT_EQ(impl().wait_until(egc, [&] { return f.set.load(); }, kNever), Error::Success);
    });
    std::this_thread::sleep_for(30ms);  // the waiter now sleeps in epoll_wait(-1)
    {
        Egc egc(impl());
        ASSERT_EQ(impl().time_register_rel(egc, f.ev, set_flag, 1), Error::Success);
    }
    waiter.join();  // hangs (per-test timeout) without the wake-up
    EXPECT_EQ(f.fired, 1);
}

TEST_F(LoopTest, ThreadBlockedWithoutTimeoutSeesAnFdRegisteredFromAnotherThread) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    struct S {
        EvFd ev;
        std::atomic<bool> got{false};
    } s;
    s.ev.data = &s;
    std::thread waiter([&] {
        Egc egc(impl());
        EXPECT_EQ(impl().wait_until(egc, [&] { return s.got.load(); }, kNever), Error::Success);
    });
    std::this_thread::sleep_for(30ms);
    {
        Egc egc(impl());
        ASSERT_EQ(impl().fd_register(egc, s.ev,
                                     [](Egc &g, EvFd *ev, int, short, short) {
                                         static_cast<S *>(ev->data)->got = true;
                                         g.ctx.fd_deregister(g, *ev);
                                     },
                                     fds[0], POLLIN),
                  Error::Success);
    }
    ASSERT_EQ(write(fds[1], "x", 1), 1);
    waiter.join();
    close(fds[0]);
    close(fds[1]);
}

TEST_F(LoopTest, BatonPassesSoEveryBlockedThreadFinishes) {
    // Eight threads each wait for their own timeout; only one can hold the
    // baton at a time, yet all must finish, in deadline order or not.
    constexpr int kThreads = 8;
    std::vector<Flag> flags(kThreads);
    std::vector<std::thread> ts;
    for (int i = 0; i < kThreads; ++i) {
        ts.emplace_back([&, i] {
            Flag &f = flags[i];
            f.ev.data = &f;
            Egc egc(impl());
            ASSERT_EQ(impl().time_register_rel(egc, f.ev, set_flag, 5 + 7 * (kThreads - i)), Error::Success);
            EXPECT_EQ(impl().wait_until(egc, [&] { return f.set.load(); }, kNever, &f.waiter), Error::Success);
        });
    }
    for (auto &t : ts) t.join();
    for (auto &f : flags) EXPECT_EQ(f.fired, 1);
}

TEST_F(LoopTest, WaitUntilTimesOutWithTimedout) {
    Egc egc(impl());
    Nanos t0 = mono_now();
    EXPECT_EQ(impl().wait_until(egc, [] { return false; }, mono_now() + 20'000'000),
              Error::Timedout);
    EXPECT_GE(mono_now() - t0, 19'000'000);
}

TEST_F(LoopTest, BlockingCallerAndEventDrivenCallerOnOneContextDoNotHang) {
    // Thread 1 waits synchronously for a 50 ms timeout; the main thread
    // drives the same ctx with a beforepoll/afterpoll loop and waits for a
    // 20 ms timeout of its own. Neither may starve the other (libxl
    // 5a533d0ba5 / ba7a0dbb37).
    Flag sync_flag, app_flag;
    sync_flag.ev.data = &sync_flag;
    app_flag.ev.data = &app_flag;
    std::thread blocking([&] {
        Egc egc(impl());
        ASSERT_EQ(impl().time_register_rel(egc, sync_flag.ev, set_flag, 50), Error::Success);
        EXPECT_EQ(impl().wait_until(egc, [&] { return sync_flag.set.load(); }, kNever,
                                    &sync_flag.waiter),
                  Error::Success);
    });
    {
        Egc egc(impl());
        ASSERT_EQ(impl().time_register_rel(egc, app_flag.ev, set_flag, 20), Error::Success);
    }
    while (!app_flag.set || !sync_flag.set) {
        struct pollfd fds[16];
        int n = 16, timeout = 1000;
        ASSERT_EQ(ctx_->beforepoll(fds, &n, &timeout, {}), Error::Success);
        ASSERT_GE(poll(fds, n, timeout), 0);
        ctx_->afterpoll(fds, n, {});
    }
    blocking.join();
    EXPECT_EQ(sync_flag.fired, 1);
    EXPECT_EQ(app_flag.fired, 1);
}

TEST_F(LoopTest, CompletionOnAnotherThreadBeforeTheInitiatorWaitsIsNotLost) {
    // The initiator sets up its operation and drops the lock; another
    // thread completes it before the initiator starts waiting
    // (libxl 738b3d4425). The initiator must return at once.
    struct Op {
        EvImmediate done_ev;
        std::atomic<bool> done{false};
    } op;
    op.done_ev.data = &op;
    std::thread completer([&] {
        Egc egc(impl());
        impl().immediate_register(egc, op.done_ev, [](Egc &, EvImmediate *ev) {
            static_cast<Op *>(ev->data)->done = true;
        });
    });
    completer.join();
    Egc egc(impl());
    Nanos t0 = mono_now();
    EXPECT_EQ(impl().wait_until(egc, [&] { return op.done.load(); }, mono_now() + 5'000'000'000), Error::Success);
    EXPECT_LT(mono_now() - t0, 1'000'000'000);
}

TEST_F(LoopTest, EightThreadsWaitingWhileANinthDrivesEventsAllComplete) {
    constexpr int kThreads = 8;
    struct Waiter {
        EvImmediate ev;
        Poller *p = nullptr;
        std::atomic<bool> done{false};
    };
    std::vector<Waiter> ws(kThreads);
    std::atomic<bool> stop{false};
    std::thread driver([&] {
        while (!stop) ASSERT_EQ(ctx_->run_once(5), Error::Success);
    });
    std::vector<std::thread> ts;
    for (int i = 0; i < kThreads; ++i) {
        ts.emplace_back([&, i] {
            Waiter &w = ws[i];
            w.ev.data = &w;
            for (int round = 0; round < 50; ++round) {
                w.done = false;
                Egc egc(impl());
                // Completed "elsewhere": posted to whichever thread drives.
                impl().immediate_post(egc, w.ev, [](Egc &g, EvImmediate *ev) {
                    auto *wt = static_cast<Waiter *>(ev->data);
                    wt->done = true;
                    if (wt->p) g.ctx.poller_wake(*wt->p);
                });
                ASSERT_EQ(impl().wait_until(egc, [&] { return w.done.load(); },
                                            mono_now() + 10'000'000'000, &w.p),
                          Error::Success);
            }
        });
    }
    for (auto &t : ts) t.join();
    stop = true;
    driver.join();
}

} // namespace
