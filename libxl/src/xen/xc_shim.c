/* xc_shim: libxenctrl, from C. */
#include "xen/xc_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenguest.h>
#include <xen/features.h>
#include <xen/hvm/params.h>

#include "xen/acpi_pvh.h"
#include "xen/elf_probe.h"
#include "xen/xg_lazy.h"

struct xlkit_xc {
    xc_interface *xch;
    xentoollog_logger *lg;
    xc_domaininfo_t *buf;
    unsigned cap;
    const char *step; /* the build step that failed last, for the error message */
    char why[320];    /* or, when set, what was wrong in words */
};

const char *xlkit_xc_failed_step(const xlkit_xc *x) { return x->why[0] ? x->why : x->step ? x->step : "?"; }

/* Run one build step; on failure remember its name. */
#define STEP(call) do { x->step = #call; errno = 0; if (call) goto fail; } while (0)
/* The same for a libxenguest function, called through xg (xg_lazy.h). */
#define XG_STEP(fn, ...) do { x->step = #fn "(" #__VA_ARGS__ ")"; errno = 0; if (xg->fn(__VA_ARGS__)) goto fail; } while (0)

/* xc_dom_p2m (an inline in xenguest.h that calls xc_dom_translated
 * directly), through xg: a translated (PVH) guest's frames are its own. */
static xen_pfn_t dom_p2m(const struct xlkit_xg *xg, struct xc_dom_image *dom, xen_pfn_t pfn) {
    if (xg->xc_dom_translated(dom)) return pfn;
    if (pfn >= dom->total_pages) return INVALID_MFN;
    return dom->pv_p2m[pfn];
}

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

int xlkit_xc_domstates(xlkit_xc *x, uint32_t first, unsigned max, xlkit_xc_domstate *out) {
    if (max > x->cap) {
        xc_domaininfo_t *b = realloc(x->buf, sizeof *b * max);
        if (!b) return -ENOMEM;
        x->buf = b;
        x->cap = max;
    }
    errno = 0;
    int n = xc_domain_getinfolist(x->xch, first, max, x->buf);
    if (n < 0) return fail();
    for (int i = 0; i < n; i++) {
        const xc_domaininfo_t *d = &x->buf[i];
        xlkit_xc_domstate *o = &out[i];
        o->domid = d->domain;
        o->flags = (d->flags & XEN_DOMINF_dying ? XLKIT_XC_DYING : 0u) |
                   (d->flags & XEN_DOMINF_shutdown ? XLKIT_XC_SHUTDOWN : 0u);
        o->shutdown_reason = (d->flags & XEN_DOMINF_shutdown)
                                 ? (int)((d->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask)
                                 : -1;
        memcpy(o->uuid, d->handle, sizeof o->uuid);
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
int xlkit_xc_domain_resume(xlkit_xc *x, uint32_t domid) {
    const struct xlkit_xg *xg = xlkit_xg_get(NULL);
    if (!xg) return -ELIBACC;
    xc_domaininfo_t info;
    if (xc_domain_getinfolist(x->xch, domid, 1, &info) != 1 || info.domain != domid) return -ESRCH;
    if (!(info.flags & XEN_DOMINF_shutdown) ||
        ((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) != SHUTDOWN_suspend)
        return -EINVAL;
    errno = 0;
    return xg->xc_domain_resume(x->xch, domid, 1) < 0 ? fail() : 0;
}
struct xlkit_xc_suspend {
    xenevtchn_handle *xce;
    uint32_t domid;
    int port;   /* the local port */
    int lockfd; /* libxenguest's lock */
};
int xlkit_xc_suspend_bind(xlkit_xc *x, uint32_t domid, unsigned port, xlkit_xc_suspend **out) {
    const struct xlkit_xg *xg = xlkit_xg_get(NULL);
    if (!xg) return -ELIBACC;
    xlkit_xc_suspend *s = calloc(1, sizeof *s);
    if (!s) return -ENOMEM;
    s->domid = domid;
    s->lockfd = -1;
    errno = 0;
    s->xce = xenevtchn_open(x->lg, 0);
    if (!s->xce) {
        int rc = fail();
        free(s);
        return rc;
    }
    errno = 0;
    s->port = xg->xc_suspend_evtchn_init_exclusive(x->xch, s->xce, domid, (int)port, &s->lockfd);
    if (s->port < 0) {
        int rc = fail();
        xenevtchn_close(s->xce);
        free(s);
        return rc;
    }
    /* Non-blocking from here (the init's own wait for the bind's pending
     * event needed it blocking): the caller's loop reads it when poll says
     * so, and a spurious wake-up must find EAGAIN, not block the loop. */
    int fd = xenevtchn_fd(s->xce), fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        int rc = fail();
        xlkit_xc_suspend_release(x, s);
        return rc;
    }
    *out = s;
    return 0;
}
int xlkit_xc_suspend_fd(const xlkit_xc_suspend *s) { return xenevtchn_fd(s->xce); }
int xlkit_xc_suspend_notify(xlkit_xc_suspend *s) {
    errno = 0;
    return xenevtchn_notify(s->xce, (evtchn_port_t)s->port) < 0 ? fail() : 0;
}
int xlkit_xc_suspend_drain(xlkit_xc_suspend *s) {
    errno = 0;
    xenevtchn_port_or_error_t p = xenevtchn_pending(s->xce);
    if (p < 0) return errno == EAGAIN ? 0 : fail();
    errno = 0;
    if (xenevtchn_unmask(s->xce, (evtchn_port_t)p) < 0) return fail();
    return 1;
}
void xlkit_xc_suspend_release(xlkit_xc *x, xlkit_xc_suspend *s) {
    if (!s) return;
    const struct xlkit_xg *xg = xlkit_xg_get(NULL); /* loaded: the bind needed it */
    if (xg) xg->xc_suspend_evtchn_release(x->xch, s->xce, s->domid, s->port, &s->lockfd);
    xenevtchn_close(s->xce);
    free(s);
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

int xlkit_xc_caps(xlkit_xc *x, unsigned *caps) {
    xc_physinfo_t pi;
    memset(&pi, 0, sizeof pi);
    errno = 0;
    if (xc_physinfo(x->xch, &pi)) return fail();
    *caps = 0;
    if (pi.capabilities & XEN_SYSCTL_PHYSCAP_pv) *caps |= XLKIT_XC_CAP_PV;
    if (pi.capabilities & XEN_SYSCTL_PHYSCAP_hvm) *caps |= XLKIT_XC_CAP_HVM;
    if (pi.capabilities & XEN_SYSCTL_PHYSCAP_hap) *caps |= XLKIT_XC_CAP_HAP;
    if (pi.capabilities & XEN_SYSCTL_PHYSCAP_shadow) *caps |= XLKIT_XC_CAP_SHADOW;
    return 0;
}

/* Guest physical layout of a PVH domain, as libxl 4.17 lays it out
 * (libxl_arch.h, libxl__build_hvm): the ACPI tables at 0xfc000000 and
 * everything from there to 4 GiB a hole (the tables, the local APICs, the
 * special pages below 1 MiB's end are reserved in the memory map). */
#define PVH_ACPI_BASE 0xfc000000ull
#define PVH_ACPI_PAGES 16u
#define PAGE 4096ull

/* The CPUID policy of xl's cpuid (either form: xen/cpuid_policy.hpp) as
 * libxenguest's legacy xend list, one 32-letter string per register a bit
 * is forced in ('x': the default policy's bit), the first letter for bit 31.
 * Bits come in config order, so a later one for the same bit wins. */
static struct xc_xend_cpuid *xend_cpuid(const xlkit_xc_cpuid_bit *bits, unsigned n) {
    struct xc_xend_cpuid *l = calloc(n + 1, sizeof *l);
    if (!l) return NULL;
    unsigned used = 0;
    for (unsigned i = 0; i < n; i++) {
        const xlkit_xc_cpuid_bit *b = &bits[i];
        unsigned j = 0;
        while (j < used && !(l[j].leaf == b->leaf && l[j].subleaf == b->subleaf)) j++;
        if (j == used) {
            l[j].leaf = b->leaf;
            l[j].subleaf = b->subleaf == UINT32_MAX ? XEN_CPUID_INPUT_UNUSED : b->subleaf;
            used++;
        }
        if (!l[j].policy[b->reg]) {
            l[j].policy[b->reg] = strdup("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
            if (!l[j].policy[b->reg]) break;
        }
        l[j].policy[b->reg][31 - b->bit] = b->value; /* the string's first letter is bit 31 */
    }
    l[used].leaf = XEN_CPUID_INPUT_UNUSED;
    return l;
}

static void xend_cpuid_free(struct xc_xend_cpuid *l) {
    if (!l) return;
    for (unsigned i = 0; l[i].leaf != XEN_CPUID_INPUT_UNUSED; i++)
        for (unsigned r = 0; r < 4; r++) free(l[i].policy[r]);
    free(l);
}

/* PVH: the memory map (E820) and the ACPI tables, loaded as libxenguest's
 * ACPI modules; the RSDP's address goes into the start info. */
struct pvh_hw {
    uint8_t rsdp[XLKIT_ACPI_RSDP_LEN];
    uint8_t *tables;
    struct e820entry e820[5];
};

static int pvh_hw_describe(xlkit_xc *x, struct xc_dom_image *dom, uint32_t d, uint32_t vcpus, struct pvh_hw *hw) {
    x->step = "building the ACPI tables";
    hw->tables = calloc(PVH_ACPI_PAGES, PAGE);
    if (!hw->tables) return -ENOMEM;
    int used = xlkit_acpi_pvh_build(vcpus, PVH_ACPI_BASE, hw->tables, PVH_ACPI_PAGES * PAGE, hw->rsdp);
    if (used < 0) return used;
    uint64_t table_pages = ((uint64_t)used + PAGE - 1) / PAGE;
    dom->acpi_modules[0].data = hw->rsdp;
    dom->acpi_modules[0].length = XLKIT_ACPI_RSDP_LEN;
    /* As libxl: a Linux that does not promise to read the start info's
     * rsdp_paddr wherever it points finds the RSDP by the BIOS search, in
     * the last 64 bytes below 1 MiB. */
    const struct xlkit_xg *xg = xlkit_xg_get(NULL); /* loaded: the build began with it */
    if (strcmp(xg->xc_dom_guest_os(dom), "linux") != 0 || xg->xc_dom_feature_get(dom, XENFEAT_linux_rsdp_unrestricted))
        dom->acpi_modules[0].guest_addr_out = PVH_ACPI_BASE + table_pages * PAGE;
    else
        dom->acpi_modules[0].guest_addr_out = 0x100000 - 64;
    dom->acpi_modules[1].data = hw->tables;
    dom->acpi_modules[1].length = (uint32_t)(table_pages * PAGE);
    dom->acpi_modules[1].guest_addr_out = PVH_ACPI_BASE;

    unsigned n = 0;
    hw->e820[n++] = (struct e820entry){0, dom->lowmem_end, E820_RAM};
    hw->e820[n++] = (struct e820entry){(uint64_t)(X86_HVM_END_SPECIAL_REGION - X86_HVM_NR_SPECIAL_PAGES) * PAGE,
                                       (uint64_t)X86_HVM_NR_SPECIAL_PAGES * PAGE, E820_RESERVED};
    for (unsigned i = 0; i < 2; i++) {
        uint64_t at = dom->acpi_modules[i].guest_addr_out;
        hw->e820[n++] = (struct e820entry){at & ~(PAGE - 1), dom->acpi_modules[i].length + (at & (PAGE - 1)), E820_ACPI};
    }
    if (dom->highmem_end) /* the RAM the hole below 4 GiB displaced */
        hw->e820[n++] = (struct e820entry){1ull << 32, dom->highmem_end - (1ull << 32), E820_RAM};
    x->step = "xc_domain_set_memory_map";
    errno = 0;
    if (xc_domain_set_memory_map(x->xch, d, hw->e820, n)) return fail();
    dom->e820 = hw->e820;
    dom->e820_entries = n;
    return 0;
}

int xlkit_xc_build(xlkit_xc *x, const xlkit_xc_build_args *a, xlkit_xc_built *out) {
    const bool pvh = a->type == XLKIT_XC_TYPE_PVH;
    x->why[0] = 0;
    x->step = NULL;
    /* A restore's domain is made empty (the stream fills it): no builder. */
    const struct xlkit_xg *xg = NULL;
    if (!a->restore) {
        const char *no_xg = NULL;
        xg = xlkit_xg_get(&no_xg);
        if (!xg) {
            snprintf(x->why, sizeof x->why, "%s", no_xg);
            return -ELIBACC;
        }
    }
    struct xc_dom_image *dom = NULL;
    struct xc_xend_cpuid *xend = NULL;
    struct pvh_hw hw;
    memset(&hw, 0, sizeof hw);
    uint32_t d = 0;
    bool made = false;
    int r = 0;

    /* The image first: a kernel that cannot boot as asked is refused before
     * there is a domain to undo. */
    x->step = "xc_dom_allocate";
    errno = 0;
    if (!a->restore) {
    dom = xg->xc_dom_allocate(x->xch, a->cmdline ? a->cmdline : "", NULL);
    if (!dom) goto fail;
    XG_STEP(xc_dom_kernel_file, dom, a->kernel);
    if (a->ramdisk && *a->ramdisk) XG_STEP(xc_dom_module_file, dom, a->ramdisk, NULL);
    if (pvh) {
        r = xlkit_pvh_image_check(dom->kernel_blob, dom->kernel_size, dom->num_modules ? dom->modules[0].size : 0,
                                  a->memkb, a->kernel, x->why, sizeof x->why);
        if (r < 0) goto out;
    }
    }
    if (a->nr_cpuid) {
        x->step = "the CPUID policy";
        xend = xend_cpuid(a->cpuid, a->nr_cpuid);
        if (!xend) {
            r = -ENOMEM;
            goto out;
        }
    }

    struct xen_domctl_createdomain cfg;
    memset(&cfg, 0, sizeof cfg);
    memcpy(cfg.handle, a->uuid, sizeof cfg.handle);
    cfg.max_vcpus = a->vcpus;
    cfg.max_evtchn_port = 1023;
    cfg.max_grant_frames = -1;
    cfg.max_maptrack_frames = -1;
    cfg.grant_opts = XEN_DOMCTL_GRANT_version(1);  /* as libxl: 0 is refused */
    if (pvh) {
        /* An HVM container with hardware-assisted paging when the host has
         * it (else shadow paging), and of the emulated devices only the
         * local APICs (libxl__arch_domain_prepare_config). */
        unsigned caps = 0;
        cfg.flags = XEN_DOMCTL_CDF_hvm;
        if (xlkit_xc_caps(x, &caps) == 0 && (caps & XLKIT_XC_CAP_HAP)) cfg.flags |= XEN_DOMCTL_CDF_hap;
        cfg.arch.emulation_flags = XEN_X86_EMU_LAPIC;
    }
    STEP(xc_domain_create(x->xch, &d, &cfg));
    made = true;
    /* Xen 4.17 still allocates the vcpus themselves only through this call. */
    STEP(xc_domain_max_vcpus(x->xch, d, a->vcpus));
    /* As libxl: a little slack above the domain's memory for the builder's
     * own pages (PV: above maxmem; PVH: above memory, maxmem being
     * populate-on-demand). */
    STEP(xc_domain_setmaxmem(x->xch, d, (pvh ? a->memkb : a->maxmemkb) + 1024));
    int sp = xc_evtchn_alloc_unbound(x->xch, d, 0);
    int cp = xc_evtchn_alloc_unbound(x->xch, d, 0);
    x->step = "xc_evtchn_alloc_unbound";
    if (sp < 0 || cp < 0) goto fail;
    if (pvh) {
        /* libxl's defaults for PVH: timer mode no_delay_for_missed_ticks, no altp2m. */
        STEP(xc_hvm_param_set(x->xch, d, HVM_PARAM_TIMER_MODE, HVMPTM_no_delay_for_missed_ticks));
        STEP(xc_hvm_param_set(x->xch, d, HVM_PARAM_ALTP2M, 0));
    } else {
        STEP(xc_domain_set_memmap_limit(x->xch, d, a->maxmemkb));
    }
    STEP(xc_domain_set_tsc_info(x->xch, d, (uint32_t)a->tsc_mode, 0, 0, 0));
    if (pvh) STEP(xc_set_paging_mempool_size(x->xch, d, a->shadow_kb << 10));
    if (a->restore) {
        /* The stream brings the memory, the CPUID policy (libxl, too,
         * gives none here) and the vcpus' state: the save helper's
         * xc_domain_restore fills the domain. */
        out->store_mfn = out->console_mfn = 0;
        out->store_port = (unsigned)sp;
        out->console_port = (unsigned)cp;
        out->domid = d;
        xend_cpuid_free(xend);
        return 0;
    }
    /* A brand-new domain gets the default CPUID policy, as libxl does, with
     * the config's changes; invariant TSC only where the TSC is emulated. */
    XG_STEP(xc_cpuid_apply_policy, x->xch, d, false, NULL, 0, true, a->tsc_mode == 1, false, xend, NULL);

    dom->flags = 0;
    dom->console_evtchn = (unsigned)cp;
    dom->console_domid = 0;
    dom->xenstore_evtchn = (unsigned)sp;
    dom->xenstore_domid = 0;
    if (pvh) {
        uint64_t mem_size = a->maxmemkb << 10;
        dom->container_type = XC_DOM_HVM_CONTAINER;
        dom->target_pages = a->memkb >> 2;
        dom->mmio_size = (1ull << 32) - PVH_ACPI_BASE;
        dom->mmio_start = PVH_ACPI_BASE;
        dom->lowmem_end = mem_size;
        dom->highmem_end = 0;
        if (mem_size > PVH_ACPI_BASE) {
            dom->lowmem_end = PVH_ACPI_BASE;
            dom->highmem_end = (1ull << 32) + (mem_size - PVH_ACPI_BASE);
        }
        dom->vga_hole_size = 0;
        dom->device_model = false;
        dom->max_vcpus = a->vcpus;
    } else {
        dom->container_type = XC_DOM_PV_CONTAINER;
    }
    XG_STEP(xc_dom_boot_xen_init, dom, x->xch, d);
    x->step = "xc_dom_parse_image(dom)";
    errno = 0;
    if (xg->xc_dom_parse_image(dom)) {
        const xc_error *e = xc_get_last_error(x->xch);
        if (pvh && e && strstr(e->message, "HVM container")) {
            snprintf(x->why, sizeof x->why,
                     "the kernel '%s' has no PVH entry point (no ELF note XEN_ELFNOTE_PHYS32_ENTRY): "
                     "it can only boot as a PV guest",
                     a->kernel);
            r = -ENOEXEC;
            goto out;
        }
        goto fail;
    }
    XG_STEP(xc_dom_mem_init, dom, (unsigned)((pvh ? a->maxmemkb : a->memkb) / 1024));
    XG_STEP(xc_dom_boot_mem_init, dom);
    if (pvh && (r = pvh_hw_describe(x, dom, d, a->vcpus, &hw)) < 0) goto out;
    XG_STEP(xc_dom_build_image, dom);
    XG_STEP(xc_dom_boot_image, dom);
    XG_STEP(xc_dom_gnttab_init, dom);
    if (pvh) {
        out->store_mfn = dom->xenstore_pfn;
        out->console_mfn = dom->console_pfn;
    } else {
        out->store_mfn = dom_p2m(xg, dom, dom->xenstore_pfn);
        out->console_mfn = dom_p2m(xg, dom, dom->console_pfn);
    }
    out->store_port = (unsigned)sp;
    out->console_port = (unsigned)cp;
    out->domid = d;
    xg->xc_dom_release(dom);
    xend_cpuid_free(xend);
    free(hw.tables);
    return 0;
fail:
    r = fail();
out:
    if (dom) xg->xc_dom_release(dom);
    xend_cpuid_free(xend);
    free(hw.tables);
    if (made) (void)xc_domain_destroy(x->xch, d);
    return r;
}

int xlkit_xc_build_pv(xlkit_xc *x, const uint8_t uuid[16], const char *kernel, const char *ramdisk,
                      const char *cmdline, uint64_t memkb, uint64_t maxmemkb, uint32_t vcpus,
                      uint32_t *domid, unsigned long *store_mfn, unsigned *store_port,
                      unsigned long *console_mfn, unsigned *console_port) {
    xlkit_xc_build_args a;
    memset(&a, 0, sizeof a);
    a.type = XLKIT_XC_TYPE_PV;
    a.uuid = uuid;
    a.kernel = kernel;
    a.ramdisk = ramdisk;
    a.cmdline = cmdline;
    a.memkb = memkb;
    a.maxmemkb = maxmemkb;
    a.vcpus = vcpus;
    xlkit_xc_built b;
    int r = xlkit_xc_build(x, &a, &b);
    if (r < 0) return r;
    *domid = b.domid;
    *store_mfn = b.store_mfn;
    *store_port = b.store_port;
    *console_mfn = b.console_mfn;
    *console_port = b.console_port;
    return 0;
}
