// The Xen layer's behaviours that every host shows, one body each: compiled
// into tests/xen-sim-tests (the userspace sim host: the real xenstored, a
// simulated hypervisor, the test plays the guests) and tests/xen-vm-tests
// (real Xen: libxenctrl, real PV guests, xl as the other toolstack). See
// tests/support/xen_host.hpp.
#include <cstring>
#include <poll.h>

#include "support/xen_host.hpp"
#include "xen/xswait.hpp"

namespace {

using namespace xlkit;
using namespace xlkit::detail;
using namespace xlkit::testing;

TEST_P(XenHostTest, WatchFiresOnRegistrationAndOnEachChange) {
    WatchRec r;
    r.w.data = &r;
    ASSERT_TRUE(xs_->write("/test/xen-a", ""));
    {
        Egc egc(impl());
        ASSERT_EQ(XenCtx::of(egc)->xswatch_register(egc, r.w, rec_cb, "/test/xen-a"), Error::Success);
    }
    ASSERT_TRUE(run_until([&] { return r.events.size() == 1; }));
    ASSERT_TRUE(xs_->write("/test/xen-a/x", "1"));
    ASSERT_TRUE(run_until([&] { return r.events.size() == 2; }));
    EXPECT_EQ(r.events[1], "/test/xen-a/x");
    EXPECT_EQ(r.failures, 0);
    Egc egc(impl());
    XenCtx::of(egc)->xswatch_deregister(egc, r.w);
    XenCtx::of(egc)->xswatch_deregister(egc, r.w);  // twice is harmless
}

TEST_P(XenHostTest, StaleEventForAReusedWatchSlotIsIgnored) {
    WatchRec a, b;
    a.w.data = &a;
    b.w.data = &b;
    {
        Egc egc(impl());
        ASSERT_EQ(XenCtx::of(egc)->xswatch_register(egc, a.w, rec_cb, "/test/xen-stale-a"), Error::Success);
    }
    ASSERT_TRUE(run_until([&] { return a.events.size() == 1; }));
    ASSERT_TRUE(xs_->write("/test/xen-stale-a", "queued"));  // an event in flight for a's token
    {
        // Wait until it has reached the ctx's connection (its fd is readable),
        // without handling it, so that it is still pending when a's slot is
        // reused.
        Egc egc(impl());
        int fd = XenCtx::of(egc)->xs_watch_fd();
        ASSERT_GE(fd, 0);
        pollfd p{fd, POLLIN, 0};
        ASSERT_EQ(poll(&p, 1, host_->state_ms()), 1) << "a's event never reached the ctx's connection";
    }
    {
        Egc egc(impl());
        XenCtx::of(egc)->xswatch_deregister(egc, a.w);
        ASSERT_EQ(XenCtx::of(egc)->xswatch_register(egc, b.w, rec_cb, "/test/xen-stale-b"), Error::Success);  // a's slot
    }
    // xenstored sends a's stale event before b's first one: once b has fired,
    // the stale event has been handled (and must have been dropped).
    ASSERT_TRUE(run_until([&] { return b.events.size() == 1; }));
    for (auto &e : b.events) EXPECT_EQ(e, "/test/xen-stale-b") << "b got a's stale event";
    EXPECT_EQ(a.events.size(), 1u);
    Egc egc(impl());
    XenCtx::of(egc)->xswatch_deregister(egc, b.w);
}

TEST_P(XenHostTest, TransactionConflictIsRetried) {
    ASSERT_TRUE(xs_->write("/test/xen-c", "0"));
    int attempts = 0;
    Egc egc(impl());
    Error rc = xs_transact(egc, *XenCtx::of(egc), "increment /test/xen-c", [&](Xenstore &x, XsTxn t) {
        ++attempts;
        std::string v;
        if (x.read(t, "/test/xen-c", &v) < 0) return Error::Fail;
        if (attempts == 1) {
            EXPECT_TRUE(xs_->write("/test/xen-c", "10"));  // a conflicting write
        }
        return x.write(t, "/test/xen-c", std::to_string(std::stoi(v) + 1)) < 0 ? Error::Fail : Error::Success;
    });
    EXPECT_EQ(rc, Error::Success);
    EXPECT_EQ(attempts, 2) << "xenstored should have refused the first commit with EAGAIN";
    EXPECT_EQ(xs_->read("/test/xen-c").value_or(""), "11");
}

TEST_P(XenHostTest, DestroyedDomainGivesExactlyOneDeathAndNoShutdown) {
    std::uint32_t d = host_->running_domain(*ctx_, "xen-death-destroyed");
    ASSERT_NE(d, 0u);
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, d, 11, &g), Error::Success);
    settle();  // the evgen's first check has run
    std::vector<std::unique_ptr<Event>> evs;
    collect(evs);
    EXPECT_TRUE(evs.empty()) << "an event for a running domain";
    ASSERT_TRUE(host_->destroy_from_outside(d));
    ASSERT_NO_FATAL_FAILURE(wait_events_then_settle(evs, 1));
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0]->type(), EventType::DomainDeath);
    EXPECT_EQ(evs[0]->domid, d);
    EXPECT_EQ(evs[0]->for_user, 11u);
    evdisable_domain_death(*ctx_, g);
}

// The death check's narrow query (Hypervisor::domain_states) says what the
// full one says, for the same domains, one query each.
TEST_P(XenHostTest, DomainStatesAgreeWithGetinfolist) {
    std::uint32_t d = host_->running_domain(*ctx_, "xen-domain-states");
    ASSERT_NE(d, 0u);
    Egc egc(impl());
    Hypervisor *hv = nullptr;
    ASSERT_EQ(XenCtx::of(egc)->hv(egc, &hv), Error::Success);
    std::vector<DomInfo> info(1024);
    std::vector<DomState> st(1024);
    int n = hv->domain_getinfolist(0, 1024, info.data());
    int m = hv->domain_states(0, 1024, st.data());
    ASSERT_GE(n, 2) << "dom0 and the guest";
    ASSERT_EQ(m, n);
    bool found = false;
    for (int i = 0; i < n; ++i) {
        SCOPED_TRACE(info[i].domid);
        EXPECT_EQ(st[i].domid, info[i].domid);
        EXPECT_EQ(std::memcmp(st[i].uuid, info[i].uuid, 16), 0);
        EXPECT_EQ(bool(st[i].flags & kDomStateDying), info[i].dying);
        EXPECT_EQ(bool(st[i].flags & kDomStateShutdown), info[i].shutdown);
        EXPECT_EQ(st[i].shutdown_reason, info[i].shutdown ? info[i].shutdown_reason : -1);
        found |= st[i].domid == d;
    }
    EXPECT_TRUE(found);
    // From a domid, at most max: the guest alone.
    ASSERT_EQ(hv->domain_states(d, 1, st.data()), 1);
    EXPECT_EQ(st[0].domid, d);
    EXPECT_EQ(st[0].flags, 0u);
    EXPECT_EQ(st[0].shutdown_reason, -1);
    EXPECT_EQ(hv->domain_states(0x7FEF, 1, st.data()), 0) << "no domain at the last domid";
}

TEST_P(XenHostTest, PoweredOffDomainGivesOneShutdownWithItsReasonThenOneDeath) {
    std::uint32_t d = host_->poweroff_domain(*ctx_, "xen-death-poweroff");
    ASSERT_NE(d, 0u);
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, d, 12, &g), Error::Success);
    host_->power_off(d);
    std::vector<std::unique_ptr<Event>> evs;
    // On real Xen the guest boots (under emulation: seconds) first.
    ASSERT_NO_FATAL_FAILURE(wait_events_then_settle(evs, 1, host_->boot_ms())) << "did the guest power off?";
    ASSERT_EQ(evs.size(), 1u) << "exactly one event while the domain is shut down";
    ASSERT_EQ(evs[0]->type(), EventType::DomainShutdown);
    EXPECT_EQ(std::get<EventDomainShutdown>(evs[0]->u).shutdown_reason, ShutdownReason::Poweroff);
    DomainInfo di;
    ASSERT_EQ(domain_info(*ctx_, d, &di), Error::Success);
    EXPECT_EQ(di.state, DomainState::Shutdown);
    destroy_and_expect_death_after_shutdown(d, evs, g);
}

} // namespace
