// helper_run: a child process as an operation, its stdout lines as progress.
//
// The operation is one ChildRun (ops/child_run.hpp has its state machine):
//   Start --bad argv / timeout / pipe / fork-->  create_fail
//   Start --forked--> Running; each stdout line a HELPER_OUTPUT report
//   Running --reaped (after exit, timeout or abort)--> complete(rc)
#include "ao/ao_start.hpp"
#include "event/log.hpp"
#include "ops/child_run.hpp"
#include <xlkit/helper.hpp>

namespace xlkit::detail {

namespace {

struct HelperRun {
    Ao *ao = nullptr;
    Progress output;
    ChildRun run;
    int *status_r = nullptr;
};

void line_cb(Egc &egc, ChildRun *cr, int stream, std::string line) {
    auto *h = static_cast<HelperRun *>(cr->data);
    if (!h->output.wanted()) return;
    auto ev = std::make_unique<Event>();
    EventHelperOutput out;
    out.stream = stream;
    out.line = std::move(line);
    ev->u = std::move(out);
    h->output.report(egc, std::move(ev));
}

void done_cb(Egc &egc, ChildRun *cr, Error rc, int status) {
    auto *h = static_cast<HelperRun *>(cr->data);
    if (h->status_r) *h->status_r = status;
    h->ao->complete(egc, rc);
}

Error helper_start(Egc &egc, HelperRun &h, HelperRunArgs &args) {
    h.status_r = args.status_r;
    if (args.argv.empty()) {
        XLKIT_LOG(egc.ctx, ERROR, "helper_run: argv is empty");
        return Error::Inval;
    }
    ChildRun &r = h.run;
    r.ao = h.ao;
    r.argv = std::move(args.argv);
    r.timeout_ms = args.timeout_ms;
    r.on_line = line_cb;
    r.callback = done_cb;
    r.data = &h;
    return child_run_start(egc, r);
}

} // namespace
} // namespace xlkit::detail

namespace xlkit {

using namespace detail;

Error helper_run(Ctx &ctx, HelperRunArgs args, AoHow how, ProgressHow output_how) {
    return ao_start<HelperRun>(ctx, std::move(how), &HelperRun::output, std::move(output_how),
                               [&args](Egc &egc, HelperRun &h) { return helper_start(egc, h, args); });
}

} // namespace xlkit
