#include <gtest/gtest.h>
#include <vector>

#include "support/ctx_fixture.hpp"

namespace {

using namespace xlkit;
using namespace xlkit::detail;

struct Rec {
    std::vector<int> order;
    Error rc = Error::Success;
    bool inside_register = false;
};

struct Tm {
    EvTime ev;
    Rec *rec;
    int id;
};

void record_cb(Egc &, EvTime *ev, Nanos, Error rc) {
    auto *t = static_cast<Tm *>(ev->data);
    EXPECT_FALSE(t->rec->inside_register) << "callback ran from inside register";
    t->rec->order.push_back(t->id);
    t->rec->rc = rc;
}

class EvTimeTest : public xlkit::testing::CtxTest {
protected:
    void arm(Tm &t, Nanos abs) {
        t.ev.data = &t;
        Egc egc(impl());
        t.rec->inside_register = true;
        ASSERT_EQ(impl().time_register_abs(egc, t.ev, record_cb, abs), Error::Success);
        t.rec->inside_register = false;
    }
    void run_until_idle() {
        for (int i = 0; i < 1000 && impl().timers_active(); ++i)
            ASSERT_EQ(ctx_->run_once(100), Error::Success);
    }
};

TEST_F(EvTimeTest, FiresWithTimedoutAfterItsDeadline) {
    Rec r;
    Tm t{{}, &r, 1};
    Nanos start = mono_now();
    arm(t, start + 20'000'000);
    run_until_idle();
    EXPECT_EQ(r.order, std::vector<int>{1});
    EXPECT_EQ(r.rc, Error::Timedout);
    EXPECT_GE(mono_now() - start, 20'000'000);
}

TEST_F(EvTimeTest, EqualDeadlinesFireFirstInFirstOut) {
    Rec r;
    std::vector<Tm> ts(50);
    Nanos d = mono_now() + 5'000'000;
    for (int i = 0; i < 50; ++i) {
        ts[i].rec = &r;
        ts[i].id = i;
        arm(ts[i], d);
    }
    run_until_idle();
    ASSERT_EQ(r.order.size(), 50u);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(r.order[i], i);
}

TEST_F(EvTimeTest, PastDeadlineFiresAtNextDispatchNotInsideRegister) {
    Rec r;
    Tm t{{}, &r, 7};
    arm(t, mono_now() - 1'000'000'000);  // arm() checks not-inside-register
    EXPECT_TRUE(r.order.empty());
    ASSERT_EQ(ctx_->run_once(0), Error::Success);
    EXPECT_EQ(r.order, std::vector<int>{7});
}

TEST_F(EvTimeTest, DeregisterTwiceIsHarmless) {
    Rec r;
    Tm t{{}, &r, 1};
    arm(t, mono_now() + 1'000'000'000);
    {
        Egc egc(impl());
        impl().time_deregister(egc, t.ev);
        impl().time_deregister(egc, t.ev);
    }
    EXPECT_FALSE(t.ev.active());
    ASSERT_EQ(ctx_->run_once(0), Error::Success);
    EXPECT_TRUE(r.order.empty());
}

TEST_F(EvTimeTest, DeregisterNeverRegisteredIsHarmless) {
    EvTime ev;
    Egc egc(impl());
    impl().time_deregister(egc, ev);
    EXPECT_FALSE(ev.active());
}

TEST_F(EvTimeTest, DeregisterFromInsideItsOwnCallbackIsHarmless) {
    struct S {
        EvTime ev;
        int fired = 0;
    } s;
    s.ev.data = &s;
    {
        Egc egc(impl());
        ASSERT_EQ(impl().time_register_rel(egc, s.ev,
                                           [](Egc &g, EvTime *ev, Nanos, Error) {
                                               auto *st = static_cast<S *>(ev->data);
                                               ++st->fired;
                                               g.ctx.time_deregister(g, *ev);
                                               g.ctx.time_deregister(g, *ev);
                                           },
                                           1),
                  Error::Success);
    }
    for (int i = 0; i < 100 && !s.fired; ++i) ASSERT_EQ(ctx_->run_once(50), Error::Success);
    EXPECT_EQ(s.fired, 1);
    EXPECT_FALSE(s.ev.active());
}

TEST_F(EvTimeTest, CallbackDeregisteringADueTimerStopsItFiring) {
    struct S {
        EvTime a, b;
        int a_fired = 0, b_fired = 0;
    } s;
    s.a.data = &s;
    s.b.data = &s;
    Nanos d = mono_now() + 2'000'000;
    {
        Egc egc(impl());
        ASSERT_EQ(impl().time_register_abs(egc, s.a,
                                           [](Egc &g, EvTime *ev, Nanos, Error) {
                                               auto *st = static_cast<S *>(ev->data);
                                               ++st->a_fired;
                                               g.ctx.time_deregister(g, st->b);
                                           },
                                           d),
                  Error::Success);
        ASSERT_EQ(impl().time_register_abs(egc, s.b,
                                           [](Egc &, EvTime *ev, Nanos, Error) {
                                               ++static_cast<S *>(ev->data)->b_fired;
                                           },
                                           d),
                  Error::Success);
    }
    while (s.a_fired == 0) ASSERT_EQ(ctx_->run_once(50), Error::Success);
    EXPECT_EQ(s.b_fired, 0);
    EXPECT_FALSE(s.b.active());
}

struct Rearm {
    EvTime ev;
    int fired = 0;
    static void cb(Egc &egc, EvTime *ev, Nanos, Error) {
        auto *st = static_cast<Rearm *>(ev->data);
        if (++st->fired < 2) {
            ASSERT_EQ(egc.ctx.time_register_abs(egc, *ev, cb, 0), Error::Success);
        }
    }
};

TEST_F(EvTimeTest, RearmingInThePastFromItsCallbackWaitsForTheNextBatch) {
    Rearm s;
    s.ev.data = &s;
    {
        Egc egc(impl());
        ASSERT_EQ(impl().time_register_abs(egc, s.ev, Rearm::cb, 0), Error::Success);
    }
    ASSERT_EQ(ctx_->run_once(0), Error::Success);
    EXPECT_EQ(s.fired, 1) << "a timer re-armed in the past fired twice in one batch";
    ASSERT_EQ(ctx_->run_once(0), Error::Success);
    EXPECT_EQ(s.fired, 2);
    EXPECT_FALSE(s.ev.active());
}

TEST_F(EvTimeTest, RegisteringAnActiveTimerMovesIt) {
    Rec r;
    Tm t{{}, &r, 3};
    arm(t, mono_now() + 10'000'000'000);
    arm(t, mono_now() + 1'000'000);
    EXPECT_EQ(impl().timers_active(), 1u);
    run_until_idle();
    EXPECT_EQ(r.order, std::vector<int>{3});
}

TEST_F(EvTimeTest, NegativeRelativeTimeoutIsRejected) {
    EvTime ev;
    Egc egc(impl());
    EXPECT_EQ(impl().time_register_rel(egc, ev, [](Egc &, EvTime *, Nanos, Error) {}, -5),
              Error::Inval);
    EXPECT_FALSE(ev.active());
}

TEST_F(EvTimeTest, NullCallbackIsRejected) {
    EvTime ev;
    Egc egc(impl());
    EXPECT_EQ(impl().time_register_rel(egc, ev, nullptr, 5), Error::Inval);
    EXPECT_FALSE(ev.active());
}

} // namespace
