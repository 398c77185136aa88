// The application's event queue: check/wait with masks and predicates,
// routing to event_occurs.
#include <gtest/gtest.h>
#include <thread>

#include "support/ctx_fixture.hpp"

namespace {

using namespace xlkit;
using namespace xlkit::detail;

std::unique_ptr<Event> make(EventType t, std::uint64_t cookie) {
    auto ev = std::make_unique<Event>();
    EXPECT_EQ(ev->set_type(t), Error::Success);
    ev->for_user = cookie;
    return ev;
}

class EventQueueTest : public xlkit::testing::CtxTest {
protected:
    void post(EventType t, std::uint64_t cookie) {
        Egc egc(impl());
        impl().event_occurred(egc, make(t, cookie));
    }
};

TEST_F(EventQueueTest, CheckOnAnEmptyQueueIsNotReady) {
    std::unique_ptr<Event> ev;
    EXPECT_EQ(ctx_->event_check(&ev), Error::NotReady);
    EXPECT_FALSE(ev);
}

TEST_F(EventQueueTest, CheckWithNullOutputIsInval) { EXPECT_EQ(ctx_->event_check(nullptr), Error::Inval); }

TEST_F(EventQueueTest, CheckHonoursTheTypeMask) {
    post(EventType::DomainDeath, 1);
    post(EventType::DomainShutdown, 2);
    std::unique_ptr<Event> ev;
    ASSERT_EQ(ctx_->event_check(&ev, event_mask(EventType::DomainShutdown)), Error::Success);
    EXPECT_EQ(ev->for_user, 2u);
    EXPECT_EQ(ctx_->event_check(&ev, event_mask(EventType::DomainShutdown)), Error::NotReady);
    ASSERT_EQ(ctx_->event_check(&ev), Error::Success);
    EXPECT_EQ(ev->for_user, 1u);
}

TEST_F(EventQueueTest, CheckHonoursThePredicateAndKeepsOrder) {
    for (std::uint64_t i = 0; i < 10; ++i) post(EventType::DomainDeath, i);
    auto odd = [](const Event &e, void *) { return e.for_user % 2 == 1; };
    std::unique_ptr<Event> ev;
    for (std::uint64_t want = 1; want < 10; want += 2) {
        ASSERT_EQ(ctx_->event_check(&ev, kEventMaskAll, odd, nullptr), Error::Success);
        EXPECT_EQ(ev->for_user, want);
    }
    EXPECT_EQ(ctx_->event_check(&ev, kEventMaskAll, odd, nullptr), Error::NotReady);
    EXPECT_EQ(impl().events_queued(), 5u);
}

TEST_F(EventQueueTest, WaitReturnsAnEventQueuedFromAnotherThread) {
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        post(EventType::DiskEject, 9);
    });
    std::unique_ptr<Event> ev;
    ASSERT_EQ(ctx_->event_wait(&ev, kEventMaskAll, nullptr, nullptr, 5000), Error::Success);
    EXPECT_EQ(ev->for_user, 9u);
    t.join();
}

TEST_F(EventQueueTest, WaitTimesOutWithTimedout) {
    std::unique_ptr<Event> ev;
    EXPECT_EQ(ctx_->event_wait(&ev, kEventMaskAll, nullptr, nullptr, 20), Error::Timedout);
}

struct Got {
    std::vector<std::uint64_t> cookies;
    CtxImpl *ctx;
    bool lock_free = true;
};

TEST_F(EventQueueTest, TypesInTheCallbackMaskGoToTheCallbackAfterUnlock) {
    static Got got;
    got = Got{};
    got.ctx = &impl();
    ctx_->register_event_callbacks(
        event_mask(EventType::DomainDeath),
        [](void *user, std::unique_ptr<Event> ev) {
            auto *g = static_cast<Got *>(user);
            g->cookies.push_back(ev->for_user);
            g->lock_free &= !g->ctx->locked_by_me();
        },
        nullptr, &got);
    post(EventType::DomainDeath, 1);
    post(EventType::DomainShutdown, 2);
    EXPECT_EQ(got.cookies, std::vector<std::uint64_t>{1});
    EXPECT_TRUE(got.lock_free);
    std::unique_ptr<Event> ev;
    ASSERT_EQ(ctx_->event_check(&ev), Error::Success);
    EXPECT_EQ(ev->for_user, 2u);
    ctx_->register_event_callbacks(0, nullptr, nullptr, nullptr);
}

TEST_F(EventQueueTest, ContextFreedWithQueuedEventsLeaksNothing) {
    for (int i = 0; i < 100; ++i) post(EventType::DomainDeath, i);
    ctx_.reset();  // ASan's leak check is the assertion
}

} // namespace
