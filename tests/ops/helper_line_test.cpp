// The save helper's reply lines taken apart (ops/helper_line.hpp): what
// istream extraction did for them, without a stream or a locale.
#include <cstdint>
#include <gtest/gtest.h>
#include <locale>
#include <string>

#include "ops/helper_line.hpp"

namespace {

using xlkit::detail::HelperLine;

TEST(HelperLine, AProgressLineGivesItsWordAndBothCounts) {
    HelperLine in("progress 3072 24576");
    EXPECT_EQ(in.word(), "progress");
    unsigned long done = 0, total = 0;
    EXPECT_TRUE(in.num(&done) && in.num(&total));
    EXPECT_EQ(done, 3072u);
    EXPECT_EQ(total, 24576u);
    EXPECT_EQ(in.word(), "");
}

TEST(HelperLine, FieldsAnOlderHelperDoesNotSendKeepTheirDefaults) {
    HelperLine in("iteration 2 9000 -1");
    EXPECT_EQ(in.word(), "iteration");
    unsigned n = 0;
    unsigned long sent = 0;
    long dirty = 7;
    std::int64_t pass_ms = -1, rate = -1;
    EXPECT_TRUE(in.num(&n) && in.num(&sent) && in.num(&dirty));
    EXPECT_EQ(n, 2u);
    EXPECT_EQ(sent, 9000u);
    EXPECT_EQ(dirty, -1);
    EXPECT_FALSE(in.num(&pass_ms));
    EXPECT_FALSE(in.num(&rate));
    EXPECT_EQ(pass_ms, -1);
    EXPECT_EQ(rate, -1);
}

TEST(HelperLine, ANumberThatIsNoneFailsItAndEveryNumberAfterIt) {
    HelperLine in("done 12x 5");
    EXPECT_EQ(in.word(), "done");
    int rc = -1, err = 0;
    EXPECT_FALSE(in.num(&rc));
    EXPECT_FALSE(in.num(&err));
    EXPECT_EQ(rc, -1);
    EXPECT_EQ(err, 0);

    HelperLine neg("progress -5 10");  // unsigned: not a count
    (void)neg.word();
    unsigned long done = 1;
    EXPECT_FALSE(neg.num(&done));
    EXPECT_EQ(done, 1u);

    HelperLine big("done 99999999999 0");
    (void)big.word();
    EXPECT_FALSE(big.num(&rc));  // out of an int's range
}

TEST(HelperLine, ALogLineKeepsItsTextWithItsSpaces) {
    HelperLine in("log 5 xc_domain_save:  two  spaces kept");
    EXPECT_EQ(in.word(), "log");
    int level = 0;
    EXPECT_TRUE(in.num(&level));
    EXPECT_EQ(level, 5);
    EXPECT_EQ(in.rest(), "xc_domain_save:  two  spaces kept");
    EXPECT_EQ(in.rest(), "");
    EXPECT_EQ(in.word(), "");
}

TEST(HelperLine, ProcIoIsReadAcrossItsLines) {
    HelperLine in("rchar: 6976\nwchar: 0\nsyscr: 12\n");
    EXPECT_EQ(in.word(), "rchar:");
    std::uint64_t v = 0;
    EXPECT_TRUE(in.num(&v));
    EXPECT_EQ(v, 6976u);
    EXPECT_EQ(in.word(), "wchar:");
}

TEST(HelperLine, AnApplicationsLocaleChangesNothing) {
    // An embedder may set a global C++ locale with digit grouping; an
    // istream would have read "1234" through it.
    struct Grouping : std::numpunct<char> {
        char do_thousands_sep() const override { return '.'; }
        std::string do_grouping() const override { return "\3"; }
    };
    std::locale old = std::locale::global(std::locale(std::locale::classic(), new Grouping));
    HelperLine in("progress 1234 5678");
    (void)in.word();
    unsigned long done = 0, total = 0;
    EXPECT_TRUE(in.num(&done) && in.num(&total));
    std::locale::global(old);
    EXPECT_EQ(done, 1234u);
    EXPECT_EQ(total, 5678u);
}

} // namespace
