/* xg_lazy: libxenguest, loaded the first time the library needs it.
 *
 * Only building a domain (xc_dom_*, and the CPUID policy a new domain gets),
 * resuming a suspended one and binding a guest's suspend event channel use
 * libxenguest; its images' compressors
 * come with it (liblzma, libzstd, libz). Linked as a dependency, they are
 * loaded and relocated by every program that links xlkit, and by every CLI
 * command, most of which never build anything: on the host `xlkit
 * --version` took 173 page faults with them and 100 without, and a page
 * fault is the most expensive thing a process start does in a PV dom0 under
 * emulation (docs/performance-vm.md). So the library names the functions it
 * calls (XLKIT_XG_FUNCS) and resolves them from the soname configure found
 * (XLKIT_XENGUEST_SONAME), once, on first use.
 *
 *   Unloaded --xlkit_xg_get(), dlopen and every dlsym succeed--> Loaded
 *   Unloaded --either fails--> Failed: NULL, *why says which and dlerror()
 *   Loaded / Failed: final; later calls return the same (thread-safe: the
 *   builder calls it from its worker thread). Never unloaded.
 *
 * Each pointer has the type of the function xenguest.h declares, so a call
 * through the table is checked like a direct one. */
#ifndef XLKIT_XG_LAZY_H
#define XLKIT_XG_LAZY_H

#include <xenctrl.h>
#include <xenguest.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XLKIT_XG_FUNCS(X)        \
    X(xc_cpuid_apply_policy)     \
    X(xc_dom_allocate)           \
    X(xc_dom_boot_image)         \
    X(xc_dom_boot_mem_init)      \
    X(xc_dom_boot_xen_init)      \
    X(xc_dom_build_image)        \
    X(xc_dom_feature_get)        \
    X(xc_dom_gnttab_init)        \
    X(xc_dom_guest_os)           \
    X(xc_dom_kernel_file)        \
    X(xc_dom_mem_init)           \
    X(xc_dom_module_file)        \
    X(xc_dom_parse_image)        \
    X(xc_dom_release)            \
    X(xc_dom_translated)         \
    X(xc_domain_resume)          \
    X(xc_suspend_evtchn_init_exclusive) \
    X(xc_suspend_evtchn_release)

struct xlkit_xg {
#define XLKIT_XG_POINTER(f) __typeof__(f) *f;
    XLKIT_XG_FUNCS(XLKIT_XG_POINTER)
#undef XLKIT_XG_POINTER
};

/* The table, or NULL with *why (static, never freed) saying what failed. */
const struct xlkit_xg *xlkit_xg_get(const char **why);

#ifdef __cplusplus
}
#endif

#endif
