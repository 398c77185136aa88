// xlkit/evgen.hpp: asking for domain events (libxl's evenable/evdisable).
//
// Domain death: after evenable_domain_death(ctx, domid, for_user, &g) the
// application gets, through the event queue or its event_occurs callback,
// at most one DOMAIN_SHUTDOWN (with the shutdown reason, when the domain
// shuts down) and then at most one DOMAIN_DEATH (when it is dying or gone,
// or its domid was reused by another domain), each with for_user. A domain
// that is already dead when the request is made gets DOMAIN_DEATH at once.
// All requests share one @releaseDomain watch; each check queries the
// hypervisor in batches of up to 1,024 domains, never more entries than the
// watched domids span (Xen 4.17 has no query for "which domains changed", so
// a check costs O(domains watched) hypercall entries, in O(watched / 1,024)
// hypercalls).
//
// Disk eject: after evenable_disk_eject(ctx, domid, vdev, for_user, &g), a
// guest's request to eject the media of vdev (its frontend writes "eject"
// to .../device/vbd/DEVID/eject) is acknowledged and reported as a
// DISK_EJECT event carrying vdev and the disk's configuration.
//
// evdisable_* may be called at any time (also from event callbacks) and
// frees the handle; no event for it is queued after it returns.
#pragma once

#include <cstdint>

#include <xlkit/ctx.hpp>
#include <xlkit/export.h>

namespace xlkit {

struct EvgenDomainDeath;
struct EvgenDiskEject;

XLKIT_API Error evenable_domain_death(Ctx &ctx, std::uint32_t domid, std::uint64_t for_user,
                                      EvgenDomainDeath **evgen_out);
XLKIT_API void evdisable_domain_death(Ctx &ctx, EvgenDomainDeath *evgen);

XLKIT_API Error evenable_disk_eject(Ctx &ctx, std::uint32_t domid, const char *vdev, std::uint64_t for_user,
                                    EvgenDiskEject **evgen_out);
XLKIT_API void evdisable_disk_eject(Ctx &ctx, EvgenDiskEject *evgen);

/* The xenstore device number of a virtual disk name ("xvda" -> 51712,
 * "xvdb3" -> 51731, "hda" -> 768, "sdb" -> 2064, or a plain number), or -1. */
XLKIT_API int vdev_to_devid(const char *vdev) noexcept;

} // namespace xlkit
