// xlkit migrate [-s SSHCOMMAND] [-e|-F] [-C CONFIG] [-p] [--debug] [--non-live]
// DOM HOST and xlkit migrate-receive [-e] [-F] [-d] [-p]: as xl migrate and
// xl migrate-receive,
// speaking xl's protocol (docs/migration.md; the banner and the rune in
// migrate_protocol.hpp, the hand-over in the library), so either end can be xl.
//
// The sender runs `sh -c RUNE` (migrate_protocol::rune: `exec ssh HOST
// xlkit migrate-receive`, or with -s '' HOST itself as the whole command)
// with its stdin and stdout on pipes: it reads the receiver's banner,
// checks the domain can go (domain_migrate_check), writes xl's header with
// the configuration, then the library does the rest (domain_migrate_send:
// the stream and the hand-over). The receiver writes the banner on its
// stdout, reads xl's header from its stdin, and the library receives the
// domain (domain_migrate_receive), run and monitored as restore does.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xlkit/config_json.hpp>
#include <xlkit/migrate.hpp>

#include "cli.hpp"
#include "config.hpp"
#include "migrate_protocol.hpp"

// xl's header is the CLI's to write and read (as for save and restore).
#include "ops/save_format.hpp"

using namespace xlkit;
namespace mp = xlcli::migrate_protocol;

namespace xlcli {

namespace {

constexpr int kBannerTimeoutMs = 120000;  // ssh's login and the remote start
constexpr int kChildWaitMs = 2000;        // as xl: then "no longer waiting"

bool write_all(int fd, std::string_view s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        off += std::size_t(n);
    }
    return true;
}

/* Reads the banner byte by byte (the header must not be read past), up to
 * timeout_ms: "" or what went wrong. */
std::string read_banner(int fd, int timeout_ms) {
    mp::Expect e(mp::banner());
    int left = timeout_ms;
    while (e.state() == mp::Expect::State::Matching) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, std::min(left, 200));
        if (r < 0 && errno == EINTR) return "interrupted";
        if (r == 0) {
            left -= 200;
            if (left <= 0) return "no banner from the receiver within " + std::to_string(timeout_ms / 1000) + " s";
            continue;
        }
        char buf[64];
        ssize_t n = read(fd, buf, std::min(sizeof buf, e.wanted()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::string("reading the banner: ") + std::strerror(errno);
        if (n == 0)
            return e.matched() ? "the receiver's banner was cut short"
                               : "the receiver closed the connection before its banner (did it start?)";
        e.feed(std::string_view(buf, std::size_t(n)));
    }
    if (e.state() == mp::Expect::State::Mismatch) return "the connection contained unexpected data instead of the banner";
    return "";
}

struct Transport {
    pid_t pid = -1;
    int send_fd = -1;  // the child's stdin
    int recv_fd = -1;  // the child's stdout
};

bool start_transport(const std::string &rune, Transport *t, std::string *err) {
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) < 0) {
        *err = std::string("pipe: ") + std::strerror(errno);
        return false;
    }
    if (pipe2(from, O_CLOEXEC) < 0) {
        *err = std::string("pipe: ") + std::strerror(errno);
        close(to[0]);
        close(to[1]);
        return false;
    }
    pid_t pid = fork();
    if (pid < 0) {
        *err = std::string("fork: ") + std::strerror(errno);
        for (int fd : {to[0], to[1], from[0], from[1]}) close(fd);
        return false;
    }
    if (pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_IGN);  // Ctrl-C aborts the sender, which tells the receiver by closing
        execl("/bin/sh", "sh", "-c", rune.c_str(), static_cast<char *>(nullptr));
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    t->pid = pid;
    t->send_fd = to[1];
    t->recv_fd = from[0];
    return true;
}

/* Close our ends and wait a little for the child, as xl does. */
void end_transport(Transport &t) {
    if (t.send_fd >= 0) close(t.send_fd);
    if (t.recv_fd >= 0) close(t.recv_fd);
    t.send_fd = t.recv_fd = -1;
    if (t.pid < 0) return;
    for (int waited = 0; waited < kChildWaitMs; waited += 50) {
        int st;
        pid_t r = waitpid(t.pid, &st, WNOHANG);
        if (r == t.pid || (r < 0 && errno != EINTR)) {
            t.pid = -1;
            return;
        }
        usleep(50000);
    }
    std::fprintf(stderr, "xlkit: migrate: the transport (pid %d) is not exiting, no longer waiting\n", int(t.pid));
    t.pid = -1;
}

} // namespace

int cmd_migrate(App &app, int argc, char **argv) {
    // The precopy policy's options: long only (xl has none).
    enum { kMaxIterations = 0x110, kDirtyThreshold, kMaxPrecopyTime, kMaxDowntime };  // past --debug, --non-live
    static const struct option longopts[] = {{"debug", no_argument, nullptr, 0x100},
                                              {"non-live", no_argument, nullptr, 0x101},
                                              {"max-iterations", required_argument, nullptr, kMaxIterations},
                                              {"dirty-threshold", required_argument, nullptr, kDirtyThreshold},
                                              {"max-precopy-time", required_argument, nullptr, kMaxPrecopyTime},
                                              {"max-downtime", required_argument, nullptr, kMaxDowntime},
                                              {"help", no_argument, nullptr, 'h'},
                                              {nullptr, 0, nullptr, 0}};
    mp::RuneOptions ro;
    ro.program = "xlkit";
    std::string config_file;
    MigratePolicy policy;
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "s:eFC:pDh", longopts, &status)) != -1) {
        switch (c) {
        case 's': ro.ssh_command = optarg; break;
        // xl: -e and -F both make the receiver stay in the foreground (its
        // -e); the sender itself never daemonises.
        case 'e':
        case 'F': ro.no_daemon = true; break;
        case 'C': config_file = optarg; break;
        case 'p': ro.pause_after = true; break;  // the receiver's -p (in the ssh rune)
        case 'D':
            return app.usage("-D (keep the domain id at the destination) is not supported: "
                             "xlkit's receiver always makes the domain with a new id");
        case 0x100: ro.debug = true; break;
        case 0x101: policy.non_live = true; break;
        case kMaxIterations:
        case kDirtyThreshold: {
            unsigned long n = 0;
            const bool iters = c == kMaxIterations;
            if (!parse_count(optarg, iters ? 10000 : (1ul << 40), &n))
                return app.usage(std::string(iters ? "--max-iterations" : "--dirty-threshold") + ": '" + optarg +
                                 "' is not a whole number from 1 to " + (iters ? "10000" : "2^40"));
            if (iters) policy.max_iterations = std::uint32_t(n);
            else policy.dirty_threshold = n;
            break;
        }
        case kMaxPrecopyTime:
        case kMaxDowntime: {
            double s = 0;
            const char *opt = c == kMaxDowntime ? "--max-downtime" : "--max-precopy-time";
            if (!parse_seconds(optarg, &s) || s * 1000 < 1 || s > 86400)
                return app.usage(std::string(opt) + ": '" + optarg + "' is not a number of seconds from 0.001 to 86400");
            (c == kMaxDowntime ? policy.max_downtime_ms : policy.max_time_ms) = std::uint32_t(s * 1000 + 0.5);
            break;
        }
        case 'h': return print_command_help(app);
        default: return status;
        }
    }
    if (argc - optind < 2) return app.usage("which domain, and which host?");
    if (argc - optind > 2) return app.usage(std::string("unexpected argument '") + argv[optind + 2] + "'");
    const std::string dom = argv[optind], host = argv[optind + 1];
    if (!app.open_ctx()) return kExitFail;
    std::uint32_t domid;
    if (!app.resolve(dom, &domid)) return kExitFail;
    DomainInfo info;  // one lookup: the name comes with it
    if (Error rc = domain_info(*app.ctx, domid, &info); rc != Error::Success)
        return app.fail("cannot migrate " + domain_label(domid, std::string()), rc);
    const std::string &name = info.name;
    const std::string label = domain_label(domid, name);
    DomainConfig cfg;
    if (!config_file.empty()) {
        XlConfig xc;
        std::string err;
        if (load_xl_config(config_file.c_str(), {}, false, &xc, &err) != kLoadOk) return app.fail_msg(err);
        cfg = xc.cfg;
    } else if (Error rc = retrieve_domain_configuration(*app.ctx, domid, &cfg); rc != Error::Success) {
        return app.fail("cannot migrate " + label + ": no usable stored configuration (give one with -C)", rc);
    }
    cfg.name = info.name;
    // Refused here, before the receiver is even started, if it cannot go.
    if (Error rc = domain_migrate_check(*app.ctx, domid, policy); rc != Error::Success)
        return app.fail("cannot migrate " + label + " (it runs on)", rc);

    // As xl: the receiver logs as verbosely as we do, with timestamps if we
    // show them. Unlike xl, it draws its progress in place (-t) only when
    // asked with -t: on our terminal it would fight our own bar.
    ro.verbose = unsigned(app.g.verbose);
    ro.timestamps = app.g.timestamps;
    ro.tty = app.g.progress_cr;
    const std::string rune = mp::rune(host, ro);
    if (ro.debug) std::fprintf(stderr, "migration sender: running '%s'\n", rune.c_str());
    std::signal(SIGPIPE, SIG_IGN);  // a receiver gone is an error, not a kill
    Transport t;
    std::string err;
    if (!start_transport(rune, &t, &err)) return app.fail_msg("cannot migrate " + label + ": " + err);
    struct Ender {
        Transport &t;
        ~Ender() { end_transport(t); }
    } ender{t};
    if (std::string why = read_banner(t.recv_fd, kBannerTimeoutMs); !why.empty())
        return app.fail_msg("cannot migrate " + label + " (it runs on): " + why);
    if (!write_all(t.send_fd, detail::save_format::xl_header(domain_config_to_libxl_json(cfg, info.uuid))))
        return app.fail_msg("cannot migrate " + label + " (it runs on): writing the configuration: " +
                            std::strerror(errno));

    Progress prog;
    prog.begin("migrate " + label);
    prog.units("memory", 4096);  // pages (domain_suspend)
    ReportView view(app);
    view.attach(&prog);
    Error rc = app.run_op(
        [&](AoHow how) {
            return domain_migrate_send(*app.ctx, domid, t.send_fd, t.recv_fd, policy, std::move(how), view.how());
        },
        &prog);
    prog.end();
    if (rc != Error::Success) {
        // The library logged which step failed and who runs the guest now.
        DomainInfo now;
        const bool here = domain_info(*app.ctx, domid, &now) == Error::Success && now.name == info.name &&
                          now.state != DomainState::Shutdown;
        return app.fail(std::string("migration of ") + label + " failed" + (here ? " (it runs on here)" : ""), rc);
    }
    std::fprintf(stderr, "Migration successful.\n");
    if (app.g.json)
        app.print_json("{\"command\":\"migrate\",\"domid\":" + std::to_string(domid) + ",\"name\":" +
                       json_quote(name) + ",\"status\":\"migrated\"}");
    return kExitOk;
}

int cmd_migrate_receive(App &app, int argc, char **argv) {
    static const struct option longopts[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
    bool no_monitor = false, foreground = false, debug = false;
    MigrateReceiveOptions opts;
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "eFdph", longopts, &status)) != -1) {
        switch (c) {
        case 'e': no_monitor = true; break;
        case 'F': foreground = true; break;  // the monitor in this process (-e wins, as in xl)
        case 'd': debug = true; break;
        case 'p': opts.paused = true; break;
        case 'h': return print_command_help(app);
        default: return status;
        }
    }
    if (argc - optind > 0) return app.usage(std::string("unexpected argument '") + argv[optind] + "'");
    // stdout is the protocol's: everything else this process prints goes
    // to stderr.
    int proto_out = fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (proto_out < 0 || dup2(2, 1) < 0) return app.fail_msg(std::string("stdout: ") + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { close(fd); }
    } closer{proto_out};
    std::signal(SIGPIPE, SIG_IGN);
    std::fprintf(stderr, "migration target: Ready to receive domain.\n");
    if (!write_all(proto_out, mp::banner()))
        return app.fail_msg(std::string("writing the banner: ") + std::strerror(errno));
    std::string json, err;
    if (!read_xl_header(0, "<incoming migration stream>", &json, &err)) return app.fail_msg(err);
    DomainConfig cfg;
    Uuid uuid;
    std::string why;
    if (json.empty()) return app.fail_msg("the incoming migration stream holds no configuration");
    if (domain_config_from_libxl_json(json, &cfg, &uuid, &why) != Error::Success)
        return app.fail("the incoming configuration cannot be used: " + why, Error::Inval);
    cfg.uuid = uuid;
    if (debug) std::fprintf(stderr, "migration target: configuration: %s\n", to_json_string(cfg).c_str());

    CreateRun run;
    run.verb = "migrate-receive";
    run.no_monitor = no_monitor;
    run.foreground = foreground && !no_monitor;
    run.paused = opts.paused;
    run.first_stage = "receiving the domain";
    run.units_stage = "memory";  // KiB read (domain_create_restore)
    run.unit_bytes = 1024;
    run.start = [&](AoHow how, ProgressHow reports, std::uint32_t *domid) {
        return domain_migrate_receive(*app.ctx, cfg, opts, domid, 0, proto_out, std::move(how), std::move(reports));
    };
    return create_domain(app, cfg, run);
}

} // namespace xlcli
