// Every IDL constructor and option, on the test IDL (tests/idl/xlkt_types.idl,
// namespace xlkt): what each generates in C, C++ and JSON.
#include "idl/_xlkt_types.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>

#include <gtest/gtest.h>

#include "idl/_xlkt_types.h"
#include "idl/_xlkt_types_internal.hpp"

namespace {

using namespace xlkt;
using xlkit::Error;

struct Freer {
    void operator()(char *p) const { std::free(p); }
};
using CStr = std::unique_ptr<char, Freer>;

template <class T>
std::string json_of(const T &v) {
    std::string s, why;
    EXPECT_EQ(to_json(v, &s, &why), Error::Success) << why;
    return s;
}

template <class T>
T parse_ok(const std::string &json) {
    T out{};
    std::string why;
    EXPECT_EQ(from_json(json, &out, &why), Error::Success) << why << "\n" << json;
    return out;
}

// ---- builtins and init values ------------------------------------------------------

TEST(IdlConstructs, InitValuesAtTheEdgesOfTheirRangesAreTheDefaultsInCAndCxx) {
    const Scalars s{};
    EXPECT_TRUE(s.on);
    EXPECT_EQ(s.i_init, std::numeric_limits<int>::min());
    EXPECT_EQ(s.i64_min, std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(s.u8, 255);
    EXPECT_EQ(s.u32, std::numeric_limits<std::uint32_t>::max());
    EXPECT_EQ(s.u64_max, std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(s.col, Colour::Green) << "the enum's init value";
    EXPECT_EQ(s.col_red, Colour::Red) << "the field's init value";
    EXPECT_EQ(s.m, Mode::Off) << "no 0 value, no init: the first value";
    EXPECT_EQ(json_of(s), "{}");

    xlkt_scalars c;
    xlkt_scalars_init(&c);
    EXPECT_TRUE(c.on);
    EXPECT_EQ(c.i_init, std::numeric_limits<int>::min());
    EXPECT_EQ(c.i64_min, std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(c.u64_max, std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(c.col, XLKT_COLOUR_GREEN);
    EXPECT_EQ(c.col_red, XLKT_COLOUR_RED);
    EXPECT_EQ(c.m, XLKT_MODE_OFF);
    xlkt_scalars_dispose(&c);
}

TEST(IdlConstructs, NonDefaultScalarsAreWrittenAndZeroIsNotTheDefaultWhenInitSaysOtherwise) {
    Scalars s;
    s.on = false;
    s.u8 = 0;
    s.i64_min = 0;
    s.col = Colour::Blue3;
    s.dom = 7;
    EXPECT_EQ(json_of(s), R"({"on":false,"i64_min":0,"u8":0,"dom":7,"col":"blue_3"})");
    EXPECT_TRUE(parse_ok<Scalars>(json_of(s)) == s);
}

TEST(IdlConstructs, MixedCaseEnumValuesAreUpperCaseInCCamelCaseInCxxAndLowerCaseInJson) {
    static_assert(XLKT_COLOUR_BLUE_3 == 2147483647 && XLKT_COLOUR_GREEN == 16 && XLKT_COLOUR_RED == -7 &&
                  XLKT_COLOUR_BLACK == -2147483647 - 1);
    static_assert(static_cast<int>(Colour::Blue3) == 2147483647);
    EXPECT_STREQ(to_string(Colour::Blue3), "blue_3");
    EXPECT_STREQ(xlkt_colour_to_string(XLKT_COLOUR_GREEN), "green");
    Colour c{};
    EXPECT_EQ(from_string("BLUE_3", &c), Error::Success);
    EXPECT_EQ(c, Colour::Blue3);
}

TEST(IdlConstructs, DescribeIsGeneratedForEnumsWithDescriptionsAndNullWithout) {
    EXPECT_STREQ(describe(Mode::On), "switched on");
    EXPECT_EQ(describe(Mode::Automatic), nullptr);
    EXPECT_STREQ(xlkt_mode_describe(XLKT_MODE_OFF), "switched off");
}

// ---- private and deprecated fields -----------------------------------------------------

TEST(IdlConstructs, PrivateFieldsAreCopiedAndConvertedButNeverInJson) {
    Inner in;
    in.label = "l";
    in.secret = "s";
    in.hidden = 1;
    EXPECT_EQ(json_of(in), R"({"label":"l"})");
    std::string why;
    Inner out;
    EXPECT_EQ(from_json(R"({"secret":"x"})", &out, &why), Error::Inval);
    EXPECT_EQ(why, "inner.secret: unknown key");

    xlkt_inner c;
    ASSERT_EQ(xlkt::detail::to_c(in, &c, &why), Error::Success) << why;
    EXPECT_STREQ(c.secret, "s");
    EXPECT_EQ(c.hidden, 1);
    xlkt_inner d;
    ASSERT_EQ(xlkt_inner_copy(nullptr, &d, &c), 0);
    EXPECT_STREQ(d.secret, "s");
    Inner back;
    ASSERT_EQ(xlkt::detail::from_c(d, &back, &why), Error::Success);
    EXPECT_TRUE(back == in);
    CStr j(xlkt_inner_to_json(nullptr, &d));
    EXPECT_STREQ(j.get(), R"({"label":"l"})");
    xlkt_inner_dispose(&c);
    xlkt_inner_dispose(&d);
}

TEST(IdlConstructs, DeprecatedFieldIsReadFromJsonOnlyWhenTheNewOneIsAbsentAndNeverWritten) {
    auto l = parse_ok<Legacy>(R"({"old_size":7,"old_name":"n","old_tags":["a","b"]})");
    EXPECT_EQ(l.size, 7u);
    EXPECT_EQ(l.name, "n");
    ASSERT_EQ(l.tags.size(), 2u);
    EXPECT_EQ(json_of(l), R"({"size":7,"name":"n","tags":["a","b"]})");
    l = parse_ok<Legacy>(R"({"size":3,"old_size":7})");
    EXPECT_EQ(l.size, 3u) << "the new field wins";
    std::string why;
    EXPECT_EQ(from_json(R"({"old_size":"seven"})", &l, &why), Error::Inval);
    EXPECT_EQ(why, "legacy.old_size: expected an integer (uint32), got a string");
    static_assert(std::is_same_v<decltype(xlkt_legacy::old_size), uint32_t>, "still in the C struct");
}

TEST(IdlConstructs, DeprecatedCFieldIsFoldedIntoTheNewOneWhenThatIsAtItsDefault) {
    xlkt_legacy c;
    xlkt_legacy_init(&c);
    EXPECT_EQ(c.size, 5u);
    c.old_size = 9;
    c.old_name = strdup("old");
    c.num_old_tags = 1;
    c.old_tags = static_cast<char **>(std::calloc(1, sizeof(char *)));
    c.old_tags[0] = strdup("t");
    Legacy v;
    std::string why;
    ASSERT_EQ(xlkt::detail::from_c(c, &v, &why), Error::Success) << why;
    EXPECT_EQ(v.size, 9u);
    EXPECT_EQ(v.name, "old");
    ASSERT_EQ(v.tags.size(), 1u);
    EXPECT_EQ(v.tags[0], "t");
    c.size = 6;  // set: the deprecated value is ignored
    ASSERT_EQ(xlkt::detail::from_c(c, &v, &why), Error::Success);
    EXPECT_EQ(v.size, 6u);
    CStr j(xlkt_legacy_to_json(nullptr, &c));
    EXPECT_STREQ(j.get(), R"({"size":6,"name":"old","tags":["t"]})");
    xlkt_legacy d;
    ASSERT_EQ(xlkt_legacy_copy(nullptr, &d, &c), 0);
    EXPECT_EQ(d.old_size, 9u) << "C copies keep the deprecated fields";
    EXPECT_STREQ(d.old_tags[0], "t");
    xlkt_legacy_dispose(&c);
    xlkt_legacy_dispose(&d);
}

// ---- arrays -----------------------------------------------------------------------------

TEST(IdlConstructs, ArraysOfEveryElementKindRoundTripAndWriteZeroElements) {
    Arrays a;
    a.strings = {"", "x"};
    a.flags = {false, true};
    a.bytes = {0, 255};
    a.wide = {std::numeric_limits<std::int64_t>::min(), 0};
    a.ids = {xlkit::Uuid{}};
    a.colours = {Colour::Red, Colour::Green};
    a.inners = {Inner{}, Inner{"x", "", 4, 9}};
    a.doms = {0};
    const std::string s = json_of(a);
    EXPECT_EQ(s, R"({"strings":["","x"],"flags":[false,true],"bytes":[0,255],"wide":[-9223372036854775808,0],)"
                 R"("ids":["00000000-0000-0000-0000-000000000000"],"colours":["red","green"],)"
                 R"("inners":[{},{"label":"x","count":4}],"doms":[0]})");
    Arrays b = parse_ok<Arrays>(s);
    a.inners[1].hidden = 9;  // private: not carried by JSON, keeps its init value
    EXPECT_TRUE(b == a);

    xlkt_arrays c;
    std::string why;
    ASSERT_EQ(xlkt::detail::to_c(a, &c, &why), Error::Success) << why;
    EXPECT_EQ(c.num_strings, 2);
    EXPECT_EQ(c.strings[0], nullptr) << "\"\" is NULL in C";
    EXPECT_STREQ(c.strings[1], "x");
    EXPECT_EQ(c.num_flags, 2);
    EXPECT_TRUE(c.flags[1]);
    EXPECT_EQ(c.wide[0], std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(c.colours[0], XLKT_COLOUR_RED);
    EXPECT_EQ(c.inners[1].count, 4);
    CStr j(xlkt_arrays_to_json(nullptr, &c));
    EXPECT_EQ(s, j.get());
    xlkt_arrays_dispose(&c);
}

TEST(IdlConstructs, BadArrayElementsAreNamedByIndex) {
    Arrays a;
    std::string why;
    EXPECT_EQ(from_json(R"({"colours":["red","mauve"]})", &a, &why), Error::Inval);
    EXPECT_EQ(why, "arrays.colours[1]: unknown colour \"mauve\" (expected one of: red, green, blue_3, black)");
    EXPECT_EQ(from_json(R"({"bytes":[1,256]})", &a, &why), Error::Inval);
    EXPECT_EQ(why, "arrays.bytes[1]: 256 is out of range for uint8 (0..255)");
    EXPECT_EQ(from_json(R"({"inners":[{},{"count":-1}]})", &a, &why), Error::Inval);
    EXPECT_EQ(why, "arrays.inners[1].count: -1 is out of range for uint16 (0..65535)");
    EXPECT_EQ(from_json(R"({"strings":[null]})", &a, &why), Error::Inval);
    EXPECT_EQ(why, "arrays.strings[0]: expected a string, got null");
}

// ---- keyed unions ------------------------------------------------------------------------

TEST(IdlConstructs, UnionInitSelectsTheDefaultMemberInCAndCxx) {
    const Widget w{};
    EXPECT_EQ(w.kind(), Shape::Poly);
    EXPECT_EQ(w.state(), Mode::On);
    xlkt_widget c;
    xlkt_widget_init(&c);
    EXPECT_EQ(c.kind, XLKT_SHAPE_POLY);
    EXPECT_EQ(c.state, XLKT_MODE_ON);
    EXPECT_EQ(c.shape.poly.how, XLKT_MODE_OFF);
    xlkt_widget_dispose(&c);
    EXPECT_EQ(json_of(w), R"({"kind":"poly","kind.poly":{"how":"off","how.off":{}},"state":"on","state.on":{}})");
}

TEST(IdlConstructs, NestedAndParallelKeyedUnionsRoundTrip) {
    Widget w;
    WidgetPoly p;
    p.corners = {1, -2};
    WidgetPolyAutomatic a;
    a.level = 3;
    a.names = {"n"};
    p.fill = a;
    w.shape = p;
    ASSERT_EQ(w.set_state(Mode::Automatic), Error::Success);
    const std::string s = json_of(w);
    EXPECT_EQ(s, R"({"kind":"poly","kind.poly":{"corners":[1,-2],"how":"automatic","how.automatic":)"
                 R"({"level":3,"names":["n"]}},"state":"automatic","state.automatic":{}})");
    EXPECT_TRUE(parse_ok<Widget>(s) == w);
    std::string why;
    Widget x;
    EXPECT_EQ(from_json(R"({"kind.poly":{"how":"on"},"state.on":{}})", &x, &why), Error::Inval);
    EXPECT_EQ(why, "widget[\"kind.poly\"]: missing \"how.on\", the member for how \"on\"");
    EXPECT_EQ(from_json(R"({"kind.circle":{"centre":{"count":"x"}},"state.on":{}})", &x, &why), Error::Inval);
    EXPECT_EQ(why, "widget[\"kind.circle\"].centre.count: expected an integer (uint16), got a string");
}

TEST(IdlConstructs, CInitTypeOnANestedUnionMemberInitialisesItsDefaults) {
    xlkt_widget c;
    xlkt_widget_init(&c);
    xlkt_widget_init_kind(&c, XLKT_SHAPE_CIRCLE);
    EXPECT_EQ(c.shape.circle.radius, 1u);
    EXPECT_EQ(c.shape.circle.centre.count, 3) << "nested struct initialised";
    c.shape.circle.centre.label = strdup("leaks unless init_kind disposes it");
    xlkt_widget_init_kind(&c, XLKT_SHAPE_BLOB);
    EXPECT_EQ(c.shape.blob.note, nullptr);
    xlkt_widget_dispose(&c);
}

TEST(IdlConstructs, ACxxStringWithANulByteCannotBecomeACString) {
    Inner in;
    in.label = std::string("a\0b", 3);
    xlkt_inner c;
    std::string why;
    EXPECT_EQ(xlkt::detail::to_c(in, &c, &why), Error::Inval);
    EXPECT_EQ(why, "inner.label: the string contains a NUL character (at offset 1), which a C string cannot hold");
    EXPECT_EQ(c.count, 3) << "left initialised";
    xlkt_inner_dispose(&c);
}

TEST(IdlConstructs, AnUnknownCKeyCannotBeConvertedAndNamesTheKey) {
    xlkt_widget c;
    xlkt_widget_init(&c);
    c.state = static_cast<xlkt_mode>(0);
    Widget w;
    std::string why;
    EXPECT_EQ(xlkt::detail::from_c(c, &w, &why), Error::Inval);
    EXPECT_EQ(why, "widget.state: 0 is not a value of mode");
    EXPECT_TRUE(w == Widget{}) << "untouched";
    xlkt_widget_dispose(&c);
}

}  // namespace
