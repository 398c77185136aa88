// cli.hpp: what the xlkit CLI's parts share: the global options, the
// logger that turns the library's error messages into the one-line error,
// the event loop (the ctx and the Ctrl-C self-pipe in one poll()), progress
// display and JSON helpers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <getopt.h>
#include <poll.h>

#include <xlkit/ao.hpp>
#include <xlkit/ctx.hpp>
#include <xlkit/domain.hpp>
#include <xlkit/error.hpp>
#include <xlkit/progress.hpp>

namespace xlcli {

// Exit statuses.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitUsage = 2;

// ---- signals: SIGINT/SIGTERM through a self-pipe --------------------------

namespace signals {
/* Installs handlers for SIGINT and SIGTERM that only write the signal number
 * to a non-blocking close-on-exec pipe. Idempotent; call again in a forked
 * child (after closing inherited fds) to get a fresh pipe. */
void install();
int fd();
/* Reads what is in the pipe; returns the last signal number read, 0 if none. */
int drain();
/* The first signal received so far (0: none). */
int first();
/* Forget signals received (the monitor child starts clean). */
void reset();
} // namespace signals

// ---- logging ----------------------------------------------------------------

/* The library's xentoollog logger. Messages at ERROR and above are kept
 * (they become part of the command's one-line error) and only printed when
 * verbose; others go to a xentoollog stdio logger on stderr, from WARN up
 * (DEBUG with -v). */
class Logger {
public:
    /* timestamps: each line starts with the date and time to the
     * millisecond and the pid (xl -T shows the second). */
    Logger(int verbose, bool timestamps);
    ~Logger();
    Logger(const Logger &) = delete;
    Logger &operator=(const Logger &) = delete;
    xentoollog_logger *xtl() noexcept;
    /* The error messages logged since the last take(). */
    std::vector<std::string> take_errors();
    bool verbose() const noexcept { return verbose_ > 0; }
    /* The library logs each line of a hotplug script at INFO, as "DEVICE:
     * hotplug: LINE", and also reports it (HELPER_OUTPUT, with the device
     * as its source). While a ReportView shows the reports
     * (quiet_script_lines(true), counted), the log lines are not printed,
     * so that each line is shown once. */
    void quiet_script_lines(bool on);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
    void *shim_ = nullptr;  // the xentoollog_logger handed to the library
    int verbose_;
};

// ---- progress display -----------------------------------------------------

/* One long operation's progress on stderr: on a terminal (or with -t) a
 * redrawn bar (when the stages are known) or a spinner, otherwise one plain
 * line per stage. */
class Progress {
public:
    /* -t: draw as on a terminal whatever stderr is (a migration receiver's
     * stderr is the sender's ssh channel, which ends on a terminal). */
    static void force_redraw(bool on) noexcept;
    /* -T: lines printed (not redrawn ones) start with the time and pid. */
    static void stamp_lines(bool on) noexcept;
    Progress();
    ~Progress();
    bool tty() const noexcept { return tty_; }
    /* Starts a display: "title" with a spinner until stage() is called. */
    void begin(const std::string &title);
    /* A stage reached: done of total (total 0: unknown). */
    void stage(const std::string &name, int done, int total);
    /* Stage `stage` counts units of bytes_per_unit bytes: on a terminal its
     * bar also shows the rate (MiB/s) and the time left. */
    void units(const std::string &stage, double bytes_per_unit) {
        unit_stage_ = stage;
        unit_bytes_ = bytes_per_unit;
    }
    /* A message line (kept on screen). */
    void note(const std::string &msg);
    /* Redraws the spinner (call every ~100 ms while active on a terminal). */
    void tick();
    /* Ends the display (clears the bar on a terminal). */
    void end();
    bool active() const noexcept { return active_; }
    /* Clears the drawn line so that someone else can print; it is redrawn
     * at the next tick. */
    static void suspend_current();

private:
    void draw();
    bool tty_;
    bool active_ = false;
    bool drawn_ = false;
    std::string title_, stage_;
    int done_ = 0, total_ = 0;
    unsigned spin_ = 0;
    double t0_ = 0;
    std::string unit_stage_;
    double unit_bytes_ = 0;
    double stage_t0_ = 0;  // when the counted stage began, and at what count
    int stage_done0_ = 0;
};

// ---- the application ---------------------------------------------------------

struct Globals {
    bool json = false;
    int verbose = 0;
    bool timestamps = false;   // -T: each log line starts with the time (ms) and pid
    bool progress_cr = false;  // -t: progress redrawn with \r even when stderr is no terminal
    std::string hypervisor;  // --hypervisor; empty: XLKIT_HYPERVISOR, else xenctrl
};

class App {
public:
    Globals g;
    std::string cmd;  // the subcommand, for messages
    std::unique_ptr<Logger> log;
    std::unique_ptr<xlkit::Ctx> ctx;

    /* The backend spec actually used (option, environment, default). */
    std::string hypervisor_spec() const;

    /* Creates the ctx; on failure prints the error and returns false. */
    bool open_ctx();

    /* Prints "xlkit: CMD: WHAT: ERROR" (WHAT extended by what the library
     * logged) and returns the exit status: 128+signal if a signal arrived,
     * else kExitFail. In --json mode a JSON error object goes to stdout. */
    int fail(const std::string &what, xlkit::Error rc);
    /* The same without an error code: "xlkit: CMD: WHAT". */
    int fail_msg(const std::string &what, int status = kExitFail);
    /* A usage problem: "xlkit: CMD: WHAT (see 'xlkit help CMD')", status 2. */
    int usage(const std::string &what);

    /* One turn of the event loop: poll() over the ctx's fds and the signal
     * pipe for up to timeout_ms (-1: no limit). Returns the signal number
     * that arrived during the turn, else 0. */
    int turn(int timeout_ms);

    /* Starts an operation with an AoHow that aborts when Ctrl-C arrives and
     * drives the ctx until it completes; the progress display (if active)
     * is animated meanwhile. A second signal exits at once. */
    xlkit::Error run_op(const std::function<xlkit::Error(xlkit::AoHow)> &start, Progress *prog = nullptr);

    /* Resolves DOM (name or domid); on failure prints the error, returns
     * false. *name_r gets the domain's name. */
    bool resolve(const std::string &dom, std::uint32_t *domid, std::string *name_r = nullptr);
    /* The domain's name, "" if it has none or is gone. */
    std::string name_of(std::uint32_t domid);

    /* Prints a JSON document (one line) to stdout. */
    void print_json(const std::string &doc);

private:
    std::vector<pollfd> fds_;
};

/* An operation's progress reports, shown and kept for --json:
 *   OPERATION_PROGRESS  a stage of the attached Progress. A device's stages
 *                       are named "DEVICE: STAGE" ("disk xvdb: hotplug");
 *                       in a nested view (create, destroy: several devices
 *                       at once, inside the operation's own stages) they
 *                       are shown with their own count in the text,
 *                       leaving the bar to the operation's stages;
 *   HELPER_OUTPUT       a line of a hotplug script: a note with -v;
 * other reports are left to the caller. The view must outlive the
 * operation (its how() refers to it). */
class ReportView {
public:
    explicit ReportView(App &app, bool nested = false) : app_(app), nested_(nested) {}
    ~ReportView();
    ReportView(const ReportView &) = delete;
    ReportView &operator=(const ReportView &) = delete;
    /* Where stages and notes go (nullptr: nowhere; reports are still kept). */
    void attach(Progress *p) { prog_ = p; }
    /* A ProgressHow that shows each report through this view; other events
     * (the create's console) go to other. Call it after App::open_ctx. */
    xlkit::ProgressHow how(std::function<void(const xlkit::Event &)> other = {});
    /* Shows and keeps one report (ignores other kinds of event). */
    void show(const xlkit::Event &ev);
    /* The reports so far as a JSON array. */
    std::string json() const;

private:
    App &app_;
    bool nested_;
    Progress *prog_ = nullptr;
    std::string top_stage_;  // the operation's own last stage, and its count
    int top_done_ = 0, top_total_ = 0;
    std::string device_;  // the device of the last device stage
    std::vector<std::string> json_;
    bool quiet_ = false;  // the logger leaves script lines to this view
};

/* "domain 3 (guest1)" or "domain 3". */
std::string domain_label(std::uint32_t domid, const std::string &name);

// ---- JSON --------------------------------------------------------------------

std::string json_quote(const std::string &s);
/* Re-indents a compact JSON document with 4 spaces, as xl prints JSON. */
std::string json_pretty(const std::string &compact);
template <class T>
std::string to_json_string(const T &v) {
    std::string out;
    if (xlkit::to_json(v, &out) != xlkit::Error::Success) return "null";
    return out;
}

// ---- commands ---------------------------------------------------------------

int cmd_list(App &app, int argc, char **argv);
int cmd_create(App &app, int argc, char **argv);
/* What create and restore share (xl's create_domain): the monitor (forked
 * early unless no_monitor or foreground), the progress display, the
 * operation (start), the report and, with foreground, the monitor in this
 * process. Returns the exit status. */
struct CreateRun {
    const char *verb = "create";  // "create" | "restore": messages and JSON
    bool paused = false, foreground = false, no_monitor = false, quiet = false;
    std::string log_opt;
    const char *first_stage = "building the domain";
    const char *units_stage = nullptr;  // a stage counting unit_bytes each (Progress::units)
    double unit_bytes = 0;
    std::function<xlkit::Error(xlkit::AoHow, xlkit::ProgressHow, std::uint32_t *)> start;
    std::function<std::string(const std::string &)> locate;  // a library error, placed in the config; may be empty
};
int create_domain(App &app, const xlkit::DomainConfig &cfg, const CreateRun &run);
int cmd_restore(App &app, int argc, char **argv);
/* xl's save header from fd (a save file's start, or the stream of an
 * incoming migration; cmd_restore.cpp): true and the JSON configuration
 * (empty if none), or false and *err saying what is wrong, naming file. */
bool read_xl_header(int fd, const std::string &file, std::string *json, std::string *err);
int cmd_migrate(App &app, int argc, char **argv);
int cmd_migrate_receive(App &app, int argc, char **argv);
int cmd_destroy(App &app, int argc, char **argv);
int cmd_save(App &app, int argc, char **argv);
int cmd_shutdown(App &app, int argc, char **argv);
int cmd_reboot(App &app, int argc, char **argv);
int cmd_pause(App &app, int argc, char **argv);
int cmd_unpause(App &app, int argc, char **argv);
int cmd_wait(App &app, int argc, char **argv);
int cmd_events(App &app, int argc, char **argv);
int cmd_info(App &app, int argc, char **argv);
int cmd_help(App &app, int argc, char **argv);
int cmd_block_attach(App &app, int argc, char **argv);
int cmd_block_detach(App &app, int argc, char **argv);
int cmd_block_list(App &app, int argc, char **argv);
int cmd_network_attach(App &app, int argc, char **argv);
int cmd_network_detach(App &app, int argc, char **argv);
int cmd_network_list(App &app, int argc, char **argv);

/* The help text of one command (usage line first), or nullptr. */
const char *command_help(const std::string &cmd);
const char *command_usage(const std::string &cmd);

/* The six-letter state of `xl list`: r b p s c d, '-' for unset. */
std::string state_letters(const xlkit::DomainInfo &d);

/* Runs the on_poweroff/on_reboot/on_crash monitor for domid in this
 * process until the domain is gone; returns the exit status. Once it
 * watches the domain it writes "r" to ready_fd (if >= 0) and closes it.
 * say: where its messages go (default: stderr). */
int run_monitor(App &app, std::uint32_t domid, const xlkit::DomainConfig &cfg, int ready_fd,
                std::function<void(const std::string &)> say = {});

/* getopt_long over a subcommand's argv (argv[0] is the command name), with
 * "-h"/"--help" handled by the caller. The global options (--json, -v,
 * --verbose, --hypervisor[=]SPEC, --version) are accepted anywhere among the
 * command's arguments too and applied to app.g here, unless the command
 * defines an option of the same name. Returns the command's option, -1 at
 * the end, or '?' when the command should return *status: after a usage
 * error naming the option, or after --version printed the version. */
int getopt_cmd(App &app, int argc, char **argv, const char *shortopts, const struct option *longopts, int *status);
/* Prints the command's help to stdout; returns kExitOk. */
int print_command_help(App &app);

/* Parses a non-negative number of seconds ("5", "0.5"); false if bad. */
bool parse_seconds(const char *s, double *out);

/* Parses a whole number in [1, max] ("5"); false if bad. */
bool parse_count(const char *s, unsigned long max, unsigned long *out);

} // namespace xlcli
