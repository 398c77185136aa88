// The sim host's simulated device backends (xlkit-sim-backend): the test
// plays the toolstack, writing the entries libxl writes through the real
// libxenstore, and checks what blkback/netback and the guests' frontends
// do in answer - each state walk, paused and running guests, removal,
// forced removal, and each failure mode. Every wait is on a watch and
// bounded; "nothing happens" is checked after the backends' sync barrier.
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <vector>

#include "device_support.hpp"

using namespace simdev;

namespace {

class SimBackend : public testing::Test {
protected:
    static void SetUpTestSuite() {
        host_ = new Host;
        if (!host_->start("simbe")) {
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
        hotplug_ = exported(host_->start_output(), "XLKIT_HOTPLUG_DIR");
        ASSERT_TRUE(xs_) << std::strerror(errno);
    }
    void TearDown() override {
        if (!host_ || !xs_) return;
        // Back to normal for the next test, and nothing left of this one.
        for (const char *k : {"vbd", "vif"}) EXPECT_TRUE(set_mode(xs_, k, "normal"));
        for (auto &d : devices_) remove_entries(xs_, d);
        for (uint32_t d : domains_) {
            sim_domain_destroy(sim_, d);
            xs_rm(xs_.get(), XBT_NULL, ("/local/domain/" + std::to_string(d)).c_str());
        }
    }
    // A guest: running unless paused; known to xenstored.
    uint32_t domain(bool paused = false) {
        uint32_t d = SIM_DOMID_ANY;
        EXPECT_EQ(sim_domain_create(sim_, &d, 65536, 1, nullptr, paused ? 0 : SIM_CREATE_UNPAUSED), 0);
        EXPECT_TRUE(xs_introduce_domain(xs_.get(), d, 0, 1)) << std::strerror(errno);
        domains_.push_back(d);
        return d;
    }
    Device add(const Device &d, const Entries &changes = {}) {
        EXPECT_TRUE(add_entries(xs_, d, hotplug_, changes));
        devices_.push_back(d);
        return d;
    }
    // The hotplug script's part, by hand (the scripts have tests of their own).
    bool hotplug_done(const Device &d) {
        if (d.kind == "vbd")
            return xs_.write(d.be() + "/physical-device", "7:0") && xs_.write(d.be() + "/hotplug-status", "connected");
        return xs_.write(d.be() + "/hotplug-status", "connected");
    }
    bool be_is(const Device &d, const char *v) { return wait_value(xs_, d.be() + "/state", std::string(v)); }
    bool fe_is(const Device &d, const char *v) { return wait_value(xs_, d.fe() + "/state", std::string(v)); }
    // A device connected at both ends.
    Device connected(const Device &dev) {
        Device d = add(dev);
        EXPECT_TRUE(be_is(d, "2"));
        EXPECT_TRUE(hotplug_done(d));
        EXPECT_TRUE(be_is(d, "4"));
        EXPECT_TRUE(fe_is(d, "4"));
        return d;
    }

    static Host *host_;
    sim_t *sim_ = nullptr;
    std::string hotplug_;
    // Connected to the suite's host (use_host before xs_ is made).
    bool env_ = host_ && (use_host(host_->dir()), true);
    Xs xs_;
    std::vector<Device> devices_;
    std::vector<uint32_t> domains_;
};

Host *SimBackend::host_ = nullptr;

TEST_F(SimBackend, VbdGoesToInitWaitAndConnectsOnceItsPhysicalDeviceIsWritten) {
    Device d = add(vbd(domain()));
    ASSERT_TRUE(be_is(d, "2"));
    // blkfront answers InitWait with its ring (Initialised); blkback waits
    // for the hotplug script's physical-device.
    ASSERT_TRUE(fe_is(d, "3"));
    EXPECT_EQ(xs_.read(d.fe() + "/ring-ref").value_or("?"), "8");
    EXPECT_TRUE(xs_.read(d.fe() + "/event-channel"));
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, d.be()), "2");
    ASSERT_TRUE(xs_.write(d.be() + "/physical-device", "7:0"));
    ASSERT_TRUE(be_is(d, "4"));
    ASSERT_TRUE(fe_is(d, "4"));
    EXPECT_EQ(xs_.read(d.be() + "/sector-size").value_or("?"), "512");
    EXPECT_EQ(xs_.read(d.be() + "/info").value_or("?"), "0"); // mode w
}

TEST_F(SimBackend, ReadOnlyVbdIsReportedReadOnlyToTheGuest) {
    Device d = add(vbd(domain()), {{"mode", "r"}});
    ASSERT_TRUE(be_is(d, "2"));
    ASSERT_TRUE(hotplug_done(d));
    ASSERT_TRUE(be_is(d, "4"));
    EXPECT_EQ(xs_.read(d.be() + "/info").value_or("?"), "4"); // VDISK_READONLY
}

TEST_F(SimBackend, VbdBackendWaitsWhileOfflineAndProbesWhenOnline) {
    Device d = add(vbd(domain()), {{"online", "0"}});
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, d.be()), "1");
    ASSERT_TRUE(xs_.write(d.be() + "/online", "1"));
    EXPECT_TRUE(be_is(d, "2"));
}

TEST_F(SimBackend, VifFrontendConnectsAtOnceAndTheBackendWaitsForHotplugStatus) {
    Device d = add(vif(domain()));
    ASSERT_TRUE(be_is(d, "2"));
    ASSERT_TRUE(fe_is(d, "4")); // netfront connects from InitWait
    EXPECT_TRUE(xs_.read(d.fe() + "/tx-ring-ref"));
    EXPECT_TRUE(xs_.read(d.be() + "/feature-rx-copy"));
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, d.be()), "2"); // hotplug-status "": netback waits
    ASSERT_TRUE(xs_.write(d.be() + "/hotplug-status", "error"));
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, d.be()), "2");
    ASSERT_TRUE(xs_.write(d.be() + "/hotplug-status", "connected"));
    EXPECT_TRUE(be_is(d, "4"));
}

// Why libxl writes hotplug-status "": without it netback does not wait
// for the script, and the backend may pass InitWait before a toolstack
// waiting for it has looked.
TEST_F(SimBackend, VifWithoutAHotplugStatusNodeConnectsWithoutWaitingForTheScript) {
    Device d = add(vif(domain()), {{"hotplug-status", std::nullopt}});
    EXPECT_TRUE(be_is(d, "4"));
    EXPECT_EQ(xs_.read(d.be() + "/hotplug-status"), std::nullopt);
}

TEST_F(SimBackend, PausedGuestsFrontendDoesNothingUntilItIsUnpaused) {
    uint32_t dom = domain(true);
    Device b = add(vbd(dom)), v = add(vif(dom));
    ASSERT_TRUE(be_is(b, "2"));
    ASSERT_TRUE(be_is(v, "2"));
    ASSERT_TRUE(hotplug_done(b));
    ASSERT_TRUE(hotplug_done(v));
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, b.fe()), "1");
    EXPECT_EQ(state(xs_, v.fe()), "1");
    EXPECT_EQ(state(xs_, b.be()), "2");
    EXPECT_EQ(state(xs_, v.be()), "2");
    ASSERT_EQ(sim_domain_unpause(sim_, dom), 0);
    EXPECT_TRUE(be_is(b, "4"));
    EXPECT_TRUE(fe_is(b, "4"));
    EXPECT_TRUE(be_is(v, "4"));
    EXPECT_TRUE(fe_is(v, "4"));
}

TEST_F(SimBackend, ShutDownGuestsFrontendNeverConnects) {
    uint32_t dom = domain();
    ASSERT_EQ(sim_domain_shutdown(sim_, dom, SIM_SHUTDOWN_POWEROFF), 0);
    Device d = add(vbd(dom));
    ASSERT_TRUE(be_is(d, "2"));
    ASSERT_TRUE(hotplug_done(d));
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, d.fe()), "1");
    EXPECT_EQ(state(xs_, d.be()), "2");
}

TEST_F(SimBackend, RemovalClosesTheFrontendThenTheBackend) {
    for (Device dev : {vbd(domain()), vif(domain())}) {
        SCOPED_TRACE(dev.kind);
        Device d = connected(dev);
        ASSERT_TRUE(close_entries(xs_, d));
        EXPECT_TRUE(fe_is(d, "6"));
        EXPECT_TRUE(be_is(d, "6"));
    }
}

TEST_F(SimBackend, PausedGuestDoesNotAnswerRemovalAndForcedRemovalClosesTheBackend) {
    uint32_t dom = domain();
    Device d = connected(vbd(dom));
    ASSERT_EQ(sim_domain_pause(sim_, dom), 0);
    ASSERT_TRUE(close_entries(xs_, d));
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, d.fe()), "4");
    EXPECT_EQ(state(xs_, d.be()), "5");
    // libxl's FORCE_ON: the frontend's directory goes, the state is rewritten.
    ASSERT_TRUE(close_entries(xs_, d, true));
    EXPECT_TRUE(be_is(d, "6"));
    EXPECT_EQ(xs_.read(d.fe() + "/state"), std::nullopt) << "the frontend came back";
}

TEST_F(SimBackend, UnpausingAGuestDuringRemovalLetsItsFrontendClose) {
    uint32_t dom = domain();
    Device d = connected(vif(dom));
    ASSERT_EQ(sim_domain_pause(sim_, dom), 0);
    ASSERT_TRUE(close_entries(xs_, d));
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, d.be()), "5");
    ASSERT_EQ(sim_domain_unpause(sim_, dom), 0);
    EXPECT_TRUE(fe_is(d, "6"));
    EXPECT_TRUE(be_is(d, "6"));
}

TEST_F(SimBackend, RemovedFrontendDirectoryClosesTheBackendByItself) {
    Device d = connected(vif(domain()));
    ASSERT_TRUE(xs_rm(xs_.get(), XBT_NULL, d.fe().c_str()));
    EXPECT_TRUE(be_is(d, "6"));
}

TEST_F(SimBackend, DestroyedGuestsFrontendVanishesWithItAndForcedRemovalStillCloses) {
    uint32_t dom = domain();
    Device d = connected(vbd(dom));
    ASSERT_EQ(sim_domain_destroy(sim_, dom), 0);
    ASSERT_TRUE(close_entries(xs_, d));
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, d.fe()), "4") << "a destroyed guest answered";
    EXPECT_EQ(state(xs_, d.be()), "5");
    ASSERT_TRUE(close_entries(xs_, d, true));
    EXPECT_TRUE(be_is(d, "6"));
}

TEST_F(SimBackend, RemovedBackendIsForgottenAndNeverWrittenAgain) {
    uint32_t dom = domain();
    Device d = connected(vbd(dom));
    ASSERT_TRUE(xs_rm(xs_.get(), XBT_NULL, d.be().c_str()));
    ASSERT_TRUE(sync_backends(xs_));
    // What would have made it act: its frontend closing, the guest pausing.
    ASSERT_TRUE(xs_.write(d.fe() + "/state", "6"));
    ASSERT_EQ(sim_domain_pause(sim_, dom), 0);
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(xs_.read(d.be()), std::nullopt) << "the backend directory came back";
    EXPECT_NE(read_text(host_->dir() + "/backend.log").find("vbd " + std::to_string(dom) + "/51712: backend removed"),
              std::string::npos);
}

TEST_F(SimBackend, BackendDirectoryOfAWholeDomainRemovedAtOnceIsForgotten) {
    uint32_t dom = domain();
    Device a = connected(vbd(dom, 51712)), b = connected(vbd(dom, 51728));
    std::string all = "/local/domain/0/backend/vbd/" + std::to_string(dom);
    ASSERT_TRUE(xs_rm(xs_.get(), XBT_NULL, all.c_str()));
    ASSERT_TRUE(xs_rm(xs_.get(), XBT_NULL, ("/local/domain/" + std::to_string(dom)).c_str()));
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(xs_.read(all), std::nullopt);
}

TEST_F(SimBackend, ManyDevicesOfManyGuestsAllConnect) {
    std::vector<Device> ds;
    for (int i = 0; i < 20; i++) {
        uint32_t dom = domain();
        ds.push_back(add(vbd(dom)));
        ds.push_back(add(vif(dom)));
    }
    for (auto &d : ds) ASSERT_TRUE(be_is(d, "2")) << d.be();
    for (auto &d : ds) ASSERT_TRUE(hotplug_done(d));
    for (auto &d : ds) EXPECT_TRUE(be_is(d, "4")) << d.be();
    for (auto &d : ds) ASSERT_TRUE(close_entries(xs_, d));
    for (auto &d : ds) EXPECT_TRUE(be_is(d, "6")) << d.be();
}

// ---- failure modes ------------------------------------------------------------------

TEST_F(SimBackend, NoInitwaitLeavesTheBackendInitialisingUntilTheModeIsNormalAgain) {
    ASSERT_TRUE(set_mode(xs_, "vbd", "no-initwait"));
    uint32_t dom = domain();
    Device b = add(vbd(dom)), v = add(vif(dom));
    ASSERT_TRUE(be_is(v, "2")) << "the other kind is not affected";
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, b.be()), "1");
    EXPECT_EQ(state(xs_, b.fe()), "1");
    ASSERT_TRUE(set_mode(xs_, "vbd", "normal"));
    EXPECT_TRUE(be_is(b, "2"));
}

TEST_F(SimBackend, NoConnectLeavesTheFrontendInitialising) {
    ASSERT_TRUE(set_mode(xs_, "vif", "no-connect"));
    Device d = add(vif(domain()));
    ASSERT_TRUE(be_is(d, "2"));
    ASSERT_TRUE(hotplug_done(d));
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, d.fe()), "1");
    EXPECT_EQ(state(xs_, d.be()), "2");
    // Removal still works: the frontend closes.
    ASSERT_TRUE(close_entries(xs_, d));
    EXPECT_TRUE(be_is(d, "6"));
}

TEST_F(SimBackend, NoCloseLeavesTheBackendClosingEvenWhenForced) {
    ASSERT_TRUE(set_mode(xs_, "vbd", "no-close"));
    Device d = connected(vbd(domain()));
    ASSERT_TRUE(close_entries(xs_, d));
    ASSERT_TRUE(fe_is(d, "6")); // the guest does its part
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, d.be()), "5");
    ASSERT_TRUE(close_entries(xs_, d, true));
    ASSERT_TRUE(sync_backends(xs_));
    EXPECT_EQ(state(xs_, d.be()), "5");
}

TEST_F(SimBackend, UnknownModeIsTakenAsNormal) {
    ASSERT_TRUE(set_mode(xs_, "vbd", "sideways"));
    Device d = add(vbd(domain()));
    EXPECT_TRUE(be_is(d, "2"));
    EXPECT_NE(read_text(host_->dir() + "/backend.log").find("'sideways': unknown mode"), std::string::npos);
}

TEST_F(SimBackend, ModesStartAsNormalNodes) {
    EXPECT_EQ(xs_.read("/xlkit-sim/backend/vbd").value_or("?"), "normal");
    EXPECT_EQ(xs_.read("/xlkit-sim/backend/vif").value_or("?"), "normal");
}

// ---- with the real scripts -------------------------------------------------------------

TEST_F(SimBackend, ToolstackWalkWithTheHotplugScriptsLeavesNothingBehind) {
    std::string img = host_->dir() + "/disk.img";
    ASSERT_EQ(run("truncate -s 1M '" + img + "'").status, 0);
    uint32_t dom = domain(true); // as a toolstack builds it: paused
    Device b = add(vbd(dom), {{"params", img}}), v = add(vif(dom));
    ASSERT_TRUE(be_is(b, "2"));
    ASSERT_TRUE(be_is(v, "2"));
    auto r = run_script(hotplug_ + "/block", b, "add");
    ASSERT_EQ(r.status, 0) << r.out;
    r = run_script(hotplug_ + "/vif-bridge", v, "online type_if=vif");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(count_files(host_->dir() + "/loop"), 1);
    EXPECT_EQ(count_files(host_->dir() + "/vif"), 1);
    ASSERT_EQ(sim_domain_unpause(sim_, dom), 0);
    ASSERT_TRUE(be_is(b, "4"));
    ASSERT_TRUE(be_is(v, "4"));
    EXPECT_EQ(xs_.read(b.be() + "/sectors").value_or("?"), "2048");

    for (auto &d : {b, v}) {
        ASSERT_TRUE(close_entries(xs_, d));
        ASSERT_TRUE(be_is(d, "6"));
    }
    EXPECT_EQ(run_script(hotplug_ + "/block", b, "remove").status, 0);
    EXPECT_EQ(run_script(hotplug_ + "/vif-bridge", v, "offline type_if=vif").status, 0);
    EXPECT_EQ(count_files(host_->dir() + "/loop"), 0);
    EXPECT_EQ(count_files(host_->dir() + "/vif"), 0);
}

// ---- hosts of their own -------------------------------------------------------------------

bool alive(pid_t pid) {
    if (pid <= 0 || kill(pid, 0) != 0) return false;
    return run("grep -q '^State:[[:space:]]*[ZX]' /proc/" + std::to_string(pid) + "/status 2>/dev/null").status == 1;
}

bool wait_dead(pid_t pid, int ms) {
    auto t0 = Clock::now();
    while (alive(pid) && ms_since(t0) < ms) usleep(1000);
    return !alive(pid);
}

TEST(SimBackendHost, StartRunsTheBackendsAndStopEndsThem) {
    Host h;
    ASSERT_TRUE(h.start("simbe-stop"));
    pid_t be = read_pid_file(h.dir() + "/backend.pid");
    ASSERT_GT(be, 0);
    EXPECT_TRUE(alive(be));
    auto st = run(host_cmd("status '" + h.dir() + "'"));
    EXPECT_EQ(st.status, 0) << st.out;
    EXPECT_NE(st.out.find("backends: running, pid " + std::to_string(be)), std::string::npos) << st.out;
    std::string dir = h.dir();
    EXPECT_EQ(h.stop(), 0);
    EXPECT_FALSE(alive(be));
    EXPECT_FALSE(file_exists(dir));
}

TEST(SimBackendHost, KilledXenstoredTakesTheBackendsWithIt) {
    Host h;
    ASSERT_TRUE(h.start("simbe-xskill"));
    pid_t be = read_pid_file(h.dir() + "/backend.pid");
    ASSERT_GT(be, 0);
    ASSERT_EQ(kill(h.xenstored_pid(), SIGKILL), 0);
    EXPECT_TRUE(wait_dead(be, 5000));
    // Stopped by the supervisor, or gone by itself on noticing: either way
    // recorded (before xenstored.exit).
    auto t0 = Clock::now();
    // The supervisor records each end once it has reaped it: wait for both.
    while (!(file_exists(h.dir() + "/xenstored.exit") && file_exists(h.dir() + "/backend.exit")) &&
           ms_since(t0) < 5000)
        usleep(1000);
    EXPECT_TRUE(file_exists(h.dir() + "/backend.exit"));
}

TEST(SimBackendHost, KilledBackendsAreRecordedAndStatusFails) {
    Host h;
    ASSERT_TRUE(h.start("simbe-bekill"));
    pid_t be = read_pid_file(h.dir() + "/backend.pid");
    ASSERT_GT(be, 0);
    ASSERT_EQ(kill(be, SIGKILL), 0);
    auto t0 = Clock::now();
    while (!file_exists(h.dir() + "/backend.exit") && ms_since(t0) < 5000) usleep(1000);
    EXPECT_NE(read_text(h.dir() + "/backend.exit").find("killed by signal 9"), std::string::npos);
    auto st = run(host_cmd("status '" + h.dir() + "'"));
    EXPECT_EQ(st.status, 1) << st.out;
    EXPECT_NE(st.out.find("backends: not running, killed by signal 9"), std::string::npos) << st.out;
    EXPECT_EQ(h.stop(), 0);
}

TEST(SimBackendHost, OwnersExitStopsTheBackendsToo) {
    std::string dir = make_temp_dir("simbe-owner");
    int gate[2];
    ASSERT_EQ(pipe2(gate, O_CLOEXEC), 0);
    pid_t owner = fork();
    if (owner == 0) {
        close(gate[1]);
        char c;
        (void)!read(gate[0], &c, 1);
        _exit(0);
    }
    close(gate[0]);
    auto r = run(host_cmd("start --owner " + std::to_string(owner) + " '" + dir + "'"));
    // Read the backends' pid before the owner may exit: its exit stops the
    // host, which removes the folder with the pid file.
    pid_t be = read_pid_file(dir + "/backend.pid");
    close(gate[1]);
    ASSERT_EQ(r.status, 0);
    ASSERT_GT(be, 0);
    int st;
    ASSERT_EQ(waitpid(owner, &st, 0), owner);
    EXPECT_TRUE(wait_dead(be, 5000));
    auto t0 = Clock::now();
    while (file_exists(dir) && ms_since(t0) < 5000) usleep(2000);
    EXPECT_FALSE(file_exists(dir));
    if (file_exists(dir)) run(host_cmd("stop '" + dir + "'"));
}

// Devices already in xenstore when the backends start are handled (a
// backend restarted by hand, as the host starts it).
TEST(SimBackendHost, DevicesPresentWhenTheBackendsStartAreHandled) {
    Host h;
    ASSERT_TRUE(h.start("simbe-late"));
    use_host(h.dir());
    Xs xs;
    ASSERT_TRUE(xs);
    pid_t be = read_pid_file(h.dir() + "/backend.pid");
    ASSERT_EQ(kill(be, SIGTERM), 0);
    ASSERT_TRUE(wait_dead(be, 5000));
    uint32_t dom = SIM_DOMID_ANY;
    ASSERT_EQ(sim_domain_create(h.sim(), &dom, 65536, 1, nullptr, SIM_CREATE_UNPAUSED), 0);
    Device d = vif(dom);
    ASSERT_TRUE(add_entries(xs, d, "/nowhere", {{"hotplug-status", "connected"}}));
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        execl(SIM_BACKEND_BIN, SIM_BACKEND_BIN, h.dir().c_str(), static_cast<char *>(nullptr));
        _exit(127);
    }
    EXPECT_TRUE(wait_value(xs, d.be() + "/state", std::string("4")));
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
}

} // namespace
