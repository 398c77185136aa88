// The Xen layer and the domain operations against real Xen 4.17: libxenctrl,
// the real xenstored and xenconsoled, real PV guests. Runs in dom0 of Xen in
// a box (tools/hosts/xenbox/xenbox; scripts/test's "vm" tier), where the tiny
// guests of docs/hosts.md live in /opt/xenbox/guests. The behaviours every
// host shows are in tests/xen/xen_host_test.cpp, run here on a VmXenHost;
// the tests below need real guests. Outside a Xen dom0 every test fails (it
// does not skip): a run that tested nothing must not look like a pass.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <poll.h>
#include <sstream>
#include <stop_token>
#include <termios.h>
#include <unistd.h>

#include "support/modes.hpp"
#include "support/xen_host.hpp"
#include "vm/evtchn_unbound.h"
#include <xlkit/domain.hpp>

namespace {

using namespace xlkit;
using namespace xlkit::detail;
using namespace xlkit::testing;
using Clock = std::chrono::steady_clock;

// Bounds on waits for a state. They only decide how long a broken build takes
// to fail: every wait ends as soon as its state is reached. Guests boot under
// emulation on machines that may be busy, so the bounds are generous.
constexpr int kBootMs = 180000;   // a guest's kernel and init run
constexpr int kStateMs = 60000;   // a hypervisor or xenstore state follows an action

std::string guests_dir() {
    const char *d = std::getenv("XLKIT_VM_GUESTS");
    return d && *d ? d : "/opt/xenbox/guests";
}

bool on_xen_dom0(std::string *why) {
    std::ifstream caps("/proc/xen/capabilities");
    std::string c;
    if (!caps || !std::getline(caps, c)) {
        *why = "/proc/xen/capabilities is missing: this is not a Xen dom0 (run the tests through "
               "tools/hosts/xenbox/xenbox, as scripts/test does)";
        return false;
    }
    if (c.find("control_d") == std::string::npos) {
        *why = "/proc/xen/capabilities says '" + c + "': not the control domain";
        return false;
    }
    return true;
}

// Output of a shell command (for `xl list`), or nullopt if it failed.
std::optional<std::string> run_cmd(const std::string &cmd) {
    FILE *f = popen(cmd.c_str(), "r");
    if (!f) return std::nullopt;
    std::string out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    int st = pclose(f);
    if (st != 0) return std::nullopt;
    return out;
}

// A destroy completes once Xen reports the domain dying; the hypervisor
// drops it when dom0's daemons (xenconsoled, xenstored) have let go of its
// pages, soon after. Polls the hypervisor until then, bounded: a domain that
// something still holds never goes.
bool gone(Ctx &ctx, std::uint32_t d) {
    for (auto end = Clock::now() + std::chrono::milliseconds(kStateMs);; usleep(50000)) {
        DomainInfo di;
        if (domain_info(ctx, d, &di) == Error::DomainNotfound) return true;
        if (Clock::now() > end) return false;
    }
}

// Real Xen in this dom0: libxenctrl, real PV guests (docs/hosts.md), xl as
// the other toolstack.
class VmXenHost final : public XenHost {
public:
    ::testing::AssertionResult up() override {
        std::string why;
        if (!on_xen_dom0(&why)) return ::testing::AssertionFailure() << why;
        return ::testing::AssertionSuccess();
    }
    std::string hypervisor() const override { return "xenctrl"; }
    int boot_ms() const override { return kBootMs; }
    int state_ms() const override { return kStateMs; }
    // An obedient guest: it runs until asked to stop.
    std::uint32_t running_domain(Ctx &ctx, const std::string &name) override {
        return make(ctx, guest("obedient", "vm-" + name));
    }
    // The poweroff guest powers itself off through init soon after booting.
    std::uint32_t poweroff_domain(Ctx &ctx, const std::string &name) override {
        return make(ctx, guest("poweroff", "vm-" + name));
    }
    void power_off(std::uint32_t) override {}
    ::testing::AssertionResult destroy_from_outside(std::uint32_t d) override {
        if (run_cmd("xl destroy " + std::to_string(d) + " 2>&1")) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "xl destroy " << d << " failed";
    }
    void clean_up(Ctx &ctx) override {
        for (std::uint32_t d : made_) {
            DomainInfo di;
            if (domain_info(ctx, d, &di) == Error::Success) (void)domain_destroy(ctx, d, AoHow{});
        }
        // The next test starts without dying leftovers in its listings.
        for (std::uint32_t d : made_) EXPECT_TRUE(gone(ctx, d)) << "domain " << d << " is still there";
        made_.clear();
    }
    void down() override {}

    static DomainConfig guest(const std::string &kind, const std::string &name) {
        DomainConfig c;
        c.name = name;
        c.kernel = guests_dir() + "/vmlinux";
        c.ramdisk = guests_dir() + "/" + kind + ".initrd";
        c.cmdline = "console=hvc0 quiet mitigations=off rodata=off cryptomgr.notests";
        c.memory = 96;  // the guest kernel alone needs 58 MiB (docs/hosts.md)
        c.vcpus = 1;
        return c;
    }
    // Creates a guest synchronously and remembers it for clean_up.
    std::uint32_t make(Ctx &ctx, const DomainConfig &c, bool paused = false) {
        std::uint32_t d = 0;
        Error e = domain_create_new(ctx, c, paused, &d, AoHow{});
        EXPECT_EQ(e, Error::Success) << "creating " << c.name;
        if (e == Error::Success) made_.push_back(d);
        return e == Error::Success ? d : 0;
    }
    void remember(std::uint32_t d) { made_.push_back(d); }

private:
    std::vector<std::uint32_t> made_;
};

std::unique_ptr<XenHost> make_vm_host() { return std::make_unique<VmXenHost>(); }

INSTANTIATE_TEST_SUITE_P(RealXen, XenHostTest, ::testing::Values(XenHostKind{"xenctrl", &make_vm_host}),
                         XenHostKindName{});

// Real Xen's own tests: what only real guests show (their consoles, memory
// and vCPUs as xl sees them, the domain builder).
class XenVmTest : public XenFixture {
protected:
    XenVmTest() { host_ = make_vm_host(); }
    void SetUp() override {
        start();
        if (HasFatalFailure()) return;
        std::vector<DomainInfo> v;
        ASSERT_EQ(list_domain(*ctx_, &v), Error::Success);
    }
    VmXenHost &vm() { return static_cast<VmXenHost &>(*host_); }
    static DomainConfig guest(const std::string &kind, const std::string &name) {
        return VmXenHost::guest(kind, name);
    }
    std::uint32_t make(const DomainConfig &c, bool paused = false) { return vm().make(*ctx_, c, paused); }
    // Waits (driving the ctx) until the guest's console has printed text;
    // the console is served by xenconsoled on the pty named in xenstore.
    bool console_says(std::uint32_t d, const std::string &text, int ms, std::string *seen) {
        // xenconsoled names the pty once it has noticed the new domain:
        // shortly after creation, as for `xl console`.
        const std::string node = "/local/domain/" + std::to_string(d) + "/console/tty";
        auto tty = xs_->read(node);
        for (auto end = Clock::now() + std::chrono::milliseconds(kStateMs);
             (!tty || tty->empty()) && Clock::now() < end;) {
            usleep(100000);
            tty = xs_->read(node);
        }
        if (!tty || tty->empty()) {
            *seen = "(no console/tty node)";
            return false;
        }
        int fd = open(tty->c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            *seen = "(cannot open " + *tty + ": " + std::strerror(errno) + ")";
            return false;
        }
        termios t;
        if (tcgetattr(fd, &t) == 0) {
            cfmakeraw(&t);
            (void)tcsetattr(fd, TCSANOW, &t);
        }
        auto end = Clock::now() + std::chrono::milliseconds(ms);
        bool found = false;
        while (!found && Clock::now() < end) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, 100) > 0) {
                char buf[1024];
                ssize_t n = read(fd, buf, sizeof buf);
                if (n > 0) seen->append(buf, std::size_t(n));
            }
            found = seen->find(text) != std::string::npos;
        }
        close(fd);
        return found;
    }
    bool xs_exists(const std::string &path) { return xs_->read(path).has_value(); }
    bool gone(std::uint32_t d) { return ::gone(*ctx_, d); }
    // Domain ids in the hypervisor's list, once no domain is dying: a failed
    // create's half-made domain may be dying for a moment after the failure.
    std::vector<std::uint32_t> settled_ids() {
        std::vector<std::uint32_t> ids;
        for (auto end = Clock::now() + std::chrono::milliseconds(kStateMs);; usleep(50000)) {
            std::vector<DomainInfo> v;
            EXPECT_EQ(list_domain(*ctx_, &v), Error::Success);
            ids.clear();
            bool dying = false;
            for (auto &x : v) {
                ids.push_back(x.domid);
                dying = dying || x.state == DomainState::Dying;
            }
            if (!dying || Clock::now() > end) return ids;
        }
    }
};

// xl list: "Name ID Mem VCPUs State Time(s)"; name, domid, MiB, vcpus.
struct XlRow {
    std::string name;
    unsigned mem = 0, vcpus = 0;
};
std::map<std::uint32_t, XlRow> parse_xl_list(const std::string &out) {
    std::map<std::uint32_t, XlRow> m;
    std::istringstream in(out);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream l(line);
        XlRow r;
        std::uint32_t id;
        std::string state, time;
        if (l >> r.name >> id >> r.mem >> r.vcpus >> state >> time) m[id] = r;
    }
    return m;
}

TEST_F(XenVmTest, DomainListMatchesXlList) {
    DomainConfig two = guest("obedient", "vm-list-two");
    two.vcpus = 2;
    two.memory = 112;
    std::uint32_t one = make(guest("obedient", "vm-list-one"));
    ASSERT_NE(one, 0u);
    ASSERT_NE(make(two, true), 0u);
    // Memory and online vCPUs move while a guest boots: compare once the
    // running guest is up. The paused one never ran, so its state holds.
    std::string seen;
    ASSERT_TRUE(console_says(one, "obedient: up", kBootMs, &seen)) << seen;
    auto out = run_cmd("xl list");
    ASSERT_TRUE(out);
    auto xl = parse_xl_list(*out);
    std::vector<DomainInfo> ours;
    ASSERT_EQ(list_domain(*ctx_, &ours), Error::Success);
    ASSERT_EQ(ours.size(), xl.size()) << *out;
    for (const DomainInfo &d : ours) {
        auto it = xl.find(d.domid);
        ASSERT_NE(it, xl.end()) << "domid " << d.domid << " missing from xl list:\n" << *out;
        EXPECT_EQ(d.name, it->second.name);
        EXPECT_EQ(unsigned((d.current_memkb + d.outstanding_memkb) / 1024), it->second.mem) << d.name;
        EXPECT_EQ(d.vcpu_online, it->second.vcpus) << d.name;
    }
}

/* ---- the operations -------------------------------------------------------- */

TEST_F(XenVmTest, CreatedGuestIsListedWithItsMemoryAndVcpusAndItsConsoleIsServed) {
    DomainConfig c = guest("obedient", "vm-create");
    c.memory = 104;
    c.maxmem = 128;
    c.vcpus = 2;
    std::uint32_t d = 0;
    int consoles = 0;
    // Callback mode, from this thread.
    Error e = CallbackMode::run(*ctx_, [&](AoHow how) {
        return domain_create_new(*ctx_, c, false, &d, std::move(how), ProgressHow::callback([&](const Event &ev) {
                                     if (ev.type() == EventType::DomainCreateConsoleAvailable) ++consoles;
                                 }));
    });
    ASSERT_EQ(e, Error::Success);
    vm().remember(d);
    EXPECT_EQ(consoles, 1) << "DOMAIN_CREATE_CONSOLE_AVAILABLE, once, before completion";
    std::string seen;
    EXPECT_TRUE(console_says(d, "xenbox-guest: obedient: up", kBootMs, &seen))
        << "the guest's console (served by xenconsoled) said:\n" << seen;
    // Read once the guest is up: its memory and vCPUs have settled.
    DomainInfo di;
    ASSERT_EQ(domain_info(*ctx_, d, &di), Error::Success);
    EXPECT_EQ(di.name, "vm-create");
    EXPECT_EQ(di.max_memkb, 128u * 1024 + 1024) << "maxmem plus libxl's 1 MiB of slack";
    EXPECT_NEAR(double(di.current_memkb), 104.0 * 1024, 1024.0);
    EXPECT_EQ(di.vcpu_max_id + 1, 2u) << "vcpus";
    EXPECT_EQ(di.vcpu_online, 2u) << "the guest brought its second vCPU up while it booted";
    EXPECT_EQ(di.state == DomainState::Running || di.state == DomainState::Blocked, true);
    std::uint32_t byname = 0;
    EXPECT_EQ(domain_qualifier_to_domid(*ctx_, "vm-create", &byname), Error::Success);
    EXPECT_EQ(byname, d);
}

TEST_F(XenVmTest, ObedientGuestShutsDownAndReportsShutdownThenDeath) {
    std::uint32_t d = make(guest("obedient", "vm-obedient"));
    ASSERT_NE(d, 0u);
    std::string seen;
    ASSERT_TRUE(console_says(d, "obedient: up", kBootMs, &seen)) << seen;
    EvgenDomainDeath *g = nullptr;
    ASSERT_EQ(evenable_domain_death(*ctx_, d, 21, &g), Error::Success);
    // Event mode.
    ASSERT_EQ(EventMode::run(*ctx_, [&](AoHow how) { return domain_shutdown(*ctx_, d, 30000, std::move(how)); }),
              Error::Success);
    std::vector<std::unique_ptr<Event>> evs;
    ASSERT_TRUE(run_until([&] { collect(evs); return !evs.empty(); }, kStateMs));
    ASSERT_EQ(evs[0]->type(), EventType::DomainShutdown);
    EXPECT_EQ(std::get<EventDomainShutdown>(evs[0]->u).shutdown_reason, ShutdownReason::Poweroff);
    ASSERT_EQ(domain_wait_death(*ctx_, d, 2000, AoHow{}), Error::Timedout)
        << "a guest that powered off is shut down, not dying, until the toolstack destroys it";
    destroy_and_expect_death_after_shutdown(d, evs, g);
}

TEST_F(XenVmTest, ShutdownOfAGuestThatCannotAnswerTimesOut) {
    // Created paused: its kernel never runs, so nobody clears control/shutdown.
    std::uint32_t d = make(guest("obedient", "vm-silent"), true);
    ASSERT_NE(d, 0u);
    auto t0 = Clock::now();
    EXPECT_EQ(domain_shutdown(*ctx_, d, 2000, AoHow{}), Error::GuestTimedout);
    // It gives up at its timeout, not later (the bound allows a busy machine).
    EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(kStateMs));
    DomainInfo di;
    ASSERT_EQ(domain_info(*ctx_, d, &di), Error::Success) << "a timed-out request leaves the domain alone";
}

TEST_F(XenVmTest, DestroyOfARunningGuestReportsEveryStageAndLeavesNothing) {
    std::uint32_t d = make(guest("stubborn", "vm-destroy"));
    ASSERT_NE(d, 0u);
    std::string seen;
    ASSERT_TRUE(console_says(d, "stubborn: up", kBootMs, &seen)) << seen;
    DomainInfo di;
    ASSERT_EQ(domain_info(*ctx_, d, &di), Error::Success);
    const std::string uuid_path = "/vm/" + to_string(di.uuid);
    EXPECT_TRUE(xs_exists(uuid_path));
    std::vector<std::string> stages;
    ASSERT_EQ(domain_destroy(*ctx_, d, AoHow{}, ProgressHow::callback([&](const Event &ev) {
                                 if (ev.type() == EventType::OperationProgress)
                                     stages.push_back(std::get<EventOperationProgress>(ev.u).stage);
                             })),
              Error::Success);
    EXPECT_EQ(stages, (std::vector<std::string>{"pause", "devices", "destroy", "release", "cleanup"}));
    const Error after = domain_info(*ctx_, d, &di);
    EXPECT_TRUE(after == Error::DomainNotfound || (after == Error::Success && di.state == DomainState::Dying))
        << "destroy completed with the domain neither dying nor gone";
    EXPECT_TRUE(gone(d)) << "the destroyed domain never left the hypervisor";
    EXPECT_FALSE(xs_exists("/local/domain/" + std::to_string(d)));
    EXPECT_FALSE(xs_exists(uuid_path));
}

TEST_F(XenVmTest, BadConfigsFailCleanlyAndLeaveNothingBehind) {
    auto names = [&] { return settled_ids(); };
    const auto start = names();
    auto try_create = [&](DomainConfig c) {
        std::uint32_t d = 0;
        Error e = domain_create_new(*ctx_, c, false, &d, AoHow{});
        if (e == Error::Success) vm().remember(d);
        return e;
    };
    DomainConfig c = guest("obedient", "vm-bad");
    c.kernel = "/nonexistent/vmlinux";
    EXPECT_EQ(try_create(c), Error::Inval) << "missing kernel";
    c = guest("obedient", "vm-bad");
    c.memory = 0;
    EXPECT_EQ(try_create(c), Error::Inval) << "memory 0";
    c = guest("obedient", "vm-bad");
    c.kernel = "/etc/hostname";  // readable, not a kernel: the builder refuses it
    EXPECT_NE(try_create(c), Error::Success) << "not a kernel";
    c = guest("obedient", "vm-bad");
    c.memory = c.maxmem = 1u << 20;  // 1 TiB
    EXPECT_EQ(try_create(c), Error::Nomem) << "more memory than the host has";
    EXPECT_EQ(names(), start) << "a failed create left a domain behind";
    EXPECT_FALSE(xs_exists("/local/domain/" + std::to_string(start.back() + 1)));

    std::uint32_t first = make(guest("obedient", "vm-dup"), true);
    ASSERT_NE(first, 0u);
    EXPECT_EQ(try_create(guest("obedient", "vm-dup")), Error::Inval) << "duplicate name";
    std::uint32_t byname = 0;
    EXPECT_EQ(domain_qualifier_to_domid(*ctx_, "vm-dup", &byname), Error::Success);
    EXPECT_EQ(byname, first) << "the first domain of that name is untouched";
    EXPECT_EQ(names().size(), start.size() + 1);
}

TEST_F(XenVmTest, AbortedCreateLeavesNothingBehind) {
    std::vector<DomainInfo> v0;
    ASSERT_EQ(list_domain(*ctx_, &v0), Error::Success);
    std::stop_source stop;
    std::atomic<bool> done{false};
    Error result = Error::Nonspecific;
    std::uint32_t d = 0;
    ASSERT_EQ(domain_create_new(*ctx_, guest("obedient", "vm-aborted"), false, &d,
                                AoHow::callback([&](Error e) {
                                    result = e;
                                    done = true;
                                }).abort_on(stop.get_token())),
              Error::Success);
    // In callback mode nothing completes until this thread runs the ctx, so
    // the create is still in progress when the stop is requested.
    stop.request_stop();
    ASSERT_TRUE(run_until([&] { return done.load(); }, kStateMs));
    EXPECT_EQ(result, Error::Aborted);
    EXPECT_EQ(settled_ids().size(), v0.size()) << "the half-made domain was not destroyed";
    if (d) {
        EXPECT_FALSE(xs_exists("/local/domain/" + std::to_string(d)));
    }
}

TEST_F(XenVmTest, PauseAndUnpauseChangeTheGuestsState) {
    std::uint32_t d = make(guest("obedient", "vm-pause"));
    ASSERT_NE(d, 0u);
    ASSERT_EQ(EventMode::run(*ctx_, [&](AoHow how) { return domain_pause(*ctx_, d, std::move(how)); }),
              Error::Success);
    DomainInfo di;
    ASSERT_EQ(domain_info(*ctx_, d, &di), Error::Success);
    EXPECT_EQ(di.state, DomainState::Paused);
    ASSERT_EQ(CallbackMode::run(*ctx_, [&](AoHow how) { return domain_unpause(*ctx_, d, std::move(how)); }),
              Error::Success);
    ASSERT_EQ(domain_info(*ctx_, d, &di), Error::Success);
    EXPECT_NE(di.state, DomainState::Paused);
}

TEST_F(XenVmTest, SuspendedGuestResumesAndRunsOn) {
    std::uint32_t d = make(guest("obedient", "vm-suspend"));
    ASSERT_NE(d, 0u);
    std::string seen;
    ASSERT_TRUE(console_says(d, "obedient: up", kBootMs, &seen)) << seen;
    // The guest's kernel acknowledges control/shutdown = suspend and
    // suspends itself (SCHEDOP_shutdown, reason suspend).
    ASSERT_EQ(CallbackMode::run(*ctx_, [&](AoHow how) { return domain_suspend_only(*ctx_, d, 30000, std::move(how)); }),
              Error::Success);
    DomainInfo di;
    ASSERT_EQ(domain_info(*ctx_, d, &di), Error::Success);
    EXPECT_EQ(di.state, DomainState::Shutdown);
    EXPECT_EQ(di.shutdown_reason, ShutdownReason::Suspend);
    ASSERT_EQ(domain_resume(*ctx_, d, true, AoHow{}), Error::Success);
    ASSERT_EQ(domain_info(*ctx_, d, &di), Error::Success);
    EXPECT_TRUE(di.state == DomainState::Running || di.state == DomainState::Blocked);
    // It runs on: its kernel answers a second suspend, and then a shutdown.
    ASSERT_EQ(EventMode::run(*ctx_, [&](AoHow how) { return domain_suspend_only(*ctx_, d, 30000, std::move(how)); }),
              Error::Success);
    ASSERT_EQ(domain_resume(*ctx_, d, true, AoHow{}), Error::Success);
    EXPECT_EQ(domain_shutdown(*ctx_, d, 30000, AoHow{}), Error::Success);
}

TEST_F(XenVmTest, AGuestsSuspendChannelIsBoundExclusivelyAndReleased) {
    std::uint32_t d = make(guest("obedient", "vm-channel"));
    ASSERT_NE(d, 0u);
    std::string seen;
    ASSERT_TRUE(console_says(d, "obedient: up", kBootMs, &seen)) << seen;
    // What a guest that offers a suspend event channel does: a port of its
    // own, unbound and waiting for dom0, named in device/suspend/event-
    // channel (which create made writable by the guest). This guest's Linux
    // does not listen on it, so the test plays that part of the guest.
    int port = vmtest_evtchn_alloc_unbound(d);
    ASSERT_GT(port, 0);
    const std::string dp = "/local/domain/" + std::to_string(d);
    ASSERT_TRUE(xs_->write(dp + "/device/suspend/event-channel", std::to_string(port)));
    Error result = Error::Nonspecific;
    bool finished = false;
    ASSERT_EQ(domain_suspend_only(*ctx_, d, 30000, AoHow::callback([&](Error e) {
                                      result = e;
                                      finished = true;
                                  })),
              Error::Success);
    // Bound (and notified) by the initiating call: nothing written to the
    // control node, and a second toolstack cannot bind the channel meanwhile.
    EXPECT_EQ(xs_->read(dp + "/control/shutdown"), std::optional<std::string>(""));
    std::unique_ptr<Ctx> other;
    CtxOptions o;
    o.hypervisor = "xenctrl";
    ASSERT_EQ(Ctx::create(&other, o), Error::Success);
    EXPECT_EQ(domain_suspend_only(*other, d, 2000, AoHow{}), Error::Fail);
    // libxenguest's lock, held while bound (Debian's XEN_RUN_DIR).
    const std::string lock = "/var/run/xen/suspend-evtchn-" + std::to_string(d) + ".lock";
    EXPECT_EQ(access(lock.c_str(), F_OK), 0);
    // The guest answers (its kernel suspends); Xen signals the channel.
    ASSERT_TRUE(xs_->write(dp + "/control/shutdown", "suspend"));
    for (auto end = Clock::now() + std::chrono::milliseconds(kStateMs); !finished && Clock::now() < end;)
        (void)ctx_->run_once(100);
    ASSERT_TRUE(finished);
    EXPECT_EQ(result, Error::Success);
    DomainInfo di;
    ASSERT_EQ(domain_info(*ctx_, d, &di), Error::Success);
    EXPECT_EQ(di.shutdown_reason, ShutdownReason::Suspend);
    ASSERT_EQ(domain_resume(*ctx_, d, true, AoHow{}), Error::Success);
    // Released with the suspension: the other toolstack binds it now, and
    // times out (this guest does not answer the channel), leaving it running.
    EXPECT_EQ(domain_suspend_only(*other, d, 1000, AoHow{}), Error::GuestTimedout);
    ASSERT_EQ(domain_info(*ctx_, d, &di), Error::Success);
    EXPECT_TRUE(di.state == DomainState::Running || di.state == DomainState::Blocked);
    EXPECT_NE(access(lock.c_str(), F_OK), 0) << "released";
    EXPECT_EQ(domain_shutdown(*ctx_, d, 30000, AoHow{}), Error::Success);
}

TEST_F(XenVmTest, SuspendOfAGuestThatCannotAnswerTimesOutAndLeavesItAlone) {
    // Created paused: its kernel never runs, so nobody answers.
    std::uint32_t d = make(guest("obedient", "vm-nosuspend"), true);
    ASSERT_NE(d, 0u);
    EXPECT_EQ(domain_suspend_only(*ctx_, d, 2000, AoHow{}), Error::GuestTimedout);
    EXPECT_EQ(xs_->read("/local/domain/" + std::to_string(d) + "/control/shutdown"), std::optional<std::string>(""))
        << "the request is withdrawn";
    DomainInfo di;
    ASSERT_EQ(domain_info(*ctx_, d, &di), Error::Success);
    EXPECT_EQ(di.state, DomainState::Paused);
}

} // namespace
