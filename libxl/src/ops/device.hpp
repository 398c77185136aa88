// The generic device machinery (libxl_device.c, redone): where a device's
// entries live, adding one (entries, backend, hotplug script, frontend) and
// removing one (Closing, Closed, script, entries), as sub-operations of an
// ao. A device kind (vbd, vif) supplies its entries and script arguments;
// the state machines are here. Layer 4.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "ao/ao.hpp"
#include "ao/progress.hpp"
#include "ops/child_run.hpp"
#include "xen/xen_ctx.hpp"
#include "xen/xswait.hpp"

namespace xlkit::detail {

enum class DevKind : std::uint8_t { Vbd, Vif };
const char *dev_kind_name(DevKind k) noexcept;  // "vbd", "vif"

// XenbusState values.
inline constexpr int kXbInitialising = 1, kXbInitWait = 2, kXbConnected = 4, kXbClosing = 5, kXbClosed = 6;

struct DevAddr {
    DevKind kind = DevKind::Vbd;
    std::uint32_t domid = 0;
    int devid = -1;
    std::uint32_t backend_domid = 0;
};
std::string dev_backend_path(const DevAddr &a);   // /local/domain/0/backend/vbd/D/N
std::string dev_frontend_path(const DevAddr &a);  // /local/domain/D/device/vbd/N
std::string dev_libxl_path(const DevAddr &a);     // /libxl/D/device/vbd/N

/* The bounds of each wait, libxl's unless the ctx sets one for all. */
struct DevTimeouts {
    int initwait_ms, hotplug_ms, connect_ms, close_ms;
};
DevTimeouts dev_timeouts(XenCtx &x);

/* The devids of the domain's devices of kind k (from its frontend
 * directory and the backend's), sorted. */
std::vector<int> dev_list(Xenstore &xs, std::uint32_t domid, DevKind k);

/* DevRemove: one device removed (libxl__initiate_device_generic_remove).
 *
 *   Start --no backend entry--> returns Error::Notfound (nothing started)
 *   Start --> Closing: online=0, state=5 (unless 6); forced: the frontend
 *             directory is removed too. "closing" reported.
 *   Closing --state 6--> Script
 *   Closing --timeout, not forced--> forced, Closing again (libxl's FORCE_AUTO)
 *   Closing --timeout, forced / error--> Script (rc kept: Timedout)
 *   Script: the backend's script runs with remove|offline (always when
 *           run_script: unlike libxl, also after a forced close, so the
 *           loop device or vif the add made is never leaked); its failure
 *           is logged, not returned. "hotplug" reported.
 *   Script --done--> entries removed (frontend, backend, /libxl), "removed"
 *           reported, callback(rc)
 * Abortable only while Closing (then it goes on as forced, and the script
 * and clean-up still run; rc Aborted); a clean-up inside an aborted
 * operation sets can_abort = false. */
struct DevRemove {
    // ---- filled in by the caller
    Ao *ao = nullptr;
    Progress *progress = nullptr;  // may be null
    DevAddr addr;
    std::string label;             // "disk xvda", "nic 0"
    bool force = false;
    bool can_abort = true;
    bool run_script = true;
    void (*callback)(Egc &egc, DevRemove *r, Error rc) = nullptr;
    void *data = nullptr;
    // ---- private
    DevState ds;
    ChildRun run;
    bool forced_now = false;
    Error rc = Error::Success;
};
/* Returns an error only if nothing was started (the callback then never
 * runs). */
Error dev_remove_start(Egc &egc, DevRemove &r);

/* DevAdd: one device added (libxl__device_add_async + device_hotplug).
 *
 *   dev_add_start: the entries are written in one transaction (frontend
 *     owned by the guest, readable by the backend; backend owned by the
 *     backend domain, readable by the guest; a /libxl copy for listing).
 *     DeviceExists if the frontend or backend exists already; nothing is
 *     written then and the callback never runs.
 *   Backend --state 2 (InitWait)--> "backend" reported, Script
 *   Script --exit 0--> "hotplug" reported; Connect (wait_connected) or done
 *   Script --exit != 0--> Error::Fail, the log has the script's
 *                         hotplug-error and names the device
 *   Connect --backend state 4 (Connected)--> FrontendConnect
 *   FrontendConnect --frontend state 4--> "connected" reported, done. (A
 *     blkfront connects after its backend, a netfront before: the device
 *     is usable in the guest once both are Connected.)
 *   any wait --timeout / abort / error--> that rc
 *   done: callback(Success)
 *   failure after the entries were written: a forced, non-abortable
 *     DevRemove undoes the add (the script's remove if its add ran), then
 *     callback(rc).
 * Progress: OPERATION_PROGRESS stages "LABEL: backend|hotplug|connected"
 * (done/total count them) and each script line as HELPER_OUTPUT. */
struct DevAdd {
    // ---- filled in by the caller
    Ao *ao = nullptr;
    Progress *progress = nullptr;
    DevAddr addr;
    std::string label;
    std::vector<std::pair<std::string, std::string>> backend;   // relative key, value
    std::vector<std::pair<std::string, std::string>> frontend;
    std::string script;           // absolute path
    bool wait_connected = false;  // the guest runs: wait for its frontend
    void (*callback)(Egc &egc, DevAdd *a, Error rc) = nullptr;
    void *data = nullptr;
    // ---- private
    DevState ds;
    ChildRun run;
    DevRemove undo;
    bool script_ran = false;
    Error rc = Error::Success;
};
Error dev_add_start(Egc &egc, DevAdd &a);

/* What xl block-list / network-list show of device a (libxl's
 * *_getinfo): its paths and ends, the guest frontend's state and event
 * channel; then more(num) for the kind's own keys, num(key) reading a
 * number of the frontend (-1 if absent). */
template <class Info, class More>
void dev_getinfo(Xenstore &xs, const DevAddr &a, Info *out, More &&more) {
    const std::string fe = dev_frontend_path(a);
    auto num = [&](const char *key) {
        std::string v;
        return xs.read(0, fe + "/" + key, &v) == 0 ? std::atoi(v.c_str()) : -1;
    };
    Info i;
    i.backend = dev_backend_path(a);
    i.backend_id = a.backend_domid;
    i.frontend = fe;
    i.frontend_id = a.domid;
    i.devid = a.devid;
    i.state = num("state");
    i.evtch = num("event-channel");
    more(i, num);
    *out = std::move(i);
}

/* The hotplug script's path: script as given if it contains a '/', else in
 * the ctx's hotplug directory. */
std::string dev_script_path(XenCtx &x, const std::string &script, const char *dflt);

} // namespace xlkit::detail
