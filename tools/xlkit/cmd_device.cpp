// xlkit block-attach, block-detach, block-list, network-attach,
// network-detach, network-list: xl's device commands (xl_block.c,
// xl_nic.c), with xl's arguments and list columns, over xlkit/device.hpp.
// Attach and detach are operations: a progress display, Ctrl-C aborts
// (the library then undoes what it had done), --json prints the result.
#include <cstdio>
#include <cstring>

#include <xlkit/device.hpp>

#include "cli.hpp"
#include "config.hpp"

namespace xlcli {

using namespace xlkit;

namespace {

std::string result_json(const App &app, std::uint32_t domid, const std::string &name, const std::string &extra) {
    return "{\"command\":" + json_quote(app.cmd) + ",\"domid\":" + std::to_string(domid) +
           ",\"name\":" + json_quote(name) + extra + "}";
}

// One device operation on a domain, with its stages shown under "CMD
// DOMAIN" and, on a terminal, a last line saying how it ended.
Error device_op(App &app, const std::string &label, ReportView *view,
                const std::function<Error(AoHow, ProgressHow)> &start) {
    Progress prog;
    prog.begin(app.cmd + " " + label);
    view->attach(&prog);
    Error rc = app.run_op([&](AoHow how) { return start(std::move(how), view->how()); }, &prog);
    bool shown = prog.tty() && prog.active();
    prog.end();
    view->attach(nullptr);
    if (shown && rc == Error::Success) std::fprintf(stderr, "%s %s: done\n", app.cmd.c_str(), label.c_str());
    return rc;
}

// The DOM argument and what follows: at least min_rest more arguments.
bool dom_and_args(App &app, int argc, int min_rest, const char *what, int *status) {
    if (optind >= argc) {
        *status = app.usage("which domain? (a name or a domid)");
        return false;
    }
    if (argc - optind - 1 < min_rest) {
        *status = app.usage(std::string("which ") + what + "?");
        return false;
    }
    return true;
}

// Options: -h only (block-detach has its own).
bool no_options(App &app, int argc, char **argv, int *status) {
    static const struct option longopts[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_cmd(app, argc, argv, "h", longopts, status)) != -1) {
        if (c == 'h') *status = print_command_help(app);
        return false;
    }
    return true;
}

// The domains named by the arguments from optind on (xl's *-list commands
// take several), resolved before anything is printed.
bool resolve_all(App &app, int argc, char **argv, std::vector<std::pair<std::uint32_t, std::string>> *out) {
    for (int i = optind; i < argc; ++i) {
        std::uint32_t domid;
        std::string name;
        if (!app.resolve(argv[i], &domid, &name)) return false;
        out->emplace_back(domid, name);
    }
    return true;
}

std::string json_array(const std::vector<std::string> &items) {
    std::string j = "[";
    for (std::size_t i = 0; i < items.size(); ++i) j += (i ? "," : "") + items[i];
    return j + "]";
}

} // namespace

// ---- block-attach DOM DISKSPEC... ------------------------------------------------------

int cmd_block_attach(App &app, int argc, char **argv) {
    int status = 0;
    if (!no_options(app, argc, argv, &status)) return status;
    if (!dom_and_args(app, argc, 1, "disk (a disk specification, e.g. /srv/d.img,raw,xvdb,rw)", &status))
        return status;
    // As xl: the arguments after DOM are the pieces of one specification.
    std::vector<std::string> pieces(argv + optind + 1, argv + argc);
    std::string spec;
    for (const std::string &p : pieces) spec += (spec.empty() ? "" : " ") + p;
    XlcfgPtr xc(xlcfg_new("command line"));
    if (!xc) return app.fail("cannot read the disk specification", Error::Nomem);
    DeviceDisk disk;
    std::string why;
    if (!parse_disk_spec(xc.get(), pieces, &disk, &why)) return app.fail("disk '" + spec + "': " + why, Error::Inval);

    if (!app.open_ctx()) return kExitFail;
    std::uint32_t domid;
    std::string name;
    if (!app.resolve(argv[optind], &domid, &name)) return kExitFail;
    const std::string label = domain_label(domid, name);
    ReportView view(app);
    Error rc = device_op(app, label, &view, [&](AoHow how, ProgressHow ph) {
        return device_disk_add(*app.ctx, domid, disk, std::move(how), std::move(ph));
    });
    if (rc != Error::Success) return app.fail("cannot attach disk " + disk.vdev + " to " + label, rc);
    if (app.g.json)
        app.print_json(result_json(app, domid, name,
                                   ",\"disk\":" + to_json_string(disk) + ",\"progress\":" + view.json()));
    return kExitOk;
}

// ---- block-detach [-f] DOM VDEV -----------------------------------------------------------

int cmd_block_detach(App &app, int argc, char **argv) {
    static const struct option longopts[] = {{"force", no_argument, nullptr, 'f'},
                                              {"help", no_argument, nullptr, 'h'},
                                              {nullptr, 0, nullptr, 0}};
    bool force = false;
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "fh", longopts, &status)) != -1) {
        switch (c) {
        case 'f': force = true; break;
        case 'h': return print_command_help(app);
        default: return status;
        }
    }
    if (!dom_and_args(app, argc, 1, "disk (its vdev, e.g. xvdb, or its devid)", &status)) return status;
    if (argc - optind > 2) return app.usage(std::string("unexpected argument '") + argv[optind + 2] + "'");
    const std::string vdev = argv[optind + 1];
    if (!app.open_ctx()) return kExitFail;
    std::uint32_t domid;
    std::string name;
    if (!app.resolve(argv[optind], &domid, &name)) return kExitFail;
    const std::string label = domain_label(domid, name);

    // As libxl_vdev_to_device_disk: the disk whose devid the name gives, so
    // that "xvdb" and "51728" are the same disk.
    std::vector<DeviceDisk> disks;
    Error rc = device_disk_list(*app.ctx, domid, &disks);
    if (rc != Error::Success) return app.fail("cannot list the disks of " + label, rc);
    const int want = vdev_to_devid(vdev.c_str());
    const DeviceDisk *disk = nullptr;
    std::string have;
    for (const DeviceDisk &d : disks) {
        if (d.vdev == vdev || (want >= 0 && vdev_to_devid(d.vdev.c_str()) == want)) disk = &d;
        have += (have.empty() ? "" : ", ") + d.vdev;
    }
    if (!disk)
        return app.fail(label + " has no disk '" + vdev + "' (" + (have.empty() ? "it has none" : "its disks: " + have) +
                            ")",
                        Error::Notfound);
    ReportView view(app);
    rc = device_op(app, label, &view, [&](AoHow how, ProgressHow ph) {
        return force ? device_disk_destroy(*app.ctx, domid, *disk, std::move(how), std::move(ph))
                     : device_disk_remove(*app.ctx, domid, *disk, std::move(how), std::move(ph));
    });
    if (rc != Error::Success) return app.fail("cannot detach disk " + disk->vdev + " from " + label, rc);
    if (app.g.json)
        app.print_json(result_json(app, domid, name,
                                   ",\"disk\":" + to_json_string(*disk) + ",\"forced\":" + (force ? "true" : "false") +
                                       ",\"progress\":" + view.json()));
    return kExitOk;
}

// ---- block-list DOM... ---------------------------------------------------------------------

int cmd_block_list(App &app, int argc, char **argv) {
    int status = 0;
    if (!no_options(app, argc, argv, &status)) return status;
    if (optind >= argc) return app.usage("which domain? (one or more names or domids)");
    if (!app.open_ctx()) return kExitFail;
    std::vector<std::pair<std::uint32_t, std::string>> doms;
    if (!resolve_all(app, argc, argv, &doms)) return kExitFail;
    // Exactly xl block-list's layout (xl_block.c, main_blocklist).
    if (!app.g.json)
        std::printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state", "evt-ch", "ring-ref",
                    "BE-path");
    std::vector<std::string> rows;
    for (const auto &[domid, name] : doms) {
        std::vector<DeviceDisk> disks;
        Error rc = device_disk_list(*app.ctx, domid, &disks);
        if (rc != Error::Success) return app.fail("cannot list the disks of " + domain_label(domid, name), rc);
        for (const DeviceDisk &d : disks) {
            Diskinfo di;
            // Gone since it was listed: not shown, as in xl.
            if (device_disk_getinfo(*app.ctx, domid, d, &di) != Error::Success) continue;
            if (app.g.json) {
                rows.push_back("{\"domid\":" + std::to_string(domid) + ",\"name\":" + json_quote(name) +
                               ",\"disk\":" + to_json_string(d) + ",\"info\":" + to_json_string(di) + "}");
                continue;
            }
            std::printf("%-5d %-3d %-6d %-5d %-6d %-8d %-30s\n", di.devid, int(di.backend_id), int(di.frontend_id),
                        di.state, di.evtch, di.rref, di.backend.c_str());
        }
    }
    if (app.g.json) app.print_json(json_array(rows));
    return kExitOk;
}

// ---- network-attach DOM [KEY=VALUE...] -----------------------------------------------------

int cmd_network_attach(App &app, int argc, char **argv) {
    int status = 0;
    if (!no_options(app, argc, argv, &status)) return status;
    if (!dom_and_args(app, argc, 0, "", &status)) return status;
    // As xl: each argument is KEY=VALUE; here one may also hold several,
    // comma-separated, as in a vif = [...] entry.
    XlcfgPtr xc(xlcfg_new("command line"));
    if (!xc) return app.fail("cannot read the network specification", Error::Nomem);
    DeviceNic nic;
    nic.nictype = NicType::Vif;
    for (int i = optind + 1; i < argc; ++i) {
        std::string why;
        std::vector<std::string> warns;
        if (!parse_nic_spec(xc.get(), argv[i], &nic, &warns, &why))
            return app.fail(std::string("'") + argv[i] + "': " + why, Error::Inval);
        for (const std::string &w : warns) std::fprintf(stderr, "xlkit: %s: warning: %s\n", app.cmd.c_str(), w.c_str());
    }

    if (!app.open_ctx()) return kExitFail;
    std::uint32_t domid;
    std::string name;
    if (!app.resolve(argv[optind], &domid, &name)) return kExitFail;
    const std::string label = domain_label(domid, name);
    ReportView view(app);
    // The library completes nic (devid, mac) when the operation starts.
    Error rc = device_op(app, label, &view, [&](AoHow how, ProgressHow ph) {
        return device_nic_add(*app.ctx, domid, &nic, std::move(how), std::move(ph));
    });
    if (rc != Error::Success) return app.fail("cannot attach a network device to " + label, rc);
    if (app.g.json)
        app.print_json(result_json(app, domid, name, ",\"nic\":" + to_json_string(nic) + ",\"progress\":" + view.json()));
    else
        // xl says nothing; the devid and a generated mac are worth knowing.
        std::fprintf(stderr, "%s %s: devid %d, mac %s\n", app.cmd.c_str(), label.c_str(), nic.devid,
                     to_string(nic.mac).c_str());
    return kExitOk;
}

// ---- network-detach DOM DEVID|MAC ------------------------------------------------------------

int cmd_network_detach(App &app, int argc, char **argv) {
    int status = 0;
    if (!no_options(app, argc, argv, &status)) return status;
    if (!dom_and_args(app, argc, 1, "network device (its devid or mac)", &status)) return status;
    if (argc - optind > 2) return app.usage(std::string("unexpected argument '") + argv[optind + 2] + "'");
    // As xl: with a ':' it is a mac, else a devid.
    const std::string which = argv[optind + 1];
    Mac mac;
    long devid = -1;
    if (which.find(':') != std::string::npos) {
        if (!parse_mac_address(which, &mac))
            return app.usage("'" + which + "' is not a MAC address (six hex bytes: 00:16:3e:xx:xx:xx)");
    } else {
        char *end = nullptr;
        devid = std::strtol(which.c_str(), &end, 10);
        if (which.empty() || *end || devid < 0 || devid > 65535)
            return app.usage("'" + which + "' is neither a devid (a number) nor a MAC address");
    }
    if (!app.open_ctx()) return kExitFail;
    std::uint32_t domid;
    std::string name;
    if (!app.resolve(argv[optind], &domid, &name)) return kExitFail;
    const std::string label = domain_label(domid, name);

    std::vector<DeviceNic> nics;
    Error rc = device_nic_list(*app.ctx, domid, &nics);
    if (rc != Error::Success) return app.fail("cannot list the network devices of " + label, rc);
    const DeviceNic *nic = nullptr;
    std::string have;
    for (const DeviceNic &n : nics) {
        if (devid >= 0 ? n.devid == devid : n.mac == mac) nic = &n;
        have += (have.empty() ? "" : ", ") + std::to_string(n.devid) + " (" + to_string(n.mac) + ")";
    }
    if (!nic)
        return app.fail(label + " has no network device '" + which + "' (" +
                            (have.empty() ? "it has none" : "its devices: " + have) + ")",
                        Error::Notfound);
    ReportView view(app);
    rc = device_op(app, label, &view, [&](AoHow how, ProgressHow ph) {
        return device_nic_remove(*app.ctx, domid, *nic, std::move(how), std::move(ph));
    });
    if (rc != Error::Success) return app.fail("cannot detach network device " + which + " from " + label, rc);
    if (app.g.json)
        app.print_json(result_json(app, domid, name, ",\"nic\":" + to_json_string(*nic) + ",\"progress\":" + view.json()));
    return kExitOk;
}

// ---- network-list DOM... -------------------------------------------------------------------

int cmd_network_list(App &app, int argc, char **argv) {
    int status = 0;
    if (!no_options(app, argc, argv, &status)) return status;
    if (optind >= argc) return app.usage("which domain? (one or more names or domids)");
    if (!app.open_ctx()) return kExitFail;
    std::vector<std::pair<std::uint32_t, std::string>> doms;
    if (!resolve_all(app, argc, argv, &doms)) return kExitFail;
    // Exactly xl network-list's layout (xl_nic.c, main_networklist).
    if (!app.g.json)
        std::printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.", "handle", "state",
                    "evt-ch", "tx-", "rx-ring-ref", "BE-path");
    std::vector<std::string> rows;
    for (const auto &[domid, name] : doms) {
        std::vector<DeviceNic> nics;
        Error rc = device_nic_list(*app.ctx, domid, &nics);
        if (rc != Error::Success) return app.fail("cannot list the network devices of " + domain_label(domid, name), rc);
        for (const DeviceNic &n : nics) {
            Nicinfo ni;
            if (device_nic_getinfo(*app.ctx, domid, n, &ni) != Error::Success) continue;
            if (app.g.json) {
                rows.push_back("{\"domid\":" + std::to_string(domid) + ",\"name\":" + json_quote(name) +
                               ",\"nic\":" + to_json_string(n) + ",\"info\":" + to_json_string(ni) + "}");
                continue;
            }
            std::printf("%-3d %-2d ", ni.devid, int(ni.backend_id));
            const auto &m = n.mac.bytes;
            std::printf("%02hhx:%02hhx:%02hhx:%02hhx:%02hhx:%02hhx", m[0], m[1], m[2], m[3], m[4], m[5]);
            std::printf("%6d %5d %6d %5d/%-11d %-30s\n", ni.devid, ni.state, ni.evtch, ni.rref_tx, ni.rref_rx,
                        ni.backend.c_str());
        }
    }
    if (app.g.json) app.print_json(json_array(rows));
    return kExitOk;
}

} // namespace xlcli
