// RestoreStream: reads libxl's migration stream v2 from an fd into a domain
// made for it (the build step of domain_create_restore, ops/create.cpp).
// Layer 4. The stream's framing (ops/save_format.hpp) is read here; on its
// LIBXC_CONTEXT record the save helper (tools/save-helper, "restore" mode)
// runs xc_domain_restore on the same fd, which reads libxenguest's stream
// and gives back the store and console frames; then the framing again,
// until END.
//
//   Idle    --restore_stream_start(fd not readable / no helper / cannot dup
//             or watch the fd)--> Idle, returns the error; callback never
//             called
//   Idle    --start(ok)--> Framing: the stream header, then record headers;
//             reads never block the loop (a regular file is read directly,
//             anything else when poll says it is readable, one read each)
//   Framing --LIBXC_CONTEXT--> Copying: the helper runs, the fd is its
//   Framing --END after the copy--> Idle, callback(Success); store_mfn and
//             console_mfn set
//   Framing --not a stream / a record that is corrupt, of a kind this
//             restore does not take (device model state, checkpoints), or a
//             second copy / end of file / END before the copy--> Idle,
//             callback(Inval), the log naming what is wrong
//   Copying --helper done (xc_domain_restore returned 0)--> Framing
//   Copying --xc_domain_restore failed / the helper died--> Idle,
//             callback(Fail; Inval when a regular file ended inside
//             libxenguest's stream), libxenguest's error logged
//   any     --no byte read (by us or the helper) for data_timeout_ms-->
//             Killing, rc Timedout
//   any     --abort--> Killing, rc Aborted
//   Killing: the helper (if running) gets SIGTERM and dies; once reaped:
//             Idle, callback(rc)
// Progress (through progress): stage "stream", then "memory" with KiB read
// of the total (0 when the fd is not a regular file), every
// kProgressPeriodMs while bytes move. The callback runs after every watch is
// gone and the helper is reaped; the fd is neither closed nor left with
// other flags. The caller destroys the domain on failure.
#pragma once

#include <cstdint>
#include <string>

#include "ao/ao.hpp"
#include "ao/progress.hpp"
#include "event/ev_fd.hpp"
#include "event/ev_immediate.hpp"
#include "event/ev_time.hpp"
#include "event/unique_fd.hpp"
#include "ops/child_run.hpp"
#include "ops/helper_reply.hpp"

namespace xlkit::detail {

struct RestoreStream {
    using Callback = void (*)(Egc &egc, RestoreStream *rs, Error rc);
    static constexpr int kProgressPeriodMs = 250;
    static constexpr int kDefaultDataTimeoutMs = 60000;

    // ---- filled in by the caller
    Ao *ao = nullptr;
    Progress *progress = nullptr;
    std::uint32_t domid = 0;
    int fd = -1;
    int send_back_fd = -1;
    unsigned store_port = 0, console_port = 0;
    int data_timeout_ms = 0;  // 0: kDefaultDataTimeoutMs
    Callback callback = nullptr;
    void *data = nullptr;

    // ---- results (valid after callback(Success))
    unsigned long store_mfn = 0, console_mfn = 0;

    // ---- private
    enum class Phase { Idle, Header, RecordHeader, Copying, Killing } phase = Phase::Idle;
    UniqueFd io;  // our dup of fd: read here, inherited by the helper
    bool regular = false;
    int fd_flags = -1;
    std::uint64_t start_off = 0, total = 0;
    std::string buf;
    std::size_t need = 0;
    std::uint64_t read_bytes = 0;  // read by us (not the helper)
    bool copied = false;
    EvFd ev;
    EvImmediate kick;
    EvTime tick;
    std::uint64_t last_moved = 0;
    std::int64_t last_move_ms = 0;
    AoAbortable abortable;
    ChildRun helper;
    bool got_results = false;
    HelperReply reply;
    Error rc = Error::Success;
};

/* Checks made before the domain exists: fd readable, the helper installed. */
Error restore_stream_check(Egc &egc, int fd, int data_timeout_ms);
Error restore_stream_start(Egc &egc, RestoreStream &rs);

} // namespace xlkit::detail
