// CtxLock: the ctx's futex mutex (event/ctx_lock.hpp).
#include <gtest/gtest.h>
#include <thread>
#include <vector>

#include "event/ctx_lock.hpp"

namespace xlkit::detail {
namespace {

TEST(CtxLockTest, ThreadsContendingForItNeverOverlap) {
    CtxLock mu;
    long counter = 0;  // plain: only the lock orders the writes
    int inside = 0;
    bool overlapped = false;
    constexpr int kThreads = 4, kRounds = 20000;
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t)
        ts.emplace_back([&] {
            for (int i = 0; i < kRounds; ++i) {
                mu.lock();
                overlapped |= ++inside != 1;
                ++counter;
                if (i % 64 == 0) std::this_thread::yield();  // let others pile up on it
                --inside;
                mu.unlock();
            }
        });
    for (auto &t : ts) t.join();
    EXPECT_FALSE(overlapped);
    EXPECT_EQ(counter, long(kThreads) * kRounds);
}

TEST(CtxLockTest, ASleeperIsWokenWhenItIsReleased) {
    CtxLock mu;
    mu.lock();
    bool got = false;
    std::thread t([&] {
        mu.lock();  // sleeps in the futex: the lock is held
        got = true;
        mu.unlock();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    mu.unlock();
    t.join();
    EXPECT_TRUE(got);
}

} // namespace
} // namespace xlkit::detail
