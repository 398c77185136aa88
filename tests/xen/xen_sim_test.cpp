// The Xen layer against the userspace sim host: the real xenstored and
// libxenstore, xlkit's simulated hypervisor. The behaviours every host shows
// are in xen_host_test.cpp, run here on a SimXenHost; the tests below need
// what only the sim host offers (a thousand domains, a killed xenstored,
// fault filters, a guest's xenstore nodes written by the test).
#include <algorithm>
#include <atomic>
#include <csignal>
#include <gtest/gtest.h>
#include <set>
#include <thread>

#include "support/modes.hpp"
#include "xen/filters.hpp"
#include "support/xen_host.hpp"
#include "xen/xswait.hpp"

namespace {

using namespace xlkit;
using namespace xlkit::detail;
using namespace xlkit::testing;
using simtest::Xs;

// A sim host started per test (tests may kill xenstored); the test plays
// the guests through the simulated hypervisor.
class SimXenHost final : public XenHost {
public:
    ::testing::AssertionResult up() override {
        if (!host_.start("xen"))
            return ::testing::AssertionFailure() << "cannot start a sim host: " << host_.start_output();
        simtest::use_host(host_.dir());
        return ::testing::AssertionSuccess();
    }
    std::string hypervisor() const override { return "sim:" + host_.dir(); }
    int boot_ms() const override { return 5000; }
    int state_ms() const override { return 5000; }
    std::uint32_t running_domain(Ctx &, const std::string &) override { return new_domain(); }
    std::uint32_t poweroff_domain(Ctx &, const std::string &) override { return new_domain(); }
    void power_off(std::uint32_t d) override {
        EXPECT_EQ(sim_domain_shutdown(sim(), d, SIM_SHUTDOWN_POWEROFF), 0);  // the guest's SCHEDOP_shutdown
    }
    ::testing::AssertionResult destroy_from_outside(std::uint32_t d) override {
        if (sim_domain_destroy(sim(), d) == 0) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "sim_domain_destroy: " << std::strerror(errno);
    }
    void clean_up(Ctx &) override {}
    void down() override { (void)host_.stop(); }

    // A running simulated domain; introduced to xenstored (so @releaseDomain
    // covers it) unless told otherwise.
    std::uint32_t new_domain(bool introduce = true) {
        std::uint32_t d = SIM_DOMID_ANY;
        EXPECT_EQ(sim_domain_create(sim(), &d, 65536, 1, nullptr, SIM_CREATE_UNPAUSED), 0);
        if (introduce) {
            Xs xs;
            EXPECT_TRUE(xs_introduce_domain(xs.get(), d, 0, 1));
        }
        return d;
    }
    sim_t *sim() const { return host_.sim(); }
    pid_t xenstored_pid() const { return host_.xenstored_pid(); }

private:
    simtest::Host host_;
};

std::unique_ptr<XenHost> make_sim_host() { return std::make_unique<SimXenHost>(); }

INSTANTIATE_TEST_SUITE_P(Sim, XenHostTest, ::testing::Values(XenHostKind{"sim", &make_sim_host}),
                         XenHostKindName{});

// The sim host's own tests: a ctx on a fresh sim host.
class XenSimTest : public XenFixture {
protected:
    XenSimTest() { host_ = make_sim_host(); }
    void SetUp() override { ASSERT_TRUE(start_sim()); }
    bool start_sim(const std::string &filters = "") {
        start(filters);
        return !HasFatalFailure();
    }
    // Ends the ctx, the connection and the host (to start another).
    void stop_sim() {
        ctx_.reset();
        xs_.reset();
        host_->down();
    }
    SimXenHost &sim_host() { return static_cast<SimXenHost &>(*host_); }
    // A new domain destroyed, the destroy driven here: it succeeds and the
    // domain is dying or gone. Returns the most watches the ctx held.
    std::size_t destroy_new_domain_counting_watches() {
        std::uint32_t d = new_domain();
        Error rc = Error::Fail;
        bool done = false;
        std::size_t most = 0;
        EXPECT_EQ(domain_destroy(*ctx_, d, AoHow::callback([&](Error e) {
                                     rc = e;
                                     done = true;
                                 })),
                  Error::Success);
        EXPECT_TRUE(run_until([&] {
            Egc egc(impl());
            most = std::max(most, XenCtx::of(egc)->watches_active());
            return done;
        }));
        EXPECT_EQ(rc, Error::Success);
        DomainInfo i;
        Error e = domain_info(*ctx_, d, &i);
        EXPECT_TRUE(e == Error::DomainNotfound || i.state == DomainState::Dying);
        return most;
    }
    std::uint32_t new_domain(bool introduce = true) { return sim_host().new_domain(introduce); }
    sim_t *sim() { return sim_host().sim(); }
};

TEST_F(XenSimTest, RequestForAnAlreadyDeadDomainGivesDeathAtOnce) {
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, 4000, 3, &g), Error::Success);
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_TRUE(run_until([&] { collect(evs); return !evs.empty(); }));
    EXPECT_EQ(evs[0]->type(), EventType::DomainDeath);
    evdisable_domain_death(*ctx_, g);
}

TEST_F(XenSimTest, DomainResumedAfterASuspendHasItsNextShutdownReported) {
    std::uint32_t d = new_domain();
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, d, 5, &g), Error::Success);
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_EQ(sim_domain_shutdown(sim(), d, SIM_SHUTDOWN_SUSPEND), 0);
    ASSERT_TRUE(run_until([&] { collect(evs); return !evs.empty(); }));
    ASSERT_EQ(evs[0]->type(), EventType::DomainShutdown);
    EXPECT_EQ(std::get<EventDomainShutdown>(evs[0]->u).shutdown_reason, ShutdownReason::Suspend);
    // Resumed (save -c) as a toolstack does it, hypervisor then xenstored
    // (which fires no @releaseDomain for it); then it powers off.
    ASSERT_EQ(sim_domain_resume(sim(), d), 0);
    {
        Xs xs;
        ASSERT_TRUE(xs_resume_domain(xs.get(), d));
    }
    ASSERT_EQ(sim_domain_shutdown(sim(), d, SIM_SHUTDOWN_POWEROFF), 0);
    ASSERT_TRUE(run_until([&] { collect(evs); return evs.size() >= 2; }));
    ASSERT_EQ(evs[1]->type(), EventType::DomainShutdown);
    EXPECT_EQ(std::get<EventDomainShutdown>(evs[1]->u).shutdown_reason, ShutdownReason::Poweroff);
    evdisable_domain_death(*ctx_, g);
}

TEST_F(XenSimTest, OneDeathAmongAThousandDomainsGivesOneEvent) {
    std::vector<std::uint32_t> doms;
    std::vector<EvgenDomainDeath *> gs;
    for (int i = 0; i < 1000; ++i) doms.push_back(new_domain(i == 500));
    for (std::uint32_t d : doms) {
        EvgenDomainDeath *g = nullptr;
        ASSERT_EQ(evenable_domain_death(*ctx_, d, d, &g), Error::Success);
        gs.push_back(g);
    }
    settle();  // every first check has run
    ASSERT_TRUE(drain_events().empty());
    ASSERT_EQ(sim_domain_destroy(sim(), doms[500]), 0);
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_NO_FATAL_FAILURE(wait_events_then_settle(evs, 1));
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0]->domid, doms[500]);
    for (auto *g : gs) evdisable_domain_death(*ctx_, g);
}

TEST_F(XenSimTest, DomainStatesTellShutdownWithItsReasonAndDying) {
    std::uint32_t a = new_domain(false), b = new_domain(false);
    ASSERT_EQ(sim_domain_shutdown(sim(), a, SIM_SHUTDOWN_REBOOT), 0);
    ASSERT_EQ(sim_domain_ref(sim(), b), 0);  // a mapping keeps it dying, not gone
    ASSERT_EQ(sim_domain_destroy(sim(), b), 0);
    Egc egc(impl());
    Hypervisor *hv = nullptr;
    ASSERT_EQ(XenCtx::of(egc)->hv(egc, &hv), Error::Success);
    DomState st[4];
    ASSERT_EQ(hv->domain_states(a, 4, st), 2);
    EXPECT_EQ(st[0].domid, a);
    EXPECT_EQ(st[0].flags, kDomStateShutdown);
    EXPECT_EQ(st[0].shutdown_reason, SIM_SHUTDOWN_REBOOT);
    EXPECT_EQ(st[1].domid, b);
    EXPECT_TRUE(st[1].flags & kDomStateDying);
    ASSERT_EQ(sim_domain_unref(sim(), b), 0);
    ASSERT_EQ(hv->domain_states(b, 4, st), 0) << "the last unref removed it";
}

// A check after the first compares the hypervisor's answer with the last
// one and visits only the domains that changed: each change among many
// watched domains is still reported, once, for the right domain.
TEST_F(XenSimTest, ChangesAmongManyWatchedDomainsAreEachReportedOnce) {
    std::vector<std::uint32_t> doms;
    std::vector<EvgenDomainDeath *> gs;
    for (int i = 0; i < 50; ++i) doms.push_back(new_domain(i == 40));
    for (std::uint32_t d : doms) {
        EvgenDomainDeath *g = nullptr;
        ASSERT_EQ(evenable_domain_death(*ctx_, d, d, &g), Error::Success);
        gs.push_back(g);
    }
    settle();
    ASSERT_TRUE(drain_events().empty());
    // Between two checks: doms[10] shuts down, doms[20] is destroyed and its
    // domid made again for another domain (a new uuid, not dying), doms[30]
    // goes. Then doms[40] (introduced) dies: @releaseDomain, one check.
    ASSERT_EQ(sim_domain_shutdown(sim(), doms[10], SIM_SHUTDOWN_POWEROFF), 0);
    ASSERT_EQ(sim_domain_destroy(sim(), doms[20]), 0);
    std::uint32_t again = doms[20];
    ASSERT_EQ(sim_domain_create(sim(), &again, 65536, 1, nullptr, SIM_CREATE_UNPAUSED), 0);
    ASSERT_EQ(again, doms[20]);
    ASSERT_EQ(sim_domain_destroy(sim(), doms[30]), 0);
    ASSERT_EQ(sim_domain_destroy(sim(), doms[40]), 0);
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_NO_FATAL_FAILURE(wait_events_then_settle(evs, 4));
    ASSERT_EQ(evs.size(), 4u);
    EXPECT_EQ(evs[0]->domid, doms[10]);
    EXPECT_EQ(evs[0]->type(), EventType::DomainShutdown);
    for (int i = 1; i < 4; ++i) {
        EXPECT_EQ(evs[i]->domid, doms[10 * (i + 1)]);
        EXPECT_EQ(evs[i]->type(), EventType::DomainDeath);
    }
    // The shut-down domain dies later: one more event, its death only.
    ASSERT_EQ(sim_domain_destroy(sim(), doms[10]), 0);
    std::uint32_t trigger = new_domain();
    ASSERT_EQ(sim_domain_destroy(sim(), trigger), 0);
    evs.clear();
    ASSERT_NO_FATAL_FAILURE(wait_events_then_settle(evs, 1));
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0]->domid, doms[10]);
    EXPECT_EQ(evs[0]->type(), EventType::DomainDeath);
    for (auto *g : gs) evdisable_domain_death(*ctx_, g);
}

struct DisasterRec {
    std::atomic<int> calls{0};
    std::string msg;
};

TEST_F(XenSimTest, KilledXenstoredEndsEveryWaitWithAnErrorAndReportsADisaster) {
    static DisasterRec dis;
    dis.calls = 0;
    ctx_->set_disaster_callback(
        [](void *u, int, const char *msg, int) {
            auto *d = static_cast<DisasterRec *>(u);
            d->msg = msg;
            ++d->calls;
        },
        &dis);
    // Three waits for a node that never appears, as aos with long timeouts.
    struct W {
        XsWait w;
        int rc = 1;
    };
    std::vector<std::unique_ptr<W>> ws;
    std::vector<std::future<Error>> fs;
    for (int i = 0; i < 3; ++i) {
        auto *wp = new W;
        ws.emplace_back(wp);
        fs.push_back(initiate(use_future, [&, wp, i](AoHow how) {
            Egc egc(impl());
            struct St {};
            Ao *ao = nullptr;
            if (!Ao::create<St>(egc, std::move(how), &ao)) return Error::Nomem;
            wp->w.ao = ao;
            wp->w.what = "test wait";
            wp->w.path = "/test/never/" + std::to_string(i);
            wp->w.timeout_ms = 60000;
            wp->w.data = ao;
            wp->w.callback = [](Egc &g, XsWait *w, Error rc, const char *v) {
                if (rc == Error::Success && !v) return;  // keep waiting
                static_cast<Ao *>(w->data)->complete(g, rc);
            };
            Error rc = xswait_start(egc, wp->w);
            if (rc != Error::Success) return ao->create_fail(egc, rc);
            return ao->inprogress(egc);
        }));
    }
    for (int i = 0; i < 5; ++i) ASSERT_EQ(ctx_->run_once(10), Error::Success);
    ASSERT_EQ(kill(sim_host().xenstored_pid(), SIGKILL), 0);
    auto t0 = std::chrono::steady_clock::now();
    for (auto &f : fs) {
        while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            ASSERT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10)) << "a wait hung";
            ASSERT_EQ(ctx_->run_once(50), Error::Success);
        }
        EXPECT_EQ(f.get(), Error::Fail);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
    EXPECT_EQ(dis.calls, 1);
    EXPECT_NE(dis.msg.find("xenstored"), std::string::npos);
}

TEST(XenFilters, BadSpecsAreRejectedNamingThePart) {
    std::vector<FilterSpec> f;
    std::string why;
    EXPECT_EQ(parse_filters("trace,fault=read:2:EIO,fault=getinfo:delay:5,fault=watch:dup:1", &f, &why), 0);
    EXPECT_EQ(f.size(), 4u);
    EXPECT_LT(parse_filters("bogus", &f, &why), 0);
    EXPECT_NE(why.find("bogus"), std::string::npos);
    EXPECT_LT(parse_filters("fault=nosuch:1:EIO", &f, &why), 0);
    EXPECT_LT(parse_filters("fault=read:0:EIO", &f, &why), 0);
    EXPECT_LT(parse_filters("fault=read:1:ENOTANERRNO", &f, &why), 0);
    EXPECT_NE(why.find("ENOTANERRNO"), std::string::npos);
    EXPECT_LT(parse_filters("fault=read:drop:1", &f, &why), 0);
}

// Fault injection, one kind of backend call at a time: each failure reaches
// the caller as a clear error and nothing hangs.
class XenFaultTest : public XenSimTest {
protected:
    void SetUp() override {}
};

TEST_F(XenFaultTest, EveryKindOfXenstoreCallCanFailCleanly) {
    for (const char *kind : {"read", "write", "mkdir", "rm", "directory", "watch", "txn_start", "txn_end"}) {
        SCOPED_TRACE(kind);
        ASSERT_TRUE(start_sim(std::string("fault=") + kind + ":1:EACCES"));
        {
        Egc egc(impl());
        XenCtx *x = XenCtx::of(egc);
        Xenstore *xs = nullptr;
        ASSERT_EQ(x->xs(egc, &xs), Error::Success);
        std::string v;
        std::vector<std::string> names;
        XsTxn t = 0;
        int r = 0;
        std::string k = kind;
        if (k == "read") r = xs->read(0, "/", &v);
        if (k == "write") r = xs->write(0, "/test/f", "1");
        if (k == "mkdir") r = xs->mkdir(0, "/test/g");
        if (k == "rm") r = xs->rm(0, "/test");
        if (k == "directory") r = xs->directory(0, "/", &names);
        if (k == "txn_start") r = xs->transaction_start(&t);
        if (k == "txn_end") {
            ASSERT_EQ(xs->transaction_start(&t), 0);
            r = xs->transaction_end(t, false);
        }
        if (k == "watch") {
            WatchRec w;
            w.w.data = &w;
            EXPECT_EQ(x->xswatch_register(egc, w.w, rec_cb, "/test"), Error::Fail);
            EXPECT_FALSE(w.w.active());
            r = -EACCES;
        }
        EXPECT_EQ(r, -EACCES);
        }
        stop_sim();
    }
}

TEST_F(XenFaultTest, EveryKindOfHypervisorCallCanFailCleanly) {
    for (const char *kind : {"getinfo", "pause", "unpause", "destroy", "shutdown", "physinfo"}) {
        SCOPED_TRACE(kind);
        ASSERT_TRUE(start_sim(std::string("fault=") + kind + ":1:EPERM"));
        std::uint32_t d = new_domain(false);
        {
        Egc egc(impl());
        Hypervisor *hv = nullptr;
        ASSERT_EQ(XenCtx::of(egc)->hv(egc, &hv), Error::Success);
        DomInfo info[4];
        std::uint64_t a, b;
        std::string k = kind;
        int r = k == "getinfo"    ? hv->domain_getinfolist(0, 4, info)
                : k == "pause"    ? hv->domain_pause(d)
                : k == "unpause"  ? hv->domain_unpause(d)
                : k == "destroy"  ? hv->domain_destroy(d)
                : k == "shutdown" ? hv->domain_shutdown(d, 0)
                                  : hv->physinfo(&a, &b);
        EXPECT_EQ(r, -EPERM);
        if (k == "getinfo") {  // the death check's narrow query is the same kind
            DomState st[4];
            EXPECT_EQ(hv->domain_states(0, 4, st), 2) << "only the first call of the kind fails";
        }
        }
        stop_sim();
    }
}

TEST_F(XenFaultTest, DuplicatedReleaseDomainEventStillGivesOneDeath) {
    ASSERT_TRUE(start_sim("fault=watch:dup:2"));
    std::uint32_t d = new_domain();
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, d, 1, &g), Error::Success);
    // Watch event 1 is @releaseDomain's registration, 2 the destroy's (the
    // one duplicated); no settle() here: its watches' events would count.
    for (int i = 0; i < 5; ++i) ASSERT_EQ(ctx_->run_once(10), Error::Success);
    ASSERT_EQ(sim_domain_destroy(sim(), d), 0);
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_NO_FATAL_FAILURE(wait_events_then_settle(evs, 1));
    EXPECT_EQ(evs.size(), 1u);
    evdisable_domain_death(*ctx_, g);
}

TEST_F(XenFaultTest, FailingHypervisorQueryDuringADeathCheckIsADisaster) {
    ASSERT_TRUE(start_sim("fault=getinfo:1:EIO"));
    static std::atomic<int> calls;
    calls = 0;
    ctx_->set_disaster_callback([](void *, int, const char *, int) { ++calls; }, nullptr);
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, 1, 1, &g), Error::Success);
    ASSERT_TRUE(run_until([&] { return calls > 0; }));
    evdisable_domain_death(*ctx_, g);
}

// A command that takes a domid and then asks for the domain's details (as
// the CLI's save and migrate do) reads its name once: the number is checked
// with the hypervisor alone, so no lookup is a second one, and the name
// cache sets up no watch (nor the connection watches need).
TEST_F(XenSimTest, ResolvingADomidAndThenAskingForTheDomainWatchesNothing) {
    const std::uint32_t d = new_domain();
    std::uint32_t got = 0;
    ASSERT_EQ(domain_qualifier_to_domid(*ctx_, std::to_string(d), &got), Error::Success);
    EXPECT_EQ(got, d);
    DomainInfo i;
    ASSERT_EQ(domain_info(*ctx_, d, &i), Error::Success);
    Egc egc(impl());
    EXPECT_EQ(XenCtx::of(egc)->watches_active(), 0u);
    EXPECT_LT(XenCtx::of(egc)->xs_watch_fd(), 0) << "the watches' connection was opened";
}

// The destroy hypercall returns once the domain has given its resources
// back: one query then finds it dying or gone, and no watch is set up.
TEST_F(XenSimTest, ADestroyWatchesNothingWhenTheHypercallLeftTheDomainGone) {
    EXPECT_EQ(destroy_new_domain_counting_watches(), 0u) << "a watch for a domain already gone";
}

// When that query fails, the destroy waits for @releaseDomain as before.
TEST_F(XenFaultTest, ADestroyWhoseQueryAfterTheHypercallFailsWaitsForTheReleaseAndCompletes) {
    ASSERT_TRUE(start_sim("fault=getinfo:2:EIO"));  // 1: the destroy's first look at the domain
    EXPECT_EQ(destroy_new_domain_counting_watches(), 1u) << "the release was not waited for through @releaseDomain";
}

} // namespace

namespace {

TEST_F(XenSimTest, GuestEjectRequestIsAcknowledgedAndReportedWithTheDisk) {
    std::uint32_t d = new_domain();
    Xs &x = *xs_;
    std::string fe = "/local/domain/" + std::to_string(d) + "/device/vbd/51712";
    std::string be = "/local/domain/0/backend/vbd/" + std::to_string(d) + "/51712";
    ASSERT_TRUE(x.write(fe + "/backend", be));
    ASSERT_TRUE(x.write(fe + "/eject", ""));
    ASSERT_TRUE(x.write(be + "/params", "/srv/media.iso"));
    ASSERT_TRUE(x.write(be + "/mode", "r"));
    ASSERT_TRUE(x.write(be + "/device-type", "cdrom"));
    EvgenDiskEject *g = nullptr;
    ASSERT_EQ(evenable_disk_eject(*ctx_, d, "xvda", 5, &g), Error::Success);
    settle();  // the eject watch's first event has been handled
    EXPECT_TRUE(drain_events().empty()) << "no eject requested yet";
    ASSERT_TRUE(x.write(fe + "/eject", "eject"));
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_TRUE(run_until([&] { collect(evs); return !evs.empty(); }));
    ASSERT_EQ(evs.size(), 1u);
    ASSERT_EQ(evs[0]->type(), EventType::DiskEject);
    const auto &de = std::get<EventDiskEject>(evs[0]->u);
    EXPECT_EQ(de.vdev, "xvda");
    EXPECT_EQ(de.disk.pdev_path, "/srv/media.iso");
    EXPECT_TRUE(de.disk.is_cdrom);
    EXPECT_FALSE(de.disk.readwrite);
    EXPECT_EQ(evs[0]->for_user, 5u);
    EXPECT_EQ(x.read(fe + "/eject").value_or("?"), "") << "not acknowledged";
    EXPECT_EQ(x.read(be + "/params").value_or("?"), "");
    evdisable_disk_eject(*ctx_, g);
}

TEST_F(XenSimTest, EjectRequestForAnUnknownVdevNameIsInval) {
    EvgenDiskEject *g = nullptr;
    EXPECT_EQ(evenable_disk_eject(*ctx_, 1, "floppy", 5, &g), Error::Inval);
    EXPECT_EQ(evenable_disk_eject(*ctx_, 1, nullptr, 5, &g), Error::Inval);
}

TEST(VdevToDevid, NamesMapToXenstoreDeviceNumbers) {
    EXPECT_EQ(vdev_to_devid("xvda"), 51712);
    EXPECT_EQ(vdev_to_devid("xvdb3"), 51731);
    EXPECT_EQ(vdev_to_devid("hda"), 768);
    EXPECT_EQ(vdev_to_devid("sdb"), 2064);
    EXPECT_EQ(vdev_to_devid("51712"), 51712);
    EXPECT_EQ(vdev_to_devid("xvdq"), (1 << 28) | (16 << 8));
    EXPECT_EQ(vdev_to_devid("xvd"), -1);
    EXPECT_EQ(vdev_to_devid("xvda999"), -1);
    EXPECT_EQ(vdev_to_devid(""), -1);
    EXPECT_EQ(vdev_to_devid(nullptr), -1);
}

} // namespace
