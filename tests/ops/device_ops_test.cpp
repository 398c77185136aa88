// Disks and nics on the userspace sim host, whose simulated backends,
// frontends and hotplug scripts (tools/hosts/sim, docs/hosts.md) walk the
// states Linux's blkback/netback, the guest's drivers and Xen's scripts do.
#include <algorithm>
#include <dirent.h>
#include <fstream>
#include <gtest/gtest.h>
#include <signal.h>
#include <sstream>
#include <stop_token>

#include "support/modes.hpp"
#include "support/sim_support.hpp"
#include <xlkit.h>
#include <xlkit/device.hpp>
#include <xlkit/domain.hpp>

namespace {

using namespace xlkit;
using namespace xlkit::testing;
using simtest::Host;

// The entries of a folder of the sim host (its pretend loop devices, vifs).
std::vector<std::string> entries(const std::string &dir) {
    std::vector<std::string> v;
    if (DIR *d = opendir(dir.c_str())) {
        while (dirent *e = readdir(d))
            if (e->d_name[0] != '.') v.push_back(e->d_name);
        closedir(d);
    }
    return v;
}

std::string slurp(const std::string &path) {
    std::string s;
    if (FILE *f = std::fopen(path.c_str(), "r")) {
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
        std::fclose(f);
    }
    return s;
}

class DeviceFixture {
protected:
    void start_host(int device_timeout_ms = 0) {
        ASSERT_TRUE(host_.start("dev"));
        simtest::use_host(host_.dir());
        CtxOptions o;
        o.hypervisor = "sim:" + host_.dir();
        o.hotplug_dir = hotplug_dir();
        o.device_timeout_ms = device_timeout_ms;
        ASSERT_FALSE(o.hotplug_dir.empty());
        ASSERT_EQ(Ctx::create(&ctx_, o), Error::Success);
        xs_.emplace();
        ASSERT_TRUE(*xs_);
        disk_img_ = host_.dir() + "/disk.img";
        std::ofstream(disk_img_) << std::string(4096, '\0');
    }
    void stop_host() {
        if (ctx_) {
            EXPECT_EQ(ao_inflight(*ctx_), 0u);
        }
        ctx_.reset();
        xs_.reset();
        (void)host_.stop();
    }
    // XLKIT_HOTPLUG_DIR as the sim host exports it.
    std::string hotplug_dir() {
        auto r = simtest::run(simtest::host_cmd("env '" + host_.dir() + "'"));
        const std::string key = "XLKIT_HOTPLUG_DIR=";
        auto p = r.out.find(key);
        if (p == std::string::npos) return {};
        std::string v = r.out.substr(p + key.size(), r.out.find('\n', p) - p - key.size());
        if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = v.substr(1, v.size() - 2);
        return v;
    }
    DomainConfig config(const std::string &name) {
        DomainConfig c;
        c.name = name;
        c.kernel = "/bin/sh";
        c.memory = 64;
        c.vcpus = 1;
        return c;
    }
    std::uint32_t create(const DomainConfig &c, bool paused = false) {
        std::uint32_t d = 0;
        EXPECT_EQ(domain_create_new(*ctx_, c, paused, &d, use_sync), Error::Success);
        return d;
    }
    DeviceDisk disk(const std::string &vdev) {
        DeviceDisk k;
        k.pdev_path = disk_img_;
        k.vdev = vdev;
        k.format = DiskFormat::Raw;
        k.backend = DiskBackend::Phy;
        return k;
    }
    std::optional<std::string> xs_read(const std::string &p) { return xs_->read(p); }
    std::string be(const char *kind, std::uint32_t d, int devid) {
        return "/local/domain/0/backend/" + std::string(kind) + "/" + std::to_string(d) + "/" + std::to_string(devid);
    }
    // Nothing of domain d's devices is left: no entries, no pretend loop
    // device or vif, and every hotplug add had its remove.
    void expect_no_devices(std::uint32_t d) {
        for (const char *k : {"vbd", "vif"}) {
            EXPECT_FALSE(xs_read("/local/domain/0/backend/" + std::string(k) + "/" + std::to_string(d)))
                << k << " backend of " << d;
            EXPECT_FALSE(xs_read("/local/domain/" + std::to_string(d) + "/device/" + k + "/0"));
        }
        EXPECT_TRUE(entries(host_.dir() + "/loop").empty()) << slurp(host_.dir() + "/hotplug.log");
        EXPECT_TRUE(entries(host_.dir() + "/vif").empty()) << slurp(host_.dir() + "/hotplug.log");
    }
    void set_mode(const char *kind, const char *mode) {
        ASSERT_TRUE(xs_->write(std::string("/xlkit-sim/backend/") + kind, mode));
    }

    Host host_;
    std::unique_ptr<Ctx> ctx_;
    std::optional<simtest::Xs> xs_;  // opened once the host's environment is set
    std::string disk_img_;
};

template <class Mode>
class DeviceOpsTest : public ::testing::Test, public DeviceFixture {
protected:
    void SetUp() override { start_host(); }
    void TearDown() override { stop_host(); }
};

TYPED_TEST_SUITE(DeviceOpsTest, AllModes, ModeNames);

TYPED_TEST(DeviceOpsTest, DiskHotPluggedIntoARunningGuestIsConnectedThenRemoved) {
    std::uint32_t d = this->create(this->config("g"));
    ASSERT_GT(d, 0u);
    std::vector<std::string> stages;
    int lines = 0;
    auto progress = [&] {
        return ProgressHow::callback([&](const Event &ev) {
            if (auto *p = std::get_if<EventOperationProgress>(&ev.u)) stages.push_back(p->stage);
            if (std::holds_alternative<EventHelperOutput>(ev.u)) ++lines;
        });
    };
    const DeviceDisk k = this->disk("xvdb");
    // A key xlkit does not know (xl writes many) in the stored configuration.
    DomainInfo di;
    ASSERT_EQ(domain_info(*this->ctx_, d, &di), Error::Success);
    const std::string stored_path =
        this->host_.dir() + "/lib-xen/userdata-d." + std::to_string(d) + "." + to_string(di.uuid) + ".libxl-json";
    std::string text = slurp(stored_path);
    ASSERT_NE(text.find("\"b_info\":{"), std::string::npos) << text;
    text.replace(text.find("\"b_info\":{"), 10, "\"b_info\":{\"claim_mode\":\"True\",");
    std::ofstream(stored_path) << text;
    ASSERT_EQ(TypeParam::run(*this->ctx_, [&](AoHow h) { return device_disk_add(*this->ctx_, d, k, std::move(h), progress()); }),
              Error::Success);
    EXPECT_NE(slurp(stored_path).find("\"claim_mode\":\"True\""), std::string::npos)
        << "the update keeps what it does not know";
    EXPECT_EQ(stages, (std::vector<std::string>{"disk xvdb: backend", "disk xvdb: hotplug", "disk xvdb: connected"}));
    // Completion means usable: the guest's frontend has connected.
    EXPECT_EQ(this->xs_read(this->be("vbd", d, 51728) + "/state"), "4");
    EXPECT_EQ(this->xs_read(this->be("vbd", d, 51728) + "/hotplug-status"), "connected");
    EXPECT_EQ(entries(this->host_.dir() + "/loop").size(), 1u);
    std::vector<DeviceDisk> v;
    ASSERT_EQ(device_disk_list(*this->ctx_, d, &v), Error::Success);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].vdev, "xvdb");
    EXPECT_EQ(v[0].pdev_path, this->disk_img_);
    EXPECT_TRUE(v[0].readwrite);
    Diskinfo info;
    ASSERT_EQ(device_disk_getinfo(*this->ctx_, d, k, &info), Error::Success);
    EXPECT_EQ(info.devid, 51728);
    EXPECT_EQ(info.state, 4);
    // The stored configuration has it, as libxl's has (a save carries it).
    DomainConfig stored;
    ASSERT_EQ(retrieve_domain_configuration(*this->ctx_, d, &stored), Error::Success);
    ASSERT_EQ(stored.disks.size(), 1u);
    EXPECT_EQ(stored.disks[0], k);

    stages.clear();
    ASSERT_EQ(TypeParam::run(*this->ctx_, [&](AoHow h) { return device_disk_remove(*this->ctx_, d, k, std::move(h), progress()); }),
              Error::Success);
    EXPECT_EQ(stages, (std::vector<std::string>{"disk xvdb: closing", "disk xvdb: hotplug", "disk xvdb: removed"}));
    this->expect_no_devices(d);
    ASSERT_EQ(device_disk_list(*this->ctx_, d, &v), Error::Success);
    EXPECT_TRUE(v.empty());
    ASSERT_EQ(retrieve_domain_configuration(*this->ctx_, d, &stored), Error::Success);
    EXPECT_TRUE(stored.disks.empty()) << "a removed disk is forgotten";
}

TYPED_TEST(DeviceOpsTest, NicGetsLibxlsDefaultsAndIsRemovedByMac) {
    std::uint32_t d = this->create(this->config("n"));
    DeviceNic nic;
    ASSERT_EQ(TypeParam::run(*this->ctx_, [&](AoHow h) { return device_nic_add(*this->ctx_, d, &nic, std::move(h)); }),
              Error::Success);
    EXPECT_EQ(nic.devid, 0);
    EXPECT_EQ(nic.mac.bytes[0], 0x00);
    EXPECT_EQ(nic.mac.bytes[1], 0x16);
    EXPECT_EQ(nic.mac.bytes[2], 0x3e);
    EXPECT_LT(nic.mac.bytes[3], 0x80);
    EXPECT_EQ(this->xs_read(this->be("vif", d, 0) + "/bridge"), "xenbr0");
    EXPECT_EQ(this->xs_read(this->be("vif", d, 0) + "/mac"), to_string(nic.mac));
    EXPECT_EQ(this->xs_read(this->be("vif", d, 0) + "/state"), "4");
    DeviceNic second;
    second.mac.bytes = {0x00, 0x16, 0x3e, 0x01, 0x02, 0x03};
    second.mtu = 9000;
    ASSERT_EQ(TypeParam::run(*this->ctx_, [&](AoHow h) { return device_nic_add(*this->ctx_, d, &second, std::move(h)); }),
              Error::Success);
    EXPECT_EQ(second.devid, 1) << "libxl's next devid";
    DomainConfig stored;
    ASSERT_EQ(retrieve_domain_configuration(*this->ctx_, d, &stored), Error::Success);
    ASSERT_EQ(stored.nics.size(), 2u);
    EXPECT_EQ(stored.nics[0].devid, 0);
    EXPECT_EQ(stored.nics[0].mac, nic.mac) << "the mac it was given is kept";
    EXPECT_EQ(stored.nics[1].mtu, 9000);
    std::vector<DeviceNic> v;
    ASSERT_EQ(device_nic_list(*this->ctx_, d, &v), Error::Success);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[1].mac, second.mac);
    EXPECT_EQ(v[1].mtu, 9000);
    DeviceNic by_mac;
    by_mac.mac = second.mac;
    ASSERT_EQ(TypeParam::run(*this->ctx_, [&](AoHow h) { return device_nic_remove(*this->ctx_, d, by_mac, std::move(h)); }),
              Error::Success);
    EXPECT_FALSE(this->xs_read(this->be("vif", d, 1)));
    ASSERT_EQ(device_nic_list(*this->ctx_, d, &v), Error::Success);
    EXPECT_EQ(v.size(), 1u);
    ASSERT_EQ(retrieve_domain_configuration(*this->ctx_, d, &stored), Error::Success);
    ASSERT_EQ(stored.nics.size(), 1u);
    EXPECT_EQ(stored.nics[0].devid, 0) << "the one removed by mac is forgotten";
}

TYPED_TEST(DeviceOpsTest, CreateAttachesEveryDeviceAndDestroyRemovesThem) {
    DomainConfig c = this->config("full");
    c.disks = {this->disk("xvda"), this->disk("xvdb")};
    c.disks[1].readwrite = false;
    c.nics.resize(2);
    std::vector<std::string> stages;
    std::uint32_t d = 0;
    ASSERT_EQ(TypeParam::run(*this->ctx_,
                             [&](AoHow h) {
                                 return domain_create_new(*this->ctx_, c, false, &d, std::move(h),
                                                          ProgressHow::callback([&](const Event &ev) {
                                                              if (auto *p = std::get_if<EventOperationProgress>(&ev.u))
                                                                  stages.push_back(p->stage);
                                                          }));
                             }),
              Error::Success);
    for (const char *s : {"disk xvda: hotplug", "disk xvdb: hotplug", "nic 0: hotplug", "nic 1: hotplug"})
        EXPECT_NE(std::find(stages.begin(), stages.end(), s), stages.end()) << s;
    EXPECT_EQ(this->xs_read(this->be("vbd", d, 51712) + "/hotplug-status"), "connected");
    EXPECT_EQ(this->xs_read(this->be("vbd", d, 51728) + "/mode"), "r");
    // libxl's default: discard on a writable disk only.
    EXPECT_EQ(this->xs_read(this->be("vbd", d, 51712) + "/discard-enable"), "1");
    EXPECT_EQ(this->xs_read(this->be("vbd", d, 51728) + "/discard-enable"), "0");
    EXPECT_EQ(entries(this->host_.dir() + "/loop").size(), 2u);
    EXPECT_EQ(entries(this->host_.dir() + "/vif").size(), 2u);
    // The stored configuration has the devids and macs the nics were given
    // (what a save puts in its file, and a restore attaches again).
    DomainConfig stored;
    ASSERT_EQ(retrieve_domain_configuration(*this->ctx_, d, &stored), Error::Success);
    ASSERT_EQ(stored.nics.size(), 2u);
    std::vector<DeviceNic> listed;
    ASSERT_EQ(device_nic_list(*this->ctx_, d, &listed), Error::Success);
    ASSERT_EQ(listed.size(), 2u);
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(stored.nics[i].devid, i);
        EXPECT_EQ(stored.nics[i].mac, listed[i].mac);
    }
    EXPECT_EQ(stored.disks, c.disks);
    stages.clear();
    ASSERT_EQ(TypeParam::run(*this->ctx_,
                             [&](AoHow h) {
                                 return domain_destroy(*this->ctx_, d, std::move(h),
                                                       ProgressHow::callback([&](const Event &ev) {
                                                           if (auto *p = std::get_if<EventOperationProgress>(&ev.u))
                                                               stages.push_back(p->stage);
                                                       }));
                             }),
              Error::Success);
    this->expect_no_devices(d);
    // Each device's removal shows in the destroy's progress, named as at create.
    for (const char *s : {"disk xvda: removed", "disk xvdb: removed", "nic 0: removed", "nic 1: removed"})
        EXPECT_NE(std::find(stages.begin(), stages.end(), s), stages.end()) << s;
}

class DeviceFailTest : public ::testing::Test, public DeviceFixture {
protected:
    void SetUp() override { start_host(1500); }
    void TearDown() override { stop_host(); }
};

TEST_F(DeviceFailTest, MissingBackingFileIsInvalAndWritesNothing) {
    std::uint32_t d = create(config("m"));
    DeviceDisk k = disk("xvdb");
    k.pdev_path = host_.dir() + "/nonexistent.img";
    EXPECT_EQ(device_disk_add(*ctx_, d, k), Error::Inval);
    k = disk("nonsense");
    EXPECT_EQ(device_disk_add(*ctx_, d, k), Error::Inval);
    expect_no_devices(d);
    // And at create time nothing is built at all.
    DomainConfig c = config("bad");
    c.disks = {disk("xvda")};
    c.disks[0].pdev_path = "/nonexistent.img";
    std::uint32_t bad = 0;
    EXPECT_EQ(domain_create_new(*ctx_, c, false, &bad), Error::Inval);
    std::vector<DomainInfo> v;
    ASSERT_EQ(list_domain(*ctx_, &v), Error::Success);
    EXPECT_EQ(v.size(), 2u);
}

TEST_F(DeviceFailTest, DiskUsedTwiceIsDeviceExists) {
    std::uint32_t d = create(config("twice"));
    ASSERT_EQ(device_disk_add(*ctx_, d, disk("xvdb")), Error::Success);
    EXPECT_EQ(device_disk_add(*ctx_, d, disk("xvdb")), Error::DeviceExists);
    EXPECT_EQ(entries(host_.dir() + "/loop").size(), 1u);
    DomainConfig c = config("dup");
    c.disks = {disk("xvda"), disk("xvda")};
    std::uint32_t dd = 0;
    EXPECT_EQ(domain_create_new(*ctx_, c, false, &dd), Error::Inval);
}

TEST_F(DeviceFailTest, ScriptFailureNamesTheDeviceAndLeavesNothing) {
    std::uint32_t d = create(config("nobridge"));
    DeviceNic nic;
    nic.bridge = "nosuchbr";
    std::vector<EventHelperOutput> lines;
    EXPECT_EQ(device_nic_add(*ctx_, d, &nic, AoHow{}, ProgressHow::callback([&](const Event &ev) {
                  if (auto *h = std::get_if<EventHelperOutput>(&ev.u)) lines.push_back(*h);
              })),
              Error::Fail);
    expect_no_devices(d);
    // What the script said is reported, naming the device it ran for.
    ASSERT_FALSE(lines.empty());
    for (const EventHelperOutput &h : lines) EXPECT_EQ(h.source, "nic 0") << h.line;
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                            [](const EventHelperOutput &h) { return h.stream == 2 && h.line.find("nosuchbr") != std::string::npos; }));
    EXPECT_NE(slurp(host_.dir() + "/hotplug.log").find("nosuchbr"), std::string::npos);
}

TEST_F(DeviceFailTest, NicWithAVifnameIsRenamedByTheScriptAndRemovedByThatName) {
    std::uint32_t d = create(config("named"));
    DeviceNic nic;
    nic.ifname = "guestnet";
    ASSERT_EQ(device_nic_add(*ctx_, d, &nic), Error::Success);
    // The script got netback's name for the interface and renamed it.
    EXPECT_EQ(entries(host_.dir() + "/vif"), (std::vector<std::string>{"guestnet"}));
    ASSERT_EQ(device_nic_remove(*ctx_, d, nic), Error::Success);
    EXPECT_TRUE(entries(host_.dir() + "/vif").empty());
    expect_no_devices(d);
}

TEST_F(DeviceFailTest, FailingDeviceFailsTheCreateAndRemovesTheOthers) {
    DomainConfig c = config("halfmade");
    c.disks = {disk("xvda")};
    c.nics.resize(1);
    c.nics[0].bridge = "nosuchbr";
    std::uint32_t d = 0;
    EXPECT_EQ(domain_create_new(*ctx_, c, false, &d), Error::Fail);
    std::vector<DomainInfo> v;
    ASSERT_EQ(list_domain(*ctx_, &v), Error::Success);
    for (const DomainInfo &i : v) EXPECT_NE(i.name, "halfmade");
    expect_no_devices(d);
    EXPECT_NE(slurp(host_.dir() + "/hotplug.log").find("remove"), std::string::npos) << "the disk's remove ran";
}

TEST_F(DeviceFailTest, BackendThatNeverReachesInitWaitTimesOut) {
    std::uint32_t d = create(config("noinit"));
    set_mode("vbd", "no-initwait");
    EXPECT_EQ(device_disk_add(*ctx_, d, disk("xvdb")), Error::Timedout);
    expect_no_devices(d);
}

TEST_F(DeviceFailTest, FrontendThatNeverConnectsTimesOutAndTheDeviceIsRemoved) {
    std::uint32_t d = create(config("noconn"));
    set_mode("vbd", "no-connect");
    EXPECT_EQ(device_disk_add(*ctx_, d, disk("xvdb")), Error::Timedout);
    expect_no_devices(d);
}

TEST_F(DeviceFailTest, PausedGuestsDiskCompletesWithItsScriptDone) {
    std::uint32_t d = create(config("paused"), true);
    set_mode("vbd", "no-connect");  // and it could not connect anyway
    ASSERT_EQ(device_disk_add(*ctx_, d, disk("xvdb")), Error::Success);
    EXPECT_EQ(xs_read(be("vbd", d, 51728) + "/state"), "2");
    EXPECT_EQ(xs_read(be("vbd", d, 51728) + "/hotplug-status"), "connected");
}

TEST_F(DeviceFailTest, ForcedRemovalOfABackendThatNeverClosesStillRunsTheScript) {
    std::uint32_t d = create(config("noclose"));
    ASSERT_EQ(device_disk_add(*ctx_, d, disk("xvdb")), Error::Success);
    set_mode("vbd", "no-close");
    DeviceDisk k = disk("xvdb");
    EXPECT_EQ(device_disk_destroy(*ctx_, d, k), Error::Timedout);
    expect_no_devices(d);  // libxl would leak the loop device here
}

// Has pid ended (gone, or a zombie waiting for whoever inherited it)? A
// SIGKILL is delivered asynchronously: poll, bounded.
bool ended(pid_t pid) {
    for (int i = 0; i < 1000; ++i) {
        std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
        auto p = stat.rfind(')');
        if (stat.empty() || (p != std::string::npos && p + 2 < stat.size() && stat[p + 2] == 'Z')) return true;
        usleep(10000);
    }
    return false;
}

// The hang script's "SCRIPT_PID CHILD_PID" lines: both must have ended.
void expect_hang_pids_gone(const std::string &dir) {
    std::istringstream in(slurp(dir + "/hang.pids"));
    long a, b;
    int n = 0;
    while (in >> a >> b) {
        ++n;
        EXPECT_TRUE(ended(pid_t(a))) << "script " << a << " survived";
        EXPECT_TRUE(ended(pid_t(b))) << "its child " << b << " survived (only the script was killed?)";
    }
    EXPECT_GT(n, 0);
}

TEST_F(DeviceFailTest, HangingScriptIsKilledWithItsChildrenAtTheTimeout) {
    std::uint32_t d = create(config("hang"));
    DeviceDisk k = disk("xvdb");
    k.script = "hang";
    EXPECT_EQ(device_disk_add(*ctx_, d, k), Error::Timedout);
    expect_hang_pids_gone(host_.dir());
    EXPECT_FALSE(xs_read(be("vbd", d, 51728)));
}

TEST_F(DeviceFailTest, AbortDuringTheScriptLeavesNothing) {
    std::uint32_t d = create(config("abort"));
    DeviceDisk k = disk("xvdb");
    k.script = "hang";
    Error done = Error::Success;
    bool finished = false;
    std::stop_source stop;
    AoHow how = AoHow::callback([&](Error e) {
        done = e;
        finished = true;
    }).abort_on(stop.get_token());
    ASSERT_EQ(device_disk_add(*ctx_, d, k, std::move(how)), Error::Success);
    // Abort once the script runs (its pid is on record).
    for (int i = 0; i < 2000 && slurp(host_.dir() + "/hang.pids").empty(); ++i) (void)ctx_->run_once(5);
    ASSERT_FALSE(slurp(host_.dir() + "/hang.pids").empty());
    ASSERT_EQ(ao_inflight(*ctx_), 1u);
    stop.request_stop();
    for (int i = 0; i < 4000 && !finished; ++i) (void)ctx_->run_once(5);
    ASSERT_TRUE(finished);
    EXPECT_EQ(done, Error::Aborted);
    expect_hang_pids_gone(host_.dir());
    expect_no_devices(d);
}

TEST_F(DeviceFailTest, CApiAddsListsAndRemovesWithLibxlsNames) {
    std::uint32_t d = create(config("c"));
    setenv("XLKIT_HYPERVISOR", ("sim:" + host_.dir()).c_str(), 1);
    setenv("XLKIT_HOTPLUG_DIR", hotplug_dir().c_str(), 1);
    xlkit_ctx *c = nullptr;
    ASSERT_EQ(xlkit_ctx_alloc(&c, XLKIT_VERSION, 0, nullptr), 0);
    struct Unset {
        ~Unset() {
            unsetenv("XLKIT_HYPERVISOR");  // read when the ctx first needs Xen
            unsetenv("XLKIT_HOTPLUG_DIR");
        }
    } unset;
    xlkit_device_nic nic;
    xlkit_device_nic_init(&nic);
    ASSERT_EQ(xlkit_device_nic_add(c, d, &nic, nullptr), 0);
    EXPECT_EQ(nic.devid, 0);
    EXPECT_EQ(nic.mac[0] | nic.mac[1] << 8 | nic.mac[2] << 16, 0x3e1600);
    int n = 0;
    xlkit_device_nic *list = xlkit_device_nic_list(c, d, &n);
    ASSERT_NE(list, nullptr);
    ASSERT_EQ(n, 1);
    EXPECT_EQ(std::memcmp(list[0].mac, nic.mac, 6), 0);
    xlkit_device_nic_list_free(list, n);
    xlkit_nicinfo info;
    xlkit_nicinfo_init(&info);
    ASSERT_EQ(xlkit_device_nic_getinfo(c, d, &nic, &info), 0);
    EXPECT_EQ(info.state, 4);
    xlkit_nicinfo_dispose(&info);
    EXPECT_EQ(xlkit_device_nic_remove(c, d, &nic, nullptr), 0);
    EXPECT_EQ(xlkit_device_nic_remove(c, d, &nic, nullptr), XLKIT_ERROR_NOTFOUND);
    xlkit_device_nic_dispose(&nic);
    xlkit_ctx_free(c);
}

} // namespace
