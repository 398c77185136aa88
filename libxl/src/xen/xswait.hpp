// Waiting on xenstore (libxl's xswait and devstate), and transactions.
#pragma once

#include <functional>
#include <string>

#include "ao/ao.hpp"
#include "xen/xen_ctx.hpp"

namespace xlkit::detail {

/* XsWait: wait for a node to satisfy a predicate, with a timeout;
 * abortable through its ao (libxl__xswait).
 *
 *   Idle    --xswait_start(ok)-->  Waiting   (the node is read at once)
 *   Idle    --xswait_start(err)--> Idle      callback never called
 *   Waiting --node changes-->      callback(egc, w, Success, value-or-null);
 *                                  it may call xswait_stop() (-> Idle) or
 *                                  leave it Waiting for the next change
 *   Waiting --timeout-->           Idle, callback(rc = Error::Timedout)
 *   Waiting --abort-->             Idle, callback(rc = Error::Aborted)
 *   Waiting --xenstore lost-->     Idle, callback(rc = Error::Fail)
 *   Waiting --xswait_stop-->       Idle      (twice is harmless)
 * The callback runs with the lock held; value is null if the node does not
 * exist, and always for a special path (@releaseDomain: each firing is a
 * callback). `what` names the wait in logs ("backend state of vbd 51712"). */
struct XsWait {
    using Callback = void (*)(Egc &egc, XsWait *w, Error rc, const char *value);
    // ---- filled in by the caller
    Ao *ao = nullptr;
    std::string what;
    std::string path;
    int timeout_ms = 0;  // 0: none
    Callback callback = nullptr;
    void *data = nullptr;
    /* false: abort does not end the wait (a clean-up inside an aborted
     * operation); the timeout still bounds it. */
    bool can_abort = true;
    // ---- private
    EvXsWatch watch;
    EvTime timer;
    AoAbortable abortable;
    bool active() const noexcept { return watch.active() || timer.active(); }
};

Error xswait_start(Egc &egc, XsWait &w);
void xswait_stop(Egc &egc, XsWait &w);

/* DevState: wait until a backend's "state" node reads `wanted` (XenbusState
 * numbers), with a timeout (libxl__ev_devstate). callback(rc): Success when
 * reached; Error::Timedout; Error::Aborted; Error::Fail on a xenstore error
 * or if the node vanished. */
struct DevState {
    using Callback = void (*)(Egc &egc, DevState *ds, Error rc);
    Ao *ao = nullptr;
    std::string state_path;  // e.g. /local/domain/0/backend/vbd/5/51712/state
    int wanted = 0;
    int timeout_ms = 0;
    Callback callback = nullptr;
    void *data = nullptr;
    bool can_abort = true;  // as XsWait's
    XsWait w;  // private
};

Error devstate_wait(Egc &egc, DevState &ds);

/* Run body(t) inside a xenstore transaction, retrying the whole body when
 * the commit conflicts (EAGAIN), at most max_attempts times. body returns
 * Success or an error (which aborts the transaction and is returned).
 * Returns Success, body's error, Error::Fail on a xenstore error, or
 * Error::Timedout ("lock contention": still conflicting after
 * max_attempts). */
Error xs_transact(Egc &egc, XenCtx &x, const char *what, const std::function<Error(Xenstore &, XsTxn)> &body,
                  int max_attempts = 16);

} // namespace xlkit::detail
