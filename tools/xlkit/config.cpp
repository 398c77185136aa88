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
#include <sys/stat.h>
#include <unistd.h>

#include "xlcfg.h"

namespace xlcli {

using namespace xlkit;

const std::vector<std::string> &supported_keys() {
    static const std::vector<std::string> keys = {
        "name",    "type",  "builder", "kernel", "ramdisk", "cmdline",     "root",      "extra",
        "memory",  "maxmem", "vcpus",  "on_poweroff", "on_reboot", "on_crash", "disk"};
    return keys;
}

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

struct CfgFreer {
    void operator()(xlcfg *c) const { xlcfg_free(c); }
};

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

} // namespace

std::string locate_message(const XlConfig &xc, const std::string &msg) {
    static const std::string prefix = "domain config: ";
    if (msg.compare(0, prefix.size(), prefix) != 0) return msg;
    std::string rest = msg.substr(prefix.size());
    std::string field = rest.substr(0, rest.find(':'));
    // The library's field names are xl.cfg's key names ("disks" is "disk").
    std::string key = field == "disks" ? "disk" : field;
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
    std::unique_ptr<xlcfg, CfgFreer> c(xlcfg_parse(out->source.c_str(), data.data(), int(data.size()), &report));
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
        else if (t == "hvm" || t == "pvh")
            return r.bad("type", "'" + *v + "' domains are not supported by xlkit (only type = \"pv\")");
        else
            return r.bad("type", "'" + *v + "' is not a domain type (pv, pvh or hvm)");
    } else if (auto b = r.str("builder")) {
        if (*b == "generic")
            d.type = DomainType::Pv;
        else if (*b == "hvm")
            return r.bad("builder", "'hvm' domains are not supported by xlkit (only PV)");
        else
            return r.bad("builder", "'" + *b + "' is not a builder (generic or hvm)");
    }
    if (r.failed()) return kLoadInvalid;

    if (auto v = r.str("kernel")) d.kernel = *v;
    if (auto v = r.str("ramdisk")) d.ramdisk = *v;
    if (r.failed()) return kLoadInvalid;
    if (d.kernel.empty()) return r.bad("kernel", "missing (xlkit boots PV guests from a kernel file)");
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
            xlcfg_disk xd;
            e = xlcfg_parse_disk(c.get(), spec, &xd);
            std::string rep = first_line(r.take_report());
            if (e) {
                // "SOURCE: config parsing error in disk specification: ..."
                std::string prefix = out->source + ": ";
                if (rep.compare(0, prefix.size(), prefix) == 0) rep = rep.substr(prefix.size());
                if (rep.empty()) rep = std::strerror(e);
                return r.bad("disk", entry + " '" + spec + "': " + rep);
            }
            DeviceDisk dd;
            bool remote = xd.backend_domname && *xd.backend_domname;
            dd.pdev_path = xd.pdev_path ? xd.pdev_path : "";
            dd.vdev = xd.vdev ? xd.vdev : "";
            dd.script = xd.script ? xd.script : "";
            dd.backend = static_cast<DiskBackend>(xd.backend);
            dd.format = static_cast<DiskFormat>(xd.format);
            dd.removable = xd.removable != 0;
            dd.readwrite = xd.readwrite != 0;
            dd.is_cdrom = xd.is_cdrom != 0;
            xlcfg_disk_free(&xd);
            if (remote) return r.bad("disk", entry + " '" + spec + "': backend= (a driver domain) is not supported by xlkit");
            d.disks.push_back(std::move(dd));
        }
    }
    return r.failed() ? kLoadInvalid : kLoadOk;
}

} // namespace xlcli
