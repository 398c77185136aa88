// xlkit events: every domain's death events, one JSON object a line.
//
// Domain death is enabled for each domain in the list, and the list is read
// again every 200 ms and after each batch of events, so that new domains
// are watched too (xlkit's API has no "domain appeared" event; a domain
// created and destroyed within one period can be missed).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <map>

#include <xlkit/evgen.hpp>

#include "cli.hpp"

namespace xlcli {

using namespace xlkit;

namespace {

constexpr int kRelistMs = 200;

struct Watch {
    EvgenDomainDeath *evgen = nullptr;
    Uuid uuid;
    std::uint64_t cookie = 0;
};

class Watcher {
public:
    explicit Watcher(App &app) : app_(app) {}
    ~Watcher() {
        for (auto &[domid, w] : watched_) evdisable_domain_death(*app_.ctx, w.evgen);
    }

    // Enables death events for every domain not yet watched.
    Error relist() {
        std::vector<DomainInfo> all;
        Error rc = list_domain(*app_.ctx, &all);
        if (rc != Error::Success) return rc;
        for (const DomainInfo &d : all) {
            if (watched_.count(d.domid)) continue;  // the same or, if reused, reported dead soon
            if (d.state == DomainState::Dying) continue;
            Watch w;
            w.uuid = d.uuid;
            w.cookie = next_cookie_++;
            rc = evenable_domain_death(*app_.ctx, d.domid, w.cookie, &w.evgen);
            if (rc == Error::DomainNotfound) continue;
            if (rc != Error::Success) return rc;
            watched_[d.domid] = w;
            // With -v: when a domain's events are watched (tests wait for it).
            if (app_.g.verbose) std::fprintf(stderr, "xlkit: events: watching domain %u\n", d.domid);
        }
        return Error::Success;
    }

    // An event was printed: forget a dead domain.
    void seen(const Event &ev) {
        if (ev.type() != EventType::DomainDeath) return;
        auto it = watched_.find(ev.domid);
        if (it == watched_.end() || it->second.cookie != ev.for_user) return;
        evdisable_domain_death(*app_.ctx, it->second.evgen);
        watched_.erase(it);
    }

private:
    App &app_;
    std::map<std::uint32_t, Watch> watched_;
    std::uint64_t next_cookie_ = 1;
};

} // namespace

int cmd_events(App &app, int argc, char **argv) {
    static const struct option longopts[] = {{"count", required_argument, nullptr, 'c'},
                                              {"help", no_argument, nullptr, 'h'},
                                              {nullptr, 0, nullptr, 0}};
    long count = 0;
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "c:h", longopts, &status)) != -1) {
        switch (c) {
        case 'c': {
            char *end = nullptr;
            count = std::strtol(optarg, &end, 10);
            if (!*optarg || *end || count < 1) return app.usage(std::string("--count: '") + optarg + "' is not a positive number");
            break;
        }
        case 'h': return print_command_help(app);
        default: return status;
        }
    }
    if (optind < argc) return app.usage(std::string("unexpected argument '") + argv[optind] + "'");
    if (!app.open_ctx()) return kExitFail;

    Watcher w(app);
    Error rc = w.relist();
    if (rc != Error::Success) return app.fail("cannot watch the domains", rc);
    const std::uint64_t mask = event_mask(EventType::DomainShutdown) | event_mask(EventType::DomainDeath);
    using Clock = std::chrono::steady_clock;
    auto next_relist = Clock::now() + std::chrono::milliseconds(kRelistMs);
    long printed = 0;
    for (;;) {
        int wait_ms = int(std::chrono::duration_cast<std::chrono::milliseconds>(next_relist - Clock::now()).count());
        int sig = app.turn(std::max(0, wait_ms));
        if (sig < 0) return app.fail("the xlkit context failed", Error::Fail);
        if (sig > 0) return 128 + sig;  // interrupted: the normal end
        bool any = false;
        std::unique_ptr<Event> ev;
        while (app.ctx->event_check(&ev, mask) == Error::Success) {
            std::string j = to_json_string(*ev);
            std::fputs(j.c_str(), stdout);
            std::fputc('\n', stdout);
            std::fflush(stdout);
            w.seen(*ev);
            any = true;
            if (count && ++printed >= count) return kExitOk;
        }
        if (any || Clock::now() >= next_relist) {
            rc = w.relist();
            if (rc != Error::Success) return app.fail("cannot watch the domains", rc);
            next_relist = Clock::now() + std::chrono::milliseconds(kRelistMs);
        }
    }
}

} // namespace xlcli
