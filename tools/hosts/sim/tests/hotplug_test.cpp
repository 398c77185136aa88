// The sim host's hotplug scripts (block, vif-bridge, hang), run as a
// toolstack runs Xen's: their xenstore results on success and failure, the
// pretend loop devices and vifs they keep in the host's folder, their log,
// and the hanging script's process group.
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>

#include "device_support.hpp"

using namespace simdev;

namespace {

class SimHotplug : public testing::Test {
protected:
    static void SetUpTestSuite() {
        host_ = new Host;
        if (!host_->start("simhp")) {
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
        dir_ = host_->dir();
        hotplug_ = exported(host_->start_output(), "XLKIT_HOTPLUG_DIR");
        ASSERT_TRUE(xs_) << std::strerror(errno);
    }
    void TearDown() override {
        if (!host_ || !xs_) return;
        for (auto &d : devices_) remove_entries(xs_, d);
        for (uint32_t d : domains_) {
            sim_domain_destroy(host_->sim(), d);
            xs_rm(xs_.get(), XBT_NULL, ("/local/domain/" + std::to_string(d)).c_str());
        }
    }
    uint32_t domain() {
        uint32_t d = SIM_DOMID_ANY;
        EXPECT_EQ(sim_domain_create(host_->sim(), &d, 65536, 1, nullptr, 0), 0); // paused
        domains_.push_back(d);
        return d;
    }
    // The device's entries, its backend in InitWait (as when a toolstack
    // runs the script).
    Device add(const Device &d, const Entries &changes = {}) {
        EXPECT_TRUE(add_entries(xs_, d, hotplug_, changes));
        devices_.push_back(d);
        EXPECT_TRUE(wait_value(xs_, d.be() + "/state", std::string("2")));
        return d;
    }
    std::string be(const Device &d, const std::string &node) { return xs_.read(d.be() + "/" + node).value_or("(none)"); }
    std::string image(const std::string &name) {
        std::string p = dir_ + "/" + name;
        EXPECT_EQ(run("truncate -s 1M '" + p + "'").status, 0);
        return p;
    }
    std::string block() { return hotplug_ + "/block"; }
    std::string vif_bridge() { return hotplug_ + "/vif-bridge"; }

    static Host *host_;
    std::string dir_, hotplug_;
    // Connected to the suite's host (use_host before xs_ is made).
    bool env_ = host_ && (use_host(host_->dir()), true);
    Xs xs_;
    std::vector<Device> devices_;
    std::vector<uint32_t> domains_;
};

Host *SimHotplug::host_ = nullptr;

TEST_F(SimHotplug, HostExportsTheScriptsFolder) {
    ASSERT_FALSE(hotplug_.empty()) << host_->start_output();
    EXPECT_EQ(hotplug_[0], '/');
    for (const char *s : {"block", "vif-bridge", "hang"})
        EXPECT_EQ(access((hotplug_ + "/" + s).c_str(), X_OK), 0) << s;
    auto r = run(host_cmd("env '" + dir_ + "'"));
    EXPECT_EQ(exported(r.out, "XLKIT_HOTPLUG_DIR"), hotplug_);
    EXPECT_EQ(read_text(dir_ + "/bridges"), "xenbr0\n");
}

TEST_F(SimHotplug, BlockAddOfAFileAttachesAPretendLoopDeviceAndRemoveReleasesIt) {
    std::string img = image("a.img");
    Device d = add(vbd(domain()), {{"params", img}});
    auto r = run_script(block(), d, "add");
    ASSERT_EQ(r.status, 0) << r.out;
    std::string node = be(d, "node");
    ASSERT_EQ(node.rfind("/dev/loop", 0), 0u) << node;
    int n = std::stoi(node.substr(9));
    char mm[16];
    snprintf(mm, sizeof mm, "7:%x", n);
    EXPECT_EQ(be(d, "physical-device"), mm);
    EXPECT_EQ(be(d, "physical-device-path"), node);
    EXPECT_EQ(be(d, "hotplug-status"), "connected");
    std::string loop = dir_ + "/loop/" + std::to_string(n);
    ASSERT_TRUE(file_exists(loop));
    EXPECT_EQ(read_text(loop), img + " " + d.xenbus_path() + "\n");

    r = run_script(block(), d, "remove");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_FALSE(file_exists(loop));
    std::string log = read_text(dir_ + "/hotplug.log");
    EXPECT_NE(log.find("block add " + d.xenbus_path() + " ok attached " + node + " " + img + "\n"), std::string::npos)
        << log;
    EXPECT_NE(log.find("block remove " + d.xenbus_path() + " ok released " + node + "\n"), std::string::npos) << log;
}

TEST_F(SimHotplug, TwoFilesGetTwoLoopDevices) {
    uint32_t dom = domain();
    Device a = add(vbd(dom, 51712), {{"params", image("b1.img")}});
    Device b = add(vbd(dom, 51728), {{"params", image("b2.img")}});
    ASSERT_EQ(run_script(block(), a, "add").status, 0);
    ASSERT_EQ(run_script(block(), b, "add").status, 0);
    EXPECT_NE(be(a, "node"), be(b, "node"));
    EXPECT_NE(be(a, "physical-device"), be(b, "physical-device"));
    EXPECT_EQ(run_script(block(), a, "remove").status, 0);
    EXPECT_EQ(run_script(block(), b, "remove").status, 0);
    EXPECT_EQ(count_files(dir_ + "/loop"), 0);
}

TEST_F(SimHotplug, BlockAddOfAMissingFileFailsWithXensMessage) {
    Device d = add(vbd(domain()), {{"params", "/no/such/disk.img"}});
    auto r = run_script(block(), d, "add");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("/no/such/disk.img does not exist."), std::string::npos) << r.out;
    EXPECT_EQ(be(d, "hotplug-status"), "error");
    EXPECT_EQ(be(d, "hotplug-error"), "/no/such/disk.img does not exist.");
    EXPECT_EQ(be(d, "physical-device"), "(none)");
    EXPECT_EQ(count_files(dir_ + "/loop"), 0);
    // remove after a failed add has nothing to release, and succeeds.
    EXPECT_EQ(run_script(block(), d, "remove").status, 0);
}

TEST_F(SimHotplug, BlockAddRefusesAFileWhileTheBackendIsNotInInitWait) {
    Device d = add(vbd(domain()), {{"params", image("c.img")}});
    ASSERT_TRUE(close_entries(xs_, d));
    auto r = run_script(block(), d, "add");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(be(d, "hotplug-error"), "Path closed or removed during hotplug add: " + d.xenbus_path() + " state: 5");
    EXPECT_EQ(count_files(dir_ + "/loop"), 0);
}

TEST_F(SimHotplug, BlockAddOfAReadOnlyFileForWritingIsBusy) {
    std::string img = image("ro.img");
    ASSERT_EQ(chmod(img.c_str(), 0444), 0);
    Device d = add(vbd(domain()), {{"params", img}, {"mode", "w"}});
    auto r = run_script(block(), d, "add");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(be(d, "hotplug-status"), "busy");
    EXPECT_NE(be(d, "hotplug-error").find("is read-only"), std::string::npos);
    EXPECT_EQ(count_files(dir_ + "/loop"), 0);
    // Read-only use is fine.
    Device ro = add(vbd(domains_.back(), 51728), {{"params", img}, {"mode", "r"}});
    EXPECT_EQ(run_script(block(), ro, "add").status, 0);
    EXPECT_EQ(run_script(block(), ro, "remove").status, 0);
}

TEST_F(SimHotplug, BlockAddRunTwiceDoesNothingTheSecondTime) {
    Device d = add(vbd(domain()), {{"params", image("twice.img")}});
    ASSERT_EQ(run_script(block(), d, "add").status, 0);
    ASSERT_EQ(run_script(block(), d, "add").status, 0);
    EXPECT_EQ(count_files(dir_ + "/loop"), 1);
    EXPECT_EQ(run_script(block(), d, "remove").status, 0);
    EXPECT_EQ(count_files(dir_ + "/loop"), 0);
}

TEST_F(SimHotplug, BlockAddOfABlockDeviceWritesItsNumbers) {
    auto f = run("for b in /dev/loop0 /dev/sda /dev/vda /dev/xvda /dev/nvme0n1 /dev/ram0; do "
                 "[ -b $b ] && { echo $b; break; }; done");
    std::string dev = f.out.substr(0, f.out.find('\n'));
    if (dev.empty()) GTEST_SKIP() << "no block device here";
    auto mm = run("stat -L -c %t:%T " + dev);
    Device d = add(vbd(domain()), {{"params", dev}});
    auto r = run_script(block(), d, "add");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(be(d, "physical-device") + "\n", mm.out);
    EXPECT_EQ(be(d, "physical-device-path"), dev);
    EXPECT_EQ(be(d, "node"), "(none)");
    EXPECT_EQ(count_files(dir_ + "/loop"), 0);
}

TEST_F(SimHotplug, VifBridgeOnlinePutsAPretendVifOnTheBridgeAndOfflineRemovesIt) {
    Device d = add(vif(domain()));
    auto r = run_script(vif_bridge(), d, "online type_if=vif");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(be(d, "hotplug-status"), "connected");
    std::string v = dir_ + "/vif/" + d.vif_name();
    ASSERT_TRUE(file_exists(v));
    EXPECT_EQ(read_text(v), "xenbr0 " + d.xenbus_path() + "\n");
    r = run_script(vif_bridge(), d, "offline type_if=vif");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_FALSE(file_exists(v));
    std::string log = read_text(dir_ + "/hotplug.log");
    EXPECT_NE(log.find("vif-bridge online " + d.xenbus_path() + " ok " + d.vif_name() + " on xenbr0\n"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("vif-bridge offline " + d.xenbus_path() + " ok removed " + d.vif_name() + "\n"),
              std::string::npos)
        << log;
}

TEST_F(SimHotplug, VifBridgeOnAMissingBridgeFailsUntilTheTestAddsIt) {
    Device d = add(vif(domain()), {{"bridge", "xenbr7"}});
    auto r = run_script(vif_bridge(), d, "online type_if=vif");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(be(d, "hotplug-status"), "error");
    EXPECT_EQ(be(d, "hotplug-error"), "Could not find bridge device xenbr7");
    EXPECT_EQ(count_files(dir_ + "/vif"), 0);
    ASSERT_EQ(run("echo xenbr7 >> '" + dir_ + "/bridges'").status, 0);
    r = run_script(vif_bridge(), d, "online type_if=vif");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(be(d, "hotplug-status"), "connected");
    EXPECT_EQ(run_script(vif_bridge(), d, "offline type_if=vif").status, 0);
    EXPECT_EQ(count_files(dir_ + "/vif"), 0);
}

TEST_F(SimHotplug, VifnameRenamesTheInterfaceAndATakenNameFails) {
    uint32_t dom = domain();
    Device a = add(vif(dom, 0), {{"vifname", "guestnet"}});
    Device b = add(vif(dom, 1), {{"vifname", "guestnet"}});
    ASSERT_EQ(run_script(vif_bridge(), a, "online type_if=vif").status, 0);
    EXPECT_TRUE(file_exists(dir_ + "/vif/guestnet"));
    auto r = run_script(vif_bridge(), b, "online type_if=vif");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(be(b, "hotplug-error"),
              "Cannot rename interface " + b.vif_name() + ". An interface with name guestnet already exists.");
    EXPECT_EQ(run_script(vif_bridge(), a, "offline type_if=vif").status, 0);
    EXPECT_EQ(count_files(dir_ + "/vif"), 0);
}

TEST_F(SimHotplug, VifBridgeIgnoresCommandsForTheOtherInterfaceType) {
    Device d = add(vif(domain()));
    EXPECT_EQ(run_script(vif_bridge(), d, "add type_if=vif").status, 0);
    EXPECT_EQ(count_files(dir_ + "/vif"), 0);
    EXPECT_EQ(be(d, "hotplug-status"), "");
}

TEST_F(SimHotplug, ScriptOutsideASimHostFailsClearly) {
    Device d = vbd(1);
    auto r = run("env -u XENSTORED_PATH -u XLKIT_SIM_DIR XENBUS_PATH=" + d.xenbus_path() + " '" + block() +
                 "' add 2>&1");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("not run for a sim host"), std::string::npos) << r.out;
}

// Running and not a zombie (a killed orphan may wait a while to be reaped).
bool running(pid_t pid) {
    if (kill(pid, 0) != 0) return false;
    return run("grep -q '^State:[[:space:]]*[ZX]' /proc/" + std::to_string(pid) + "/status 2>/dev/null").status == 1;
}

// The hanging script: its process group holds it and its child; killing the
// group ends both, killing only the script leaves the child.
TEST_F(SimHotplug, HangingScriptsChildOutlivesItUnlessTheGroupIsKilled) {
    Device d = add(vbd(domain()));
    std::string pids = dir_ + "/hang.pids";
    for (bool whole_group : {true, false}) {
        SCOPED_TRACE(whole_group ? "group" : "script only");
        unlink(pids.c_str());
        pid_t pid = fork();
        if (pid == 0) {
            setpgid(0, 0);
            int null = open("/dev/null", O_RDWR);
            dup2(null, 0);
            dup2(null, 1);
            setenv("XENBUS_TYPE", "vbd", 1);
            setenv("XENBUS_PATH", d.xenbus_path().c_str(), 1);
            std::string s = hotplug_ + "/hang";
            execl(s.c_str(), s.c_str(), "add", static_cast<char *>(nullptr));
            _exit(127);
        }
        ASSERT_GT(pid, 0);
        setpgid(pid, pid);
        auto t0 = Clock::now();
        pid_t script = 0, child = 0;
        while (ms_since(t0) < 5000) {
            FILE *f = fopen(pids.c_str(), "r");
            int a = 0, b = 0;
            if (f && fscanf(f, "%d %d", &a, &b) == 2) script = a, child = b;
            if (f) fclose(f);
            if (child > 0) break;
            usleep(1000);
        }
        ASSERT_EQ(script, pid);
        ASSERT_GT(child, 0);
        ASSERT_EQ(kill(whole_group ? -pid : pid, SIGKILL), 0);
        int st;
        ASSERT_EQ(waitpid(pid, &st, 0), pid);
        if (whole_group) {
            t0 = Clock::now();
            while (running(child) && ms_since(t0) < 5000) usleep(1000);
            EXPECT_FALSE(running(child)) << "the child survived its group";
        } else {
            EXPECT_TRUE(running(child)) << "the child died with the script";
            kill(child, SIGKILL);
        }
    }
    EXPECT_NE(read_text(dir_ + "/hotplug.log").find("hang add " + d.xenbus_path() + " hanging pids"),
              std::string::npos);
}

} // namespace
