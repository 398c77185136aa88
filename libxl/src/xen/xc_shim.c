/* xc_shim: libxenctrl, from C. */
#include "xen/xc_shim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xenguest.h>

struct xlkit_xc {
    xc_interface *xch;
    xentoollog_logger *lg;
    xc_domaininfo_t *buf;
    unsigned cap;
    const char *step; /* the build step that failed last, for the error message */
};

const char *xlkit_xc_failed_step(const xlkit_xc *x) { return x->step ? x->step : "?"; }

/* Run one build step; on failure remember its name. */
#define STEP(call) do { x->step = #call; errno = 0; if (call) goto fail; } while (0)

static int fail(void) { return errno ? -errno : -EIO; }

xlkit_xc *xlkit_xc_open(void) {
    xlkit_xc *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    /* Without a logger of ours libxenctrl prints its failure to stderr. */
    /* XLKIT_XC_DEBUG=1 shows libxenctrl's and the domain builder's own log. */
    const char *dbg = getenv("XLKIT_XC_DEBUG");
    x->lg = (xentoollog_logger *)xtl_createlogger_stdiostream(
        stderr, dbg && *dbg && *dbg != '0' ? XTL_DEBUG : XTL_CRITICAL, 0);
    errno = 0;
    x->xch = xc_interface_open(x->lg, x->lg, 0);
    if (!x->xch) {
        int e = errno ? errno : ENOENT;
        if (x->lg) xtl_logger_destroy(x->lg);
        free(x);
        errno = e;
        return NULL;
    }
    return x;
}

void xlkit_xc_close(xlkit_xc *x) {
    if (!x) return;
    xc_interface_close(x->xch);
    if (x->lg) xtl_logger_destroy(x->lg);
    free(x->buf);
    free(x);
}

int xlkit_xc_getinfolist(xlkit_xc *x, uint32_t first, unsigned max, xlkit_xc_dominfo *out) {
    if (max > x->cap) {
        xc_domaininfo_t *b = realloc(x->buf, sizeof *b * max);
        if (!b) return -ENOMEM;
        x->buf = b;
        x->cap = max;
    }
    errno = 0;
    int n = xc_domain_getinfolist(x->xch, first, max, x->buf);
    if (n < 0) return fail();
    const uint64_t page_kb = XC_PAGE_SIZE / 1024;
    for (int i = 0; i < n; i++) {
        const xc_domaininfo_t *d = &x->buf[i];
        xlkit_xc_dominfo *o = &out[i];
        memset(o, 0, sizeof *o);
        o->domid = d->domain;
        memcpy(o->uuid, d->handle, sizeof o->uuid);
        if (d->flags & XEN_DOMINF_dying) o->flags |= XLKIT_XC_DYING;
        if (d->flags & XEN_DOMINF_shutdown) o->flags |= XLKIT_XC_SHUTDOWN;
        if (d->flags & XEN_DOMINF_paused) o->flags |= XLKIT_XC_PAUSED;
        if (d->flags & XEN_DOMINF_blocked) o->flags |= XLKIT_XC_BLOCKED;
        if (d->flags & XEN_DOMINF_running) o->flags |= XLKIT_XC_RUNNING;
        if (d->flags & XEN_DOMINF_hvm_guest) o->flags |= XLKIT_XC_HVM;
        o->shutdown_reason = (d->flags & XEN_DOMINF_shutdown)
                                 ? (int)((d->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask)
                                 : -1;
        o->tot_kb = d->tot_pages * page_kb;
        o->max_kb = d->max_pages == UINT64_MAX ? XLKIT_XC_MAX_UNLIMITED : d->max_pages * page_kb;
        o->outstanding_kb = d->outstanding_pages * page_kb;
        o->cpu_time_ns = d->cpu_time;
        o->max_vcpu_id = d->max_vcpu_id;
        o->online_vcpus = d->nr_online_vcpus;
        o->cpupool = d->cpupool;
    }
    return n;
}

int xlkit_xc_pause(xlkit_xc *x, uint32_t domid) {
    errno = 0;
    return xc_domain_pause(x->xch, domid) ? fail() : 0;
}
int xlkit_xc_unpause(xlkit_xc *x, uint32_t domid) {
    errno = 0;
    return xc_domain_unpause(x->xch, domid) ? fail() : 0;
}
int xlkit_xc_destroy(xlkit_xc *x, uint32_t domid) {
    errno = 0;
    return xc_domain_destroy(x->xch, domid) ? fail() : 0;
}
int xlkit_xc_shutdown(xlkit_xc *x, uint32_t domid, int reason) {
    errno = 0;
    return xc_domain_shutdown(x->xch, domid, reason) ? fail() : 0;
}
int xlkit_xc_physinfo(xlkit_xc *x, uint64_t *total_kb, uint64_t *free_kb) {
    xc_physinfo_t pi;
    memset(&pi, 0, sizeof pi);
    errno = 0;
    if (xc_physinfo(x->xch, &pi)) return fail();
    *total_kb = pi.total_pages * (uint64_t)(XC_PAGE_SIZE / 1024);
    *free_kb = pi.free_pages * (uint64_t)(XC_PAGE_SIZE / 1024);
    return 0;
}

int xlkit_xc_build_pv(xlkit_xc *x, const uint8_t uuid[16], const char *kernel, const char *ramdisk,
                      const char *cmdline, uint64_t memkb, uint64_t maxmemkb, uint32_t vcpus,
                      uint32_t *domid, unsigned long *store_mfn, unsigned *store_port,
                      unsigned long *console_mfn, unsigned *console_port) {
    struct xen_domctl_createdomain cfg;
    memset(&cfg, 0, sizeof cfg);
    memcpy(cfg.handle, uuid, sizeof cfg.handle);
    cfg.max_vcpus = vcpus;
    cfg.max_evtchn_port = 1023;
    cfg.max_grant_frames = -1;
    cfg.max_maptrack_frames = -1;
    cfg.grant_opts = XEN_DOMCTL_GRANT_version(1);  /* as libxl: 0 is refused */
    uint32_t d = 0;
    x->step = "xc_domain_create";
    errno = 0;
    if (xc_domain_create(x->xch, &d, &cfg)) return fail();
    int r = 0;
    struct xc_dom_image *dom = NULL;
    /* Xen 4.17 still allocates the vcpus themselves only through this call. */
    STEP(xc_domain_max_vcpus(x->xch, d, vcpus));
    /* A brand-new domain gets the default CPUID policy for a 64-bit PV guest, as libxl does. */
    STEP(xc_cpuid_apply_policy(x->xch, d, false, NULL, 0, true, false, false, NULL, NULL));
    /* Like libxl: a little slack above maxmem for the builder's own pages. */
    STEP(xc_domain_setmaxmem(x->xch, d, maxmemkb + 1024));
    STEP(xc_domain_set_memmap_limit(x->xch, d, maxmemkb));
    int sp = xc_evtchn_alloc_unbound(x->xch, d, 0);
    int cp = xc_evtchn_alloc_unbound(x->xch, d, 0);
    x->step = "xc_evtchn_alloc_unbound";
    if (sp < 0 || cp < 0) goto fail;
    x->step = "xc_dom_allocate";
    dom = xc_dom_allocate(x->xch, cmdline ? cmdline : "", NULL);
    if (!dom) goto fail;
    dom->container_type = XC_DOM_PV_CONTAINER;
    dom->flags = 0;
    dom->console_evtchn = (unsigned)cp;
    dom->console_domid = 0;
    dom->xenstore_evtchn = (unsigned)sp;
    dom->xenstore_domid = 0;
    STEP(xc_dom_kernel_file(dom, kernel));
    if (ramdisk && *ramdisk) STEP(xc_dom_module_file(dom, ramdisk, NULL));
    STEP(xc_dom_boot_xen_init(dom, x->xch, d));
    STEP(xc_dom_parse_image(dom));
    STEP(xc_dom_mem_init(dom, (unsigned)(memkb / 1024)));
    STEP(xc_dom_boot_mem_init(dom));
    STEP(xc_dom_build_image(dom));
    STEP(xc_dom_boot_image(dom));
    STEP(xc_dom_gnttab_init(dom));
    *store_mfn = xc_dom_p2m(dom, dom->xenstore_pfn);
    *console_mfn = xc_dom_p2m(dom, dom->console_pfn);
    *store_port = (unsigned)sp;
    *console_port = (unsigned)cp;
    xc_dom_release(dom);
    *domid = d;
    return 0;
fail:
    r = fail();
    if (dom) xc_dom_release(dom);
    (void)xc_domain_destroy(x->xch, d);
    return r;
}
