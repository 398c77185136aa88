// The sim host: the real xenstored with xlkit's stand-in, driven through the
// real libxenstore, the xlkit-sim-host command and the xlkit-sim CLI.
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <vector>

#include "support/sim_support.hpp"
#include "standin_probe.h"

using namespace simtest;

namespace {

bool dir_exists(const std::string &d) {
    struct stat st;
    return stat(d.c_str(), &st) == 0;
}

// Running and not a zombie.
bool alive(pid_t pid) {
    if (kill(pid, 0) != 0) return false;
    return run("grep -q '^State:[[:space:]]*[ZX]' /proc/" + std::to_string(pid) + "/status").status != 0;
}

// ---- one host shared by the suite ------------------------------------------

class SimHost : public testing::Test {
protected:
    static void SetUpTestSuite() {
        host_ = new Host;
        if (!host_->start("simhost")) {
            delete host_;
            host_ = nullptr;
        }
    }
    static void TearDownTestSuite() {
        delete host_;
        host_ = nullptr;
    }
    void SetUp() override {
        ASSERT_NE(host_, nullptr) << "xlkit-sim-host start failed";
        use_host(host_->dir());
        sim_ = host_->sim();
    }
    // A running simulated domain that xenstored knows about.
    uint32_t introduced_domain(Xs &xs) {
        uint32_t d = SIM_DOMID_ANY;
        EXPECT_EQ(sim_domain_create(sim_, &d, 65536, 1, nullptr, SIM_CREATE_UNPAUSED), 0);
        EXPECT_TRUE(xs_introduce_domain(xs.get(), d, 0, 1)) << std::strerror(errno);
        return d;
    }
    static Host *host_;
    sim_t *sim_ = nullptr;
};

Host *SimHost::host_ = nullptr;

TEST_F(SimHost, StartPrintsTheEnvironmentAClientNeeds) {
    const std::string &out = host_->start_output();
    const std::string &d = host_->dir();
    EXPECT_NE(out.find("export XLKIT_SIM_DIR='" + d + "'\n"), std::string::npos) << out;
    EXPECT_NE(out.find("export XENSTORED_RUNDIR='" + d + "'\n"), std::string::npos) << out;
    EXPECT_NE(out.find("export XENSTORED_PATH='" + d + "/socket'\n"), std::string::npos) << out;
}

TEST_F(SimHost, WrittenValueReadsBack) {
    Xs xs;
    ASSERT_TRUE(xs) << std::strerror(errno);
    ASSERT_TRUE(xs.write("/test/rw", "hello"));
    EXPECT_EQ(xs.read("/test/rw"), "hello");
}

TEST_F(SimHost, ReadOfAMissingPathFailsWithEnoent) {
    Xs xs;
    ASSERT_TRUE(xs);
    errno = 0;
    EXPECT_EQ(xs.read("/test/no/such/node"), std::nullopt);
    EXPECT_EQ(errno, ENOENT);
}

TEST_F(SimHost, PathWatchFiresOnAWriteFromAnotherConnection) {
    Xs watcher, writer;
    ASSERT_TRUE(watcher && writer);
    ASSERT_TRUE(watcher.watch("/test/watched", "w1"));
    ASSERT_TRUE(writer.write("/test/watched/child", "1"));
    auto e = watcher.wait_token("w1", 5000);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->path, "/test/watched/child");
}

TEST_F(SimHost, IntroducingASimulatedDomainFiresIntroduceDomain) {
    Xs watcher, tool;
    ASSERT_TRUE(watcher && tool);
    ASSERT_TRUE(watcher.watch("@introduceDomain", "intro"));
    uint32_t d = introduced_domain(tool);
    auto e = watcher.wait_token("intro", 5000);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->path, "@introduceDomain");
    EXPECT_TRUE(xs_is_domain_introduced(tool.get(), d));
    EXPECT_EQ(sim_domain_destroy(sim_, d), 0);
}

TEST_F(SimHost, IntroducingAnUnknownDomainFails) {
    Xs tool;
    ASSERT_TRUE(tool);
    EXPECT_FALSE(xs_introduce_domain(tool.get(), 4321, 0, 1));
    EXPECT_FALSE(xs_is_domain_introduced(tool.get(), 4321));
    EXPECT_TRUE(tool.write("/test/still-alive", "1")); // the daemon survived
}

TEST_F(SimHost, DyingDomainFiresReleaseDomainWatch) {
    Xs watcher, tool;
    ASSERT_TRUE(watcher && tool);
    uint32_t d = introduced_domain(tool);
    ASSERT_TRUE(watcher.watch("@releaseDomain", "rel"));
    ASSERT_EQ(sim_domain_destroy(sim_, d), 0);
    auto e = watcher.wait_token("rel", 5000);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->path, "@releaseDomain");
    EXPECT_EQ(watcher.count_token("rel", 300), 0); // once, not again when it vanishes
}

TEST_F(SimHost, DomainShutDownByItsGuestFiresReleaseDomainWatch) {
    Xs watcher, tool;
    ASSERT_TRUE(watcher && tool);
    uint32_t d = introduced_domain(tool);
    ASSERT_TRUE(watcher.watch("@releaseDomain", "rel"));
    ASSERT_EQ(sim_domain_shutdown(sim_, d, SIM_SHUTDOWN_POWEROFF), 0);
    ASSERT_TRUE(watcher.wait_token("rel", 5000));
    EXPECT_EQ(watcher.count_token("rel", 300), 0);
    // Destroying it afterwards fires again, as with real Xen.
    ASSERT_EQ(sim_domain_destroy(sim_, d), 0);
    EXPECT_TRUE(watcher.wait_token("rel", 5000));
}

TEST_F(SimHost, CrashedDomainFiresReleaseDomainWatch) {
    Xs watcher, tool;
    ASSERT_TRUE(watcher && tool);
    uint32_t d = introduced_domain(tool);
    ASSERT_TRUE(watcher.watch("@releaseDomain", "rel"));
    ASSERT_EQ(sim_domain_crash(sim_, d), 0);
    EXPECT_TRUE(watcher.wait_token("rel", 5000));
    EXPECT_EQ(sim_domain_destroy(sim_, d), 0);
}

TEST_F(SimHost, PauseDoesNotFireReleaseDomain) {
    Xs watcher, tool;
    ASSERT_TRUE(watcher && tool);
    uint32_t d = introduced_domain(tool);
    ASSERT_TRUE(watcher.watch("@releaseDomain", "rel"));
    ASSERT_EQ(sim_domain_pause(sim_, d), 0);
    EXPECT_EQ(watcher.count_token("rel", 300), 0);
    EXPECT_EQ(sim_domain_destroy(sim_, d), 0);
}

TEST_F(SimHost, DestroyedDomainStaysDyingUntilXenstoredReleasesIt) {
    Xs watcher, tool;
    ASSERT_TRUE(watcher && tool);
    uint32_t d = introduced_domain(tool);
    sim_dominfo i{};
    ASSERT_EQ(sim_domain_getinfo_one(sim_, d, &i), 0);
    EXPECT_EQ(i.refs, 1u); // xenstored maps the guest's ring
    ASSERT_TRUE(watcher.watch("@releaseDomain", "rel"));
    ASSERT_EQ(sim_domain_destroy(sim_, d), 0);
    ASSERT_TRUE(watcher.wait_token("rel", 5000));
    // xenstored unmaps the ring when it releases the domain; then it is gone.
    auto t0 = Clock::now();
    while (sim_domain_getinfo_one(sim_, d, &i) == 0 && ms_since(t0) < 5000) usleep(1000);
    errno = 0;
    EXPECT_EQ(sim_domain_getinfo_one(sim_, d, &i), -1);
    EXPECT_EQ(errno, ESRCH);
}

TEST_F(SimHost, CliDestroyInAnotherProcessFiresReleaseDomain) {
    Xs watcher;
    ASSERT_TRUE(watcher);
    auto c = run(cli_cmd(host_->dir(), "create --introduce"));
    ASSERT_EQ(c.status, 0);
    uint32_t d = uint32_t(std::stoul(c.out));
    ASSERT_TRUE(watcher.watch("@releaseDomain", "rel"));
    ASSERT_EQ(run(cli_cmd(host_->dir(), "destroy " + std::to_string(d))).status, 0);
    EXPECT_TRUE(watcher.wait_token("rel", 5000));
}

TEST_F(SimHost, CliListShowsDomainsInDomidOrder) {
    auto c = run(cli_cmd(host_->dir(), "create --count 3 --paused"));
    ASSERT_EQ(c.status, 0);
    std::vector<uint32_t> made;
    for (size_t p = 0, q; (q = c.out.find('\n', p)) != std::string::npos; p = q + 1)
        made.push_back(uint32_t(std::stoul(c.out.substr(p, q - p))));
    ASSERT_EQ(made.size(), 3u);
    auto l = run(cli_cmd(host_->dir(), "list"));
    ASSERT_EQ(l.status, 0);
    size_t a = l.out.find("\n" + std::to_string(made[0]) + " ");
    size_t b = l.out.find("\n" + std::to_string(made[2]) + " ");
    EXPECT_NE(l.out.find("\n0 "), std::string::npos) << l.out;
    ASSERT_NE(a, std::string::npos) << l.out;
    ASSERT_NE(b, std::string::npos) << l.out;
    EXPECT_LT(a, b);
    EXPECT_NE(l.out.find("paused"), std::string::npos);
    for (uint32_t d : made) EXPECT_EQ(sim_domain_destroy(sim_, d), 0);
}

TEST_F(SimHost, NodeCanBeOwnedByASimulatedDomainOnly) {
    Xs tool;
    ASSERT_TRUE(tool);
    uint32_t d = SIM_DOMID_ANY;
    ASSERT_EQ(sim_domain_create(sim_, &d, 1024, 1, nullptr, 0), 0);
    ASSERT_TRUE(tool.write("/test/owned", ""));
    xs_permissions p[2] = {{d, XS_PERM_NONE}, {0, XS_PERM_READ}};
    EXPECT_TRUE(xs_set_permissions(tool.get(), XBT_NULL, "/test/owned", p, 2)) << std::strerror(errno);
    xs_permissions q[1] = {{4999, XS_PERM_NONE}};
    EXPECT_FALSE(xs_set_permissions(tool.get(), XBT_NULL, "/test/owned", q, 1));
    EXPECT_EQ(sim_domain_destroy(sim_, d), 0);
}

TEST_F(SimHost, StandInGetinfoReportsSimulatedDomainsLikeLibxc) {
    uint32_t a = SIM_DOMID_ANY, b = SIM_DOMID_ANY, c = SIM_DOMID_ANY;
    ASSERT_EQ(sim_domain_create(sim_, &a, 2048, 2, nullptr, 0), 0);
    ASSERT_EQ(sim_domain_create(sim_, &b, 1024, 1, nullptr, SIM_CREATE_UNPAUSED), 0);
    ASSERT_EQ(sim_domain_create(sim_, &c, 1024, 1, nullptr, SIM_CREATE_UNPAUSED), 0);
    ASSERT_EQ(sim_domain_crash(sim_, b), 0);
    ASSERT_EQ(sim_domain_shutdown(sim_, c, SIM_SHUTDOWN_REBOOT), 0);

    standin_info info[3];
    const char *err = nullptr;
    ASSERT_EQ(standin_getinfo(SIM_PRELOAD, a, 3, info, &err), 3) << (err ? err : "");
    EXPECT_EQ(info[0].domid, a);
    EXPECT_TRUE(info[0].paused);
    EXPECT_FALSE(info[0].running);
    EXPECT_EQ(info[0].max_memkb, 2048u);
    EXPECT_EQ(info[0].nr_pages, 512u);
    EXPECT_EQ(info[0].nr_online_vcpus, 2u);
    EXPECT_EQ(info[1].domid, b);
    EXPECT_TRUE(info[1].crashed);
    EXPECT_FALSE(info[1].shutdown); // libxc reports a crash as crashed, not shutdown
    EXPECT_EQ(info[2].domid, c);
    EXPECT_TRUE(info[2].shutdown);
    EXPECT_EQ(info[2].shutdown_reason, unsigned(SIM_SHUTDOWN_REBOOT));
    // A gone domid answers with the next domain, as xc_domain_getinfo does.
    ASSERT_EQ(sim_domain_destroy(sim_, a), 0);
    ASSERT_EQ(standin_getinfo(SIM_PRELOAD, a, 1, info, nullptr), 1);
    EXPECT_EQ(info[0].domid, b);
    EXPECT_EQ(standin_getinfo(SIM_PRELOAD, SIM_DOMID_MAX, 1, info, nullptr), 0);
    EXPECT_EQ(sim_domain_destroy(sim_, b), 0);
    EXPECT_EQ(sim_domain_destroy(sim_, c), 0);
}

TEST_F(SimHost, OneDyingDomainOfAThousandIntroducedFiresReleaseDomainOnce) {
    Xs watcher, tool;
    ASSERT_TRUE(watcher && tool);
    std::vector<uint32_t> doms;
    for (int i = 0; i < 1000; i++) {
        uint32_t d = SIM_DOMID_ANY;
        ASSERT_EQ(sim_domain_create(sim_, &d, 1024, 1, nullptr, SIM_CREATE_UNPAUSED), 0) << i;
        ASSERT_TRUE(xs_introduce_domain(tool.get(), d, 0, 1)) << i << ": " << std::strerror(errno);
        doms.push_back(d);
    }
    ASSERT_TRUE(watcher.watch("@releaseDomain", "rel"));
    ASSERT_EQ(sim_domain_destroy(sim_, doms[500]), 0);
    EXPECT_TRUE(watcher.wait_token("rel", 5000));
    EXPECT_EQ(watcher.count_token("rel", 300), 0);
    for (uint32_t d : doms) sim_domain_destroy(sim_, d);
}

// ---- hosts of their own ----------------------------------------------------------

TEST(SimHostCommand, StopKillsXenstoredAndRemovesTheFolder) {
    Host h;
    ASSERT_TRUE(h.start("simhost-stop"));
    std::string dir = h.dir();
    pid_t pid = h.xenstored_pid();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(h.stop(), 0);
    EXPECT_FALSE(dir_exists(dir));
    EXPECT_FALSE(alive(pid));
}

TEST(SimHostCommand, HostStopsItselfWhenItsOwnerExits) {
    std::string dir = make_temp_dir("simhost-owner");
    int gate[2];
    ASSERT_EQ(pipe2(gate, O_CLOEXEC), 0);
    pid_t owner = fork();
    if (owner == 0) { // exits when the test closes the gate
        close(gate[1]);
        char c;
        (void)!read(gate[0], &c, 1);
        _exit(0);
    }
    close(gate[0]);
    auto r = run(host_cmd("start --owner " + std::to_string(owner) + " '" + dir + "'"));
    close(gate[1]);
    ASSERT_EQ(r.status, 0);
    pid_t pid = read_pid_file(dir + "/xenstored.pid");
    ASSERT_GT(pid, 0);
    int st;
    ASSERT_EQ(waitpid(owner, &st, 0), owner);
    auto t0 = Clock::now();
    while (dir_exists(dir) && ms_since(t0) < 5000) usleep(2000);
    EXPECT_FALSE(dir_exists(dir));
    EXPECT_FALSE(alive(pid));
    if (dir_exists(dir)) run(host_cmd("stop '" + dir + "'"));
}

TEST(SimHostCommand, StatusReportsARunningHost) {
    Host h;
    ASSERT_TRUE(h.start("simhost-status"));
    auto r = run(host_cmd("status '" + h.dir() + "'"));
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("answering"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("domains: 1 "), std::string::npos) << r.out;
}

TEST(SimHostCommand, EnvReprintsTheExports) {
    Host h;
    ASSERT_TRUE(h.start("simhost-env"));
    auto r = run(host_cmd("env '" + h.dir() + "'"));
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, h.start_output());
}

TEST(SimHostCommand, StartWithoutAFolderMakesATemporaryOne) {
    auto r = run(host_cmd("start"));
    ASSERT_EQ(r.status, 0);
    size_t p = r.out.find("XLKIT_SIM_DIR='");
    ASSERT_NE(p, std::string::npos);
    p += std::strlen("XLKIT_SIM_DIR='");
    std::string dir = r.out.substr(p, r.out.find('\'', p) - p);
    EXPECT_TRUE(dir_exists(dir + "/socket"));
    EXPECT_EQ(run(host_cmd("stop '" + dir + "'")).status, 0);
    EXPECT_FALSE(dir_exists(dir));
}

TEST(SimHostCommand, StartRefusesAFolderThatIsInUseOrNotEmpty) {
    Host h;
    ASSERT_TRUE(h.start("simhost-twice"));
    EXPECT_EQ(run(host_cmd("start '" + h.dir() + "' 2>/dev/null")).status, 1);
    std::string other = make_temp_dir("simhost-full");
    ASSERT_EQ(run("touch '" + other + "/precious'").status, 0);
    EXPECT_EQ(run(host_cmd("start '" + other + "' 2>/dev/null")).status, 1);
    EXPECT_TRUE(dir_exists(other + "/precious"));
    EXPECT_NE(run(host_cmd("stop '" + other + "' 2>/dev/null")).status, 0); // not a host
    EXPECT_TRUE(dir_exists(other + "/precious"));
    run("rm -rf '" + other + "'");
}

TEST(SimHostCommand, TwoHostsInSeparateFoldersDoNotShareState) {
    Host h1, h2;
    ASSERT_TRUE(h1.start("simhost-a"));
    ASSERT_TRUE(h2.start("simhost-b"));
    use_host(h1.dir());
    Xs x1;
    use_host(h2.dir());
    Xs x2;
    ASSERT_TRUE(x1 && x2);
    ASSERT_TRUE(x1.write("/test/who", "one"));
    ASSERT_TRUE(x2.write("/test/who", "two"));
    EXPECT_EQ(x1.read("/test/who"), "one");
    EXPECT_EQ(x2.read("/test/who"), "two");
    uint32_t d = SIM_DOMID_ANY;
    ASSERT_EQ(sim_domain_create(h1.sim(), &d, 1024, 1, nullptr, 0), 0);
    sim_dominfo i;
    EXPECT_EQ(sim_domain_getinfo_one(h2.sim(), d, &i), -1);
    EXPECT_TRUE(xs_introduce_domain(x1.get(), d, 0, 1));
    EXPECT_FALSE(xs_introduce_domain(x2.get(), d, 0, 1));
}

TEST(SimHostCommand, KilledXenstoredMakesClientCallsFailInsteadOfHanging) {
    Host h;
    ASSERT_TRUE(h.start("simhost-kill"));
    use_host(h.dir());
    Xs plain, watching;
    ASSERT_TRUE(plain && watching);
    ASSERT_TRUE(plain.write("/test/k", "1"));
    ASSERT_TRUE(watching.watch("/test/k", "k")); // this handle has a reader thread
    pid_t pid = h.xenstored_pid();
    ASSERT_GT(pid, 0);
    ASSERT_EQ(kill(pid, SIGKILL), 0);

    // Wait until the supervisor has reaped it (it then writes xenstored.exit):
    // only then are its sockets closed. /proc/PID/exe goes earlier, when the
    // dying process drops its memory, while its fds are still open.
    auto t0 = Clock::now();
    while (!dir_exists(h.dir() + "/xenstored.exit") && ms_since(t0) < 30000) usleep(1000);
    ASSERT_TRUE(dir_exists(h.dir() + "/xenstored.exit")) << "xenstored was not reaped";
    t0 = Clock::now();
    errno = 0;
    EXPECT_EQ(plain.read("/test/k"), std::nullopt);
    EXPECT_NE(errno, 0);
    EXPECT_FALSE(watching.write("/test/k", "2"));
    EXPECT_EQ(xs_open(0), nullptr);
    EXPECT_LT(ms_since(t0), 2000.0);

    auto st = run(host_cmd("status '" + h.dir() + "'"));
    EXPECT_EQ(st.status, 1) << st.out;
    EXPECT_NE(st.out.find("killed by signal 9"), std::string::npos) << st.out;
    std::string dir = h.dir();
    EXPECT_EQ(h.stop(), 0);
    EXPECT_FALSE(dir_exists(dir));
}

// What a client waiting on xs_fileno() must cope with: libxenstore's reader
// thread sees the connection close but does not wake the watch fd; only the
// next call tells (xs_check_watch then fails with EINVAL).
TEST(SimHostCommand, DeadXenstoredLeavesTheWatchFdSilentAndCheckWatchFails) {
    Host h;
    ASSERT_TRUE(h.start("simhost-wfd"));
    use_host(h.dir());
    Xs watching;
    ASSERT_TRUE(watching);
    ASSERT_TRUE(watching.watch("/test/w", "w"));
    errno = 0;
    EXPECT_EQ(xs_check_watch(watching.get()), nullptr);
    EXPECT_EQ(errno, EAGAIN);
    ASSERT_EQ(kill(h.xenstored_pid(), SIGKILL), 0);
    pollfd p{xs_fileno(watching.get()), POLLIN, 0};
    EXPECT_EQ(poll(&p, 1, 500), 0);
    errno = 0;
    EXPECT_EQ(xs_check_watch(watching.get()), nullptr);
    EXPECT_EQ(errno, EINVAL);
}

} // namespace
