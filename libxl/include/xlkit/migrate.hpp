// xlkit/migrate.hpp: live migration of a domain over a connected pair of
// fds, for embedders (an xlkit addition: libxl leaves the hand-over to xl).
// The CLI's migrate and migrate-receive (docs/migration.md) use these after
// their banner and xl's save header; an embedder uses them over any
// transport it has set up (a socket, two pipes). Both are aos usable in
// every completion mode (xlkit/ao.hpp).
//
// What goes over the fds after the caller's own framing is xl's: the
// libxl stream v2 (as domain_suspend writes it), then xl's hand-over
// handshake, byte for byte:
//
//   sender -> receiver   the stream (live: precopy passes, then the guest
//                        is suspended and the rest is sent)
//   sender               renames its domain NAME -> NAME--migratedaway
//                        (xl: after the next message; both are before GO)
//   receiver -> sender   "domain received, ready to unpause\0"
//   sender -> receiver   "domain is yours, you are cleared to unpause\0"
//                        <- THE HAND-OVER POINT
//   receiver             unpauses it (unless MigrateReceiveOptions::paused),
//                        then renames NAME--incoming -> NAME (xl: the other
//                        way round; renames are not downtime here; NAME was
//                        found free before the stream)
//   receiver -> sender   "my copy unpause results are as follows\0" and
//                        one byte: 0, or the receiver's -Error (8 bits)
//   byte != 0            the receiver destroys its copy and sends
//                        "domain is yours, you are cleared to unpause\0"
//                        back; the sender renames back and resumes
//
// The rule: at every moment at most one side runs the guest. Before the
// hand-over point the source is the guest; after it, the destination is,
// unless it reports a failure (and then only after it has destroyed its
// copy does the source resume). A sender that cannot tell (no report after
// the hand-over) leaves its domain suspended as NAME--migratedaway and
// fails: someone must decide (as xl: "Domain state is now undefined").
//
// Every handshake read is bounded (kMigrateHandshakeTimeoutMs); a timeout is
// the failure of that step.
#pragma once

#include <cstdint>

#include <xlkit/ao.hpp>
#include <xlkit/ctx.hpp>
#include <xlkit/domain.hpp>
#include <xlkit/progress.hpp>

namespace xlkit {

/* How long each side waits for the other's next handshake message (the
 * stream itself has domain_suspend's / domain_create_restore's data
 * timeout). */
constexpr int kMigrateHandshakeTimeoutMs = 120000;

/* MigratePolicy (xlkit/types.hpp, from the IDL's migrate_policy): when the
 * sender stops the precopy passes and suspends the guest (stop-and-copy).
 * libxl's policy is fixed (libxenguest's: 5 passes, or fewer than 50 dirty
 * pages); here the caller sets it: max_iterations, dirty_threshold,
 * max_time_ms, max_downtime_ms (a target downtime at the last pass's send
 * rate), non_live. The precopy stops once ANY bound is reached; a field's 0
 * keeps libxenguest 4.17's default. Each pass is reported (progress "pass
 * N: D pages dirty", EventOperationProgress's iteration, dirty_pages,
 * pass_ms, dirty_rate, downtime_ms), so a caller sees what the next pass
 * would cost before choosing its bounds. */

/* domain_migrate_check: domain_migrate_send's checks of the domain and the
 * policy (the first line of its state machine below), with nothing started
 * or sent: Success, or the error (logged) the send would fail with. For a
 * caller that sends its own framing first (the CLI: xl's header). */
XLKIT_API Error domain_migrate_check(Ctx &ctx, std::uint32_t domid, const MigratePolicy &policy);

/* domain_migrate_send: live-migrate domid over send_fd (the stream and the
 * GO message) and recv_fd (the receiver's answers); they may be the same
 * fd. The caller has written its own framing (xl's: its save header with
 * the configuration) before.
 *
 *   Start --bad fd, a precopy bound with policy.non_live, domain 0, no such domain,
 *          one without a name, shut down or dying, a PV domain on a host
 *          without shadow paging (log-dirty for PV guests needs it) unless
 *          policy.non_live-->
 *          fails (Inval / DomainNotfound): nothing written, guest runs on
 *   Start --> Streaming: domain_suspend(kSuspendLive; 0 when
 *          policy.non_live: the guest is suspended before the copy) onto
 *          send_fd
 *   Streaming --fails, aborted (the receiver closed, a timeout, ...)-->
 *          complete(its error); the guest is resumed if it was suspended:
 *          the SOURCE RUNS ON
 *   Streaming --done--> rename NAME -> NAME--migratedaway (failing: the
 *          guest resumed, complete(Fail), the source runs on); AwaitReady
 *          (the guest is suspended): read Ready
 *   AwaitReady --wrong bytes, EOF, timeout, abort--> renamed back to NAME,
 *          the guest resumed; complete(Fail / Timedout / Aborted): the
 *          SOURCE RUNS ON
 *   AwaitReady --Ready--> write GO (not written in full: renamed back,
 *          resumed, complete(Fail): the SOURCE RUNS ON, since a receiver,
 *          xl's too, runs the guest only after the whole message and
 *          otherwise destroys its copy): HandedOver (no longer abortable)
 *   HandedOver --report byte 0--> the source domain is destroyed;
 *          complete(Success): the DESTINATION RUNS the guest
 *   HandedOver --report byte != 0--> await GO back (the receiver destroys
 *          its copy first) --GO--> rename back to NAME, resume;
 *          complete(Fail): the SOURCE RUNS ON
 *   HandedOver --no report, wrong bytes, timeout; or no GO back-->
 *          complete(Fail), the source left suspended as NAME--migratedaway:
 *          UNDEFINED, the log says so
 *
 * Progress through progress_how: domain_suspend's stages ("memory", "pass
 * N: D pages dirty" with the pass's figures, "suspend"), then "handshake". Neither fd is closed;
 * each is given its flags back. */
XLKIT_API Error domain_migrate_send(Ctx &ctx, std::uint32_t domid, int send_fd, int recv_fd,
                                    const MigratePolicy &policy, AoHow how, ProgressHow progress_how = {});

/* domain_migrate_receive: make the domain cfg describes from the stream on
 * recv_fd and take it over when the sender hands it over. cfg.name is the
 * guest's name (NAME); the domain is created paused as NAME--incoming.
 * *domid is set once the stream has been received (not on a failure).
 *
 *   Start --bad cfg or fds (as domain_create_restore), a name ending in
 *          --incoming or --migratedaway, NAME taken here by a domain of
 *          another uuid (a sender on this host has the guest's)--> fails:
 *          nothing made or read
 *   Start --> Restoring: domain_create_restore(NAME--incoming, paused)
 *   Restoring --fails / aborted (the sender closed mid-stream, ...)-->
 *          complete(its error): the half-made domain destroyed; nothing
 *          left here (the sender's guest runs on)
 *   Restoring --done--> write Ready; AwaitGo: read GO
 *   AwaitGo --writing Ready fails, wrong bytes, EOF, timeout, abort-->
 *          our copy destroyed; complete(Fail / Timedout / Aborted)
 *   AwaitGo --GO--> (no longer abortable) unpause (unless paused), then
 *          rename NAME--incoming -> NAME (once unpaused, a failed rename
 *          is logged and the guest runs on under the temporary name: the
 *          report is 0; a cfg without a uuid is renamed first, as xl
 *          does, since the Start check could not tell a local sender from
 *          another guest); write the report and its byte:
 *          0 --> complete(Success): THIS SIDE RUNS the guest (a report
 *              that cannot be written is logged: the sender then leaves
 *              its copy suspended, undefined on its side)
 *          else --> our copy destroyed, GO written back; complete(the
 *              error): the sender resumes its guest
 *
 * Progress through console_how: domain_create_restore's (the console's
 * DOMAIN_CREATE_CONSOLE_AVAILABLE, "stream", "memory", devices), then
 * "handshake". Neither fd is closed; each is given its flags back. */
XLKIT_API Error domain_migrate_receive(Ctx &ctx, const DomainConfig &cfg, std::uint32_t *domid, int recv_fd,
                                       int send_fd, AoHow how, ProgressHow console_how = {});

/* MigrateReceiveOptions (xlkit/types.hpp, from the IDL's
 * migrate_receive_options): how the receiver takes the guest over; paused
 * leaves it paused after the hand-over (xl migrate-receive -p). */

/* domain_migrate_receive with options (the form above is this one with the
 * defaults: the guest unpaused after the hand-over). */
XLKIT_API Error domain_migrate_receive(Ctx &ctx, const DomainConfig &cfg, const MigrateReceiveOptions &opts,
                                       std::uint32_t *domid, int recv_fd, int send_fd, AoHow how,
                                       ProgressHow console_how = {});

/* ---- completion-token forms ------------------------------------------------- */

template <class Token = use_sync_t>
auto domain_migrate_send(Ctx &ctx, std::uint32_t domid, int send_fd, int recv_fd, MigratePolicy policy,
                         Token &&token = {}, ProgressHow progress_how = {}) {
    return initiate(std::forward<Token>(token),
                    [&ctx, domid, send_fd, recv_fd, policy,
                     ph = std::make_shared<ProgressHow>(std::move(progress_how))](AoHow how) {
                        return domain_migrate_send(ctx, domid, send_fd, recv_fd, policy, std::move(how),
                                                   std::move(*ph));
                    });
}
template <class Token = use_sync_t>
auto domain_migrate_receive(Ctx &ctx, DomainConfig cfg, std::uint32_t *domid, int recv_fd, int send_fd,
                            Token &&token = {}, ProgressHow console_how = {}) {
    return initiate(std::forward<Token>(token),
                    [&ctx, cfg = std::move(cfg), domid, recv_fd, send_fd,
                     ch = std::make_shared<ProgressHow>(std::move(console_how))](AoHow how) {
                        return domain_migrate_receive(ctx, cfg, domid, recv_fd, send_fd, std::move(how),
                                                      std::move(*ch));
                    });
}

} // namespace xlkit
