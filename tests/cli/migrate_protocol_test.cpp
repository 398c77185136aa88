// The CLI's part of xl's migration exchange (tools/xlkit/migrate_protocol):
// the banner byte for byte as Xen 4.17's xl sends it, incremental matching
// that never reads past it, and the ssh rune. The hand-over's messages are
// the library's (tests/ops/migrate_ops_test.cpp).
#include "../../tools/xlkit/migrate_protocol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace xlcli::migrate_protocol;
using namespace std::string_literals;

TEST(MigrateProtocolTest, BannerIsSentWithoutItsNul) {
    EXPECT_EQ(banner(), "xl migration receiver ready, send binary domain data.\n"s);
    EXPECT_EQ(banner().size(), 54u);
}

TEST(MigrateProtocolTest, ExpectMatchesAWholeMessageAtOnce) {
    Expect e(banner());
    EXPECT_EQ(e.wanted(), 54u);
    std::size_t used = 0;
    EXPECT_EQ(e.feed(banner(), &used), Expect::State::Matched);
    EXPECT_EQ(used, 54u);
    EXPECT_EQ(e.wanted(), 0u);
}

TEST(MigrateProtocolTest, ExpectMatchesByteByByte) {
    Expect e(banner());
    const auto w = banner();
    for (std::size_t i = 0; i + 1 < w.size(); ++i) {
        ASSERT_EQ(e.feed(w.substr(i, 1)), Expect::State::Matching) << "at byte " << i;
        ASSERT_EQ(e.wanted(), w.size() - i - 1);
    }
    EXPECT_EQ(e.feed(w.substr(w.size() - 1)), Expect::State::Matched);
}

TEST(MigrateProtocolTest, ExpectNeverConsumesWhatFollowsTheMessage) {
    // The banner and the start of the stream in one read: the stream stays.
    std::string chunk(banner());
    chunk += "Xen saved domain";
    Expect e(banner());
    std::size_t used = 0;
    EXPECT_EQ(e.feed(chunk, &used), Expect::State::Matched);
    EXPECT_EQ(used, banner().size());
    EXPECT_EQ(e.feed("more", &used), Expect::State::Matched);
    EXPECT_EQ(used, 0u);
}

TEST(MigrateProtocolTest, ExpectStopsAtTheFirstDifferingByte) {
    Expect e(banner());
    std::size_t used = 0;
    EXPECT_EQ(e.feed("xl migrati", &used), Expect::State::Matching);
    EXPECT_EQ(e.feed("XXXX", &used), Expect::State::Mismatch);
    EXPECT_EQ(used, 1u);
    EXPECT_EQ(e.matched(), 10u);
    EXPECT_EQ(e.wanted(), 0u);
    EXPECT_EQ(e.feed("on", &used), Expect::State::Mismatch);
    EXPECT_EQ(used, 0u);
}

TEST(MigrateProtocolTest, ABannerWithoutItsNewlineIsNotYetAMatch) {
    // A peer that sends the text without the newline has not sent the banner.
    Expect e(banner());
    EXPECT_EQ(e.feed("xl migration receiver ready, send binary domain data."), Expect::State::Matching);
    EXPECT_EQ(e.wanted(), 1u);
    EXPECT_EQ(e.feed("\r"), Expect::State::Mismatch);
}

TEST(MigrateProtocolTest, AnEmptyFeedChangesNothing) {
    Expect e(banner());
    std::size_t used = 7;
    EXPECT_EQ(e.feed({}, &used), Expect::State::Matching);
    EXPECT_EQ(used, 0u);
    EXPECT_EQ(e.wanted(), 54u);
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

} // namespace
