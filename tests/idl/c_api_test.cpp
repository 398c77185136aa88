// The generated C API: libxl's shapes and conventions, used from C and C++.
#include <xlkit/types.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

#include <gtest/gtest.h>

#include "idl/_types_internal.hpp"
#include "idl/c_api_c.h"

namespace {

// ---- shapes ------------------------------------------------------------------------

// libxl's conventions: arrays are int num_X plus a pointer; a keyed union is
// its key field plus union u with one named struct per member with fields.
static_assert(std::is_same_v<decltype(xlkit_domain_config::num_disks), int>);
static_assert(std::is_same_v<decltype(xlkit_domain_config::disks), xlkit_device_disk *>);
static_assert(std::is_same_v<decltype(xlkit_domain_config::name), char *>);
static_assert(std::is_same_v<decltype(xlkit_event::type), xlkit_event_type>);
static_assert(std::is_same_v<decltype(xlkit_event::u.disk_eject), xlkit_event_disk_eject>);
static_assert(std::is_same_v<decltype(xlkit_event::u.domain_shutdown.shutdown_reason), xlkit_shutdown_reason>);
static_assert(std::is_same_v<decltype(xlkit_event::u.operation_complete.rc), int>);
static_assert(std::is_same_v<decltype(xlkit_event::u.helper_output.line), char *>);
static_assert(std::is_same_v<decltype(xlkit_event::domid), xlkit_domid>);
static_assert(std::is_same_v<decltype(xlkit_event::domuuid), xlkit_uuid>);
static_assert(std::is_same_v<decltype(xlkit_event::for_user), uint64_t>);
static_assert(offsetof(xlkit_event, type) < offsetof(xlkit_event, u), "the key comes before the union");
static_assert(XLKIT_ERROR_INVAL == -6 && XLKIT_ERROR_GUEST_TIMEDOUT == -8 && XLKIT_ERROR_OSEVENT_REG_FAIL == -12 &&
              XLKIT_ERROR_DOMAIN_NOTFOUND == -21 && XLKIT_ERROR_FEATURE_REMOVED == -25 && XLKIT_ERROR_SUCCESS == 0);
static_assert(XLKIT_EVENT_TYPE_DOMAIN_SHUTDOWN == 1 && XLKIT_EVENT_TYPE_DOMAIN_CREATE_CONSOLE_AVAILABLE == 5 &&
              XLKIT_EVENT_TYPE_HELPER_OUTPUT == 6);
static_assert(XLKIT_SHUTDOWN_REASON_UNKNOWN == -1 && XLKIT_SHUTDOWN_REASON_SOFT_RESET == 5);
static_assert(XLKIT_DOMAIN_TYPE_INVALID == -1 && XLKIT_DOMAIN_TYPE_PVH == 3);

struct Freer {
    void operator()(char *p) const { std::free(p); }
};
using CStr = std::unique_ptr<char, Freer>;

// ---- used from C ---------------------------------------------------------------------

TEST(IdlCApi, ConfigBuiltInCSerialisesWithDefaultsOmitted) {
    xlkit_domain_config cfg;
    ASSERT_EQ(capi_build_config(&cfg), 0);
    CStr s(xlkit_domain_config_to_json(nullptr, &cfg));
    ASSERT_NE(s, nullptr) << xlkit_json_error();
    EXPECT_STREQ(s.get(), R"({"name":"c-guest","type":"pvh","memory":256,"on_crash":"preserve",)"
                          R"("disks":[{"vdev":"xvda","format":"qcow2"},{"vdev":"xvdb","readwrite":false}]})");
    xlkit_domain_config_dispose(&cfg);
}

TEST(IdlCApi, EventBuiltInCSerialisesItsKeyedUnion) {
    CStr s(capi_disk_eject_json());
    ASSERT_NE(s, nullptr) << xlkit_json_error();
    EXPECT_STREQ(s.get(), R"({"domid":5,"for_user":42,"type":"disk_eject","type.disk_eject":)"
                          R"({"vdev":"xvdc","disk":{"pdev_path":"/srv/cd.iso","is_cdrom":true}}})");
}

TEST(IdlCApi, InitTypeDisposesThePreviousMemberAndCopyIsDeep) {
    CStr in(capi_disk_eject_json());
    ASSERT_NE(in, nullptr);
    CStr out(capi_reparse_event(in.get()));  // leaks would show under ASan
    ASSERT_NE(out, nullptr) << xlkit_json_error();
    EXPECT_STREQ(out.get(), R"({"domid":5,"for_user":42,"type":"helper_output",)"
                            R"("type.helper_output":{"line":"done"}})");
}

TEST(IdlCApi, ErrorNamesComeFromTheIdl) {
    EXPECT_STREQ(capi_error_name(XLKIT_ERROR_TIMEDOUT), "timedout");
    EXPECT_STREQ(capi_error_name(-1000), "?");
    EXPECT_STREQ(xlkit_error_describe(XLKIT_ERROR_NOMEM), "out of memory");
    xlkit_error e = XLKIT_ERROR_SUCCESS;
    EXPECT_EQ(xlkit_error_from_string("Domain_NotFound", &e), 0);
    EXPECT_EQ(e, XLKIT_ERROR_DOMAIN_NOTFOUND);
    EXPECT_EQ(xlkit_error_from_string("nope", &e), XLKIT_ERROR_INVAL);
    EXPECT_EQ(e, XLKIT_ERROR_DOMAIN_NOTFOUND) << "untouched on failure";
}

// ---- failures --------------------------------------------------------------------------

TEST(IdlCApi, FromJsonFailureNamesTheFieldAndLeavesTheStructInitialised) {
    xlkit_domain_config cfg;
    EXPECT_EQ(xlkit_domain_config_from_json(nullptr, &cfg,
                                            R"({"name":"x","disks":[{"vdev":"xvda"},{"format":"vmdk"}]})"),
              XLKIT_ERROR_INVAL);
    EXPECT_STREQ(xlkit_json_error(), "domain_config.disks[1].format: unknown disk_format \"vmdk\" "
                                     "(expected one of: unknown, qcow, qcow2, vhd, raw, empty, qed)");
    EXPECT_EQ(cfg.name, nullptr);
    EXPECT_EQ(cfg.num_disks, 0);
    EXPECT_EQ(cfg.memory, 128u) << "initialised, not zeroed";
    EXPECT_EQ(cfg.on_reboot, XLKIT_ACTION_ON_SHUTDOWN_RESTART);
    xlkit_domain_config_dispose(&cfg);
    EXPECT_EQ(xlkit_domain_config_from_json(nullptr, &cfg, nullptr), XLKIT_ERROR_INVAL);
    EXPECT_STREQ(xlkit_json_error(), "domain_config: the JSON text is NULL");
    EXPECT_EQ(xlkit_domain_config_from_json(nullptr, nullptr, "{}"), XLKIT_ERROR_INVAL);
}

TEST(IdlCApi, ToJsonOfAnUnknownKeyFailsNamingTheField) {
    xlkit_event ev;
    xlkit_event_init(&ev);
    ev.type = static_cast<xlkit_event_type>(99);
    EXPECT_EQ(xlkit_event_to_json(nullptr, &ev), nullptr);
    EXPECT_STREQ(xlkit_json_error(), "event.type: 99 is not a value of event_type");
    xlkit_event_dispose(&ev);  // an unknown key disposes no member
    EXPECT_EQ(xlkit_event_to_json(nullptr, nullptr), nullptr);
    EXPECT_STREQ(xlkit_json_error(), "event: the pointer is null");
}

TEST(IdlCApi, ToJsonOfAnEnumOutsideTheEnumFails) {
    EXPECT_EQ(xlkit_disk_format_to_json(nullptr, static_cast<xlkit_disk_format>(77)), nullptr);
    EXPECT_STREQ(xlkit_json_error(), "disk_format: 77 is not a value of disk_format");
    EXPECT_EQ(xlkit_disk_format_to_string(static_cast<xlkit_disk_format>(77)), nullptr);
}

TEST(IdlCApi, ArrayWhoseLengthAndPointerDisagreeIsInvalid) {
    xlkit_domain_config bad, dst;
    xlkit_domain_config_init(&bad);
    bad.num_disks = 2;  // and disks == NULL
    EXPECT_EQ(xlkit_domain_config_copy(nullptr, &dst, &bad), XLKIT_ERROR_INVAL);
    EXPECT_EQ(dst.num_disks, 0);
    EXPECT_EQ(dst.vcpus, 1u) << "dst is left initialised";
    EXPECT_EQ(xlkit_domain_config_to_json(nullptr, &bad), nullptr);
    EXPECT_STREQ(xlkit_json_error(), "domain_config.disks: num_disks is 2 but the array is NULL");
    bad.num_disks = -1;
    EXPECT_EQ(xlkit_domain_config_to_json(nullptr, &bad), nullptr);
    EXPECT_STREQ(xlkit_json_error(), "domain_config.disks: num_disks is negative (-1)");
    xlkit::DomainConfig v;
    std::string why;
    EXPECT_EQ(xlkit::detail::from_c(bad, &v, &why), xlkit::Error::Inval);
    EXPECT_EQ(why, "domain_config.disks: num_disks is negative (-1)");
}

TEST(IdlCApi, CopyRejectsNullAndCopyingOntoItselfChangesNothing) {
    xlkit_domain_config a;
    ASSERT_EQ(capi_build_config(&a), 0);
    EXPECT_EQ(xlkit_domain_config_copy(nullptr, nullptr, &a), XLKIT_ERROR_INVAL);
    EXPECT_EQ(xlkit_domain_config_copy(nullptr, &a, nullptr), XLKIT_ERROR_INVAL);
    EXPECT_EQ(xlkit_domain_config_copy(nullptr, &a, &a), 0);
    EXPECT_STREQ(a.name, "c-guest");
    EXPECT_EQ(a.num_disks, 2);
    xlkit_domain_config_dispose(&a);
}

TEST(IdlCApi, EmptyStringAndNullAreTheSameValue) {
    xlkit_domain_config a;
    xlkit_domain_config_init(&a);
    a.kernel = strdup("");
    CStr s(xlkit_domain_config_to_json(nullptr, &a));
    EXPECT_STREQ(s.get(), "{}");
    xlkit_domain_config b;
    ASSERT_EQ(xlkit_domain_config_from_json(nullptr, &b, R"({"kernel":""})"), 0);
    EXPECT_EQ(b.kernel, nullptr);
    xlkit_domain_config_dispose(&a);
    xlkit_domain_config_dispose(&b);
}

TEST(IdlCApi, ConversionOfACxxStringWithANulByteFails) {
    xlkit::DomainConfig v;
    v.name = std::string("a\0b", 3);
    xlkit_domain_config c;
    std::string why;
    EXPECT_EQ(xlkit::detail::to_c(v, &c, &why), xlkit::Error::Inval);
    EXPECT_EQ(why, "domain_config.name: the string contains a NUL character (at offset 1), which a C string "
                   "cannot hold");
    EXPECT_EQ(c.name, nullptr) << "left initialised";
    EXPECT_EQ(c.memory, 128u);
    xlkit_domain_config_dispose(&c);
}

}  // namespace
