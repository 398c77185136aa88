#include <algorithm>
#include <gtest/gtest.h>
#include <random>
#include <vector>

#include "event/timer_heap.hpp"

namespace xlkit::detail {
struct EvTimeTestAccess {
    static void set(EvTime &t, Nanos d, std::uint64_t seq) {
        t.deadline_ = d;
        t.seq_ = seq;
    }
};
} // namespace xlkit::detail

namespace {

using xlkit::detail::EvTime;
using xlkit::detail::TimerHeap;

TEST(TimerHeapTest, PopsInDeadlineOrderThenFifo) {
    std::mt19937 rng(42);
    std::vector<EvTime> ts(2000);
    TimerHeap h;
    std::uint64_t seq = 0;
    for (auto &t : ts) {
        xlkit::detail::EvTimeTestAccess::set(t, rng() % 50, ++seq);
        h.push(&t);
    }
    xlkit::detail::Nanos last = -1;
    std::uint64_t last_seq = 0;
    while (!h.empty()) {
        EvTime *t = h.top();
        std::uint64_t s = h.top_seq();
        h.pop();
        EXPECT_FALSE(t->active());
        ASSERT_GE(t->deadline(), last);
        if (t->deadline() == last) {
            ASSERT_GT(s, last_seq);
        }
        last = t->deadline();
        last_seq = s;
    }
}

TEST(TimerHeapTest, RemovingArbitraryTimersKeepsOrder) {
    std::mt19937 rng(7);
    std::vector<EvTime> ts(1000);
    TimerHeap h;
    std::uint64_t seq = 0;
    for (auto &t : ts) {
        xlkit::detail::EvTimeTestAccess::set(t, rng() % 100000, ++seq);
        h.push(&t);
    }
    for (std::size_t i = 0; i < ts.size(); i += 3) h.remove(&ts[i]);
    std::size_t n = 0;
    xlkit::detail::Nanos last = -1;
    while (!h.empty()) {
        ASSERT_GE(h.next_deadline(), last);
        last = h.next_deadline();
        h.pop();
        ++n;
    }
    EXPECT_EQ(n, ts.size() - (ts.size() + 2) / 3);
}

} // namespace

