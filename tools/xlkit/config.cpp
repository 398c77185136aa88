// config.cpp: xl.cfg -> DomainConfig, with Xen's own parser (libxlutil,
// through xlcfg.c) so that every file xl accepts parses the same, and xl's
// rules for the keys xlkit maps (xl_parse.c in Xen 4.17). Keys xlkit does
// not map are an error, not silently ignored.
#include "config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

namespace xlcli {

using namespace xlkit;

const std::vector<std::string> &supported_keys() {
    static const std::vector<std::string> keys = {
        "name",    "type",  "builder", "kernel", "ramdisk", "cmdline",     "root",      "extra",
        "memory",  "maxmem", "vcpus",  "on_poweroff", "on_reboot", "on_crash", "disk",      "vif",
        "tsc_mode", "cpuid", "shadow_memory"};
    return keys;
}

namespace {

// Keys of xl.cfg(5) that only some guest types have: a config that sets one
// for a PV or PVH guest is told so, rather than that xlkit lacks the key.
struct TypedKey {
    const char *key;
    const char *types;
};
constexpr TypedKey kTypedKeys[] = {
    // HVM: firmware, emulated platform and devices, the device model
    {"acpi", "HVM"}, {"acpi_s3", "HVM"}, {"acpi_s4", "HVM"}, {"acpi_laptop_slate", "HVM"},
    {"acpi_firmware", "HVM"}, {"apic", "HVM"}, {"bios", "HVM"}, {"boot", "HVM"}, {"firmware", "HVM"},
    {"hpet", "HVM"}, {"nx", "HVM"}, {"pae", "HVM"}, {"viridian", "HVM"}, {"timer_mode", "HVM"},
    {"vpt_align", "HVM"}, {"nestedhvm", "HVM"}, {"altp2mhvm", "HVM"}, {"mmio_hole", "HVM"}, {"rdm", "HVM"},
    {"ms_vm_genid", "HVM"}, {"smbios_firmware", "HVM"}, {"system_firmware", "HVM"}, {"xen_platform_pci", "HVM"},
    {"device_model_version", "HVM"}, {"device_model_override", "HVM"}, {"device_model_args", "HVM"},
    {"device_model_args_hvm", "HVM"}, {"device_model_stubdomain_override", "HVM"}, {"vnc", "HVM"},
    {"vnclisten", "HVM"}, {"vncdisplay", "HVM"}, {"vncunused", "HVM"}, {"vncpasswd", "HVM"}, {"sdl", "HVM"},
    {"opengl", "HVM"}, {"vga", "HVM"}, {"stdvga", "HVM"}, {"videoram", "HVM"}, {"serial", "HVM"},
    {"soundhw", "HVM"}, {"usb", "HVM"}, {"usbdevice", "HVM"}, {"usbversion", "HVM"}, {"spice", "HVM"},
    {"keymap", "HVM"}, {"gfx_passthru", "HVM"}, {"hdtype", "HVM"},
    // PV: a PV guest's own boot path
    {"bootloader", "PV"}, {"bootloader_args", "PV"}, {"e820_host", "PV"},
    // PVH: the PV shim, which xlkit does not run
    {"pvshim", "PVH"}, {"pvshim_path", "PVH"}, {"pvshim_cmdline", "PVH"}, {"pvshim_extra", "PVH"},
};

const char *key_types(const std::string &k) {
    for (const TypedKey &t : kTypedKeys)
        if (k == t.key) return t.types;
    return nullptr;
}

} // namespace

std::string XlConfig::where(const std::string &key) const {
    auto it = at.find(key);
    return it != at.end() ? it->second : source;
}

// ---- the key scanner ---------------------------------------------------------
//
// libxlutil's grammar (libxlu_cfg_y.y / _l.l): a statement is
// IDENT ('=' | '+=') value, ended by a newline or ';'; IDENT is
// [a-z][._0-9a-z]*; a value is a quoted string (no newline inside), a number
// or a [list] that may span lines; '#' comments run to the end of the line.
// Only text libxlutil accepted is scanned, so this need not diagnose errors.

std::vector<KeyUse> scan_keys(const std::string &d) {
    std::vector<KeyUse> keys;
    int line = 1, depth = 0;
    bool at_start = true;
    std::string pending;
    int pending_line = 0;
    std::size_t i = 0;
    auto ident_char = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_'; };
    while (i < d.size()) {
        char c = d[i];
        if (c == '\n') {
            ++line;
            ++i;
            if (depth == 0) at_start = true;
            pending.clear();
        } else if (c == ' ' || c == '\t') {
            ++i;
        } else if (c == '#') {
            while (i < d.size() && d[i] != '\n') ++i;
        } else if (c == '\'' || c == '"') {
            std::size_t j = d.find(c, i + 1);
            i = j == std::string::npos ? d.size() : j + 1;
            at_start = false;
        } else if (c == '[') {
            ++depth;
            ++i;
            at_start = false;
        } else if (c == ']') {
            if (depth > 0) --depth;
            ++i;
        } else if (c == ';') {
            ++i;
            if (depth == 0) at_start = true;
            pending.clear();
        } else if (c == '=' || (c == '+' && i + 1 < d.size() && d[i + 1] == '=')) {
            i += c == '+' ? 2 : 1;
            if (!pending.empty()) keys.push_back({pending, pending_line});
            pending.clear();
        } else if (c >= 'a' && c <= 'z') {
            std::size_t j = i;
            while (j < d.size() && ident_char(d[j])) ++j;
            if (at_start && depth == 0) {
                pending = d.substr(i, j - i);
                pending_line = line;
            }
            at_start = false;
            i = j;
        } else {
            at_start = false;
            ++i;
        }
    }
    return keys;
}

// ---- loading -----------------------------------------------------------------

namespace {

struct Freer {
    void operator()(char *p) const { std::free(p); }
};
using CStr = std::unique_ptr<char, Freer>;

std::string first_line(const std::string &s) {
    std::string l = s.substr(0, s.find('\n'));
    while (!l.empty() && (l.back() == ' ' || l.back() == '\r')) l.pop_back();
    return l;
}

bool read_file(const char *path, std::string *out, std::string *err) {
    FILE *f = std::fopen(path, "re");
    if (!f) {
        *err = "cannot read the config file '" + std::string(path) + "': " + std::strerror(errno);
        return false;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        std::fclose(f);
        *err = "cannot read the config file '" + std::string(path) + "': " + std::strerror(EISDIR);
        return false;
    }
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
    bool bad = std::ferror(f);
    int e = errno;
    std::fclose(f);
    if (bad) {
        *err = "cannot read the config file '" + std::string(path) + "': " + std::strerror(e);
        return false;
    }
    if (out->size() > INT_MAX / 2) {
        *err = "cannot read the config file '" + std::string(path) + "': it is too large";
        return false;
    }
    return true;
}

class Reader {
public:
    Reader(xlcfg *c, XlConfig *out, std::string *err) : c_(c), out_(out), err_(err) {}

    bool failed() const { return failed_; }

    int bad(const std::string &key, const std::string &why) {
        if (!failed_) *err_ = out_->where(key) + ": " + key + ": " + why;
        failed_ = true;
        return kLoadInvalid;
    }

    // A single string value; nullopt if unset (or on error: see failed()).
    std::optional<std::string> str(const char *key) {
        const char *v = nullptr;
        int e = xlcfg_get_string(c_, key, &v);
        drop_report();
        if (e == ESRCH) return std::nullopt;
        if (e) {
            bad(key, "is a list, but must be a single value");
            return std::nullopt;
        }
        return std::string(v ? v : "");
    }

    // A number, read as libxlutil reads numbers (strtol, base 0).
    std::optional<long> num(const char *key) {
        long l = 0;
        int e = xlcfg_get_long(c_, key, &l);
        drop_report();
        if (e == ESRCH) return std::nullopt;
        if (!e) return l;
        const char *v = nullptr;
        if (xlcfg_get_string(c_, key, &v) != 0) {
            drop_report();
            bad(key, "is a list, but must be a number");
            return std::nullopt;
        }
        drop_report();
        if (e == ERANGE)
            bad(key, "'" + std::string(v) + "' is out of range");
        else
            bad(key, "'" + std::string(v) + "' is not a valid number");
        return std::nullopt;
    }

    void drop_report() { CStr r(xlcfg_take_report(c_)); }
    std::string take_report() {
        CStr r(xlcfg_take_report(c_));
        return r ? std::string(r.get()) : std::string();
    }

private:
    xlcfg *c_;
    XlConfig *out_;
    std::string *err_;
    bool failed_ = false;
};

bool parse_action(const std::string &s, ActionOnShutdown *a) {
    static const struct {
        const char *name;
        ActionOnShutdown a;
    } names[] = {{"destroy", ActionOnShutdown::Destroy},
                 {"restart", ActionOnShutdown::Restart},
                 {"rename-restart", ActionOnShutdown::RestartRename},
                 {"preserve", ActionOnShutdown::Preserve},
                 {"coredump-destroy", ActionOnShutdown::CoredumpDestroy},
                 {"coredump-restart", ActionOnShutdown::CoredumpRestart},
                 {"soft-reset", ActionOnShutdown::SoftReset}};
    for (const auto &n : names)
        if (s == n.name) {
            *a = n.a;
            return true;
        }
    return false;
}

bool readable_file(const std::string &path, std::string *why) {
    struct stat st;
    if (stat(path.c_str(), &st) < 0) {
        *why = std::strerror(errno);
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        *why = std::strerror(EISDIR);
        return false;
    }
    if (access(path.c_str(), R_OK) < 0) {
        *why = std::strerror(errno);
        return false;
    }
    return true;
}

// What libxlutil reported since the last take, without its
// "SOURCE: config parsing error in X: " lead (the caller names the place).
std::string take_parse_report(xlcfg *c, const char *lead) {
    CStr r(xlcfg_take_report(c));
    std::string l = first_line(r ? r.get() : "");
    std::size_t at = l.find(lead);
    return at == std::string::npos ? l : l.substr(at + std::strlen(lead));
}

// Linux's rule for a network interface's name (dev_valid_name): 1 to 15
// bytes, not "." or "..", no '/', ':' or white space.
bool valid_ifname(const std::string &n) {
    if (n.empty() || n.size() > 15 || n == "." || n == "..") return false;
    return std::none_of(n.begin(), n.end(), [](char ch) { return ch == '/' || ch == ':' || std::isspace(static_cast<unsigned char>(ch)); });
}

// A decimal number in [lo, hi].
bool parse_decimal(const std::string &v, long lo, long hi, long *out) {
    if (v.empty() || v.size() > 10 || v.find_first_not_of("0123456789") != std::string::npos) return false;
    long n = std::strtol(v.c_str(), nullptr, 10);
    if (n < lo || n > hi) return false;
    *out = n;
    return true;
}

// An IPv4 or IPv6 address, optionally with a /prefix (vif-bridge hands each
// to iptables as a source address).
bool valid_ip(const std::string &w) {
    std::string addr = w.substr(0, w.find('/'));
    unsigned char buf[16];
    int maxlen;
    if (inet_pton(AF_INET, addr.c_str(), buf) == 1)
        maxlen = 32;
    else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1)
        maxlen = 128;
    else
        return false;
    long len;
    return addr.size() == w.size() || parse_decimal(w.substr(addr.size() + 1), 0, maxlen, &len);
}

} // namespace

// ---- devices: disk and network specifications --------------------------------------

bool parse_disk_spec(xlcfg *c, const std::vector<std::string> &pieces, DeviceDisk *out, std::string *err) {
    std::vector<const char *> p;
    for (const std::string &s : pieces) p.push_back(s.c_str());
    std::free(xlcfg_take_report(c));  // what came before is not ours
    xlcfg_disk xd;
    int e = xlcfg_parse_disk_multi(c, int(p.size()), p.data(), &xd);
    if (e) {
        // "SOURCE: config parsing error in disk specification: ..."
        *err = take_parse_report(c, "config parsing error in disk specification: ");
        if (err->empty()) *err = std::strerror(e);
        return false;
    }
    bool remote = xd.backend_domname && *xd.backend_domname;
    DeviceDisk dd;
    dd.pdev_path = xd.pdev_path ? xd.pdev_path : "";
    dd.vdev = xd.vdev ? xd.vdev : "";
    dd.script = xd.script ? xd.script : "";
    dd.backend = static_cast<DiskBackend>(xd.backend);
    dd.format = static_cast<DiskFormat>(xd.format);
    dd.removable = xd.removable != 0;
    dd.readwrite = xd.readwrite != 0;
    dd.is_cdrom = xd.is_cdrom != 0;
    xlcfg_disk_free(&xd);
    if (remote) {
        *err = "backend= (a driver domain) is not supported by xlkit";
        return false;
    }
    *out = std::move(dd);
    return true;
}

// xl-network-configuration(5) writes two digits a group; xl's own reader
// takes one too.
bool parse_mac_address(const std::string &v, Mac *out) {
    Mac m;
    std::size_t i = 0;
    for (int g = 0; g < 6; ++g) {
        if (g && (i >= v.size() || v[i++] != ':')) return false;
        std::size_t j = i;
        while (j < v.size() && j - i < 3 && std::isxdigit(static_cast<unsigned char>(v[j]))) ++j;
        if (j == i || j - i > 2) return false;
        m.bytes[std::size_t(g)] = std::uint8_t(std::strtoul(v.substr(i, j - i).c_str(), nullptr, 16));
        i = j;
    }
    if (i != v.size()) return false;
    *out = m;
    return true;
}

const std::vector<std::string> &nic_keys() {
    static const std::vector<std::string> keys = {"mac",    "bridge", "ip",   "rate",  "mtu",       "vifname",
                                                  "script", "type",   "model", "devid", "gatewaydev", "netdev"};
    return keys;
}

// As xl's parse_nic_config (xl_parse.c), item by item; where xl ignores a
// key or a bad value, xlkit refuses it.
bool parse_nic_spec(xlcfg *c, const std::string &spec, DeviceNic *nic, std::vector<std::string> *warnings,
                    std::string *err) {
    auto fail = [&](const std::string &why) {
        *err = why;
        return false;
    };
    std::size_t i = 0;
    while (i <= spec.size()) {
        std::size_t j = spec.find(',', i);
        if (j == std::string::npos) j = spec.size();
        std::string item = spec.substr(i, j - i);
        i = j + 1;
        // xl skips the spaces that follow a comma; trailing ones too here.
        std::size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
        if (b == std::string::npos) continue;  // empty, as xl's strtok skips it
        item = item.substr(b, e - b + 1);
        std::size_t eq = item.find('=');
        if (eq == std::string::npos) {
            if (item == "trusted" || item == "untrusted")
                return fail("'" + item + "' is not supported by xlkit (advice to the guest's frontend)");
            std::string keys;
            for (const std::string &k : nic_keys()) keys += (keys.empty() ? "" : ", ") + k;
            return fail("'" + item + "' is not KEY=VALUE (keys: " + keys + ")");
        }
        std::string key = item.substr(0, eq), v = item.substr(eq + 1);
        auto bad = [&](const std::string &why) { return fail(key + ": " + why); };
        auto is = [&](const char *k) { return key == k; };
        if (is("backend"))
            return bad("a driver domain is not supported by xlkit (the backend is always domain 0)");
        if (is("accel")) return bad("not supported (xl ignores it too)");
        if (key.rfind("colo_", 0) == 0 || is("forwarddev")) return bad("COLO is not supported by xlkit");
        if (std::find(nic_keys().begin(), nic_keys().end(), key) == nic_keys().end()) {
            std::string keys;
            for (const std::string &k : nic_keys()) keys += (keys.empty() ? "" : ", ") + k;
            return fail("unknown key '" + key + "' (keys: " + keys + ")");
        }
        if (v.empty()) return bad("needs a value");
        long n = 0;
        if (is("type")) {
            if (v == "vif")
                nic->nictype = NicType::Vif;
            else if (v == "ioemu")
                return bad("'ioemu' (an emulated NIC) is for HVM guests; a PV guest's NIC is type=vif");
            else
                return bad("'" + v + "' is not a vif type (vif; ioemu is for HVM guests)");
        } else if (is("mac")) {
            Mac m;
            if (!parse_mac_address(v, &m)) return bad("'" + v + "' is not a MAC address (six hex bytes: 00:16:3e:xx:xx:xx)");
            if (m.bytes[0] & 1) return bad("'" + v + "' is a multicast address (the first byte is odd)");
            nic->mac = m;
        } else if (is("bridge") || is("gatewaydev") || is("netdev") || is("vifname")) {
            if (!valid_ifname(v))
                return bad("'" + v + "' is not a network interface name (1 to 15 characters, no '/', ':' or space)");
            if (is("bridge"))
                nic->bridge = v;
            else if (is("vifname"))
                nic->ifname = v;
            else
                nic->gatewaydev = v;
            if (is("netdev")) warnings->push_back("netdev= is deprecated, use gatewaydev=");
        } else if (is("ip")) {
            std::size_t k = 0;
            while (k < v.size()) {
                std::size_t s2 = v.find(' ', k);
                if (s2 == std::string::npos) s2 = v.size();
                std::string w = v.substr(k, s2 - k);
                if (!w.empty() && !valid_ip(w))
                    return bad("'" + w + "' is not an IP address (ip= takes addresses separated by spaces)");
                k = s2 + 1;
            }
            nic->ip = v;
        } else if (is("script")) {
            nic->script = v;
        } else if (is("model")) {
            nic->model = v;
        } else if (is("rate")) {
            unsigned long long bytes = 0;
            unsigned int usecs = 0;
            std::free(xlcfg_take_report(c));
            int r = xlcfg_parse_vif_rate(c, v.c_str(), &bytes, &usecs);
            if (r) {
                // "SOURCE: config parsing error in vif: invalid rate in `...'"
                std::string rep = take_parse_report(c, "config parsing error in vif: ");
                if (rep.empty()) rep = std::strerror(r);
                return bad(rep + " (e.g. rate=10Mb/s or rate=1MB/s@20ms)");
            }
            nic->rate_bytes_per_interval = bytes;
            nic->rate_interval_usecs = usecs;
        } else if (is("mtu")) {
            if (!parse_decimal(v, 68, 65535, &n)) return bad("'" + v + "' is not an MTU (68 to 65535)");
            nic->mtu = int(n);
        } else if (is("devid")) {
            if (!parse_decimal(v, 0, 65535, &n)) return bad("'" + v + "' is not a devid (0 to 65535)");
            nic->devid = int(n);
        }
    }
    return true;
}

std::string locate_message(const XlConfig &xc, const std::string &msg) {
    // A device's own messages name it as "disk xvda: ..." or "nic 0: ...".
    if (msg.rfind("disk ", 0) == 0 && msg.find(": ") != std::string::npos) return xc.where("disk") + ": " + msg;
    if (msg.rfind("nic ", 0) == 0 && msg.find(": ") != std::string::npos) return xc.where("vif") + ": " + msg;
    static const std::string prefix = "domain config: ";
    if (msg.compare(0, prefix.size(), prefix) != 0) return msg;
    std::string rest = msg.substr(prefix.size());
    std::string field = rest.substr(0, rest.find(':'));
    // The library's field names are xl.cfg's key names ("disks" is "disk").
    std::string key = field == "disks" ? "disk" : field == "nics" ? "vif" : field;
    return xc.where(key) + ": " + (key == field ? rest : key + rest.substr(field.size()));
}

int load_xl_config(const char *file, const std::vector<std::string> &extra, bool check_files, XlConfig *out,
                   std::string *err) {
    *out = XlConfig{};
    std::string data;
    int first_extra_line = 1;
    if (file) {
        out->source = file;
        if (!read_file(file, &data, err)) return kLoadUnreadable;
        // As xl create: the KEY=VALUE arguments, one a line, after the file.
        if (!extra.empty()) {
            first_extra_line = int(std::count(data.begin(), data.end(), '\n')) + 2;
            data += "\n";
            for (const std::string &e : extra) data += e + "\n";
            data += "\n";
        }
    } else {
        out->source = "<command line>";
        for (const std::string &e : extra) data += e + "\n";
    }
    // Where a line is, for messages: the file's line, or the argument.
    auto loc = [&](int line) -> std::string {
        if (file && (extra.empty() || line < first_extra_line)) return out->source + ":" + std::to_string(line);
        int idx = line - (file ? first_extra_line : 1);
        if (idx >= 0 && std::size_t(idx) < extra.size()) return "argument '" + extra[std::size_t(idx)] + "'";
        return out->source;
    };

    char *report = nullptr;
    XlcfgPtr c(xlcfg_parse(out->source.c_str(), data.data(), int(data.size()), &report));
    if (!c) {
        std::string r = report ? report : "";
        std::free(report);
        // libxlutil says "SOURCE:LINE: config parsing error near ...".
        std::string l = first_line(r);
        std::string prefix = out->source + ":";
        if (l.compare(0, prefix.size(), prefix) == 0) {
            std::size_t colon = l.find(':', prefix.size());
            if (colon != std::string::npos) {
                int line = std::atoi(l.c_str() + prefix.size());
                l = loc(line) + l.substr(colon);
            }
        }
        *err = l.empty() ? out->source + ": cannot parse the config file" : l;
        return kLoadInvalid;
    }

    // Every key set, and where (the last assignment counts, as in xl).
    std::vector<KeyUse> uses = scan_keys(data);
    std::vector<KeyUse> unsupported;
    const auto &sup = supported_keys();
    for (const KeyUse &u : uses) {
        out->at[u.key] = loc(u.line);
        if (std::find(sup.begin(), sup.end(), u.key) == sup.end() &&
            std::none_of(unsupported.begin(), unsupported.end(), [&](const KeyUse &x) { return x.key == u.key; }))
            unsupported.push_back(u);
    }
    for (const KeyUse &u : unsupported)
        if (const char *types = key_types(u.key)) {
            std::string t = std::string(types) == "HVM" ? "HVM guests only: xlkit runs PV and PVH guests"
                            : std::string(types) == "PV" ? "PV guests only, and xlkit does not support it"
                                                         : "PVH guests with the PV shim, which xlkit does not run";
            *err = loc(u.line) + ": key '" + u.key + "' applies to " + t;
            return kLoadInvalid;
        }
    if (!unsupported.empty()) {
        const KeyUse &u = unsupported.front();
        std::string msg = loc(u.line) + ": key '" + u.key + "' is not supported by xlkit";
        if (unsupported.size() > 1) {
            msg += " (nor are";
            for (std::size_t i = 1; i < unsupported.size(); ++i)
                msg += std::string(i > 1 ? ", '" : " '") + unsupported[i].key + "' (" + loc(unsupported[i].line) + ")";
            msg += ")";
        }
        msg += " (supported:";
        for (std::size_t i = 0; i < sup.size(); ++i) msg += (i ? ", " : " ") + sup[i];
        msg += ")";
        *err = msg;
        return kLoadInvalid;
    }

    Reader r(c.get(), out, err);
    DomainConfig &d = out->cfg;
    int n_items = 0;

    if (auto v = r.str("name")) {
        if (v->empty()) return r.bad("name", "must not be empty");
        d.name = *v;
    } else if (!r.failed()) {
        return r.bad("name", "missing (every domain needs a name)");
    }
    if (r.failed()) return kLoadInvalid;

    // type (xl 4.17), else the deprecated builder; PV by default.
    if (auto v = r.str("type")) {
        std::string t = *v;
        std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
        if (t == "pv")
            d.type = DomainType::Pv;
        else if (t == "pvh")
            d.type = DomainType::Pvh;
        else if (t == "hvm")
            return r.bad("type", "'" + *v + "' domains are not supported by xlkit (type = \"pv\" or \"pvh\")");
        else
            return r.bad("type", "'" + *v + "' is not a domain type (pv, pvh or hvm)");
    } else if (auto b = r.str("builder")) {
        if (*b == "generic")
            d.type = DomainType::Pv;
        else if (*b == "hvm")
            return r.bad("builder", "'hvm' domains are not supported by xlkit (type = \"pv\" or \"pvh\")");
        else
            return r.bad("builder", "'" + *b + "' is not a builder (generic or hvm)");
    }
    if (r.failed()) return kLoadInvalid;

    if (auto v = r.str("kernel")) d.kernel = *v;
    if (auto v = r.str("ramdisk")) d.ramdisk = *v;
    if (r.failed()) return kLoadInvalid;
    if (d.kernel.empty()) return r.bad("kernel", "missing (xlkit boots PV and PVH guests from a kernel file)");
    if (check_files) {
        std::string why;
        if (!readable_file(d.kernel, &why)) return r.bad("kernel", "'" + d.kernel + "' is not a readable file (" + why + ")");
        if (!d.ramdisk.empty() && !readable_file(d.ramdisk, &why))
            return r.bad("ramdisk", "'" + d.ramdisk + "' is not a readable file (" + why + ")");
    }

    // xl's parse_cmdline: cmdline, else "root=ROOT EXTRA".
    auto cmdline = r.str("cmdline");
    auto root = r.str("root");
    auto extra_v = r.str("extra");
    if (r.failed()) return kLoadInvalid;
    if (cmdline) {
        d.cmdline = *cmdline;
        if (root || extra_v)
            out->warnings.push_back(out->where("cmdline") + ": ignoring root= and extra= in favour of cmdline=");
    } else if (root && extra_v) {
        d.cmdline = "root=" + *root + " " + *extra_v;
    } else if (root) {
        d.cmdline = "root=" + *root;
    } else if (extra_v) {
        d.cmdline = *extra_v;
    }

    if (auto m = r.num("memory")) {
        if (*m < 1) return r.bad("memory", "must be at least 1 (MiB), not " + std::to_string(*m));
        d.memory = std::uint64_t(*m);
    }
    if (r.failed()) return kLoadInvalid;
    if (auto m = r.num("maxmem")) {
        if (*m < 1) return r.bad("maxmem", "must be at least 1 (MiB), not " + std::to_string(*m));
        if (std::uint64_t(*m) < d.memory)
            return r.bad("maxmem", std::to_string(*m) + " is below memory (" + std::to_string(d.memory) + ")");
        d.maxmem = std::uint64_t(*m);
    }
    if (r.failed()) return kLoadInvalid;
    if (auto v = r.num("vcpus")) {
        if (*v < 1 || *v > 512) return r.bad("vcpus", "must be between 1 and 512, not " + std::to_string(*v));
        d.vcpus = std::uint32_t(*v);
    }
    if (r.failed()) return kLoadInvalid;

    // xl's tsc_mode: a name, or its number (xl 4.17 still reads those).
    if (auto v = r.str("tsc_mode")) {
        static const struct {
            const char *name;
            TscMode m;
        } modes[] = {{"default", TscMode::Default},
                     {"always_emulate", TscMode::AlwaysEmulate},
                     {"native", TscMode::Native},
                     {"native_paravirt", TscMode::NativeParavirt}};
        bool found = false;
        for (std::size_t i = 0; i < std::size(modes); ++i)
            if (*v == modes[i].name || *v == std::to_string(i)) {
                d.tsc_mode = modes[i].m;
                found = true;
            }
        if (!found) return r.bad("tsc_mode", "'" + *v + "' is not a TSC mode (default, always_emulate, native)");
        if (d.tsc_mode == TscMode::NativeParavirt)
            return r.bad("tsc_mode", "native_paravirt was removed from Xen (default, always_emulate, native)");
    }
    if (r.failed()) return kLoadInvalid;
    // cpuid: xl's two forms. The list form (libxl's xend syntax, one
    // "LEAF[,SUBLEAF]:REG=BITS,..." per item) goes into DomainConfig::cpuid
    // with its items joined by ';'; the create op parses both and names a
    // bad item (xen/cpuid_policy.hpp).
    if (xlcfg_get_list(c.get(), "cpuid", &n_items) == 0) {
        r.drop_report();
        std::string joined;
        for (int i = 0; i < n_items; ++i) {
            std::string entry = "item " + std::to_string(i + 1);
            const char *item = xlcfg_list_item(c.get(), "cpuid", i);
            if (!item) return r.bad("cpuid", entry + " is a list, not \"LEAF[,SUBLEAF]:REG=BITS,...\"");
            if (std::strchr(item, ';') || !std::strchr(item, ':'))
                return r.bad("cpuid", entry + " '" + item + "' is not \"LEAF[,SUBLEAF]:REG=BITS,...\"");
            joined += (i ? ";" : "") + std::string(item);
        }
        d.cpuid = joined;
    } else {
        r.drop_report();
        if (auto v = r.str("cpuid")) {
            // As xl: a string is the feature form only.
            if (v->find(':') != std::string::npos)
                return r.bad("cpuid", "'" + *v + "' is a list item: write cpuid = [ \"" + *v +
                                          "\" ], or cpuid = \"host,FEATURE=VALUE,...\"");
            d.cpuid = *v;
        }
    }
    if (r.failed()) return kLoadInvalid;
    if (auto v = r.num("shadow_memory")) {
        if (d.type != DomainType::Pvh)
            return r.bad("shadow_memory", "applies to PVH guests only (a PV guest's paging is its own)");
        if (*v < 1) return r.bad("shadow_memory", "must be at least 1 (MiB), not " + std::to_string(*v));
        d.shadow_memory = std::uint64_t(*v);
    }
    if (r.failed()) return kLoadInvalid;

    struct {
        const char *key;
        ActionOnShutdown *field;
    } actions[] = {{"on_poweroff", &d.on_poweroff}, {"on_reboot", &d.on_reboot}, {"on_crash", &d.on_crash}};
    for (const auto &a : actions) {
        if (auto v = r.str(a.key)) {
            if (!parse_action(*v, a.field))
                return r.bad(a.key, "'" + *v +
                                        "' is not an action (destroy, restart, rename-restart, preserve, "
                                        "coredump-destroy, coredump-restart, soft-reset)");
        }
        if (r.failed()) return kLoadInvalid;
    }

    int n = 0;
    int e = xlcfg_get_list(c.get(), "disk", &n);
    r.drop_report();
    if (e == EINVAL) return r.bad("disk", "must be a list, e.g. disk = [ '/srv/guest.img,raw,xvda,rw' ]");
    if (e == 0) {
        for (int i = 0; i < n; ++i) {
            std::string entry = "entry " + std::to_string(i + 1);
            const char *spec = xlcfg_list_item(c.get(), "disk", i);
            if (!spec) return r.bad("disk", entry + " is a list, not a disk specification");
            DeviceDisk dd;
            std::string why;
            if (!parse_disk_spec(c.get(), {spec}, &dd, &why)) return r.bad("disk", entry + " '" + spec + "': " + why);
            d.disks.push_back(std::move(dd));
        }
    }

    // vif: as xl, each entry's devid is its index in the list, unless it
    // says devid=.
    e = xlcfg_get_list(c.get(), "vif", &n);
    r.drop_report();
    if (e == EINVAL) return r.bad("vif", "must be a list, e.g. vif = [ 'bridge=xenbr0' ]");
    if (e == 0) {
        for (int i = 0; i < n; ++i) {
            std::string entry = "entry " + std::to_string(i + 1);
            const char *spec = xlcfg_list_item(c.get(), "vif", i);
            if (!spec) return r.bad("vif", entry + " is a list, not a network specification");
            DeviceNic nic;
            nic.devid = i;
            nic.nictype = NicType::Vif;
            std::string why;
            std::vector<std::string> warns;
            if (!parse_nic_spec(c.get(), spec, &nic, &warns, &why))
                return r.bad("vif", entry + " '" + spec + "': " + why);
            for (const std::string &w : warns) out->warnings.push_back(out->where("vif") + ": vif: " + entry + ": " + w);
            for (std::size_t k = 0; k < d.nics.size(); ++k) {
                std::string other = "entry " + std::to_string(k + 1);
                if (d.nics[k].devid == nic.devid)
                    return r.bad("vif", entry + " '" + spec + "': devid " + std::to_string(nic.devid) + " is " + other +
                                            "'s too");
                if (nic.mac != Mac{} && d.nics[k].mac == nic.mac)
                    return r.bad("vif", entry + " '" + spec + "': mac " + to_string(nic.mac) + " is " + other + "'s too");
            }
            d.nics.push_back(std::move(nic));
        }
    }
    return r.failed() ? kLoadInvalid : kLoadOk;
}

} // namespace xlcli
