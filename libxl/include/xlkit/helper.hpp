// xlkit/helper.hpp: run a helper program as an operation (toolstacks run
// hotplug scripts and bootloaders all the time). Needs no Xen.
//
//   int status;
//   Error rc = helper_run(ctx, {"/bin/sh", "-c", "echo hi"}, 5000, &status,
//                         xlkit::use_sync, ProgressHow::callback(print_line));
//
// Progress: each line the program writes on stdout is one HELPER_OUTPUT
// report (EventHelperOutput{stream = 1, line without its newline}), in
// order; a last line without a newline is reported at exit.
// Completion: Success when the program exited (any exit status: *status_r
// holds the waitpid status); Error::Timedout after timeout_ms (0 = none):
// the program got SIGTERM, then SIGKILL one second later; Error::Aborted on
// abort: the program got SIGKILL. In both cases the operation completes only
// once the program has been reaped, so nothing is left behind.
// Initiation fails (the callback never runs) with Error::Inval for an empty
// argv, a negative timeout or a program that is not an executable file (the
// log names it), and Error::Fail if the process cannot be created.
#pragma once

#include <string>
#include <vector>

#include <xlkit/ao.hpp>
#include <xlkit/ctx.hpp>
#include <xlkit/progress.hpp>

namespace xlkit {

struct HelperRunArgs {
    std::vector<std::string> argv;  // argv[0] is searched in PATH
    int timeout_ms = 0;
    int *status_r = nullptr;        // may be null; must outlive the operation
};

XLKIT_API Error helper_run(Ctx &ctx, HelperRunArgs args, AoHow how, ProgressHow output_how = {});

template <class Token = use_sync_t>
auto helper_run(Ctx &ctx, std::vector<std::string> argv, int timeout_ms, int *status_r,
                Token &&token = {}, ProgressHow output_how = {}) {
    return initiate(std::forward<Token>(token),
                    [&ctx, args = HelperRunArgs{std::move(argv), timeout_ms, status_r},
                     out = std::make_shared<ProgressHow>(std::move(output_how))](AoHow how) mutable {
                        return helper_run(ctx, std::move(args), std::move(how), std::move(*out));
                    });
}

} // namespace xlkit
