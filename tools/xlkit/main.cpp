// xlkit: xl's domain subcommands over xlkit's public API.
//
//   xlkit [--json] [-v] [--hypervisor=SPEC] COMMAND [ARGS...]
//
// The global options may also come after COMMAND, among its own options and
// arguments (getopt_cmd in app.cpp handles them there).
//
// Every slow operation runs as an ao in callback mode, with an AoHow that
// aborts on Ctrl-C; the main thread drives the ctx in one poll() loop over
// xlkit's fds (beforepoll/afterpoll) and the signal self-pipe.
#include <config.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "cli.hpp"

namespace xlcli {

namespace {

struct Command {
    const char *name;
    int (*fn)(App &, int, char **);
    const char *usage;
    const char *summary;
    const char *help;
};

const Command kCommands[] = {
    {"list", cmd_list, "list [-l] [DOM...]", "list domains",
     "Lists domains with xl list's columns: Name, ID, Mem (MiB), VCPUs, State\n"
     "(r running, b blocked, p paused, s shut down, c crashed, d dying) and\n"
     "Time(s) (CPU time). DOM... restricts the list to those domains.\n"
     "\n"
     "  -l, --long   every field of each domain, as JSON (xl list -l)\n"},
    {"create", cmd_create, "create CONFIG [-p] [-F|-e] [-n] [-q] [--log FILE] [KEY=VALUE...]",
     "create a domain from an xl.cfg file",
     "Creates a PV or PVH domain from CONFIG, an xl.cfg(5) file read with Xen's\n"
     "libxlutil. xlkit maps name, type (pv or pvh), kernel, ramdisk, cmdline (or\n"
     "root= and extra=), memory, maxmem, vcpus, tsc_mode, cpuid (host,FEATURE=V or\n"
     "the list form), shadow_memory (PVH), on_poweroff, on_reboot, on_crash, disk\n"
     "and vif; any other key is an error. KEY=VALUE arguments are appended to the\n"
     "file, as in xl create, so they override it.\n"
     "\n"
     "Disks and network interfaces are added while the domain is still paused,\n"
     "in parallel: the display shows each one's stages (DEVICE: backend,\n"
     "hotplug) and, with -v, what its hotplug script prints.\n"
     "\n"
     "After creating the domain, xlkit forks a monitor process (as xl does) that\n"
     "waits for the domain to shut down and carries out on_poweroff, on_reboot or\n"
     "on_crash: destroy, restart (destroy, then create it again), preserve (leave\n"
     "it); rename-restart, coredump-destroy, coredump-restart and soft-reset are\n"
     "not supported and destroy the domain. The monitor logs to --log FILE, else\n"
     "$XLKIT_LOG_DIR/NAME.log, /var/log/xlkit/NAME.log (root),\n"
     "$XDG_RUNTIME_DIR/xlkit/NAME.log or /tmp/xlkit-UID/NAME.log.\n"
     "\n"
     "  -f FILE      the config file (instead of the CONFIG argument)\n"
     "  -p           leave the domain paused\n"
     "  -F           run the monitor in the foreground until the domain is gone\n"
     "  -e           no monitor: on_poweroff/on_reboot/on_crash are not acted on\n"
     "  -n           dry run: print the resulting configuration as JSON\n"
     "  -q           quiet: no progress display\n"
     "  --log FILE   the monitor's log file\n"},
    {"destroy", cmd_destroy, "destroy DOM", "destroy a domain at once",
     "Destroys DOM (a name or a domid) without asking the guest, showing each\n"
     "stage: pause, devices, destroy, release, cleanup.\n"},
    {"save", cmd_save, "save [-c] [-p] [-t SECS] [--data-timeout SECS] DOM FILE [CONFIG]", "save a domain to a file",
     "Saves DOM's memory and state to FILE, a file `xl restore` reads too, and\n"
     "destroys the domain. The file holds the domain's configuration: CONFIG's\n"
     "if given, else the one stored when it was created (by xlkit or xl: its\n"
     "kernel, disks, nics...), else what the hypervisor knows (name, uuid,\n"
     "memory, vcpus).\n"
     "Ctrl-C stops the save: the domain runs on and FILE is removed.\n"
     "  -c  leave the domain running after the save (a checkpoint)\n"
     "  -p  leave the domain paused after the save\n"
     "  -t SECS  how long the guest has to acknowledge the suspend request, and\n"
     "           then to suspend (default 60); it runs on if it does not\n"
     "  --data-timeout SECS  fail when no data moved for SECS (default 60): a\n"
     "           reader that stopped reading; the guest runs on\n"},
    {"restore", cmd_restore, "restore [-p] [-e] [-d] [CONFIG] FILE", "restore a domain from a saved file",
     "Makes a domain from FILE, written by `xlkit save` or `xl save`: its memory\n"
     "and state, read into a new domain with the saved name and uuid. The\n"
     "configuration is CONFIG's if given, else the one saved in FILE. The\n"
     "domain's disks and network interfaces are attached again, then it runs\n"
     "on, watched by a monitor as after create (on_poweroff, on_reboot and\n"
     "on_crash; see create). Ctrl-C stops the restore: no domain is left.\n"
     "A file that is empty, truncated, corrupt or not a save file is refused\n"
     "with what is wrong, and no domain is left.\n"
     "\n"
     "  -p           leave the domain paused\n"
     "  -e           no monitor: on_poweroff/on_reboot/on_crash are not acted on\n"
     "  -d           debug: print the configuration used (as JSON) on stderr\n"
     "  -q           quiet: no progress display\n"
     "  --log FILE   the monitor's log file\n"},
    {"migrate", cmd_migrate,
     "migrate [-s SSHCOMMAND] [-e] [-F] [-C CONFIG] [-p] [--debug] [--non-live] [--max-iterations N]\n"
     "              [--dirty-threshold PAGES] [--max-precopy-time SECS] [--max-downtime SECS] DOM HOST",
     "live-migrate a domain to another host",
     "Moves DOM, running, to HOST, as xl migrate does and speaking its protocol\n"
     "(the other end may be xl or xlkit): runs `ssh HOST xlkit migrate-receive`,\n"
     "sends the domain's configuration, then its memory while it runs (precopy\n"
     "passes), suspends it, sends the rest, and hands it over: the guest runs at\n"
     "HOST and is destroyed here. If anything fails before the hand-over the\n"
     "guest runs on here. Ctrl-C aborts before the hand-over (the guest runs on).\n"
     "A PV guest on a host whose Xen has no shadow paging is refused at once\n"
     "unless --non-live.\n"
     "\n"
     "  -s SSHCOMMAND  the command instead of ssh; with -s '' HOST is the whole\n"
     "                 command that reaches the receiver (e.g. -s '' DOM\n"
     "                 'xlkit migrate-receive' migrates to this host)\n"
     "  -e             the receiver starts no monitor (migrate-receive -e)\n"
     "  -F             the same as -e here (as xl: the receiver gets -e)\n"
     "  -C CONFIG      send CONFIG as the domain's configuration\n"
     "  -p             leave the guest paused at HOST (migrate-receive -p; with\n"
     "                 -s '' put -p in HOST's command yourself)\n"
     "  --debug        print the command run; the receiver prints the config\n"
     "  --non-live     suspend DOM first, then copy its memory once (the guest is\n"
     "                 stopped for the whole copy; no log-dirty mode needed)\n"
     "xl's -D (keep the domain id) is refused: the receiver makes a new id.\n"
     "\n"
     "The precopy policy (xl's is fixed: 5 passes, or fewer than 50 dirty pages):\n"
     "the guest is suspended for the last copy once any bound is reached.\n"
     "  --max-iterations N        after N passes (default 5)\n"
     "  --dirty-threshold PAGES   when fewer pages are dirty (default 50)\n"
     "  --max-precopy-time SECS   after SECS of precopy (default: no bound)\n"
     "  --max-downtime SECS       when the dirty pages would be sent within SECS\n"
     "                            at the last pass's rate (default: no bound)\n"},
    {"migrate-receive", cmd_migrate_receive, "migrate-receive [-e] [-F] [-d] [-p]",
     "receive a migrating domain (run by migrate)",
     "The receiving end of migrate (xlkit's or xl's): the protocol on stdin and\n"
     "stdout. The domain is made paused as NAME--incoming, renamed NAME and\n"
     "unpaused once the sender hands it over, then monitored as after create.\n"
     "If anything fails before that, no domain is left here.\n"
     "\n"
     "  -e  no monitor: on_poweroff/on_reboot/on_crash are not acted on\n"
     "  -F  the monitor runs in this process, in the foreground (-e wins)\n"
     "  -d  debug: print the configuration received (as JSON) on stderr\n"
     "  -p  leave the guest paused after the hand-over (unpause starts it)\n"},
    {"shutdown", cmd_shutdown, "shutdown [-w] [-F] [-t SECONDS] DOM", "ask a domain to power off",
     "Asks the guest of DOM to power off (xenstore control/shutdown) and waits\n"
     "for it to acknowledge the request.\n"
     "\n"
     "  -w           then wait until the domain is dead (destroyed by its\n"
     "               monitor's on_poweroff action, or by anyone)\n"
     "  -F           if the guest does not acknowledge in time, destroy the\n"
     "               domain (xl's -F falls back to an ACPI event for HVM guests;\n"
     "               xlkit runs PV and PVH guests, so it destroys them)\n"
     "  -t SECONDS   how long the guest has to acknowledge (default 60; an\n"
     "               xlkit addition)\n"},
    {"reboot", cmd_reboot, "reboot [-w] [-F] [-t SECONDS] DOM", "ask a domain to reboot",
     "Asks the guest of DOM to reboot, as shutdown does; -w waits until this\n"
     "instance of the domain is dead (its monitor restarts it as a new domain\n"
     "when on_reboot = \"restart\"). -F and -t as for shutdown.\n"},
    {"pause", cmd_pause, "pause DOM", "pause a domain", "Pauses DOM: its vcpus stop running.\n"},
    {"unpause", cmd_unpause, "unpause DOM", "unpause a domain", "Unpauses DOM.\n"},
    {"wait", cmd_wait, "wait DOM [-t SECONDS]", "wait until a domain is dead",
     "Waits until DOM is dying or gone.\n"
     "\n"
     "  -t SECONDS   give up after SECONDS (exit status 1, \"timed out\")\n"},
    {"events", cmd_events, "events [--count N]", "print domain events as JSON lines",
     "Prints each domain event (DOMAIN_SHUTDOWN, DOMAIN_DEATH) as one JSON object\n"
     "a line, for every domain that exists and every new one (the domain list\n"
     "is re-read every 200 ms), until interrupted.\n"
     "\n"
     "  -c, --count N  exit after N events\n"},
    {"block-attach", cmd_block_attach, "block-attach DOM DISKSPEC...", "attach a virtual disk",
     "Attaches a virtual disk to DOM. DISKSPEC is a disk specification in the\n"
     "xl-disk-configuration(5) syntax, read by libxlutil as xl does; several\n"
     "arguments are pieces of one specification:\n"
     "  xlkit block-attach guest1 /srv/data.img,raw,xvdb,rw\n"
     "  xlkit block-attach guest1 vdev=xvdc access=ro target=/srv/cd.iso\n"
     "Stages: backend (the backend waits for the frontend), hotplug (the\n"
     "script, default block, set the device up), connected (the guest's\n"
     "frontend connected; a paused guest's disk is done after hotplug).\n"
     "With -v the script's output is shown. backend= (a driver domain) is not\n"
     "supported.\n"},
    {"block-detach", cmd_block_detach, "block-detach [-f] DOM VDEV", "detach a virtual disk",
     "Detaches the disk VDEV (xvdb, or its devid, 51728) from DOM: the backend\n"
     "closes (the guest releases the disk), the hotplug script's remove runs,\n"
     "the device's entries go. If the guest does not release it within 10 s,\n"
     "it is removed anyway after 10 s more.\n"
     "\n"
     "  -f, --force  do not wait for the guest to release the disk\n"},
    {"block-list", cmd_block_list, "block-list DOM...", "list virtual disks",
     "Lists the virtual disks of each DOM with xl block-list's columns: Vdev\n"
     "(the devid), BE (backend domain), handle (the guest's domid), state (the\n"
     "guest's side, a XenbusState: 1 initialising, 2 init wait, 3 initialised,\n"
     "4 connected, 5 closing, 6 closed), evt-ch, ring-ref and BE-path.\n"},
    {"network-attach", cmd_network_attach, "network-attach DOM [KEY=VALUE...]", "attach a network interface",
     "Attaches a virtual network interface to DOM. Each argument is KEY=VALUE\n"
     "of xl-network-configuration(5), or several separated by commas as in\n"
     "a vif = [...] entry: mac, bridge, ip, rate, mtu, vifname, script, type\n"
     "(vif), model, devid, gatewaydev. Without mac, one is generated; without\n"
     "devid, the next free one is used. Both are printed once attached.\n"
     "Stages and -v as for block-attach (script default vif-bridge).\n"},
    {"network-detach", cmd_network_detach, "network-detach DOM DEVID|MAC", "detach a network interface",
     "Detaches the network interface DEVID (a number) or MAC (with colons) from\n"
     "DOM, as block-detach does without -f.\n"},
    {"network-list", cmd_network_list, "network-list DOM...", "list network interfaces",
     "Lists the network interfaces of each DOM with xl network-list's columns:\n"
     "Idx, BE, Mac Addr., handle, state, evt-ch, tx-/rx-ring-ref, BE-path.\n"},
    {"info", cmd_info, "info", "information about the host and xlkit",
     "Prints the host, the xlkit version, the hypervisor backend in use and what\n"
     "xlkit's API can tell about the domains' memory. Host memory totals are\n"
     "not available through xlkit's API yet, and are shown as such.\n"},
    {"help", cmd_help, "help [COMMAND]", "show this help, or a command's",
     "Shows the list of commands, or the help of COMMAND.\n"},
};

const Command *find_command(const std::string &name) {
    for (const Command &c : kCommands)
        if (name == c.name) return &c;
    return nullptr;
}

void print_usage(FILE *f) {
    std::fprintf(f,
                 "usage: xlkit [--json] [-v] [-t] [-T] [--hypervisor=SPEC] COMMAND [ARGS...]\n"
                 "\n"
                 "Commands:\n");
    for (const Command &c : kCommands) std::fprintf(f, "  %-14s %s\n", c.name, c.summary);
    std::fprintf(f,
                 "\n"
                 "Global options (before or after the command):\n"
                 "  --json              machine-readable JSON output for every command\n"
                 "  -v, --verbose       verbose logging (the library's debug messages)\n"
                 "  -t                  progress redrawn in place even when stderr is no terminal\n"
                 "  -T                  timestamps (to the millisecond) and pid on log lines\n"
                 "  --hypervisor=SPEC   \"xenctrl\" (real Xen) or \"sim:DIR\" (the sim host);\n"
                 "                      default: $XLKIT_HYPERVISOR, else xenctrl\n"
                 "  --version           print the version\n"
                 "\n"
                 "DOM is a domain name or a domid. 'xlkit help COMMAND' for a command's options.\n");
}

} // namespace

const char *command_help(const std::string &cmd) {
    const Command *c = find_command(cmd);
    return c ? c->help : nullptr;
}

const char *command_usage(const std::string &cmd) {
    const Command *c = find_command(cmd);
    return c ? c->usage : nullptr;
}

int cmd_help(App &app, int argc, char **argv) {
    static const struct option longopts[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
    int opt, status = 0;
    bool self = false;  // help -h: the list, as plain help
    while ((opt = getopt_cmd(app, argc, argv, "h", longopts, &status)) != -1) {
        if (opt != 'h') return status;
        self = true;
    }
    if (optind + 1 < argc) return app.usage("too many arguments");
    if (optind >= argc || self) {
        if (app.g.json) {
            std::string j = "{\"commands\":[";
            bool first = true;
            for (const Command &c : kCommands) {
                j += std::string(first ? "" : ",") + "{\"name\":" + json_quote(c.name) +
                     ",\"usage\":" + json_quote(std::string("xlkit ") + c.usage) + ",\"summary\":" + json_quote(c.summary) + "}";
                first = false;
            }
            app.print_json(j + "]}");
        } else {
            print_usage(stdout);
        }
        return kExitOk;
    }
    const Command *c = find_command(argv[optind]);
    if (!c) {
        app.cmd = argv[optind];
        return app.usage("unknown command");
    }
    if (app.g.json)
        app.print_json("{\"name\":" + json_quote(c->name) + ",\"usage\":" + json_quote(std::string("xlkit ") + c->usage) +
                       ",\"summary\":" + json_quote(c->summary) + ",\"help\":" + json_quote(c->help) + "}");
    else
        std::printf("usage: xlkit %s\n\n%s", c->usage, c->help);
    return kExitOk;
}

} // namespace xlcli

int main(int argc, char **argv) {
    using namespace xlcli;
    signals::install();
    App app;
    int i = 1;
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--json") {
            app.g.json = true;
        } else if (a == "--verbose") {
            app.g.verbose++;
        } else if (a.size() >= 2 && a[0] == '-' && a.find_first_not_of("vtT", 1) == std::string::npos) {
            // -v, -vv, -t, -T, and clusters of them (xl's getopt "vftTN")
            for (char f : a.substr(1)) {
                if (f == 'v') app.g.verbose++;
                else if (f == 't') app.g.progress_cr = true;
                else app.g.timestamps = true;
            }
            if (app.g.progress_cr) Progress::force_redraw(true);
            if (app.g.timestamps) Progress::stamp_lines(true);
        } else if (a.rfind("--hypervisor=", 0) == 0) {
            app.g.hypervisor = a.substr(std::strlen("--hypervisor="));
            if (app.g.hypervisor.empty()) return app.usage("--hypervisor needs a value (xenctrl or sim:DIR)");
        } else if (a == "--hypervisor") {
            if (i + 1 >= argc) return app.usage("--hypervisor needs a value (xenctrl or sim:DIR)");
            app.g.hypervisor = argv[++i];
        } else if (a == "-h" || a == "--help") {
            print_usage(stdout);
            return kExitOk;
        } else if (a == "--version") {
            std::printf("xlkit %s\n", PACKAGE_VERSION);
            return kExitOk;
        } else if (a == "--") {
            ++i;
            break;
        } else if (a[0] == '-') {
            std::fprintf(stderr, "xlkit: unknown option '%s' (see 'xlkit help')\n", a.c_str());
            return kExitUsage;
        } else {
            break;
        }
    }
    if (i >= argc) {
        print_usage(stderr);
        return kExitUsage;
    }
    app.cmd = argv[i];
    const Command *c = find_command(app.cmd);
    if (!c) {
        std::fprintf(stderr, "xlkit: %s: unknown command (see 'xlkit help')\n", app.cmd.c_str());
        return kExitUsage;
    }
    int status = c->fn(app, argc - i, argv + i);
    std::fflush(stdout);
    // The ctx goes first: it completes anything still in flight.
    app.ctx.reset();
    return status;
}
