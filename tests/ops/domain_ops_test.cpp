// The domain operations on the userspace sim host, in every completion mode.
#include <atomic>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>
#include <xlkit/config_json.hpp>
#include <thread>

#include "support/guest_agent.hpp"
#include "support/sim_support.hpp"
#include "support/modes.hpp"
#include "support/tiny_elf.hpp"
#include "xen/xen_ctx.hpp"
#include <xlkit/domain.hpp>

namespace {

using namespace xlkit;
using namespace xlkit::testing;
using simtest::GuestAgent;
using simtest::Host;

template <class Mode>
class DomainOpsTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(host_.start("ops"));
        simtest::use_host(host_.dir());
        CtxOptions o;
        o.hypervisor = "sim:" + host_.dir();
        ASSERT_EQ(Ctx::create(&ctx_, o), Error::Success);
    }
    void TearDown() override {
        if (ctx_) {
            EXPECT_EQ(ao_inflight(*ctx_), 0u);
        }
        ctx_.reset();
        (void)host_.stop();
    }
    DomainConfig config(const std::string &name) {
        DomainConfig c;
        c.name = name;
        c.kernel = "/bin/sh";  // any readable file: the sim host does not boot it
        c.memory = 64;
        c.maxmem = 128;
        c.vcpus = 2;
        return c;
    }
    Error create(const DomainConfig &c, std::uint32_t *domid, bool paused = false, int *consoles = nullptr) {
        return Mode::run(*ctx_, [&, c, domid, paused, consoles](AoHow how) {
            ProgressHow p;
            if (consoles)
                p = ProgressHow::callback([consoles](const Event &ev) {
                    if (ev.type() == EventType::DomainCreateConsoleAvailable) ++*consoles;
                });
            return domain_create_new(*ctx_, c, paused, domid, std::move(how), std::move(p));
        });
    }
    std::vector<DomainInfo> list() {
        std::vector<DomainInfo> v;
        EXPECT_EQ(list_domain(*ctx_, &v), Error::Success);
        return v;
    }
    Host host_;
    std::unique_ptr<Ctx> ctx_;
};

TYPED_TEST_SUITE(DomainOpsTest, AllModes, ModeNames);

TYPED_TEST(DomainOpsTest, CreatedDomainIsListedWithItsMemoryAndVcpus) {
    std::uint32_t d = 0;
    int consoles = 0;
    ASSERT_EQ(this->create(this->config("guest1"), &d, false, &consoles), Error::Success);
    EXPECT_GT(d, 0u);
    EXPECT_EQ(consoles, 1) << "DOMAIN_CREATE_CONSOLE_AVAILABLE before completion";
    auto v = this->list();
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].domid, 0u);
    EXPECT_EQ(v[1].domid, d);
    EXPECT_EQ(v[1].name, "guest1");
    EXPECT_EQ(v[1].current_memkb, 64u * 1024);
    EXPECT_EQ(v[1].max_memkb, 128u * 1024);
    EXPECT_EQ(v[1].vcpu_online, 2u);
    EXPECT_EQ(v[1].state, DomainState::Running);
    std::uint32_t byname = 0;
    EXPECT_EQ(domain_qualifier_to_domid(*this->ctx_, "guest1", &byname), Error::Success);
    EXPECT_EQ(byname, d);
    std::uint32_t bynumber = 0;
    EXPECT_EQ(domain_qualifier_to_domid(*this->ctx_, std::to_string(d), &bynumber), Error::Success);
    EXPECT_EQ(bynumber, d);
}

TYPED_TEST(DomainOpsTest, PausedCreationThenUnpauseAndPause) {
    std::uint32_t d = 0;
    ASSERT_EQ(this->create(this->config("p"), &d, true), Error::Success);
    DomainInfo i;
    ASSERT_EQ(domain_info(*this->ctx_, d, &i), Error::Success);
    EXPECT_EQ(i.state, DomainState::Paused);
    EXPECT_EQ(TypeParam::run(*this->ctx_, [&](AoHow h) { return domain_unpause(*this->ctx_, d, std::move(h)); }),
              Error::Success);
    ASSERT_EQ(domain_info(*this->ctx_, d, &i), Error::Success);
    EXPECT_EQ(i.state, DomainState::Running);
    EXPECT_EQ(TypeParam::run(*this->ctx_, [&](AoHow h) { return domain_pause(*this->ctx_, d, std::move(h)); }),
              Error::Success);
    ASSERT_EQ(domain_info(*this->ctx_, d, &i), Error::Success);
    EXPECT_EQ(i.state, DomainState::Paused);
}

TYPED_TEST(DomainOpsTest, ObedientGuestAcknowledgesShutdownAndDies) {
    std::uint32_t d = 0;
    ASSERT_EQ(this->create(this->config("obedient"), &d), Error::Success);
    GuestAgent agent(this->host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    EXPECT_EQ(TypeParam::run(*this->ctx_, [&](AoHow h) { return domain_shutdown(*this->ctx_, d, 5000, std::move(h)); }),
              Error::Success);
    // Shut down by its guest; the toolstack (on_poweroff=destroy) destroys.
    DomainInfo i;
    for (int k = 0; k < 100; ++k) {
        ASSERT_EQ(domain_info(*this->ctx_, d, &i), Error::Success);
        if (i.state == DomainState::Shutdown) break;
        usleep(10000);
    }
    EXPECT_EQ(i.state, DomainState::Shutdown);
    EXPECT_EQ(i.shutdown_reason, ShutdownReason::Poweroff);
    EXPECT_EQ(TypeParam::run(*this->ctx_, [&](AoHow h) { return domain_destroy(*this->ctx_, d, std::move(h)); }),
              Error::Success);
    EXPECT_EQ(TypeParam::run(*this->ctx_,
                             [&](AoHow h) { return domain_wait_death(*this->ctx_, d, 5000, std::move(h)); }),
              Error::Success);
}

TYPED_TEST(DomainOpsTest, GuestIgnoringShutdownTimesOut) {
    std::uint32_t d = 0;
    ASSERT_EQ(this->create(this->config("stubborn"), &d), Error::Success);
    GuestAgent agent(this->host_.sim(), d, false);
    ASSERT_TRUE(agent.ready());
    EXPECT_EQ(TypeParam::run(*this->ctx_, [&](AoHow h) { return domain_shutdown(*this->ctx_, d, 300, std::move(h)); }),
              Error::GuestTimedout);
    DomainInfo i;
    ASSERT_EQ(domain_info(*this->ctx_, d, &i), Error::Success);
    EXPECT_EQ(i.state, DomainState::Running);
}

TYPED_TEST(DomainOpsTest, DestroyReportsEachStageAndLeavesNothingBehind) {
    std::uint32_t d = 0;
    ASSERT_EQ(this->create(this->config("doomed"), &d), Error::Success);
    std::vector<std::string> stages;
    EXPECT_EQ(TypeParam::run(*this->ctx_,
                             [&](AoHow h) {
                                 return domain_destroy(*this->ctx_, d, std::move(h),
                                                       ProgressHow::callback([&](const Event &ev) {
                                                           stages.push_back(std::get<EventOperationProgress>(ev.u).stage);
                                                       }));
                             }),
              Error::Success);
    EXPECT_EQ(stages, (std::vector<std::string>{"pause", "devices", "destroy", "release", "cleanup"}));
    simtest::Xs xs;
    EXPECT_FALSE(xs.read("/local/domain/" + std::to_string(d) + "/name"));
    DomainInfo i;
    Error e = domain_info(*this->ctx_, d, &i);
    EXPECT_TRUE(e == Error::DomainNotfound || i.state == DomainState::Dying);
}

TYPED_TEST(DomainOpsTest, CreateStoresTheConfigurationWhereXlReadsItAndDestroyRemovesIt) {
    std::uint32_t d = 0;
    DomainConfig c = this->config("kept");
    c.cmdline = "quiet";
    c.on_reboot = ActionOnShutdown::Preserve;
    ASSERT_EQ(this->create(c, &d), Error::Success);
    DomainInfo i;
    ASSERT_EQ(domain_info(*this->ctx_, d, &i), Error::Success);
    // libxl's name and place (XEN_LIB_DIR; the sim host's own lib-xen).
    const std::string path = this->host_.dir() + "/lib-xen/userdata-d." + std::to_string(d) + "." + to_string(i.uuid) +
                             ".libxl-json";
    std::string text;
    if (FILE *f = std::fopen(path.c_str(), "r")) {
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
        std::fclose(f);
    }
    ASSERT_FALSE(text.empty()) << path;
    // As libxl stores it: the JSON string with its NUL (xl reads the file as
    // a C string).
    EXPECT_EQ(text.back(), '\0');
    DomainConfig stored;
    Uuid u;
    std::string why;
    ASSERT_EQ(domain_config_from_libxl_json(text, &stored, &u, &why), Error::Success) << why;
    EXPECT_EQ(u, i.uuid);
    EXPECT_EQ(stored, c);
    DomainConfig retrieved;
    EXPECT_EQ(retrieve_domain_configuration(*this->ctx_, d, &retrieved), Error::Success);
    EXPECT_EQ(retrieved, c);
    // A file without the NUL (xlkit's before it wrote one) reads the same.
    std::ofstream(path, std::ios::trunc) << text.substr(0, text.find('\0'));
    retrieved = DomainConfig{};
    EXPECT_EQ(retrieve_domain_configuration(*this->ctx_, d, &retrieved), Error::Success);
    EXPECT_EQ(retrieved, c);
    EXPECT_EQ(retrieve_domain_configuration(*this->ctx_, 0, &retrieved), Error::Notfound) << "dom0 has none";
    EXPECT_EQ(TypeParam::run(*this->ctx_, [&](AoHow h) { return domain_destroy(*this->ctx_, d, std::move(h)); }),
              Error::Success);
    EXPECT_NE(access(path.c_str(), F_OK), 0) << path << " outlived its domain";
    EXPECT_EQ(retrieve_domain_configuration(*this->ctx_, d, &retrieved), Error::DomainNotfound);
}

TYPED_TEST(DomainOpsTest, WaitDeathTimesOutForALiveDomain) {
    std::uint32_t d = 0;
    ASSERT_EQ(this->create(this->config("alive"), &d), Error::Success);
    EXPECT_EQ(TypeParam::run(*this->ctx_,
                             [&](AoHow h) { return domain_wait_death(*this->ctx_, d, 100, std::move(h)); }),
              Error::Timedout);
}

TYPED_TEST(DomainOpsTest, OperationsOnAMissingDomainReportDomainNotfound) {
    auto run = [&](auto f) { return TypeParam::run(*this->ctx_, f); };
    EXPECT_EQ(run([&](AoHow h) { return domain_shutdown(*this->ctx_, 4242, 100, std::move(h)); }), Error::DomainNotfound);
    EXPECT_EQ(run([&](AoHow h) { return domain_destroy(*this->ctx_, 4242, std::move(h)); }), Error::DomainNotfound);
    EXPECT_EQ(run([&](AoHow h) { return domain_pause(*this->ctx_, 4242, std::move(h)); }), Error::DomainNotfound);
    DomainInfo i;
    EXPECT_EQ(domain_info(*this->ctx_, 4242, &i), Error::DomainNotfound);
    std::uint32_t d;
    EXPECT_EQ(domain_qualifier_to_domid(*this->ctx_, "nosuchguest", &d), Error::DomainNotfound);
    EXPECT_EQ(domain_qualifier_to_domid(*this->ctx_, "4242", &d), Error::DomainNotfound);
}

TYPED_TEST(DomainOpsTest, BadConfigsAreRejectedAndLeaveNoDomainBehind) {
    std::uint32_t d = 0;
    auto c = this->config("bad");
    c.kernel = "/nonexistent/vmlinuz";
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    c = this->config("bad");
    c.memory = 0;
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    c = this->config("bad");
    c.maxmem = 16;
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    c = this->config("bad");
    c.vcpus = 0;
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    c = this->config("12");
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    c = this->config("bad disk");
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    EXPECT_EQ(this->list().size(), 1u) << "a half-made domain was left behind";
}

TYPED_TEST(DomainOpsTest, DuplicateNameIsRejected) {
    std::uint32_t d = 0;
    ASSERT_EQ(this->create(this->config("twin"), &d), Error::Success);
    std::uint32_t d2 = 0;
    EXPECT_EQ(this->create(this->config("twin"), &d2), Error::Inval);
    EXPECT_EQ(this->list().size(), 2u);
}

TYPED_TEST(DomainOpsTest, MoreMemoryThanTheHostHasIsNomem) {
    ASSERT_EQ(sim_set_limits(this->host_.sim(), 0, 8ull * 1024 * 1024), 0);  // 8 GiB host
    auto c = this->config("huge");
    c.memory = 16 * 1024;
    c.maxmem = 0;
    std::uint32_t d = 0;
    EXPECT_EQ(this->create(c, &d), Error::Nomem);
    EXPECT_EQ(this->list().size(), 1u);
}

// PVH: an HVM container on real Xen; the sim host checks what real Xen's
// builder would (the kernel's PVH entry point, memory for its image).
template <class Mode>
class PvhOpsTest : public DomainOpsTest<Mode> {
protected:
    void SetUp() override {
        DomainOpsTest<Mode>::SetUp();
        char d[] = "/tmp/xlkit-pvh.XXXXXX";
        ASSERT_NE(mkdtemp(d), nullptr);
        dir_ = d;
        ASSERT_TRUE(write_tiny_elf(dir_ + "/pvh", 16 << 20, 40 << 20, true));
        ASSERT_TRUE(write_tiny_elf(dir_ + "/pv-only", 16 << 20, 40 << 20, false));
    }
    void TearDown() override {
        (void)std::remove((dir_ + "/pvh").c_str());
        (void)std::remove((dir_ + "/pv-only").c_str());
        (void)rmdir(dir_.c_str());
        DomainOpsTest<Mode>::TearDown();
    }
    DomainConfig pvh(const std::string &name) {
        DomainConfig c = this->config(name);
        c.type = DomainType::Pvh;
        c.kernel = dir_ + "/pvh";
        c.memory = c.maxmem = 128;
        c.tsc_mode = TscMode::Native;
        c.cpuid = "host,rdtscp=0";
        return c;
    }
    std::string dir_;
};

TYPED_TEST_SUITE(PvhOpsTest, AllModes, ModeNames);

TYPED_TEST(PvhOpsTest, PvhDomainIsCreatedAndListedAsPvh) {
    std::uint32_t d = 0;
    int consoles = 0;
    ASSERT_EQ(this->create(this->pvh("pvh1"), &d, false, &consoles), Error::Success);
    EXPECT_EQ(consoles, 1);
    DomainInfo i;
    ASSERT_EQ(domain_info(*this->ctx_, d, &i), Error::Success);
    EXPECT_EQ(i.domain_type, DomainType::Pvh);
    EXPECT_EQ(i.state, DomainState::Running);
    EXPECT_EQ(i.vcpu_online, 2u);
    EXPECT_EQ(i.current_memkb, 128u * 1024);
    EXPECT_EQ(simtest::Xs().read("/libxl/" + std::to_string(d) + "/type"), std::optional<std::string>("pvh"));
    auto pv = this->config("pv1");
    std::uint32_t d2 = 0;
    ASSERT_EQ(this->create(pv, &d2), Error::Success);
    ASSERT_EQ(domain_info(*this->ctx_, d2, &i), Error::Success);
    EXPECT_EQ(i.domain_type, DomainType::Pv);
}

TYPED_TEST(PvhOpsTest, EveryOperationWorksOnAPvhDomain) {
    std::uint32_t d = 0;
    ASSERT_EQ(this->create(this->pvh("ops"), &d, true), Error::Success);
    auto &ctx = *this->ctx_;
    DomainInfo i;
    ASSERT_EQ(domain_info(ctx, d, &i), Error::Success);
    EXPECT_EQ(i.state, DomainState::Paused);
    EXPECT_EQ(TypeParam::run(ctx, [&](AoHow h) { return domain_unpause(ctx, d, std::move(h)); }), Error::Success);
    EXPECT_EQ(TypeParam::run(ctx, [&](AoHow h) { return domain_pause(ctx, d, std::move(h)); }), Error::Success);
    EXPECT_EQ(TypeParam::run(ctx, [&](AoHow h) { return domain_unpause(ctx, d, std::move(h)); }), Error::Success);
    // A guest that never answers: GUEST_TIMEDOUT, as for PV.
    EXPECT_EQ(TypeParam::run(ctx, [&](AoHow h) { return domain_reboot(ctx, d, 200, std::move(h)); }),
              Error::GuestTimedout);
    {
        GuestAgent agent(this->host_.sim(), d, true);
        ASSERT_TRUE(agent.ready());
        EXPECT_EQ(TypeParam::run(ctx, [&](AoHow h) { return domain_shutdown(ctx, d, 5000, std::move(h)); }),
                  Error::Success);
    }
    EXPECT_EQ(TypeParam::run(ctx, [&](AoHow h) { return domain_destroy(ctx, d, std::move(h), {}); }), Error::Success);
    EXPECT_EQ(TypeParam::run(ctx, [&](AoHow h) { return domain_wait_death(ctx, d, 5000, std::move(h)); }),
              Error::Success);
    EXPECT_FALSE(simtest::Xs().read("/libxl/" + std::to_string(d) + "/type")) << "cleaned up";
}

TYPED_TEST(PvhOpsTest, KernelWithoutAPvhEntryPointIsRefusedAndLeavesNothing) {
    auto c = this->pvh("nopvh");
    c.kernel = this->dir_ + "/pv-only";
    std::uint32_t d = 0;
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    EXPECT_EQ(this->list().size(), 1u);
    // The same kernel boots as PV.
    c.type = DomainType::Pv;
    c.cpuid.clear();
    EXPECT_EQ(this->create(c, &d), Error::Success);
}

TYPED_TEST(PvhOpsTest, MemoryBelowWhatTheImageNeedsIsRefused) {
    auto c = this->pvh("small");
    c.memory = c.maxmem = 48;  // the image ends at 56 MiB
    std::uint32_t d = 0;
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    EXPECT_EQ(this->list().size(), 1u);
}

TYPED_TEST(PvhOpsTest, HostWithoutHvmRefusesPvhButRunsPv) {
    ASSERT_EQ(sim_set_caps(this->host_.sim(), SIM_CAP_PV), 0);
    std::uint32_t d = 0;
    EXPECT_EQ(this->create(this->pvh("nohvm"), &d), Error::Inval);
    EXPECT_EQ(this->list().size(), 1u);
    EXPECT_EQ(this->create(this->config("pv"), &d), Error::Success);
}

TYPED_TEST(PvhOpsTest, BadPvhConfigsAreRefusedNamingTheField) {
    std::uint32_t d = 0;
    auto c = this->pvh("bad");
    c.cpuid = "host,warp=1";
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    c = this->pvh("bad");
    c.tsc_mode = TscMode::NativeParavirt;
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    c = this->pvh("bad");
    c.vcpus = 129;
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    c = this->config("bad");  // PV
    c.shadow_memory = 8;
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    c = this->pvh("bad");
    c.type = DomainType::Hvm;
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    EXPECT_EQ(this->list().size(), 1u);
}

TYPED_TEST(PvhOpsTest, CpuidInTheListFormIsTakenAndABadItemRefused) {
    auto c = this->pvh("cl");
    c.cpuid = "0x80000001:edx=xxxx0xxxxxxxxxxxxxxxxxxxxxxxxxxx;7,0:ebx=xxxxxxxxxxxxxxxxxxxxxx0xxxxxxxxx";
    std::uint32_t d = 0;
    EXPECT_EQ(this->create(c, &d), Error::Success);
    c = this->pvh("cl-bad");
    c.cpuid = "0x80000001:edx=xxxx0xxxxxxxxxxxxxxxxxxxxxxxxxxx;7,0:ebx=xxxx";
    EXPECT_EQ(this->create(c, &d), Error::Inval);
    EXPECT_EQ(this->list().size(), 2u) << "dom0 and the first guest only";
}

TYPED_TEST(PvhOpsTest, PagingPoolCountsAgainstTheHostsFreeMemory) {
    ASSERT_EQ(sim_set_limits(this->host_.sim(), 0, 4ull * 1024 * 1024 + 128 * 1024 + 512), 0);  // dom0 + 128 MiB
    auto c = this->pvh("pool");
    c.shadow_memory = 64;
    std::uint32_t d = 0;
    EXPECT_EQ(this->create(c, &d), Error::Nomem) << "128 MiB of memory and 64 of pool do not fit in 128";
    c.shadow_memory = 0;
    c.memory = c.maxmem = 100;
    EXPECT_EQ(this->create(c, &d), Error::Success) << "the default pool (under 3 MiB here) fits";
}

} // namespace

#include <xlkit.h>

namespace {

// The C API's operations, as a libxl embedder would call them.
class CDomainOps : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(host_.start("capi"));
        simtest::use_host(host_.dir());
        setenv("XLKIT_HYPERVISOR", ("sim:" + host_.dir()).c_str(), 1);
        ASSERT_EQ(xlkit_ctx_alloc(&ctx_, XLKIT_VERSION, 0, nullptr), 0);
    }
    void TearDown() override {
        xlkit_ctx_free(ctx_);
        unsetenv("XLKIT_HYPERVISOR");
        (void)host_.stop();
    }
    Host host_;
    xlkit_ctx *ctx_ = nullptr;
};

int complete_for(const xlkit_event *ev, void *user) {
    return ev->type == XLKIT_EVENT_TYPE_OPERATION_COMPLETE && ev->for_user == *static_cast<uint64_t *>(user);
}

TEST_F(CDomainOps, ACDomainIsCreatedPausedAsLibxlLeavesItThenUnpausedListedPausedAndDestroyed) {
    xlkit_domain_config cfg;
    xlkit_domain_config_init(&cfg);
    cfg.name = strdup("cguest");
    cfg.kernel = strdup("/bin/sh");
    cfg.memory = 32;
    cfg.vcpus = 1;
    uint32_t domid = 0;
    ASSERT_EQ(xlkit_domain_create_new(ctx_, &cfg, &domid, nullptr, nullptr), 0);  // synchronous
    xlkit_domain_config_dispose(&cfg);
    EXPECT_GT(domid, 0u);

    int nb = 0;
    xlkit_dominfo *list = xlkit_list_domain(ctx_, &nb);
    ASSERT_TRUE(list);
    ASSERT_EQ(nb, 2);
    EXPECT_STREQ(list[1].name, "cguest");
    EXPECT_EQ(list[1].current_memkb, 32u * 1024);
    xlkit_dominfo_list_free(list, nb);

    // As libxl_domain_create_new: the new domain is left paused, and the
    // caller's unpause (xl's, libvirt's) is what starts it.
    xlkit_dominfo info;
    xlkit_dominfo_init(&info);
    ASSERT_EQ(xlkit_domain_info(ctx_, &info, domid), 0);
    EXPECT_EQ(info.state, XLKIT_DOMAIN_STATE_PAUSED);
    xlkit_dominfo_dispose(&info);
    xlkit_dominfo_init(&info);
    EXPECT_EQ(xlkit_domain_unpause(ctx_, domid, nullptr), 0);
    ASSERT_EQ(xlkit_domain_info(ctx_, &info, domid), 0);
    EXPECT_NE(info.state, XLKIT_DOMAIN_STATE_PAUSED);
    xlkit_dominfo_dispose(&info);
    xlkit_dominfo_init(&info);
    EXPECT_EQ(xlkit_domain_pause(ctx_, domid, nullptr), 0);
    ASSERT_EQ(xlkit_domain_info(ctx_, &info, domid), 0);
    EXPECT_EQ(info.state, XLKIT_DOMAIN_STATE_PAUSED);
    xlkit_dominfo_dispose(&info);
    EXPECT_EQ(xlkit_domain_info(ctx_, nullptr, 4242), XLKIT_ERROR_DOMAIN_NOTFOUND);

    uint64_t cookie = 99;
    xlkit_asyncop_how how = {};
    how.u.for_event = cookie;
    ASSERT_EQ(xlkit_domain_destroy(ctx_, domid, &how), 0);  // event mode
    xlkit_event *ev = nullptr;
    ASSERT_EQ(xlkit_event_wait(ctx_, &ev, XLKIT_EVENTMASK_ALL, complete_for, &cookie), 0);
    EXPECT_EQ(ev->u.operation_complete.rc, 0);
    xlkit_event_free(ctx_, ev);
    EXPECT_EQ(xlkit_domain_wait_death(ctx_, domid, 5000, nullptr), 0);
}

// Many operations in flight from one thread, in callback mode.
class ConcurrentOpsTest : public DomainOpsTest<CallbackMode> {
protected:
    void drive(const std::function<bool()> &done) {
        auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!done() && std::chrono::steady_clock::now() < end) ASSERT_EQ(ctx_->run_once(20), Error::Success);
        ASSERT_TRUE(done());
    }
};

TEST_F(ConcurrentOpsTest, TwoCreatesOfOneNameInFlightTogetherGiveOneDomain) {
    std::uint32_t d1 = 0, d2 = 0;
    int done = 0;
    Error r1 = Error::Nonspecific, r2 = Error::Nonspecific;
    ASSERT_EQ(domain_create_new(*ctx_, config("twin"), false, &d1, AoHow::callback([&](Error e) {
                                    r1 = e;
                                    ++done;
                                })),
              Error::Success);
    // The first has not written its name to xenstore yet.
    Error init2 = domain_create_new(*ctx_, config("twin"), false, &d2, AoHow::callback([&](Error e) {
                                        r2 = e;
                                        ++done;
                                    }));
    EXPECT_EQ(init2, Error::Inval) << "the second create of 'twin' must fail";
    drive([&] { return done == (init2 == Error::Success ? 2 : 1); });
    EXPECT_EQ(r1, Error::Success);
    EXPECT_EQ(list().size(), 2u) << "dom0 and one twin";
    // Once the first is complete, the name is taken by the domain itself.
    EXPECT_EQ(domain_create_new(*ctx_, config("twin"), false, &d2, AoHow{}), Error::Inval);
}

TEST_F(ConcurrentOpsTest, ConcurrentDestroysShareOneReleaseDomainWatch) {
    constexpr int kN = 20;
    std::vector<std::uint32_t> ids(kN);
    for (int i = 0; i < kN; ++i) ASSERT_EQ(domain_create_new(*ctx_, config("c" + std::to_string(i)), false, &ids[i], AoHow{}), Error::Success);
    int done = 0, ok = 0;
    for (int i = 0; i < kN; ++i)
        ASSERT_EQ(domain_destroy(*ctx_, ids[i], AoHow::callback([&](Error e) {
                                     ok += e == Error::Success;
                                     ++done;
                                 })),
                  Error::Success);
    std::size_t most = 0;
    drive([&] {
        detail::Egc egc(ctx_->impl());
        most = std::max(most, detail::XenCtx::of(egc)->watches_active());
        return done == kN;
    });
    EXPECT_EQ(ok, kN);
    EXPECT_LE(most, 1u) << "each destroy registered its own @releaseDomain watch";
    EXPECT_EQ(list().size(), 1u);
}

TEST_F(ConcurrentOpsTest, PhysinfoFollowsTheHostsMemoryAndItsDomains) {
    ASSERT_EQ(sim_set_limits(host_.sim(), 0, 8ull * 1024 * 1024), 0);  // an 8 GiB host
    Physinfo before;
    ASSERT_EQ(get_physinfo(*ctx_, &before), Error::Success);
    EXPECT_EQ(before.total_memkb, 8ull * 1024 * 1024);
    EXPECT_LT(before.free_memkb, before.total_memkb) << "dom0 has some";
    std::uint32_t d = 0;
    ASSERT_EQ(domain_create_new(*ctx_, config("phys"), false, &d, AoHow{}), Error::Success);
    Physinfo after;
    ASSERT_EQ(get_physinfo(*ctx_, &after), Error::Success);
    EXPECT_LE(after.free_memkb, before.free_memkb - 64u * 1024) << "the new domain has at least its 64 MiB";
    EXPECT_EQ(after.total_memkb, before.total_memkb);
    EXPECT_EQ(get_physinfo(*ctx_, nullptr), Error::Inval);
}

TEST_F(CDomainOps, PhysinfoThroughTheCApi) {
    xlkit_physinfo p;
    xlkit_physinfo_init(&p);
    ASSERT_EQ(xlkit_get_physinfo(ctx_, &p), 0);
    EXPECT_GT(p.total_memkb, 0u);
    EXPECT_LE(p.free_memkb, p.total_memkb);
    xlkit_physinfo_dispose(&p);
    EXPECT_EQ(xlkit_get_physinfo(ctx_, nullptr), XLKIT_ERROR_INVAL);
    EXPECT_EQ(xlkit_get_physinfo(nullptr, &p), XLKIT_ERROR_INVAL);
}

TEST_F(CDomainOps, BadArgumentsAreInval) {
    uint32_t domid;
    EXPECT_EQ(xlkit_domain_create_new(ctx_, nullptr, &domid, nullptr, nullptr), XLKIT_ERROR_INVAL);
    EXPECT_EQ(xlkit_domain_destroy(nullptr, 1, nullptr), XLKIT_ERROR_INVAL);
    int nb = 5;
    EXPECT_EQ(xlkit_list_domain(nullptr, &nb), nullptr);
    EXPECT_EQ(nb, 0);
}

} // namespace

// domain_info keeps a name asked for twice, with a watch on it, and still
// sees a rename made through another xenstore connection.
TEST_F(ConcurrentOpsTest, DomainInfoCachesANameAndSeesItsRename) {
    std::uint32_t d = 0;
    ASSERT_EQ(domain_create_new(*ctx_, config("before"), false, &d, AoHow{}), Error::Success);
    auto watches = [&] {
        detail::Egc egc(ctx_->impl());
        return detail::XenCtx::of(egc)->watches_active();
    };
    const std::size_t base = watches();
    DomainInfo i;
    ASSERT_EQ(domain_info(*ctx_, d, &i), Error::Success);
    EXPECT_EQ(i.name, "before");
    EXPECT_EQ(watches(), base) << "a one-shot domain_info must not set a watch";
    ASSERT_EQ(domain_info(*ctx_, d, &i), Error::Success);
    EXPECT_EQ(i.name, "before");
    EXPECT_EQ(watches(), base + 1) << "a name asked for twice is watched";
    ASSERT_EQ(domain_info(*ctx_, d, &i), Error::Success);
    EXPECT_EQ(i.name, "before");

    simtest::Xs xs;
    ASSERT_TRUE(xs.write("/local/domain/" + std::to_string(d) + "/name", "after"));
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {
        ASSERT_EQ(domain_info(*ctx_, d, &i), Error::Success);
    } while (i.name != "after" && std::chrono::steady_clock::now() < end);
    EXPECT_EQ(i.name, "after");
    std::vector<DomainInfo> v = list();
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[1].name, "after");

    ASSERT_EQ(domain_destroy(*ctx_, d, AoHow{}), Error::Success);
    EXPECT_EQ(domain_info(*ctx_, d, &i), Error::DomainNotfound);
}
