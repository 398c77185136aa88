// xl's migration handshake (tools/xlkit/migrate_protocol): the messages byte
// for byte as Xen 4.17's xl sends them, incremental matching that never
// reads past a message, the status byte, the renames and the ssh rune.
#include "../../tools/xlkit/migrate_protocol.hpp"
#include "ops/migrate_handshake.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace xlcli::migrate_protocol;
using namespace std::string_literals;

TEST(MigrateProtocolTest, BannerIsSentWithoutItsNul) {
    EXPECT_EQ(wire(Message::Banner), "xl migration receiver ready, send binary domain data.\n"s);
    EXPECT_EQ(wire(Message::Banner).size(), 54u);
}

TEST(MigrateProtocolTest, OtherMessagesAreSentWithTheirNul) {
    EXPECT_EQ(wire(Message::Ready), "domain received, ready to unpause\0"s);
    EXPECT_EQ(wire(Message::Ready).size(), 34u);
    EXPECT_EQ(wire(Message::PermissionToGo), "domain is yours, you are cleared to unpause\0"s);
    EXPECT_EQ(wire(Message::PermissionToGo).size(), 44u);
    EXPECT_EQ(wire(Message::Report), "my copy unpause results are as follows\0"s);
    EXPECT_EQ(wire(Message::Report).size(), 39u);
}

TEST(MigrateProtocolTest, NamesAreXlsWordsForErrors) {
    EXPECT_STREQ(name(Message::Banner), "banner");
    EXPECT_STREQ(name(Message::Ready), "ready message");
    EXPECT_STREQ(name(Message::PermissionToGo), "GO message");
    EXPECT_STREQ(name(Message::Report), "success/failure report message");
}

TEST(MigrateProtocolTest, ExpectMatchesAWholeMessageAtOnce) {
    Expect e(Message::Ready);
    EXPECT_EQ(e.wanted(), 34u);
    std::size_t used = 0;
    EXPECT_EQ(e.feed(wire(Message::Ready), &used), Expect::State::Matched);
    EXPECT_EQ(used, 34u);
    EXPECT_EQ(e.wanted(), 0u);
}

TEST(MigrateProtocolTest, ExpectMatchesByteByByte) {
    Expect e(Message::PermissionToGo);
    const auto w = wire(Message::PermissionToGo);
    for (std::size_t i = 0; i + 1 < w.size(); ++i) {
        ASSERT_EQ(e.feed(w.substr(i, 1)), Expect::State::Matching) << "at byte " << i;
        ASSERT_EQ(e.wanted(), w.size() - i - 1);
    }
    EXPECT_EQ(e.feed(w.substr(w.size() - 1)), Expect::State::Matched);
}

TEST(MigrateProtocolTest, ExpectNeverConsumesWhatFollowsTheMessage) {
    // The banner and the start of the stream in one read: the stream stays.
    std::string chunk(wire(Message::Banner));
    chunk += "Xen saved domain";
    Expect e(Message::Banner);
    std::size_t used = 0;
    EXPECT_EQ(e.feed(chunk, &used), Expect::State::Matched);
    EXPECT_EQ(used, wire(Message::Banner).size());
    EXPECT_EQ(e.feed("more", &used), Expect::State::Matched);
    EXPECT_EQ(used, 0u);
}

TEST(MigrateProtocolTest, ExpectStopsAtTheFirstDifferingByte) {
    Expect e(Message::Ready);
    std::size_t used = 0;
    EXPECT_EQ(e.feed("domain rec", &used), Expect::State::Matching);
    EXPECT_EQ(e.feed("XXXX", &used), Expect::State::Mismatch);
    EXPECT_EQ(used, 1u);
    EXPECT_EQ(e.matched(), 10u);
    EXPECT_EQ(e.wanted(), 0u);
    EXPECT_EQ(e.feed("eived", &used), Expect::State::Mismatch);
    EXPECT_EQ(used, 0u);
}

TEST(MigrateProtocolTest, ReadyWithoutItsNulIsNotYetAMatch) {
    // A peer that sends the text without the NUL has not sent the message.
    Expect e(Message::Ready);
    EXPECT_EQ(e.feed("domain received, ready to unpause"), Expect::State::Matching);
    EXPECT_EQ(e.wanted(), 1u);
    EXPECT_EQ(e.feed("\n"), Expect::State::Mismatch);
}

TEST(MigrateProtocolTest, AnEmptyFeedChangesNothing) {
    Expect e(Message::Report);
    std::size_t used = 7;
    EXPECT_EQ(e.feed({}, &used), Expect::State::Matching);
    EXPECT_EQ(used, 0u);
    EXPECT_EQ(e.wanted(), 39u);
}

TEST(MigrateProtocolTest, ReportCarriesTheNegatedErrorAsOneByte) {
    EXPECT_EQ(report_with_status(0), "my copy unpause results are as follows\0\0"s);
    const std::string fail = report_with_status(-3);  // libxl's ERROR_FAIL
    ASSERT_EQ(fail.size(), 40u);
    EXPECT_EQ(static_cast<unsigned char>(fail.back()), 3u);
}

TEST(MigrateProtocolTest, StatusByteReadsAsXlsSignedChar) {
    EXPECT_EQ(status_from_byte(0), 0);
    EXPECT_EQ(status_from_byte(3), 3);
    EXPECT_EQ(status_from_byte(0xff), -1);
    // A large error code wraps as xl's char does.
    const std::string r = report_with_status(-200);
    EXPECT_EQ(status_from_byte(static_cast<std::uint8_t>(r.back())), -56);
}

TEST(MigrateProtocolTest, TemporaryNamesFollowXl) {
    EXPECT_EQ(incoming_name("web"), "web--incoming");
    EXPECT_EQ(migrated_away_name("web"), "web--migratedaway");
    EXPECT_EQ(common_name("web--incoming"), "web");
    EXPECT_EQ(common_name("web--migratedaway"), "web");
    EXPECT_EQ(common_name("web"), "");
    EXPECT_EQ(common_name("--incoming"), "");
}

TEST(MigrateProtocolTest, EmptySshCommandMakesTheHostTheWholeRune) {
    RuneOptions o;
    o.ssh_command.clear();
    o.tty = o.debug = true;  // ignored: nothing is added to a given command
    EXPECT_EQ(rune("nc 10.0.2.2 5555", o), "nc 10.0.2.2 5555");
}

TEST(MigrateProtocolTest, DefaultRuneRunsXlOverSsh) {
    EXPECT_EQ(rune("host2", RuneOptions{}), "exec ssh host2 xl migrate-receive");
    RuneOptions xlkit_side;
    xlkit_side.program = "xlkit";  // xlkit migrate runs xlkit at the other end
    EXPECT_EQ(rune("host2", xlkit_side), "exec ssh host2 xlkit migrate-receive");
}

TEST(MigrateProtocolTest, RuneCarriesTheSendersOptionsInXlsOrder) {
    RuneOptions o;
    o.ssh_command = "ssh -p 2222";
    o.tty = true;
    o.timestamps = true;
    o.verbose = 2;
    o.no_daemon = true;
    o.debug = true;
    o.pause_after = true;
    EXPECT_EQ(rune("h", o), "exec ssh -p 2222 h xl -t -T -vv migrate-receive -e -d -p");
}

// The library speaks the hand-over (xlkit/migrate.hpp) with its own copy
// of the messages: they must be these.
TEST(MigrateProtocol, TheLibrarysHandOverMessagesAreTheseBytes) {
    namespace lib = xlkit::detail::migrate;
    EXPECT_EQ(wire(Message::Ready), lib::kReady);
    EXPECT_EQ(wire(Message::PermissionToGo), lib::kPermissionToGo);
    EXPECT_EQ(wire(Message::Report), lib::kReport);
    EXPECT_EQ(incoming_name("g"), "g" + std::string(lib::kIncomingSuffix));
    EXPECT_EQ(migrated_away_name("g"), "g" + std::string(lib::kMigratedAwaySuffix));
}

} // namespace
