// The xlkit CLI, end to end, on a sim host started per test (a real
// xenstored over the simulated hypervisor): every subcommand, the monitor's
// on_* actions, JSON output, bad input, and Ctrl-C.
#include <boost/json/src.hpp>  // Boost.JSON's implementation, once per program

#include <algorithm>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <gtest/gtest.h>
#include <regex>
#include <set>
#include <sstream>

#include "cli/cli_support.hpp"

namespace clitest {
bool write_pvh_kernel(const std::string &path);  // pvh_kernel.cpp
}

namespace {

using namespace clitest;
using simtest::Host;

struct Dom {
    std::uint32_t domid = 0;
    std::string name, state;
    std::uint64_t current_memkb = 0, max_memkb = 0;
    std::uint32_t vcpus = 0;
};

// The one-line error contract: exactly one line on stderr, "xlkit: ...".
::testing::AssertionResult one_line_error(const Result &r) {
    auto l = lines(r.err);
    if (r.status == 0) return ::testing::AssertionFailure() << "exit status 0; stderr: " << r.err;
    if (l.size() != 1) return ::testing::AssertionFailure() << l.size() << " lines on stderr:\n" << r.err;
    if (l[0].rfind("xlkit: ", 0) != 0) return ::testing::AssertionFailure() << "not 'xlkit: ...': " << l[0];
    return ::testing::AssertionSuccess();
}

// For operations that show progress lines first: the error is the last
// line, and the only "xlkit: " one.
::testing::AssertionResult last_line_error(const Result &r) {
    auto l = lines(r.err);
    if (r.status == 0) return ::testing::AssertionFailure() << "exit status 0; stderr: " << r.err;
    if (l.empty() || l.back().rfind("xlkit: ", 0) != 0)
        return ::testing::AssertionFailure() << "the last line is not 'xlkit: ...':\n" << r.err;
    for (std::size_t i = 0; i + 1 < l.size(); ++i)
        if (l[i].rfind("xlkit: ", 0) == 0) return ::testing::AssertionFailure() << "two error lines:\n" << r.err;
    return ::testing::AssertionSuccess();
}

class Cli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        // Monitors outlive `xlkit create`: they become our children, so we
        // can reap them and see how they ended.
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    }
    void SetUp() override {
        ASSERT_TRUE(host_.start("cli"));
        simtest::use_host(host_.dir());
        setenv("XLKIT_HYPERVISOR", ("sim:" + host_.dir()).c_str(), 1);
        // Monitor logs: NAME.log in the host's folder (removed with it).
        setenv("XLKIT_LOG_DIR", host_.dir().c_str(), 1);
    }
    void TearDown() override {
        for (pid_t p : monitors_) {
            if (monitor_exit(p, 0) >= 0) continue;
            kill(p, SIGTERM);
            if (monitor_exit(p, 3000) < 0) {
                kill(p, SIGKILL);
                (void)monitor_exit(p, 3000);
            }
        }
        unsetenv("XLKIT_HOTPLUG_DIR");
        (void)host_.stop();
        // Reap whatever else was reparented to us (the sim host's detached
        // supervisor, when it ends).
        int st;
        while (waitpid(-1, &st, WNOHANG) > 0) {
        }
    }

    std::string cfg(const std::string &name, const std::string &body) {
        std::string path = host_.dir() + "/" + name + ".cfg";
        std::ofstream f(path);
        f << body;
        return path;
    }
    // A guest config: kernel is any readable file (the sim host does not
    // boot it).
    std::string guest_cfg(const std::string &name, const std::string &more = "") {
        return cfg(name, "# " + name + "\nname = \"" + name + "\"\nkernel = \"/bin/sh\"\nmemory = 64\nmaxmem = 128\n" +
                             "vcpus = 2\n" + more);
    }
    // xlkit --json create; returns the domid (0 on failure).
    std::uint32_t create(const std::string &cfgpath, std::vector<std::string> extra = {}) {
        std::vector<std::string> a = {"--json", "create", cfgpath};
        a.insert(a.end(), extra.begin(), extra.end());
        Result r = xlkit(a);
        EXPECT_EQ(r.status, 0) << r.err;
        auto j = parse_json(r.out);
        EXPECT_TRUE(j && j->is_object()) << r.out;
        if (r.status || !j || !j->is_object()) return 0;
        const auto &o = j->as_object();
        if (auto *m = o.if_contains("monitor"); m && m->is_object()) {
            pid_t pid = pid_t(jint(m->as_object(), "pid"));
            monitors_.push_back(pid);
            last_monitor_ = pid;
            last_log_ = jstr(m->as_object(), "log");
        }
        return std::uint32_t(jint(o, "domid"));
    }
    std::vector<Dom> list() {
        Result r = xlkit({"--json", "list"});
        EXPECT_EQ(r.status, 0) << r.err;
        std::vector<Dom> v;
        auto j = parse_json(r.out);
        EXPECT_TRUE(j && j->is_array()) << r.out;
        if (!j || !j->is_array()) return v;
        for (const auto &e : j->as_array()) {
            const auto &o = e.as_object();
            Dom d;
            d.domid = std::uint32_t(jint(o, "domid"));
            d.name = jstr(o, "name");
            d.state = jstr(o, "state", "unknown");
            d.current_memkb = std::uint64_t(jint(o, "current_memkb"));
            d.max_memkb = std::uint64_t(jint(o, "max_memkb"));
            d.vcpus = std::uint32_t(jint(o, "vcpu_online"));
            v.push_back(d);
        }
        return v;
    }
    std::optional<Dom> find(const std::string &name) {
        for (const Dom &d : list())
            if (d.name == name) return d;
        return std::nullopt;
    }
    std::vector<std::string> names() {
        std::vector<std::string> n;
        for (const Dom &d : list()) n.push_back(d.name);
        return n;
    }
    // The exit status of a monitor (our child by now), or -1 if it has not
    // exited within ms.
    int monitor_exit(pid_t pid, int ms) {
        auto end = Clock::now() + std::chrono::milliseconds(ms);
        for (;;) {
            int st = 0;
            pid_t r = waitpid(pid, &st, WNOHANG);
            if (r == pid) {
                exited_[pid] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                return exited_[pid];
            }
            if (r < 0) {
                auto it = exited_.find(pid);
                return it != exited_.end() ? it->second : -2;
            }
            if (Clock::now() >= end) return -1;
            usleep(10000);
        }
    }
    std::string read_file(const std::string &path) {
        std::ifstream f(path);
        std::stringstream s;
        s << f.rdbuf();
        return s.str();
    }
    // Waits until pred() holds (polling), up to ms: a bound for a broken
    // build, generous for a busy machine; it ends as soon as pred() holds.
    template <class P>
    bool eventually(P pred, int ms = 30000) {
        auto end = Clock::now() + std::chrono::milliseconds(ms);
        while (Clock::now() < end) {
            if (pred()) return true;
            usleep(20000);
        }
        return pred();
    }

    // The sim host's hotplug scripts (its backends run with it), for every
    // xlkit this test runs from now on: XLKIT_HOTPLUG_DIR as `env` prints it.
    void use_hotplug_scripts() {
        auto r = simtest::run(simtest::host_cmd("env '" + host_.dir() + "'"));
        const std::string key = "XLKIT_HOTPLUG_DIR=";
        auto p = r.out.find(key);
        ASSERT_NE(p, std::string::npos) << r.out;
        std::string v = r.out.substr(p + key.size(), r.out.find('\n', p) - p - key.size());
        if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = v.substr(1, v.size() - 2);
        hotplug_dir_ = v;
        setenv("XLKIT_HOTPLUG_DIR", v.c_str(), 1);
    }
    // A script= for KIND ("block", "vif-bridge") that says what it is asked
    // on stdout and one line on stderr, then runs the sim's script.
    std::string talky_script(const std::string &kind) {
        std::string path = host_.dir() + "/talky-" + kind;
        std::ofstream(path) << "#!/bin/sh\necho \"talky: $1 $XENBUS_PATH\"\necho 'to stderr' >&2\nexec '" +
                                   hotplug_dir_ + "/" + kind + "' \"$@\"\n";
        chmod(path.c_str(), 0755);
        return path;
    }
    // xenstore, for what the simulated frontends wrote.
    std::string xs_read(const std::string &path) {
        simtest::Xs xs;
        return xs ? xs.read(path).value_or("") : "";
    }
    // A disk image the guest may write.
    std::string disk_image(const std::string &name) {
        std::string path = host_.dir() + "/" + name;
        std::ofstream f(path);
        f << std::string(4096, '\0');
        return path;
    }
    // stderr's lines that start with prefix.
    static std::vector<std::string> lines_with(const std::string &err, const std::string &prefix) {
        std::vector<std::string> v;
        for (const std::string &l : lines(err))
            if (l.rfind(prefix, 0) == 0) v.push_back(l.substr(prefix.size()));
        return v;
    }

    Host host_;
    std::string hotplug_dir_;
    std::vector<pid_t> monitors_;
    std::map<pid_t, int> exited_;
    pid_t last_monitor_ = -1;
    std::string last_log_;
};

// ---- help and usage ------------------------------------------------------------

TEST_F(Cli, HelpListsEveryCommand) {
    Result r = xlkit({"help"});
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char *c : {"list", "create", "destroy", "save", "restore", "migrate", "migrate-receive", "shutdown", "reboot", "pause", "unpause", "wait", "events",
                          "block-attach", "block-detach", "block-list", "network-attach", "network-detach",
                          "network-list", "info", "help"})
        EXPECT_NE(r.out.find(std::string("  ") + c + " "), std::string::npos) << c << " missing from\n" << r.out;
    r = xlkit({"help", "shutdown"});
    ASSERT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("usage: xlkit shutdown [-w] [-F] [-t SECONDS] DOM"), std::string::npos) << r.out;
    r = xlkit({"create", "--help"});
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("usage: xlkit create"), std::string::npos);
    r = xlkit({"--json", "help"});
    ASSERT_EQ(r.status, 0);
    auto j = parse_json(r.out);
    ASSERT_TRUE(j && j->is_object()) << r.out;
    EXPECT_EQ(j->as_object().at("commands").as_array().size(), 21u);
}

TEST_F(Cli, UnknownCommandAndFlagsAreOneLineUsageErrors) {
    Result r = xlkit({"frobnicate"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line_error(r));
    EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << r.err;
    r = xlkit({"list", "-z"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line_error(r));
    EXPECT_NE(r.err.find("'-z'"), std::string::npos) << r.err;
    r = xlkit({"shutdown", "--bogus=1", "x"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line_error(r));
    EXPECT_NE(r.err.find("'--bogus'"), std::string::npos) << r.err;
    r = xlkit({"--frob", "list"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line_error(r));
    r = xlkit({"destroy"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line_error(r));
    r = xlkit({"wait", "-t", "soon", "0"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line_error(r));
    r = xlkit({});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(names(), std::vector<std::string>{"Domain-0"});
}

// xl takes its global options before the command only; xlkit also after it,
// among the command's own options and arguments.
TEST_F(Cli, GlobalOptionsWorkAfterTheCommandToo) {
    std::uint32_t d = create(guest_cfg("guest1"));
    ASSERT_GT(d, 0u);
    for (auto args : std::vector<std::vector<std::string>>{{"list", "--json"},
                                                            {"list", "guest1", "--json"},
                                                            {"list", "--json", "-v", "guest1"},
                                                            {"list", "-vv", "--verbose", "--json"}}) {
        Result r = xlkit(args);
        ASSERT_EQ(r.status, 0) << args[1] << ": " << r.err;
        auto j = parse_json(r.out);
        ASSERT_TRUE(j && j->is_array()) << r.out;
        EXPECT_EQ(jstr(j->as_array().back().as_object(), "name"), "guest1");
    }
    // --hypervisor after the command, in both forms: it wins over the
    // environment.
    unsetenv("XLKIT_HYPERVISOR");
    for (auto args : std::vector<std::vector<std::string>>{{"info", "--json", "--hypervisor=sim:" + host_.dir()},
                                                            {"info", "--hypervisor", "sim:" + host_.dir(), "--json"}}) {
        Result r = xlkit(args);
        ASSERT_EQ(r.status, 0) << r.err;
        auto j = parse_json(r.out);
        ASSERT_TRUE(j) << r.out;
        EXPECT_EQ(jstr(j->as_object(), "hypervisor_from"), "--hypervisor");
        EXPECT_EQ(jint(j->as_object(), "nr_domains"), 2);
    }
    setenv("XLKIT_HYPERVISOR", ("sim:" + host_.dir()).c_str(), 1);
    // Between a command's options, values and KEY=VALUE arguments.
    Result r = xlkit({"create", "-n", guest_cfg("g2"), "--json", "memory=100"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    EXPECT_EQ(jint(j->as_object(), "memory"), 100);
    r = xlkit({"pause", "guest1", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(parse_json(r.out)) << r.out;
    r = xlkit({"help", "list", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(parse_json(r.out)) << r.out;
    EXPECT_EQ(jstr(parse_json(r.out)->as_object(), "name"), "list");
    r = xlkit({"info", "--version"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("xlkit ", 0), 0u) << r.out;
    // An option valid nowhere is still a usage error that names it; so is a
    // global option without its value.
    struct Bad {
        std::vector<std::string> args;
        std::string want;
    };
    for (const Bad &b : std::vector<Bad>{{{"list", "--json", "--frob"}, "xlkit: list: unknown option '--frob'"},
                                         {{"list", "-x", "--json"}, "xlkit: list: unknown option '-x'"},
                                         {{"info", "--hypervisor"}, "xlkit: info: option '--hypervisor' needs a value"},
                                         {{"info", "--hypervisor="}, "xlkit: info: --hypervisor needs a value"},
                                         {{"wait", "guest1", "--timeout"}, "xlkit: wait: option '--timeout' needs a value"},
                                         {{"help", "--frob"}, "xlkit: help: unknown option '--frob'"}}) {
        r = xlkit(b.args);
        EXPECT_EQ(r.status, 2) << b.args[0];
        EXPECT_TRUE(one_line_error(r));
        EXPECT_EQ(r.err.rfind(b.want, 0), 0u) << "want '" << b.want << "', got " << r.err;
        EXPECT_EQ(r.out, "");
    }
    EXPECT_EQ(find("guest1")->state, "paused");
}

// ---- create, list, pause, unpause ----------------------------------------------------

TEST_F(Cli, CreatedDomainIsListedWithItsMemoryAndVcpus) {
    std::uint32_t d = create(guest_cfg("guest1"));
    ASSERT_GT(d, 0u);
    auto g = find("guest1");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->domid, d);
    EXPECT_EQ(g->current_memkb, 64u * 1024);
    EXPECT_EQ(g->max_memkb, 128u * 1024);
    EXPECT_EQ(g->vcpus, 2u);
    EXPECT_EQ(g->state, "running");
    EXPECT_GT(last_monitor_, 0);
    EXPECT_NE(read_file(last_log_).find("monitoring domain " + std::to_string(d) + " (guest1)"), std::string::npos);
}

// `xlkit list` has exactly `xl list`'s layout (xl_info.c, list_domains):
// printf("%-40s %5s %5s %5s %10s %9s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)")
// printf("%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f\n", ...)
TEST_F(Cli, ListHasXlListsLayout) {
    std::uint32_t d = create(guest_cfg("guest1"));
    ASSERT_GT(d, 0u);
    auto check = [&](const char *state) {
        Result r = xlkit({"list"});
        ASSERT_EQ(r.status, 0) << r.err;
        auto l = lines(r.out);
        ASSERT_EQ(l.size(), 3u) << r.out;
        char hdr[256];
        std::snprintf(hdr, sizeof hdr, "%-40s %5s %5s %5s %10s %9s", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
        EXPECT_EQ(l[0], hdr);
        // Name(40) ID(5) Mem(5) VCPUs(5) 5 spaces, 6 state letters, 2 spaces,
        // then Time(s) as %8.1f.
        ASSERT_GE(l[2].size(), 79u) << "'" << l[2] << "'";
        std::string t = l[2].substr(71);
        std::size_t dot = t.find('.');
        ASSERT_TRUE(dot != std::string::npos && dot + 2 == t.size() && t.find_first_not_of(" 0123456789.") == std::string::npos)
            << "time column '" << t << "'";
        // The same row printed with xl's format from the JSON values.
        char want[256];
        std::snprintf(want, sizeof want, "%-40s %5d %5lu %5d     %s  %8.1f", "guest1", int(d), 64ul, 2, state,
                      std::atof(t.c_str()));
        EXPECT_EQ(l[2], want);
        EXPECT_EQ(l[1].substr(0, 8), "Domain-0");
        EXPECT_EQ(l[1].substr(41, 5), "    0");
    };
    check("r-----");
    Result r = xlkit({"pause", "guest1"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    check("--p---");
    r = xlkit({"unpause", std::to_string(d)});
    ASSERT_EQ(r.status, 0) << r.err;
    check("r-----");
    // A second unpause is an error that names the domain.
    r = xlkit({"unpause", "guest1"});
    EXPECT_TRUE(one_line_error(r));
    EXPECT_NE(r.err.find("domain " + std::to_string(d) + " (guest1)"), std::string::npos) << r.err;
    // list DOM: that domain only.
    r = xlkit({"list", "guest1"});
    EXPECT_EQ(lines(r.out).size(), 2u) << r.out;
}

TEST_F(Cli, ListLongAndJsonParse) {
    std::uint32_t d = create(guest_cfg("guest1"));
    ASSERT_GT(d, 0u);
    for (auto args : {std::vector<std::string>{"list", "-l"}, std::vector<std::string>{"--json", "list"}}) {
        Result r = xlkit(args);
        ASSERT_EQ(r.status, 0) << r.err;
        auto j = parse_json(r.out);
        ASSERT_TRUE(j && j->is_array()) << r.out;
        ASSERT_EQ(j->as_array().size(), 2u);
        const auto &o = j->as_array()[1].as_object();
        EXPECT_EQ(jstr(o, "name"), "guest1");
        EXPECT_EQ(jint(o, "current_memkb"), 65536);
        EXPECT_EQ(jint(o, "vcpu_online"), 2);
    }
    EXPECT_EQ(lines(xlkit({"--json", "list"}).out).size(), 1u) << "--json: one line";
}

TEST_F(Cli, CreatePausedThenUnpause) {
    Result r = xlkit({"--json", "create", "-p", "-e", guest_cfg("p1")});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j);
    EXPECT_TRUE(j->as_object().at("paused").as_bool());
    EXPECT_TRUE(j->as_object().at("monitor").is_null()) << "-e: no monitor";
    EXPECT_TRUE(j->as_object().at("console_available").as_bool());
    EXPECT_EQ(find("p1")->state, "paused");
    EXPECT_EQ(xlkit({"unpause", "p1"}).status, 0);
    EXPECT_EQ(find("p1")->state, "running");
}

// Xen's config parser is a module (tools/xlkit/xlcfg_load.c): a command that
// reads no config never loads it, and one that does, without it, says which
// module it could not load and creates nothing.
TEST_F(Cli, OnlyCommandsThatReadAConfigNeedTheParserModule) {
    std::uint32_t d = create(guest_cfg("guest1"));
    ASSERT_GT(d, 0u);
    const std::string missing = host_.dir() + "/no-such/xlkit-xlcfg.so";
    setenv("XLKIT_XLCFG_MODULE", missing.c_str(), 1);
    Result list = xlkit({"list"});
    Result pause = xlkit({"pause", "guest1"});
    Result unpause = xlkit({"unpause", "guest1"});
    Result made = xlkit({"create", "-p", guest_cfg("guest2")});
    unsetenv("XLKIT_XLCFG_MODULE");
    EXPECT_EQ(list.status, 0) << list.err;
    EXPECT_NE(list.out.find("guest1"), std::string::npos);
    EXPECT_EQ(pause.status, 0) << pause.err;
    EXPECT_EQ(unpause.status, 0) << unpause.err;
    EXPECT_NE(made.status, 0);
    EXPECT_NE(made.err.find(missing), std::string::npos) << made.err;
    EXPECT_FALSE(find("guest2")) << "nothing is created without the parser";
    EXPECT_EQ(find("guest1")->state, "running");
}

// libxenguest (the domain builder and its compressors) is loaded by the
// library when a domain is built (xen/xg_lazy.h), not by every start.
TEST_F(Cli, TheCliStartsWithoutLibxenguest) {
    setenv("LD_TRACE_LOADED_OBJECTS", "1", 1);  // ld.so lists what it would load, as ldd
    Result r = xlkit({"--version"});
    unsetenv("LD_TRACE_LOADED_OBJECTS");
    EXPECT_NE(r.out.find("libxenctrl"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("libxenguest"), std::string::npos) << r.out;
}

// ---- save ------------------------------------------------------------------------
// The memory copy is a stand-in (tests/ops/data/fake-save-helper): what is
// checked is the file's framing, the handshake and what happens to the domain.

TEST_F(Cli, SaveWritesXlsFileAndDestroysTheDomain) {
    std::uint32_t d = create(guest_cfg("guest1"));
    ASSERT_GT(d, 0u);
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
    const std::string file = host_.dir() + "/guest1.save";
    Result r = xlkit({"save", "guest1", file});
    unsetenv("XLKIT_SAVE_HELPER");
    ASSERT_EQ(r.status, 0) << r.err;
    std::string data = read_file(file);
    EXPECT_EQ(data.compare(0, 28, "Xen saved domain, xl format\n"), 0);
    EXPECT_NE(data.find("{\"c_info\":{\"type\":\"pv\",\"name\":\"guest1\""), std::string::npos) << data;
    EXPECT_NE(data.find("LibxlFmt"), std::string::npos);
    EXPECT_NE(data.find("XCSTREAM"), std::string::npos);
    EXPECT_EQ(data.substr(data.size() - 8), std::string(8, '\0')) << "ends with the END record";
    EXPECT_TRUE(eventually([&] { return !find("guest1"); }));
}

TEST_F(Cli, SaveWithCLeavesTheDomainRunningAndAFailedSaveRemovesTheFile) {
    std::uint32_t d = create(guest_cfg("guest1"));
    ASSERT_GT(d, 0u);
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
    const std::string file = host_.dir() + "/guest1.save";
    Result r = xlkit({"save", "-c", "guest1", file});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(find("guest1")->state, "running");
    setenv("XLKIT_FAKE_SAVE", "fail", 1);
    r = xlkit({"save", "guest1", file});
    unsetenv("XLKIT_FAKE_SAVE");
    unsetenv("XLKIT_SAVE_HELPER");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("simulated failure"), std::string::npos) << r.err;
    EXPECT_NE(access(file.c_str(), F_OK), 0) << "the half-written file is removed";
    EXPECT_EQ(find("guest1")->state, "running");
    EXPECT_EQ(xlkit({"save", "no-such-guest", file}).status, 1);
}

TEST_F(Cli, SaveTimeoutsNameThePhaseThatStalledAndTheGuestRunsOn) {
    std::uint32_t d = create(guest_cfg("guest1"));
    ASSERT_GT(d, 0u);
    setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
    const std::string file = host_.dir() + "/guest1.save";
    {
        GuestAgent agent(host_.sim(), d, false);  // never acknowledges
        ASSERT_TRUE(agent.ready());
        Result r = xlkit({"save", "-t", "0.5", "guest1", file});
        EXPECT_EQ(r.status, 1);
        EXPECT_TRUE(last_line_error(r));
        EXPECT_NE(r.err.find("did not suspend within 0.5 s (-t)"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("did not acknowledge the suspend request"), std::string::npos) << r.err;
        EXPECT_LT(r.secs, 10);
        EXPECT_NE(access(file.c_str(), F_OK), 0) << "the half-written file is removed";
        EXPECT_EQ(find("guest1")->state, "running");
    }
    // A FIFO whose reader never reads (held open here): the data phase
    // times out, and the FIFO is not removed.
    const std::string fifo = host_.dir() + "/guest1.fifo";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    int hold = open(fifo.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(hold, 0);
    setenv("XLKIT_FAKE_SAVE", "stall", 1);
    Result r = xlkit({"save", "--data-timeout", "0.5", "guest1", fifo});
    unsetenv("XLKIT_FAKE_SAVE");
    close(hold);
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(last_line_error(r));
    EXPECT_NE(r.err.find("the data phase stalled for 0.5 s (--data-timeout)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("no data moved"), std::string::npos) << r.err;
    struct stat sb;
    EXPECT_TRUE(stat(fifo.c_str(), &sb) == 0 && S_ISFIFO(sb.st_mode)) << "the FIFO is left in place";
    EXPECT_EQ(find("guest1")->state, "running");
    EXPECT_EQ(xlkit({"save", "-t", "soon", "guest1", file}).status, 2);
    EXPECT_EQ(xlkit({"save", "--data-timeout", "0", "guest1", file}).status, 2);
    unsetenv("XLKIT_SAVE_HELPER");
}

TEST_F(Cli, RestoreReadsTheSaveFileBackAndABadFileLeavesNoDomain) {
    const std::string cfg = guest_cfg("guest1");
    std::uint32_t d = create(cfg);
    ASSERT_GT(d, 0u);
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
    const std::string file = host_.dir() + "/guest1.save";
    Result r = xlkit({"save", "guest1", file});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(eventually([&] { return !find("guest1"); }));
    r = xlkit({"restore", "-e", "-p", cfg, file});
    EXPECT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(find("guest1"));
    EXPECT_EQ(find("guest1")->state, "paused");
    EXPECT_EQ(xlkit({"destroy", "guest1"}).status, 0);
    ASSERT_TRUE(eventually([&] { return !find("guest1"); }));
    // Without CONFIG: the configuration saved in the file.
    r = xlkit({"restore", "-e", file});
    EXPECT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(find("guest1"));
    EXPECT_EQ(find("guest1")->state, "running");
    EXPECT_EQ(xlkit({"destroy", "guest1"}).status, 0);
    ASSERT_TRUE(eventually([&] { return !find("guest1"); }));
    // Half the file: cut inside the stream.
    std::string data = read_file(file);
    const std::string half = host_.dir() + "/half.save";
    {
        FILE *f = std::fopen(half.c_str(), "w");
        ASSERT_TRUE(f);
        std::fwrite(data.data(), 1, data.size() - 12, f);
        std::fclose(f);
    }
    r = xlkit({"restore", "-e", cfg, half});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
    const std::string empty = host_.dir() + "/empty.save";
    std::fclose(std::fopen(empty.c_str(), "w"));
    r = xlkit({"restore", "-e", cfg, empty});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;
    unsetenv("XLKIT_SAVE_HELPER");
    EXPECT_FALSE(find("guest1")) << "no domain left";
}

// ---- shutdown, reboot, destroy, wait ---------------------------------------------

TEST_F(Cli, ShutdownOfObeyingGuestWaitsForItsDeath) {
    std::uint32_t d = create(guest_cfg("guest1", "on_poweroff = \"destroy\"\n"));
    ASSERT_GT(d, 0u);
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    Result r = xlkit({"shutdown", "-w", "guest1"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(agent.requests(), 1);
    EXPECT_NE(r.err.find("the guest acknowledged"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the domain is dead"), std::string::npos) << r.err;
    // The monitor carried out on_poweroff = destroy, then exited.
    EXPECT_TRUE(eventually([&] { return !find("guest1"); }));
    EXPECT_EQ(monitor_exit(last_monitor_, 5000), 0);
    std::string log = read_file(last_log_);
    EXPECT_NE(log.find("has shut down (reason poweroff); on_poweroff = destroy"), std::string::npos) << log;
    EXPECT_NE(log.find("destroyed"), std::string::npos) << log;
}

TEST_F(Cli, ShutdownOfIgnoringGuestTimesOutAndForceDestroys) {
    std::uint32_t d = create(guest_cfg("stubborn"));
    ASSERT_GT(d, 0u);
    GuestAgent agent(host_.sim(), d, false);
    ASSERT_TRUE(agent.ready());
    Result r = xlkit({"shutdown", "-t", "1", "stubborn"});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(last_line_error(r));  // after the stage line
    EXPECT_NE(r.err.find("did not acknowledge"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("guest did not respond in time"), std::string::npos) << r.err;
    EXPECT_GE(r.secs, 0.9);
    EXPECT_LT(r.secs, 10);
    EXPECT_GE(agent.requests(), 1);
    ASSERT_TRUE(find("stubborn")) << "a timed-out shutdown leaves the domain";
    // -F: destroyed instead.
    r = xlkit({"--json", "shutdown", "-F", "-t", "0.5", "stubborn"});
    EXPECT_EQ(r.status, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    EXPECT_TRUE(j->as_object().at("forced").as_bool());
    EXPECT_EQ(j->as_object().at("progress").as_array().size(), 5u);
    EXPECT_NE(r.err.find("destroying the domain (-F)"), std::string::npos) << r.err;
    EXPECT_FALSE(find("stubborn"));
    EXPECT_EQ(monitor_exit(last_monitor_, 5000), 0);
}

TEST_F(Cli, DestroyShowsEachStage) {
    std::uint32_t d = create(guest_cfg("guest1"));
    ASSERT_GT(d, 0u);
    Result r = xlkit({"destroy", "guest1"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::string label = "destroy domain " + std::to_string(d) + " (guest1): ";
    const char *stages[] = {"pause (1/5)", "devices (2/5)", "destroy (3/5)", "release (4/5)", "cleanup (5/5)"};
    auto l = lines(r.err);
    ASSERT_EQ(l.size(), 5u) << r.err;
    for (int i = 0; i < 5; ++i) EXPECT_EQ(l[std::size_t(i)], label + stages[i]);
    EXPECT_FALSE(find("guest1"));
    EXPECT_EQ(monitor_exit(last_monitor_, 5000), 0);
    EXPECT_NE(read_file(last_log_).find("has been destroyed; the monitor exits"), std::string::npos);

    d = create(guest_cfg("guest2"));
    r = xlkit({"--json", "destroy", std::to_string(d)});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    const auto &prog = j->as_object().at("progress").as_array();
    ASSERT_EQ(prog.size(), 5u);
    EXPECT_EQ(jstr(prog[4].as_object(), "type"), "operation_progress");
    EXPECT_EQ(names(), std::vector<std::string>{"Domain-0"});
}

TEST_F(Cli, WaitTimesOutThenSeesDeath) {
    std::uint32_t d = create(guest_cfg("guest1"));
    ASSERT_GT(d, 0u);
    Result r = xlkit({"wait", "guest1", "-t", "0.5"});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(last_line_error(r));
    EXPECT_NE(r.err.find("still alive after 0.5 s: timed out"), std::string::npos) << r.err;
    Proc w(xlkit_argv({"--json", "wait", std::to_string(d)}));
    // Once it has found the domain (its stage line is out), a death in any
    // moment after is one it reports: destroy only then.
    ASSERT_TRUE(eventually([&] { return w.err_so_far().find("waiting for the domain to die") != std::string::npos; }));
    EXPECT_EQ(xlkit({"destroy", "guest1"}).status, 0);
    r = w.wait(10);
    EXPECT_EQ(r.status, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    EXPECT_EQ(jstr(j->as_object(), "status"), "dead");
}

TEST_F(Cli, CtrlCDuringWaitExits130Promptly) {
    std::uint32_t d = create(guest_cfg("guest1"));
    ASSERT_GT(d, 0u);
    Proc w(xlkit_argv({"wait", "guest1"}));
    // Once it waits (its stage line is out), interrupt it.
    ASSERT_TRUE(eventually([&] { return w.err_so_far().find("waiting for the domain to die") != std::string::npos; }));
    usleep(300000);
    auto t0 = Clock::now();
    w.signal(SIGINT);
    Result r = w.wait(10);
    double after = std::chrono::duration<double>(Clock::now() - t0).count();
    EXPECT_EQ(r.status, 130) << r.err;
    EXPECT_LT(after, 2.0);
    EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(": aborted"), std::string::npos) << r.err;
    EXPECT_TRUE(last_line_error(r));
    EXPECT_TRUE(find("guest1")) << "the domain is left alone";
    // SIGTERM: 143.
    Proc w2(xlkit_argv({"wait", "guest1"}));
    usleep(500000);
    w2.signal(SIGTERM);
    EXPECT_EQ(w2.wait(10).status, 143);
}

TEST_F(Cli, CtrlCDuringCreateLeavesNothingBehind) {
    // The sim host builds in microseconds: make the build take 2 s.
    setenv("XLKIT_FILTERS", "fault=create:delay:2000", 1);
    Proc c(xlkit_argv({"create", guest_cfg("slow")}));
    unsetenv("XLKIT_FILTERS");
    ASSERT_TRUE(eventually([&] { return c.err_so_far().find("building the domain") != std::string::npos; }));
    usleep(200000);
    c.signal(SIGINT);
    Result r = c.wait(15);
    EXPECT_EQ(r.status, 130) << r.err;
    EXPECT_TRUE(last_line_error(r));
    EXPECT_NE(r.err.find("xlkit: create: cannot create domain 'slow' (interrupted): aborted"), std::string::npos)
        << r.err;
    EXPECT_EQ(names(), std::vector<std::string>{"Domain-0"});
}

// ---- migrate ---------------------------------------------------------------------
// Both ends on the sim host (-s '': HOST is the whole command that reaches
// the receiver), with the stand-in copy. Live migration needs a PVH guest
// here: the sim host, like the box's Xen, has no shadow paging for PV.

class CliMigrate : public Cli {
protected:
    std::string pvh_cfg(const std::string &name) {
        const std::string kernel = host_.dir() + "/pvh-kernel";
        EXPECT_TRUE(write_pvh_kernel(kernel));
        return cfg(name, "name = \"" + name + "\"\ntype = \"pvh\"\nkernel = \"" + kernel +
                             "\"\nmemory = 128\nmaxmem = 128\nvcpus = 1\ntsc_mode = \"native\"\n"
                             "cpuid = \"host,rdtscp=0\"\n");
    }
    const std::string receiver_ = std::string(XLKIT_BIN) + " migrate-receive -e";

    // A stand-in for ssh: records its arguments in DIR/ssh-args and runs the
    // receiver here. Returns its path.
    static std::string fake_ssh(const std::string &dir) {
        const std::string ssh = dir + "/fake-ssh", args = dir + "/ssh-args";
        std::FILE *f = std::fopen(ssh.c_str(), "w");
        if (!f) return "";
        std::fprintf(f, "#!/bin/sh\necho \"$*\" > '%s'\nshift 2\nexec '%s' \"$@\"\n", args.c_str(), XLKIT_BIN);
        std::fclose(f);
        return chmod(ssh.c_str(), 0755) == 0 ? ssh : "";
    }

    // A running PVH guest1 migrated to "otherhost" through the stand-in:
    // xlkit ARGS... -s SSH guest1 otherhost.
    void migrate_by_fake_ssh(std::vector<std::string> args, Result *r) {
        std::uint32_t d = create(pvh_cfg("guest1"), {"-e"});
        ASSERT_GT(d, 0u);
        GuestAgent agent(host_.sim(), d, true);
        ASSERT_TRUE(agent.ready());
        const std::string ssh = fake_ssh(host_.dir());
        ASSERT_FALSE(ssh.empty());
        for (const char *a : {"-s", ssh.c_str(), "guest1", "otherhost"}) args.emplace_back(a);
        setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
        *r = xlkit(args);
        unsetenv("XLKIT_SAVE_HELPER");
    }
};

TEST_F(CliMigrate, ALocalMigrationLeavesOneRunningDomainWithTheName) {
    std::uint32_t d = create(pvh_cfg("guest1"), {"-e"});
    ASSERT_GT(d, 0u);
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
    Result r = xlkit({"migrate", "-s", "", "guest1", receiver_});
    unsetenv("XLKIT_SAVE_HELPER");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("Migration successful."), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("migration target: Ready to receive domain."), std::string::npos) << r.err;
    auto g = find("guest1");
    ASSERT_TRUE(g);
    EXPECT_NE(g->domid, d);
    EXPECT_EQ(g->state, "running");
    EXPECT_TRUE(eventually([&] { return names() == std::vector<std::string>{"Domain-0", "guest1"}; }))
        << "the source is gone, no temporary name is left";
}

TEST_F(CliMigrate, APvGuestIsRefusedBeforeTheReceiverIsStartedAndRunsOn) {
    std::uint32_t d = create(guest_cfg("guest1"), {"-e"});
    ASSERT_GT(d, 0u);
    const std::string marker = host_.dir() + "/receiver-started";
    Result r = xlkit({"migrate", "-s", "", "guest1", "touch " + marker + "; " + receiver_});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(last_line_error(r));
    EXPECT_NE(r.err.find("shadow paging"), std::string::npos) << r.err;
    EXPECT_NE(access(marker.c_str(), F_OK), 0) << "nothing was started, nothing sent";
    EXPECT_EQ(find("guest1")->state, "running");
}

TEST_F(CliMigrate, APvGuestMovesWithNonLive) {
    std::uint32_t d = create(guest_cfg("guest1"), {"-e"});
    ASSERT_GT(d, 0u);
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
    Result r = xlkit({"migrate", "--non-live", "-s", "", "guest1", receiver_});
    unsetenv("XLKIT_SAVE_HELPER");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("Migration successful."), std::string::npos) << r.err;
    auto g = find("guest1");
    ASSERT_TRUE(g);
    EXPECT_NE(g->domid, d);
    EXPECT_EQ(g->state, "running");
    EXPECT_TRUE(eventually([&] { return names() == std::vector<std::string>{"Domain-0", "guest1"}; }))
        << "the source is gone, no temporary name is left";
}

TEST_F(CliMigrate, ThePrecopyPolicyOptionsReachTheCopy) {
    std::uint32_t d = create(pvh_cfg("guest1"), {"-e"});
    ASSERT_GT(d, 0u);
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    const std::string args = host_.dir() + "/helper-args";
    setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
    setenv("XLKIT_FAKE_SAVE_ARGS", args.c_str(), 1);
    Result r = xlkit({"migrate", "--max-iterations", "12", "--dirty-threshold", "200", "--max-precopy-time", "30",
                      "--max-downtime", "0.25", "-s", "", "guest1", receiver_});
    unsetenv("XLKIT_FAKE_SAVE_ARGS");
    unsetenv("XLKIT_SAVE_HELPER");
    ASSERT_EQ(r.status, 0) << r.err;
    std::ifstream in(args);
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_NE(line.find(" 12 200 30000 250"), std::string::npos) << line;
}

TEST_F(CliMigrate, ABadPrecopyPolicyOptionIsAUsageErrorAndNothingStarts) {
    std::uint32_t d = create(pvh_cfg("guest1"), {"-e"});
    ASSERT_GT(d, 0u);
    const std::string marker = host_.dir() + "/receiver-started";
    for (std::vector<std::string> bad : {std::vector<std::string>{"--max-iterations", "0"},
                                         {"--max-iterations", "5x"},
                                         {"--dirty-threshold", "-3"},
                                         {"--max-downtime", "soon"},
                                         {"--max-precopy-time", "0"}}) {
        std::vector<std::string> argv{"migrate"};
        argv.insert(argv.end(), bad.begin(), bad.end());
        argv.insert(argv.end(), {"-s", "", "guest1", "touch " + marker + "; " + receiver_});
        Result r = xlkit(argv);
        EXPECT_EQ(r.status, 2) << bad[0] << " " << bad[1];
        EXPECT_NE(r.err.find(bad[0] + ": '" + bad[1] + "'"), std::string::npos) << r.err;
    }
    Result r = xlkit({"migrate", "--non-live", "--max-downtime", "1", "-s", "", "guest1",
                      "touch " + marker + "; " + receiver_});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("max_downtime_ms"), std::string::npos) << r.err;
    EXPECT_NE(access(marker.c_str(), F_OK), 0) << "nothing was started, nothing sent";
    EXPECT_EQ(find("guest1")->state, "running");
}

TEST_F(CliMigrate, NoReceiverAtTheOtherEndIsAnErrorAndTheGuestRunsOn) {
    std::uint32_t d = create(pvh_cfg("guest1"), {"-e"});
    ASSERT_GT(d, 0u);
    Result r = xlkit({"migrate", "-s", "", "guest1", "echo hello"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("unexpected data instead of the banner"), std::string::npos) << r.err;
    r = xlkit({"migrate", "-s", "", "guest1", "exit 0"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("closed the connection before its banner"), std::string::npos) << r.err;
    EXPECT_EQ(find("guest1")->state, "running");
    EXPECT_EQ(names(), (std::vector<std::string>{"Domain-0", "guest1"}));
}

TEST_F(CliMigrate, CtrlCDuringThePrecopyLeavesTheGuestRunningAndNothingAtTheReceiver) {
    std::uint32_t d = create(pvh_cfg("guest1"), {"-e"});
    ASSERT_GT(d, 0u);
    setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
    setenv("XLKIT_FAKE_SAVE", "stall", 1);  // the first pass never ends
    Proc m(xlkit_argv({"migrate", "-s", "", "guest1", receiver_}));
    unsetenv("XLKIT_FAKE_SAVE");
    unsetenv("XLKIT_SAVE_HELPER");
    // The receiver's domain exists (nameless until its stream is read).
    ASSERT_TRUE(eventually([&] { return names().size() == 3; }, 15000)) << m.err_so_far();
    m.signal(SIGINT);
    Result r = m.wait(20);
    EXPECT_EQ(r.status, 130) << r.err;
    EXPECT_NE(r.err.find("runs on here"), std::string::npos) << r.err;
    EXPECT_EQ(find("guest1")->state, "running");
    EXPECT_TRUE(eventually([&] { return names() == std::vector<std::string>{"Domain-0", "guest1"}; }))
        << "the receiver's half-made domain is gone";
}

// migrate-receive -p (xl's): the hand-over completes and the guest stays
// paused at the destination until someone unpauses it.
TEST_F(CliMigrate, AReceiverGivenDashPLeavesTheGuestPaused) {
    std::uint32_t d = create(pvh_cfg("guest1"), {"-e"});
    ASSERT_GT(d, 0u);
    GuestAgent agent(host_.sim(), d, true);
    ASSERT_TRUE(agent.ready());
    setenv("XLKIT_SAVE_HELPER", XLKIT_FAKE_SAVE_HELPER, 1);
    Result r = xlkit({"migrate", "-s", "", "guest1", receiver_ + " -p"});
    unsetenv("XLKIT_SAVE_HELPER");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("Migration successful."), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("(paused)"), std::string::npos) << r.err;
    auto g = find("guest1");
    ASSERT_TRUE(g);
    EXPECT_NE(g->domid, d);
    EXPECT_EQ(g->state, "paused");
    EXPECT_TRUE(eventually([&] { return names() == std::vector<std::string>{"Domain-0", "guest1"}; }))
        << "the source is gone, no temporary name is left";
    EXPECT_EQ(xlkit({"unpause", "guest1"}).status, 0);
    EXPECT_EQ(find("guest1")->state, "running");
}

// The sender's -p, -e and -F reach the receiver through the ssh rune (xl's:
// -F and -e both become the receiver's -e).
TEST_F(CliMigrate, TheSendersDashPAndDashFReachTheReceiverInTheSshRune) {
    Result r;
    ASSERT_NO_FATAL_FAILURE(migrate_by_fake_ssh({"migrate", "-F", "-p"}, &r));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_file(host_.dir() + "/ssh-args"), "otherhost xlkit migrate-receive -e -p\n");
    EXPECT_EQ(find("guest1")->state, "paused");
}

// As with xl, the sender's -v and -T reach the receiver; with -T every log
// line of both sides starts with the time, to the millisecond (xl: to the
// second), and the pid, so one stderr shows the two sides' steps in order.
TEST_F(CliMigrate, WithDashTBothSidesLogLinesCarryTheTimeToTheMillisecondAndThePid) {
    Result r;
    ASSERT_NO_FATAL_FAILURE(migrate_by_fake_ssh({"-T", "-v", "migrate", "-F"}, &r));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_file(host_.dir() + "/ssh-args"), "otherhost xlkit -T -v migrate-receive -e\n");
    const std::regex stamped(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+ \[(\d+)\] )");
    std::set<std::string> pids;
    std::istringstream lines(r.err);
    std::size_t n = 0;
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_search(line, m, stamped)) pids.insert(m[1]);
        if (line.find("migration") != std::string::npos) ++n;
    }
    EXPECT_GT(n, 0u) << r.err;
    EXPECT_EQ(pids.size(), 2u) << "the sender's and the receiver's lines, each stamped:\n" << r.err;
}

// xl's -D keeps the domain id at the destination; xlkit's receiver cannot
// make a domain with a given id, so -D is refused before anything starts.
TEST_F(CliMigrate, DashDIsRefusedBeforeAnythingStartsAndTheGuestRunsOn) {
    std::uint32_t d = create(pvh_cfg("guest1"), {"-e"});
    ASSERT_GT(d, 0u);
    const std::string marker = host_.dir() + "/receiver-started";
    Result r = xlkit({"migrate", "-D", "-s", "", "guest1", "touch " + marker + "; " + receiver_});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("-D (keep the domain id at the destination) is not supported"), std::string::npos) << r.err;
    EXPECT_NE(access(marker.c_str(), F_OK), 0) << "nothing was started";
    EXPECT_EQ(find("guest1")->domid, d);
    EXPECT_EQ(find("guest1")->state, "running");
}

// ---- the monitor: on_reboot / on_crash ------------------------------------------

TEST_F(Cli, RebootRestartsTheDomainAsANewOne) {
    std::uint32_t d = create(guest_cfg("guest1", "on_reboot = \"restart\"\n"));
    ASSERT_GT(d, 0u);
    pid_t mon = last_monitor_;
    {
        GuestAgent agent(host_.sim(), d, true);
        ASSERT_TRUE(agent.ready());
        Result r = xlkit({"reboot", "-w", "guest1"});
        ASSERT_EQ(r.status, 0) << r.err;
    }
    std::uint32_t d2 = 0;
    ASSERT_TRUE(eventually([&] {
        auto g = find("guest1");
        if (g && g->domid != d) d2 = g->domid;
        return d2 != 0;
    })) << read_file(last_log_);
    auto g = find("guest1");
    EXPECT_EQ(g->current_memkb, 64u * 1024);
    EXPECT_EQ(g->vcpus, 2u);
    EXPECT_EQ(monitor_exit(mon, 0), -1) << "the monitor goes on with the new domain";
    std::string log = read_file(last_log_);
    EXPECT_NE(log.find("on_reboot = restart"), std::string::npos) << log;
    EXPECT_NE(log.find("restarted as domain " + std::to_string(d2)), std::string::npos) << log;
    // ... and exits when the new one is destroyed.
    EXPECT_EQ(xlkit({"destroy", "guest1"}).status, 0);
    EXPECT_EQ(monitor_exit(mon, 5000), 0);
}

TEST_F(Cli, CrashWithPreserveLeavesTheDomain) {
    std::uint32_t d = create(guest_cfg("guest1", "on_crash = \"preserve\"\n"));
    ASSERT_GT(d, 0u);
    ASSERT_EQ(sim_domain_crash(host_.sim(), d), 0);
    EXPECT_EQ(monitor_exit(last_monitor_, 5000), 0);
    EXPECT_NE(read_file(last_log_).find("preserving domain"), std::string::npos) << read_file(last_log_);
    auto g = find("guest1");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->state, "crashed");
    Result r = xlkit({"list", "guest1"});
    EXPECT_NE(r.out.find("     ---sc-  "), std::string::npos) << r.out;
}

TEST_F(Cli, UnsupportedActionDestroys) {
    std::uint32_t d = create(guest_cfg("guest1", "on_crash = \"rename-restart\"\n"));
    ASSERT_GT(d, 0u);
    ASSERT_EQ(sim_domain_crash(host_.sim(), d), 0);
    EXPECT_EQ(monitor_exit(last_monitor_, 5000), 0);
    EXPECT_NE(read_file(last_log_).find("on_crash = rename-restart is not supported by xlkit, destroying"),
              std::string::npos)
        << read_file(last_log_);
    EXPECT_TRUE(eventually([&] { return !find("guest1"); }));
}

TEST_F(Cli, ForegroundMonitorActsAndExits) {
    std::string c = guest_cfg("fg", "on_poweroff = \"destroy\"\n");
    Proc fg(xlkit_argv({"create", "-F", c}));
    std::optional<Dom> g;
    ASSERT_TRUE(eventually([&] { return (g = find("fg")).has_value(); }));
    GuestAgent agent(host_.sim(), g->domid, true);
    ASSERT_TRUE(agent.ready());
    EXPECT_EQ(xlkit({"shutdown", "fg"}).status, 0);
    Result r = fg.wait(10);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Created domain " + std::to_string(g->domid) + " (fg)"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("on_poweroff = destroy"), std::string::npos) << r.err;
    EXPECT_FALSE(find("fg"));
}

// ---- events -------------------------------------------------------------------------

TEST_F(Cli, EventsPrintsOneJsonObjectPerLine) {
    std::uint32_t a = create(guest_cfg("a", "on_poweroff = \"preserve\"\n"));
    ASSERT_GT(a, 0u);
    GuestAgent agent(host_.sim(), a, true);
    ASSERT_TRUE(agent.ready());
    Proc ev(xlkit_argv({"-v", "events", "--count", "3"}));
    // -v: it says when it watches a domain; act only once it does.
    auto watching = [&](std::uint32_t d) {
        return ev.err_so_far().find("events: watching domain " + std::to_string(d) + "\n") != std::string::npos;
    };
    ASSERT_TRUE(eventually([&] { return watching(a); }));
    EXPECT_EQ(xlkit({"shutdown", "a"}).status, 0);
    // A domain created after `events` started is watched too (re-listed).
    std::uint32_t b = create(guest_cfg("b"));
    ASSERT_GT(b, 0u);
    ASSERT_TRUE(eventually([&] { return watching(b); }));
    EXPECT_EQ(xlkit({"destroy", "b"}).status, 0);
    EXPECT_EQ(xlkit({"destroy", "a"}).status, 0);
    Result r = ev.wait(10);
    EXPECT_EQ(r.status, 0) << r.err;
    auto l = lines(r.out);
    ASSERT_EQ(l.size(), 3u) << r.out;
    std::vector<std::pair<std::uint32_t, std::string>> got;
    for (const auto &line : l) {
        auto j = parse_json(line);
        ASSERT_TRUE(j && j->is_object()) << line;
        got.emplace_back(std::uint32_t(jint(j->as_object(), "domid")), jstr(j->as_object(), "type"));
        if (got.back().second == "domain_shutdown") {
            EXPECT_EQ(jstr(j->as_object().at("type.domain_shutdown").as_object(), "shutdown_reason"), "poweroff");
        }
    }
    std::vector<std::pair<std::uint32_t, std::string>> want = {
        {a, "domain_shutdown"}, {b, "domain_death"}, {a, "domain_death"}};
    EXPECT_EQ(got, want) << r.out;
}

TEST_F(Cli, CtrlCEndsEvents) {
    Proc ev(xlkit_argv({"-v", "events"}));
    ASSERT_TRUE(eventually([&] { return ev.err_so_far().find("events: watching domain 0\n") != std::string::npos; }));
    ev.signal(SIGINT);
    Result r = ev.wait(5);
    EXPECT_EQ(r.status, 130);
    EXPECT_EQ(r.out, "");
}

// ---- info, JSON -----------------------------------------------------------------------

TEST_F(Cli, InfoNamesTheBackendAndTheHostsMemory) {
    ASSERT_EQ(sim_set_limits(host_.sim(), 0, 8ull * 1024 * 1024), 0);  // an 8 GiB host
    Result r = xlkit({"info"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("hypervisor             : sim:" + host_.dir()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("total_memory           : 8192\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("free_memory            : "), std::string::npos) << r.out;
    r = xlkit({"--json", "--hypervisor=sim:" + host_.dir(), "info"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    EXPECT_EQ(jstr(j->as_object(), "hypervisor_from"), "--hypervisor");
    EXPECT_EQ(jint(j->as_object(), "nr_domains"), 1);
    EXPECT_EQ(jint(j->as_object(), "total_memory_mib"), 8192);
    EXPECT_LE(jint(j->as_object(), "free_memory_mib"), 8192);
}

TEST_F(Cli, EveryCommandsJsonParses) {
    std::uint32_t d = create(guest_cfg("j1"));
    ASSERT_GT(d, 0u);
    GuestAgent agent(host_.sim(), d, true);
    for (auto args : std::vector<std::vector<std::string>>{{"--json", "list"},
                                                            {"--json", "info"},
                                                            {"--json", "create", "-n", guest_cfg("j2")},
                                                            {"--json", "pause", "j1"},
                                                            {"--json", "unpause", "j1"},
                                                            {"--json", "wait", "-t", "0.1", "j1"},
                                                            {"--json", "destroy", "nosuch"},
                                                            {"--json", "shutdown", "-w", "j1"}}) {
        Result r = xlkit(args);
        auto l = lines(r.out);
        ASSERT_EQ(l.size(), 1u) << args[1] << ": " << r.out << r.err;
        EXPECT_TRUE(parse_json(l[0])) << l[0];
    }
}

// ---- devices: block-*, network-* ---------------------------------------------------------
//
// On the sim host: its simulated backends and guest frontends, and its
// stand-ins for Xen's hotplug scripts (docs/hosts.md).

TEST_F(Cli, BlockAttachListDetachAsXlDoes) {
    use_hotplug_scripts();
    std::uint32_t d = create(guest_cfg("g"));
    ASSERT_GT(d, 0u);
    const std::string img = disk_image("data.img");
    const std::string title = "block-attach domain " + std::to_string(d) + " (g): ";
    Result r = xlkit({"block-attach", "g", img + ",raw,xvdb,rw"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "") << "xl prints nothing";
    // A running guest: the disk is attached once its frontend connected.
    EXPECT_EQ(lines_with(r.err, title),
              (std::vector<std::string>{"disk xvdb: backend (1/3)", "disk xvdb: hotplug (2/3)", "disk xvdb: connected (3/3)"}))
        << r.err;
    // As xl: several arguments are the pieces of one specification; -v
    // shows what the hotplug script prints, once, with the device.
    r = xlkit({"-v", "block-attach", "g", "vdev=xvdc", "access=ro", "script=" + talky_script("block"), "target=" + img});
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string be_c = "backend/vbd/" + std::to_string(d) + "/51744";
    EXPECT_NE(r.err.find(title + "disk xvdc: hotplug script: talky: add " + be_c + "\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(title + "disk xvdc: hotplug script (stderr): to stderr\n"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(": hotplug: "), std::string::npos) << "once, not also as a log line:\n" << r.err;

    // Exactly xl block-list's layout (xl_block.c, main_blocklist).
    r = xlkit({"block-list", "g"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto l = lines(r.out);
    ASSERT_EQ(l.size(), 3u) << r.out;
    char want[256];
    std::snprintf(want, sizeof want, "%-5s %-3s %-6s %-5s %-6s %-8s %-30s", "Vdev", "BE", "handle", "state", "evt-ch",
                  "ring-ref", "BE-path");
    EXPECT_EQ(l[0], want);
    int row = 1;
    for (int devid : {51728, 51744}) {
        std::string fe = "/local/domain/" + std::to_string(d) + "/device/vbd/" + std::to_string(devid);
        std::string bepath = "/local/domain/0/backend/vbd/" + std::to_string(d) + "/" + std::to_string(devid);
        std::snprintf(want, sizeof want, "%-5d %-3d %-6d %-5d %-6d %-8d %-30s", devid, 0, int(d), 4,
                      std::atoi(xs_read(fe + "/event-channel").c_str()), std::atoi(xs_read(fe + "/ring-ref").c_str()),
                      bepath.c_str());
        EXPECT_EQ(l[std::size_t(row++)], want);
    }
    r = xlkit({"block-list", "g", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j && j->is_array()) << r.out;
    ASSERT_EQ(j->as_array().size(), 2u);
    const auto &first = j->as_array()[0].as_object();
    EXPECT_EQ(jstr(first.at("disk").as_object(), "vdev"), "xvdb");
    EXPECT_EQ(jstr(first.at("disk").as_object(), "pdev_path"), img);
    EXPECT_EQ(jint(first.at("info").as_object(), "devid"), 51728);

    // Detach by name, and by devid (as libxl_vdev_to_device_disk: 51744 is xvdc).
    const std::string dtitle = "block-detach domain " + std::to_string(d) + " (g): ";
    r = xlkit({"block-detach", "g", "xvdb"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(lines_with(r.err, dtitle),
              (std::vector<std::string>{"disk xvdb: closing (1/3)", "disk xvdb: hotplug (2/3)", "disk xvdb: removed (3/3)"}))
        << r.err;
    r = xlkit({"--json", "block-detach", "-f", "g", "51744"});
    ASSERT_EQ(r.status, 0) << r.err;
    j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    EXPECT_TRUE(j->as_object().at("forced").as_bool());
    EXPECT_EQ(jstr(j->as_object().at("disk").as_object(), "vdev"), "xvdc");
    EXPECT_EQ(j->as_object().at("progress").as_array().size(), 3u + 2u) << "3 stages, the script's 2 lines" << r.out;
    EXPECT_EQ(lines(xlkit({"block-list", "g"}).out).size(), 1u) << "only the header";
    r = xlkit({"block-detach", "g", "xvdb"});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(one_line_error(r));
    EXPECT_NE(r.err.find("xlkit: block-detach: domain " + std::to_string(d) + " (g) has no disk 'xvdb' (it has none)"),
              std::string::npos)
        << r.err;
}

TEST_F(Cli, NetworkAttachListDetachAsXlDoes) {
    use_hotplug_scripts();
    std::uint32_t d = create(guest_cfg("g"));
    ASSERT_GT(d, 0u);
    const std::string title = "network-attach domain " + std::to_string(d) + " (g): ";
    // As xl: one KEY=VALUE an argument; devid and mac are completed.
    Result r = xlkit({"network-attach", "g", "mac=00:16:3e:0a:0b:0c", "bridge=xenbr0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(lines_with(r.err, title),
              (std::vector<std::string>{"nic 0: backend (1/3)", "nic 0: hotplug (2/3)", "nic 0: connected (3/3)",
                                        "devid 0, mac 00:16:3e:0a:0b:0c"}))
        << r.err;
    // Or several, comma-separated, as in a vif entry; a generated mac.
    r = xlkit({"--json", "network-attach", "g", "rate=1MB/s@20ms, ip=10.0.0.9", "-v",
               "script=" + talky_script("vif-bridge")});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    const auto &nic = j->as_object().at("nic").as_object();
    EXPECT_EQ(jint(nic, "devid"), 1);
    EXPECT_EQ(jstr(nic, "mac").rfind("00:16:3e:", 0), 0u) << jstr(nic, "mac");
    EXPECT_EQ(jint(nic, "rate_bytes_per_interval"), 20000);
    EXPECT_NE(r.err.find("nic 1: hotplug script: talky: online backend/vif/" + std::to_string(d) + "/1"),
              std::string::npos)
        << r.err;
    const std::string mac1 = jstr(nic, "mac");

    // Exactly xl network-list's layout (xl_nic.c, main_networklist).
    r = xlkit({"network-list", "g"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto l = lines(r.out);
    ASSERT_EQ(l.size(), 3u) << r.out;
    char want[256];
    std::snprintf(want, sizeof want, "%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s", "Idx", "BE", "Mac Addr.", "handle",
                  "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
    EXPECT_EQ(l[0], want);
    std::string fe0 = "/local/domain/" + std::to_string(d) + "/device/vif/0";
    std::string be0 = "/local/domain/0/backend/vif/" + std::to_string(d) + "/0";
    std::snprintf(want, sizeof want, "%-3d %-2d %s%6d %5d %6d %5d/%-11d %-30s", 0, 0, "00:16:3e:0a:0b:0c", 0, 4,
                  std::atoi(xs_read(fe0 + "/event-channel").c_str()), std::atoi(xs_read(fe0 + "/tx-ring-ref").c_str()),
                  std::atoi(xs_read(fe0 + "/rx-ring-ref").c_str()), be0.c_str());
    EXPECT_EQ(l[1], want);
    EXPECT_EQ(l[2].substr(7, 17), mac1);
    r = xlkit({"network-list", "--json", "g"});
    ASSERT_EQ(r.status, 0) << r.err;
    j = parse_json(r.out);
    ASSERT_TRUE(j && j->is_array()) << r.out;
    ASSERT_EQ(j->as_array().size(), 2u);
    EXPECT_EQ(jstr(j->as_array()[0].as_object().at("nic").as_object(), "bridge"), "xenbr0");

    // Detach by devid, and by mac (xl: a ':' makes it a mac).
    r = xlkit({"network-detach", "g", "1"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(lines_with(r.err, "network-detach domain " + std::to_string(d) + " (g): "),
              (std::vector<std::string>{"nic 1: closing (1/3)", "nic 1: hotplug (2/3)", "nic 1: removed (3/3)"}))
        << r.err;
    r = xlkit({"network-detach", "g", "00:16:3E:0A:0B:0C"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(lines(xlkit({"network-list", "g"}).out).size(), 1u) << "only the header";
    r = xlkit({"network-detach", "g", "0"});
    EXPECT_TRUE(one_line_error(r));
    EXPECT_NE(r.err.find("has no network device '0' (it has none)"), std::string::npos) << r.err;
}

TEST_F(Cli, FailingHotplugScriptFailsTheAttachAndLeavesNothing) {
    use_hotplug_scripts();
    std::uint32_t d = create(guest_cfg("g"));
    ASSERT_GT(d, 0u);
    // The sim's vif-bridge knows the bridge xenbr0 only.
    Result r = xlkit({"network-attach", "g", "bridge=nosuch"});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(last_line_error(r));
    EXPECT_NE(r.err.find("xlkit: network-attach: cannot attach a network device to domain " + std::to_string(d) +
                         " (g): nic 0: the hotplug script"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("failed (exit status 1): Could not find bridge device nosuch"), std::string::npos) << r.err;
    EXPECT_EQ(lines(xlkit({"network-list", "g"}).out).size(), 1u) << "nothing left behind";
    // A read-only file asked for writing: the block script says busy.
    std::string ro = disk_image("ro.img");
    chmod(ro.c_str(), 0444);
    r = xlkit({"block-attach", "g", ro + ",raw,xvdb,rw"});
    if (geteuid() != 0) {  // root may write it anyway
        EXPECT_EQ(r.status, 1);
        EXPECT_TRUE(last_line_error(r));
        EXPECT_NE(r.err.find("disk xvdb: "), std::string::npos) << r.err;
    }
    (void)xlkit({"block-detach", "g", "xvdb"});
    EXPECT_EQ(lines(xlkit({"block-list", "g"}).out).size(), 1u) << "nothing left behind";
    // A create whose device fails: the error says where the file sets it,
    // and the domain is gone.
    r = xlkit({"create", "-e", guest_cfg("g2", "vif = [ 'bridge=nosuch' ]\n")});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(last_line_error(r));
    EXPECT_NE(r.err.find("g2.cfg:7: nic 0: the hotplug script"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Could not find bridge device nosuch"), std::string::npos) << r.err;
    EXPECT_FALSE(find("g2"));
}

TEST_F(Cli, CtrlCDuringAttachRemovesTheDevice) {
    use_hotplug_scripts();
    std::uint32_t d = create(guest_cfg("g"));
    ASSERT_GT(d, 0u);
    // The sim's hang script never finishes: run for the add only.
    std::string script = host_.dir() + "/hang-add";
    std::ofstream(script) << "#!/bin/sh\ncase $1 in add) exec '" + hotplug_dir_ + "/hang' \"$@\" ;;\n*) exec '" +
                                 hotplug_dir_ + "/block' \"$@\" ;;\nesac\n";
    chmod(script.c_str(), 0755);
    Proc p(xlkit_argv({"block-attach", "g", disk_image("d.img") + ",raw,xvdb,rw,script=" + script}));
    // Once the script hangs (its pids are written last), interrupt it.
    ASSERT_TRUE(eventually([&] { return !read_file(host_.dir() + "/hang.pids").empty(); }));
    p.signal(SIGINT);
    Result r = p.wait(30);
    EXPECT_EQ(r.status, 130) << r.err;
    EXPECT_TRUE(last_line_error(r));
    EXPECT_NE(r.err.find("disk xvdb: backend (1/3)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("xlkit: block-attach: cannot attach disk xvdb to domain " + std::to_string(d) + " (g)"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(" (interrupted): aborted\n"), std::string::npos) << r.err;
    EXPECT_LT(r.secs, 20);
    EXPECT_EQ(lines(xlkit({"block-list", "g"}).out).size(), 1u) << "the abort removed the disk";
    // ... and the script's process group is gone.
    std::istringstream pids(read_file(host_.dir() + "/hang.pids"));
    pid_t a = 0, b = 0;
    pids >> a >> b;
    ASSERT_GT(b, 0);
    // Gone, or a zombie: the orphaned child is ours to reap (subreaper).
    auto ended = [&](pid_t pid) {
        std::string st = read_file("/proc/" + std::to_string(pid) + "/stat");
        auto paren = st.rfind(')');
        return st.empty() || (paren != std::string::npos && paren + 2 < st.size() && st[paren + 2] == 'Z');
    };
    EXPECT_TRUE(eventually([&] { return ended(a) && ended(b); }, 5000)) << "the script or its child survived";
}

TEST_F(Cli, CreateShowsEachDevicesStagesAndScriptOutput) {
    use_hotplug_scripts();
    const std::string img = disk_image("root.img");
    std::string c = guest_cfg("g", "disk = [ '" + img + ",raw,xvda,rw,script=" + talky_script("block") +
                                       "' ]\nvif = [ 'mac=00:16:3e:00:00:01,script=" + talky_script("vif-bridge") +
                                       "' ]\n");
    Result r = xlkit({"-v", "create", "-e", c});
    ASSERT_EQ(r.status, 0) << r.err;
    // The devices are added while the domain is paused: done after hotplug.
    auto l = lines_with(r.err, "create g: ");
    for (const char *want :
         {"building the domain", "disk xvda: backend (1/2)", "disk xvda: hotplug (2/2)", "nic 0: backend (1/2)",
          "nic 0: hotplug (2/2)", "disk xvda: hotplug script: talky: add backend/vbd/",
          "disk xvda: hotplug script (stderr): to stderr", "nic 0: hotplug script: talky: online backend/vif/",
          "nic 0: hotplug script (stderr): to stderr"})
        EXPECT_TRUE(std::any_of(l.begin(), l.end(), [&](const std::string &x) { return x.rfind(want, 0) == 0; }))
            << "want 'create g: " << want << "' in\n"
            << r.err;
    // Each script line once: not also as the library's log line.
    EXPECT_EQ(r.err.find(": hotplug: "), std::string::npos) << r.err;
    EXPECT_EQ(lines(xlkit({"block-list", "g"}).out).size(), 2u);
    EXPECT_EQ(lines(xlkit({"network-list", "g"}).out).size(), 2u);
    // Without -v, no script output; with --json, every report.
    r = xlkit({"--json", "create", "-e", guest_cfg("h", "vif = [ 'script=" + talky_script("vif-bridge") + "' ]\n")});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err.find("hotplug script"), std::string::npos) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    int stages = 0, script_lines = 0;
    for (const auto &e : j->as_object().at("progress").as_array()) {
        std::string t = jstr(e.as_object(), "type");
        stages += t == "operation_progress";
        script_lines += t == "helper_output";
    }
    EXPECT_EQ(stages, 2);
    EXPECT_EQ(script_lines, 2);
    // destroy removes them: nothing of the scripts' is left.
    EXPECT_EQ(xlkit({"destroy", "g"}).status, 0);
    EXPECT_EQ(xlkit({"destroy", "h"}).status, 0);
    EXPECT_TRUE(eventually([&] { return simtest::run("ls -A '" + host_.dir() + "/loop' '" + host_.dir() + "/vif' | grep -v : | grep .").out.empty(); }, 5000));
}

TEST_F(Cli, BadDeviceArgumentsAreOneLineErrors) {
    std::uint32_t d = create(guest_cfg("g"));
    ASSERT_GT(d, 0u);
    struct Bad {
        std::vector<std::string> args;
        int status;
        std::string want;
    };
    for (const Bad &b : std::vector<Bad>{
             {{"block-attach", "g"}, 2, "xlkit: block-attach: which disk"},
             {{"block-attach", "g", "nonsense"}, 1, "xlkit: block-attach: disk 'nonsense': no vdev specified"},
             {{"block-attach", "g", "/bin/sh,raw,xvdb,r,backend=dd"}, 1, "backend= (a driver domain) is not supported"},
             {{"block-attach", "g", "/nonexistent,raw,xvdb,r"}, 1,
              "xlkit: block-attach: cannot attach disk xvdb to domain " + std::to_string(d) +
                  " (g): disk xvdb: target '/nonexistent': No such file or directory"},
             {{"block-attach", "nosuch", "/bin/sh,raw,xvdb,r"}, 1, "xlkit: block-attach: no domain 'nosuch'"},
             {{"block-detach", "g"}, 2, "xlkit: block-detach: which disk"},
             {{"block-detach", "g", "xvdb", "more"}, 2, "unexpected argument 'more'"},
             {{"block-list"}, 2, "xlkit: block-list: which domain?"},
             {{"block-list", "g", "nosuch"}, 1, "xlkit: block-list: no domain 'nosuch'"},
             {{"network-attach", "g", "type=ioemu"}, 1, "'type=ioemu': type: 'ioemu' (an emulated NIC) is for HVM guests"},
             {{"network-attach", "g", "bogus=1"}, 1, "'bogus=1': unknown key 'bogus'"},
             {{"network-attach", "g", "backend=dd"}, 1, "backend: a driver domain is not supported by xlkit"},
             {{"network-detach", "g", "eth0"}, 2, "'eth0' is neither a devid (a number) nor a MAC address"},
             {{"network-detach", "g", "00:16:3e"}, 2, "'00:16:3e' is not a MAC address"},
             {{"network-list"}, 2, "xlkit: network-list: which domain?"},
         }) {
        Result r = xlkit(b.args);
        EXPECT_EQ(r.status, b.status) << b.args[0] << ": " << r.err;
        EXPECT_TRUE(one_line_error(r)) << b.args[0];
        EXPECT_NE(r.err.find(b.want), std::string::npos) << "want '" << b.want << "' in\n" << r.err;
    }
    EXPECT_EQ(lines(xlkit({"block-list", "g"}).out).size(), 1u);
}

// ---- config files and bad input --------------------------------------------------------

TEST_F(Cli, DryRunMapsXlKeysAndOverrides) {
    std::string c = cfg("full", "name = 'full'\n"
                                "type = \"pv\"\n"
                                "kernel = '/bin/sh'\n"
                                "ramdisk = '/bin/true'\n"
                                "root = '/dev/xvda1 ro'\n"
                                "extra = 'console=hvc0'\n"
                                "memory = 256 ; maxmem = 512\n"
                                "vcpus = 4\n"
                                "on_poweroff = 'preserve'\non_reboot = 'destroy'\non_crash = 'coredump-restart'\n"
                                "disk = [ '/srv/full.img,qcow2,xvda,rw',\n"
                                "         'vdev=xvdb,access=ro,devtype=cdrom,target=/srv/cd.iso' ]\n");
    Result r = xlkit({"--json", "create", "-n", c, "memory=300", "extra=\"quiet\""});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    const auto &o = j->as_object();
    EXPECT_EQ(jstr(o, "name"), "full");
    EXPECT_EQ(jstr(o, "ramdisk"), "/bin/true");
    EXPECT_EQ(jstr(o, "cmdline"), "root=/dev/xvda1 ro quiet") << "xl: root= then extra=, KEY=VALUE overrides";
    EXPECT_EQ(jint(o, "memory"), 300);
    EXPECT_EQ(jint(o, "maxmem"), 512);
    EXPECT_EQ(jint(o, "vcpus"), 4);
    EXPECT_EQ(jstr(o, "on_poweroff"), "preserve");
    EXPECT_EQ(jstr(o, "on_reboot"), "destroy");
    EXPECT_EQ(jstr(o, "on_crash"), "coredump_restart");
    const auto &disks = o.at("disks").as_array();
    ASSERT_EQ(disks.size(), 2u);
    EXPECT_EQ(jstr(disks[0].as_object(), "pdev_path"), "/srv/full.img");
    EXPECT_EQ(jstr(disks[0].as_object(), "format"), "qcow2");
    EXPECT_EQ(jstr(disks[0].as_object(), "vdev"), "xvda");
    EXPECT_TRUE(disks[1].as_object().at("is_cdrom").as_bool());
    EXPECT_FALSE(disks[1].as_object().at("readwrite").as_bool());
    // cmdline= wins over root=/extra=, with a warning (as xl).
    r = xlkit({"--json", "create", "-n", c, "cmdline='console=hvc0 init=/bin/sh'"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(jstr(parse_json(r.out)->as_object(), "cmdline"), "console=hvc0 init=/bin/sh");
    EXPECT_NE(r.err.find("ignoring root= and extra= in favour of cmdline="), std::string::npos) << r.err;
    // Plain -n: pretty JSON.
    r = xlkit({"create", "-n", c});
    ASSERT_EQ(r.status, 0);
    EXPECT_TRUE(parse_json(r.out));
    EXPECT_GT(lines(r.out).size(), 10u);
    EXPECT_EQ(names(), std::vector<std::string>{"Domain-0"});
}

// xl's list form of cpuid (libxl's xend syntax): its items, joined by ';',
// reach the hypervisor as the bits they force (the trace filter shows them).
TEST_F(Cli, CpuidListFormIsMappedAndBuiltWithItsBits) {
    const std::string rdtscp_off = "0x80000001:edx=xxxx0xxxxxxxxxxxxxxxxxxxxxxxxxxx";
    const std::string avx2_host = "7,0:ebx=xxxxxxxxxxxxxxxxxxxxxxxxxxkxxxxx";
    std::string c = guest_cfg("cl", "cpuid = [ '" + rdtscp_off + "',\n          '" + avx2_host + "' ]\n");
    Result r = xlkit({"--json", "create", "-n", c});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(jstr(parse_json(r.out)->as_object(), "cpuid"), rdtscp_off + ";" + avx2_host);
    setenv("XLKIT_FILTERS", "trace", 1);
    r = xlkit({"-v", "create", "-e", c});
    unsetenv("XLKIT_FILTERS");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("cpuid=" + rdtscp_off + ";0x7,0:ebx=xxxxxxxxxxxxxxxxxxxxxxxxxxkxxxxx"), std::string::npos)
        << r.err;
    EXPECT_TRUE(find("cl"));
    // The feature form reaches it in the same shape.
    r = xlkit({"destroy", "cl"});
    ASSERT_EQ(r.status, 0) << r.err;
    setenv("XLKIT_FILTERS", "trace", 1);
    r = xlkit({"-v", "create", "-e", c, "cpuid=\"host,rdtscp=0\""});
    unsetenv("XLKIT_FILTERS");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("cpuid=" + rdtscp_off + ")"), std::string::npos) << r.err;
}

TEST_F(Cli, DryRunMapsPvhKeys) {
    std::string c = cfg("pvh", "name = 'pvh'\n"
                               "type = \"pvh\"\n"
                               "kernel = '/bin/sh'\n"
                               "memory = 128\n"
                               "tsc_mode = \"native\"\n"
                               "cpuid = \"host,rdtscp=0\"\n"
                               "shadow_memory = 16\n");
    Result r = xlkit({"--json", "create", "-n", c});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    const auto &o = j->as_object();
    EXPECT_EQ(jstr(o, "type"), "pvh");
    EXPECT_EQ(jstr(o, "tsc_mode"), "native");
    EXPECT_EQ(jstr(o, "cpuid"), "host,rdtscp=0");
    EXPECT_EQ(jint(o, "shadow_memory"), 16);
    // xl's numeric tsc_mode, and builder= giving way to type=.
    r = xlkit({"--json", "create", "-n", c, "tsc_mode=\"1\"", "builder=\"generic\""});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(jstr(parse_json(r.out)->as_object(), "tsc_mode"), "always_emulate");
    EXPECT_EQ(jstr(parse_json(r.out)->as_object(), "type"), "pvh");
}

// vif = [...] in xl's network syntax (xl-network-configuration(5)), read as
// xl's parse_nic_config reads it, rate= by libxlutil's xlu_vif_parse_rate.
TEST_F(Cli, DryRunMapsVifEntries) {
    std::string c = cfg("net", "name = 'net'\nkernel = '/bin/sh'\n"
                               "vif = [ 'mac=00:16:3E:01:02:03,bridge=xenbr0',\n"
                               "        '',\n"
                               "        'ip=10.0.0.2 fe80::1/64, rate=10Mb/s, vifname=net.2, mtu=9000, script=vif-route,"
                               "gatewaydev=eth0,model=e1000,type=vif',\n"
                               "        'rate=1MB/s@20ms,devid=7',\n"
                               "        'rate=250KB/s@1s',\n"
                               "        'rate=1Gb/s@100us,netdev=eth1' ]\n");
    Result r = xlkit({"--json", "create", "-n", c});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    const auto &nics = j->as_object().at("nics").as_array();
    ASSERT_EQ(nics.size(), 6u);
    auto nic = [&](std::size_t i) { return nics[i].as_object(); };
    // As xl: each entry's devid is its index in the list, unless devid= says.
    for (std::size_t i : {0u, 1u, 2u, 4u, 5u}) EXPECT_EQ(jint(nic(i), "devid"), std::int64_t(i));
    EXPECT_EQ(jint(nic(3), "devid"), 7);
    for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(jstr(nic(i), "nictype"), "vif") << i;
    EXPECT_EQ(jstr(nic(0), "mac"), "00:16:3e:01:02:03");
    EXPECT_EQ(jstr(nic(0), "bridge"), "xenbr0");
    EXPECT_EQ(jstr(nic(1), "mac", "none"), "none") << "no mac: the library generates one";
    EXPECT_EQ(jint(nic(1), "rate_bytes_per_interval"), 0) << "no rate: unlimited";
    EXPECT_EQ(jstr(nic(2), "ip"), "10.0.0.2 fe80::1/64");
    EXPECT_EQ(jstr(nic(2), "ifname"), "net.2");
    EXPECT_EQ(jint(nic(2), "mtu"), 9000);
    EXPECT_EQ(jstr(nic(2), "script"), "vif-route");
    EXPECT_EQ(jstr(nic(2), "gatewaydev"), "eth0");
    EXPECT_EQ(jstr(nic(2), "model"), "e1000");
    // libxlu_vif.c: bytes/s (bits / 8) times the interval (default 50 ms).
    EXPECT_EQ(jint(nic(2), "rate_bytes_per_interval"), std::int64_t(10000000) / 8 * 50000 / 1000000);
    EXPECT_EQ(jint(nic(2), "rate_interval_usecs"), 50000);
    EXPECT_EQ(jint(nic(3), "rate_bytes_per_interval"), 20000) << "xl-network-configuration(5)'s example";
    EXPECT_EQ(jint(nic(3), "rate_interval_usecs"), 20000);
    EXPECT_EQ(jint(nic(4), "rate_bytes_per_interval"), 250000);
    EXPECT_EQ(jint(nic(4), "rate_interval_usecs"), 1000000);
    EXPECT_EQ(jint(nic(5), "rate_bytes_per_interval"), 12500);
    EXPECT_EQ(jint(nic(5), "rate_interval_usecs"), 100);
    // netdev= is xl's deprecated name for gatewaydev=, with its warning.
    EXPECT_EQ(jstr(nic(5), "gatewaydev"), "eth1");
    EXPECT_NE(r.err.find("net.cfg:3: vif: entry 6: netdev= is deprecated, use gatewaydev="), std::string::npos) << r.err;
    // A KEY=VALUE argument replaces the list.
    r = xlkit({"--json", "create", "-n", c, "vif=['bridge=br1']"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(parse_json(r.out)->as_object().at("nics").as_array().size(), 1u);
}

// Every bad entry is an error naming the file, line, entry and key; none is
// ignored (xl ignores unknown keys and some bad values).
TEST_F(Cli, BadVifEntriesAreErrorsNamingTheEntryAndKey) {
    struct Case {
        std::string entries;
        std::string want;
    };
    const std::vector<Case> cases = {
        {"'mac=00:16:3e:01:02'", "entry 1 'mac=00:16:3e:01:02': mac: '00:16:3e:01:02' is not a MAC address"},
        {"'mac=00:16:3e:01:02:03:04'", "mac: '00:16:3e:01:02:03:04' is not a MAC address"},
        {"'mac=01:16:3e:01:02:03'", "mac: '01:16:3e:01:02:03' is a multicast address"},
        {"'type=ioemu'", "type: 'ioemu' (an emulated NIC) is for HVM guests; a PV guest's NIC is type=vif"},
        {"'type=tap'", "type: 'tap' is not a vif type"},
        {"'backend=netdom'", "backend: a driver domain is not supported by xlkit"},
        {"'bridge=xenbr0,colour=blue'", "entry 1 'bridge=xenbr0,colour=blue': unknown key 'colour' (keys: mac, bridge,"},
        {"'bridge'", "'bridge' is not KEY=VALUE"},
        {"'trusted'", "'trusted' is not supported by xlkit"},
        {"'accel=x'", "accel: not supported"},
        {"'colo_checkpoint_host=h'", "colo_checkpoint_host: COLO is not supported by xlkit"},
        {"'bridge='", "bridge: needs a value"},
        {"'rate=10Mbps'", "rate: invalid rate in `10Mbps' (e.g. rate=10Mb/s or rate=1MB/s@20ms)"},
        {"'rate=1MB/s@20ks'", "rate: invalid replenishment interval in `20ks'"},
        {"'rate=0B/s'", "rate: rate overflow in `0B/s'"},
        {"'rate=@20ms'", "rate: no rate specified in `@20ms'"},
        {"'mtu=9'", "mtu: '9' is not an MTU (68 to 65535)"},
        {"'mtu=big'", "mtu: 'big' is not an MTU"},
        {"'devid=-1'", "devid: '-1' is not a devid"},
        {"'vifname=a-very-long-interface'", "vifname: 'a-very-long-interface' is not a network interface name"},
        {"'bridge=br/0'", "bridge: 'br/0' is not a network interface name"},
        {"'ip=10.0.0.300'", "ip: '10.0.0.300' is not an IP address"},
        {"'ip=10.0.0.1/33'", "ip: '10.0.0.1/33' is not an IP address"},
        {"'devid=1', ''", "entry 2 '': devid 1 is entry 1's too"},
        {"'mac=00:16:3e:0:0:1', 'mac=00:16:3E:00:00:01'", "entry 2 'mac=00:16:3E:00:00:01': mac 00:16:3e:00:00:01 is entry 1's too"},
        {"[ 'x' ]", "vif: entry 1 is a list, not a network specification"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.entries);
        Result r = xlkit({"create", "-n", cfg("bad", "name = 'bad'\nkernel = '/bin/sh'\nvif = [ " + c.entries + " ]\n")});
        EXPECT_EQ(r.status, 1);
        EXPECT_TRUE(one_line_error(r));
        EXPECT_EQ(r.err.rfind("xlkit: create: ", 0), 0u) << r.err;
        EXPECT_NE(r.err.find("bad.cfg:3: vif: "), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(c.want), std::string::npos) << "want '" << c.want << "' in\n" << r.err;
    }
    Result r = xlkit({"create", "-n", cfg("bad", "name = 'bad'\nkernel = '/bin/sh'\nvif = 'bridge=xenbr0'\n")});
    EXPECT_TRUE(one_line_error(r));
    EXPECT_NE(r.err.find("bad.cfg:3: vif: must be a list"), std::string::npos) << r.err;
}

TEST_F(Cli, EmptyCdromOfAPvGuestIsRefusedNamingTheDisk) {
    auto r = xlkit({"create", guest_cfg("disky", "disk = [ ',,hdc:cdrom,r' ]\n")});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("disk hdc: an empty cdrom needs an HVM guest"), std::string::npos) << r.err;
    EXPECT_FALSE(find("disky"));
}

struct BadCase {
    const char *what;
    std::string body;                 // config file (after "name = 'bad'" if add_name)
    std::vector<std::string> extra;   // KEY=VALUE arguments
    std::vector<std::string> expect;  // substrings of the error line
};

TEST_F(Cli, BadConfigsAreOneLineErrorsNamingFileLineAndKey) {
    std::uint32_t keep = create(guest_cfg("keep"));
    ASSERT_GT(keep, 0u);
    const std::string k = "kernel = '/bin/sh'\n";
    std::vector<BadCase> cases = {
        {"missing kernel", "name = 'bad'\nkernel = '/nonexistent/vmlinuz'\n", {},
         {"bad.cfg:2: kernel: '/nonexistent/vmlinuz' is not a readable file (No such file or directory)",
          "invalid argument"}},
        {"no kernel", "name = 'bad'\n", {}, {"bad.cfg: kernel: missing"}},
        {"no name", k, {}, {"bad.cfg: name: missing"}},
        {"bad memory", "name = 'bad'\n" + k + "memory = \"lots\"\n", {},
         {"bad.cfg:3: memory: 'lots' is not a valid number"}},
        {"memory 0", "name = 'bad'\n" + k + "memory = 0\n", {}, {"bad.cfg:3: memory: must be at least 1"}},
        {"vcpus 0", "name = 'bad'\n" + k + "vcpus = 0\n", {}, {"bad.cfg:3: vcpus: must be between 1 and 512, not 0"}},
        {"maxmem below memory", "name = 'bad'\n" + k + "memory = 256\nmaxmem = 128\n", {},
         {"bad.cfg:4: maxmem: 128 is below memory (256)"}},
        {"unsupported key", "name = 'bad'\n" + k + "pci = [ '01:00.0' ]\nvfb = []\n", {},
         {"bad.cfg:3: key 'pci' is not supported by xlkit", " (nor are 'vfb' (", "bad.cfg:4)", "supported: name, type"}},
        {"hvm", "name = 'bad'\n" + k + "type = 'hvm'\n", {},
         {"bad.cfg:3: type: 'hvm' domains are not supported by xlkit"}},
        {"an HVM key for a PVH guest", "name = 'bad'\n" + k + "type = 'pvh'\nvnc = 1\n", {},
         {"bad.cfg:4: key 'vnc' applies to HVM guests only: xlkit runs PV and PVH guests"}},
        {"shadow_memory for a PV guest", "name = 'bad'\n" + k + "shadow_memory = 8\n", {},
         {"bad.cfg:3: shadow_memory: applies to PVH guests only"}},
        {"bad tsc_mode", "name = 'bad'\n" + k + "tsc_mode = 'warp'\n", {},
         {"bad.cfg:3: tsc_mode: 'warp' is not a TSC mode"}},
        {"removed tsc_mode", "name = 'bad'\n" + k + "tsc_mode = 'native_paravirt'\n", {},
         {"bad.cfg:3: tsc_mode: native_paravirt was removed from Xen"}},
        {"a cpuid list item too short", "name = 'bad'\n" + k +
             "cpuid = [ '0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0',\n          '0x80000001:edx=xx0' ]\n", {},
         {"bad.cfg:3: cpuid: item 2 '0x80000001:edx=xx0': edx: 3 letters, not 32"}},
        {"a cpuid list item with a bad letter", "name = 'bad'\n" + k + "cpuid = [ '7,0:ebx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx2' ]\n",
         {}, {"bad.cfg:3: cpuid: item 1 '7,0:ebx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx2': ebx: '2' (bit 0) is not 0, 1, x, k or s"}},
        {"a cpuid list item that is no item", "name = 'bad'\n" + k + "cpuid = [ 'rdtscp=0' ]\n", {},
         {"bad.cfg:3: cpuid: item 1 'rdtscp=0' is not \"LEAF[,SUBLEAF]:REG=BITS,...\""}},
        {"a cpuid list item as a string", "name = 'bad'\n" + k + "cpuid = '0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0'\n", {},
         {"bad.cfg:3: cpuid: '0x1:ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0' is a list item: write cpuid = [ "}},
        {"unknown cpuid feature", "name = 'bad'\n" + k + "type = 'pvh'\ncpuid = 'host,warp=1'\n", {},
         {"bad.cfg:4: cpuid: unknown feature 'warp'"}},
        {"a PVH guest of a kernel without a PVH entry point", "name = 'bad'\n" + k + "type = 'pvh'\n", {},
         {"the kernel '/bin/sh' has no PVH entry point (no ELF note XEN_ELFNOTE_PHYS32_ENTRY)"}},
        {"bad action", "name = 'bad'\n" + k + "on_crash = 'explode'\n", {},
         {"bad.cfg:3: on_crash: 'explode' is not an action"}},
        {"syntax error", "name = 'bad' oops\n" + k, {}, {"bad.cfg:1: config parsing error near `oops'"}},
        {"list where a value is wanted", "name = [ 'a', 'b' ]\n" + k, {},
         {"bad.cfg:1: name: is a list, but must be a single value"}},
        {"missing disk target", "name = 'bad'\n" + k + "disk = [ '/nonexistent/bad.img,raw,xvda,rw' ]\n", {},
         {"bad.cfg:3: disk xvda: target '/nonexistent/bad.img': No such file or directory"}},
        {"bad disk", "name = 'bad'\n" + k + "disk = [ 'nonsense' ]\n", {},
         {"bad.cfg:3: disk: entry 1 'nonsense': ", "no vdev specified"}},
        {"bad argument", "name = 'bad'\n" + k, {"memory='lots'"},
         {"argument 'memory='lots'': memory: 'lots' is not a valid number"}},
        {"argument with a syntax error", "name = 'bad'\n" + k, {"memory=lots"},
         {"argument 'memory=lots': config parsing error near `lots'"}},
        {"unsupported argument", "name = 'bad'\n" + k, {"vfb=['']"}, {"argument 'vfb=['']': key 'vfb'"}},
        {"bad vif", "name = 'bad'\n" + k + "vif = [ '',\n  'bridge=xenbr0,mac=00:16:3e:zz:00:01' ]\n", {},
         {"bad.cfg:3: vif: entry 2 'bridge=xenbr0,mac=00:16:3e:zz:00:01': mac: '00:16:3e:zz:00:01' is not a MAC address"}},
        {"more memory than the host has", "name = 'bad'\n" + k + "memory = 2000000000\n", {},
         {"bad.cfg:3: memory: 2000000000 MiB wanted", "out of memory"}},
        {"duplicate name", "name = 'keep'\n" + k, {}, {"bad.cfg:1: name: a domain called 'keep' exists already"}},
    };
    for (const BadCase &c : cases) {
        SCOPED_TRACE(c.what);
        std::string path = cfg("bad", c.body);
        std::vector<std::string> args = {"create", path};
        args.insert(args.end(), c.extra.begin(), c.extra.end());
        Result r = xlkit(args);
        EXPECT_EQ(r.status, 1);
        // Progress lines may precede it when the library rejects the config.
        EXPECT_TRUE(last_line_error(r));
        auto l = lines(r.err);
        ASSERT_FALSE(l.empty());
        std::string last = l.back();
        EXPECT_EQ(last.rfind("xlkit: create: ", 0), 0u) << r.err;
        for (const std::string &s : c.expect) EXPECT_NE(last.find(s), std::string::npos) << "want '" << s << "' in\n" << r.err;
    }
    EXPECT_EQ(names(), (std::vector<std::string>{"Domain-0", "keep"})) << "nothing left behind";
    // Config errors found before anything runs are exactly one line.
    Result r = xlkit({"create", cfg("bad", "name = 'bad'\nmemory = 'lots'\n" + k)});
    EXPECT_TRUE(one_line_error(r));
    r = xlkit({"create", host_.dir() + "/nonexistent.cfg"});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(one_line_error(r));
    EXPECT_NE(r.err.find("nonexistent.cfg"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
    r = xlkit({"create"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line_error(r));
}

TEST_F(Cli, UnknownDomainIsAOneLineError) {
    for (auto args : std::vector<std::vector<std::string>>{{"destroy", "nosuch"},
                                                            {"pause", "nosuch"},
                                                            {"unpause", "42"},
                                                            {"shutdown", "-w", "nosuch"},
                                                            {"reboot", "nosuch"},
                                                            {"wait", "nosuch"},
                                                            {"list", "nosuch"}}) {
        Result r = xlkit(args);
        EXPECT_EQ(r.status, 1) << args[0];
        EXPECT_TRUE(one_line_error(r)) << args[0];
        EXPECT_NE(r.err.find("xlkit: " + args[0] + ": no domain '" + args.back() + "': domain not found"),
                  std::string::npos)
            << r.err;
    }
}

} // namespace
