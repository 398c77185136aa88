// libxl_domain_config JSON (xlkit/config_json.hpp): what xl 4.17 writes is
// read, what xlkit writes xl reads, and every wrong key is named.
#include <gtest/gtest.h>
#include <string>

#include <xlkit/config_json.hpp>

namespace {

using namespace xlkit;

// /var/lib/xen/userdata-d.2.UUID.libxl-json as xl 4.17 wrote it in Xen in a
// box for: type="pvh", memory=96, vcpus=1, tsc_mode="native",
// cpuid="host,rdtscp=0", shadow_memory=4, kernel/ramdisk/cmdline.
const char *const kXlPvh = R"json({
    "c_info": {
        "type": "pvh",
        "name": "pvhj",
        "domid": 4294967295,
        "uuid": "980d420a-a76f-4d1b-b238-c54b6081f44e",
        "run_hotplug_scripts": "True"
    },
    "b_info": {
        "max_vcpus": 1,
        "avail_vcpus": [
            0
        ],
        "tsc_mode": "native",
        "max_memkb": 98304,
        "target_memkb": 98304,
        "video_memkb": 0,
        "shadow_memkb": 4096,
        "cpuid": {
            "cpuid": [
                {
                    "leaf": 2147483649,
                    "edx": "xxxx0xxxxxxxxxxxxxxxxxxxxxxxxxxx"
                }
            ],
            "msr": [

            ]
        },
        "sched_params": {

        },
        "claim_mode": "True",
        "kernel": "/opt/xenbox/guests/vmlinux",
        "cmdline": "console=hvc0 quiet",
        "ramdisk": "/opt/xenbox/guests/obedient.initrd",
        "type.pvh": {

        },
        "arch_arm": {

        },
        "arch_x86": {
            "msr_relaxed": "False"
        }
    },
    "on_reboot": "restart",
    "on_soft_reset": "soft_reset"
})json";

TEST(ConfigJson, ReadsXlsJsonOfAPvhGuest) {
    DomainConfig c;
    Uuid u;
    std::string why;
    ASSERT_EQ(domain_config_from_libxl_json(kXlPvh, &c, &u, &why), Error::Success) << why;
    EXPECT_EQ(c.type, DomainType::Pvh);
    EXPECT_EQ(c.name, "pvhj");
    EXPECT_EQ(to_string(u), "980d420a-a76f-4d1b-b238-c54b6081f44e");
    EXPECT_EQ(c.vcpus, 1u);
    EXPECT_EQ(c.memory, 96u);
    EXPECT_EQ(c.maxmem, 0u) << "max_memkb = target_memkb: no maxmem of its own";
    EXPECT_EQ(c.shadow_memory, 4u);
    EXPECT_EQ(c.tsc_mode, TscMode::Native);
    EXPECT_EQ(c.kernel, "/opt/xenbox/guests/vmlinux");
    EXPECT_EQ(c.ramdisk, "/opt/xenbox/guests/obedient.initrd");
    EXPECT_EQ(c.cmdline, "console=hvc0 quiet");
    EXPECT_EQ(c.on_poweroff, ActionOnShutdown::Destroy) << "absent: libxl's default";
    EXPECT_EQ(c.on_reboot, ActionOnShutdown::Restart);
    EXPECT_EQ(c.on_crash, ActionOnShutdown::Destroy);
    EXPECT_TRUE(c.disks.empty());
    // cpuid="host,rdtscp=0", as libxl keeps it: leaf 0x80000001, edx bit 27.
    EXPECT_EQ(c.cpuid, "0x80000001:edx=xxxx0xxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

TEST(ConfigJson, CpuidIsWrittenAsLibxlKeepsItAndReadsBackAsTheSameBits) {
    for (const char *form : {"host,rdtscp=0,avx=0", "0x80000001:edx=xxxx0xxxxxxxxxxxxxxxxxxxxxxxxxxx;0x1:ecx=xxx0xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                             "7,0:ebx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1"}) {
        DomainConfig c;
        c.name = "cpu";
        c.kernel = "/k";
        c.memory = 64;
        c.cpuid = form;
        std::string j = domain_config_to_libxl_json(c, Uuid{}), why;
        EXPECT_NE(j.find("\"cpuid\":{\"cpuid\":[{\"leaf\":"), std::string::npos) << j;
        EXPECT_NE(j.find("\"msr\":[]"), std::string::npos) << j;
        DomainConfig back;
        Uuid u;
        ASSERT_EQ(domain_config_from_libxl_json(j, &back, &u, &why), Error::Success) << why << "\n" << j;
        // The list form of the same bits (a feature name becomes its leaf's).
        std::string again = domain_config_to_libxl_json(back, Uuid{});
        EXPECT_EQ(again, j);
    }
    DomainConfig c;
    c.name = "cpu";
    c.kernel = "/k";
    c.memory = 64;
    c.cpuid = "host,rdtscp=0";
    std::string j = domain_config_to_libxl_json(c, Uuid{});
    EXPECT_NE(j.find("{\"leaf\":2147483649,\"edx\":\"xxxx0xxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"), std::string::npos) << j;
    c.cpuid = "7,0:ebx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1";
    j = domain_config_to_libxl_json(c, Uuid{});
    EXPECT_NE(j.find("{\"leaf\":7,\"subleaf\":0,\"ebx\":"), std::string::npos) << j;
}

TEST(ConfigJson, ReadsCpuidAsXen416AndBeforeWroteIt) {
    DomainConfig c;
    Uuid u;
    std::string why;
    ASSERT_EQ(domain_config_from_libxl_json(
                  R"({"c_info":{"type":"pv","name":"old"},"b_info":{"max_vcpus":1,"max_memkb":65536,)"
                  R"("cpuid":[{"leaf":1,"ecx":"xxx0xxxxxxxxxxxxxxxxxxxxxxxxxxxx"}]}})",
                  &c, &u, &why),
              Error::Success)
        << why;
    EXPECT_EQ(c.cpuid, "0x1:ecx=xxx0xxxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

DomainConfig full_pv() {
    DomainConfig c;
    c.name = "web";
    c.type = DomainType::Pv;
    c.kernel = "/boot/vmlinuz";
    c.ramdisk = "/boot/initrd";
    c.cmdline = "root=/dev/xvda1 ro";
    c.memory = 256;
    c.maxmem = 512;
    c.vcpus = 3;
    c.on_poweroff = ActionOnShutdown::Preserve;
    c.on_reboot = ActionOnShutdown::RestartRename;
    c.on_crash = ActionOnShutdown::CoredumpDestroy;
    DeviceDisk d;
    d.pdev_path = "/srv/web.img";
    d.vdev = "xvda";
    d.backend = DiskBackend::Phy;
    d.format = DiskFormat::Raw;
    c.disks.push_back(d);
    d.pdev_path = "/srv/cd.iso";
    d.vdev = "xvdc";
    d.readwrite = false;
    d.is_cdrom = true;
    d.script = "block";
    c.disks.push_back(d);
    DeviceNic n;
    n.devid = 0;
    n.mac.bytes = {0x00, 0x16, 0x3e, 0x12, 0x34, 0x56};
    n.bridge = "xenbr1";
    n.script = "vif-bridge";
    n.mtu = 1400;
    n.ip = "10.0.0.5";
    n.ifname = "web0";
    n.nictype = NicType::Vif;
    n.rate_bytes_per_interval = 62500;
    n.rate_interval_usecs = 50000;
    c.nics.push_back(n);
    return c;
}

TEST(ConfigJson, ReadsTheFileAsLibxlStoresItWithItsNul) {
    // libxl writes the userdata file as strlen + 1 bytes: the JSON and its NUL.
    std::string file = std::string(kXlPvh) + "\n";
    file.push_back('\0');
    DomainConfig c;
    Uuid u;
    std::string why;
    ASSERT_EQ(domain_config_from_libxl_json(file, &c, &u, &why), Error::Success) << why;
    EXPECT_EQ(c.name, "pvhj");
}

TEST(ConfigJson, WhatXlkitWritesReadsBackTheSame) {
    Uuid u;
    u.bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    for (DomainType t : {DomainType::Pv, DomainType::Pvh}) {
        DomainConfig c = full_pv();
        c.type = t;
        if (t == DomainType::Pvh) {
            c.tsc_mode = TscMode::Native;
            c.shadow_memory = 6;
        }
        std::string json = domain_config_to_libxl_json(c, u), why;
        DomainConfig back;
        Uuid ub;
        ASSERT_EQ(domain_config_from_libxl_json(json, &back, &ub, &why), Error::Success) << why << "\n" << json;
        EXPECT_EQ(ub, u);
        EXPECT_EQ(back, c) << json;
    }
}

TEST(ConfigJson, WritesLibxlsSpellings) {
    std::string j = domain_config_to_libxl_json(full_pv(), Uuid{});
    for (const char *want : {"\"c_info\":{\"type\":\"pv\"", "\"max_memkb\":524288", "\"target_memkb\":262144",
                             "\"avail_vcpus\":[0,1,2]", "\"video_memkb\":0", "\"on_reboot\":\"restart_rename\"",
                             "\"on_crash\":\"coredump_destroy\"", "\"on_poweroff\":\"preserve\"",
                             "\"type.pv\":{}", "\"mac\":\"00:16:3e:12:34:56\"", "\"is_cdrom\":1",
                             "\"discard_enable\":\"False\"", "\"nictype\":\"vif\"", "\"backend\":\"phy\""})
        EXPECT_NE(j.find(want), std::string::npos) << want << " not in " << j;
}

TEST(ConfigJson, ReadsTheKernelFromTypePvAsXenBefore410WroteIt) {
    DomainConfig c;
    Uuid u;
    std::string why;
    ASSERT_EQ(domain_config_from_libxl_json(
                  R"({"c_info":{"type":"pv","name":"old"},"b_info":{"max_vcpus":1,"max_memkb":65536,)"
                  R"("target_memkb":65536,"type.pv":{"kernel":"/k","cmdline":"quiet","ramdisk":"/r"}}})",
                  &c, &u, &why),
              Error::Success)
        << why;
    EXPECT_EQ(c.kernel, "/k");
    EXPECT_EQ(c.cmdline, "quiet");
    EXPECT_EQ(c.ramdisk, "/r");
    EXPECT_EQ(c.memory, 64u);
}

TEST(ConfigJson, EveryWrongKeyIsNamed) {
    const std::string ok_b = R"("b_info":{"max_vcpus":1,"max_memkb":65536,"target_memkb":65536})";
    const std::string ok_c = R"("c_info":{"type":"pv","name":"g"})";
    struct Case {
        std::string json, why;
    } cases[] = {
        {"", "the configuration is empty"},
        {"{\"c_info\":", "not JSON: incomplete JSON"},
        {"[1]", "expected an object, got an array"},
        {"{" + ok_b + "}", "c_info: missing"},
        {"{" + ok_c + "}", "b_info: missing"},
        {R"({"c_info":{"type":"hvm"},)" + ok_b + "}", "c_info.type: \"hvm\": xlkit builds PV and PVH guests only"},
        {R"({"c_info":{"type":"pv","uuid":"12-34"},)" + ok_b + "}", "c_info.uuid: \"12-34\" is not a UUID"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":1,"max_memkb":"lots"}})", "b_info.max_memkb: expected a number, got a string"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":1,"max_memkb":1024,"target_memkb":2048}})", "b_info.max_memkb: 1024 is below target_memkb 2048"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":0,"max_memkb":1024}})", "b_info.max_vcpus: 0: a guest needs a vcpu"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":-1,"max_memkb":1024}})", "b_info.max_vcpus: -1 is out of range"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":1}})", "b_info.target_memkb: missing (and no max_memkb)"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":1,"max_memkb":1024,"tsc_mode":"fast"}})", "b_info.tsc_mode: \"fast\" is not one xlkit knows"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":1,"max_memkb":1024,"type.pvh":{"pvshim":"True"}}})", "b_info.type.pvh.pvshim: a PV shim is not supported by xlkit"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":1,"max_memkb":1024,"type.pv":{"bootloader":"pygrub"}}})", "b_info.type.pv.bootloader: \"pygrub\": xlkit runs no bootloader (give kernel=)"},
        {"{" + ok_c + "," + ok_b + R"(,"disks":[{"vdev":"xvda"},{"pdev_path":"/x"}]})", "disks[1].vdev: missing"},
        {"{" + ok_c + "," + ok_b + R"(,"disks":[{"vdev":"xvda","format":"qcow9"}]})", "disks[0].format: \"qcow9\" is not one xlkit knows"},
        {"{" + ok_c + "," + ok_b + R"(,"disks":{"vdev":"xvda"}})", "disks: expected an array, got an object"},
        {"{" + ok_c + "," + ok_b + R"(,"nics":[{"mac":"00:16:3e:zz:00:01"}]})", "nics[0].mac: \"00:16:3e:zz:00:01\" is not a MAC address"},
        {"{" + ok_c + "," + ok_b + R"(,"nics":[7]})", "nics[0]: expected an object, got a number"},
        {"{" + ok_c + "," + ok_b + R"(,"vfbs":[{"devid":0}]})", "vfbs: xlkit does not support these devices yet"},
        {"{" + ok_c + "," + ok_b + R"(,"on_crash":"explode"})", "on_crash: \"explode\" is not one xlkit knows"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":1,"max_memkb":1024,"cpuid":"host"}})", "b_info.cpuid: expected an array, got a string"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":1,"max_memkb":1024,"cpuid":{"cpuid":[{"edx":"x"}]}}})", "b_info.cpuid.cpuid[0].leaf: missing"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":1,"max_memkb":1024,"cpuid":{"cpuid":[3]}}})", "b_info.cpuid.cpuid[0]: expected an object, got a number"},
        {"{" + ok_c + R"(,"b_info":{"max_vcpus":1,"max_memkb":1024,"cpuid":{"cpuid":[],"msr":[{"index":16}]}}})", "b_info.cpuid.msr: MSR policies are not supported by xlkit"},
    };
    for (const Case &k : cases) {
        DomainConfig c;
        Uuid u;
        std::string why;
        EXPECT_EQ(domain_config_from_libxl_json(k.json, &c, &u, &why), Error::Inval) << k.json;
        EXPECT_EQ(why, k.why) << k.json;
    }
}

} // namespace
