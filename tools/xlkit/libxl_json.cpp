#include "libxl_json.hpp"

#include "cli.hpp"

namespace xlcli {

namespace {

const char *action_name(xlkit::ActionOnShutdown a) {
    switch (a) {
    case xlkit::ActionOnShutdown::Destroy: return "destroy";
    case xlkit::ActionOnShutdown::Restart: return "restart";
    case xlkit::ActionOnShutdown::RestartRename: return "rename_restart";
    case xlkit::ActionOnShutdown::Preserve: return "preserve";
    case xlkit::ActionOnShutdown::CoredumpDestroy: return "coredump_destroy";
    case xlkit::ActionOnShutdown::CoredumpRestart: return "coredump_restart";
    case xlkit::ActionOnShutdown::SoftReset: return "soft_reset";
    }
    return "destroy";
}

} // namespace

std::string libxl_config_json(const xlkit::DomainConfig &cfg, const xlkit::Uuid &uuid) {
    std::uint64_t mem = cfg.memory * 1024, maxmem = (cfg.maxmem ? cfg.maxmem : cfg.memory) * 1024;
    std::string vcpus;
    for (std::uint32_t i = 0; i < cfg.vcpus; ++i) vcpus += (i ? "," : "") + std::to_string(i);
    std::string pv = "{";
    auto add = [&](const char *k, const std::string &v) {
        if (v.empty()) return;
        if (pv.size() > 1) pv += ",";
        pv += json_quote(k) + ":" + json_quote(v);
    };
    add("kernel", cfg.kernel);
    add("cmdline", cfg.cmdline);
    add("ramdisk", cfg.ramdisk);
    pv += "}";
    return "{\"c_info\":{\"type\":\"pv\",\"name\":" + json_quote(cfg.name) + ",\"uuid\":\"" + xlkit::to_string(uuid) +
           "\"},\"b_info\":{\"max_vcpus\":" + std::to_string(cfg.vcpus) + ",\"avail_vcpus\":[" + vcpus +
           "],\"max_memkb\":" + std::to_string(maxmem) + ",\"target_memkb\":" + std::to_string(mem) +
           ",\"type.pv\":" + pv + "},\"on_poweroff\":\"" + action_name(cfg.on_poweroff) + "\",\"on_reboot\":\"" +
           action_name(cfg.on_reboot) + "\",\"on_crash\":\"" + action_name(cfg.on_crash) + "\"}";
}

} // namespace xlcli
