// xlkit destroy, shutdown, reboot, pause, unpause, wait: one domain each.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cli.hpp"

namespace xlcli {

using namespace xlkit;

namespace {

std::string secs(double s) {
    char b[32];
    std::snprintf(b, sizeof b, "%g s", s);
    return b;
}

int to_ms(double s) { return s <= 0 ? 0 : std::max(1, int(std::lround(s * 1000))); }

std::string result_json(const App &app, std::uint32_t domid, const std::string &name, const std::string &extra) {
    return "{\"command\":" + json_quote(app.cmd) + ",\"domid\":" + std::to_string(domid) +
           ",\"name\":" + json_quote(name) + extra + "}";
}

// Destroys domid with a stage display (its devices' stages and hotplug
// script lines inside its own); *progress_json gets the reports as JSON.
Error destroy_with_progress(App &app, std::uint32_t domid, const std::string &label, bool quiet,
                            std::string *progress_json) {
    Progress prog;
    if (!quiet) prog.begin("destroy " + label);
    ReportView view(app, true);
    view.attach(quiet ? nullptr : &prog);
    Error rc = app.run_op([&](AoHow how) { return domain_destroy(*app.ctx, domid, std::move(how), view.how()); },
                          &prog);
    if (progress_json) *progress_json = view.json();
    bool shown = prog.tty() && prog.active();
    prog.end();
    // On a terminal the bar is gone: leave a line saying how it ended.
    if (shown && rc == Error::Success) std::fprintf(stderr, "destroy %s: done\n", label.c_str());
    return rc;
}

// Parses the single DOM argument left after the options.
bool one_dom(App &app, int argc, char **argv, std::string *dom, int *status) {
    if (optind >= argc) {
        *status = app.usage("which domain? (a name or a domid)");
        return false;
    }
    if (optind + 1 < argc) {
        *status = app.usage(std::string("unexpected argument '") + argv[optind + 1] + "'");
        return false;
    }
    *dom = argv[optind];
    return true;
}

int shutdown_like(App &app, int argc, char **argv, bool reboot) {
    static const struct option longopts[] = {{"wait", no_argument, nullptr, 'w'},
                                              {"force", no_argument, nullptr, 'F'},
                                              {"timeout", required_argument, nullptr, 't'},
                                              {"help", no_argument, nullptr, 'h'},
                                              {nullptr, 0, nullptr, 0}};
    bool wait = false, force = false;
    double timeout_s = 0;
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "wFt:h", longopts, &status)) != -1) {
        switch (c) {
        case 'w': wait = true; break;
        case 'F': force = true; break;
        case 't':
            if (!parse_seconds(optarg, &timeout_s) || timeout_s == 0)
                return app.usage(std::string("-t: '") + optarg + "' is not a number of seconds");
            break;
        case 'h': return print_command_help(app);
        default: return status;
        }
    }
    std::string dom;
    if (!one_dom(app, argc, argv, &dom, &status)) return status;
    if (!app.open_ctx()) return kExitFail;
    std::uint32_t domid;
    std::string name;
    if (!app.resolve(dom, &domid, &name)) return kExitFail;
    const std::string label = domain_label(domid, name);
    const char *verb = reboot ? "reboot" : "shutdown";
    const double shown_timeout = timeout_s > 0 ? timeout_s : 60;

    Progress prog;
    prog.begin(std::string(verb) + " " + label);
    prog.stage(reboot ? "asking the guest to reboot" : "asking the guest to power off", 0, 0);
    Error rc = app.run_op(
        [&](AoHow how) {
            return reboot ? domain_reboot(*app.ctx, domid, to_ms(timeout_s), std::move(how))
                          : domain_shutdown(*app.ctx, domid, to_ms(timeout_s), std::move(how));
        },
        &prog);
    bool forced = false;
    std::string progress = "[]";
    // -F: the guest did not do `what` in time: destroy it instead.
    auto force_destroy = [&](const char *what) {
        (void)app.log->take_errors();
        prog.note(std::string("the guest did not ") + what + " within " + secs(shown_timeout) +
                  ": destroying the domain (-F)");
        prog.end();
        Error drc = destroy_with_progress(app, domid, label, false, &progress);
        if (drc != Error::Success)
            return app.fail("cannot destroy " + label + " after the guest did not " + what, drc);
        forced = true;
        return kExitOk;
    };
    if (rc == Error::GuestTimedout && force) {
        if (int st = force_destroy("acknowledge"); st != kExitOk) return st;
        rc = Error::Success;
    } else if (rc == Error::GuestTimedout) {
        prog.end();
        (void)app.log->take_errors();  // "timed out after N ms": said below
        return app.fail(label + " did not acknowledge the " + verb + " request within " + secs(shown_timeout) +
                            " (-F destroys it instead)",
                        rc);
    } else if (rc != Error::Success) {
        prog.end();
        return app.fail(std::string("cannot ") + verb + " " + label, rc);
    } else {
        prog.note("the guest acknowledged the request");
    }
    const bool acked = !forced;
    bool dead = forced;
    if (wait && !forced) {
        // With -t the guest gets that long to go once it acknowledged (a
        // guest whose kernel acknowledges but whose init ignores the request
        // is as unresponsive as one that never answers); without, as xl, no limit.
        prog.stage("waiting for the domain to die", 0, 0);
        rc = app.run_op(
            [&](AoHow how) { return domain_wait_death(*app.ctx, domid, to_ms(timeout_s), std::move(how)); }, &prog);
        if (rc == Error::Timedout && force) {
            if (int st = force_destroy("shut down"); st != kExitOk) return st;
            rc = Error::Success;
        } else if (rc == Error::Timedout) {
            prog.end();
            (void)app.log->take_errors();
            return app.fail(label + " acknowledged the " + verb + " request but did not shut down within " +
                                secs(shown_timeout) + " (-F destroys it instead)",
                            Error::GuestTimedout);
        }
        prog.end();
        if (rc != Error::Success) return app.fail("waiting for " + label + " to die", rc);
        dead = true;
        if (!app.g.json) std::fprintf(stderr, "%s %s: the domain is dead\n", verb, label.c_str());
    }
    prog.end();
    if (app.g.json) {
        std::string extra = std::string(",\"acknowledged\":") + (acked ? "true" : "false") +
                            ",\"forced\":" + (forced ? "true" : "false") + ",\"dead\":" + (dead ? "true" : "false");
        if (forced) extra += ",\"progress\":" + progress;
        app.print_json(result_json(app, domid, name, extra));
    }
    return kExitOk;
}

int simple_op(App &app, int argc, char **argv, const char *verb,
              Error (*op)(Ctx &, std::uint32_t, AoHow)) {
    static const struct option longopts[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "h", longopts, &status)) != -1) {
        if (c == 'h') return print_command_help(app);
        return status;
    }
    std::string dom;
    if (!one_dom(app, argc, argv, &dom, &status)) return status;
    if (!app.open_ctx()) return kExitFail;
    // The name is read only where it is shown (a failure, --json): as xl's
    // pause, the operation itself needs none, and reading it is a xenstore
    // connection, about a sixth of the command's CPU in a PV dom0.
    std::uint32_t domid;
    if (!app.resolve(dom, &domid, nullptr)) return kExitFail;
    Error rc = app.run_op([&](AoHow how) { return op(*app.ctx, domid, std::move(how)); });
    if (rc != Error::Success)
        return app.fail(std::string("cannot ") + verb + " " + domain_label(domid, app.name_of(domid)), rc);
    if (app.g.json) app.print_json(result_json(app, domid, app.name_of(domid), ",\"status\":\"ok\""));
    return kExitOk;
}

} // namespace

int cmd_destroy(App &app, int argc, char **argv) {
    static const struct option longopts[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "h", longopts, &status)) != -1) {
        if (c == 'h') return print_command_help(app);
        return status;
    }
    std::string dom;
    if (!one_dom(app, argc, argv, &dom, &status)) return status;
    if (!app.open_ctx()) return kExitFail;
    std::uint32_t domid;
    std::string name;
    if (!app.resolve(dom, &domid, &name)) return kExitFail;
    const std::string label = domain_label(domid, name);
    std::string progress;
    Error rc = destroy_with_progress(app, domid, label, false, &progress);
    if (rc != Error::Success) return app.fail("cannot destroy " + label, rc);
    if (app.g.json)
        app.print_json(result_json(app, domid, name, ",\"status\":\"destroyed\",\"progress\":" + progress));
    return kExitOk;
}

int cmd_shutdown(App &app, int argc, char **argv) { return shutdown_like(app, argc, argv, false); }
int cmd_reboot(App &app, int argc, char **argv) { return shutdown_like(app, argc, argv, true); }

int cmd_pause(App &app, int argc, char **argv) {
    return simple_op(app, argc, argv, "pause", [](Ctx &ctx, std::uint32_t d, AoHow how) {
        return domain_pause(ctx, d, std::move(how));
    });
}

int cmd_unpause(App &app, int argc, char **argv) {
    return simple_op(app, argc, argv, "unpause", [](Ctx &ctx, std::uint32_t d, AoHow how) {
        return domain_unpause(ctx, d, std::move(how));
    });
}

int cmd_wait(App &app, int argc, char **argv) {
    static const struct option longopts[] = {{"timeout", required_argument, nullptr, 't'},
                                              {"help", no_argument, nullptr, 'h'},
                                              {nullptr, 0, nullptr, 0}};
    double timeout_s = 0;
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "t:h", longopts, &status)) != -1) {
        switch (c) {
        case 't':
            if (!parse_seconds(optarg, &timeout_s))
                return app.usage(std::string("-t: '") + optarg + "' is not a number of seconds");
            break;
        case 'h': return print_command_help(app);
        default: return status;
        }
    }
    std::string dom;
    if (!one_dom(app, argc, argv, &dom, &status)) return status;
    if (!app.open_ctx()) return kExitFail;
    std::uint32_t domid;
    std::string name;
    if (!app.resolve(dom, &domid, &name)) return kExitFail;
    const std::string label = domain_label(domid, name);
    Progress prog;
    prog.begin("wait " + label);
    prog.stage("waiting for the domain to die", 0, 0);
    Error rc = app.run_op(
        [&](AoHow how) { return domain_wait_death(*app.ctx, domid, to_ms(timeout_s), std::move(how)); }, &prog);
    prog.end();
    if (rc == Error::Timedout) return app.fail(label + " is still alive after " + secs(timeout_s), rc);
    if (rc != Error::Success) return app.fail("waiting for " + label + " to die", rc);
    if (app.g.json)
        app.print_json(result_json(app, domid, name, ",\"status\":\"dead\""));
    else
        std::fprintf(stderr, "wait %s: the domain is dead\n", label.c_str());
    return kExitOk;
}

} // namespace xlcli
