#include <atomic>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

#include "support/ctx_fixture.hpp"

namespace {

using namespace xlkit;
using namespace xlkit::detail;

struct Im {
    EvImmediate ev;
    std::vector<int> *order;
    int id;
};

void push_id(Egc &, EvImmediate *ev) {
    auto *i = static_cast<Im *>(ev->data);
    i->order->push_back(i->id);
}

using EvImmediateTest = xlkit::testing::CtxTest;

TEST_F(EvImmediateTest, RunsInFifoOrderAtTheEndOfTheEgcNotInsideRegister) {
    std::vector<int> order;
    std::vector<Im> ims(10);
    {
        Egc egc(impl());
        for (int i = 0; i < 10; ++i) {
            ims[i].order = &order;
            ims[i].id = i;
            ims[i].ev.data = &ims[i];
            impl().immediate_register(egc, ims[i].ev, push_id);
        }
        EXPECT_TRUE(order.empty());
    }
    ASSERT_EQ(order.size(), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(order[i], i);
}

TEST_F(EvImmediateTest, DeregisteredImmediateDoesNotRun) {
    std::vector<int> order;
    Im a{{}, &order, 1}, b{{}, &order, 2};
    a.ev.data = &a;
    b.ev.data = &b;
    {
        Egc egc(impl());
        impl().immediate_register(egc, a.ev, push_id);
        impl().immediate_register(egc, b.ev, push_id);
        impl().immediate_deregister(egc, a.ev);
        impl().immediate_deregister(egc, a.ev);
    }
    EXPECT_EQ(order, std::vector<int>{2});
}

TEST_F(EvImmediateTest, ChainedImmediatesAllRunInOneDrain) {
    struct S {
        EvImmediate ev;
        int left = 1000;
    } s;
    s.ev.data = &s;
    {
        Egc egc(impl());
        impl().immediate_register(egc, s.ev, [](Egc &g, EvImmediate *ev) {
            auto *st = static_cast<S *>(ev->data);
            if (--st->left > 0) g.ctx.immediate_register(g, *ev, ev->func());
        });
    }
    EXPECT_EQ(s.left, 0);
}

TEST_F(EvImmediateTest, PostedFromAnotherThreadRunsInTheLoopThread) {
    struct S {
        EvImmediate ev;
        std::atomic<bool> ran{false};
        std::thread::id ran_on;
    } s;
    s.ev.data = &s;
    std::thread poster([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        Egc egc(impl());
        impl().immediate_post(egc, s.ev, [](Egc &, EvImmediate *ev) {
            auto *st = static_cast<S *>(ev->data);
            st->ran_on = std::this_thread::get_id();
            st->ran = true;
        });
    });
    // The loop thread sleeps with no timeout; the post must wake it.
    while (!s.ran) ASSERT_EQ(ctx_->run_once(-1), Error::Success);
    poster.join();
    EXPECT_EQ(s.ran_on, std::this_thread::get_id());
}

} // namespace
