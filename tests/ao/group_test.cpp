// Groups of operations (qemu job transactions).
#include <gtest/gtest.h>
#include <xlkit/group.hpp>

#include "support/ctx_fixture.hpp"
#include "support/test_ops.hpp"

namespace {

using namespace xlkit;
using xlkit::testing::timer_op;

class GroupTest : public xlkit::testing::CtxTest {
protected:
    void TearDown() override {
        EXPECT_EQ(ao_inflight(*ctx_), 0u);
        xlkit::testing::CtxTest::TearDown();
    }
    Error start(Group &g, int ms, Error rc) {
        AoHow h;
        Error e = g.add(&h);
        if (e != Error::Success) return e;
        return timer_op(*ctx_, ms, rc, std::move(h));
    }
};

TEST_F(GroupTest, CompletesWithSuccessOnceAllMembersSucceeded) {
    Group g(*ctx_);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(start(g, 2 + i, Error::Success), Error::Success);
    EXPECT_EQ(g.close(use_sync), Error::Success);
}

TEST_F(GroupTest, StatusIsTheFirstMembersErrorNotACombination) {
    Group g(*ctx_);
    ASSERT_EQ(start(g, 30, Error::Timedout), Error::Success);
    ASSERT_EQ(start(g, 5, Error::DomainNotfound), Error::Success);  // fails first
    ASSERT_EQ(start(g, 1, Error::Success), Error::Success);
    EXPECT_EQ(g.close(use_sync), Error::DomainNotfound);
}

TEST_F(GroupTest, FirstFailureCancelsSiblingsWhichCompleteAborted) {
    Group g(*ctx_, Group::CancelOnFailure);
    ASSERT_EQ(start(g, 5, Error::Fail), Error::Success);
    ASSERT_EQ(start(g, 60000, Error::Success), Error::Success);
    ASSERT_EQ(start(g, 60000, Error::Success), Error::Success);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(g.close(use_sync), Error::Fail);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST_F(GroupTest, AddingAfterCloseIsAnError) {
    Group g(*ctx_);
    ASSERT_EQ(start(g, 1, Error::Success), Error::Success);
    std::future<Error> f = g.close(use_future);
    AoHow late;
    EXPECT_EQ(g.add(&late), Error::Inval);
    while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        ASSERT_EQ(ctx_->run_once(50), Error::Success);
    EXPECT_EQ(f.get(), Error::Success);
}

TEST_F(GroupTest, EmptyGroupCompletesAtClose) {
    Group g(*ctx_);
    bool called = false;
    EXPECT_EQ(g.close([&](Error e) {
        EXPECT_EQ(e, Error::Success);
        called = true;
    }),
              Error::Success);
    EXPECT_TRUE(called);
}

TEST_F(GroupTest, MemberThatFailsToStartIsWithdrawn) {
    Group g(*ctx_);
    EXPECT_EQ(start(g, -1, Error::Success), Error::Inval);  // initiation fails
    ASSERT_EQ(start(g, 2, Error::Success), Error::Success);
    EXPECT_EQ(g.close(use_sync), Error::Success);
}

TEST_F(GroupTest, AbortingTheGroupAbortsItsMembers) {
    Group g(*ctx_);
    ASSERT_EQ(start(g, 60000, Error::Success), Error::Success);
    ASSERT_EQ(start(g, 60000, Error::Success), Error::Success);
    std::stop_source src;
    Error result = Error::Nonspecific;
    bool done = false;
    ASSERT_EQ(g.close(AoHow::callback([&](Error e) {
                          result = e;
                          done = true;
                      }).abort_on(src.get_token())),
              Error::Success);
    src.request_stop();
    while (!done) ASSERT_EQ(ctx_->run_once(50), Error::Success);
    EXPECT_EQ(result, Error::Aborted);
}

TEST_F(GroupTest, GroupDestroyedWithoutCloseLetsMembersFinish) {
    {
        Group g(*ctx_);
        ASSERT_EQ(start(g, 3, Error::Success), Error::Success);
    }
    while (ao_inflight(*ctx_)) ASSERT_EQ(ctx_->run_once(50), Error::Success);
}

} // namespace
