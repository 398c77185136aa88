// xlkit restore [-p] [-e] [-d] [CONFIG] FILE: as xl restore. FILE is xl's
// save file (xlkit save's or xl save's): xl's header, read here, with the
// domain's configuration as libxl_domain_config JSON; then the library's
// stream (domain_create_restore). The configuration is CONFIG's if given,
// else the file's. The domain is then run and monitored as create does
// (create_domain, cmd_create.cpp): -p leaves it paused, -e starts no
// monitor. A failed or interrupted (Ctrl-C) restore leaves no domain.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include <xlkit/config_json.hpp>

#include "cli.hpp"
#include "config.hpp"

// The save file's framing is the library's; the CLI only needs xl's header.
#include "ops/save_format.hpp"

using namespace xlkit;
namespace sf = xlkit::detail::save_format;

namespace xlcli {

/* Reads exactly n bytes: 0, or how many were there before the end (-1 and
 * errno on a read error). */
static ssize_t read_exact(int fd, std::string *out, std::size_t n) {
    out->assign(n, '\0');
    std::size_t off = 0;
    while (off < n) {
        ssize_t r = read(fd, out->data() + off, n - off);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        off += std::size_t(r);
    }
    out->resize(off);
    return ssize_t(off);
}

/* xl's header: Success and the JSON configuration (empty if the file has
 * none), or a message saying what is wrong with the file. */
bool read_xl_header(int fd, const std::string &file, std::string *json, std::string *err) {
    std::string fixed, optional, why;
    ssize_t n = read_exact(fd, &fixed, sf::kXlHeaderSize);
    if (n < 0) {
        *err = "cannot read '" + file + "': " + std::strerror(errno);
        return false;
    }
    if (n == 0) {
        *err = "'" + file + "' is empty: it is not a saved domain";
        return false;
    }
    std::uint32_t optional_len = 0, mandatory = 0;
    if (std::size_t(n) < sf::kXlHeaderSize) {
        // Short: a save file cut inside its header, or not a save file at all.
        if (sf::xl_header_fixed(fixed + std::string(sf::kXlHeaderSize - std::size_t(n), '\0'), &optional_len,
                                &mandatory, &why) != Error::Success) {
            *err = "'" + file + "' is not a saved domain: " + why;
        } else {
            *err = "'" + file + "' is truncated: it ends inside xl's header";
        }
        return false;
    }
    if (sf::xl_header_fixed(fixed, &optional_len, &mandatory, &why) != Error::Success) {
        *err = "'" + file + "' is not a saved domain xlkit can restore: " + why;
        return false;
    }
    n = read_exact(fd, &optional, optional_len);
    if (n < 0 || std::size_t(n) < optional_len) {
        *err = "'" + file + "' is truncated: it ends inside the saved configuration";
        return false;
    }
    if (sf::xl_header_optional(optional, mandatory, json, &why) != Error::Success) {
        *err = "'" + file + "': the saved configuration is corrupt: " + why;
        return false;
    }
    return true;
}

int cmd_restore(App &app, int argc, char **argv) {
    static const struct option longopts[] = {{"log", required_argument, nullptr, 'L'},
                                              {"help", no_argument, nullptr, 'h'},
                                              {nullptr, 0, nullptr, 0}};
    bool paused = false, no_monitor = false, debug = false, quiet = false;
    std::string log_opt;
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "pedqh", longopts, &status)) != -1) {
        switch (c) {
        case 'p': paused = true; break;
        case 'e': no_monitor = true; break;
        case 'd': debug = true; break;
        case 'q': quiet = true; break;
        case 'L': log_opt = optarg; break;
        case 'h': return print_command_help(app);
        default: return status;
        }
    }
    const int nargs = argc - optind;
    if (nargs < 1) return app.usage("which file?");
    if (nargs > 2) return app.usage(std::string("unexpected argument '") + argv[optind + 2] + "'");
    const char *config_file = nargs == 2 ? argv[optind] : nullptr;
    const std::string file = argv[optind + nargs - 1];

    int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return app.fail_msg("cannot restore: cannot open '" + file + "': " + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { close(fd); }
    } closer{fd};
    std::string json, err;
    if (!read_xl_header(fd, file, &json, &err)) return app.fail_msg("cannot restore: " + err);

    // The saved configuration: the domain's, and its uuid, which the
    // restored domain keeps (also with CONFIG, which names no uuid).
    DomainConfig saved;
    Uuid saved_uuid;
    std::string why;
    const bool have_saved = !json.empty() && domain_config_from_libxl_json(json, &saved, &saved_uuid, &why) == Error::Success;
    XlConfig xc;
    DomainConfig cfg;
    if (config_file) {
        int lr = load_xl_config(config_file, {}, false, &xc, &err);
        if (lr == kLoadUnreadable) return app.fail_msg(err);
        if (lr != kLoadOk) return app.fail(err, Error::Inval);
        for (const std::string &w : xc.warnings) std::fprintf(stderr, "xlkit: restore: warning: %s\n", w.c_str());
        cfg = xc.cfg;
        if (have_saved && cfg.uuid == Uuid{}) cfg.uuid = saved_uuid;
    } else {
        if (json.empty())
            return app.fail_msg("cannot restore: '" + file + "' holds no configuration: give a CONFIG file");
        if (!have_saved)
            return app.fail(
                "cannot restore: the configuration saved in '" + file + "' cannot be used: " + why, Error::Inval);
        cfg = saved;
        cfg.uuid = saved_uuid;
    }
    if (debug) std::fprintf(stderr, "xlkit: restore: configuration: %s\n", to_json_string(cfg).c_str());

    CreateRun run;
    run.verb = "restore";
    run.paused = paused;
    run.no_monitor = no_monitor;
    run.quiet = quiet;
    run.log_opt = log_opt;
    run.first_stage = "making the domain";
    run.units_stage = "memory";  // KiB read (domain_create_restore)
    run.unit_bytes = 1024;
    run.start = [&](AoHow how, ProgressHow reports, std::uint32_t *domid) {
        return domain_create_restore(*app.ctx, cfg, paused, domid, fd, -1, DomainRestoreParams{}, std::move(how),
                                     std::move(reports));
    };
    if (config_file) run.locate = [&](const std::string &e) { return locate_message(xc, e); };
    return create_domain(app, cfg, run);
}

} // namespace xlcli
