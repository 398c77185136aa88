// Virtual network interfaces (vif, netback): the spec completed and turned
// into entries as libxl's libxl__set_xenstore_nic writes them
// (libxl_nic.c), and read back.
#include <algorithm>
#include <cstdio>
#include <sys/random.h>

#include "event/log.hpp"
#include "ops/device_kinds.hpp"
#include "ops/op_util.hpp"
#include <xlkit/device.hpp>

namespace xlkit {

using namespace detail;

namespace detail {

namespace {

std::string nic_label(const DeviceNic &n) {
    if (n.devid >= 0) return "nic " + std::to_string(n.devid);
    if (n.mac != Mac{}) return "nic " + to_string(n.mac);
    return "nic";
}

bool valid_ifname(const std::string &s) {
    if (s.empty() || s.size() > 15) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c != '/' && c != ':' && c < 127; });
}

} // namespace

Error nic_prepare(Egc &egc, XenStacks &s, std::uint32_t domid, DeviceNic *nic, DevAdd *a,
                  const std::vector<int> &taken) {
    std::string label = nic_label(*nic);
    auto bad = [&](const std::string &why) {
        XLKIT_LOG(egc.ctx, ERROR, "%s: %s", label.c_str(), why.c_str());
        return Error::Inval;
    };
    if (nic->backend_domid != 0) return bad("a backend in domain " + std::to_string(nic->backend_domid) + " (a driver domain) is not supported");
    if (nic->nictype == NicType::VifIoemu) return bad("type ioemu needs an HVM guest with a device model");
    if (nic->devid < -1) return bad("devid " + std::to_string(nic->devid) + " is negative");
    if (nic->mtu < 0 || nic->mtu > 65535) return bad("mtu " + std::to_string(nic->mtu) + " is not in 68..65535");
    if (nic->mtu && nic->mtu < 68) return bad("mtu " + std::to_string(nic->mtu) + " is not in 68..65535");
    if (!nic->ifname.empty() && !valid_ifname(nic->ifname))
        return bad("vifname '" + nic->ifname + "' is not an interface name (1 to 15 characters, no '/', ':' or space)");
    if (nic->rate_interval_usecs && !nic->rate_bytes_per_interval) return bad("a rate interval without a rate");
    const Mac zero{};
    if (nic->mac != zero && (nic->mac.bytes[0] & 1)) return bad("mac " + to_string(nic->mac) + " is a multicast address");

    std::vector<int> used = dev_list(*s.xs, domid, DevKind::Vif);
    used.insert(used.end(), taken.begin(), taken.end());
    if (nic->devid < 0) {
        // libxl__device_nextid: one past the highest in use.
        int next = 0;
        for (int id : used) next = std::max(next, id + 1);
        nic->devid = next;
    } else if (std::find(used.begin(), used.end(), nic->devid) != used.end()) {
        XLKIT_LOG(egc.ctx, ERROR, "%s: domain %u has a nic with this devid already", label.c_str(), domid);
        return Error::DeviceExists;
    }
    if (nic->mac == zero) {
        // libxl__device_nic_setdefault: 00:16:3e plus three random bytes,
        // the first of them below 0x80.
        std::uint8_t r[3];
        if (getrandom(r, sizeof r, 0) != sizeof r) return Error::Fail;
        nic->mac.bytes = {0x00, 0x16, 0x3e, std::uint8_t(r[0] & 0x7f), r[1], r[2]};
    }
    if (nic->nictype == NicType::Unknown) nic->nictype = NicType::Vif;
    if (nic->bridge.empty()) nic->bridge = "xenbr0";
    label = "nic " + std::to_string(nic->devid);

    a->addr = DevAddr{DevKind::Vif, domid, nic->devid, 0};
    a->label = label;
    a->script = dev_script_path(*s.x, nic->script, "vif-bridge");
    const std::string mac = to_string(nic->mac);
    const std::string handle = std::to_string(nic->devid);
    a->frontend = {{"backend", dev_backend_path(a->addr)},
                   {"backend-id", "0"},
                   {"state", "1"},
                   {"handle", handle},
                   {"mac", mac},
                   {"trusted", "1"}};
    a->backend = {{"frontend", dev_frontend_path(a->addr)},
                  {"frontend-id", std::to_string(domid)},
                  {"online", "1"},
                  {"state", "1"},
                  {"script", a->script},
                  {"mac", mac},
                  {"bridge", nic->bridge},
                  {"handle", handle},
                  {"type", "vif"},
                  // Netback stays in InitWait until the script says
                  // "connected" (libxl 0bdc43c8de).
                  {"hotplug-status", ""}};
    if (!nic->ifname.empty()) a->backend.emplace_back("vifname", nic->ifname);
    if (!nic->ip.empty()) a->backend.emplace_back("ip", nic->ip);
    if (!nic->gatewaydev.empty()) a->backend.emplace_back("gatewaydev", nic->gatewaydev);
    if (nic->rate_bytes_per_interval)
        a->backend.emplace_back("rate", std::to_string(nic->rate_bytes_per_interval) + "," +
                                            std::to_string(nic->rate_interval_usecs));
    if (nic->mtu && nic->mtu != 1500) {
        a->backend.emplace_back("mtu", std::to_string(nic->mtu));
        a->frontend.emplace_back("mtu", std::to_string(nic->mtu));
    }
    return Error::Success;
}

Error nic_locate(Egc &egc, XenStacks &s, std::uint32_t domid, const DeviceNic &nic, DevAddr *addr,
                 std::string *label) {
    *label = nic_label(nic);
    const Mac zero{};
    for (int id : dev_list(*s.xs, domid, DevKind::Vif)) {
        DevAddr a{DevKind::Vif, domid, id, 0};
        bool match = nic.devid == id;
        if (!match && nic.devid < 0 && nic.mac != zero) {
            std::string mac;
            Mac m;
            match = s.xs->read(0, dev_backend_path(a) + "/mac", &mac) == 0 && from_string(mac, &m) == Error::Success &&
                    m == nic.mac;
        }
        if (match) {
            *addr = a;
            *label = "nic " + std::to_string(id);
            return Error::Success;
        }
    }
    if (nic.devid < 0 && nic.mac == zero) {
        XLKIT_LOG(egc.ctx, ERROR, "nic: neither a devid nor a mac names the device");
        return Error::Inval;
    }
    XLKIT_LOG(egc.ctx, ERROR, "%s: domain %u has no such nic", label->c_str(), domid);
    return Error::Notfound;
}

} // namespace detail

Error device_nic_list(Ctx &ctx, std::uint32_t domid, std::vector<DeviceNic> *out) {
    return quick_call(ctx, XsNeed::Required, [&](Egc &egc, XenStacks &s) {
        DomInfo d;
        if (Error rc = query_domain(egc, *s.hv, domid, &d); rc != Error::Success) return rc;
        std::vector<DeviceNic> nics;
        for (int id : dev_list(*s.xs, domid, DevKind::Vif)) {
            const std::string be = dev_backend_path(DevAddr{DevKind::Vif, domid, id, 0});
            auto rd = [&](const char *k) {
                std::string v;
                (void)s.xs->read(0, be + "/" + k, &v);
                return v;
            };
            DeviceNic n;
            n.devid = id;
            (void)from_string(rd("mac"), &n.mac);
            n.bridge = rd("bridge");
            n.ip = rd("ip");
            n.ifname = rd("vifname");
            n.gatewaydev = rd("gatewaydev");
            std::string script = rd("script");
            if (script != dev_script_path(*s.x, "", "vif-bridge")) n.script = script;
            std::string mtu = rd("mtu");
            n.mtu = mtu.empty() ? 1500 : std::atoi(mtu.c_str());
            unsigned long long bytes = 0;
            unsigned usecs = 0;
            if (std::sscanf(rd("rate").c_str(), "%llu,%u", &bytes, &usecs) == 2) {
                n.rate_bytes_per_interval = bytes;
                n.rate_interval_usecs = usecs;
            }
            n.nictype = NicType::Vif;
            nics.push_back(std::move(n));
        }
        *out = std::move(nics);
        return Error::Success;
    });
}

Error device_nic_getinfo(Ctx &ctx, std::uint32_t domid, const DeviceNic &nic, Nicinfo *out) {
    return quick_call(ctx, XsNeed::Required, [&](Egc &egc, XenStacks &s) {
        DevAddr a;
        std::string label;
        if (Error rc = nic_locate(egc, s, domid, nic, &a, &label); rc != Error::Success) return rc;
        dev_getinfo(*s.xs, a, out, [](Nicinfo &i, auto &num) {
            i.rref_tx = num("tx-ring-ref");
            i.rref_rx = num("rx-ring-ref");
        });
        return Error::Success;
    });
}

} // namespace xlkit
