// The Xen layer against the userspace sim host: the real xenstored and
// libxenstore, xlkit's simulated hypervisor.
#include <atomic>
#include <csignal>
#include <gtest/gtest.h>
#include <set>
#include <thread>

#include "sim_support.hpp"
#include "support/ctx_fixture.hpp"
#include "support/modes.hpp"
#include "support/watch_rec.hpp"
#include "xen/filters.hpp"
#include "xen/xen_ctx.hpp"
#include "xen/xswait.hpp"
#include <xlkit/evgen.hpp>

namespace {

using namespace xlkit;
using namespace xlkit::detail;
using namespace xlkit::testing;
using simtest::Host;
using simtest::Xs;

// A ctx on a fresh sim host (one per test: tests may kill xenstored).
class XenSimTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(start()); }
    bool start(const std::string &filters = "") {
        if (!host_.start("xen")) return false;
        simtest::use_host(host_.dir());
        xs_ = std::make_unique<Xs>();
        if (!*xs_) return false;
        CtxOptions o;
        o.hypervisor = "sim:" + host_.dir();
        o.filters = filters;
        o.logger = logger_;
        return Ctx::create(&ctx_, o) == Error::Success;
    }
    void TearDown() override {
        ctx_.reset();
        xs_.reset();
        (void)host_.stop();
    }
    CtxImpl &impl() { return ctx_->impl(); }
    // A simulated domain xenstored knows about (so @releaseDomain covers it).
    std::uint32_t new_domain(bool introduce = true) {
        std::uint32_t d = SIM_DOMID_ANY;
        EXPECT_EQ(sim_domain_create(host_.sim(), &d, 65536, 1, nullptr, SIM_CREATE_UNPAUSED), 0);
        if (introduce) {
            EXPECT_TRUE(xs_introduce_domain(xs_->get(), d, 0, 1));
        }
        return d;
    }
    bool run_until(const std::function<bool()> &pred, int ms = 5000) {
        auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (!pred()) {
            if (std::chrono::steady_clock::now() > end) return false;
            EXPECT_EQ(ctx_->run_once(50), Error::Success);
        }
        return true;
    }
    std::vector<std::unique_ptr<Event>> drain_events() {
        std::vector<std::unique_ptr<Event>> v;
        std::unique_ptr<Event> ev;
        while (ctx_->event_check(&ev) == Error::Success) v.push_back(std::move(ev));
        return v;
    }

    Host host_;
    std::unique_ptr<Xs> xs_;  // the test's own connection to the host
    xentoollog_logger *logger_ = nullptr;
    std::unique_ptr<Ctx> ctx_;
};


TEST_F(XenSimTest, WatchFiresOnRegistrationAndOnEachChange) {
    Xs other;
    ASSERT_TRUE(other);
    WatchRec r;
    r.w.data = &r;
    {
        Egc egc(impl());
        ASSERT_EQ(XenCtx::of(egc)->xswatch_register(egc, r.w, rec_cb, "/test/a"), Error::Success);
    }
    ASSERT_TRUE(run_until([&] { return r.events.size() == 1; }));
    ASSERT_TRUE(other.write("/test/a/x", "1"));
    ASSERT_TRUE(run_until([&] { return r.events.size() == 2; }));
    EXPECT_EQ(r.events[1], "/test/a/x");
    Egc egc(impl());
    XenCtx::of(egc)->xswatch_deregister(egc, r.w);
    XenCtx::of(egc)->xswatch_deregister(egc, r.w);
}

TEST_F(XenSimTest, StaleEventForAReusedWatchSlotIsIgnored) {
    Xs other;
    WatchRec a, b;
    a.w.data = &a;
    b.w.data = &b;
    {
        Egc egc(impl());
        ASSERT_EQ(XenCtx::of(egc)->xswatch_register(egc, a.w, rec_cb, "/test/a"), Error::Success);
    }
    ASSERT_TRUE(run_until([&] { return a.events.size() == 1; }));
    ASSERT_TRUE(other.write("/test/a", "queued"));  // event in flight for a's token
    usleep(50000);
    {
        Egc egc(impl());
        XenCtx::of(egc)->xswatch_deregister(egc, a.w);
        // b takes a's slot with a new counter.
        ASSERT_EQ(XenCtx::of(egc)->xswatch_register(egc, b.w, rec_cb, "/test/b"), Error::Success);
    }
    ASSERT_TRUE(run_until([&] { return b.events.size() == 1; }));
    for (int i = 0; i < 5; ++i) ASSERT_EQ(ctx_->run_once(20), Error::Success);
    for (auto &e : b.events) EXPECT_EQ(e, "/test/b") << "b got a's stale event";
    EXPECT_EQ(a.events.size(), 1u);
    Egc egc(impl());
    XenCtx::of(egc)->xswatch_deregister(egc, b.w);
}

TEST_F(XenSimTest, TransactionConflictIsRetried) {
    Xs other;
    ASSERT_TRUE(other.write("/test/c", "0"));
    int attempts = 0;
    Egc egc(impl());
    Error rc = xs_transact(egc, *XenCtx::of(egc), "increment /test/c", [&](Xenstore &x, XsTxn t) {
        ++attempts;
        std::string v;
        if (x.read(t, "/test/c", &v) < 0) return Error::Fail;
        if (attempts == 1) {
            EXPECT_TRUE(other.write("/test/c", "10"));  // conflicting write
        }
        return x.write(t, "/test/c", std::to_string(std::stoi(v) + 1)) < 0 ? Error::Fail : Error::Success;
    });
    EXPECT_EQ(rc, Error::Success);
    EXPECT_EQ(attempts, 2);
    EXPECT_EQ(other.read("/test/c").value_or(""), "11");
}

TEST_F(XenSimTest, DestroyedDomainGivesExactlyOneDeath) {
    std::uint32_t d = new_domain();
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, d, 7, &g), Error::Success);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(ctx_->run_once(20), Error::Success);
    EXPECT_TRUE(drain_events().empty());
    ASSERT_EQ(sim_domain_destroy(host_.sim(), d), 0);
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_TRUE(run_until([&] {
        for (auto &e : drain_events()) evs.push_back(std::move(e));
        return !evs.empty();
    }));
    for (int i = 0; i < 10; ++i) ASSERT_EQ(ctx_->run_once(20), Error::Success);
    for (auto &e : drain_events()) evs.push_back(std::move(e));
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0]->type(), EventType::DomainDeath);
    EXPECT_EQ(evs[0]->domid, d);
    EXPECT_EQ(evs[0]->for_user, 7u);
    evdisable_domain_death(*ctx_, g);
}

TEST_F(XenSimTest, PoweredOffDomainGivesShutdownWithReasonThenDeath) {
    std::uint32_t d = new_domain();
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, d, 1, &g), Error::Success);
    ASSERT_EQ(sim_domain_shutdown(host_.sim(), d, SIM_SHUTDOWN_POWEROFF), 0);
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_TRUE(run_until([&] {
        for (auto &e : drain_events()) evs.push_back(std::move(e));
        return !evs.empty();
    }));
    ASSERT_EQ(evs.size(), 1u);
    ASSERT_EQ(evs[0]->type(), EventType::DomainShutdown);
    EXPECT_EQ(std::get<EventDomainShutdown>(evs[0]->u).shutdown_reason, ShutdownReason::Poweroff);
    ASSERT_EQ(sim_domain_destroy(host_.sim(), d), 0);
    ASSERT_TRUE(run_until([&] {
        for (auto &e : drain_events()) evs.push_back(std::move(e));
        return evs.size() >= 2;
    }));
    for (int i = 0; i < 10; ++i) ASSERT_EQ(ctx_->run_once(20), Error::Success);
    for (auto &e : drain_events()) evs.push_back(std::move(e));
    ASSERT_EQ(evs.size(), 2u);
    EXPECT_EQ(evs[1]->type(), EventType::DomainDeath);
    evdisable_domain_death(*ctx_, g);
}

TEST_F(XenSimTest, RequestForAnAlreadyDeadDomainGivesDeathAtOnce) {
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, 4000, 3, &g), Error::Success);
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_TRUE(run_until([&] {
        for (auto &e : drain_events()) evs.push_back(std::move(e));
        return !evs.empty();
    }));
    EXPECT_EQ(evs[0]->type(), EventType::DomainDeath);
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
    for (int i = 0; i < 10; ++i) ASSERT_EQ(ctx_->run_once(10), Error::Success);
    ASSERT_TRUE(drain_events().empty());
    ASSERT_EQ(sim_domain_destroy(host_.sim(), doms[500]), 0);
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_TRUE(run_until([&] {
        for (auto &e : drain_events()) evs.push_back(std::move(e));
        return !evs.empty();
    }));
    for (int i = 0; i < 10; ++i) ASSERT_EQ(ctx_->run_once(10), Error::Success);
    for (auto &e : drain_events()) evs.push_back(std::move(e));
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0]->domid, doms[500]);
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
    ASSERT_EQ(kill(host_.xenstored_pid(), SIGKILL), 0);
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
        ASSERT_TRUE(start(std::string("fault=") + kind + ":1:EACCES"));
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
        ctx_.reset();
        xs_.reset();
        (void)host_.stop();
    }
}

TEST_F(XenFaultTest, EveryKindOfHypervisorCallCanFailCleanly) {
    for (const char *kind : {"getinfo", "pause", "unpause", "destroy", "shutdown", "physinfo"}) {
        SCOPED_TRACE(kind);
        ASSERT_TRUE(start(std::string("fault=") + kind + ":1:EPERM"));
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
        }
        ctx_.reset();
        xs_.reset();
        (void)host_.stop();
    }
}

TEST_F(XenFaultTest, DuplicatedReleaseDomainEventStillGivesOneDeath) {
    ASSERT_TRUE(start("fault=watch:dup:2"));
    std::uint32_t d = new_domain();
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, d, 1, &g), Error::Success);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(ctx_->run_once(10), Error::Success);
    ASSERT_EQ(sim_domain_destroy(host_.sim(), d), 0);
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_TRUE(run_until([&] {
        for (auto &e : drain_events()) evs.push_back(std::move(e));
        return !evs.empty();
    }));
    for (int i = 0; i < 10; ++i) ASSERT_EQ(ctx_->run_once(10), Error::Success);
    for (auto &e : drain_events()) evs.push_back(std::move(e));
    EXPECT_EQ(evs.size(), 1u);
    evdisable_domain_death(*ctx_, g);
}

TEST_F(XenFaultTest, FailingHypervisorQueryDuringADeathCheckIsADisaster) {
    ASSERT_TRUE(start("fault=getinfo:1:EIO"));
    static std::atomic<int> calls;
    calls = 0;
    ctx_->set_disaster_callback([](void *, int, const char *, int) { ++calls; }, nullptr);
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, 1, 1, &g), Error::Success);
    ASSERT_TRUE(run_until([&] { return calls > 0; }));
    evdisable_domain_death(*ctx_, g);
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
    for (int i = 0; i < 5; ++i) ASSERT_EQ(ctx_->run_once(10), Error::Success);
    EXPECT_TRUE(drain_events().empty()) << "no eject requested yet";
    ASSERT_TRUE(x.write(fe + "/eject", "eject"));
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_TRUE(run_until([&] {
        for (auto &e : drain_events()) evs.push_back(std::move(e));
        return !evs.empty();
    }));
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
