// JSON conventions and bad input, on xlkit's own types (C++ API).
// The first include checks that the public header is self-contained.
#include <xlkit/types.hpp>

#include <xlkit/error.hpp>

#include <cstdint>
#include <string>
#include <variant>

#include <gtest/gtest.h>

namespace {

using namespace xlkit;

// Parses json as T and expects failure with exactly message `want`; the
// output must be left as it was.
template <class T>
void expect_rejected(const std::string &json, const std::string &want) {
    T out{};
    if constexpr (std::is_same_v<T, DomainConfig>) out.name = "sentinel";
    const T before = out;
    std::string why;
    EXPECT_EQ(from_json(json, &out, &why), Error::Inval) << json;
    EXPECT_EQ(why, want) << json;
    EXPECT_TRUE(out == before) << "the output was modified for " << json;
}

// The same, for a message whose end depends on how many values an enum has.
template <class T>
void expect_rejected_prefix(const std::string &json, const std::string &want) {
    T out{};
    const T before = out;
    std::string why;
    EXPECT_EQ(from_json(json, &out, &why), Error::Inval) << json;
    EXPECT_EQ(why.substr(0, want.size()), want) << json;
    EXPECT_TRUE(out == before) << "the output was modified for " << json;
}

template <class T>
T parse_ok(const std::string &json) {
    T out{};
    std::string why;
    EXPECT_EQ(from_json(json, &out, &why), Error::Success) << why << "\n" << json;
    return out;
}

template <class T>
std::string json_of(const T &v) {
    std::string s, why;
    EXPECT_EQ(to_json(v, &s, &why), Error::Success) << why;
    return s;
}

// ---- conventions --------------------------------------------------------------------

TEST(IdlJson, FieldsAtTheirDefaultAreOmitted) {
    EXPECT_EQ(json_of(DomainConfig{}), "{}");
    DomainConfig c;
    c.memory = 128;  // the IDL's init value: still the default
    c.type = DomainType::Pv;
    c.vcpus = 2;
    c.maxmem = 0;
    EXPECT_EQ(json_of(c), R"({"vcpus":2})");
    DeviceDisk d;
    d.readwrite = false;  // init true: false is not the default
    EXPECT_EQ(json_of(d), R"({"readwrite":false})");
}

TEST(IdlJson, FieldsAreWrittenInDeclarationOrderWithEnumsAsLowerCaseStrings) {
    DomainConfig c;
    c.name = "guest";
    c.type = DomainType::Pvh;
    c.memory = 512;
    c.on_crash = ActionOnShutdown::CoredumpRestart;
    EXPECT_EQ(json_of(c), R"({"name":"guest","type":"pvh","memory":512,"on_crash":"coredump_restart"})");
}

TEST(IdlJson, KeyedUnionIsWrittenAsTheKeyPlusKeyDotMember) {
    Event e;
    e.domid = 7;
    EventDiskEject ej;
    ej.vdev = "xvdb";
    ej.disk.pdev_path = "/srv/cd.iso";
    ej.disk.is_cdrom = true;
    e.u = ej;
    EXPECT_EQ(e.type(), EventType::DiskEject);
    EXPECT_EQ(json_of(e), R"({"domid":7,"type":"disk_eject","type.disk_eject":)"
                          R"({"vdev":"xvdb","disk":{"pdev_path":"/srv/cd.iso","is_cdrom":true}}})");
}

TEST(IdlJson, KeyedUnionMemberWithoutFieldsIsAnEmptyObjectAndTheKeyIsAlwaysWritten) {
    Event e;
    ASSERT_EQ(e.set_type(EventType::DomainDeath), Error::Success);
    EXPECT_EQ(json_of(e), R"({"type":"domain_death","type.domain_death":{}})");
    // The default event: key and member are still written.
    EXPECT_EQ(json_of(Event{}), R"({"type":"domain_shutdown","type.domain_shutdown":{}})");
}

TEST(IdlJson, UuidIsWrittenInItsCanonicalFormAndNilIsOmitted) {
    Event e;
    ASSERT_EQ(from_string("0123456789ABCDEF0123456789abcdef", &e.domuuid), Error::Inval);
    ASSERT_EQ(from_string("01234567-89AB-CDEF-0123-456789abcdef", &e.domuuid), Error::Success);
    EXPECT_EQ(to_string(e.domuuid), "01234567-89ab-cdef-0123-456789abcdef");
    EXPECT_EQ(json_of(e), R"({"domuuid":"01234567-89ab-cdef-0123-456789abcdef",)"
                          R"("type":"domain_shutdown","type.domain_shutdown":{}})");
}

TEST(IdlJson, ParsesAHandWrittenConfigWithArraysAndNestedStructs) {
    auto c = parse_ok<DomainConfig>(R"({
        "name": "web1", "type": "HVM", "kernel": "/boot/vmlinuz", "cmdline": "console=hvc0",
        "memory": 1024, "maxmem": 2048, "vcpus": 4, "on_reboot": "Destroy",
        "disks": [ {"pdev_path": "/dev/vg/web1", "vdev": "xvda", "format": "raw"},
                   {"pdev_path": "/srv/cd.iso", "vdev": "xvdc", "is_cdrom": true, "readwrite": false} ]
    })");
    EXPECT_EQ(c.name, "web1");
    EXPECT_EQ(c.type, DomainType::Hvm);
    EXPECT_EQ(c.memory, 1024u);
    EXPECT_EQ(c.maxmem, 2048u);
    EXPECT_EQ(c.vcpus, 4u);
    EXPECT_EQ(c.on_poweroff, ActionOnShutdown::Destroy);  // absent: the default
    EXPECT_EQ(c.on_reboot, ActionOnShutdown::Destroy);
    ASSERT_EQ(c.disks.size(), 2u);
    EXPECT_EQ(c.disks[0].format, DiskFormat::Raw);
    EXPECT_TRUE(c.disks[0].readwrite);
    EXPECT_TRUE(c.disks[1].is_cdrom);
    EXPECT_FALSE(c.disks[1].readwrite);
    // Written back in canonical form: declaration order, lower case, defaults gone.
    EXPECT_EQ(json_of(c), R"({"name":"web1","type":"hvm","kernel":"/boot/vmlinuz","cmdline":"console=hvc0",)"
                          R"("memory":1024,"maxmem":2048,"vcpus":4,"on_reboot":"destroy","disks":[)"
                          R"({"pdev_path":"/dev/vg/web1","vdev":"xvda","format":"raw"},)"
                          R"({"pdev_path":"/srv/cd.iso","vdev":"xvdc","readwrite":false,"is_cdrom":true}]})");
}

TEST(IdlJson, TheKeyMayBeLeftOutWhenTheMemberIsGiven) {
    auto e = parse_ok<Event>(R"({"type.operation_complete":{"rc":-9}})");
    EXPECT_EQ(e.type(), EventType::OperationComplete);
    EXPECT_EQ(std::get<EventOperationComplete>(e.u).rc, rc_of(Error::Timedout));
}

TEST(IdlJson, HelperOutputEventCarriesTheStreamAndTheLine) {
    auto e = parse_ok<Event>(R"({"domid":3,"type":"helper_output","type.helper_output":{"stream":2,"line":"oops"}})");
    const auto *h = std::get_if<EventHelperOutput>(&e.u);
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->stream, 2);
    EXPECT_EQ(h->line, "oops");
    EXPECT_EQ(EventHelperOutput{}.stream, 1) << "stdout by default";
}

TEST(IdlJson, StringsKeepEscapesAndNonAsciiText) {
    DomainConfig c;
    c.cmdline = "a\"b\\c\n\td\x01 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    const std::string s = json_of(c);
    EXPECT_EQ(s, "{\"cmdline\":\"a\\\"b\\\\c\\n\\td\\u0001 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}");
    EXPECT_EQ(parse_ok<DomainConfig>(s).cmdline, c.cmdline);
    EXPECT_EQ(parse_ok<DomainConfig>(R"({"cmdline":"\u00e9\ud83d\ude00"})").cmdline,
              "\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(IdlJson, ExtremeIntegersRoundTrip) {
    DomainInfo i;
    i.cpu_time = UINT64_MAX;
    i.domid = UINT32_MAX;
    EXPECT_EQ(json_of(i), R"({"domid":4294967295,"cpu_time":18446744073709551615})");
    EXPECT_TRUE(parse_ok<DomainInfo>(json_of(i)) == i);
    auto e = parse_ok<Event>(R"({"type.operation_complete":{"rc":-2147483648}})");
    EXPECT_EQ(std::get<EventOperationComplete>(e.u).rc, INT32_MIN);
}

// ---- bad input: always an error naming the field, never a crash -----------------------

TEST(IdlJson, UnknownEnumStringIsRejectedNamingTheField) {
    expect_rejected<DomainConfig>(
        R"({"disks":[{},{"format":"qcow9"}]})",
        "domain_config.disks[1].format: unknown disk_format \"qcow9\" "
        "(expected one of: unknown, qcow, qcow2, vhd, raw, empty, qed)");
    // event_type grows with xlkit: check the start of its list.
    expect_rejected_prefix<Event>(R"({"type":"reboot","type.domain_death":{}})",
                                  "event.type: unknown event_type \"reboot\" (expected one of: domain_shutdown, "
                                  "domain_death, disk_eject, operation_complete, domain_create_console_available, "
                                  "helper_output");
    expect_rejected<ShutdownReason>(R"("halt")",
                                    "shutdown_reason: unknown shutdown_reason \"halt\" (expected one of: "
                                    "unknown, poweroff, reboot, suspend, crash, watchdog, soft_reset)");
}

TEST(IdlJson, JsonOfTheWrongShapeIsRejectedNamingTheField) {
    expect_rejected<DomainConfig>("[]", "domain_config: expected an object, got an array");
    expect_rejected<DomainConfig>(R"({"disks":{}})", "domain_config.disks: expected an array, got an object");
    expect_rejected<DomainConfig>(R"({"disks":[7]})", "domain_config.disks[0]: expected an object, got an integer");
    expect_rejected<DomainConfig>(R"({"memory":"128"})",
                                  "domain_config.memory: expected an integer (uint64), got a string");
    expect_rejected<DomainConfig>(R"({"name":5})", "domain_config.name: expected a string, got an integer");
    expect_rejected<DomainConfig>(R"({"type":2})", "domain_config.type: expected a string (a domain_type), got an integer");
    expect_rejected<DomainConfig>(R"({"disks":[{"is_cdrom":"yes"}]})",
                                  "domain_config.disks[0].is_cdrom: expected true or false, got a string");
    expect_rejected<DomainConfig>(R"({"name":null})", "domain_config.name: expected a string, got null");
    expect_rejected<Event>(R"({"domuuid":"not-a-uuid","type.domain_death":{}})",
                           "event.domuuid: not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): \"not-a-uuid\"");
    expect_rejected<DomainConfig>(R"({"nics":[{"mac":"00:16:3e:zz:00:01"}]})",
                                  "domain_config.nics[0].mac: not a MAC address (xx:xx:xx:xx:xx:xx): \"00:16:3e:zz:00:01\"");
    expect_rejected<DomainConfig>(R"({"nics":[{"mac":"00:16:3e:00:01"}]})",
                                  "domain_config.nics[0].mac: not a MAC address (xx:xx:xx:xx:xx:xx): \"00:16:3e:00:01\"");
    expect_rejected<Event>(R"({"type.disk_eject":[]})", "event[\"type.disk_eject\"]: expected an object, got an array");
}

TEST(IdlJson, MacIsWrittenAndReadAsColonSeparatedHex) {
    DomainConfig c;
    DeviceNic n;
    n.mac.bytes = {0x00, 0x16, 0x3e, 0xAB, 0x01, 0xff};
    c.nics.push_back(n);
    std::string j;
    ASSERT_EQ(to_json(c, &j), Error::Success);
    EXPECT_NE(j.find("\"mac\":\"00:16:3e:ab:01:ff\""), std::string::npos) << j;
    DomainConfig back;
    ASSERT_EQ(from_json(R"({"nics":[{"mac":"00:16:3E:AB:01:FF"}]})", &back), Error::Success);
    EXPECT_EQ(back.nics.at(0).mac, n.mac);
    EXPECT_EQ(back.nics.at(0).devid, -1);  // the IDL's init: "the next free devid"
}

TEST(IdlJson, MissingKeyedUnionMemberIsRejected) {
    expect_rejected<Event>(R"({"type":"disk_eject"})",
                           "event: missing \"type.disk_eject\", the member for type \"disk_eject\"");
    expect_rejected_prefix<Event>("{}",
                                  "event: missing the keyed-union member: one of \"type.domain_shutdown\", "
                                  "\"type.domain_death\", \"type.disk_eject\", \"type.operation_complete\", "
                                  "\"type.domain_create_console_available\", \"type.helper_output\"");
}

TEST(IdlJson, KeyThatContradictsTheMemberIsRejected) {
    expect_rejected<Event>(R"({"type":"domain_death","type.disk_eject":{}})",
                           "event.type: \"domain_death\" does not match the member given, \"type.disk_eject\"");
}

TEST(IdlJson, TwoKeyedUnionMembersAreRejected) {
    expect_rejected<Event>(R"({"type.domain_death":{},"type.disk_eject":{}})",
                           "event: both \"type.domain_death\" and \"type.disk_eject\" are given; "
                           "a keyed union holds one member");
}

TEST(IdlJson, ErrorsInsideAUnionMemberNameTheMember) {
    expect_rejected<Event>(R"({"type.disk_eject":{"disk":{"backend":"nbd"}}})",
                           "event[\"type.disk_eject\"].disk.backend: unknown disk_backend \"nbd\" "
                           "(expected one of: unknown, phy, tap, qdisk, standalone)");
}

TEST(IdlJson, NumberOutOfRangeIsRejectedNamingTheField) {
    expect_rejected<DomainConfig>(R"({"vcpus":4294967296})",
                                  "domain_config.vcpus: 4294967296 is out of range for uint32 (0..4294967295)");
    expect_rejected<DomainConfig>(R"({"memory":-1})",
                                  "domain_config.memory: -1 is out of range for uint64 (0..18446744073709551615)");
    expect_rejected<DomainConfig>(R"({"memory":18446744073709551616})",
                                  "domain_config.memory: expected an integer (uint64), got 1.8446744073709552e+19");
    expect_rejected<DomainConfig>(R"({"memory":1e999})",
                                  "domain_config.memory: expected an integer (uint64), got inf, which is out of "
                                  "range (0..18446744073709551615)");
    expect_rejected<DomainConfig>(R"({"vcpus":1.5})", "domain_config.vcpus: expected an integer (uint32), got 1.5");
    expect_rejected<Event>(R"({"type.helper_output":{"stream":2147483648}})",
                           "event[\"type.helper_output\"].stream: 2147483648 is out of range for integer "
                           "(-2147483648..2147483647)");
    expect_rejected<DomainConfig>(R"({"disks":[{"backend_domid":-5}]})",
                                  "domain_config.disks[0].backend_domid: -5 is out of range for domid (0..4294967295)");
}

TEST(IdlJson, InvalidUtf8IsRejectedNamingTheField) {
    expect_rejected<DomainConfig>("{\"name\":\"a\xff\"}",
                                  "domain_config.name: the string is not valid UTF-8 (byte 0xff at offset 1)");
    // an overlong '/', a UTF-16 surrogate, a code point past U+10FFFF, a cut-off sequence
    expect_rejected<DomainConfig>("{\"kernel\":\"\xc0\xaf\"}",
                                  "domain_config.kernel: the string is not valid UTF-8 (byte 0xc0 at offset 0)");
    expect_rejected<DomainConfig>("{\"disks\":[{\"vdev\":\"xv\xed\xa0\x80\"}]}",
                                  "domain_config.disks[0].vdev: the string is not valid UTF-8 (byte 0xed at offset 2)");
    expect_rejected<DomainConfig>("{\"cmdline\":\"\xf4\x90\x80\x80\"}",
                                  "domain_config.cmdline: the string is not valid UTF-8 (byte 0xf4 at offset 0)");
    expect_rejected<DomainConfig>("{\"ramdisk\":\"ok\xe2\x82\"}",
                                  "domain_config.ramdisk: the string is not valid UTF-8 (byte 0xe2 at offset 2)");
    // in a key: an unknown key, shown escaped
    expect_rejected<DomainConfig>("{\"n\xff\":1}", "domain_config[\"n\\xff\"]: unknown key");
}

TEST(IdlJson, NulCharacterInAStringIsRejected) {
    expect_rejected<DomainConfig>(R"({"name":"a\u0000b"})",
                                  "domain_config.name: the string contains a NUL character (at offset 1)");
}

TEST(IdlJson, UnknownKeyIsRejectedNamingIt) {
    expect_rejected<DomainConfig>(R"({"memroy":256})", "domain_config.memroy: unknown key");
    expect_rejected<DomainConfig>(R"({"disks":[{"vdev":"xvda","target":"/x"}]})",
                                  "domain_config.disks[0].target: unknown key");
    expect_rejected<DomainConfig>(R"({"a b":1})", "domain_config[\"a b\"]: unknown key");
    expect_rejected<Event>(R"({"type.nothing":{}})", "event[\"type.nothing\"]: unknown key");
}

TEST(IdlJson, SyntaxErrorsGiveTheByteOffset) {
    expect_rejected<DomainConfig>(R"({"name":})", "domain_config: invalid JSON at byte 8: syntax error");
    expect_rejected<DomainConfig>("{} x", "domain_config: invalid JSON at byte 3: extra data");
    expect_rejected<DomainConfig>(R"({"name":"x")", "domain_config: invalid JSON at byte 11: incomplete JSON");
    expect_rejected<DomainConfig>("", "domain_config: invalid JSON: the text is empty");
    expect_rejected<DomainConfig>(" \n", "domain_config: invalid JSON: the text is empty");
    expect_rejected<DomainConfig>(R"({"name":"x",})", "domain_config: invalid JSON at byte 12: syntax error");
}

TEST(IdlJson, DeeplyNestedInputIsRejectedNotACrash) {
    std::string deep(100000, '[');
    DomainConfig c;
    std::string why;
    EXPECT_EQ(from_json(deep, &c, &why), Error::Inval);
    EXPECT_EQ(why.rfind("domain_config: invalid JSON at byte ", 0), 0u) << why;
}

TEST(IdlJson, NullOutputPointersAreRejectedNotDereferenced) {
    std::string why;
    EXPECT_EQ(from_json("{}", static_cast<DomainConfig *>(nullptr), &why), Error::Inval);
    EXPECT_EQ(why, "domain_config: the output pointer is null");
    EXPECT_EQ(to_json(DomainConfig{}, nullptr, &why), Error::Inval);
    EXPECT_EQ(from_json("{}", static_cast<DomainConfig *>(nullptr)), Error::Inval) << "why is optional";
}

// ---- to_json refuses what JSON could not carry ---------------------------------------

TEST(IdlJson, ToJsonRejectsInvalidUtf8NamingTheField) {
    DomainConfig c;
    c.disks.resize(2);
    c.disks[1].vdev = "xvd\xff";
    std::string s = "untouched", why;
    EXPECT_EQ(to_json(c, &s, &why), Error::Inval);
    EXPECT_EQ(why, "domain_config.disks[1].vdev: the string is not valid UTF-8 (byte 0xff at offset 3)");
    EXPECT_EQ(s, "untouched");
}

TEST(IdlJson, ToJsonRejectsAnEnumValueOutsideTheEnum) {
    DomainConfig c;
    c.on_reboot = static_cast<ActionOnShutdown>(42);
    std::string s, why;
    EXPECT_EQ(to_json(c, &s, &why), Error::Inval);
    EXPECT_EQ(why, "domain_config.on_reboot: 42 is not a value of action_on_shutdown");
}

TEST(IdlJson, ToJsonRejectsAStringWithANulByte) {
    Event e;
    EventHelperOutput h;
    h.line = std::string("a\0b", 3);
    e.u = h;
    std::string s, why;
    EXPECT_EQ(to_json(e, &s, &why), Error::Inval);
    EXPECT_EQ(why, "event[\"type.helper_output\"].line: the string contains a NUL character (at offset 1)");
}

// ---- the error enum -------------------------------------------------------------------

TEST(IdlError, HasLibxlsNamesAndNumbers) {
    EXPECT_EQ(rc_of(Error::Success), 0);
    EXPECT_EQ(rc_of(Error::Nonspecific), -1);
    EXPECT_EQ(rc_of(Error::Inval), -6);
    EXPECT_EQ(rc_of(Error::GuestTimedout), -8);
    EXPECT_EQ(rc_of(Error::Timedout), -9);
    EXPECT_EQ(rc_of(Error::OseventRegFail), -12);
    EXPECT_EQ(rc_of(Error::Bufferfull), -13);
    EXPECT_EQ(rc_of(Error::UnknownChild), -14);
    EXPECT_EQ(rc_of(Error::DomainNotfound), -21);
    EXPECT_EQ(rc_of(Error::Aborted), -22);
    EXPECT_EQ(rc_of(Error::Notfound), -23);
    EXPECT_EQ(rc_of(Error::FeatureRemoved), -25);
    EXPECT_STREQ(to_string(Error::GuestTimedout), "guest_timedout");
    EXPECT_STREQ(to_string(Error::CheckpointDevopsDoesNotMatch), "checkpoint_devops_does_not_match");
    Error e = Error::Success;
    EXPECT_EQ(from_string("OSEVENT_REG_FAIL", &e), Error::Success);
    EXPECT_EQ(e, Error::OseventRegFail);
}

TEST(IdlError, EveryCodeHasADescriptionThatErrorStringAgreesWith) {
    for (int rc = 0; rc >= -25; --rc) {
        const auto e = static_cast<Error>(rc);
        ASSERT_NE(to_string(e), nullptr) << rc;
        const char *d = describe(e);
        ASSERT_NE(d, nullptr) << rc;
        EXPECT_NE(std::string(d), "") << rc;
        const std::string s = error_string(rc);
        if (s != "unknown error") {
            EXPECT_EQ(s, d) << rc;
        }
    }
    EXPECT_STREQ(describe(Error::Inval), "invalid argument");
    EXPECT_EQ(describe(static_cast<Error>(-1000)), nullptr);
    EXPECT_STREQ(error_string(-1000), "unknown error");
}

}  // namespace
