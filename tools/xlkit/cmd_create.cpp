// xlkit create, and the monitor that carries out on_poweroff/on_reboot/
// on_crash the way xl does (xl_vmcontrol.c): once the domain is created,
// a daemonized child process (or, with -F, the create process itself)
// enables domain death events for it and, when the domain shuts down,
// applies the configured action; it exits when the domain is gone.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xlkit/evgen.hpp>

#include "cli.hpp"
#include "config.hpp"

namespace xlcli {

using namespace xlkit;

namespace {

// ---- the monitor -------------------------------------------------------------

const char *action_name(ActionOnShutdown a) {
    switch (a) {
    case ActionOnShutdown::Destroy: return "destroy";
    case ActionOnShutdown::Restart: return "restart";
    case ActionOnShutdown::RestartRename: return "rename-restart";
    case ActionOnShutdown::Preserve: return "preserve";
    case ActionOnShutdown::CoredumpDestroy: return "coredump-destroy";
    case ActionOnShutdown::CoredumpRestart: return "coredump-restart";
    case ActionOnShutdown::SoftReset: return "soft-reset";
    }
    return "?";
}

class Monitor {
public:
    Monitor(App &app, std::uint32_t domid, const DomainConfig &cfg, std::function<void(const std::string &)> say)
        : app_(app), domid_(domid), cfg_(cfg), say_(std::move(say)) {}
    ~Monitor() { disable(); }

    Error enable() {
        ++cookie_;
        return evenable_domain_death(*app_.ctx, domid_, cookie_, &evgen_);
    }

    int run();

private:
    void disable() {
        if (evgen_) evdisable_domain_death(*app_.ctx, evgen_);
        evgen_ = nullptr;
    }
    std::string label() const { return domain_label(domid_, cfg_.name); }
    void errors_to_log() {
        for (const std::string &e : app_.log ? app_.log->take_errors() : std::vector<std::string>{}) say_("error: " + e);
    }
    Error destroy() {
        say_("destroying " + label());
        Error rc = app_.run_op([&](AoHow how) { return domain_destroy(*app_.ctx, domid_, std::move(how)); });
        errors_to_log();
        if (rc == Error::Success || rc == Error::DomainNotfound)
            say_(label() + " destroyed");
        else
            say_(std::string("cannot destroy ") + label() + ": " + error_string(rc_of(rc)));
        return rc;
    }
    // Returns an exit status, or -1 to go on monitoring.
    int on_shutdown(ShutdownReason reason);
    bool host_gone() const;

    App &app_;
    std::uint32_t domid_;
    DomainConfig cfg_;
    std::function<void(const std::string &)> say_;
    EvgenDomainDeath *evgen_ = nullptr;
    std::uint64_t cookie_ = 0;
};

bool Monitor::host_gone() const {
    // On the sim host, its folder goes when the host is stopped; nothing
    // will ever happen to the domain then.
    std::string spec = app_.hypervisor_spec();
    if (spec.rfind("sim:", 0) != 0) return false;
    struct stat st;
    return stat(spec.c_str() + 4, &st) < 0 && errno == ENOENT;
}

int Monitor::on_shutdown(ShutdownReason reason) {
    ActionOnShutdown action;
    const char *key;
    switch (reason) {
    case ShutdownReason::Poweroff: action = cfg_.on_poweroff; key = "on_poweroff"; break;
    case ShutdownReason::Reboot: action = cfg_.on_reboot; key = "on_reboot"; break;
    case ShutdownReason::Crash: action = cfg_.on_crash; key = "on_crash"; break;
    case ShutdownReason::Suspend:
        // Being saved or migrated: whoever suspended it deals with it (xl).
        say_(label() + " was suspended: leaving it");
        return -1;
    default:
        // watchdog, soft_reset (on_watchdog/on_soft_reset are not in the
        // config) and unknown reasons: xl's default is destroy.
        say_(label() + " shut down with reason " + to_string(reason) + ": destroying it");
        destroy();
        return kExitOk;
    }
    say_(label() + " has shut down (reason " + to_string(reason) + "); " + key + " = " + action_name(action));
    switch (action) {
    case ActionOnShutdown::Destroy:
        destroy();
        return kExitOk;
    case ActionOnShutdown::Preserve:
        // xl: nothing to do, and the monitor's work is done.
        say_("preserving " + label() + "; the monitor exits");
        return kExitOk;
    case ActionOnShutdown::Restart: {
        Error rc = destroy();
        if (rc != Error::Success && rc != Error::DomainNotfound) return kExitFail;
        disable();
        std::uint32_t newid = 0;
        say_("restarting " + cfg_.name);
        rc = app_.run_op([&](AoHow how) { return domain_create_new(*app_.ctx, cfg_, false, &newid, std::move(how)); });
        errors_to_log();
        if (rc != Error::Success) {
            say_("cannot restart " + cfg_.name + ": " + error_string(rc_of(rc)));
            return kExitFail;
        }
        domid_ = newid;
        rc = enable();
        if (rc != Error::Success) {
            say_("cannot watch the restarted " + label() + ": " + error_string(rc_of(rc)));
            return kExitFail;
        }
        say_(cfg_.name + " restarted as " + label());
        return -1;
    }
    case ActionOnShutdown::RestartRename:
    case ActionOnShutdown::CoredumpDestroy:
    case ActionOnShutdown::CoredumpRestart:
    case ActionOnShutdown::SoftReset:
        say_(std::string(key) + " = " + action_name(action) + " is not supported by xlkit, destroying " + label());
        destroy();
        return kExitOk;
    }
    return kExitOk;
}

int Monitor::run() {
    const std::uint64_t mask = event_mask(EventType::DomainShutdown) | event_mask(EventType::DomainDeath);
    constexpr int kCheckMs = 5000;
    for (;;) {
        int sig = app_.turn(kCheckMs);
        if (sig < 0) {
            say_("the xlkit context failed; exiting");
            return kExitFail;
        }
        if (sig > 0) {
            say_("signal " + std::to_string(sig) + ": exiting, leaving " + label() + " as it is");
            return 128 + sig;
        }
        std::unique_ptr<Event> ev;
        while (app_.ctx->event_check(&ev, mask) == Error::Success) {
            if (ev->for_user != cookie_) continue;  // about a domain we no longer watch
            if (const auto *s = std::get_if<EventDomainShutdown>(&ev->u)) {
                int st = on_shutdown(s->shutdown_reason);
                if (st >= 0) return st;
            } else if (ev->type() == EventType::DomainDeath) {
                say_(label() + " has been destroyed; the monitor exits");
                return kExitOk;
            }
        }
        // Belt and braces: events cannot be missed, but a host can vanish.
        DomainInfo info;
        Error rc = domain_info(*app_.ctx, domid_, &info);
        if (rc == Error::DomainNotfound) {
            say_(label() + " is gone; the monitor exits");
            return kExitOk;
        }
        if (host_gone()) {
            say_("the sim host is gone; the monitor exits");
            return kExitFail;
        }
    }
}

// ---- the monitor's process and log ----------------------------------------

bool mkdir_p(const std::string &dir, mode_t mode) {
    std::string p;
    for (std::size_t i = 0; i <= dir.size(); ++i) {
        if (i == dir.size() || (dir[i] == '/' && i > 0)) {
            p = dir.substr(0, i);
            if (mkdir(p.c_str(), mode) < 0 && errno != EEXIST) return false;
        }
    }
    return true;
}

std::string monitor_log_path(const std::string &name, const std::string &opt, std::string *err) {
    if (!opt.empty()) return opt;
    std::string dir;
    mode_t mode = 0755;
    if (const char *d = std::getenv("XLKIT_LOG_DIR"); d && *d)
        dir = d;
    else if (geteuid() == 0)
        dir = "/var/log/xlkit";
    else if (const char *r = std::getenv("XDG_RUNTIME_DIR"); r && *r)
        dir = std::string(r) + "/xlkit";
    else {
        dir = "/tmp/xlkit-" + std::to_string(getuid());
        mode = 0700;
    }
    if (!mkdir_p(dir, mode)) {
        *err = "cannot create the log folder '" + dir + "': " + std::strerror(errno);
        return {};
    }
    return dir + "/" + name + ".log";
}

// The log path to use, checked to be writable (the monitor opens it later).
std::string usable_log_path(const std::string &name, const std::string &opt, std::string *err) {
    std::string path = monitor_log_path(name, opt, err);
    if (path.empty()) return path;
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        *err = "cannot open the monitor log '" + path + "': " + std::strerror(errno);
        return {};
    }
    close(fd);
    return path;
}

// The daemonized monitor. It is forked before xlkit's context exists, while
// this process still has a single thread (no lock of libxenstore's or of a
// worker thread can be inherited held, and ThreadSanitizer accepts it); it
// then waits for the domid of the created domain, or for its pipe to close
// if the creation failed, and only then creates its own context.
class MonitorChild {
public:
    ~MonitorChild() { cancel(); }

    bool fork_early(App &app, const DomainConfig &cfg, const std::string &log_path, std::string *err) {
        int go[2], ready[2];
        if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
            *err = std::string("pipe: ") + std::strerror(errno);
            return false;
        }
        // No signal reaches the child before it has its own handlers.
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigprocmask(SIG_BLOCK, &block, &old);
        std::fflush(nullptr);
        pid_t pid = fork();
        if (pid == 0) {
            close(go[1]);
            close(ready[0]);
            child(app, cfg, log_path, go[0], ready[1], old);  // never returns
        }
        sigprocmask(SIG_SETMASK, &old, nullptr);
        close(go[0]);
        close(ready[1]);
        if (pid < 0) {
            *err = std::string("fork: ") + std::strerror(errno);
            close(go[1]);
            close(ready[0]);
            return false;
        }
        pid_ = pid;
        go_ = go[1];
        ready_ = ready[0];
        log_path_ = log_path;
        return true;
    }

    // Hands the monitor its domain; returns once it watches it, so that a
    // shutdown right after `xlkit create` returns is acted on.
    bool start(std::uint32_t domid, std::string *err) {
        std::uint32_t d = domid;
        bool ok = write(go_, &d, sizeof d) == ssize_t(sizeof d);
        close(go_);
        go_ = -1;
        char b = 0;
        if (ok) {
            pollfd p{ready_, POLLIN, 0};
            int r;
            do r = poll(&p, 1, 10000);
            while (r < 0 && errno == EINTR);
            ok = r == 1 && read(ready_, &b, 1) == 1 && b == 'r';
        }
        close(ready_);
        ready_ = -1;
        if (!ok) {
            *err = "the monitor did not start (see " + log_path_ + ")";
            return false;
        }
        started_ = true;
        return true;
    }

    // Creation failed: the monitor sees its pipe close and exits at once.
    void cancel() {
        if (go_ >= 0) close(go_);
        if (ready_ >= 0) close(ready_);
        go_ = ready_ = -1;
        if (pid_ > 0 && !started_) {
            int st;
            while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
            }
        }
        if (!started_) pid_ = -1;
    }

    pid_t pid() const { return started_ ? pid_ : -1; }

private:
    [[noreturn]] static void child(App &app, const DomainConfig &cfg, const std::string &log_path, int go, int ready,
                                   const sigset_t &mask) {
        setsid();
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        // Nothing of the caller's stays open (its pipes, its terminal).
        int lo = std::min(go, ready), hi = std::max(go, ready);
        if (lo > 3) close_range(3, unsigned(lo - 1), 0);
        if (hi > lo + 1) close_range(unsigned(lo + 1), unsigned(hi - 1), 0);
        close_range(unsigned(hi + 1), ~0U, 0);
        signals::install();
        signals::reset();
        signal(SIGHUP, SIG_IGN);
        sigprocmask(SIG_SETMASK, &mask, nullptr);

        std::uint32_t domid = 0;
        ssize_t n;
        do n = read(go, &domid, sizeof domid);
        while (n < 0 && errno == EINTR);
        if (n != ssize_t(sizeof domid)) _exit(0);  // the domain was not created
        close(go);

        int logfd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (logfd < 0) _exit(kExitFail);  // the parent sees no "r" and says so
        dup2(logfd, 1);
        dup2(logfd, 2);
        close(logfd);
        setvbuf(stderr, nullptr, _IOLBF, 0);

        xentoollog_logger_stdiostream *lg = xtl_createlogger_stdiostream(
            stderr, app.g.verbose ? XTL_DEBUG : XTL_INFO,
            XTL_STDIOSTREAM_SHOW_DATE | XTL_STDIOSTREAM_SHOW_PID | XTL_STDIOSTREAM_HIDE_PROGRESS);
        auto *xlg = reinterpret_cast<xentoollog_logger *>(lg);
        auto say = [xlg](const std::string &m) { xtl_log(xlg, XTL_NOTICE, -1, "xlkit-monitor", "%s", m.c_str()); };
        app.log.reset();  // the ctx logs to the file directly
        CtxOptions o;
        o.logger = xlg;
        o.hypervisor = app.g.hypervisor;
        Error rc = Ctx::create(&app.ctx, o);
        int st = kExitFail;
        if (rc != Error::Success) {
            say(std::string("cannot create the xlkit context: ") + error_string(rc_of(rc)));
        } else {
            say("monitoring " + domain_label(domid, cfg.name) + " (on_poweroff=" + action_name(cfg.on_poweroff) +
                " on_reboot=" + action_name(cfg.on_reboot) + " on_crash=" + action_name(cfg.on_crash) + ")");
            st = run_monitor(app, domid, cfg, ready, say);
        }
        app.ctx.reset();
        std::fflush(nullptr);
        xtl_logger_destroy(xlg);
        _exit(st);
    }

    pid_t pid_ = -1;
    int go_ = -1, ready_ = -1;
    bool started_ = false;
    std::string log_path_;
};

} // namespace

int run_monitor(App &app, std::uint32_t domid, const DomainConfig &cfg, int ready_fd,
                std::function<void(const std::string &)> say) {
    if (!say)
        say = [](const std::string &m) {
            Progress::suspend_current();
            std::fprintf(stderr, "xlkit: monitor: %s\n", m.c_str());
        };
    Monitor mon(app, domid, cfg, say);
    Error rc = mon.enable();
    if (ready_fd >= 0) {
        if (rc == Error::Success) (void)!write(ready_fd, "r", 1);
        close(ready_fd);
    }
    if (rc != Error::Success) {
        say("cannot watch " + domain_label(domid, cfg.name) + ": " + error_string(rc_of(rc)));
        return kExitFail;
    }
    return mon.run();
}

int cmd_create(App &app, int argc, char **argv) {
    static const struct option longopts[] = {{"log", required_argument, nullptr, 'L'},
                                              {"help", no_argument, nullptr, 'h'},
                                              {nullptr, 0, nullptr, 0}};
    const char *file = nullptr;
    bool paused = false, foreground = false, no_monitor = false, dry_run = false, quiet = false;
    std::string log_opt;
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "f:pFenqh", longopts, &status)) != -1) {
        switch (c) {
        case 'f': file = optarg; break;
        case 'p': paused = true; break;
        case 'F': foreground = true; break;
        case 'e': no_monitor = true; break;
        case 'n': dry_run = true; break;
        case 'q': quiet = true; break;
        case 'L': log_opt = optarg; break;
        case 'h': return print_command_help(app);
        default: return status;
        }
    }
    if (foreground && no_monitor) return app.usage("-F and -e exclude each other");
    // As xl create: arguments with '=' are config lines, one other is the file.
    std::vector<std::string> extra;
    for (int i = optind; i < argc; ++i) {
        if (std::strchr(argv[i], '='))
            extra.push_back(argv[i]);
        else if (!file)
            file = argv[i];
        else
            return app.usage(std::string("unexpected argument '") + argv[i] + "' (one config file only)");
    }
    if (!file) return app.usage("no config file given");

    XlConfig xc;
    std::string err;
    int lr = load_xl_config(file, extra, !dry_run, &xc, &err);
    if (lr == kLoadUnreadable) return app.fail_msg(err);
    if (lr != kLoadOk) return app.fail(err, Error::Inval);
    for (const std::string &w : xc.warnings) std::fprintf(stderr, "xlkit: create: warning: %s\n", w.c_str());
    const DomainConfig &cfg = xc.cfg;
    if (dry_run) {
        std::string j = to_json_string(cfg);
        if (app.g.json)
            app.print_json(j);
        else
            std::printf("%s\n", json_pretty(j).c_str());
        return kExitOk;
    }
    CreateRun run;
    run.verb = "create";
    run.paused = paused;
    run.foreground = foreground;
    run.no_monitor = no_monitor;
    run.quiet = quiet;
    run.log_opt = log_opt;
    run.first_stage = "building the domain";
    run.start = [&](AoHow how, ProgressHow reports, std::uint32_t *domid) {
        return domain_create_new(*app.ctx, cfg, paused, domid, std::move(how), std::move(reports));
    };
    // The library names the config field: say where the file sets it.
    run.locate = [&](const std::string &e) { return locate_message(xc, e); };
    return create_domain(app, cfg, run);
}

int create_domain(App &app, const DomainConfig &cfg, const CreateRun &run) {
    const bool paused = run.paused, foreground = run.foreground, no_monitor = run.no_monitor, quiet = run.quiet;
    const std::string &log_opt = run.log_opt;
    // The monitor's process first, while there is no ctx and no thread.
    MonitorChild mon;
    bool have_mon = false;
    std::string log_path, mon_err;
    if (!no_monitor && !foreground) {
        log_path = usable_log_path(cfg.name, log_opt, &mon_err);
        have_mon = !log_path.empty() && mon.fork_early(app, cfg, log_path, &mon_err);
    }

    if (!app.open_ctx()) return kExitFail;
    std::uint32_t domid = 0;
    bool console = false;
    Progress prog;
    if (!quiet) {
        prog.begin(std::string(run.verb) + " " + cfg.name);
        prog.stage(run.first_stage, 0, 0);
        if (run.units_stage) prog.units(run.units_stage, run.unit_bytes);
    }
    // The console, then each device's stages and hotplug script lines (the
    // devices are added in parallel, inside the create).
    ReportView view(app, true);
    view.attach(quiet ? nullptr : &prog);
    ProgressHow reports = view.how([&](const Event &ev) {
        if (ev.type() != EventType::DomainCreateConsoleAvailable) return;
        console = true;
        if (!quiet) prog.note("domain " + std::to_string(ev.domid) + ": console available");
    });
    Error rc = app.run_op(
        [&](AoHow how) { return run.start(std::move(how), std::move(reports), &domid); }, &prog);
    prog.end();
    view.attach(nullptr);
    if (rc != Error::Success) {
        mon.cancel();
        std::string msg;
        for (const std::string &e : app.log->take_errors())
            msg += (msg.empty() ? "" : "; ") + (run.locate ? run.locate(e) : e);
        if (msg.empty()) msg = std::string("cannot ") + run.verb + " domain '" + cfg.name + "'";
        return app.fail(msg, rc);
    }
    const std::string label = domain_label(domid, cfg.name);

    pid_t mon_pid = -1;
    if (!no_monitor && !foreground) {
        if (have_mon && mon.start(domid, &mon_err)) mon_pid = mon.pid();
        if (mon_pid < 0)
            std::fprintf(stderr,
                         "xlkit: %s: warning: %s: on_poweroff/on_reboot/on_crash will not be carried out\n",
                         run.verb, mon_err.c_str());
    }
    if (app.g.json) {
        std::string mj = "null";
        if (mon_pid > 0) mj = "{\"pid\":" + std::to_string(mon_pid) + ",\"log\":" + json_quote(log_path) + "}";
        else if (foreground) mj = "\"foreground\"";
        app.print_json("{\"command\":\"" + std::string(run.verb) + "\",\"domid\":" + std::to_string(domid) + ",\"name\":" +
                       json_quote(cfg.name) + ",\"paused\":" + (paused ? "true" : "false") +
                       ",\"console_available\":" + (console ? "true" : "false") + ",\"config\":" +
                       to_json_string(cfg) + ",\"progress\":" + view.json() + ",\"monitor\":" + mj + "}");
    } else {
        std::printf("%s %s%s\n",
                    std::strcmp(run.verb, "restore") == 0           ? "Restored"
                    : std::strcmp(run.verb, "migrate-receive") == 0 ? "Received"
                                                                    : "Created",
                    label.c_str(),
                    paused ? " (paused)" : "");
        if (mon_pid > 0) std::printf("Monitor: pid %d, log %s\n", int(mon_pid), log_path.c_str());
        std::fflush(stdout);
    }
    if (foreground) return run_monitor(app, domid, cfg, -1);
    return kExitOk;
}

} // namespace xlcli
