/* sim_hv.h: the simulated hypervisor, a backend of the Xen layer (as
 * libxenctrl is for real Xen) and the shared-memory contract of the
 * userspace sim host (docs/hosts.md).
 *
 * One file, DIR/hypervisor, is mmap'ed MAP_SHARED by every process that
 * takes part in a sim host: the library's sim backend (hv_sim.cpp), the
 * LD_PRELOAD stand-in inside the real xenstored and the sim host's other
 * programs (tools/hosts/sim, tools/simguest), and the tests. They use this
 * header and sim_hv.c from here: the library depends on nothing of theirs.
 * The file holds a table indexed by domid (every domid Xen can hand out,
 * 0..SIM_DOMID_MAX) protected by a process-shared robust mutex, so a
 * process that dies holding the lock never wedges the others.
 *
 * Semantics follow Xen 4.17 where a toolstack can see them:
 * - domain 0 exists from sim_open(SIM_OPEN_CREATE) on and cannot be paused,
 *   shut down or destroyed;
 * - a new domain is created paused (Xen's controller pause count is 1), the
 *   toolstack unpauses it; pause/unpause nest like xc_domain_pause/unpause;
 * - sim_domain_shutdown() is what the guest does (SCHEDOP_shutdown): the
 *   first reason sticks, later calls are no-ops; a crash is a shutdown with
 *   reason SIM_SHUTDOWN_CRASH (xc_domain_getinfo reports it as crashed=1,
 *   shutdown=0, as libxc does);
 * - sim_domain_destroy() makes the domain dying; it disappears once nothing
 *   maps its memory any more (the stand-in holds one reference per grant
 *   mapping xenstored makes after xs_introduce_domain, and drops it when
 *   xenstored releases the domain), at once if nothing does; references
 *   held by a process that has exited no longer count (the kernel releases
 *   a dead process's grant mappings);
 * - a shutdown with reason suspend also signals the domain's bound suspend
 *   event channel, if any (sim_suspend_evtchn_bind);
 * - shutdown, crash, destroy and the final disappearance raise the
 *   domain-exception interrupt (VIRQ_DOM_EXC): xenstored re-checks its
 *   introduced domains and fires @releaseDomain.
 *
 * Every function returns -1 (or NULL) with errno set on failure and never
 * aborts. errno values: EINVAL bad argument, ESRCH no such domain (or not
 * in a state the call accepts, see each function), EEXIST domid taken,
 * ENOSPC domain table full (max_domains), ENOMEM host memory exhausted,
 * EPERM an operation on domain 0, EPROTO a state file of another layout.
 * A handle may be used from several threads at once; after fork() the child
 * may keep using it. C11, callable from C++.
 */
#ifndef XLKIT_SIM_HV_H
#define XLKIT_SIM_HV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Domids 0..SIM_DOMID_MAX are usable (Xen: DOMID_FIRST_RESERVED - 1). */
#define SIM_DOMID_MAX 0x7FEFu
#define SIM_NR_DOMIDS (SIM_DOMID_MAX + 1u)
/* Pass as *domid to sim_domain_create to let the host pick one. */
#define SIM_DOMID_ANY UINT32_MAX

/* Shutdown reasons: Xen's SHUTDOWN_* values (xen/sched.h). */
#define SIM_SHUTDOWN_POWEROFF 0
#define SIM_SHUTDOWN_REBOOT 1
#define SIM_SHUTDOWN_SUSPEND 2
#define SIM_SHUTDOWN_CRASH 3
#define SIM_SHUTDOWN_WATCHDOG 4
#define SIM_SHUTDOWN_SOFT_RESET 5
#define SIM_SHUTDOWN_MAX 5

/* sim_dominfo.flags */
#define SIM_DOMF_RUNNING 0x01u  /* not paused, not shut down, not dying */
#define SIM_DOMF_PAUSED 0x02u   /* controller pause count > 0 */
#define SIM_DOMF_SHUTDOWN 0x04u /* shut down (any reason, crash included) */
#define SIM_DOMF_CRASHED 0x08u  /* shut down with SIM_SHUTDOWN_CRASH */
#define SIM_DOMF_DYING 0x10u    /* destroyed, still referenced */
#define SIM_DOMF_HVM 0x20u      /* an HVM container (a PVH guest) */

/* Host capabilities (sim_hostinfo.caps, sim_set_caps): Xen's virt_caps. */
#define SIM_CAP_PV 0x1u
#define SIM_CAP_HVM 0x2u
#define SIM_CAP_HAP 0x4u
#define SIM_CAP_ALL (SIM_CAP_PV | SIM_CAP_HVM | SIM_CAP_HAP)

/* sim_open flags */
#define SIM_OPEN_CREATE 0x1u /* create DIR/hypervisor (EEXIST if present) */

/* sim_domain_create flags */
#define SIM_CREATE_UNPAUSED 0x1u /* skip the initial pause (default: paused) */
#define SIM_CREATE_HVM 0x2u      /* an HVM container (EOPNOTSUPP if the host lacks SIM_CAP_HVM) */

typedef struct sim sim_t;

typedef struct sim_dominfo {
    uint32_t domid;
    uint32_t flags;           /* SIM_DOMF_* */
    uint32_t shutdown_reason; /* meaningful with SIM_DOMF_SHUTDOWN */
    uint32_t vcpus;
    uint32_t pause_count;
    uint32_t refs;            /* mappings held (grant maps by xenstored) */
    uint64_t generation;      /* unique per creation, host-wide: a reused
                                 domid gets a new, larger value */
    uint64_t max_memkb;
    uint64_t cur_memkb;
    uint64_t cpu_time_ns;     /* advances with wall time while running */
    uint8_t uuid[16];
} sim_dominfo;

/* The part of sim_dominfo the death check reads (sim_domain_states). */
typedef struct sim_domstate {
    uint32_t domid;
    uint32_t flags;           /* SIM_DOMF_SHUTDOWN, SIM_DOMF_DYING only */
    uint32_t shutdown_reason; /* meaningful with SIM_DOMF_SHUTDOWN */
    uint8_t uuid[16];
} sim_domstate;

typedef struct sim_hostinfo {
    uint32_t nr_domains;     /* including dom0 and dying ones */
    uint32_t max_domains;    /* including dom0 */
    uint64_t total_memkb;    /* host memory; domains' max_memkb come from it */
    uint64_t free_memkb;
    uint64_t dom_exc_count;  /* domain-exception interrupts raised so far */
    uint32_t caps;           /* SIM_CAP_*: all, unless sim_set_caps said otherwise */
    uint64_t seq;            /* bumped by every change to the table */
} sim_hostinfo;

/* Opens (or with SIM_OPEN_CREATE creates: DIR must exist) the state of the
 * sim host in DIR. On creation dom0 exists (4 GiB, 1 vcpu, uuid all zero)
 * and the host has room for SIM_NR_DOMIDS domains and 1 TiB of memory until
 * sim_set_limits says otherwise. The file is created complete and then
 * linked into place, so an opener never sees it half made. */
sim_t *sim_open(const char *dir, unsigned flags);
/* Unmaps and frees the handle (NULL is fine). Returns 0. */
int sim_close(sim_t *sim);
/* The DIR the handle was opened with. */
const char *sim_dir(const sim_t *sim);

/* Limits on guests: max_domains counts dom0 too (0: leave as is; EINVAL if
 * below the current number of domains or above SIM_NR_DOMIDS);
 * total_memkb (0: leave as is; ENOMEM if below what domains use). */
int sim_set_limits(sim_t *sim, uint32_t max_domains, uint64_t total_memkb);
int sim_hostinfo_get(sim_t *sim, sim_hostinfo *out);
/* What the host can run (SIM_CAP_*; EINVAL for unknown bits): a test plays
 * a Xen without HVM support with sim_set_caps(sim, SIM_CAP_PV). */
int sim_set_caps(sim_t *sim, uint32_t caps);

/* Creates a domain. *domid is SIM_DOMID_ANY (the next free domid after the
 * last one handed out, wrapping, like Xen) or a wanted domid in
 * 1..SIM_DOMID_MAX (EEXIST if in use); on success it holds the domid.
 * memkb > 0, 1 <= vcpus <= 512; uuid may be NULL (random). Created paused
 * unless flags has SIM_CREATE_UNPAUSED. */
int sim_domain_create(sim_t *sim, uint32_t *domid, uint64_t memkb, uint32_t vcpus,
                      const uint8_t uuid[16], unsigned flags);
/* xc_domain_pause/unpause. Unpause of a domain not paused: EINVAL. ESRCH
 * for a dying domain. */
int sim_domain_pause(sim_t *sim, uint32_t domid);
int sim_domain_unpause(sim_t *sim, uint32_t domid);
/* The guest shuts itself down with reason (SIM_SHUTDOWN_*). A no-op (0) if
 * the domain is already shut down; ESRCH if dying. Raises VIRQ_DOM_EXC. */
int sim_domain_shutdown(sim_t *sim, uint32_t domid, unsigned reason);
/* xc_domain_resume(fast): a domain shut down with reason suspend runs
 * again (its shutdown is cleared). EINVAL if it is not suspended; ESRCH if
 * dying. */
int sim_domain_resume(sim_t *sim, uint32_t domid);
/* sim_domain_shutdown(sim, domid, SIM_SHUTDOWN_CRASH). */
int sim_domain_crash(sim_t *sim, uint32_t domid);
/* xc_domain_destroy: the domain becomes dying (0 again if it already is)
 * and disappears as soon as its refs drop to 0. Raises VIRQ_DOM_EXC. */
int sim_domain_destroy(sim_t *sim, uint32_t domid);
/* Sets max and/or current memory (UINT64_MAX: leave as is). ENOMEM if the
 * host has too little; EINVAL if cur > max. */
int sim_domain_set_memory(sim_t *sim, uint32_t domid, uint64_t max_memkb, uint64_t cur_memkb);

/* References that keep a dying domain in the table (the stand-in takes one
 * per grant mapping). ref: ESRCH unless the domain exists and is not dying.
 * unref: ESRCH unless the domain exists, EINVAL if refs is 0; the last
 * unref of a dying domain removes it and raises VIRQ_DOM_EXC. */
int sim_domain_ref(sim_t *sim, uint32_t domid);
int sim_domain_unref(sim_t *sim, uint32_t domid);

/* The batch query of xc_domain_getinfolist: up to max entries for the
 * existing domains with domid >= first_domid, in domid order. Returns the
 * number of entries (0 past the last domain). */
int sim_domain_getinfo(sim_t *sim, uint32_t first_domid, unsigned max, sim_dominfo *out);
/* The same query narrowed to sim_domstate (what real Xen's one sysctl
 * answers is all of sim_dominfo; the narrowing is the caller's saving). */
int sim_domain_states(sim_t *sim, uint32_t first_domid, unsigned max, sim_domstate *out);
/* One domain: 0, or -1 with ESRCH if it does not exist. */
int sim_domain_getinfo_one(sim_t *sim, uint32_t domid, sim_dominfo *out);

/* Raises the domain-exception interrupt: the listener (xenstored's
 * stand-in) re-checks every introduced domain. Returns 0 also when no one
 * listens (Xen drops an unbound VIRQ) or one is already pending. */
int sim_raise_dom_exc(sim_t *sim);

/* The listening side, used by the stand-in: binds DIR/dom-exc and returns
 * a non-blocking datagram socket that becomes readable when the interrupt
 * is raised (only one listener per DIR). sim_dom_exc_drain empties it and
 * returns how many raises it consumed. */
int sim_dom_exc_listen(sim_t *sim, int cloexec);
int sim_dom_exc_drain(int fd);

/* Event channels, as far as a toolstack's suspend uses them (libxenguest's
 * xc_suspend_evtchn_*): the guest offers a port, the toolstack binds it
 * (one binder at a time per domain, as libxenguest's lock file makes it),
 * notifies the guest through it, and is signalled when the domain shuts
 * down with reason suspend (Xen's XEN_DOMCTL_subscribe). Each end is a
 * non-blocking datagram socket under DIR that becomes readable when the
 * other side signals; sim_dom_exc_drain empties either.
 *
 * sim_evtchn_offer: the guest's end of port (1..65535) of domid: readable
 * when the toolstack notifies. ESRCH no such domain; EADDRINUSE the port
 * is offered already by a live process (a dead one's is taken over).
 * sim_suspend_evtchn_bind: the toolstack's end: readable when the domain
 * suspends. EINVAL if the guest offers no such port; EBUSY if another
 * process has the domain's suspend channel bound. Unbind with
 * sim_suspend_evtchn_unbind (closes fd). sim_evtchn_notify: signal the
 * guest's end (ECONNREFUSED if nothing listens there). */
int sim_evtchn_offer(sim_t *sim, uint32_t domid, unsigned port, int cloexec);
int sim_suspend_evtchn_bind(sim_t *sim, uint32_t domid, unsigned port, int cloexec);
int sim_suspend_evtchn_unbind(sim_t *sim, uint32_t domid, int fd);
int sim_evtchn_notify(sim_t *sim, uint32_t domid, unsigned port);

/* Parses a shutdown reason name (poweroff, reboot, suspend, crash,
 * watchdog, soft_reset) or number; -1 with EINVAL if unknown. */
int sim_shutdown_reason_parse(const char *s);
const char *sim_shutdown_reason_name(unsigned reason);

/* For tests only: takes the state's lock and keeps it, so that a process
 * can die holding it. */
int sim__test_lock(sim_t *sim);

#ifdef __cplusplus
}
#endif

#endif
