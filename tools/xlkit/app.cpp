// app.cpp: the CLI's plumbing: signals, logger, progress display, the event
// loop that drives the ctx, and JSON helpers.
#include <algorithm>
#include <config.h>

#include <cctype>
#include "cli.hpp"

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <atomic>
#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

namespace xlcli {

using xlkit::Error;

// ---- signals ------------------------------------------------------------------

namespace signals {
namespace {
int g_pipe[2] = {-1, -1};
volatile sig_atomic_t g_first = 0;

extern "C" void on_signal(int sig) {
    int saved = errno;
    if (!g_first) g_first = sig;
    unsigned char b = static_cast<unsigned char>(sig);
    if (g_pipe[1] >= 0) (void)!write(g_pipe[1], &b, 1);
    errno = saved;
}
} // namespace

void install() {
    if (g_pipe[0] >= 0) close(g_pipe[0]);
    if (g_pipe[1] >= 0) close(g_pipe[1]);
    g_pipe[0] = g_pipe[1] = -1;
    if (pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) < 0) g_pipe[0] = g_pipe[1] = -1;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

int fd() { return g_pipe[0]; }

int drain() {
    int last = 0;
    unsigned char buf[64];
    for (;;) {
        ssize_t n = read(g_pipe[0], buf, sizeof buf);
        if (n <= 0) break;
        last = buf[n - 1];
    }
    return last;
}

int first() { return g_first; }
void reset() { g_first = 0; }

} // namespace signals

// ---- logger ---------------------------------------------------------------------

namespace {
// The active progress display, so that log lines do not overwrite it.
Progress *g_progress = nullptr;
} // namespace

struct Logger::Impl {
    // The printing is xentoollog's own stdio logger; errors are also kept
    // for the command's one-line error (and only printed when verbose).
    xentoollog_logger_stdiostream *stdio = nullptr;
    bool print_errors = false;
    std::vector<std::string> errors;
    // How many ReportViews show hotplug script lines (their log lines are
    // then not printed).
    std::atomic<int> quiet_lines{0};
    bool timestamps = false;
};

namespace {

// -T: "2026-12-06 02:31:57.077 UTC " (and "[pid] ") before a line on stderr.
void print_stamp(bool pid) {
    struct timespec ts;
    struct tm tm;
    char date[64], zone[16];
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
    std::strftime(zone, sizeof zone, "%Z", &tm);
    std::fprintf(stderr, "%s.%03ld %s ", date, ts.tv_nsec / 1000000, zone);
    if (pid) std::fprintf(stderr, "[%ld] ", long(getpid()));
}

struct XtlShim {
    xentoollog_logger vt;  // first: the library calls through it
    Logger::Impl *impl;
};

__attribute__((format(printf, 5, 0))) void shim_vmessage(xentoollog_logger *lg, xentoollog_level level,
                                                         int errnoval, const char *context,
                                                         const char *format, va_list al) {
    Logger::Impl *impl = reinterpret_cast<XtlShim *>(lg)->impl;
    if (level == XTL_INFO && impl->quiet_lines.load(std::memory_order_relaxed) > 0 &&
        std::strstr(format, ": hotplug: "))
        return;
    bool is_error = level >= XTL_ERROR;
    if (is_error) {
        char buf[4096];
        va_list ap;
        va_copy(ap, al);
        std::vsnprintf(buf, sizeof buf, format, ap);
        va_end(ap);
        std::string msg = buf;
        if (errnoval >= 0) msg += std::string(": ") + std::strerror(errnoval);
        impl->errors.push_back(msg);
        if (!impl->print_errors) return;
    }
    if (!impl->stdio) return;
    Progress::suspend_current();
    if (impl->timestamps) print_stamp(false);  // then xentoollog's [pid]
    va_list ap;
    va_copy(ap, al);
    xtl_logv(reinterpret_cast<xentoollog_logger *>(impl->stdio), level, errnoval, context, format, ap);
    va_end(ap);
}

void shim_progress(xentoollog_logger *, const char *, const char *, int, unsigned long, unsigned long) {}
void shim_destroy(xentoollog_logger *) {}

} // namespace

Logger::Logger(int verbose, bool timestamps) : impl_(std::make_unique<Impl>()), verbose_(verbose) {
    // Warnings and worse by default (errors go into the error line);
    // everything down to debug with -v.
    impl_->stdio = xtl_createlogger_stdiostream(stderr, verbose > 0 ? XTL_DEBUG : XTL_WARN,
                                                timestamps ? XTL_STDIOSTREAM_SHOW_PID : 0);
    impl_->timestamps = timestamps;
    impl_->print_errors = verbose > 0;
    auto *s = new XtlShim;
    s->vt.vmessage = shim_vmessage;
    s->vt.progress = shim_progress;
    s->vt.destroy = shim_destroy;
    s->impl = impl_.get();
    shim_ = s;
}

Logger::~Logger() {
    delete static_cast<XtlShim *>(shim_);
    if (impl_->stdio) xtl_logger_destroy(reinterpret_cast<xentoollog_logger *>(impl_->stdio));
}

xentoollog_logger *Logger::xtl() noexcept { return &static_cast<XtlShim *>(shim_)->vt; }

void Logger::quiet_script_lines(bool on) { impl_->quiet_lines.fetch_add(on ? 1 : -1); }

std::vector<std::string> Logger::take_errors() {
    std::vector<std::string> e;
    e.swap(impl_->errors);
    return e;
}

// ---- progress ---------------------------------------------------------------------

namespace {
double now_s() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}
} // namespace

namespace {
bool g_force_redraw = false;
bool g_stamp_lines = false;
} // namespace

void Progress::force_redraw(bool on) noexcept { g_force_redraw = on; }
void Progress::stamp_lines(bool on) noexcept { g_stamp_lines = on; }

Progress::Progress() : tty_(g_force_redraw || isatty(2) == 1) {}

Progress::~Progress() { end(); }

void Progress::suspend_current() {
    Progress *p = g_progress;
    if (p && p->tty_ && p->drawn_) {
        std::fputs("\r\033[K", stderr);
        p->drawn_ = false;
    }
}

void Progress::begin(const std::string &title) {
    end();
    title_ = title;
    stage_.clear();
    done_ = total_ = 0;
    t0_ = now_s();
    active_ = true;
    g_progress = this;
    if (tty_) draw();
}

void Progress::draw() {
    std::string line = "\r\033[K" + title_;
    if (total_ > 0) {
        const int width = 20;
        // Clamped: a report's done may pass its total (never draw past the end).
        const long long d = std::clamp<long long>(done_, 0, total_);
        const int fill = int(d * width / total_);
        line += " [" + std::string(std::size_t(fill), '#') + std::string(std::size_t(width - fill), '.') + "] " +
                std::to_string(done_) + "/" + std::to_string(total_);
        if (!stage_.empty()) line += " " + stage_;
        const double dt = now_s() - stage_t0_;
        if (stage_ == unit_stage_ && unit_bytes_ > 0 && dt > 0.5 && done_ > stage_done0_) {
            const double per_s = double(done_ - stage_done0_) / dt;
            char t[64];
            std::snprintf(t, sizeof t, " %.1f MiB/s, %.0fs left", per_s * unit_bytes_ / (1024.0 * 1024.0),
                          double(total_ - done_) / per_s);
            line += t;
        }
    } else {
        static const char spin[] = "|/-\\";
        char t[32];
        std::snprintf(t, sizeof t, " %c %.1fs", spin[spin_ % 4], now_s() - t0_);
        line += t;
        if (!stage_.empty()) line += " " + stage_;
    }
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    drawn_ = true;
}

void Progress::stage(const std::string &name, int done, int total) {
    if (name != stage_ || done < done_) {
        stage_t0_ = now_s();
        stage_done0_ = done;
    }
    stage_ = name;
    done_ = done;
    total_ = total;
    if (tty_) {
        draw();
    } else {
        if (g_stamp_lines) print_stamp(true);
        if (total > 0)
            std::fprintf(stderr, "%s: %s (%d/%d)\n", title_.c_str(), name.c_str(), done, total);
        else
            std::fprintf(stderr, "%s: %s\n", title_.c_str(), name.c_str());
        std::fflush(stderr);
    }
}

void Progress::note(const std::string &msg) {
    if (tty_) suspend_current();
    if (g_stamp_lines) print_stamp(true);
    std::fprintf(stderr, "%s: %s\n", title_.c_str(), msg.c_str());
    if (tty_ && active_) draw();
    std::fflush(stderr);
}

void Progress::tick() {
    if (!active_ || !tty_) return;
    ++spin_;
    draw();
}

void Progress::end() {
    if (!active_) return;
    if (tty_ && drawn_) std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
    active_ = false;
    if (g_progress == this) g_progress = nullptr;
}

// ---- App --------------------------------------------------------------------------

std::string App::hypervisor_spec() const {
    if (!g.hypervisor.empty()) return g.hypervisor;
    const char *e = std::getenv("XLKIT_HYPERVISOR");
    if (e && *e) return e;
    return "xenctrl";
}

bool App::open_ctx() {
    if (ctx) return true;
    if (!log) log = std::make_unique<Logger>(g.verbose, g.timestamps);
    xlkit::CtxOptions o;
    o.logger = log->xtl();
    o.hypervisor = g.hypervisor;
    Error rc = xlkit::Ctx::create(&ctx, o);
    if (rc != Error::Success) {
        (void)fail("cannot create the xlkit context", rc);
        return false;
    }
    return true;
}

int App::fail(const std::string &what, Error rc) {
    Progress::suspend_current();
    std::string msg = what;
    if (log) {
        std::vector<std::string> errs = log->take_errors();
        std::string joined;
        for (const std::string &e : errs) {
            if (!joined.empty()) joined += "; ";
            // The library names the operation ("create: ..."): so does our prefix.
            const std::string own = cmd + ": ";
            joined += e.compare(0, own.size(), own) == 0 ? e.substr(own.size()) : e;
        }
        // The CLI's own wording first, then what the library said (if it
        // adds anything).
        if (!joined.empty() && msg.find(joined) == std::string::npos)
            msg = msg.empty() ? joined : msg + ": " + joined;
    }
    int sig = signals::first();
    if (sig && rc == Error::Aborted) msg += msg.empty() ? "interrupted" : " (interrupted)";
    // "...: Invalid argument" from errno already says what error_string would.
    const std::string es = xlkit::error_string(xlkit::rc_of(rc));
    auto lower = [](std::string t) {
        for (char &ch : t) ch = char(std::tolower(static_cast<unsigned char>(ch)));
        return t;
    };
    const bool said = msg.size() >= es.size() && lower(msg.substr(msg.size() - es.size())) == lower(es);
    if (said)
        std::fprintf(stderr, "xlkit: %s: %s\n", cmd.c_str(), msg.c_str());
    else
        std::fprintf(stderr, "xlkit: %s: %s: %s\n", cmd.c_str(), msg.c_str(), es.c_str());
    std::fflush(stderr);
    if (g.json) {
        const char *name = xlkit::to_string(rc);
        print_json("{\"command\":" + json_quote(cmd) + ",\"error\":" + json_quote(name ? name : "unknown") +
                   ",\"rc\":" + std::to_string(xlkit::rc_of(rc)) + ",\"message\":" + json_quote(msg) + "}");
    }
    return sig ? 128 + sig : kExitFail;
}

int App::fail_msg(const std::string &what, int status) {
    Progress::suspend_current();
    std::fprintf(stderr, "xlkit: %s: %s\n", cmd.c_str(), what.c_str());
    std::fflush(stderr);
    if (g.json && status != kExitUsage)
        print_json("{\"command\":" + json_quote(cmd) + ",\"error\":\"fail\",\"message\":" + json_quote(what) + "}");
    int sig = signals::first();
    return sig ? 128 + sig : status;
}

int App::usage(const std::string &what) {
    std::string c = cmd.empty() ? std::string("xlkit") : cmd;
    std::fprintf(stderr, "xlkit: %s: %s (see 'xlkit help%s%s')\n", c.c_str(), what.c_str(), cmd.empty() ? "" : " ",
                 cmd.c_str());
    return kExitUsage;
}

int App::turn(int timeout_ms) {
    if (fds_.size() < 16) fds_.resize(16);
    int nfds = 0;
    int timeout = timeout_ms;
    for (;;) {
        nfds = int(fds_.size()) - 1;
        timeout = timeout_ms;
        struct timeval now;
        gettimeofday(&now, nullptr);
        Error rc = ctx->beforepoll(fds_.data() + 1, &nfds, &timeout, now);
        if (rc == Error::Bufferfull) {
            fds_.resize(std::size_t(nfds) + 9);
            continue;
        }
        if (rc != Error::Success) return -1;
        break;
    }
    fds_[0] = pollfd{signals::fd(), POLLIN, 0};
    for (int i = 0; i <= nfds; ++i) fds_[std::size_t(i)].revents = 0;
    int r = poll(fds_.data(), nfds_t(nfds + 1), timeout);
    if (r < 0)
        for (int i = 0; i <= nfds; ++i) fds_[std::size_t(i)].revents = 0;
    int sig = 0;
    if (r > 0 && fds_[0].revents) sig = signals::drain();
    struct timeval now;
    gettimeofday(&now, nullptr);
    ctx->afterpoll(fds_.data() + 1, nfds, now);
    return sig;
}

Error App::run_op(const std::function<Error(xlkit::AoHow)> &start, Progress *prog) {
    struct State {
        bool done = false;
        Error rc = Error::Success;
    };
    auto st = std::make_shared<State>();
    std::stop_source stop;
    if (signals::first()) return Error::Aborted;  // interrupted before we began
    Error rc = start(xlkit::AoHow::callback([st](Error e) {
                         st->done = true;
                         st->rc = e;
                     }).abort_on(stop.get_token()));
    if (rc != Error::Success) return rc;
    int signals_seen = 0;
    while (!st->done) {
        bool animate = prog && prog->active() && prog->tty();
        int sig = turn(animate ? 100 : -1);
        if (sig < 0) return Error::Fail;
        if (sig > 0) {
            if (++signals_seen == 1) {
                if (prog && prog->active()) prog->note("interrupted: aborting the operation");
                stop.request_stop();
            } else {
                Progress::suspend_current();
                std::fprintf(stderr, "xlkit: %s: interrupted again: exiting without waiting for the abort\n",
                             cmd.c_str());
                _exit(128 + signals::first());
            }
        }
        if (animate) prog->tick();
    }
    return st->rc;
}

// ---- ReportView ----------------------------------------------------------------------

ReportView::~ReportView() {
    if (quiet_ && app_.log) app_.log->quiet_script_lines(false);
}

xlkit::ProgressHow ReportView::how(std::function<void(const xlkit::Event &)> other) {
    if (!quiet_ && app_.log) {
        app_.log->quiet_script_lines(true);
        quiet_ = true;
    }
    return xlkit::ProgressHow::callback([this, other = std::move(other)](const xlkit::Event &ev) {
        if (std::holds_alternative<xlkit::EventOperationProgress>(ev.u) ||
            std::holds_alternative<xlkit::EventHelperOutput>(ev.u))
            show(ev);
        else if (other)
            other(ev);
    });
}

void ReportView::show(const xlkit::Event &ev) {
    if (const auto *p = std::get_if<xlkit::EventOperationProgress>(&ev.u)) {
        json_.push_back(to_json_string(ev));
        std::string stage = p->stage;
        // A precopy pass: what suspending the guest now would cost.
        if (p->iteration > 0 && p->downtime_ms >= 0)
            stage += ", last copy ~" + std::to_string(p->downtime_ms) + " ms";
        std::size_t colon = stage.find(": ");
        const bool device = colon != std::string::npos && p->iteration == 0;
        if (device) device_ = stage.substr(0, colon);
        if (!prog_) return;
        if (!device || !nested_) {
            prog_->stage(stage, p->done, p->total);
            if (!device) {
                top_stage_ = stage;
                top_done_ = p->done;
                top_total_ = p->total;
            }
            return;
        }
        std::string text = stage;
        if (p->total > 0) text += " (" + std::to_string(p->done) + "/" + std::to_string(p->total) + ")";
        if (prog_->tty() && top_total_ > 0)
            prog_->stage(top_stage_ + ": " + text, top_done_, top_total_);
        else
            prog_->stage(text, 0, 0);
    } else if (const auto *h = std::get_if<xlkit::EventHelperOutput>(&ev.u)) {
        json_.push_back(to_json_string(ev));
        // The device the library names; else, with one device at a time,
        // the device of the last stage.
        std::string dev = h->source;
        if (dev.empty() && !nested_) dev = device_;
        if (!app_.g.verbose) return;
        std::string msg = (dev.empty() ? std::string() : dev + ": ") + "hotplug script" +
                          (h->stream == 2 ? " (stderr)" : "") + ": " + h->line;
        if (prog_ && prog_->active()) {
            prog_->note(msg);
        } else {
            Progress::suspend_current();
            std::fprintf(stderr, "%s: %s\n", app_.cmd.c_str(), msg.c_str());
            std::fflush(stderr);
        }
    }
}

std::string ReportView::json() const {
    std::string j = "[";
    for (std::size_t i = 0; i < json_.size(); ++i) j += (i ? "," : "") + json_[i];
    return j + "]";
}

std::string domain_label(std::uint32_t domid, const std::string &name) {
    std::string s = "domain " + std::to_string(domid);
    if (!name.empty()) s += " (" + name + ")";
    return s;
}

bool App::resolve(const std::string &dom, std::uint32_t *domid, std::string *name_r) {
    Error rc = xlkit::domain_qualifier_to_domid(*ctx, dom, domid);
    if (rc != Error::Success) {
        (void)fail("no domain '" + dom + "'", rc);
        return false;
    }
    if (name_r) *name_r = name_of(*domid);
    return true;
}

std::string App::name_of(std::uint32_t domid) {
    xlkit::DomainInfo info;
    return xlkit::domain_info(*ctx, domid, &info) == Error::Success ? info.name : std::string();
}

void App::print_json(const std::string &doc) {
    std::fputs(doc.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

namespace {

// The global options, also accepted after the subcommand (getopt_long
// permutes, so anywhere among its arguments). Their codes are above any
// character a command uses for its own options.
enum : int { kOptJson = 0x1000, kOptVerbose, kOptHypervisor, kOptVersion };

const struct option kGlobalLongopts[] = {{"json", no_argument, nullptr, kOptJson},
                                         {"verbose", no_argument, nullptr, kOptVerbose},
                                         {"hypervisor", required_argument, nullptr, kOptHypervisor},
                                         {"version", no_argument, nullptr, kOptVersion}};

bool has_long(const struct option *longopts, const char *name) {
    for (const struct option *o = longopts; o && o->name; ++o)
        if (std::strcmp(o->name, name) == 0) return true;
    return false;
}

} // namespace

int getopt_cmd(App &app, int argc, char **argv, const char *shortopts, const struct option *longopts, int *status) {
    opterr = 0;
    // The command's own options first: a global one it also defines (none
    // does today) stays the command's.
    std::string so = std::string(":") + shortopts;
    for (const char *g = "vtT"; *g; ++g)
        if (!std::strchr(shortopts, *g)) so += *g;
    std::vector<struct option> all;
    for (const struct option *o = longopts; o && o->name; ++o) all.push_back(*o);
    for (const struct option &g : kGlobalLongopts)
        if (!has_long(longopts, g.name)) all.push_back(g);
    all.push_back({nullptr, 0, nullptr, 0});
    const bool own_v = std::strchr(shortopts, 'v') != nullptr;
    const bool own_t = std::strchr(shortopts, 't') != nullptr, own_T = std::strchr(shortopts, 'T') != nullptr;
    for (;;) {
        int c = getopt_long(argc, argv, so.c_str(), all.data(), nullptr);
        if (c == '?' || c == ':') {
            // glibc: optopt is the character of a bad short option, 0 for an
            // unknown long one, and the option's value for a long one that
            // lacks its argument; argv[optind - 1] is then that argument.
            std::string prev = optind >= 1 && optind - 1 < argc ? argv[optind - 1] : "";
            bool is_long = c == '?' ? optopt == 0 : prev.rfind("--", 0) == 0;
            std::string bad = is_long ? prev : std::string("-") + char(optopt);
            std::size_t eq = bad.find('=');
            if (eq != std::string::npos && bad.rfind("--", 0) == 0) bad.resize(eq);
            *status = app.usage(c == '?' ? "unknown option '" + bad + "'" : "option '" + bad + "' needs a value");
            return '?';
        }
        if (c == 'v' && !own_v) {
            app.g.verbose++;
        } else if (c == 't' && !own_t) {
            app.g.progress_cr = true;
            Progress::force_redraw(true);
        } else if (c == 'T' && !own_T) {
            app.g.timestamps = true;
            Progress::stamp_lines(true);
        } else if (c == kOptJson) {
            app.g.json = true;
        } else if (c == kOptVerbose) {
            app.g.verbose++;
        } else if (c == kOptHypervisor) {
            if (!*optarg) {
                *status = app.usage("--hypervisor needs a value (xenctrl or sim:DIR)");
                return '?';
            }
            app.g.hypervisor = optarg;
        } else if (c == kOptVersion) {
            std::printf("xlkit %s\n", PACKAGE_VERSION);
            *status = kExitOk;
            return '?';
        } else {
            return c;
        }
    }
}

int print_command_help(App &app) {
    const char *u = command_usage(app.cmd);
    const char *h = command_help(app.cmd);
    std::printf("usage: xlkit %s\n\n%s", u ? u : app.cmd.c_str(), h ? h : "");
    return kExitOk;
}

bool parse_seconds(const char *s, double *out) {
    if (!s || !*s) return false;
    char *end = nullptr;
    errno = 0;
    double v = std::strtod(s, &end);
    if (errno || *end || !std::isfinite(v) || v < 0 || v > 1e6) return false;
    *out = v;
    return true;
}

bool parse_count(const char *s, unsigned long max, unsigned long *out) {
    if (!s || *s < '1' || *s > '9') return false;
    char *end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(s, &end, 10);
    if (errno || *end || v > max) return false;
    *out = v;
    return true;
}

// ---- JSON ---------------------------------------------------------------------

std::string json_quote(const std::string &s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': o += "\\\""; break;
        case '\\': o += "\\\\"; break;
        case '\n': o += "\\n"; break;
        case '\r': o += "\\r"; break;
        case '\t': o += "\\t"; break;
        default:
            if (c < 0x20) {
                char b[8];
                std::snprintf(b, sizeof b, "\\u%04x", c);
                o += b;
            } else {
                o += char(c);
            }
        }
    }
    return o + "\"";
}

std::string json_pretty(const std::string &in) {
    std::string o;
    int depth = 0;
    bool in_str = false;
    auto nl = [&] { o += '\n' + std::string(std::size_t(depth) * 4, ' '); };
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (in_str) {
            o += c;
            if (c == '\\' && i + 1 < in.size()) o += in[++i];
            else if (c == '"') in_str = false;
            continue;
        }
        switch (c) {
        case '"': in_str = true; o += c; break;
        case '{':
        case '[':
            // Empty containers stay on one line.
            if (i + 1 < in.size() && (in[i + 1] == '}' || in[i + 1] == ']')) {
                o += c;
                o += in[++i];
                break;
            }
            o += c;
            ++depth;
            nl();
            break;
        case '}':
        case ']':
            --depth;
            nl();
            o += c;
            break;
        case ',': o += c; nl(); break;
        case ':': o += ": "; break;
        case ' ': case '\n': case '\t': case '\r': break;
        default: o += c;
        }
    }
    return o;
}

} // namespace xlcli
