// Helpers for the xlkit CLI tests: running the program (captured stdout,
// stderr, exit status, duration; in the background with signals), a sim
// host per test, a guest agent that plays a simulated domain's kernel, and
// JSON parsing.
#pragma once

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/json.hpp>

#include "support/guest_agent.hpp"
#include "support/sim_support.hpp"

namespace clitest {

using simtest::GuestAgent;

using Clock = std::chrono::steady_clock;

struct Result {
    int status = -1;  // exit status, or 128 + signal
    std::string out, err;
    double secs = 0;
    bool timed_out = false;
};

// A running xlkit (or any program): stdout and stderr captured.
class Proc {
public:
    explicit Proc(const std::vector<std::string> &argv) {
        t0_ = Clock::now();
        int o[2], e[2];
        if (pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0) return;
        std::fflush(nullptr);
        pid_ = fork();
        if (pid_ == 0) {
            int devnull = open("/dev/null", O_RDONLY);
            dup2(devnull, 0);
            dup2(o[1], 1);
            dup2(e[1], 2);
            // A fresh signal state, whatever gtest set.
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, nullptr);
            std::signal(SIGPIPE, SIG_DFL);
            std::signal(SIGALRM, SIG_DFL);
            std::vector<char *> a;
            for (const std::string &s : argv) a.push_back(const_cast<char *>(s.c_str()));
            a.push_back(nullptr);
            execv(a[0], a.data());
            _exit(127);
        }
        close(o[1]);
        close(e[1]);
        out_fd_ = o[0];
        err_fd_ = e[0];
    }
    ~Proc() {
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            (void)wait(10);
        }
    }
    pid_t pid() const { return pid_; }
    void signal(int sig) { kill(pid_, sig); }
    const std::string &out_so_far() {
        pump(0);
        return r_.out;
    }
    const std::string &err_so_far() {
        pump(0);
        return r_.err;
    }
    // Reads output until the program exits (or timeout_s passes: then it is
    // killed and timed_out is set).
    Result wait(double timeout_s) {
        auto end = t0_ + std::chrono::milliseconds(long(timeout_s * 1000));
        while (out_fd_ >= 0 || err_fd_ >= 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
            if (left <= 0) {
                r_.timed_out = true;
                kill(pid_, SIGKILL);
                end = Clock::now() + std::chrono::seconds(5);
                left = 5000;
            }
            pump(int(left));
        }
        int st = 0;
        while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        r_.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        r_.secs = std::chrono::duration<double>(Clock::now() - t0_).count();
        return r_;
    }

private:
    void pump(int timeout_ms) {
        pollfd p[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
        if (poll(p, 2, timeout_ms) <= 0) return;
        for (int i = 0; i < 2; ++i) {
            if (!p[i].revents) continue;
            int &fd = i ? err_fd_ : out_fd_;
            char buf[4096];
            ssize_t n = read(fd, buf, sizeof buf);
            if (n > 0)
                (i ? r_.err : r_.out).append(buf, std::size_t(n));
            else if (n == 0 || errno != EINTR) {
                close(fd);
                fd = -1;
            }
        }
    }
    pid_t pid_ = -1;
    int out_fd_ = -1, err_fd_ = -1;
    bool reaped_ = false;
    Clock::time_point t0_;
    Result r_;
};

inline std::vector<std::string> xlkit_argv(std::vector<std::string> args) {
    args.insert(args.begin(), XLKIT_BIN);
    return args;
}

inline Result xlkit(std::vector<std::string> args, double timeout_s = 30) {
    Proc p(xlkit_argv(std::move(args)));
    return p.wait(timeout_s);
}

inline std::vector<std::string> lines(const std::string &s) {
    std::vector<std::string> v;
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t j = s.find('\n', i);
        if (j == std::string::npos) j = s.size();
        v.push_back(s.substr(i, j - i));
        i = j + 1;
    }
    return v;
}

inline std::optional<boost::json::value> parse_json(const std::string &s) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(s, ec);
    if (ec) return std::nullopt;
    return v;
}

// A field of a JSON object, with the IDL's convention that fields at their
// default value are omitted.
inline std::int64_t jint(const boost::json::object &o, const char *k, std::int64_t dflt = 0) {
    auto *v = o.if_contains(k);
    return v ? v->to_number<std::int64_t>() : dflt;
}
inline std::string jstr(const boost::json::object &o, const char *k, const std::string &dflt = "") {
    auto *v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : dflt;
}


} // namespace clitest
