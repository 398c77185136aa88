// xlkit list, xlkit info.
#include <config.h>

#include <cstdio>
#include <cstdlib>
#include <sys/utsname.h>

#include "cli.hpp"

namespace xlcli {

using namespace xlkit;

std::string state_letters(const DomainInfo &d) {
    // xl list: r b p s c d. DomainInfo has one state, so one letter (two
    // for a crash, which Xen reports as a shutdown with reason crash).
    std::string s = "------";
    switch (d.state) {
    case DomainState::Running: s[0] = 'r'; break;
    case DomainState::Blocked: s[1] = 'b'; break;
    case DomainState::Paused: s[2] = 'p'; break;
    case DomainState::Shutdown: s[3] = 's'; break;
    case DomainState::Crashed: s[3] = 's'; s[4] = 'c'; break;
    case DomainState::Dying: s[5] = 'd'; break;
    case DomainState::Unknown: break;
    }
    return s;
}

int cmd_list(App &app, int argc, char **argv) {
    static const struct option longopts[] = {{"long", no_argument, nullptr, 'l'},
                                              {"help", no_argument, nullptr, 'h'},
                                              {nullptr, 0, nullptr, 0}};
    bool lng = false;
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "lh", longopts, &status)) != -1) {
        switch (c) {
        case 'l': lng = true; break;
        case 'h': return print_command_help(app);
        default: return status;
        }
    }
    if (!app.open_ctx()) return kExitFail;
    std::vector<DomainInfo> all;
    Error rc = list_domain(*app.ctx, &all);
    if (rc != Error::Success) return app.fail("cannot list the domains", rc);
    std::vector<DomainInfo> shown;
    if (optind < argc) {
        for (int i = optind; i < argc; ++i) {
            std::uint32_t domid;
            if (!app.resolve(argv[i], &domid)) return kExitFail;
            for (const DomainInfo &d : all)
                if (d.domid == domid) shown.push_back(d);
        }
    } else {
        shown = std::move(all);
    }

    if (lng || app.g.json) {
        std::string j = "[";
        for (std::size_t i = 0; i < shown.size(); ++i) j += (i ? "," : "") + to_json_string(shown[i]);
        j += "]";
        if (app.g.json)
            app.print_json(j);
        else
            std::printf("%s\n", json_pretty(j).c_str());
        return kExitOk;
    }
    // Exactly xl list's layout (xl_info.c, list_domains).
    std::printf("%-40s %5s %5s %5s %10s %9s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
    for (const DomainInfo &d : shown) {
        std::printf("%-40s %5d %5lu %5d     %s  %8.1f\n", d.name.empty() ? "(null)" : d.name.c_str(), int(d.domid),
                    static_cast<unsigned long>((d.current_memkb + d.outstanding_memkb) / 1024), int(d.vcpu_online),
                    state_letters(d).c_str(), double(static_cast<float>(d.cpu_time)) / 1e9);
    }
    return kExitOk;
}

int cmd_info(App &app, int argc, char **argv) {
    static const struct option longopts[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
    int c, status = 0;
    while ((c = getopt_cmd(app, argc, argv, "h", longopts, &status)) != -1) {
        if (c == 'h') return print_command_help(app);
        return status;
    }
    if (optind < argc) return app.usage("too many arguments");
    if (!app.open_ctx()) return kExitFail;
    struct utsname u;
    if (uname(&u) < 0) u = {};
    std::vector<DomainInfo> all;
    Error rc = list_domain(*app.ctx, &all);
    if (rc != Error::Success) return app.fail("cannot query the hypervisor (" + app.hypervisor_spec() + ")", rc);
    std::uint64_t memkb = 0;
    unsigned running = 0;
    for (const DomainInfo &d : all) {
        memkb += d.current_memkb + d.outstanding_memkb;
        if (d.state != DomainState::Dying) ++running;
    }
    Physinfo phys;
    rc = get_physinfo(*app.ctx, &phys);
    if (rc != Error::Success) return app.fail("cannot query the host's memory", rc);
    std::string hv = app.hypervisor_spec();
    const char *hv_from = !app.g.hypervisor.empty() ? "--hypervisor"
                          : std::getenv("XLKIT_HYPERVISOR") && *std::getenv("XLKIT_HYPERVISOR") ? "XLKIT_HYPERVISOR"
                                                                                               : "default";
    if (app.g.json) {
        app.print_json("{\"host\":" + json_quote(u.nodename) + ",\"release\":" + json_quote(u.release) +
                       ",\"machine\":" + json_quote(u.machine) + ",\"xlkit_version\":" + json_quote(PACKAGE_VERSION) +
                       ",\"hypervisor\":" + json_quote(hv) + ",\"hypervisor_from\":" + json_quote(hv_from) +
                       ",\"nr_domains\":" + std::to_string(all.size()) + ",\"domains_memory_mib\":" +
                       std::to_string(memkb / 1024) + ",\"total_memory_mib\":" + std::to_string(phys.total_memkb / 1024) +
                       ",\"free_memory_mib\":" + std::to_string(phys.free_memkb / 1024) + "}");
        return kExitOk;
    }
    std::printf("host                   : %s\n", u.nodename);
    std::printf("release                : %s\n", u.release);
    std::printf("machine                : %s\n", u.machine);
    std::printf("xlkit_version          : %s\n", PACKAGE_VERSION);
    std::printf("hypervisor             : %s (%s)\n", hv.c_str(), hv_from);
    std::printf("nr_domains             : %zu (%u not dying)\n", all.size(), running);
    std::printf("domains_memory         : %llu (MiB, current memory of all domains)\n",
                static_cast<unsigned long long>(memkb / 1024));
    // As xl info: MiB.
    std::printf("total_memory           : %llu\n", static_cast<unsigned long long>(phys.total_memkb / 1024));
    std::printf("free_memory            : %llu\n", static_cast<unsigned long long>(phys.free_memkb / 1024));
    return kExitOk;
}

} // namespace xlcli
