// Closure lifetimes (libnbd's rule): every callable xlkit is given is
// released exactly once, after its last call, whatever happens.
#include <atomic>
#include <gtest/gtest.h>
#include <thread>

#include "support/ctx_fixture.hpp"
#include "support/test_ops.hpp"

namespace {

using namespace xlkit;
using xlkit::testing::timer_op;

struct Counts {
    std::atomic<int> calls{0};
    std::atomic<int> releases{0};
    std::atomic<int> calls_after_release{0};
    Error last = Error::Nonspecific;
};

// A callable that counts its calls and its (final) destruction.
class Counted {
public:
    explicit Counted(Counts *c) : c_(c) {}
    Counted(Counted &&o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
    Counted(const Counted &) = delete;
    ~Counted() {
        if (c_) c_->releases++;
    }
    void operator()(Error e) {
        if (c_->releases) c_->calls_after_release++;
        c_->calls++;
        c_->last = e;
    }

private:
    Counts *c_;
};

using ClosureTest = xlkit::testing::CtxTest;

TEST_F(ClosureTest, CompletionCallbackIsReleasedOnceAfterItsOnlyCall) {
    Counts c;
    ASSERT_EQ(timer_op(*ctx_, 2, Error::Success, Counted(&c)), Error::Success);
    while (c.calls == 0) ASSERT_EQ(ctx_->run_once(1000), Error::Success);
    EXPECT_EQ(c.calls, 1);
    EXPECT_EQ(c.releases, 1);
    EXPECT_EQ(c.calls_after_release, 0);
}

TEST_F(ClosureTest, CallbackOfAFailedInitiationIsReleasedOnceAndNeverCalled) {
    Counts c;
    EXPECT_EQ(timer_op(*ctx_, -1, Error::Success, Counted(&c)), Error::Inval);
    EXPECT_EQ(c.calls, 0);
    EXPECT_EQ(c.releases, 1);
}

TEST_F(ClosureTest, AbortedOperationCallsOnceWithAbortedThenReleases) {
    Counts c;
    std::stop_source src;
    ASSERT_EQ(timer_op(*ctx_, 60000, Error::Success,
                       AoHow::callback(Counted(&c)).abort_on(src.get_token())),
              Error::Success);
    src.request_stop();
    while (c.calls == 0) ASSERT_EQ(ctx_->run_once(1000), Error::Success);
    EXPECT_EQ(c.last, Error::Aborted);
    EXPECT_EQ(c.calls, 1);
    EXPECT_EQ(c.releases, 1);
}

TEST_F(ClosureTest, ContextFreedWithAThousandOperationsInFlightCompletesAndReleasesEach) {
    std::vector<Counts> cs(1000);
    for (auto &c : cs) ASSERT_EQ(timer_op(*ctx_, 60000, Error::Success, Counted(&c)), Error::Success);
    EXPECT_EQ(ao_inflight(*ctx_), 1000u);
    ctx_.reset();  // every op completes (Aborted) before the ctx is gone
    for (auto &c : cs) {
        EXPECT_EQ(c.calls, 1);
        EXPECT_EQ(c.last, Error::Aborted);
        EXPECT_EQ(c.releases, 1);
        EXPECT_EQ(c.calls_after_release, 0);
    }
}

TEST_F(ClosureTest, LargeCallablesThatDoNotFitInlineAreReleasedToo) {
    Counts c;
    struct Big {
        Counted inner;
        char pad[256] = {};
        void operator()(Error e) { inner(e); }
    };
    ASSERT_EQ(timer_op(*ctx_, 0, Error::Success, Big{Counted(&c)}), Error::Success);
    EXPECT_EQ(c.calls, 1);
    EXPECT_EQ(c.releases, 1);
}

TEST(UniqueCallback, MovedFromCallbackReleasesNothing) {
    Counts c;
    {
        UniqueCallback<Error> a{Counted(&c)};
        UniqueCallback<Error> b(std::move(a));
        EXPECT_FALSE(a);
        b(Error::Success);
    }
    EXPECT_EQ(c.calls, 1);
    EXPECT_EQ(c.releases, 1);
}

} // namespace
