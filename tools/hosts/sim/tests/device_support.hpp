// Helpers for the tests of the sim host's device backends and hotplug
// scripts: playing the toolstack on xenstore (the entries libxl writes to
// add and remove a vbd or vif), waiting for a node's value, the backends'
// sync barrier, running a hotplug script.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <sys/stat.h>

#include "support/sim_support.hpp"

namespace simdev {

using namespace simtest;

inline std::string token() {
    static std::atomic<unsigned> n{0};
    return "t" + std::to_string(++n);
}

// Waits (bounded, on a watch) until path holds want; nullopt: until it is
// gone. Returns whether it did; *last gets what was there at the end.
inline bool wait_value(Xs &xs, const std::string &path, const std::optional<std::string> &want,
                       int timeout_ms = 5000, std::optional<std::string> *last = nullptr) {
    // Not Xs::watch: events of earlier watches may still be queued.
    std::string tok = token();
    if (!xs_watch(xs.get(), path.c_str(), tok.c_str())) return false;
    auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
    bool ok = false;
    for (;;) {
        errno = 0;
        auto v = xs.read(path);
        if (last) *last = v;
        if (v == want) {
            ok = true;
            break;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
        if (left <= 0 || !xs.wait_token(tok, int(left))) break;
    }
    xs_unwatch(xs.get(), path.c_str(), tok.c_str());
    return ok;
}

// The backends' barrier: once it returns true they have handled every
// change made before it, and what their own writes caused.
inline bool sync_backends(Xs &xs, int timeout_ms = 5000) {
    std::string tok = token() + "-" + std::to_string(getpid());
    if (!xs.write("/xlkit-sim/backend/sync", tok)) return false;
    return wait_value(xs, "/xlkit-sim/backend/synced", tok, timeout_ms);
}

inline bool set_mode(Xs &xs, const std::string &kind, const std::string &mode) {
    return xs.write("/xlkit-sim/backend/" + kind, mode) && sync_backends(xs);
}

struct Device {
    std::string kind;  // "vbd" or "vif"
    uint32_t domid = 0;
    int devid = 0;

    std::string be() const {
        return "/local/domain/0/backend/" + kind + "/" + std::to_string(domid) + "/" + std::to_string(devid);
    }
    std::string fe() const {
        return "/local/domain/" + std::to_string(domid) + "/device/" + kind + "/" + std::to_string(devid);
    }
    std::string xenbus_path() const {
        return "backend/" + kind + "/" + std::to_string(domid) + "/" + std::to_string(devid);
    }
    std::string vif_name() const { return "vif" + std::to_string(domid) + "." + std::to_string(devid); }
};

inline Device vbd(uint32_t domid, int devid = 51712) { return {"vbd", domid, devid}; }
inline Device vif(uint32_t domid, int devid = 0) { return {"vif", domid, devid}; }

// Backend entries to change: a value, or nullopt to leave the entry out.
using Entries = std::map<std::string, std::optional<std::string>>;

// Writes what libxl writes to add the device, in one transaction: the
// backend's entries (frontend, online=1, state=1, params, script, ... ;
// a vif's hotplug-status="") and the frontend's (backend, state=1, ...).
inline bool add_entries(Xs &xs, const Device &d, const std::string &hotplug_dir,
                        const Entries &changes = {}) {
    std::string dom = std::to_string(d.domid), id = std::to_string(d.devid);
    Entries be = {{"frontend", d.fe()}, {"frontend-id", dom}, {"online", "1"}, {"state", "1"}};
    std::map<std::string, std::string> fe = {{"backend", d.be()}, {"backend-id", "0"}, {"state", "1"}};
    if (d.kind == "vbd") {
        be.insert({{"params", "/dev/null"}, {"mode", "w"}, {"type", "phy"}, {"dev", "xvda"},
                   {"device-type", "disk"}, {"removable", "0"}, {"bootable", "1"},
                   {"script", hotplug_dir + "/block"}});
        fe.insert({{"virtual-device", id}, {"device-type", "disk"}, {"trusted", "1"}});
    } else {
        be.insert({{"mac", "00:16:3e:01:02:03"}, {"bridge", "xenbr0"}, {"handle", id}, {"type", "vif"},
                   {"script", hotplug_dir + "/vif-bridge"}, {"hotplug-status", ""}});
        fe.insert({{"handle", id}, {"mac", "00:16:3e:01:02:03"}, {"trusted", "1"}});
    }
    for (auto &[k, v] : changes) be[k] = v;
    for (int attempt = 0; attempt < 20; attempt++) {
        xs_transaction_t t = xs_transaction_start(xs.get());
        if (t == XBT_NULL) return false;
        bool ok = true;
        auto put = [&](const std::string &p, const std::string &v) {
            ok = ok && xs_write(xs.get(), t, p.c_str(), v.data(), unsigned(v.size()));
        };
        for (auto &[k, v] : fe) put(d.fe() + "/" + k, v);
        for (auto &[k, v] : be)
            if (v) put(d.be() + "/" + k, *v);
        if (xs_transaction_end(xs.get(), t, !ok)) return ok;
        if (errno != EAGAIN) return false;
    }
    return false;
}

// What a toolstack writes to remove it: online=0, state=5 (forced: the
// frontend's directory removed first), in one transaction.
inline bool close_entries(Xs &xs, const Device &d, bool force = false) {
    for (int attempt = 0; attempt < 20; attempt++) {
        xs_transaction_t t = xs_transaction_start(xs.get());
        if (t == XBT_NULL) return false;
        bool ok = !force || xs_rm(xs.get(), t, d.fe().c_str());
        ok = ok && xs_write(xs.get(), t, (d.be() + "/online").c_str(), "0", 1);
        ok = ok && xs_write(xs.get(), t, (d.be() + "/state").c_str(), "5", 1);
        if (xs_transaction_end(xs.get(), t, !ok)) return ok;
        if (errno != EAGAIN) return false;
    }
    return false;
}

inline void remove_entries(Xs &xs, const Device &d) {
    xs_rm(xs.get(), XBT_NULL, d.fe().c_str());
    xs_rm(xs.get(), XBT_NULL, d.be().c_str());
}

inline std::string state(Xs &xs, const std::string &dir) { return xs.read(dir + "/state").value_or("gone"); }

// The value of `export NAME='VALUE'` in xlkit-sim-host's output.
inline std::string exported(const std::string &out, const std::string &name) {
    std::string key = "export " + name + "='";
    size_t p = out.find(key);
    if (p == std::string::npos) return {};
    p += key.size();
    return out.substr(p, out.find('\'', p) - p);
}

// Runs a hotplug script as a toolstack does (XENBUS_* in its environment,
// the command as its arguments), with its stderr merged into out.
inline CmdResult run_script(const std::string &script, const Device &d, const std::string &args,
                            const std::string &extra_env = "") {
    std::string env = "XENBUS_TYPE=" + d.kind + " XENBUS_PATH=" + d.xenbus_path() +
                      " XENBUS_BASE_PATH=backend script='" + script + "' ";
    if (d.kind == "vif") env += "vif=" + d.vif_name() + " ";
    return run(env + extra_env + " '" + script + "' " + args + " 2>&1");
}

inline bool file_exists(const std::string &p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0;
}

inline std::string read_text(const std::string &p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

inline int count_files(const std::string &dir) {
    auto r = run("ls -A '" + dir + "' 2>/dev/null | wc -l");
    return std::atoi(r.out.c_str());
}

} // namespace simdev
