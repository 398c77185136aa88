// The Xen-layer suite that runs on every host (tests/xen/xen_host_test.cpp),
// the way the ao suites run in every completion mode: one body per
// behaviour, compiled into tests/xen-sim-tests (the userspace sim host) and
// tests/xen-vm-tests (real Xen in a dom0), each binary instantiating it with
// its own XenHost. Host-specific tests stay in each host's file and use the
// same fixture.
#pragma once

#include <chrono>
#include <cstring>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <ostream>
#include <string>
#include <unistd.h>
#include <vector>

#include "support/sim_support.hpp"  // simtest::Xs: the test's own libxenstore connection
#include "support/watch_rec.hpp"
#include "xen/xen_ctx.hpp"
#include <xlkit/ctx.hpp>
#include <xlkit/domain.hpp>
#include <xlkit/evgen.hpp>

namespace xlkit::testing {

// What the shared suite needs of a host: a hypervisor and a xenstored, and
// domains whose guests act as the tests need.
class XenHost {
public:
    virtual ~XenHost() = default;
    // Readies the host (starts a sim host; checks that this is a Xen dom0).
    virtual ::testing::AssertionResult up() = 0;
    // The ctx's hypervisor option ("sim:DIR", "xenctrl").
    virtual std::string hypervisor() const = 0;
    // Bounds on waits for a state: they only decide how long a broken build
    // takes to fail; every wait ends as soon as its state is reached.
    virtual int boot_ms() const = 0;   // a new domain's guest is running
    virtual int state_ms() const = 0;  // a hypervisor or xenstore state follows an action
    // A running domain, known to xenstored (so @releaseDomain covers it); 0
    // (with a test failure) if it could not be made.
    virtual std::uint32_t running_domain(Ctx &ctx, const std::string &name) = 0;
    // A domain whose guest powers it off once power_off() was called (the
    // sim host's guest acts then; a real poweroff guest does so by itself
    // after booting).
    virtual std::uint32_t poweroff_domain(Ctx &ctx, const std::string &name) = 0;
    virtual void power_off(std::uint32_t domid) = 0;
    // Destroys a domain behind xlkit's back, as another toolstack would.
    virtual ::testing::AssertionResult destroy_from_outside(std::uint32_t domid) = 0;
    // Before the ctx goes: removes what the test left (the domains it made).
    virtual void clean_up(Ctx &ctx) = 0;
    // After the ctx has gone.
    virtual void down() = 0;
};

// The shared suite's parameter: a host, by name (the tests' name suffix).
struct XenHostKind {
    const char *name;
    std::unique_ptr<XenHost> (*make)();
    friend std::ostream &operator<<(std::ostream &o, const XenHostKind &k) { return o << k.name; }
};
struct XenHostKindName {
    std::string operator()(const ::testing::TestParamInfo<XenHostKind> &i) const { return i.param.name; }
};

// A ctx on a host, with the test's own xenstore connection.
class XenFixture : public ::testing::Test {
protected:
    // Readies host_ and opens the connection and the ctx over it.
    void start(const std::string &filters = "") {
        ASSERT_TRUE(host_->up());
        xs_ = std::make_unique<simtest::Xs>();
        ASSERT_TRUE(*xs_) << "xs_open: " << std::strerror(errno);
        CtxOptions o;
        o.hypervisor = host_->hypervisor();
        o.filters = filters;
        ASSERT_EQ(Ctx::create(&ctx_, o), Error::Success);
    }
    void TearDown() override {
        if (ctx_) {
            host_->clean_up(*ctx_);
            EXPECT_EQ(ao_inflight(*ctx_), 0u);
        }
        ctx_.reset();
        xs_.reset();
        if (host_) host_->down();
    }
    detail::CtxImpl &impl() { return ctx_->impl(); }

    // Drives the ctx until pred holds; false after ms (default: the host's
    // state_ms()).
    bool run_until(const std::function<bool()> &pred, int ms = -1) {
        if (ms < 0) ms = host_->state_ms();
        auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (!pred()) {
            if (std::chrono::steady_clock::now() > end) return false;
            EXPECT_EQ(ctx_->run_once(50), Error::Success);
        }
        return true;
    }
    // Appends the events queued on the ctx to evs.
    void collect(std::vector<std::unique_ptr<Event>> &evs) {
        std::unique_ptr<Event> ev;
        while (ctx_->event_check(&ev) == Error::Success) evs.push_back(std::move(ev));
    }
    std::vector<std::unique_ptr<Event>> drain_events() {
        std::vector<std::unique_ptr<Event>> v;
        collect(v);
        return v;
    }
    // Returns once the ctx has handled every xenstore event xenstored sent it
    // before this call, and whatever those events scheduled: xenstored
    // delivers a connection's watch events in order, so when a watch on a
    // fresh node has fired for a write made now, everything earlier (such as
    // @releaseDomain) has been handled; the second round covers work the
    // first round's handlers deferred (the batched death check). A state to
    // wait for, where a fixed number of loop turns would be a guess.
    void settle() {
        static int n = 0;
        for (int round = 0; round < 2; ++round) {
            WatchRec r;
            r.w.data = &r;
            const std::string path = "/test/settle-" + std::to_string(getpid()) + "-" + std::to_string(++n);
            ASSERT_TRUE(xs_->write(path, ""));
            {
                detail::Egc egc(impl());
                ASSERT_EQ(detail::XenCtx::of(egc)->xswatch_register(egc, r.w, rec_cb, path), Error::Success);
            }
            // A child: a write to the watched node itself right after the
            // registration was seen to give one event on real Xen, not two.
            const bool wrote = xs_->write(path + "/x", "1");
            const bool ok = wrote && run_until([&] { return r.events.size() >= 2; }, host_->state_ms());
            detail::Egc egc(impl());
            detail::XenCtx::of(egc)->xswatch_deregister(egc, r.w);
            ASSERT_TRUE(wrote);
            ASSERT_TRUE(ok) << "xenstore barrier on " << path << ": " << r.events.size() << " events, "
                            << r.failures << " failures";
        }
    }

    // Waits until evs holds at least n events, then until the ctx has settled
    // (a further one, such as a duplicate, would have come by then), and
    // collects what came meanwhile.
    void wait_events_then_settle(std::vector<std::unique_ptr<Event>> &evs, std::size_t n, int ms = -1) {
        ASSERT_TRUE(run_until([&] { collect(evs); return evs.size() >= n; }, ms))
            << "waited for " << n << " events, " << evs.size() << " came";
        settle();
        collect(evs);
    }
    // After a SHUTDOWN event in evs: destroy the domain (as on_poweroff=
    // destroy does) and expect exactly one more event, its DEATH.
    void destroy_and_expect_death_after_shutdown(std::uint32_t d, std::vector<std::unique_ptr<Event>> &evs,
                                                 EvgenDomainDeath *g) {
        ASSERT_EQ(domain_destroy(*ctx_, d, AoHow{}), Error::Success);
        ASSERT_NO_FATAL_FAILURE(wait_events_then_settle(evs, 2));
        ASSERT_EQ(evs.size(), 2u);
        EXPECT_EQ(evs[1]->type(), EventType::DomainDeath);
        evdisable_domain_death(*ctx_, g);
    }

    std::unique_ptr<XenHost> host_;
    std::unique_ptr<simtest::Xs> xs_;  // the test's own connection to the host's xenstored
    std::unique_ptr<Ctx> ctx_;
};

// The shared suite's fixture: instantiated by each host's binary with
// INSTANTIATE_TEST_SUITE_P(Host, XenHostTest,
//                          ::testing::Values(XenHostKind{"host", &make_host}), XenHostKindName{}).
class XenHostTest : public XenFixture, public ::testing::WithParamInterface<XenHostKind> {
protected:
    void SetUp() override {
        host_ = GetParam().make();
        start();
    }
};

} // namespace xlkit::testing
