// Child processes, SIGCHLD ownership modes, and fork safety.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "support/ctx_fixture.hpp"

namespace {

using namespace xlkit;
using namespace xlkit::detail;
using namespace std::chrono_literals;

struct Kid {
    EvChild ev;
    std::atomic<bool> done{false};
    int status = -1;
    pid_t pid = -1;
};

void kid_cb(Egc &, EvChild *ev, pid_t pid, int status) {
    auto *k = static_cast<Kid *>(ev->data);
    EXPECT_EQ(pid, k->pid);
    k->status = status;
    k->done = true;
}

class ChildTest : public xlkit::testing::CtxTest {
protected:
    // Fork a child that exits with `code` after `ms`.
    pid_t spawn(Kid &k, int code, int ms = 0) {
        k.ev.data = &k;
        Egc egc(impl());
        pid_t pid = -1;
        (void)impl().child_fork(egc, k.ev, kid_cb, &pid);
        if (pid == 0) {
            if (ms) usleep(ms * 1000);
            _exit(code);
        }
        k.pid = pid;
        return pid;
    }
    void wait_kid(Kid &k) {
        Egc egc(impl());
        ASSERT_EQ(impl().wait_until(egc, [&] { return k.done.load(); },
                                    mono_now() + 10'000'000'000),
                  Error::Success);
    }
};

TEST_F(ChildTest, ExitOfAForkedChildIsReportedWithItsStatus) {
    Kid k;
    ASSERT_GT(spawn(k, 7, 10), 0);
    wait_kid(k);
    ASSERT_TRUE(WIFEXITED(k.status));
    EXPECT_EQ(WEXITSTATUS(k.status), 7);
    EXPECT_FALSE(k.ev.active());
}

TEST_F(ChildTest, ManyChildrenAreEachReportedOnce) {
    std::vector<Kid> ks(20);
    for (int i = 0; i < 20; ++i) ASSERT_GT(spawn(ks[i], i, i % 5), 0);
    for (auto &k : ks) wait_kid(k);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(WEXITSTATUS(ks[i].status), i);
}

TEST_F(ChildTest, KilledChildReportsTheSignal) {
    Kid k;
    ASSERT_GT(spawn(k, 0, 10000), 0);
    {
        Egc egc(impl());
        ASSERT_EQ(impl().child_kill(egc, k.ev, SIGKILL), Error::Success);
    }
    wait_kid(k);
    ASSERT_TRUE(WIFSIGNALED(k.status));
    EXPECT_EQ(WTERMSIG(k.status), SIGKILL);
}

// Two ctxs of the default mode, a child each, both exited before either
// ctx looks: each ctx gets its own child's status (libxl's first ctx to
// look reaps both, and the other's is lost).
TEST_F(ChildTest, TwoContextsInTheDefaultModeEachGetTheirOwnChild) {
    std::unique_ptr<Ctx> other;
    ASSERT_EQ(Ctx::create(&other), Error::Success);
    Kid mine, theirs;
    ASSERT_GT(spawn(mine, 5), 0);
    theirs.ev.data = &theirs;
    {
        Egc egc(other->impl());
        pid_t pid = -1;
        ASSERT_EQ(other->impl().child_fork(egc, theirs.ev, kid_cb, &pid), Error::Success);
        if (pid == 0) _exit(6);
        theirs.pid = pid;
    }
    for (pid_t p : {mine.pid, theirs.pid}) {  // both exited, neither reaped
        siginfo_t si{};
        ASSERT_EQ(waitid(P_PID, id_t(p), &si, WEXITED | WNOWAIT), 0);
    }
    wait_kid(mine);  // this ctx looks first
    EXPECT_EQ(WEXITSTATUS(mine.status), 5);
    {
        Egc egc(other->impl());
        ASSERT_EQ(other->impl().wait_until(egc, [&] { return theirs.done.load(); }, mono_now() + 10'000'000'000),
                  Error::Success)
            << "the other ctx's child was reaped by this one";
    }
    EXPECT_EQ(WEXITSTATUS(theirs.status), 6);
}

TEST_F(ChildTest, SelectiveReapLeavesTheApplicationsOwnChildrenAlone) {
    static const xlkit_childproc_hooks hooks = {xlkit_sigchld_owner_xlkit_always_selective_reap,
                                                nullptr, nullptr};
    ctx_->childproc_setmode(&hooks, nullptr);
    pid_t app_child = fork();
    if (app_child == 0) _exit(3);
    ASSERT_GT(app_child, 0);
    Kid k;
    ASSERT_GT(spawn(k, 4, 30), 0);
    wait_kid(k);
    EXPECT_EQ(WEXITSTATUS(k.status), 4);
    int st;
    ASSERT_EQ(waitpid(app_child, &st, 0), app_child) << "xlkit reaped a child it did not start";
    EXPECT_EQ(WEXITSTATUS(st), 3);
    ctx_->childproc_setmode(nullptr, nullptr);
}

TEST_F(ChildTest, MainloopModeRoutesReapedStatusToTheChildCallback) {
    static const xlkit_childproc_hooks hooks = {xlkit_sigchld_owner_mainloop, nullptr, nullptr};
    ctx_->childproc_setmode(&hooks, nullptr);
    Kid k;
    pid_t pid = spawn(k, 5);
    ASSERT_GT(pid, 0);
    int st;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);  // the application reaps
    EXPECT_EQ(ctx_->childproc_reaped(pid, st), Error::Success);
    EXPECT_TRUE(k.done);
    EXPECT_EQ(WEXITSTATUS(k.status), 5);
    EXPECT_EQ(ctx_->childproc_reaped(pid, st), Error::UnknownChild);
    ctx_->childproc_setmode(nullptr, nullptr);
}

TEST_F(ChildTest, MainloopModeSigchldOccurredReapsOnlyXlkitsChildren) {
    static const xlkit_childproc_hooks hooks = {xlkit_sigchld_owner_mainloop, nullptr, nullptr};
    ctx_->childproc_setmode(&hooks, nullptr);
    pid_t app_child = fork();
    if (app_child == 0) _exit(9);
    Kid k;
    ASSERT_GT(spawn(k, 6), 0);
    for (int i = 0; i < 500 && !k.done; ++i) {
        std::this_thread::sleep_for(2ms);
        ctx_->childproc_sigchld_occurred();
    }
    EXPECT_TRUE(k.done);
    int st;
    ASSERT_EQ(waitpid(app_child, &st, 0), app_child);
    EXPECT_EQ(WEXITSTATUS(st), 9);
    ctx_->childproc_setmode(nullptr, nullptr);
}

struct Reaped {
    std::atomic<pid_t> pid{-1};
    int status = 0;
    bool lock_free = false;
    xlkit::detail::CtxImpl *ctx = nullptr;
};

TEST_F(ChildTest, AlwaysModeHandsUnknownChildrenToReapedCallbackAfterUnlock) {
    static Reaped r;
    r.ctx = &impl();
    static const xlkit_childproc_hooks hooks = {
        xlkit_sigchld_owner_xlkit_always, nullptr, [](pid_t pid, int status, void *) {
            r.status = status;
            r.lock_free = !r.ctx->locked_by_me();
            r.pid = pid;
            return 0;
        }};
    ctx_->childproc_setmode(&hooks, nullptr);
    pid_t app_child = fork();
    if (app_child == 0) _exit(11);
    ASSERT_GT(app_child, 0);
    for (int i = 0; i < 500 && r.pid != app_child; ++i) ASSERT_EQ(ctx_->run_once(10), Error::Success);
    EXPECT_EQ(r.pid, app_child);
    EXPECT_EQ(WEXITSTATUS(r.status), 11);
    EXPECT_TRUE(r.lock_free) << "reaped_callback ran with the ctx lock held";
    ctx_->childproc_setmode(nullptr, nullptr);
}

TEST_F(ChildTest, ContextFdsAreNotInheritedByChildren) {
    // The child execs a shell that lists its open fds; none of the ctx's
    // epoll, eventfd or self-pipe fds may appear.
    int out[2];
    ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
    Kid k;
    k.ev.data = &k;
    {
        Egc egc(impl());
        pid_t pid = -1;
        ASSERT_EQ(impl().child_fork(egc, k.ev, kid_cb, &pid), Error::Success);
        if (pid == 0) {
            dup2(out[1], 1);
            execl("/bin/sh", "sh", "-c",
                  "for f in /proc/$$/fd/*; do readlink $f; done; true", static_cast<char *>(nullptr));
            _exit(127);
        }
        ASSERT_GT(pid, 0);
        k.pid = pid;
    }
    close(out[1]);
    std::string listing;
    char buf[512];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) listing.append(buf, n);
    close(out[0]);
    wait_kid(k);
    EXPECT_EQ(WEXITSTATUS(k.status), 0) << listing;
    EXPECT_EQ(listing.find("eventpoll"), std::string::npos) << listing;
    EXPECT_EQ(listing.find("eventfd"), std::string::npos) << listing;
    // The self-pipe: only stdin/stdout/stderr's own pipes may be listed.
    int pipes = 0;
    for (std::size_t pos = 0; (pos = listing.find("pipe:", pos)) != std::string::npos; ++pos) ++pipes;
    EXPECT_LE(pipes, 3) << listing;
}

TEST_F(ChildTest, ForkWhileAnotherThreadHoldsTheLockGivesTheChildAFreeLock) {
    std::atomic<bool> holding{false}, release{false};
    std::thread holder([&] {
        Egc egc(impl());
        holding = true;
        while (!release) std::this_thread::sleep_for(1ms);
        std::this_thread::sleep_for(20ms);
    });
    while (!holding) std::this_thread::sleep_for(1ms);
    release = true;
    pid_t pid = fork();  // the atfork handler waits for the holder
    if (pid == 0) {
        alarm(5);  // a deadlock here would hang; exit 14 by SIGALRM instead
        impl().lock();
        impl().unlock();
        Ctx::postfork_child_noexec();
        _exit(0);
    }
    ASSERT_GT(pid, 0);
    holder.join();
    int st;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    EXPECT_TRUE(WIFEXITED(st)) << "child died (deadlocked on an inherited lock?)";
    EXPECT_EQ(WEXITSTATUS(st), 0);
}

TEST_F(ChildTest, NullCallbackIsRejected) {
    EvChild ev;
    Egc egc(impl());
    pid_t pid = -1;
    EXPECT_EQ(impl().child_fork(egc, ev, nullptr, &pid), Error::Inval);
    EXPECT_FALSE(ev.active());
}

} // namespace
