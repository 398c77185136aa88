/* xc_shim: the few libxenctrl calls xlkit makes, behind a plain C
 * interface (xenctrl.h itself is not C++-clean: anonymous unions, and
 * foreign-layout headers that only compile as GNU C). */
#ifndef XLKIT_XC_SHIM_H
#define XLKIT_XC_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xlkit_xc xlkit_xc;

typedef struct {
    uint32_t domid;
    uint8_t uuid[16];
    uint32_t flags; /* XLKIT_XC_* below */
    int shutdown_reason;
    uint64_t tot_kb, max_kb, outstanding_kb;
    uint64_t cpu_time_ns;
    uint32_t max_vcpu_id, online_vcpus, cpupool;
} xlkit_xc_dominfo;

/* What the death check reads (xlkit_xc_domstates). */
typedef struct {
    uint32_t domid;
    uint32_t flags; /* XLKIT_XC_DYING, XLKIT_XC_SHUTDOWN only */
    int shutdown_reason;
    uint8_t uuid[16];
} xlkit_xc_domstate;

#define XLKIT_XC_DYING 0x01u
#define XLKIT_XC_SHUTDOWN 0x02u
#define XLKIT_XC_PAUSED 0x04u
#define XLKIT_XC_BLOCKED 0x08u
#define XLKIT_XC_RUNNING 0x10u
#define XLKIT_XC_HVM 0x20u
#define XLKIT_XC_MAX_UNLIMITED UINT64_MAX

/* NULL with errno on failure. Quiet: nothing printed. */
xlkit_xc *xlkit_xc_open(void);
/* The name of the libxenctrl/libxenguest call whose failure ended the last build. */
const char *xlkit_xc_failed_step(const xlkit_xc *x);
void xlkit_xc_close(xlkit_xc *x);
/* Each returns >= 0 on success, -errno on failure. */
int xlkit_xc_getinfolist(xlkit_xc *x, uint32_t first, unsigned max, xlkit_xc_dominfo *out);
/* The same one getdomaininfolist sysctl (Xen 4.17 has no narrower query:
 * it copies a whole xen_domctl_getdomaininfo out per domain), converting
 * only domid, flags, shutdown reason and uuid. */
int xlkit_xc_domstates(xlkit_xc *x, uint32_t first, unsigned max, xlkit_xc_domstate *out);
int xlkit_xc_pause(xlkit_xc *x, uint32_t domid);
int xlkit_xc_unpause(xlkit_xc *x, uint32_t domid);
int xlkit_xc_destroy(xlkit_xc *x, uint32_t domid);
int xlkit_xc_shutdown(xlkit_xc *x, uint32_t domid, int reason);
/* The fast resume of a suspended domain (xc_domain_resume with fast=1,
 * libxl's suspend_cancel) on x's handle: a checkpoint resumes every time,
 * so it opens nothing of its own. -EINVAL: not suspended; -ESRCH: no such
 * domain; -ELIBACC: libxenguest cannot be loaded (xg_lazy.h). */
int xlkit_xc_domain_resume(xlkit_xc *x, uint32_t domid);
/* A guest's suspend event channel (libxenguest's
 * xc_suspend_evtchn_init_exclusive and _release, on an event channel
 * handle of its own): bound to the guest's port, subscribed to the
 * domain's suspend, under libxenguest's per-domain lock file. -errno on
 * failure (-ELIBACC: libxenguest cannot be loaded). */
typedef struct xlkit_xc_suspend xlkit_xc_suspend;
int xlkit_xc_suspend_bind(xlkit_xc *x, uint32_t domid, unsigned port, xlkit_xc_suspend **out);
int xlkit_xc_suspend_fd(const xlkit_xc_suspend *s);
int xlkit_xc_suspend_notify(xlkit_xc_suspend *s);
/* Take a pending event and unmask the port; 0 if none was pending. */
int xlkit_xc_suspend_drain(xlkit_xc_suspend *s);
void xlkit_xc_suspend_release(xlkit_xc *x, xlkit_xc_suspend *s);
/* One CPUID bit forced by the domain's config (xl's cpuid, either form). */
typedef struct {
    uint32_t leaf, subleaf; /* subleaf UINT32_MAX: the leaf has none */
    unsigned reg;           /* 0 eax, 1 ebx, 2 ecx, 3 edx */
    unsigned bit;
    char value;             /* libxenguest's policy letter: '0' '1' 'x' 'k' 's' */
} xlkit_xc_cpuid_bit;

#define XLKIT_XC_TYPE_PV 0
#define XLKIT_XC_TYPE_PVH 1

typedef struct {
    int type; /* XLKIT_XC_TYPE_* */
    const uint8_t *uuid;
    const char *kernel, *ramdisk, *cmdline;
    uint64_t memkb, maxmemkb;
    uint32_t vcpus;
    int tsc_mode;       /* Xen's: 0 default, 1 always emulate, 2 native (never emulate) */
    uint64_t shadow_kb; /* PVH: the paging pool (HAP's or shadow's) */
    const xlkit_xc_cpuid_bit *cpuid;
    unsigned nr_cpuid;
    int restore; /* made and prepared, not built: xc_domain_restore fills it */
} xlkit_xc_build_args;

typedef struct {
    uint32_t domid;
    unsigned long store_mfn, console_mfn; /* PVH: guest frame numbers */
    unsigned store_port, console_port;
} xlkit_xc_built;

/* Builds a PV or PVH domain (libxenguest's domain builder, as libxl 4.17's
 * libxl__build_pv / libxl__build_hvm), left paused. On failure the domain
 * is destroyed. Returns 0 or -errno; -ENOEXEC: the kernel cannot boot as
 * PVH (no XEN_ELFNOTE_PHYS32_ENTRY); -ERANGE: memory below what the kernel
 * and ramdisk need; xlkit_xc_failed_step then says more. */
int xlkit_xc_build(xlkit_xc *x, const xlkit_xc_build_args *a, xlkit_xc_built *out);
/* The PV case of xlkit_xc_build with default TSC and CPUID. */
int xlkit_xc_build_pv(xlkit_xc *x, const uint8_t uuid[16], const char *kernel, const char *ramdisk,
                      const char *cmdline, uint64_t memkb, uint64_t maxmemkb, uint32_t vcpus,
                      uint32_t *domid, unsigned long *store_mfn, unsigned *store_port,
                      unsigned long *console_mfn, unsigned *console_port);
/* The host's virtualisation capabilities (xl info's virt_caps). */
#define XLKIT_XC_CAP_PV 0x1u
#define XLKIT_XC_CAP_HVM 0x2u
#define XLKIT_XC_CAP_HAP 0x4u
#define XLKIT_XC_CAP_SHADOW 0x8u
int xlkit_xc_caps(xlkit_xc *x, unsigned *caps);
int xlkit_xc_physinfo(xlkit_xc *x, uint64_t *total_kb, uint64_t *free_kb);

#ifdef __cplusplus
}
#endif

#endif
