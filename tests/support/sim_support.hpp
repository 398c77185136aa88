// Helpers for the tests and benchmarks that start userspace sim hosts
// (tools/hosts/sim): temp folders, running the tools, a libxenstore handle
// and waiting for watch events.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

extern "C" {
#include <xenstore.h>
}

#include "xen/sim_hv.h"

namespace simtest {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// A new empty folder under /tmp (short paths: xenstored's socket lives there).
inline std::string make_temp_dir(const char *tag) {
    std::string t = std::string("/tmp/xlkit-") + tag + ".XXXXXX";
    if (!mkdtemp(t.data())) return {};
    return t;
}

struct CmdResult {
    int status = -1; // exit status, or 128 + signal
    std::string out;
};

// Runs a shell command line, capturing its stdout.
inline CmdResult run(const std::string &cmd) {
    CmdResult r;
    std::fflush(nullptr);
    FILE *p = popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int st = pclose(p);
    if (st >= 0) r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

inline std::string host_cmd(const std::string &args) {
    return std::string("XLKIT_SIM_PRELOAD='") + SIM_PRELOAD + "' '" + SIM_HOST_BIN + "' " + args;
}

inline std::string cli_cmd(const std::string &dir, const std::string &args) {
    return std::string("'") + SIM_CLI_BIN + "' -d '" + dir + "' " + args;
}

// Points this process's libxenstore at the host in dir.
inline void use_host(const std::string &dir) {
    setenv("XLKIT_SIM_DIR", dir.c_str(), 1);
    setenv("XENSTORED_RUNDIR", dir.c_str(), 1);
    setenv("XENSTORED_PATH", (dir + "/socket").c_str(), 1);
}

inline pid_t read_pid_file(const std::string &path) {
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f) return -1;
    long v = -1;
    if (std::fscanf(f, "%ld", &v) != 1) v = -1;
    std::fclose(f);
    return pid_t(v);
}

// An owned libxenstore connection.
class Xs {
public:
    Xs() : h_(xs_open(0)) {}
    ~Xs() {
        if (h_) xs_close(h_);
    }
    Xs(const Xs &) = delete;
    Xs &operator=(const Xs &) = delete;
    xs_handle *get() const { return h_; }
    explicit operator bool() const { return h_ != nullptr; }

    bool write(const std::string &path, const std::string &value) {
        return xs_write(h_, XBT_NULL, path.c_str(), value.data(), unsigned(value.size()));
    }
    std::optional<std::string> read(const std::string &path) {
        unsigned len = 0;
        char *v = static_cast<char *>(xs_read(h_, XBT_NULL, path.c_str(), &len));
        if (!v) return std::nullopt;
        std::string s(v, len);
        std::free(v);
        return s;
    }

    // A node's permissions as xenstore-ls -p shows them ("n0,b5": owner
    // dom0 with no access for others, then domain 5 reading and writing),
    // or empty if they cannot be read.
    std::string perms(const std::string &path) {
        unsigned n = 0;
        xs_permissions *p = xs_get_permissions(h_, XBT_NULL, path.c_str(), &n);
        if (!p) return {};
        std::string out;
        for (unsigned i = 0; i < n; ++i) {
            char c = (p[i].perms & XS_PERM_READ) && (p[i].perms & XS_PERM_WRITE) ? 'b'
                     : (p[i].perms & XS_PERM_READ)                              ? 'r'
                     : (p[i].perms & XS_PERM_WRITE)                             ? 'w'
                                                                                : 'n';
            out += (i ? "," : "") + std::string(1, c) + std::to_string(p[i].id);
        }
        std::free(p);
        return out;
    }

    struct Event {
        std::string path, token;
    };
    // The next watch event, or nullopt after timeout_ms.
    std::optional<Event> next_event(int timeout_ms) {
        auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
        int fd = xs_fileno(h_);
        for (;;) {
            char **vec = xs_check_watch(h_);
            if (vec) {
                Event e{vec[XS_WATCH_PATH], vec[XS_WATCH_TOKEN]};
                std::free(vec);
                return e;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{fd, POLLIN, 0};
            poll(&p, 1, int(left.count()));
        }
    }
    // Watches path and consumes the event every watch fires on registration.
    bool watch(const std::string &path, const std::string &token) {
        if (!xs_watch(h_, path.c_str(), token.c_str())) return false;
        auto e = next_event(5000);
        return e && e->path == path && e->token == token;
    }
    // Waits for an event with this token; others are dropped.
    std::optional<Event> wait_token(const std::string &token, int timeout_ms) {
        auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
            auto e = next_event(int(std::max<long>(0, long(left.count()))));
            if (!e || e->token == token) return e;
        }
    }
    // How many events with this token arrive within ms.
    int count_token(const std::string &token, int ms) {
        int n = 0;
        auto end = Clock::now() + std::chrono::milliseconds(ms);
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
            if (left.count() <= 0) return n;
            auto e = next_event(int(left.count()));
            if (!e) return n;
            if (e->token == token) n++;
        }
    }

private:
    xs_handle *h_;
};

// A sim host started with xlkit-sim-host in a fresh folder.
class Host {
public:
    bool start(const char *tag, const std::string &extra = "") {
        dir_ = make_temp_dir(tag);
        if (dir_.empty()) return false;
        // --owner: the host goes away with this process, even if it is killed.
        auto r = run(host_cmd("start --owner " + std::to_string(getpid()) + " '" + dir_ + "'" + extra));
        start_out_ = r.out;
        if (r.status != 0) return false;
        sim_ = sim_open(dir_.c_str(), 0);
        return sim_ != nullptr;
    }
    int stop() {
        sim_close(sim_);
        sim_ = nullptr;
        if (dir_.empty()) return 0;
        int rc = run(host_cmd("stop '" + dir_ + "'")).status;
        dir_.clear();
        return rc;
    }
    ~Host() { stop(); }
    const std::string &dir() const { return dir_; }
    const std::string &start_output() const { return start_out_; }
    sim_t *sim() const { return sim_; }
    pid_t xenstored_pid() const { return read_pid_file(dir_ + "/xenstored.pid"); }

private:
    std::string dir_, start_out_;
    sim_t *sim_ = nullptr;
};

} // namespace simtest
