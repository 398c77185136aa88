// helper_run in every completion mode.
#include <atomic>
#include <csignal>
#include <gtest/gtest.h>
#include <mutex>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>
#include <xlkit/helper.hpp>

#include "support/ctx_fixture.hpp"
#include "support/modes.hpp"

namespace {

using namespace xlkit;
using namespace xlkit::testing;

struct Lines {
    std::mutex mu;
    std::vector<std::string> v;
};

template <class Mode>
class HelperRunTest : public CtxTest {
protected:
    void TearDown() override {
        EXPECT_EQ(ao_inflight(*ctx_), 0u);
        CtxTest::TearDown();
    }
    Error run(std::vector<std::string> argv, int timeout_ms, int *status, Lines *lines = nullptr,
              std::stop_token st = {}) {
        return Mode::run(*ctx_, [&, argv, timeout_ms, status, lines, st](AoHow how) {
            ProgressHow out;
            if (lines)
                out = ProgressHow::callback([lines](const Event &ev) {
                    ASSERT_EQ(ev.type(), EventType::HelperOutput);
                    const auto &ho = std::get<EventHelperOutput>(ev.u);
                    EXPECT_EQ(ho.stream, 1);
                    std::lock_guard<std::mutex> g(lines->mu);
                    lines->v.push_back(ho.line);
                });
            return helper_run(*ctx_, HelperRunArgs{argv, timeout_ms, status}, std::move(how).abort_on(st),
                              std::move(out));
        });
    }
};

TYPED_TEST_SUITE(HelperRunTest, AllModes, ModeNames);

TYPED_TEST(HelperRunTest, ExitStatusIsReportedWithSuccess) {
    int status = -1;
    EXPECT_EQ(this->run({"sh", "-c", "exit 3"}, 10000, &status), Error::Success);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 3);
}

TYPED_TEST(HelperRunTest, StdoutLinesArriveInOrderBeforeCompletion) {
    int status = -1;
    Lines lines;
    EXPECT_EQ(this->run({"sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done; printf tail"}, 10000,
                        &status, &lines),
              Error::Success);
    std::vector<std::string> want{"line1", "line2", "line3", "line4", "line5", "tail"};
    EXPECT_EQ(lines.v, want);  // all delivered by the time the op completed
}

TYPED_TEST(HelperRunTest, TimeoutTerminatesTheProgramAndReportsTimedout) {
    int status = -1;
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(this->run({"sleep", "10"}, 100, &status), Error::Timedout);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TYPED_TEST(HelperRunTest, ProgramIgnoringSigtermIsKilledAfterTheGracePeriod) {
    int status = -1;
    EXPECT_EQ(this->run({"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"}, 200, &status),
              Error::Timedout);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TYPED_TEST(HelperRunTest, AbortKillsTheProgramAndReportsAborted) {
    int status = -1;
    std::stop_source src;
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        src.request_stop();
    });
    EXPECT_EQ(this->run({"sleep", "10"}, 0, &status, nullptr, src.get_token()), Error::Aborted);
    stopper.join();
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TYPED_TEST(HelperRunTest, MissingProgramFailsToStartWithInval) {
    EXPECT_EQ(this->run({"/nonexistent/xlkit-no-such-program"}, 0, nullptr), Error::Inval);
}

TYPED_TEST(HelperRunTest, EmptyArgvAndNegativeTimeoutAreInval) {
    EXPECT_EQ(this->run({}, 0, nullptr), Error::Inval);
    EXPECT_EQ(this->run({"true"}, -5, nullptr), Error::Inval);
}

using HelperRunEvents = CtxTest;

TEST_F(HelperRunEvents, OutputCanBeQueuedAsEventsWithTheCallersCookie) {
    int status = -1;
    ASSERT_EQ(helper_run(*ctx_, HelperRunArgs{{"sh", "-c", "echo a; echo b"}, 10000, &status}, AoHow{},
                         ProgressHow::event(77)),
              Error::Success);
    std::vector<std::string> got;
    std::unique_ptr<Event> ev;
    while (ctx_->event_check(&ev, event_mask(EventType::HelperOutput)) == Error::Success) {
        EXPECT_EQ(ev->for_user, 77u);
        got.push_back(std::get<EventHelperOutput>(ev->u).line);
    }
    EXPECT_EQ(got, (std::vector<std::string>{"a", "b"}));
}

TEST_F(HelperRunEvents, TemplateFormTakesEveryToken) {
    int status = -1;
    std::vector<std::string> argv{"true"};
    EXPECT_EQ(helper_run(*ctx_, argv, 5000, &status), Error::Success);
    std::future<Error> f = helper_run(*ctx_, argv, 5000, &status, use_future);
    while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        ASSERT_EQ(ctx_->run_once(20), Error::Success);
    EXPECT_EQ(f.get(), Error::Success);
}

TEST_F(HelperRunEvents, ContextFreedWhileProgramsRunKillsAndReapsThem) {
    std::atomic<int> done{0};
    for (int i = 0; i < 20; ++i)
        ASSERT_EQ(helper_run(*ctx_, std::vector<std::string>{"sleep", "30"}, 0, nullptr, [&](Error e) {
                      EXPECT_EQ(e, Error::Aborted);
                      ++done;
                  }),
                  Error::Success);
    auto t0 = std::chrono::steady_clock::now();
    ctx_.reset();
    EXPECT_EQ(done, 20);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST_F(HelperRunEvents, AnExecutableFileThatIsNoProgramFailsToStartAndLeavesNoChild) {
    char path[] = "/tmp/xlkit-noprog.XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "not a program\n", 14), 14);
    close(fd);
    ASSERT_EQ(chmod(path, 0755), 0);
    int status = -1;
    EXPECT_EQ(helper_run(*ctx_, std::vector<std::string>{path}, 10000, &status), Error::Fail);
    EXPECT_EQ(status, -1) << "no child ran, so no status";
    EXPECT_EQ(ao_inflight(*ctx_), 0u);
    unlink(path);
}

// fork() runs the process's atfork handlers; posix_spawn does not.
std::atomic<int> g_forks{0};
void count_fork() { ++g_forks; }

TEST_F(HelperRunEvents, StartingAProgramDoesNotForkTheCaller) {
    static const bool registered = pthread_atfork(count_fork, nullptr, nullptr) == 0;
    ASSERT_TRUE(registered);
    int before = g_forks.load(), status = -1;
    EXPECT_EQ(helper_run(*ctx_, std::vector<std::string>{"sh", "-c", "exit 4"}, 10000, &status), Error::Success);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 4);
    EXPECT_EQ(g_forks.load(), before) << "the caller was forked: a large caller pays for copying itself";
}

std::atomic<int> g_replaced{0};
pid_t counting_fork(void *) {
    ++g_replaced;
    return fork();
}

TEST_F(HelperRunEvents, AnApplicationsForkReplacementStartsTheProgram) {
    static const xlkit_childproc_hooks hooks = {xlkit_sigchld_owner_xlkit, counting_fork, nullptr};
    ctx_->childproc_setmode(&hooks, nullptr);
    int status = -1;
    std::vector<std::string> got;
    EXPECT_EQ(helper_run(*ctx_, HelperRunArgs{{"sh", "-c", "echo one; echo two; exit 5"}, 10000, &status}, AoHow{},
                         ProgressHow::callback([&](const Event &ev) {
                             got.push_back(std::get<EventHelperOutput>(ev.u).line);
                         })),
              Error::Success);
    EXPECT_EQ(g_replaced.load(), 1);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 5);
    EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
    ctx_->childproc_setmode(nullptr, nullptr);
}

} // namespace
