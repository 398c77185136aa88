// Helpers shared by the domain operations (layer 4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ao/ao.hpp"
#include "ao/ao_start.hpp"
#include "ao/progress.hpp"
#include "ops/stacks.hpp"
#include "xen/xen_ctx.hpp"
#include "xen/xswait.hpp"
#include <xlkit/domain.hpp>

namespace xlkit::detail {

inline std::string dom_path(std::uint32_t domid) { return "/local/domain/" + std::to_string(domid); }

/* The domain's hypervisor info; Error::DomainNotfound if it does not exist
 * (a dying domain still exists). */
Error query_domain(Egc &egc, Hypervisor &hv, std::uint32_t domid, DomInfo *out);

/* Fill a public DomainInfo from the hypervisor's view and the domain's
 * name (XenCtx::domain_name; may_cache: a name asked for again may be
 * kept, watched). */
void fill_domain_info(Egc &egc, const XenStacks &s, const DomInfo &d, bool may_cache, DomainInfo *out);

/* The domains (their /local/domain entries, as domids in text) whose
 * name node reads `name`, read in transaction t (0: none). Create, the
 * migration receiver and the hand-over's rename each check a name with it. */
std::vector<std::string> domains_named(Xenstore &xs, XsTxn t, const std::string &name);

/* A progress report naming a stage (OPERATION_PROGRESS). */
void report_stage(Egc &egc, Progress &p, std::uint32_t domid, const char *stage, int done, int total);

/* A precopy pass's figures (EventOperationProgress's iteration ...
 * downtime_ms; -1: unknown), and the report carrying them. */
struct PrecopyPass {
    int iteration = 0;
    std::int64_t dirty_pages = -1, pass_ms = -1, dirty_rate = -1, downtime_ms = -1;
};
void report_pass(Egc &egc, Progress &p, std::uint32_t domid, const char *stage, int done, int total,
                 const PrecopyPass &pass);

/* Waits (as part of ao) until domid is dying or gone, or timeout_ms (0:
 * none) passes: callback(rc = Success | Timedout | Aborted | Fail).
 * Abortable unless can_abort is false. */
struct DeathWait {
    using Callback = void (*)(Egc &egc, DeathWait *w, Error rc);
    Ao *ao = nullptr;
    std::uint32_t domid = 0;
    int timeout_ms = 0;
    Callback callback = nullptr;
    void *data = nullptr;
    bool have_uuid = false;  // uuid: the domain's, if known before the start
    std::uint8_t uuid[16] = {};
    bool can_abort = true;  // false: an abort does not cut the wait short
    // private
    EvgenDomainDeath *req = nullptr;  // shares the ctx's @releaseDomain watch
    EvTime timer;
    AoAbortable abortable;
};
Error death_wait_start(Egc &egc, DeathWait &w);
void death_wait_stop(Egc &egc, DeathWait &w);

} // namespace xlkit::detail
