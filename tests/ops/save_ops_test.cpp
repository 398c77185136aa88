// domain_suspend (save) on the userspace sim host: the stream around the
// copy, the suspend handshake, progress, abort and the data-phase timeout,
// with a simulated guest and a stand-in helper (tests/ops/data/
// fake-save-helper) in place of xc_domain_save.
#include <cstdlib>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stop_token>
#include <unistd.h>

#include "ops/save_format.hpp"
#include "support/guest_agent.hpp"
#include "support/modes.hpp"
#include "support/sim_support.hpp"
#include <xlkit/domain.hpp>

namespace {

using namespace xlkit;
using namespace xlkit::testing;
namespace sf = xlkit::detail::save_format;
using simtest::GuestAgent;
using simtest::Host;

std::string slurp_fd(int fd) {
    std::string s;
    char buf[4096];
    (void)lseek(fd, 0, SEEK_SET);
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) s.append(buf, std::size_t(n));
    return s;
}

class SaveFixture {
protected:
    void start() {
        ASSERT_TRUE(host_.start("save"));
        simtest::use_host(host_.dir());
        setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
        CtxOptions o;
        o.hypervisor = "sim:" + host_.dir();
        ASSERT_EQ(Ctx::create(&ctx_, o), Error::Success);
        char name[] = "/tmp/xlkit-save-XXXXXX";
        fd_ = mkstemp(name);
        ASSERT_GE(fd_, 0);
        unlink(name);
    }
    void stop() {
        if (ctx_) {
            EXPECT_EQ(ao_inflight(*ctx_), 0u);
        }
        ctx_.reset();
        (void)host_.stop();
        if (fd_ >= 0) close(fd_);
        unsetenv("XLKIT_SAVE_HELPER");
        unsetenv("XLKIT_FAKE_SAVE");
    }
    std::uint32_t create(const std::string &name) {
        DomainConfig c;
        c.name = name;
        c.kernel = "/bin/sh";
        c.memory = 64;
        std::uint32_t d = 0;
        EXPECT_EQ(domain_create_new(*ctx_, c, false, &d), Error::Success);
        return d;
    }
    DomainInfo info(std::uint32_t d) {
        DomainInfo i;
        EXPECT_EQ(domain_info(*ctx_, d, &i), Error::Success);
        return i;
    }
    ProgressHow record_stages() {
        return ProgressHow::callback(
            [this](const Event &ev) { stages_.push_back(std::get<EventOperationProgress>(ev.u).stage); });
    }
    Host host_;
    std::unique_ptr<Ctx> ctx_;
    int fd_ = -1;
    std::vector<std::string> stages_;
};

template <class Mode>
class SaveOpsTest : public SaveFixture, public ::testing::Test {
protected:
    void SetUp() override { start(); }
    void TearDown() override { stop(); }
};
TYPED_TEST_SUITE(SaveOpsTest, AllModes, ModeNames);

TYPED_TEST(SaveOpsTest, TheCopyIsFramedAsLibxlsStreamAndTheGuestIsLeftSuspended) {
    std::uint32_t d = this->create("saved");
    GuestAgent agent(this->host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    EXPECT_EQ(TypeParam::run(*this->ctx_,
                             [&](AoHow h) {
                                 return domain_suspend(*this->ctx_, d, this->fd_, kSuspendLive, std::move(h),
                                                       this->record_stages());
                             }),
              Error::Success);
    EXPECT_EQ(slurp_fd(this->fd_),
              sf::stream_header() + sf::record(sf::kRecLibxcContext) + "XCSTREAM" + sf::record(sf::kRecEnd));
    DomainInfo i = this->info(d);
    EXPECT_EQ(i.state, DomainState::Shutdown);
    EXPECT_EQ(i.shutdown_reason, ShutdownReason::Suspend);
    EXPECT_EQ(this->stages_, (std::vector<std::string>{"memory", "memory", "pass 1: 20 pages dirty", "suspend",
                                                        "memory"}));
}

class SaveFailTest : public SaveFixture, public ::testing::Test {
protected:
    void SetUp() override { start(); }
    void TearDown() override { stop(); }
    void save_async(std::uint32_t d, int data_timeout_ms) {
        AoHow how = AoHow::callback([this](Error e) {
            result_ = e;
            finished_ = true;
        }).abort_on(stop_.get_token());
        ASSERT_EQ(domain_suspend(*ctx_, d, fd_, 0, std::move(how), {}, data_timeout_ms), Error::Success);
    }
    template <class Pred>
    bool drive_until(Pred p) {
        for (int i = 0; i < 2000 && !p(); ++i) (void)ctx_->run_once(5);
        return p();
    }
    std::stop_source stop_;
    Error result_ = Error::Nonspecific;
    bool finished_ = false;
};

TEST_F(SaveFailTest, AFailedCopyFailsAndTheGuestRunsOn) {
    setenv("XLKIT_FAKE_SAVE", "fail", 1);
    std::uint32_t d = create("failing");
    EXPECT_EQ(domain_suspend(*ctx_, d, fd_, 0, AoHow{}), Error::Fail);
    EXPECT_EQ(info(d).state, DomainState::Running);
}

TEST_F(SaveFailTest, AStalledReaderTimesOut) {
    setenv("XLKIT_FAKE_SAVE", "stall", 1);
    std::uint32_t d = create("stalled");
    save_async(d, 300);
    ASSERT_TRUE(drive_until([&] { return finished_; }));
    EXPECT_EQ(result_, Error::Timedout);
    EXPECT_EQ(info(d).state, DomainState::Running);
}

// libxenguest reports progress every 1024 pages; on a slow host that can
// take longer than the data timeout while the data still moves.
TEST_F(SaveFailTest, DataThatMovesWithoutProgressReportsIsNotAStall) {
    setenv("XLKIT_FAKE_SAVE", "slow", 1);
    std::uint32_t d = create("slow");
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    save_async(d, 1500);  // 3 s of writes 0.1 s apart, no report among them
    ASSERT_TRUE(drive_until([&] { return finished_; }));
    EXPECT_EQ(result_, Error::Success);
    EXPECT_NE(slurp_fd(fd_).find(std::string(30, 'S') + "XCSTREAM"), std::string::npos);
}

TEST_F(SaveFailTest, AbortAfterTheSuspendResumesTheGuest) {
    setenv("XLKIT_FAKE_SAVE", "stall-suspended", 1);
    std::uint32_t d = create("aborted");
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    save_async(d, 10000);
    ASSERT_TRUE(drive_until([&] { return info(d).state == DomainState::Shutdown; }));
    stop_.request_stop();
    ASSERT_TRUE(drive_until([&] { return finished_; }));
    EXPECT_EQ(result_, Error::Aborted);
    EXPECT_EQ(info(d).state, DomainState::Running);
}

TEST_F(SaveFailTest, BadRequestsFailAtInitiation) {
    std::uint32_t d = create("bad");
    EXPECT_EQ(domain_suspend(*ctx_, 4242, fd_, 0, AoHow{}), Error::DomainNotfound);
    EXPECT_EQ(domain_suspend(*ctx_, d, -1, 0, AoHow{}), Error::Inval);
    EXPECT_EQ(domain_suspend(*ctx_, d, fd_, 8, AoHow{}), Error::Inval);
    EXPECT_EQ(domain_suspend(*ctx_, 0, fd_, 0, AoHow{}), Error::Inval);
    setenv("XLKIT_SAVE_HELPER", "/nonexistent/helper", 1);
    EXPECT_EQ(domain_suspend(*ctx_, d, fd_, 0, AoHow{}), Error::Inval);
    EXPECT_EQ(slurp_fd(fd_), "") << "nothing written by a failed initiation";
}

} // namespace
