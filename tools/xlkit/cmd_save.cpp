// xlkit save [-c] [-p] [-t SECS] [--data-timeout SECS] DOM FILE [CONFIG]:
// as xl save, with the two timeouts as xlkit additions. The file is xl's:
// its header with the configuration as libxl_domain_config JSON, then the
// library's save stream (domain_suspend). Afterwards the domain is
// destroyed, or with -c resumed (it runs on), or with -p resumed paused.
// A failed or interrupted save leaves the domain running (the library
// resumes it) and removes the half-written file (a regular one: a FIFO or
// a device is left in place).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.hpp"
#include "config.hpp"
#include <xlkit/config_json.hpp>

// The save file's framing is the library's; the CLI only needs xl's header.
#include "ops/save_format.hpp"

using namespace xlkit;

namespace xlcli {

namespace {

bool write_all(int fd, const std::string &s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        off += std::size_t(n);
    }
    return true;
}

std::string secs(double s) {
    char b[32];
    std::snprintf(b, sizeof b, "%g s", s);
    return b;
}

int to_ms(double s) { return s <= 0 ? 0 : std::max(1, int(std::lround(s * 1000))); }

/* Remove what a failed save wrote, if it is a file it made or truncated:
 * a FIFO or a device (a pipe to another host) stays. */
void remove_half_written(int fd, const std::string &file) {
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) (void)unlink(file.c_str());
}

} // namespace

int cmd_save(App &app, int argc, char **argv) {
    constexpr int kDataTimeout = 256;  // --data-timeout: no short form
    static const struct option longopts[] = {{"timeout", required_argument, nullptr, 't'},
                                              {"data-timeout", required_argument, nullptr, kDataTimeout},
                                              {"help", no_argument, nullptr, 'h'},
                                              {nullptr, 0, nullptr, 0}};
    int c, status = 0;
    bool checkpoint = false, leave_paused = false;
    double suspend_s = 0, data_s = 0;
    while ((c = getopt_cmd(app, argc, argv, "hcpt:", longopts, &status)) != -1) {
        if (c == 'h') return print_command_help(app);
        if (c == 'c') checkpoint = true;
        else if (c == 'p') leave_paused = true;
        else if (c == 't') {
            if (!parse_seconds(optarg, &suspend_s) || suspend_s == 0)
                return app.usage(std::string("-t: '") + optarg + "' is not a number of seconds");
        } else if (c == kDataTimeout) {
            if (!parse_seconds(optarg, &data_s) || data_s == 0)
                return app.usage(std::string("--data-timeout: '") + optarg + "' is not a number of seconds");
        } else
            return status;
    }
    if (argc - optind < 2) return app.usage("which domain, and which file?");
    if (argc - optind > 3) return app.usage(std::string("unexpected argument '") + argv[optind + 3] + "'");
    std::string dom = argv[optind], file = argv[optind + 1];
    const char *config_file = argc - optind == 3 ? argv[optind + 2] : nullptr;
    if (!app.open_ctx()) return kExitFail;
    std::uint32_t domid;
    if (!app.resolve(dom, &domid)) return kExitFail;
    DomainInfo info;  // one lookup: the name comes with it
    if (Error rc = domain_info(*app.ctx, domid, &info); rc != Error::Success)
        return app.fail("cannot save " + domain_label(domid, std::string()), rc);
    const std::string &name = info.name;
    const std::string label = domain_label(domid, name);

    DomainConfig cfg;
    if (config_file) {
        XlConfig xc;
        std::string err;
        if (load_xl_config(config_file, {}, false, &xc, &err) != kLoadOk) return app.fail_msg(err);
        cfg = xc.cfg;
    } else if (Error rc = retrieve_domain_configuration(*app.ctx, domid, &cfg); rc == Error::Success) {
        // What create stored (as xl save reads it): kernel, disks, nics...
        cfg.name = info.name;
    } else if (rc != Error::Notfound) {
        return app.fail("cannot save " + label + ": its stored configuration is unusable", rc);
    } else {
        // Made by a toolstack that stores nothing: what the hypervisor knows.
        cfg.name = info.name;
        // A restore makes the domain of this type (PV or PVH): it must be right.
        if (info.domain_type == DomainType::Pv || info.domain_type == DomainType::Pvh) cfg.type = info.domain_type;
        cfg.memory = (info.current_memkb + 1023) / 1024;
        std::uint64_t maxkb = info.max_memkb > 1024 ? info.max_memkb - 1024 : info.max_memkb;  // libxl's slack
        cfg.maxmem = std::max<std::uint64_t>(maxkb / 1024, cfg.memory);
        cfg.vcpus = info.vcpu_max_id + 1;
    }
    int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return app.fail_msg("cannot save " + label + ": cannot open '" + file + "': " + std::strerror(errno));
    if (!write_all(fd, detail::save_format::xl_header(domain_config_to_libxl_json(cfg, info.uuid)))) {
        int e = errno;
        remove_half_written(fd, file);
        close(fd);
        return app.fail_msg("cannot save " + label + ": writing '" + file + "': " + std::strerror(e));
    }
    Progress prog;
    prog.begin("save " + label);
    prog.units("memory", 4096);  // pages (domain_suspend)
    ReportView view(app);
    view.attach(&prog);
    Error rc = app.run_op(
        [&](AoHow how) {
            return domain_suspend(*app.ctx, domid, fd, 0, std::move(how), view.how(), to_ms(data_s), to_ms(suspend_s));
        },
        &prog);
    bool shown = prog.tty() && prog.active();
    prog.end();
    // The file is made durable before the guest is destroyed (xl does not:
    // a host crash soon after xl save can lose both). If it cannot be, the
    // suspended guest is resumed: it runs on, as the message says.
    if (rc == Error::Success && fsync(fd) < 0 && errno != EINVAL) {
        int e = errno;
        rc = domain_resume(*app.ctx, domid, true, AoHow{});
        remove_half_written(fd, file);
        close(fd);
        return app.fail_msg("cannot save " + label + " to '" + file + "'" +
                            (rc == Error::Success ? " (it runs on)" : " (and it could not be resumed)") +
                            ": cannot flush the file: " + std::strerror(e));
    }
    if (rc != Error::Success) remove_half_written(fd, file);
    close(fd);
    if (rc == Error::GuestTimedout)
        return app.fail("cannot save " + label + " to '" + file + "' (it runs on): it did not suspend within " +
                            secs(suspend_s > 0 ? suspend_s : 60) + " (-t)",
                        rc);
    if (rc == Error::Timedout)
        return app.fail("cannot save " + label + " to '" + file + "' (it runs on): the data phase stalled for " +
                            secs(data_s > 0 ? data_s : 60) + " (--data-timeout)",
                        rc);
    if (rc != Error::Success) return app.fail("cannot save " + label + " to '" + file + "' (it runs on)", rc);
    if (shown) std::fprintf(stderr, "save %s: done\n", label.c_str());
    if (checkpoint || leave_paused) {
        if (leave_paused) rc = domain_pause(*app.ctx, domid, AoHow{});
        if (rc == Error::Success) rc = domain_resume(*app.ctx, domid, true, AoHow{});
        if (rc != Error::Success) return app.fail("saved, but cannot resume " + label, rc);
    } else {
        rc = app.run_op([&](AoHow how) { return domain_destroy(*app.ctx, domid, std::move(how)); });
        if (rc != Error::Success) return app.fail("saved, but cannot destroy " + label, rc);
    }
    if (app.g.json)
        app.print_json("{\"command\":\"save\",\"domid\":" + std::to_string(domid) + ",\"name\":" + json_quote(name) +
                       ",\"file\":" + json_quote(file) + ",\"status\":\"" +
                       (leave_paused ? "paused" : checkpoint ? "running" : "destroyed") + "\"}");
    return kExitOk;
}

} // namespace xlcli
