// The precopy policy xlkit-save-helper applies (tools/save-helper/
// precopy_policy.h): what each pass is measured as, and when the precopy
// stops. Pure arithmetic on libxenguest's per-pass figures and the clock.
#include <gtest/gtest.h>

extern "C" {
#include "../tools/save-helper/precopy_policy.h"
}

namespace {

struct Precopy {
    xlkit_precopy_policy policy;
    xlkit_precopy_clock clock{-1, 0, 0};
    Precopy() { xlkit_precopy_policy_init(&policy); }
    // libxenguest's call for a pass at time now_ms: true = stop-and-copy.
    bool call(unsigned iteration, unsigned long written, long dirty, long long now_ms,
              xlkit_precopy_pass *out = nullptr) {
        xlkit_precopy_pass p{iteration, written, dirty, 0, 0, 0, 0};
        xlkit_precopy_measure(&clock, &p, now_ms);
        if (out) *out = p;
        return xlkit_precopy_stop(&policy, &p);
    }
};

TEST(PrecopyPolicy, TheDefaultIsLibxenguestsFivePassesOrFiftyDirtyPages) {
    Precopy r;
    EXPECT_FALSE(r.call(0, 0, 24576, 1000));
    EXPECT_FALSE(r.call(1, 24576, 400, 2000));
    EXPECT_FALSE(r.call(4, 30000, 60, 5000));
    EXPECT_TRUE(r.call(5, 30060, 60, 6000)) << "the fifth pass ends the precopy";
    Precopy q;
    EXPECT_FALSE(q.call(0, 0, 24576, 0));
    EXPECT_TRUE(q.call(1, 24576, 49, 1000)) << "fewer than 50 pages dirty";
}

TEST(PrecopyPolicy, EachPassIsMeasuredAgainstTheClock) {
    Precopy r;
    xlkit_precopy_pass p;
    r.call(0, 0, 24576, 10000, &p);
    EXPECT_EQ(p.pass_ms, 0);
    EXPECT_EQ(p.dirty_rate, -1) << "no pass has run yet";
    EXPECT_EQ(p.downtime_ms, -1);
    // The first pass sent 24,576 pages in 2 s and left 1,000 dirty.
    r.call(1, 24576, 1000, 12000, &p);
    EXPECT_EQ(p.pass_ms, 2000);
    EXPECT_EQ(p.dirty_rate, 500) << "1,000 pages dirtied in 2 s";
    EXPECT_EQ(p.downtime_ms, 81) << "1,000 pages at 12,288 pages/s";
    EXPECT_EQ(p.elapsed_ms, 2000);
    // The second sent those 1,000 in 100 ms and left 100.
    r.call(2, 25576, 100, 12100, &p);
    EXPECT_EQ(p.pass_ms, 100);
    EXPECT_EQ(p.dirty_rate, 1000);
    EXPECT_EQ(p.downtime_ms, 10);
    EXPECT_EQ(p.elapsed_ms, 2100);
}

TEST(PrecopyPolicy, ATargetDowntimeStopsOnceThePassesRemainderFitsIt) {
    Precopy r;
    r.policy.max_iterations = 30;
    r.policy.dirty_threshold = 1;
    r.policy.max_downtime_ms = 20;
    EXPECT_FALSE(r.call(0, 0, 24576, 0));
    EXPECT_FALSE(r.call(1, 24576, 1000, 2000)) << "81 ms left: beyond 20";
    EXPECT_TRUE(r.call(2, 25576, 100, 2100)) << "10 ms left: within 20";
}

TEST(PrecopyPolicy, AGuestThatDirtiesFasterThanItIsSentStopsAtTheOtherBounds) {
    Precopy r;
    r.policy.max_iterations = 8;
    r.policy.max_downtime_ms = 5;
    unsigned long written = 0;
    long long t = 0;
    EXPECT_FALSE(r.call(0, written, 24576, t));
    unsigned it = 1;
    for (; it < 8; ++it) {  // 4,000 pages sent per 100 ms, 4,000 dirtied again
        written += 4000;
        t += 100;
        ASSERT_FALSE(r.call(it, written, 4000, t)) << "pass " << it;
    }
    EXPECT_TRUE(r.call(it, written + 4000, 4000, t + 100)) << "max_iterations";
    Precopy q;
    q.policy.max_iterations = 1000;
    q.policy.max_time_ms = 250;
    EXPECT_FALSE(q.call(0, 0, 24576, 0));
    EXPECT_FALSE(q.call(1, 4000, 4000, 100));
    EXPECT_FALSE(q.call(2, 8000, 4000, 200));
    EXPECT_TRUE(q.call(3, 12000, 4000, 300)) << "the precopy's time bound";
}

TEST(PrecopyPolicy, AnUnknownDirtyCountStopsOnlyAtTheCountAndTimeBounds) {
    Precopy r;
    r.policy.max_downtime_ms = 1000000;
    EXPECT_FALSE(r.call(0, 0, -1, 0));
    EXPECT_FALSE(r.call(1, 100, -1, 10)) << "no estimate without a dirty count";
    EXPECT_TRUE(r.call(5, 500, -1, 50));
}

} // namespace
