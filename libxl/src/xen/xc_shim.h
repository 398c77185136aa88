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
int xlkit_xc_pause(xlkit_xc *x, uint32_t domid);
int xlkit_xc_unpause(xlkit_xc *x, uint32_t domid);
int xlkit_xc_destroy(xlkit_xc *x, uint32_t domid);
int xlkit_xc_shutdown(xlkit_xc *x, uint32_t domid, int reason);
/* Builds a PV domain (libxenguest's domain builder), left paused. On
 * failure the domain is destroyed. Returns 0 or -errno. */
int xlkit_xc_build_pv(xlkit_xc *x, const uint8_t uuid[16], const char *kernel, const char *ramdisk,
                      const char *cmdline, uint64_t memkb, uint64_t maxmemkb, uint32_t vcpus,
                      uint32_t *domid, unsigned long *store_mfn, unsigned *store_port,
                      unsigned long *console_mfn, unsigned *console_port);
int xlkit_xc_physinfo(xlkit_xc *x, uint64_t *total_kb, uint64_t *free_kb);

#ifdef __cplusplus
}
#endif

#endif
