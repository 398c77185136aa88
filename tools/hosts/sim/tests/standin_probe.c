/* standin_probe.c: see standin_probe.h. */
#include "standin_probe.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

typedef xc_interface *open_fn(xentoollog_logger *, xentoollog_logger *, unsigned);
typedef int getinfo_fn(xc_interface *, uint32_t, unsigned, xc_dominfo_t *);
typedef int close_fn(xc_interface *);

int standin_getinfo(const char *so_path, uint32_t first_domid, unsigned max,
                    struct standin_info *out, const char **err) {
    const char *dummy;
    if (!err) err = &dummy;
    *err = NULL;
    void *so = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        *err = dlerror();
        return -1;
    }
    open_fn *xopen = (open_fn *)dlsym(so, "xc_interface_open");
    getinfo_fn *getinfo = (getinfo_fn *)dlsym(so, "xc_domain_getinfo");
    close_fn *xclose = (close_fn *)dlsym(so, "xc_interface_close");
    int n = -1;
    xc_dominfo_t *info = calloc(max ? max : 1, sizeof *info);
    xc_interface *xch = NULL;
    if (!xopen || !getinfo || !xclose || !info) {
        *err = "symbols missing";
        goto out;
    }
    xch = xopen(NULL, NULL, 0);
    if (!xch) {
        *err = "xc_interface_open failed";
        goto out;
    }
    n = getinfo(xch, first_domid, max, info);
    for (int i = 0; i < n; i++) {
        struct standin_info *o = &out[i];
        memset(o, 0, sizeof *o);
        o->domid = info[i].domid;
        o->dying = info[i].dying;
        o->crashed = info[i].crashed;
        o->shutdown = info[i].shutdown;
        o->paused = info[i].paused;
        o->running = info[i].running;
        o->shutdown_reason = info[i].shutdown_reason;
        o->nr_pages = info[i].nr_pages;
        o->max_memkb = info[i].max_memkb;
        o->nr_online_vcpus = info[i].nr_online_vcpus;
    }
    xclose(xch);
out:
    free(info);
    /* Not dlclose'd: the stand-in keeps the state mapped for the process. */
    return n;
}
