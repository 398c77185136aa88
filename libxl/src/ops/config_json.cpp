// libxl_domain_config JSON <-> DomainConfig (xlkit/config_json.hpp).
//
// The shape is libxl 4.17's generated JSON (libxl_types.idl): enums as their
// lower-case names, a keyed union as "type.pv" / "type.pvh", defbools as
// "True" / "False", bitmaps as arrays of set bits, and only the fields that
// differ from their default. The kernel, its command line and ramdisk are
// b_info's own keys since Xen 4.10 (older files have them in "type.pv",
// which is read too).
#include <xlkit/config_json.hpp>

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "xen/cpuid_policy.hpp"

namespace xlkit {

namespace json = boost::json;

namespace {

// ---- writing -------------------------------------------------------------------

// b_info.cpuid's register keys, in CpuidLeafPolicy::regs order.
constexpr const char *kCpuidRegs[4] = {"eax", "ebx", "ecx", "edx"};

void put_str(json::object &o, std::string_view key, const std::string &v) {
    if (!v.empty()) o[key] = v;
}

json::object disk_json(const DeviceDisk &k) {
    json::object o;
    if (k.backend_domid) o["backend_domid"] = k.backend_domid;
    put_str(o, "pdev_path", k.pdev_path);
    put_str(o, "vdev", k.vdev);
    // What xlkit attaches an unspecified disk as (the phy backend and
    // Xen's block script on a raw file), as libxl records its choice.
    o["backend"] = to_string(k.backend == DiskBackend::Unknown ? DiskBackend::Phy : k.backend);
    o["format"] = to_string(k.format == DiskFormat::Unknown ? DiskFormat::Raw : k.format);
    put_str(o, "script", k.script);
    if (k.removable) o["removable"] = 1;
    if (k.readwrite) o["readwrite"] = 1;
    if (k.is_cdrom) o["is_cdrom"] = 1;
    o["discard_enable"] = k.readwrite ? "True" : "False";
    return o;
}

json::object nic_json(const DeviceNic &n) {
    json::object o;
    if (n.backend_domid) o["backend_domid"] = n.backend_domid;
    if (n.devid >= 0) o["devid"] = n.devid;
    o["mtu"] = n.mtu > 0 ? n.mtu : 1500;
    put_str(o, "model", n.model);
    if (n.mac != Mac{}) o["mac"] = to_string(n.mac);
    put_str(o, "ip", n.ip);
    o["bridge"] = n.bridge.empty() ? std::string("xenbr0") : n.bridge;
    put_str(o, "ifname", n.ifname);
    o["script"] = n.script.empty() ? std::string("vif-bridge") : n.script;
    o["nictype"] = to_string(n.nictype == NicType::Unknown ? NicType::Vif : n.nictype);
    if (n.rate_bytes_per_interval) o["rate_bytes_per_interval"] = n.rate_bytes_per_interval;
    if (n.rate_interval_usecs) o["rate_interval_usecs"] = n.rate_interval_usecs;
    put_str(o, "gatewaydev", n.gatewaydev);
    return o;
}

// ---- reading -------------------------------------------------------------------

// One object's keys, read with the path that names them in messages. The
// first failure is kept; later reads are no-ops.
class Reader {
public:
    Reader(std::string *why) : why_(why) {}
    bool ok() const { return ok_; }

    bool fail(const std::string &path, const std::string &what) {
        if (ok_ && why_) *why_ = path + ": " + what;
        ok_ = false;
        return false;
    }
    const json::object *object(const json::object &o, std::string_view key, const std::string &path,
                               bool required) {
        const json::value *v = o.if_contains(key);
        if (!v) {
            if (required) fail(path, "missing");
            return nullptr;
        }
        if (!v->is_object()) {
            fail(path, std::string("expected an object, got ") + kind(*v));
            return nullptr;
        }
        return &v->get_object();
    }
    const json::array *array(const json::object &o, std::string_view key, const std::string &path) {
        const json::value *v = o.if_contains(key);
        if (!v || v->is_null()) return nullptr;
        if (!v->is_array()) {
            fail(path, std::string("expected an array, got ") + kind(*v));
            return nullptr;
        }
        return &v->get_array();
    }
    void str(const json::object &o, std::string_view key, const std::string &path, std::string *out) {
        const json::value *v = o.if_contains(key);
        if (!v || v->is_null()) return;
        if (const json::string *s = v->if_string())
            out->assign(s->data(), s->size());
        else
            fail(path, std::string("expected a string, got ") + kind(*v));
    }
    template <class T>
    void num(const json::object &o, std::string_view key, const std::string &path, T *out) {
        const json::value *v = o.if_contains(key);
        if (!v) return;
        bool in_range = false;
        if (const std::int64_t *i = v->if_int64()) {
            in_range = std::in_range<T>(*i);
            if (in_range) *out = static_cast<T>(*i);
        } else if (const std::uint64_t *u = v->if_uint64()) {
            in_range = std::in_range<T>(*u);
            if (in_range) *out = static_cast<T>(*u);
        } else {
            fail(path, std::string("expected a number, got ") + kind(*v));
            return;
        }
        if (!in_range) fail(path, json::serialize(*v) + " is out of range");
    }
    // An int libxl uses as a bool (removable, readwrite, is_cdrom).
    void flag(const json::object &o, std::string_view key, const std::string &path, bool *out) {
        int v = *out ? 1 : 0;
        num(o, key, path, &v);
        *out = v != 0;
    }
    // A defbool: "True", "False" or "<default>".
    void defbool(const json::object &o, std::string_view key, const std::string &path, int *out) {
        std::string s;
        str(o, key, path, &s);
        if (s == "True") *out = 1;
        else if (s == "False") *out = 0;
        else if (!s.empty() && s != "<default>") fail(path, "expected \"True\" or \"False\", got \"" + s + "\"");
    }
    template <class E>
    void enumeration(const json::object &o, std::string_view key, const std::string &path, E *out) {
        std::string s;
        str(o, key, path, &s);
        if (s.empty() || !ok_) return;
        if (from_string(s, out) != Error::Success) fail(path, "\"" + s + "\" is not one xlkit knows");
    }

    static const char *kind(const json::value &v) {
        switch (v.kind()) {
        case json::kind::null: return "null";
        case json::kind::bool_: return "a boolean";
        case json::kind::int64:
        case json::kind::uint64:
        case json::kind::double_: return "a number";
        case json::kind::string: return "a string";
        case json::kind::array: return "an array";
        case json::kind::object: return "an object";
        }
        return "something else";
    }

private:
    std::string *why_;
    bool ok_ = true;
};

void read_disk(Reader &r, const json::object &o, const std::string &p, DeviceDisk *k) {
    r.num(o, "backend_domid", p + ".backend_domid", &k->backend_domid);
    r.str(o, "pdev_path", p + ".pdev_path", &k->pdev_path);
    r.str(o, "vdev", p + ".vdev", &k->vdev);
    r.enumeration(o, "backend", p + ".backend", &k->backend);
    r.enumeration(o, "format", p + ".format", &k->format);
    r.str(o, "script", p + ".script", &k->script);
    r.flag(o, "removable", p + ".removable", &k->removable);
    k->readwrite = false;  // libxl's default is 0; the JSON says 1 when set
    r.flag(o, "readwrite", p + ".readwrite", &k->readwrite);
    r.flag(o, "is_cdrom", p + ".is_cdrom", &k->is_cdrom);
    if (r.ok() && k->vdev.empty()) r.fail(p + ".vdev", "missing");
}

void read_nic(Reader &r, const json::object &o, const std::string &p, DeviceNic *n) {
    r.num(o, "backend_domid", p + ".backend_domid", &n->backend_domid);
    r.num(o, "devid", p + ".devid", &n->devid);
    r.num(o, "mtu", p + ".mtu", &n->mtu);
    r.str(o, "model", p + ".model", &n->model);
    std::string mac;
    r.str(o, "mac", p + ".mac", &mac);
    if (r.ok() && !mac.empty() && from_string(mac, &n->mac) != Error::Success)
        r.fail(p + ".mac", "\"" + mac + "\" is not a MAC address");
    r.str(o, "ip", p + ".ip", &n->ip);
    r.str(o, "bridge", p + ".bridge", &n->bridge);
    r.str(o, "ifname", p + ".ifname", &n->ifname);
    r.str(o, "script", p + ".script", &n->script);
    r.enumeration(o, "nictype", p + ".nictype", &n->nictype);
    r.num(o, "rate_bytes_per_interval", p + ".rate_bytes_per_interval", &n->rate_bytes_per_interval);
    r.num(o, "rate_interval_usecs", p + ".rate_interval_usecs", &n->rate_interval_usecs);
    r.str(o, "gatewaydev", p + ".gatewaydev", &n->gatewaydev);
}

// top[key], an array of device objects, each read by read_one.
template <class Device, class ReadOne>
void read_devices(Reader &r, const json::object &top, const char *key, ReadOne read_one, std::vector<Device> *out) {
    const json::array *a = r.array(top, key, key);
    for (std::size_t i = 0; a && i < a->size() && r.ok(); ++i) {
        const std::string p = std::string(key) + "[" + std::to_string(i) + "]";
        if (!(*a)[i].is_object()) {
            r.fail(p, std::string("expected an object, got ") + Reader::kind((*a)[i]));
            return;
        }
        Device d;
        read_one(r, (*a)[i].get_object(), p, &d);
        out->push_back(std::move(d));
    }
}

std::uint64_t mib_of(std::uint64_t kb) { return (kb + 1023) / 1024; }

} // namespace

std::string domain_config_to_libxl_json(const DomainConfig &cfg, const Uuid &uuid) {
    json::object c_info;
    c_info["type"] = to_string(cfg.type == DomainType::Pvh ? DomainType::Pvh : DomainType::Pv);
    c_info["name"] = cfg.name;
    c_info["uuid"] = to_string(uuid);
    c_info["run_hotplug_scripts"] = "True";

    json::object b_info;
    b_info["max_vcpus"] = cfg.vcpus;
    json::array avail;
    for (std::uint32_t i = 0; i < cfg.vcpus; ++i) avail.push_back(i);
    b_info["avail_vcpus"] = std::move(avail);
    b_info["max_memkb"] = (cfg.maxmem ? cfg.maxmem : cfg.memory) * 1024;
    b_info["target_memkb"] = cfg.memory * 1024;
    // libxl's setdefault value for PV and PVH. Absent, libxl takes its
    // "default" (all ones) and its retrieve adds it to the target: xl list
    // -l would show 1 KiB less than the domain has.
    b_info["video_memkb"] = 0;
    if (cfg.shadow_memory) b_info["shadow_memkb"] = cfg.shadow_memory * 1024;
    if (cfg.tsc_mode != TscMode::Default) b_info["tsc_mode"] = to_string(cfg.tsc_mode);
    if (!cfg.cpuid.empty()) {
        // libxl keeps either form of xl's cpuid as leaves of bit letters.
        std::vector<detail::CpuidBit> bits;
        std::string ignored;  // the config was checked before it was stored
        if (detail::parse_cpuid_policy(cfg.cpuid, &bits, &ignored)) {
            json::array a;
            for (const detail::CpuidLeafPolicy &l : detail::cpuid_policy_leaves(bits)) {
                json::object e;
                e["leaf"] = l.leaf;
                if (l.subleaf != UINT32_MAX) e["subleaf"] = l.subleaf;
                for (unsigned r = 0; r < 4; ++r)
                    if (!l.regs[r].empty()) e[kCpuidRegs[r]] = l.regs[r];
                a.push_back(std::move(e));
            }
            json::object policy;  // libxl 4.17's: CPUID leaves and MSRs (xlkit forces none)
            policy["cpuid"] = std::move(a);
            policy["msr"] = json::array();
            b_info["cpuid"] = std::move(policy);
        }
    }
    put_str(b_info, "kernel", cfg.kernel);
    put_str(b_info, "cmdline", cfg.cmdline);
    put_str(b_info, "ramdisk", cfg.ramdisk);
    b_info[cfg.type == DomainType::Pvh ? "type.pvh" : "type.pv"] = json::object();

    json::object top;
    top["c_info"] = std::move(c_info);
    top["b_info"] = std::move(b_info);
    if (!cfg.disks.empty()) {
        json::array a;
        for (const DeviceDisk &k : cfg.disks) a.push_back(disk_json(k));
        top["disks"] = std::move(a);
    }
    if (!cfg.nics.empty()) {
        json::array a;
        for (const DeviceNic &n : cfg.nics) a.push_back(nic_json(n));
        top["nics"] = std::move(a);
    }
    top["on_poweroff"] = to_string(cfg.on_poweroff);
    top["on_reboot"] = to_string(cfg.on_reboot);
    top["on_crash"] = to_string(cfg.on_crash);
    return json::serialize(top);
}

Error domain_config_from_libxl_json(std::string_view text, DomainConfig *cfg, Uuid *uuid, std::string *why) {
    std::string local_why;
    if (!why) why = &local_why;
    if (!cfg || !uuid) {
        *why = "no configuration or uuid to fill";
        return Error::Inval;
    }
    *cfg = DomainConfig{};
    *uuid = Uuid{};
    // libxl's stored files end with the string's NUL.
    while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        *why = "the configuration is empty";
        return Error::Inval;
    }
    boost::system::error_code ec;
    json::value doc = json::parse(text, ec);
    if (ec) {
        *why = "not JSON: " + ec.message();
        return Error::Inval;
    }
    if (!doc.is_object()) {
        *why = std::string("expected an object, got ") + Reader::kind(doc);
        return Error::Inval;
    }
    const json::object &top = doc.get_object();
    Reader r(why);

    // c_info: the guest's type, name and uuid.
    if (const json::object *c = r.object(top, "c_info", "c_info", true)) {
        std::string type;
        r.str(*c, "type", "c_info.type", &type);
        if (type == "pv" || type.empty())
            cfg->type = DomainType::Pv;
        else if (type == "pvh")
            cfg->type = DomainType::Pvh;
        else if (r.ok())
            r.fail("c_info.type", "\"" + type + "\": xlkit builds PV and PVH guests only");
        r.str(*c, "name", "c_info.name", &cfg->name);
        std::string u;
        r.str(*c, "uuid", "c_info.uuid", &u);
        if (r.ok() && !u.empty() && from_string(u, uuid) != Error::Success)
            r.fail("c_info.uuid", "\"" + u + "\" is not a UUID");
    }

    // b_info: sizes, the kernel, the type's own part.
    if (const json::object *b = r.object(top, "b_info", "b_info", true)) {
        r.num(*b, "max_vcpus", "b_info.max_vcpus", &cfg->vcpus);
        if (r.ok() && cfg->vcpus == 0) r.fail("b_info.max_vcpus", "0: a guest needs a vcpu");
        std::uint64_t max_kb = 0, target_kb = 0, shadow_kb = 0;
        r.num(*b, "max_memkb", "b_info.max_memkb", &max_kb);
        r.num(*b, "target_memkb", "b_info.target_memkb", &target_kb);
        r.num(*b, "shadow_memkb", "b_info.shadow_memkb", &shadow_kb);
        if (r.ok()) {
            if (!target_kb) target_kb = max_kb;
            if (!target_kb) r.fail("b_info.target_memkb", "missing (and no max_memkb)");
            else if (max_kb && max_kb < target_kb)
                r.fail("b_info.max_memkb", std::to_string(max_kb) + " is below target_memkb " + std::to_string(target_kb));
        }
        if (r.ok()) {
            cfg->memory = mib_of(target_kb);
            cfg->maxmem = max_kb && mib_of(max_kb) != cfg->memory ? mib_of(max_kb) : 0;
            if (cfg->type == DomainType::Pvh) cfg->shadow_memory = mib_of(shadow_kb);
        }
        r.enumeration(*b, "tsc_mode", "b_info.tsc_mode", &cfg->tsc_mode);
        r.str(*b, "kernel", "b_info.kernel", &cfg->kernel);
        r.str(*b, "cmdline", "b_info.cmdline", &cfg->cmdline);
        r.str(*b, "ramdisk", "b_info.ramdisk", &cfg->ramdisk);
        // libxl's policy: leaves of bit letters, kept here in the list form;
        // 4.17 writes {"cpuid": [...], "msr": [...]}, 4.16 and before the
        // list of leaves alone.
        const json::array *cpuid = nullptr;
        std::string cpuid_path = "b_info.cpuid";
        if (const json::value *pv = b->if_contains("cpuid"); pv && pv->is_object()) {
            const json::object &po = pv->get_object();
            cpuid = r.array(po, "cpuid", "b_info.cpuid.cpuid");
            cpuid_path = "b_info.cpuid.cpuid";
            if (const json::array *msr = r.array(po, "msr", "b_info.cpuid.msr"); msr && !msr->empty())
                r.fail("b_info.cpuid.msr", "MSR policies are not supported by xlkit");
        } else {
            cpuid = r.array(*b, "cpuid", "b_info.cpuid");
        }
        if (cpuid && r.ok()) {
            std::vector<detail::CpuidLeafPolicy> leaves;
            for (std::size_t i = 0; r.ok() && i < cpuid->size(); ++i) {
                const std::string path = cpuid_path + "[" + std::to_string(i) + "]";
                const json::value &v = (*cpuid)[i];
                if (!v.is_object()) {
                    r.fail(path, std::string("expected an object, got ") + Reader::kind(v));
                    break;
                }
                detail::CpuidLeafPolicy l;
                if (!v.get_object().contains("leaf")) r.fail(path + ".leaf", "missing");
                r.num(v.get_object(), "leaf", path + ".leaf", &l.leaf);
                r.num(v.get_object(), "subleaf", path + ".subleaf", &l.subleaf);
                for (unsigned k = 0; k < 4; ++k) r.str(v.get_object(), kCpuidRegs[k], path + "." + kCpuidRegs[k], &l.regs[k]);
                leaves.push_back(std::move(l));
            }
            if (r.ok() && !leaves.empty()) {
                std::string list = detail::cpuid_leaves_xend(leaves), bad;
                std::vector<detail::CpuidBit> bits;
                if (detail::parse_cpuid_policy(list, &bits, &bad)) cfg->cpuid = list;
                else r.fail(cpuid_path, bad);
            }
        }
        if (const json::object *pv = r.object(*b, "type.pv", "b_info.type.pv", false)) {
            // Where Xen before 4.10 kept them.
            if (cfg->kernel.empty()) r.str(*pv, "kernel", "b_info.type.pv.kernel", &cfg->kernel);
            if (cfg->cmdline.empty()) r.str(*pv, "cmdline", "b_info.type.pv.cmdline", &cfg->cmdline);
            if (cfg->ramdisk.empty()) r.str(*pv, "ramdisk", "b_info.type.pv.ramdisk", &cfg->ramdisk);
            std::string bootloader;
            r.str(*pv, "bootloader", "b_info.type.pv.bootloader", &bootloader);
            if (r.ok() && !bootloader.empty())
                r.fail("b_info.type.pv.bootloader", "\"" + bootloader + "\": xlkit runs no bootloader (give kernel=)");
        }
        if (const json::object *pvh = r.object(*b, "type.pvh", "b_info.type.pvh", false)) {
            int shim = 0;
            r.defbool(*pvh, "pvshim", "b_info.type.pvh.pvshim", &shim);
            if (r.ok() && shim == 1) r.fail("b_info.type.pvh.pvshim", "a PV shim is not supported by xlkit");
        }
        if (r.ok() && b->if_contains("type.hvm"))
            r.fail("b_info.type.hvm", "xlkit builds PV and PVH guests only");
    }

    read_devices(r, top, "disks", read_disk, &cfg->disks);
    read_devices(r, top, "nics", read_nic, &cfg->nics);
    // Devices xlkit cannot give the guest: refusing beats a guest without them.
    for (const char *k : {"pcidevs", "dtdevs", "vfbs", "vkbs", "vtpms", "p9s", "pvcallsifs", "vdispls", "vsnds",
                          "channels", "usbctrls", "usbdevs"}) {
        if (!r.ok()) break;
        if (const json::array *a = r.array(top, k, k); a && !a->empty())
            r.fail(k, "xlkit does not support these devices yet");
    }
    r.enumeration(top, "on_poweroff", "on_poweroff", &cfg->on_poweroff);
    r.enumeration(top, "on_reboot", "on_reboot", &cfg->on_reboot);
    r.enumeration(top, "on_crash", "on_crash", &cfg->on_crash);
    return r.ok() ? Error::Success : Error::Inval;
}

} // namespace xlkit
