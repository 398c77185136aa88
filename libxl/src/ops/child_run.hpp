// ChildRun: a program run as part of an operation (libxl__async_exec,
// redone), with its output as lines, a timeout that kills, and abort.
// Layer 4 (used by helper_run and by the device hotplug scripts).
//
// State machine (lock held throughout):
//   Idle    --child_run_start(bad argv / pipe / fork)--> Idle, returns
//                                  the error; callback never called
//   Idle    --child_run_start(ok)-->  Running   (output watched, timeout
//                                  armed; if they cannot be: Killing)
//   Running --a line on stdout/stderr--> on_line(egc, cr, stream, line)
//   Running --timeout-->   Killing  SIGTERM, rc Timedout, SIGKILL after
//                                   kKillGraceMs
//   Running --abort (abortable only)--> Killing  SIGKILL, rc Aborted
//   Running|Killing --reaped--> Idle: the rest of its output is delivered,
//                                   then callback(egc, cr, rc, status)
// With own_pgrp the program leads a new process group and every kill goes
// to the whole group (a hotplug script's own children die with it). The
// callback only runs once the program has been reaped. A non-abortable run
// (a clean-up in an aborted operation) ignores abort, still bounded by its
// timeout.
#pragma once

#include <string>
#include <vector>

#include "ao/ao.hpp"
#include "event/ev_child.hpp"
#include "event/ev_fd.hpp"
#include "event/ev_time.hpp"
#include "event/unique_fd.hpp"

namespace xlkit::detail {

struct ChildRun {
    using LineFn = void (*)(Egc &egc, ChildRun *cr, int stream, std::string line);
    using DoneFn = void (*)(Egc &egc, ChildRun *cr, Error rc, int status);

    // ---- filled in by the caller
    Ao *ao = nullptr;
    std::vector<std::string> argv;  // argv[0]: searched in PATH if it has no '/'
    std::vector<std::string> env;   // "NAME=value", added to the environment
    int timeout_ms = 0;             // 0: none
    bool own_pgrp = false;
    bool capture_stderr = false;    // else stderr is inherited
    bool can_abort = true;
    int stdin_fd = -1;              // >= 0: the program's stdin (else /dev/null)
    int inherit_fd = -1;            // >= 3: left open in the program, at its number
    LineFn on_line = nullptr;       // may be null
    DoneFn callback = nullptr;
    void *data = nullptr;

    // ---- private
    struct Stream {
        ChildRun *run = nullptr;
        int no = 1;
        EvFd ev;
        UniqueFd fd;
        std::string partial;
    };
    EvChild child;
    Stream out[2];
    EvTime timeout;
    EvTime grace;
    AoAbortable abort;
    Error rc = Error::Success;
    bool running() const noexcept { return child.active(); }
};

Error child_run_start(Egc &egc, ChildRun &cr);

/* Is prog (searched in PATH if it has no '/') an executable regular file?
 * *found: the path that would run. */
bool child_run_executable(const std::string &prog, std::string *found);

} // namespace xlkit::detail
