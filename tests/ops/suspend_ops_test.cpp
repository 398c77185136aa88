// domain_suspend_only and domain_resume on the userspace sim host, in every
// completion mode, with a simulated guest that obeys or ignores the request.
#include <gtest/gtest.h>
#include <stop_token>

#include "support/guest_agent.hpp"
#include "support/modes.hpp"
#include "support/sim_support.hpp"
#include <xlkit.h>
#include <xlkit/domain.hpp>

namespace {

using namespace xlkit;
using namespace xlkit::testing;
using simtest::GuestAgent;
using simtest::Host;

class SuspendFixture {
protected:
    void start() {
        ASSERT_TRUE(host_.start("suspend"));
        simtest::use_host(host_.dir());
        CtxOptions o;
        o.hypervisor = "sim:" + host_.dir();
        ASSERT_EQ(Ctx::create(&ctx_, o), Error::Success);
    }
    void stop() {
        if (ctx_) {
            EXPECT_EQ(ao_inflight(*ctx_), 0u);
        }
        ctx_.reset();
        (void)host_.stop();
    }
    std::uint32_t create(const std::string &name) {
        DomainConfig c;
        c.name = name;
        c.kernel = "/bin/sh";  // any readable file: the sim host does not boot it
        c.memory = 64;
        c.vcpus = 1;
        std::uint32_t d = 0;
        EXPECT_EQ(domain_create_new(*ctx_, c, false, &d), Error::Success);
        return d;
    }
    DomainInfo info(std::uint32_t d) {
        DomainInfo i;
        EXPECT_EQ(domain_info(*ctx_, d, &i), Error::Success);
        return i;
    }
    std::optional<std::string> control(std::uint32_t d) {
        simtest::Xs xs;
        return xs.read("/local/domain/" + std::to_string(d) + "/control/shutdown");
    }
    /* Start a suspend in callback mode, abortable through stop_. */
    void suspend_async(std::uint32_t d, int timeout_ms) {
        AoHow how = AoHow::callback([this](Error e) {
            result_ = e;
            finished_ = true;
        }).abort_on(stop_.get_token());
        ASSERT_EQ(domain_suspend_only(*ctx_, d, timeout_ms, std::move(how)), Error::Success);
    }
    template <class Pred>
    bool drive_until(Pred p) {
        for (int i = 0; i < 2000 && !p(); ++i) (void)ctx_->run_once(5);
        return p();
    }
    /* A suspend (callback mode) aborted once asked() holds: how it ended. */
    template <class Pred>
    Error abort_once_asked(std::uint32_t d, Pred asked) {
        suspend_async(d, 10000);
        EXPECT_TRUE(drive_until(asked));
        stop_.request_stop();
        EXPECT_TRUE(drive_until([&] { return finished_; }));
        return result_;
    }
    Host host_;
    std::unique_ptr<Ctx> ctx_;
    std::stop_source stop_;
    Error result_ = Error::Nonspecific;
    bool finished_ = false;
};

template <class Mode>
class SuspendOpsTest : public SuspendFixture, public ::testing::Test {
protected:
    void SetUp() override { start(); }
    void TearDown() override { stop(); }
    Error suspend(std::uint32_t d, int timeout_ms) {
        return Mode::run(*ctx_, [&](AoHow h) { return domain_suspend_only(*ctx_, d, timeout_ms, std::move(h)); });
    }
    // What the guest writes where it offers a suspend event channel.
    void offer(std::uint32_t d, const std::string &value) {
        simtest::Xs xs;
        ASSERT_TRUE(xs.write("/local/domain/" + std::to_string(d) + "/device/suspend/event-channel", value));
    }
};
TYPED_TEST_SUITE(SuspendOpsTest, AllModes, ModeNames);

TYPED_TEST(SuspendOpsTest, ObedientGuestSuspendsAndResumeRunsItAgain) {
    std::uint32_t d = this->create("sleeper");
    GuestAgent agent(this->host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    for (int round = 0; round < 2; ++round) {  // the second: xenstored was told of the resume
        EXPECT_EQ(TypeParam::run(*this->ctx_,
                                 [&](AoHow h) { return domain_suspend_only(*this->ctx_, d, 5000, std::move(h)); }),
                  Error::Success);
        DomainInfo i = this->info(d);
        EXPECT_EQ(i.state, DomainState::Shutdown);
        EXPECT_EQ(i.shutdown_reason, ShutdownReason::Suspend);
        EXPECT_EQ(TypeParam::run(*this->ctx_,
                                 [&](AoHow h) { return domain_resume(*this->ctx_, d, true, std::move(h)); }),
                  Error::Success);
        EXPECT_EQ(this->info(d).state, DomainState::Running);
    }
    EXPECT_EQ(agent.acks(), 2);
}

TYPED_TEST(SuspendOpsTest, GuestIgnoringSuspendTimesOutAndRunsOn) {
    std::uint32_t d = this->create("stubborn");
    GuestAgent agent(this->host_.sim(), d, false);
    ASSERT_TRUE(agent.ready());
    EXPECT_EQ(TypeParam::run(*this->ctx_,
                             [&](AoHow h) { return domain_suspend_only(*this->ctx_, d, 300, std::move(h)); }),
              Error::GuestTimedout);
    EXPECT_EQ(agent.requests(), 1);
    EXPECT_EQ(this->control(d), std::optional<std::string>(""));  // withdrawn
    EXPECT_EQ(this->info(d).state, DomainState::Running);
}

TYPED_TEST(SuspendOpsTest, AnAlreadySuspendedDomainCompletesAtOnce) {
    std::uint32_t d = this->create("suspended");
    ASSERT_EQ(sim_domain_shutdown(this->host_.sim(), d, SIM_SHUTDOWN_SUSPEND), 0);
    EXPECT_EQ(TypeParam::run(*this->ctx_,
                             [&](AoHow h) { return domain_suspend_only(*this->ctx_, d, 300, std::move(h)); }),
              Error::Success);
    EXPECT_EQ(this->control(d), std::optional<std::string>(""));  // nothing asked of the guest
}

TYPED_TEST(SuspendOpsTest, BadRequestsFailAtInitiation) {
    std::uint32_t d = this->create("running");
    auto suspend = [&](std::uint32_t dom, int t) {
        return TypeParam::run(*this->ctx_, [&](AoHow h) { return domain_suspend_only(*this->ctx_, dom, t, std::move(h)); });
    };
    auto resume = [&](std::uint32_t dom, bool fast) {
        return TypeParam::run(*this->ctx_, [&](AoHow h) { return domain_resume(*this->ctx_, dom, fast, std::move(h)); });
    };
    EXPECT_EQ(suspend(4242, 0), Error::DomainNotfound);
    EXPECT_EQ(resume(4242, true), Error::DomainNotfound);
    EXPECT_EQ(suspend(0, 0), Error::Inval);
    EXPECT_EQ(suspend(d, -1), Error::Inval);
    EXPECT_EQ(resume(d, true), Error::Inval);   // not suspended
    EXPECT_EQ(resume(d, false), Error::Inval);  // the slow resume
    ASSERT_EQ(sim_domain_shutdown(this->host_.sim(), d, SIM_SHUTDOWN_POWEROFF), 0);
    EXPECT_EQ(suspend(d, 0), Error::Inval);     // shut down otherwise
    EXPECT_EQ(resume(d, true), Error::Inval);
}

TYPED_TEST(SuspendOpsTest, GuestOfferingASuspendChannelIsAskedThroughItNotTheControlNode) {
    std::uint32_t d = this->create("channel");
    GuestAgent agent(this->host_.sim(), d, true, 20000, 7);
    ASSERT_TRUE(agent.ready());
    for (int round = 0; round < 2; ++round) {  // the second binds again: the first released the channel
        EXPECT_EQ(TypeParam::run(*this->ctx_,
                                 [&](AoHow h) { return domain_suspend_only(*this->ctx_, d, 5000, std::move(h)); }),
                  Error::Success);
        EXPECT_EQ(this->info(d).shutdown_reason, ShutdownReason::Suspend);
        EXPECT_EQ(TypeParam::run(*this->ctx_,
                                 [&](AoHow h) { return domain_resume(*this->ctx_, d, true, std::move(h)); }),
                  Error::Success);
    }
    EXPECT_EQ(agent.channel_requests(), 2);
    EXPECT_EQ(agent.requests(), 0);
    EXPECT_EQ(this->control(d), std::optional<std::string>(""));  // never written
}

TYPED_TEST(SuspendOpsTest, GuestIgnoringItsSuspendChannelTimesOutRunsOnAndReleasesIt) {
    std::uint32_t d = this->create("deafchannel");
    GuestAgent agent(this->host_.sim(), d, false, 20000, 7);
    ASSERT_TRUE(agent.ready());
    for (int round = 0; round < 2; ++round) EXPECT_EQ(this->suspend(d, 300), Error::GuestTimedout);
    EXPECT_EQ(agent.channel_requests(), 2);
    EXPECT_EQ(this->info(d).state, DomainState::Running);
}

TYPED_TEST(SuspendOpsTest, AChannelNodeThatIsNotAPortIsAskedThroughTheControlNode) {
    std::uint32_t d = this->create("badchannel");
    GuestAgent agent(this->host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    this->offer(d, "7; rm -rf /");
    EXPECT_EQ(this->suspend(d, 5000), Error::Success);
    EXPECT_EQ(agent.requests(), 1);
}

TYPED_TEST(SuspendOpsTest, APortTheGuestDoesNotOfferFailsAndAsksNothing) {
    std::uint32_t d = this->create("noport");
    GuestAgent agent(this->host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    this->offer(d, "99");
    EXPECT_EQ(this->suspend(d, 5000), Error::Fail);
    EXPECT_EQ(agent.requests(), 0);
    EXPECT_EQ(this->control(d), std::optional<std::string>(""));
    EXPECT_EQ(this->info(d).state, DomainState::Running);
}

class SuspendAbortTest : public SuspendFixture, public ::testing::Test {
protected:
    void SetUp() override { start(); }
    void TearDown() override { stop(); }
};

TEST_F(SuspendAbortTest, AbortBeforeTheAcknowledgementWithdrawsTheRequest) {
    std::uint32_t d = create("abort1");
    GuestAgent agent(host_.sim(), d, false);
    ASSERT_TRUE(agent.ready());
    EXPECT_EQ(abort_once_asked(d, [&] { return agent.requests() == 1; }), Error::Aborted);
    EXPECT_EQ(control(d), std::optional<std::string>(""));
    EXPECT_EQ(info(d).state, DomainState::Running);
}

TEST_F(SuspendAbortTest, AbortAfterTheAcknowledgementResumesTheGuest) {
    std::uint32_t d = create("abort2");
    GuestAgent agent(host_.sim(), d, true, 300000);  // suspends 0.3 s after its ack
    ASSERT_TRUE(agent.ready());
    EXPECT_EQ(abort_once_asked(d, [&] { return agent.acks() == 1; }), Error::Aborted);
    EXPECT_EQ(info(d).state, DomainState::Running);  // suspended, then resumed
}

TEST_F(SuspendAbortTest, AbortWhileTheGuestSuspendsThroughItsChannelResumesIt) {
    std::uint32_t d = create("abortchannel");
    GuestAgent agent(host_.sim(), d, true, 300000, 9);  // suspends 0.3 s after the notification
    ASSERT_TRUE(agent.ready());
    EXPECT_EQ(abort_once_asked(d, [&] { return agent.channel_requests() == 1; }), Error::Aborted);
    EXPECT_EQ(info(d).state, DomainState::Running);  // suspended, then resumed
}

TEST_F(SuspendAbortTest, AGuestDestroyedWhileAskedThroughItsChannelEndsTheWaitAtOnce) {
    std::uint32_t d = create("gonechannel");
    GuestAgent agent(host_.sim(), d, false, 20000, 7);
    ASSERT_TRUE(agent.ready());
    suspend_async(d, 60000);
    ASSERT_TRUE(drive_until([&] { return agent.channel_requests() == 1; }));
    ASSERT_EQ(sim_domain_destroy(host_.sim(), d), 0);
    // drive_until gives up after 2000 turns of at most 5 ms: well before the 60 s timeout
    ASSERT_TRUE(drive_until([&] { return finished_; }));
    EXPECT_EQ(result_, Error::Fail);
}

TEST_F(SuspendAbortTest, TheChannelAloneEndsTheWaitWhenTheReleaseEventIsLost) {
    std::uint32_t d = create("channelonly");
    GuestAgent agent(host_.sim(), d, true, 20000, 7);
    ASSERT_TRUE(agent.ready());
    // A ctx whose second watch event is lost: after the @releaseDomain
    // watch's registration, the one the suspension fires. Only the channel
    // (signalled by the hypervisor when the domain suspends) is left.
    std::unique_ptr<Ctx> lossy;
    CtxOptions o;
    o.hypervisor = "sim:" + host_.dir();
    o.filters = "fault=watch:drop:2";
    ASSERT_EQ(Ctx::create(&lossy, o), Error::Success);
    EXPECT_EQ(domain_suspend_only(*lossy, d, 3000, AoHow{}), Error::Success);
    EXPECT_EQ(agent.channel_requests(), 1);
    EXPECT_EQ(info(d).shutdown_reason, ShutdownReason::Suspend);
}

TEST_F(SuspendAbortTest, CreateLetsTheGuestOfferASuspendChannel) {
    std::uint32_t d = create("offers");
    std::string node = "/local/domain/" + std::to_string(d) + "/device/suspend/event-channel";
    simtest::Xs xs;
    EXPECT_EQ(xs.read(node), std::optional<std::string>(""));
    EXPECT_EQ(xs.perms(node), "n0,b" + std::to_string(d));  // the guest reads and writes it, as under libxl
}

TEST_F(SuspendAbortTest, CApiSuspendsAndResumesWithLibxlsNames) {
    std::uint32_t d = create("c");
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    setenv("XLKIT_HYPERVISOR", ("sim:" + host_.dir()).c_str(), 1);
    xlkit_ctx *c = nullptr;
    ASSERT_EQ(xlkit_ctx_alloc(&c, XLKIT_VERSION, 0, nullptr), 0);
    EXPECT_EQ(xlkit_domain_suspend_only(c, d, nullptr), 0);
    EXPECT_EQ(info(d).shutdown_reason, ShutdownReason::Suspend);
    EXPECT_EQ(xlkit_domain_resume(c, d, 0, nullptr), XLKIT_ERROR_INVAL);
    EXPECT_EQ(xlkit_domain_resume(c, d, 1, nullptr), 0);
    EXPECT_EQ(info(d).state, DomainState::Running);
    EXPECT_EQ(xlkit_domain_resume(nullptr, d, 1, nullptr), XLKIT_ERROR_INVAL);
    xlkit_ctx_free(c);
    unsetenv("XLKIT_HYPERVISOR");
}

} // namespace
