// gtest main for every xlkit suite: a per-test timeout (a hung test aborts
// with its name instead of hanging CI) and SIGPIPE ignored.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <unistd.h>

namespace {

char g_current[512];

void on_alarm(int) {
    static const char msg[] = "\n*** per-test timeout exceeded in ";
    (void)!write(2, msg, sizeof msg - 1);
    (void)!write(2, g_current, strlen(g_current));
    (void)!write(2, "\n", 1);
    _exit(124);
}

class TimeoutListener : public testing::EmptyTestEventListener {
public:
    explicit TimeoutListener(unsigned secs) : secs_(secs) {}
    void OnTestStart(const testing::TestInfo &info) override {
        std::snprintf(g_current, sizeof g_current, "%s.%s", info.test_suite_name(), info.name());
        alarm(secs_);
    }
    void OnTestEnd(const testing::TestInfo &) override { alarm(0); }

private:
    unsigned secs_;
};

} // namespace

int main(int argc, char **argv) {
    testing::InitGoogleTest(&argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGALRM, on_alarm);
    unsigned secs = 30;
    if (const char *s = std::getenv("XLKIT_TEST_TIMEOUT")) secs = unsigned(std::atoi(s));
    testing::UnitTest::GetInstance()->listeners().Append(new TimeoutListener(secs));
    return RUN_ALL_TESTS();
}
