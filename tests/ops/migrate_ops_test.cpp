// domain_migrate_send and domain_migrate_receive on the userspace sim host:
// both sides in one process, over a socketpair, with the stand-in helper
// (tests/ops/data/fake-save-helper) in place of libxenguest: a migration
// that succeeds, a receiver that fails and closes mid-stream, an abort
// during the precopy, the final copy and the wait for Ready, refused
// requests; and who runs the guest after each.
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <gtest/gtest.h>
#include <stop_token>
#include <string>
#include <vector>
#include <sys/socket.h>
#include <unistd.h>

#include "idl/_types_internal.hpp"
#include "ops/migrate_handshake.hpp"
#include "ops/save_format.hpp"
#include "support/guest_agent.hpp"
#include "support/sim_support.hpp"
#include "support/tiny_elf.hpp"
#include <xlkit/domain.hpp>
#include <xlkit/migrate.hpp>
#include <xlkit.h>

namespace {

using namespace xlkit;
using simtest::GuestAgent;
using simtest::Host;

class MigrateOpsTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(host_.start("migrate"));
        simtest::use_host(host_.dir());
        setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
        CtxOptions o;
        o.hypervisor = "sim:" + host_.dir();
        ASSERT_EQ(Ctx::create(&ctx_, o), Error::Success);
        char d[] = "/tmp/xlkit-migrate.XXXXXX";
        ASSERT_NE(mkdtemp(d), nullptr);
        dir_ = d;
        ASSERT_TRUE(xlkit::testing::write_tiny_elf(dir_ + "/pvh", 16 << 20, 40 << 20, true));
        int sv[2];
        ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        src_fd_ = sv[0];
        dst_fd_ = sv[1];
    }
    void TearDown() override {
        if (c_) xlkit_ctx_free(c_);
        unsetenv("XLKIT_HYPERVISOR");
        if (ctx_) {
            EXPECT_EQ(ao_inflight(*ctx_), 0u);
        }
        ctx_.reset();
        (void)host_.stop();
        if (src_fd_ >= 0) close(src_fd_);
        if (dst_fd_ >= 0) close(dst_fd_);
        (void)std::remove((dir_ + "/pvh").c_str());
        (void)rmdir(dir_.c_str());
        unsetenv("XLKIT_SAVE_HELPER");
        unsetenv("XLKIT_FAKE_SAVE");
        unsetenv("XLKIT_FAKE_RESTORE");
    }
    // The guest's config as a migration carries it: with the guest's uuid
    // (the source is made with it too), by which a receiver on the sender's
    // host tells the sender's domain from another guest of the same name.
    DomainConfig config() {
        DomainConfig c;
        c.name = "guest";
        for (std::size_t i = 0; i < c.uuid.bytes.size(); ++i) c.uuid.bytes[i] = std::uint8_t(0xa0 + i);
        c.type = DomainType::Pvh;
        c.kernel = dir_ + "/pvh";
        c.memory = c.maxmem = 128;
        c.tsc_mode = TscMode::Native;
        c.cpuid = "host,rdtscp=0";
        return c;
    }
    std::uint32_t create_source() {
        std::uint32_t d = 0;
        EXPECT_EQ(domain_create_new(*ctx_, config(), false, &d), Error::Success);
        return d;
    }
    void send_async(std::uint32_t d, const MigratePolicy &p = {}) {
        AoHow how = AoHow::callback([this](Error e) {
            send_rc_ = e;
            sent_ = true;
        }).abort_on(stop_send_.get_token());
        ASSERT_EQ(domain_migrate_send(*ctx_, d, src_fd_, src_fd_, p, std::move(how),
                                      ProgressHow::callback([this](const Event &ev) {
                                          send_events_.push_back(std::get<EventOperationProgress>(ev.u));
                                          send_stages_.push_back(send_events_.back().stage);
                                      })),
                  Error::Success);
    }
    void receive_async(bool close_when_done = false, MigrateReceiveOptions opts = {},
                       std::optional<DomainConfig> cfg = std::nullopt) {
        AoHow how = AoHow::callback([this, close_when_done](Error e) {
            recv_rc_ = e;
            received_ = true;
            if (close_when_done) {  // the receiving side goes away
                close(dst_fd_);
                dst_fd_ = -1;
            }
        });
        ASSERT_EQ(domain_migrate_receive(*ctx_, cfg ? *cfg : config(), opts, &dst_domid_, dst_fd_, dst_fd_,
                                         std::move(how)),
                  Error::Success);
    }
    template <class Pred>
    bool drive_until(Pred p) {
        for (int i = 0; i < 2000 && !p(); ++i) (void)ctx_->run_once(5);
        return p();
    }
    // A C API ctx on the same sim host, as a libxl user makes one (freed
    // in TearDown); nullptr if it cannot be made.
    xlkit_ctx *c_ctx() {
        if (!c_ && setenv("XLKIT_HYPERVISOR", ("sim:" + host_.dir()).c_str(), 1) == 0) {
            EXPECT_EQ(xlkit_ctx_alloc(&c_, XLKIT_VERSION, 0, nullptr), 0);
        }
        return c_;
    }
    // The fixture's C++ ctx and a C ctx c, the latter through the
    // application's poll loop (beforepoll / afterpoll), until p() holds.
    template <class Pred>
    void drive_both(xlkit_ctx *c, Pred p) {
        std::vector<pollfd> fds(64);
        for (int i = 0; i < 2000 && !p(); ++i) {
            (void)ctx_->run_once(0);
            int nfds = int(fds.size()), timeout = 5;
            ASSERT_EQ(xlkit_osevent_beforepoll(c, &nfds, fds.data(), &timeout, timeval{}), 0);
            if (poll(fds.data(), nfds_t(nfds), timeout) >= 0) xlkit_osevent_afterpoll(c, nfds, fds.data(), timeval{});
        }
    }
    std::vector<DomainInfo> called(const std::string &name) {
        std::vector<DomainInfo> l, out;
        EXPECT_EQ(list_domain(*ctx_, &l), Error::Success);
        for (const DomainInfo &i : l)
            if (i.name == name) out.push_back(i);
        return out;
    }
    std::size_t domains() {
        std::vector<DomainInfo> l;
        EXPECT_EQ(list_domain(*ctx_, &l), Error::Success);
        return l.size();
    }
    // Both sides succeeded; the guest is at the receiver in state want
    // (running, or paused when asked), the only one called "guest", and
    // the source is gone (before: the domains before).
    void expect_moved(std::size_t before, DomainState want = DomainState::Running) {
        ASSERT_TRUE(drive_until([&] { return sent_ && received_; }));
        EXPECT_EQ(send_rc_, Error::Success);
        EXPECT_EQ(recv_rc_, Error::Success);
        std::vector<DomainInfo> g = called("guest");
        ASSERT_EQ(g.size(), 1u);
        EXPECT_EQ(g[0].domid, dst_domid_);
        EXPECT_EQ(g[0].state, want) << "its state after the hand-over";
        EXPECT_TRUE(drive_until([&] { return domains() == before; })) << "the source domain is gone";
    }
    // A migration that failed before the hand-over: the receiver's copy is
    // destroyed (the domains are those before), and the only domain called
    // "guest" is the source, src.
    void expect_source_alone(std::uint32_t src, std::size_t before) {
        EXPECT_TRUE(drive_until([&] { return domains() == before; })) << "the receiver's copy is destroyed";
        std::vector<DomainInfo> g = called("guest");
        ASSERT_EQ(g.size(), 1u);
        EXPECT_EQ(g[0].domid, src);
        EXPECT_TRUE(called("guest--incoming").empty());
    }
    DomainState state(std::uint32_t d) {
        DomainInfo i;
        EXPECT_EQ(domain_info(*ctx_, d, &i), Error::Success);
        return i.state;
    }

    Host host_;
    std::unique_ptr<Ctx> ctx_;
    xlkit_ctx *c_ = nullptr;
    std::string dir_;
    int src_fd_ = -1, dst_fd_ = -1;
    std::stop_source stop_send_;
    Error send_rc_ = Error::Nonspecific, recv_rc_ = Error::Nonspecific;
    bool sent_ = false, received_ = false;
    std::uint32_t dst_domid_ = 0;
    std::vector<std::string> send_stages_;
    std::vector<EventOperationProgress> send_events_;
};

TEST_F(MigrateOpsTest, TheGuestEndsUpRunningAtTheReceiverAndTheSourceIsGone) {
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    EXPECT_EQ(domain_migrate_check(*ctx_, src, {}), Error::Success);
    const std::size_t before = domains();
    send_async(src);
    receive_async();
    ASSERT_NO_FATAL_FAILURE(expect_moved(before));
    EXPECT_NE(dst_domid_, src);
    EXPECT_TRUE(called("guest--incoming").empty());
    EXPECT_TRUE(called("guest--migratedaway").empty());
    EXPECT_EQ(send_stages_.back(), "handshake");
}

// xl migrate-receive -p: the hand-over completes, the guest stays paused.
TEST_F(MigrateOpsTest, AReceiverAskedToLeaveTheGuestPausedTakesItOverPaused) {
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    const std::size_t before = domains();
    send_async(src);
    MigrateReceiveOptions opts;
    opts.paused = true;
    receive_async(false, opts);
    ASSERT_NO_FATAL_FAILURE(expect_moved(before, DomainState::Paused));
    EXPECT_TRUE(called("guest--incoming").empty());
    EXPECT_EQ(domain_unpause(*ctx_, dst_domid_), Error::Success);
    EXPECT_EQ(state(dst_domid_), DomainState::Running);
}

TEST_F(MigrateOpsTest, AReceiverThatClosesMidStreamLeavesNothingThereAndTheSourceRunsOn) {
    setenv("XLKIT_FAKE_SAVE", "slow", 1);  // 30 bytes that are not libxenguest's stream
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    const std::size_t before = domains();
    send_async(src);
    receive_async(true);
    ASSERT_TRUE(drive_until([&] { return sent_ && received_; }));
    EXPECT_NE(recv_rc_, Error::Success);
    EXPECT_NE(send_rc_, Error::Success);
    EXPECT_TRUE(called("guest--incoming").empty()) << "nothing left at the receiver";
    EXPECT_EQ(domains(), before);
    std::vector<DomainInfo> g = called("guest");
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0].domid, src);
    EXPECT_EQ(state(src), DomainState::Running);
}

TEST_F(MigrateOpsTest, AbortDuringThePrecopyLeavesTheSourceRunning) {
    setenv("XLKIT_FAKE_SAVE", "stall", 1);  // the helper stops in its first pass
    std::uint32_t src = create_source();
    const std::size_t before = domains();
    send_async(src);
    ASSERT_TRUE(drive_until([&] { return !send_stages_.empty(); }));  // "memory": the copy runs
    stop_send_.request_stop();
    ASSERT_TRUE(drive_until([&] { return sent_; }));
    EXPECT_EQ(send_rc_, Error::Aborted);
    EXPECT_EQ(state(src), DomainState::Running);
    EXPECT_EQ(called("guest").size(), 1u);
    EXPECT_EQ(domains(), before);
}

// The final copy: the guest is suspended and the helper sends the last
// pages (it stalls there). An abort resumes the guest here; the receiver,
// whose stream then ends (the sending process goes away), destroys its copy.
TEST_F(MigrateOpsTest, AbortDuringTheFinalCopyResumesTheSourceAndLeavesNothingAtTheReceiver) {
    setenv("XLKIT_FAKE_SAVE", "stall-suspended", 1);
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    const std::size_t before = domains();
    send_async(src);
    receive_async();
    ASSERT_TRUE(drive_until([&] { return state(src) == DomainState::Shutdown; })) << "suspended for the last copy";
    ASSERT_TRUE(drive_until([&] { return called("guest--incoming").size() == 1; })) << "the receiver's copy is made";
    stop_send_.request_stop();
    ASSERT_TRUE(drive_until([&] { return sent_; }));
    EXPECT_EQ(send_rc_, Error::Aborted);
    EXPECT_EQ(state(src), DomainState::Running) << "resumed";
    close(src_fd_);  // the sending process ends
    src_fd_ = -1;
    ASSERT_TRUE(drive_until([&] { return received_; }));
    EXPECT_NE(recv_rc_, Error::Success);
    expect_source_alone(src, before);
}

// After the stream, before the hand-over: the sender waits for Ready and is
// aborted. It renames the guest back and resumes it; a receiver that reads
// the whole stream after that finds the connection closed (its Ready cannot
// be written, no GO can come) and destroys its copy.
TEST_F(MigrateOpsTest, AbortAfterTheStreamBeforeTheHandOverResumesTheSourceAndLeavesNothingAtTheReceiver) {
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    const std::size_t before = domains();
    send_async(src);
    // The whole stream sits in the socket; no receiver has read it yet.
    ASSERT_TRUE(drive_until([&] { return !send_stages_.empty() && send_stages_.back() == "handshake"; }));
    ASSERT_EQ(called("guest--migratedaway").size(), 1u) << "renamed away once the stream was sent";
    stop_send_.request_stop();
    ASSERT_TRUE(drive_until([&] { return sent_; }));
    EXPECT_EQ(send_rc_, Error::Aborted);
    EXPECT_EQ(state(src), DomainState::Running) << "resumed";
    EXPECT_EQ(called("guest").size(), 1u) << "renamed back";
    EXPECT_TRUE(called("guest--migratedaway").empty());
    close(src_fd_);  // the sending process ends
    src_fd_ = -1;
    receive_async();
    ASSERT_TRUE(drive_until([&] { return received_; }));
    EXPECT_NE(recv_rc_, Error::Success) << "the sender is gone";
    expect_source_alone(src, before);
}

TEST_F(MigrateOpsTest, NoReadyMessageAfterTheStreamResumesTheSource) {
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    send_async(src);
    // The whole stream sits in the socket; the receiver goes away unread.
    ASSERT_TRUE(drive_until([&] { return !send_stages_.empty() && send_stages_.back() == "handshake"; }));
    close(dst_fd_);
    dst_fd_ = -1;
    ASSERT_TRUE(drive_until([&] { return sent_; }));
    EXPECT_EQ(send_rc_, Error::Fail);
    EXPECT_EQ(state(src), DomainState::Running);
    EXPECT_EQ(called("guest").size(), 1u);
    EXPECT_TRUE(called("guest--migratedaway").empty());
}

// The receiver says Ready and goes away: GO cannot be written, so nothing
// was handed over (a receiver runs the guest only after the whole GO) and
// the source runs on under its own name (xl: "state undefined").
TEST_F(MigrateOpsTest, AGoMessageThatCannotBeSentLeavesTheSourceRunning) {
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    send_async(src);
    ASSERT_TRUE(drive_until([&] { return !send_stages_.empty() && send_stages_.back() == "handshake"; }));
    const std::string_view ready = xlkit::detail::migrate::kReady;
    ASSERT_EQ(write(dst_fd_, ready.data(), ready.size()), ssize_t(ready.size()));
    close(dst_fd_);  // unread: the sender's GO meets a closed socket
    dst_fd_ = -1;
    ASSERT_TRUE(drive_until([&] { return sent_; }));
    EXPECT_EQ(send_rc_, Error::Fail);
    EXPECT_EQ(state(src), DomainState::Running) << "resumed";
    EXPECT_EQ(called("guest").size(), 1u) << "renamed back";
    EXPECT_TRUE(called("guest--migratedaway").empty());
}

TEST_F(MigrateOpsTest, ASenderThatGoesAwayBeforeGoLeavesNothingAtTheReceiver) {
    namespace sf = xlkit::detail::save_format;
    const std::size_t before = domains();
    std::string stream = sf::stream_header() + sf::record(sf::kRecLibxcContext) + "XCSTREAM" + sf::record(sf::kRecEnd);
    ASSERT_EQ(write(src_fd_, stream.data(), stream.size()), ssize_t(stream.size()));
    receive_async();
    // The receiver made the domain and said it is ready: then no GO comes.
    std::string ready(xlkit::detail::migrate::kReady.size(), '\0');
    ASSERT_TRUE(drive_until([&] {
        return recv(src_fd_, ready.data(), ready.size(), MSG_DONTWAIT | MSG_PEEK) == ssize_t(ready.size());
    }));
    EXPECT_EQ(ready, std::string(xlkit::detail::migrate::kReady));
    EXPECT_EQ(called("guest--incoming").size(), 1u) << "made, paused, under its temporary name";
    close(src_fd_);
    src_fd_ = -1;
    ASSERT_TRUE(drive_until([&] { return received_; }));
    EXPECT_EQ(recv_rc_, Error::Fail);
    EXPECT_TRUE(drive_until([&] { return domains() == before; })) << "its copy is destroyed";
    EXPECT_TRUE(called("guest--incoming").empty());
}

// The caller's precopy bounds reach the copy (the helper's arguments; the
// decision itself: precopy_policy_test.cpp), and each pass is reported
// with its figures.
TEST_F(MigrateOpsTest, ThePolicysBoundsReachTheCopyAndEachPassIsReportedWithItsFigures) {
    const std::string args = dir_ + "/helper-args";
    ASSERT_EQ(setenv("XLKIT_FAKE_SAVE_ARGS", args.c_str(), 1), 0);
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    MigratePolicy p;
    p.max_iterations = 7;
    p.dirty_threshold = 100;
    p.max_time_ms = 1000;
    p.max_downtime_ms = 30;
    EXPECT_EQ(domain_migrate_check(*ctx_, src, p), Error::Success);
    send_async(src, p);
    receive_async();
    ASSERT_TRUE(drive_until([&] { return sent_ && received_; }));
    unsetenv("XLKIT_FAKE_SAVE_ARGS");
    EXPECT_EQ(send_rc_, Error::Success);
    EXPECT_EQ(recv_rc_, Error::Success);
    std::ifstream in(args);
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_NE(line.find(" 7 100 1000 30"), std::string::npos) << line;
    const EventOperationProgress *pass = nullptr;
    for (const EventOperationProgress &e : send_events_)
        if (e.stage.rfind("pass 1:", 0) == 0) pass = &e;
    ASSERT_NE(pass, nullptr);
    EXPECT_EQ(pass->iteration, 1);
    EXPECT_EQ(pass->dirty_pages, 20);
    EXPECT_EQ(pass->pass_ms, 40);
    EXPECT_EQ(pass->dirty_rate, 500);
    EXPECT_EQ(pass->downtime_ms, 3);
    // Pages sent so far, of at least those and the dirty ones: never past
    // its total (the per-pass "memory" reports count 256 pages).
    EXPECT_EQ(pass->done, 256);
    EXPECT_EQ(pass->total, 276);
    for (const EventOperationProgress &e : send_events_) {
        EXPECT_LE(e.done, e.total) << e.stage;
        if (e.stage.rfind("pass ", 0) != 0) {
            EXPECT_EQ(e.iteration, 0) << e.stage;
        }
    }
}

// With every field 0 the helper gets no bounds: libxenguest's default.
TEST_F(MigrateOpsTest, TheDefaultPolicyPassesNoBoundsToTheCopy) {
    const std::string args = dir_ + "/helper-args";
    ASSERT_EQ(setenv("XLKIT_FAKE_SAVE_ARGS", args.c_str(), 1), 0);
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    send_async(src);
    receive_async();
    ASSERT_TRUE(drive_until([&] { return sent_ && received_; }));
    unsetenv("XLKIT_FAKE_SAVE_ARGS");
    EXPECT_EQ(send_rc_, Error::Success);
    std::ifstream in(args);
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    std::istringstream words(line);
    std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
    EXPECT_EQ(w.size(), 5u) << line;  // save IO_FD DOMID LIVE DEBUG
}

// Without a uuid the receiver cannot tell a sender on this host from another
// guest called NAME before the stream: it renames after GO and before the
// unpause, as xl does, and the migration works the same.
TEST_F(MigrateOpsTest, AReceiverGivenNoUuidRenamesFirstAsXlAndTakesTheGuestOver) {
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    const std::size_t before = domains();
    send_async(src);
    DomainConfig c = config();
    c.uuid = Uuid{};
    receive_async(false, {}, c);
    ASSERT_NO_FATAL_FAILURE(expect_moved(before));
}

// xl finds that NAME is taken at the receiver only after the whole stream
// (and sends the guest back); xlkit before reading anything. A sender on the
// same host is not a clash: its domain has the guest's uuid.
TEST_F(MigrateOpsTest, AReceiverWhoseNameIsAnotherGuestsHereRefusesBeforeReadingAnything) {
    std::uint32_t src = create_source();
    DomainConfig other = config();
    other.name = "taken";
    other.uuid.bytes[0] ^= 0xff;
    std::uint32_t o = 0;
    ASSERT_EQ(domain_create_new(*ctx_, other, false, &o), Error::Success);
    const std::size_t before = domains();
    const char byte = 'x';
    ASSERT_EQ(write(src_fd_, &byte, 1), 1);
    DomainConfig c = config();
    c.name = "taken";
    std::uint32_t d = 0;
    EXPECT_EQ(domain_migrate_receive(*ctx_, c, &d, dst_fd_, dst_fd_, AoHow{}), Error::Inval);
    EXPECT_EQ(domains(), before) << "nothing made";
    char ch;
    EXPECT_EQ(recv(dst_fd_, &ch, 1, MSG_DONTWAIT), 1) << "nothing read";
    EXPECT_EQ(state(src), DomainState::Running);
    EXPECT_EQ(state(o), DomainState::Running);
}

TEST_F(MigrateOpsTest, BadRequestsFailAtInitiationAndSendNothing) {
    std::uint32_t src = create_source();
    EXPECT_EQ(domain_migrate_send(*ctx_, 4242, src_fd_, src_fd_, {}, AoHow{}), Error::DomainNotfound);
    EXPECT_EQ(domain_migrate_send(*ctx_, 0, src_fd_, src_fd_, {}, AoHow{}), Error::Inval);
    EXPECT_EQ(domain_migrate_send(*ctx_, src, -1, src_fd_, {}, AoHow{}), Error::Inval);
    EXPECT_EQ(domain_migrate_send(*ctx_, src, src_fd_, -1, {}, AoHow{}), Error::Inval);
    DomainConfig c = config();
    std::uint32_t d = 0;
    c.name = "guest--incoming";
    EXPECT_EQ(domain_migrate_receive(*ctx_, c, &d, dst_fd_, dst_fd_, AoHow{}), Error::Inval);
    c.name = "";
    EXPECT_EQ(domain_migrate_receive(*ctx_, c, &d, dst_fd_, dst_fd_, AoHow{}), Error::Inval);
    EXPECT_EQ(domain_migrate_receive(*ctx_, config(), &d, dst_fd_, -1, AoHow{}), Error::Inval);
    EXPECT_EQ(state(src), DomainState::Running);
    char ch;
    EXPECT_EQ(recv(dst_fd_, &ch, 1, MSG_DONTWAIT), -1) << "nothing was sent";
}

// A PV guest's live migration needs log-dirty mode, which for PV guests
// needs shadow paging; the sim host, like the box's Xen, has none.
TEST_F(MigrateOpsTest, APvGuestOnAHostWithoutShadowPagingIsRefusedBeforeAnythingIsSent) {
    DomainConfig c;
    c.name = "pvguest";
    c.kernel = "/bin/sh";
    c.memory = 64;
    std::uint32_t d = 0;
    ASSERT_EQ(domain_create_new(*ctx_, c, false, &d), Error::Success);
    EXPECT_EQ(domain_migrate_check(*ctx_, d, {}), Error::Inval);
    EXPECT_EQ(domain_migrate_send(*ctx_, d, src_fd_, src_fd_, {}, AoHow{}), Error::Inval);
    EXPECT_EQ(state(d), DomainState::Running);
    char ch;
    EXPECT_EQ(recv(dst_fd_, &ch, 1, MSG_DONTWAIT), -1) << "nothing was sent";
}

// Non-live needs no log-dirty mode: the same PV guest moves, suspended
// first (no precopy pass reaches the helper's progress).
TEST_F(MigrateOpsTest, APvGuestMovesNonLiveOnAHostWithoutShadowPaging) {
    DomainConfig c;
    c.name = "guest";
    c.kernel = "/bin/sh";
    c.memory = 64;
    std::uint32_t src = 0;
    ASSERT_EQ(domain_create_new(*ctx_, c, false, &src), Error::Success);
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    MigratePolicy p;
    p.non_live = true;
    EXPECT_EQ(domain_migrate_check(*ctx_, src, p), Error::Success);
    const std::size_t before = domains();
    send_async(src, p);
    AoHow how = AoHow::callback([this](Error e) {
        recv_rc_ = e;
        received_ = true;
    });
    ASSERT_EQ(domain_migrate_receive(*ctx_, c, &dst_domid_, dst_fd_, dst_fd_, std::move(how)), Error::Success);
    ASSERT_NO_FATAL_FAILURE(expect_moved(before));
    for (const std::string &s : send_stages_) EXPECT_EQ(s.find("pass "), std::string::npos) << s;
}

TEST_F(MigrateOpsTest, ANonLiveMigrationWithAPrecopyBoundIsRefused) {
    std::uint32_t src = create_source();
    MigratePolicy p;
    p.non_live = true;
    p.max_iterations = 2;
    EXPECT_EQ(domain_migrate_check(*ctx_, src, p), Error::Inval);
    EXPECT_EQ(domain_migrate_send(*ctx_, src, src_fd_, src_fd_, p, AoHow{}), Error::Inval);
    EXPECT_EQ(state(src), DomainState::Running);
}

// The C API: the sender through xlkit_domain_migrate_send with a policy and
// a progress callback, driven by the application's poll loop (beforepoll /
// afterpoll); the receiver through the C++ API on its own ctx.
struct CSend {
    int calls = 0, rc = 1;
    std::vector<xlkit_event_operation_progress> passes;  // the "pass N:" reports (stage not kept)
    static void done(xlkit_ctx *, int rc, void *user) {
        auto *s = static_cast<CSend *>(user);
        s->rc = rc;
        ++s->calls;
    }
    static void progress(xlkit_ctx *ctx, xlkit_event *ev, void *user) {
        auto *s = static_cast<CSend *>(user);
        if (ev->type == XLKIT_EVENT_TYPE_OPERATION_PROGRESS &&
            std::string(ev->u.operation_progress.stage).rfind("pass ", 0) == 0) {
            xlkit_event_operation_progress p = ev->u.operation_progress;
            p.stage = nullptr;
            s->passes.push_back(p);
        }
        xlkit_event_free(ctx, ev);
    }
};

TEST_F(MigrateOpsTest, TheCApiMigratesWithAPolicyAndReportsEachPass) {
    const std::string args = dir_ + "/helper-args";
    ASSERT_EQ(setenv("XLKIT_FAKE_SAVE_ARGS", args.c_str(), 1), 0);
    xlkit_ctx *c = c_ctx();
    ASSERT_NE(c, nullptr);
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    xlkit_migrate_policy policy;
    xlkit_migrate_policy_init(&policy);
    policy.max_iterations = 9;
    policy.max_downtime_ms = 300;
    CSend s;
    xlkit_asyncop_how how{};
    how.callback = CSend::done;
    how.u.for_callback = &s;
    xlkit_asyncprogress_how ph{};
    ph.callback = CSend::progress;
    ph.for_callback = &s;
    ASSERT_EQ(xlkit_domain_migrate_send(c, src, src_fd_, src_fd_, &policy, &how, &ph), 0);
    receive_async();
    drive_both(c, [&] { return s.calls && received_; });
    EXPECT_EQ(s.calls, 1);
    EXPECT_EQ(s.rc, 0);
    EXPECT_EQ(recv_rc_, Error::Success);
    ASSERT_EQ(s.passes.size(), 1u);
    EXPECT_EQ(s.passes[0].iteration, 1);
    EXPECT_EQ(s.passes[0].dirty_pages, 20);
    EXPECT_EQ(s.passes[0].downtime_ms, 3);
    std::ifstream in(args);
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_NE(line.find(" 9 0 0 300"), std::string::npos) << line;
    ASSERT_EQ(called("guest").size(), 1u);
    EXPECT_EQ(called("guest")[0].domid, dst_domid_);
    // Bad arguments fail at initiation, nothing sent, no callback.
    policy.non_live = true;
    std::uint32_t other = 0;
    {
        DomainConfig cfg = config();
        cfg.name = "other";
        ASSERT_EQ(domain_create_new(*ctx_, cfg, false, &other), Error::Success);
    }
    EXPECT_EQ(xlkit_domain_migrate_send(c, other, src_fd_, src_fd_, &policy, &how, nullptr), XLKIT_ERROR_INVAL)
        << "a precopy bound with non_live";
    EXPECT_EQ(xlkit_domain_migrate_send(c, 4242, src_fd_, src_fd_, nullptr, nullptr, nullptr),
              XLKIT_ERROR_DOMAIN_NOTFOUND);
    EXPECT_EQ(xlkit_domain_migrate_send(nullptr, other, src_fd_, src_fd_, nullptr, nullptr, nullptr),
              XLKIT_ERROR_INVAL);
    uint32_t d = 0;
    EXPECT_EQ(xlkit_domain_migrate_receive(c, nullptr, &d, dst_fd_, dst_fd_, nullptr, nullptr, nullptr), XLKIT_ERROR_INVAL);
    EXPECT_EQ(s.calls, 1);
    char ch;
    EXPECT_EQ(recv(dst_fd_, &ch, 1, MSG_DONTWAIT), -1) << "nothing was sent";
    EXPECT_EQ(state(other), DomainState::Running);
    xlkit_migrate_policy_dispose(&policy);
    unsetenv("XLKIT_FAKE_SAVE_ARGS");
}

// The C API's receiver, as an embedder with its own transport calls it,
// with options (migrate_receive_options from the IDL): left paused after
// the hand-over, as xl migrate-receive -p.
TEST_F(MigrateOpsTest, TheCApiReceiverTakesTheGuestOverPausedWhenAsked) {
    xlkit_ctx *c = c_ctx();
    ASSERT_NE(c, nullptr);
    std::uint32_t src = create_source();
    GuestAgent agent(host_.sim(), src, true);
    ASSERT_TRUE(agent.ready());
    xlkit_domain_config cfg;
    xlkit_domain_config_init(&cfg);
    ASSERT_EQ(xlkit::detail::to_c(config(), &cfg), Error::Success);
    xlkit_migrate_receive_options opts;
    xlkit_migrate_receive_options_init(&opts);
    opts.paused = true;
    CSend r;  // its done() is all the receiver needs
    xlkit_asyncop_how how{};
    how.callback = CSend::done;
    how.u.for_callback = &r;
    std::uint32_t got = 0;
    send_async(src);
    ASSERT_EQ(xlkit_domain_migrate_receive(c, &cfg, &got, dst_fd_, dst_fd_, &opts, &how, nullptr), 0);
    drive_both(c, [&] { return r.calls && sent_; });
    EXPECT_EQ(r.calls, 1);
    EXPECT_EQ(r.rc, 0);
    EXPECT_EQ(send_rc_, Error::Success);
    std::vector<DomainInfo> g = called("guest");
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0].domid, got);
    EXPECT_EQ(g[0].state, DomainState::Paused) << "left paused after the hand-over";
    xlkit_migrate_receive_options_dispose(&opts);
    xlkit_domain_config_dispose(&cfg);
}

// The hand-over's messages byte for byte as Xen 4.17's xl sends them
// (tools/xl/xl_migrate.c: sizeof the array, so the NUL goes too).
TEST(MigrateHandshake, MessagesAreXlsBytesWithTheirNul) {
    namespace m = xlkit::detail::migrate;
    using namespace std::string_literals;
    EXPECT_EQ(m::kReady, "domain received, ready to unpause\0"s);
    EXPECT_EQ(m::kReady.size(), 34u);
    EXPECT_EQ(m::kPermissionToGo, "domain is yours, you are cleared to unpause\0"s);
    EXPECT_EQ(m::kPermissionToGo.size(), 44u);
    EXPECT_EQ(m::kReport, "my copy unpause results are as follows\0"s);
    EXPECT_EQ(m::kReport.size(), 39u);
    EXPECT_EQ(m::kIncomingSuffix, "--incoming");
    EXPECT_EQ(m::kMigratedAwaySuffix, "--migratedaway");
}

TEST(MigrateHandshake, TheReportCarriesTheNegatedErrorAsOneByte) {
    namespace m = xlkit::detail::migrate;
    using namespace std::string_literals;
    EXPECT_EQ(m::report_with_status(Error::Success), "my copy unpause results are as follows\0\0"s);
    const std::string fail = m::report_with_status(Error::Fail);
    ASSERT_EQ(fail.size(), 40u);
    EXPECT_EQ(static_cast<unsigned char>(fail.back()), static_cast<unsigned char>(-static_cast<int>(Error::Fail)));
}

TEST(MigrateHandshake, TheStatusByteReadsAsXlsSignedChar) {
    namespace m = xlkit::detail::migrate;
    EXPECT_EQ(m::status_from_byte(0), 0);
    EXPECT_EQ(m::status_from_byte(3), 3);
    EXPECT_EQ(m::status_from_byte(0xff), -1);
    EXPECT_NE(m::status_from_byte(static_cast<std::uint8_t>(m::report_with_status(Error::Fail).back())), 0);
}

} // namespace
