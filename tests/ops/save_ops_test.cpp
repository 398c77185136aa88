// domain_suspend (save) on the userspace sim host: the stream around the
// copy, the suspend handshake, progress, abort and the data-phase timeout,
// with a simulated guest and a stand-in helper (tests/ops/data/
// fake-save-helper) in place of xc_domain_save.
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <poll.h>
#include <stop_token>
#include <unistd.h>

#include "ops/save_format.hpp"
#include "support/guest_agent.hpp"
#include "support/modes.hpp"
#include "support/sim_support.hpp"
#include <xlkit.h>
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

TYPED_TEST(SaveOpsTest, AGuestOfferingASuspendChannelIsSuspendedThroughItForTheCopy) {
    std::uint32_t d = this->create("savedchannel");
    GuestAgent agent(this->host_.sim(), d, true, 20000, 5);
    ASSERT_TRUE(agent.ready());
    EXPECT_EQ(TypeParam::run(*this->ctx_,
                             [&](AoHow h) { return domain_suspend(*this->ctx_, d, this->fd_, kSuspendLive, std::move(h)); }),
              Error::Success);
    EXPECT_EQ(this->info(d).shutdown_reason, ShutdownReason::Suspend);
    EXPECT_EQ(agent.channel_requests(), 1);
    EXPECT_EQ(agent.requests(), 0);
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

TEST_F(SaveFailTest, AGuestThatDoesNotAcknowledgeTimesOutAndRunsOn) {
    std::uint32_t d = create("deaf");
    GuestAgent agent(host_.sim(), d, false);  // never acknowledges
    ASSERT_TRUE(agent.ready());
    AoHow how = AoHow::callback([this](Error e) {
        result_ = e;
        finished_ = true;
    });
    ASSERT_EQ(domain_suspend(*ctx_, d, fd_, 0, std::move(how), {}, 0, 300), Error::Success);
    ASSERT_TRUE(drive_until([&] { return finished_; }));
    EXPECT_EQ(result_, Error::GuestTimedout);
    EXPECT_GE(agent.requests(), 1);
    EXPECT_EQ(info(d).state, DomainState::Running);
}

TEST_F(SaveFailTest, ProgressCanBeQueuedAsEventsWithTheCallersCookie) {
    std::uint32_t d = create("evprogress");
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    ASSERT_EQ(domain_suspend(*ctx_, d, fd_, kSuspendLive, AoHow{}, ProgressHow::event(42)), Error::Success);
    std::vector<std::string> stages;
    std::unique_ptr<Event> ev;
    while (ctx_->event_check(&ev, event_mask(EventType::OperationProgress)) == Error::Success) {
        EXPECT_EQ(ev->for_user, 42u);
        stages.push_back(std::get<EventOperationProgress>(ev->u).stage);
    }
    EXPECT_EQ(stages, (std::vector<std::string>{"memory", "memory", "pass 1: 20 pages dirty", "suspend", "memory"}));
}

// LIVE and DEBUG (libxl's flags) reach libxenguest's xc_domain_save: the
// helper's LIVE and DEBUG arguments.
TEST_F(SaveFailTest, TheLiveAndDebugFlagsReachTheCopy) {
    const std::string args = host_.dir() + "/helper-args";
    ASSERT_EQ(setenv("XLKIT_FAKE_SAVE_ARGS", args.c_str(), 1), 0);
    std::uint32_t d = create("flags");
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    for (auto [flags, want] : {std::pair{0, "0 0"}, std::pair{kSuspendLive | kSuspendDebug, "1 1"},
                               std::pair{kSuspendDebug, "0 1"}, std::pair{kSuspendLive, "1 0"}}) {
        ASSERT_EQ(domain_suspend(*ctx_, d, fd_, flags, AoHow{}), Error::Success) << flags;
        std::ifstream in(args);
        std::string verb, io, dom, live, debug;
        in >> verb >> io >> dom >> live >> debug;
        EXPECT_EQ(verb, "save");
        EXPECT_EQ(dom, std::to_string(d));
        EXPECT_EQ(live + " " + debug, want) << "flags " << flags;
        ASSERT_EQ(domain_resume(*ctx_, d, true, AoHow{}), Error::Success);
    }
    unsetenv("XLKIT_FAKE_SAVE_ARGS");
}

// The guest shut down (not suspended) while its memory was being copied:
// the suspend the helper then asks for fails, and the helper is told so, not
// only sent SIGTERM, which a helper not yet blocked reading the answer takes
// without waking (the save then hung until killed).
TEST_F(SaveFailTest, AGuestThatShutDownDuringTheCopyFailsTheSaveWithoutAHang) {
    const std::string go = host_.dir() + "/fake-save-go";
    setenv("XLKIT_FAKE_SAVE", "deaf-wait", 1);
    setenv("XLKIT_FAKE_SAVE_GO", go.c_str(), 1);
    std::uint32_t d = create("gone-down");
    save_async(d, 10000);
    ASSERT_EQ(sim_domain_shutdown(host_.sim(), d, 0 /* poweroff */), 0);
    std::FILE *f = std::fopen(go.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
    EXPECT_TRUE(drive_until([&] { return finished_; })) << "the save hung";
    EXPECT_EQ(result_, Error::Inval);
    unsetenv("XLKIT_FAKE_SAVE_GO");
    (void)std::remove(go.c_str());
}

TEST_F(SaveFailTest, BadRequestsFailAtInitiation) {
    std::uint32_t d = create("bad");
    EXPECT_EQ(domain_suspend(*ctx_, 4242, fd_, 0, AoHow{}), Error::DomainNotfound);
    EXPECT_EQ(domain_suspend(*ctx_, d, -1, 0, AoHow{}), Error::Inval);
    EXPECT_EQ(domain_suspend(*ctx_, d, fd_, 8, AoHow{}), Error::Inval);
    EXPECT_EQ(domain_suspend(*ctx_, 0, fd_, 0, AoHow{}), Error::Inval);
    EXPECT_EQ(domain_suspend(*ctx_, d, fd_, 0, AoHow{}, {}, 0, -1), Error::Inval);
    setenv("XLKIT_SAVE_HELPER", "/nonexistent/helper", 1);
    EXPECT_EQ(domain_suspend(*ctx_, d, fd_, 0, AoHow{}), Error::Inval);
    EXPECT_EQ(slurp_fd(fd_), "") << "nothing written by a failed initiation";
}

// libxl_domain_suspend's C form, as a libxl user ports it: the application
// drives the C ctx's loop itself in callback mode.
class CSave : public SaveFixture, public ::testing::Test {
protected:
    void SetUp() override {
        start();
        setenv("XLKIT_HYPERVISOR", ("sim:" + host_.dir()).c_str(), 1);
        ASSERT_EQ(xlkit_ctx_alloc(&c_, XLKIT_VERSION, 0, nullptr), 0);
    }
    void TearDown() override {
        xlkit_ctx_free(c_);
        unsetenv("XLKIT_HYPERVISOR");
        stop();
    }
    static void done(xlkit_ctx *, int rc, void *user) {
        auto *self = static_cast<CSave *>(user);
        self->rc_ = rc;
        ++self->calls_;
    }
    /* One turn of a plain poll() loop, as tests/capi/embed_poll.c. */
    void iterate() {
        int nfds = int(fds_.size()), timeout = 50;
        int rc = xlkit_osevent_beforepoll(c_, &nfds, fds_.data(), &timeout, timeval{});
        if (rc == XLKIT_ERROR_BUFFERFULL) {
            fds_.resize(std::size_t(nfds) * 2);
            nfds = int(fds_.size());
            rc = xlkit_osevent_beforepoll(c_, &nfds, fds_.data(), &timeout, timeval{});
        }
        ASSERT_EQ(rc, 0);
        if (poll(fds_.data(), nfds_t(nfds), timeout) < 0) return;
        xlkit_osevent_afterpoll(c_, nfds, fds_.data(), timeval{});
    }
    xlkit_ctx *c_ = nullptr;
    std::vector<pollfd> fds_;
    int rc_ = 1;
    int calls_ = 0;
};

TEST_F(CSave, ADomainIsSavedThroughTheCApiWithCallbackOrSynchronously) {
    static_assert(XLKIT_SUSPEND_DEBUG == kSuspendDebug && XLKIT_SUSPEND_LIVE == kSuspendLive);
    const std::string stream =
        sf::stream_header() + sf::record(sf::kRecLibxcContext) + "XCSTREAM" + sf::record(sf::kRecEnd);
    std::uint32_t d = create("csaved");
    {
        GuestAgent agent(host_.sim(), d, true);
        ASSERT_TRUE(agent.ready());
        xlkit_asyncop_how how{};
        how.callback = done;
        how.u.for_callback = this;
        ASSERT_EQ(xlkit_domain_suspend(c_, d, fd_, XLKIT_SUSPEND_LIVE, &how), 0);
        for (int i = 0; i < 400 && calls_ == 0; ++i) iterate();
        EXPECT_EQ(calls_, 1);
        EXPECT_EQ(rc_, 0);
        EXPECT_EQ(slurp_fd(fd_), stream);
        EXPECT_EQ(info(d).shutdown_reason, ShutdownReason::Suspend);
        EXPECT_EQ(xlkit_domain_resume(c_, d, 1, nullptr), 0);
        EXPECT_EQ(info(d).state, DomainState::Running);
    }
    ASSERT_EQ(ftruncate(fd_, 0), 0);
    ASSERT_EQ(lseek(fd_, 0, SEEK_SET), 0);
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    EXPECT_EQ(xlkit_domain_suspend(c_, d, fd_, 0, nullptr), 0);  // synchronous
    EXPECT_EQ(slurp_fd(fd_), stream);
    EXPECT_EQ(info(d).shutdown_reason, ShutdownReason::Suspend);
}

struct CProgress {
    std::vector<std::string> stages;
    std::vector<int> iterations;
    static void progress(xlkit_ctx *ctx, xlkit_event *ev, void *user) {
        auto *p = static_cast<CProgress *>(user);
        if (ev->type == XLKIT_EVENT_TYPE_OPERATION_PROGRESS) {
            p->stages.push_back(ev->u.operation_progress.stage);
            p->iterations.push_back(ev->u.operation_progress.iteration);
        }
        xlkit_event_free(ctx, ev);
    }
};

TEST_F(CSave, TheCApiReportsTheCopysProgressThroughItsAddition) {
    std::uint32_t d = create("cprogress");
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    CProgress p;
    xlkit_asyncprogress_how ph{};
    ph.callback = CProgress::progress;
    ph.for_callback = &p;
    ASSERT_EQ(xlkit_domain_suspend_progress(c_, d, fd_, XLKIT_SUSPEND_LIVE, nullptr, &ph), 0);  // synchronous
    EXPECT_EQ(p.stages, (std::vector<std::string>{"memory", "memory", "pass 1: 20 pages dirty", "suspend", "memory"}));
    EXPECT_EQ(p.iterations, (std::vector<int>{0, 0, 1, 0, 0}));
    EXPECT_EQ(info(d).shutdown_reason, ShutdownReason::Suspend);
    EXPECT_EQ(xlkit_domain_suspend_progress(nullptr, d, fd_, 0, nullptr, &ph), XLKIT_ERROR_INVAL);
}

TEST_F(CSave, BadArgumentsThroughTheCApiFailAndTheGuestRunsOn) {
    std::uint32_t d = create("cbad");
    EXPECT_EQ(xlkit_domain_suspend(c_, d, -1, 0, nullptr), XLKIT_ERROR_INVAL);
    EXPECT_EQ(xlkit_domain_suspend(c_, 4242, fd_, 0, nullptr), XLKIT_ERROR_DOMAIN_NOTFOUND);
    EXPECT_EQ(xlkit_domain_suspend(c_, d, fd_, 8, nullptr), XLKIT_ERROR_INVAL);
    EXPECT_EQ(xlkit_domain_suspend(nullptr, d, fd_, 0, nullptr), XLKIT_ERROR_INVAL);
    xlkit_asyncop_how how{};
    how.callback = done;
    how.u.for_callback = this;
    EXPECT_EQ(xlkit_domain_suspend(c_, d, -1, 0, &how), XLKIT_ERROR_INVAL);
    EXPECT_EQ(calls_, 0) << "no callback when initiation fails";
    EXPECT_EQ(slurp_fd(fd_), "");
    EXPECT_EQ(info(d).state, DomainState::Running);
}

} // namespace
