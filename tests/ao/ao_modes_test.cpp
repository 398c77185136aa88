// One suite, every completion mode: each behaviour of the ao runs in sync,
// callback, future and coroutine mode (and event mode, see ao_event_test).
#include <atomic>
#include <coroutine>
#include <gtest/gtest.h>
#include <thread>

#include "support/ctx_fixture.hpp"
#include "support/modes.hpp"
#include "support/test_ops.hpp"

namespace {

using namespace xlkit;
using namespace xlkit::testing;

// timer_op in TypeParam's mode, abortable through st.
template <class Mode>
Error run_timer(Ctx &ctx, int ms, Error rc, std::stop_token st, bool *before = nullptr) {
    return Mode::run(
        ctx, [&ctx, ms, rc, st](AoHow how) { return timer_op(ctx, ms, rc, std::move(how).abort_on(st)); },
        before);
}

template <class Mode>
class AoModeTest : public xlkit::testing::CtxTest {
protected:
    void TearDown() override {
        EXPECT_EQ(ao_inflight(*ctx_), 0u) << "test leaked an operation";
        xlkit::testing::CtxTest::TearDown();
    }
};

TYPED_TEST_SUITE(AoModeTest, AllModes, ModeNames);

TYPED_TEST(AoModeTest, CompletesWithTheOperationsResult) {
    EXPECT_EQ(run_timer<TypeParam>(*this->ctx_, 5, Error::DomainNotfound, {}), Error::DomainNotfound);
    EXPECT_EQ(run_timer<TypeParam>(*this->ctx_, 5, Error::Success, {}), Error::Success);
}

TYPED_TEST(AoModeTest, OperationCompletingDuringItsInitiationIsDeliveredBeforeTheCallReturns) {
    bool before = false;
    EXPECT_EQ(run_timer<TypeParam>(*this->ctx_, 0, Error::Timedout, {}, &before), Error::Timedout);
    if (!std::is_same_v<TypeParam, SyncMode>) {
        EXPECT_TRUE(before) << "completion not delivered before the initiating call returned";
    }
}

TYPED_TEST(AoModeTest, FailedInitiationIsReportedOnceAndNeverCompletes) {
    EXPECT_EQ(run_timer<TypeParam>(*this->ctx_, -1, Error::Success, {}), Error::Inval);
}

TYPED_TEST(AoModeTest, StopRequestedBeforeStartAbortsTheOperation) {
    std::stop_source src;
    src.request_stop();
    EXPECT_EQ(run_timer<TypeParam>(*this->ctx_, 10000, Error::Success, src.get_token()), Error::Aborted);
}

TYPED_TEST(AoModeTest, StopRequestedWhileWaitingAbortsTheOperation) {
    std::stop_source src;
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        src.request_stop();
    });
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(run_timer<TypeParam>(*this->ctx_, 10000, Error::Success, src.get_token()), Error::Aborted);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    stopper.join();
}

TYPED_TEST(AoModeTest, StopRequestedAfterCompletionChangesNothing) {
    std::stop_source src;
    EXPECT_EQ(run_timer<TypeParam>(*this->ctx_, 1, Error::Success, src.get_token()), Error::Success);
    src.request_stop();
    EXPECT_EQ(ao_inflight(*this->ctx_), 0u);
}

TYPED_TEST(AoModeTest, ManyConcurrentThreadsEachCompleteTheirOwnOperation) {
    std::atomic<int> ok{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 8; ++i)
        ts.emplace_back([&, i] {
            for (int k = 0; k < 20; ++k)
                if (run_timer<TypeParam>(*this->ctx_, 1 + (i + k) % 3, Error::Success, {}) == Error::Success) ++ok;
        });
    for (auto &t : ts) t.join();
    EXPECT_EQ(ok, 160);
}

} // namespace
