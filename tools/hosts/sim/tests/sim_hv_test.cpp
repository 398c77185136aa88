// The simulated hypervisor's shared state on its own (no xenstored).
#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "support/sim_support.hpp"

using namespace simtest;

namespace {

class SimState : public testing::Test {
protected:
    void SetUp() override {
        dir_ = make_temp_dir("simstate");
        ASSERT_FALSE(dir_.empty());
        sim_ = sim_open(dir_.c_str(), SIM_OPEN_CREATE);
        ASSERT_NE(sim_, nullptr) << std::strerror(errno);
    }
    void TearDown() override {
        sim_close(sim_);
        run("rm -rf '" + dir_ + "'");
    }
    uint32_t create(unsigned flags = SIM_CREATE_UNPAUSED, uint64_t memkb = 1024) {
        uint32_t d = SIM_DOMID_ANY;
        EXPECT_EQ(sim_domain_create(sim_, &d, memkb, 1, nullptr, flags), 0) << std::strerror(errno);
        return d;
    }
    sim_dominfo info(uint32_t domid) {
        sim_dominfo i{};
        EXPECT_EQ(sim_domain_getinfo_one(sim_, domid, &i), 0) << domid;
        return i;
    }
    bool exists(uint32_t domid) {
        sim_dominfo i;
        return sim_domain_getinfo_one(sim_, domid, &i) == 0;
    }
    // Runs f in a child process; returns its exit status.
    template <class F> int in_child(F f) {
        pid_t pid = fork();
        if (pid == 0) _exit(f());
        int st = 0;
        waitpid(pid, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }

    std::string dir_;
    sim_t *sim_ = nullptr;
};

#define EXPECT_FAILS_WITH(call, err)                                                           \
    do {                                                                                       \
        errno = 0;                                                                             \
        EXPECT_EQ((call), -1);                                                                 \
        EXPECT_EQ(errno, (err)) << std::strerror(errno);                                       \
    } while (0)

TEST_F(SimState, Dom0ExistsFromCreation) {
    sim_dominfo i = info(0);
    EXPECT_EQ(i.domid, 0u);
    EXPECT_TRUE(i.flags & SIM_DOMF_RUNNING);
    EXPECT_GT(i.max_memkb, 0u);
    sim_hostinfo h{};
    ASSERT_EQ(sim_hostinfo_get(sim_, &h), 0);
    EXPECT_EQ(h.nr_domains, 1u);
}

TEST_F(SimState, CreateTwiceFailsWithEexist) {
    errno = 0;
    EXPECT_EQ(sim_open(dir_.c_str(), SIM_OPEN_CREATE), nullptr);
    EXPECT_EQ(errno, EEXIST);
}

TEST_F(SimState, OpenOfAFolderWithoutStateFailsWithEnoent) {
    errno = 0;
    EXPECT_EQ(sim_open("/nonexistent-xlkit-sim", 0), nullptr);
    EXPECT_EQ(errno, ENOENT);
}

TEST_F(SimState, OpenOfAForeignFileFailsWithEproto) {
    std::string other = make_temp_dir("simstate-foreign");
    ASSERT_EQ(run("echo hello > '" + other + "/hypervisor'").status, 0);
    errno = 0;
    EXPECT_EQ(sim_open(other.c_str(), 0), nullptr);
    EXPECT_EQ(errno, EPROTO);
    run("rm -rf '" + other + "'");
}

TEST_F(SimState, NewDomainStartsPausedLikeXen) {
    uint32_t d = create(0);
    sim_dominfo i = info(d);
    EXPECT_TRUE(i.flags & SIM_DOMF_PAUSED);
    EXPECT_FALSE(i.flags & SIM_DOMF_RUNNING);
    ASSERT_EQ(sim_domain_unpause(sim_, d), 0);
    i = info(d);
    EXPECT_TRUE(i.flags & SIM_DOMF_RUNNING);
    EXPECT_FALSE(i.flags & SIM_DOMF_PAUSED);
}

TEST_F(SimState, PauseNestsAndUnpauseOfARunningDomainFails) {
    uint32_t d = create();
    EXPECT_FAILS_WITH(sim_domain_unpause(sim_, d), EINVAL);
    ASSERT_EQ(sim_domain_pause(sim_, d), 0);
    ASSERT_EQ(sim_domain_pause(sim_, d), 0);
    ASSERT_EQ(sim_domain_unpause(sim_, d), 0);
    EXPECT_TRUE(info(d).flags & SIM_DOMF_PAUSED);
    ASSERT_EQ(sim_domain_unpause(sim_, d), 0);
    EXPECT_TRUE(info(d).flags & SIM_DOMF_RUNNING);
}

TEST_F(SimState, DomidsComeFromARoverSoAFreedDomidIsNotReusedAtOnce) {
    uint32_t a = create(), b = create();
    EXPECT_EQ(a, 1u);
    EXPECT_EQ(b, 2u);
    ASSERT_EQ(sim_domain_destroy(sim_, a), 0);
    EXPECT_EQ(create(), 3u);
}

TEST_F(SimState, ReusedDomidGetsANewerGeneration) {
    uint32_t d = 7;
    ASSERT_EQ(sim_domain_create(sim_, &d, 1024, 1, nullptr, 0), 0);
    uint64_t g1 = info(7).generation;
    ASSERT_EQ(sim_domain_destroy(sim_, 7), 0);
    ASSERT_EQ(sim_domain_create(sim_, &d, 1024, 1, nullptr, 0), 0);
    EXPECT_EQ(d, 7u);
    EXPECT_GT(info(7).generation, g1);
}

TEST_F(SimState, WantedDomidInUseFailsWithEexist) {
    uint32_t d = 5;
    ASSERT_EQ(sim_domain_create(sim_, &d, 1024, 1, nullptr, 0), 0);
    EXPECT_FAILS_WITH(sim_domain_create(sim_, &d, 1024, 1, nullptr, 0), EEXIST);
}

TEST_F(SimState, GivenUuidIsKeptAndOtherwiseOneIsMadeUp) {
    std::array<uint8_t, 16> u{};
    for (unsigned i = 0; i < 16; i++) u[i] = uint8_t(i + 1);
    uint32_t d = SIM_DOMID_ANY;
    ASSERT_EQ(sim_domain_create(sim_, &d, 1024, 2, u.data(), 0), 0);
    sim_dominfo i = info(d);
    EXPECT_EQ(std::memcmp(i.uuid, u.data(), 16), 0);
    EXPECT_EQ(i.vcpus, 2u);
    sim_dominfo j = info(create());
    EXPECT_NE(std::memcmp(j.uuid, std::array<uint8_t, 16>{}.data(), 16), 0);
    EXPECT_EQ(j.uuid[6] >> 4, 4); // version 4
}

TEST_F(SimState, UnknownDomidGivesEsrch) {
    EXPECT_FAILS_WITH(sim_domain_pause(sim_, 42), ESRCH);
    EXPECT_FAILS_WITH(sim_domain_shutdown(sim_, 42, SIM_SHUTDOWN_POWEROFF), ESRCH);
    EXPECT_FAILS_WITH(sim_domain_destroy(sim_, 42), ESRCH);
    EXPECT_FAILS_WITH(sim_domain_ref(sim_, 42), ESRCH);
    EXPECT_FAILS_WITH(sim_domain_set_memory(sim_, 42, 1, 1), ESRCH);
    sim_dominfo i;
    EXPECT_FAILS_WITH(sim_domain_getinfo_one(sim_, 42, &i), ESRCH);
    EXPECT_FAILS_WITH(sim_domain_getinfo_one(sim_, 1u << 20, &i), ESRCH);
}

TEST_F(SimState, Dom0CannotBePausedShutDownOrDestroyed) {
    EXPECT_FAILS_WITH(sim_domain_pause(sim_, 0), EPERM);
    EXPECT_FAILS_WITH(sim_domain_shutdown(sim_, 0, SIM_SHUTDOWN_POWEROFF), EPERM);
    EXPECT_FAILS_WITH(sim_domain_destroy(sim_, 0), EPERM);
    EXPECT_TRUE(exists(0));
}

TEST_F(SimState, BadArgumentsGiveEinval) {
    uint32_t d = SIM_DOMID_ANY;
    EXPECT_FAILS_WITH(sim_domain_create(sim_, &d, 0, 1, nullptr, 0), EINVAL);
    EXPECT_FAILS_WITH(sim_domain_create(sim_, &d, 1024, 0, nullptr, 0), EINVAL);
    EXPECT_FAILS_WITH(sim_domain_create(sim_, nullptr, 1024, 1, nullptr, 0), EINVAL);
    EXPECT_FAILS_WITH(sim_domain_create(sim_, &d, 1024, 1, nullptr, 0x100), EINVAL);
    d = 0;
    EXPECT_FAILS_WITH(sim_domain_create(sim_, &d, 1024, 1, nullptr, 0), EINVAL);
    d = SIM_DOMID_MAX + 1;
    EXPECT_FAILS_WITH(sim_domain_create(sim_, &d, 1024, 1, nullptr, 0), EINVAL);
    uint32_t g = create();
    EXPECT_FAILS_WITH(sim_domain_shutdown(sim_, g, SIM_SHUTDOWN_MAX + 1), EINVAL);
    EXPECT_FAILS_WITH(sim_domain_set_memory(sim_, g, 100, 200), EINVAL);
    EXPECT_FAILS_WITH(sim_domain_getinfo(sim_, 0, 1, nullptr), EINVAL);
    EXPECT_FAILS_WITH(sim_domain_pause(nullptr, g), EINVAL);
    EXPECT_EQ(sim_open(nullptr, 0), nullptr);
    EXPECT_FAILS_WITH(sim_shutdown_reason_parse("sideways"), EINVAL);
}

TEST_F(SimState, FullTableGivesEnospc) {
    ASSERT_EQ(sim_set_limits(sim_, 3, 0), 0);
    create();
    create();
    uint32_t d = SIM_DOMID_ANY;
    EXPECT_FAILS_WITH(sim_domain_create(sim_, &d, 1024, 1, nullptr, 0), ENOSPC);
    EXPECT_FAILS_WITH(sim_set_limits(sim_, 2, 0), EINVAL);
}

TEST_F(SimState, ExhaustedHostMemoryGivesEnomem) {
    sim_hostinfo h{};
    ASSERT_EQ(sim_hostinfo_get(sim_, &h), 0);
    uint64_t used = h.total_memkb - h.free_memkb;
    ASSERT_EQ(sim_set_limits(sim_, 0, used + 1000), 0);
    uint32_t d = SIM_DOMID_ANY;
    EXPECT_FAILS_WITH(sim_domain_create(sim_, &d, 1001, 1, nullptr, 0), ENOMEM);
    uint32_t g = create(0, 1000);
    EXPECT_FAILS_WITH(sim_domain_set_memory(sim_, g, 1001, UINT64_MAX), ENOMEM);
    ASSERT_EQ(sim_domain_destroy(sim_, g), 0);
    ASSERT_EQ(sim_hostinfo_get(sim_, &h), 0);
    EXPECT_EQ(h.free_memkb, 1000u);
}

TEST_F(SimState, SetMemoryChangesMaxAndCurrent) {
    uint32_t d = create(0, 4096);
    ASSERT_EQ(sim_domain_set_memory(sim_, d, 8192, 2048), 0);
    sim_dominfo i = info(d);
    EXPECT_EQ(i.max_memkb, 8192u);
    EXPECT_EQ(i.cur_memkb, 2048u);
}

TEST_F(SimState, FirstShutdownReasonSticks) {
    uint32_t d = create();
    ASSERT_EQ(sim_domain_shutdown(sim_, d, SIM_SHUTDOWN_REBOOT), 0);
    ASSERT_EQ(sim_domain_shutdown(sim_, d, SIM_SHUTDOWN_POWEROFF), 0);
    sim_dominfo i = info(d);
    EXPECT_TRUE(i.flags & SIM_DOMF_SHUTDOWN);
    EXPECT_FALSE(i.flags & SIM_DOMF_RUNNING);
    EXPECT_FALSE(i.flags & SIM_DOMF_CRASHED);
    EXPECT_EQ(i.shutdown_reason, unsigned(SIM_SHUTDOWN_REBOOT));
}

TEST_F(SimState, CrashIsAShutdownWithTheCrashReason) {
    uint32_t d = create();
    ASSERT_EQ(sim_domain_crash(sim_, d), 0);
    sim_dominfo i = info(d);
    EXPECT_TRUE(i.flags & SIM_DOMF_SHUTDOWN);
    EXPECT_TRUE(i.flags & SIM_DOMF_CRASHED);
    EXPECT_EQ(i.shutdown_reason, unsigned(SIM_SHUTDOWN_CRASH));
}

TEST_F(SimState, DestroyedDomainWithoutReferencesIsGoneAtOnce) {
    uint32_t d = create();
    ASSERT_EQ(sim_domain_destroy(sim_, d), 0);
    EXPECT_FALSE(exists(d));
}

TEST_F(SimState, DestroyedDomainIsDyingUntilItsLastReferenceGoes) {
    uint32_t d = create();
    ASSERT_EQ(sim_domain_ref(sim_, d), 0);
    ASSERT_EQ(sim_domain_ref(sim_, d), 0);
    ASSERT_EQ(sim_domain_destroy(sim_, d), 0);
    EXPECT_TRUE(info(d).flags & SIM_DOMF_DYING);
    EXPECT_FAILS_WITH(sim_domain_ref(sim_, d), ESRCH); // Xen refuses to map a dying domain
    EXPECT_FAILS_WITH(sim_domain_pause(sim_, d), ESRCH);
    EXPECT_EQ(sim_domain_destroy(sim_, d), 0); // again: still fine
    ASSERT_EQ(sim_domain_unref(sim_, d), 0);
    EXPECT_TRUE(exists(d));
    ASSERT_EQ(sim_domain_unref(sim_, d), 0);
    EXPECT_FALSE(exists(d));
}

TEST_F(SimState, ReferencesOfAnExitedProcessDoNotKeepADomainDying) {
    uint32_t d = create();
    EXPECT_EQ(in_child([&] {
                  sim_t *s = sim_open(dir_.c_str(), 0);
                  return s && sim_domain_ref(s, d) == 0 ? 0 : 1;
              }),
              0);
    EXPECT_EQ(info(d).refs, 1u);
    ASSERT_EQ(sim_domain_destroy(sim_, d), 0);
    EXPECT_FALSE(exists(d));
}

TEST_F(SimState, ShutdownCrashAndDestroyRaiseTheDomainExceptionInterrupt) {
    uint32_t d = create(), e = create();
    sim_hostinfo h0{}, h1{};
    ASSERT_EQ(sim_hostinfo_get(sim_, &h0), 0);
    ASSERT_EQ(sim_domain_shutdown(sim_, d, SIM_SHUTDOWN_POWEROFF), 0);
    ASSERT_EQ(sim_domain_crash(sim_, e), 0);
    ASSERT_EQ(sim_domain_destroy(sim_, d), 0);
    ASSERT_EQ(sim_hostinfo_get(sim_, &h1), 0);
    EXPECT_EQ(h1.dom_exc_count - h0.dom_exc_count, 3u);
}

TEST_F(SimState, RaiseWithoutAListenerSucceeds) { EXPECT_EQ(sim_raise_dom_exc(sim_), 0); }

TEST_F(SimState, RaiseFromAnotherProcessWakesTheListener) {
    int fd = sim_dom_exc_listen(sim_, 1);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    EXPECT_EQ(sim_dom_exc_drain(fd), 0);
    EXPECT_EQ(in_child([&] {
                  sim_t *s = sim_open(dir_.c_str(), 0);
                  return s && sim_raise_dom_exc(s) == 0 && sim_raise_dom_exc(s) == 0 ? 0 : 1;
              }),
              0);
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, 5000), 1);
    EXPECT_EQ(sim_dom_exc_drain(fd), 2);
    EXPECT_EQ(sim_dom_exc_drain(fd), 0);
    close(fd);
}

TEST_F(SimState, AnotherProcessSeesTheSameDomains) {
    uint32_t d = create();
    int rc = in_child([&] {
        sim_t *s = sim_open(dir_.c_str(), 0);
        if (!s) return 1;
        sim_dominfo i;
        if (sim_domain_getinfo_one(s, d, &i) != 0) return 2;
        uint32_t e = SIM_DOMID_ANY;
        return sim_domain_create(s, &e, 1024, 1, nullptr, 0) == 0 && e == d + 1 ? 0 : 3;
    });
    EXPECT_EQ(rc, 0);
    EXPECT_TRUE(exists(d + 1));
}

TEST_F(SimState, LockAbandonedByADeadProcessIsRecovered) {
    uint32_t d = create();
    EXPECT_EQ(in_child([&] {
                  sim_t *s = sim_open(dir_.c_str(), 0);
                  return s && sim__test_lock(s) == 0 ? 0 : 1; // dies holding it
              }),
              0);
    EXPECT_TRUE(exists(d));
    EXPECT_EQ(sim_domain_pause(sim_, d), 0);
    sim_hostinfo h{};
    ASSERT_EQ(sim_hostinfo_get(sim_, &h), 0);
    EXPECT_EQ(h.nr_domains, 2u);
}

TEST_F(SimState, CpuTimeAdvancesOnlyWhileRunning) {
    uint32_t d = create(0);
    usleep(20000);
    EXPECT_EQ(info(d).cpu_time_ns, 0u);
    ASSERT_EQ(sim_domain_unpause(sim_, d), 0);
    usleep(20000);
    ASSERT_EQ(sim_domain_pause(sim_, d), 0);
    uint64_t t = info(d).cpu_time_ns;
    EXPECT_GE(t, 20000000u);
    usleep(20000);
    EXPECT_EQ(info(d).cpu_time_ns, t);
}

TEST_F(SimState, GetinfoReturnsAThousandDomainsInDomidOrderInBatches) {
    // Domids out of order, with holes: every third one of 1..3000.
    for (uint32_t k = 1000; k >= 1; k--) {
        uint32_t d = 3 * k;
        ASSERT_EQ(sim_domain_create(sim_, &d, 1024, 1, nullptr, 0), 0) << k;
    }
    std::vector<uint32_t> seen;
    std::array<sim_dominfo, 64> batch{};
    uint32_t next = 0;
    int calls = 0;
    for (;;) {
        int n = sim_domain_getinfo(sim_, next, unsigned(batch.size()), batch.data());
        ASSERT_GE(n, 0);
        calls++;
        for (int i = 0; i < n; i++) seen.push_back(batch[size_t(i)].domid);
        if (n < int(batch.size())) break;
        next = batch[size_t(n) - 1].domid + 1;
    }
    ASSERT_EQ(seen.size(), 1001u);
    EXPECT_EQ(seen[0], 0u);
    for (size_t i = 1; i < seen.size(); i++) EXPECT_EQ(seen[i], 3 * i) << i;
    EXPECT_EQ(calls, 16); // 1001 / 64 rounded up
    EXPECT_EQ(sim_domain_getinfo(sim_, 3001, 64, batch.data()), 0);
    EXPECT_EQ(sim_domain_getinfo(sim_, 2999, 64, batch.data()), 1);
}

TEST_F(SimState, ShutdownReasonsParseByNameAndNumber) {
    EXPECT_EQ(sim_shutdown_reason_parse("poweroff"), SIM_SHUTDOWN_POWEROFF);
    EXPECT_EQ(sim_shutdown_reason_parse("soft_reset"), SIM_SHUTDOWN_SOFT_RESET);
    EXPECT_EQ(sim_shutdown_reason_parse("3"), SIM_SHUTDOWN_CRASH);
    EXPECT_EQ(sim_shutdown_reason_parse("6"), -1);
    EXPECT_STREQ(sim_shutdown_reason_name(SIM_SHUTDOWN_WATCHDOG), "watchdog");
}

} // namespace
