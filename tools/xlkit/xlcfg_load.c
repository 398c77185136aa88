/* xlcfg_load.c: the CLI's side of xlcfg.h. The first call loads the module
 * xlkit-xlcfg.so (xlcfg.c, which links libxlutil and libxenlight) and every
 * call goes through its table. Where the module is looked for, first found
 * wins:
 *   1. $XLKIT_XLCFG_MODULE (a path), for a module kept elsewhere;
 *   2. .libs/ beside the running program: an uninstalled build (libtool
 *      keeps the module there), so the build tree's CLI uses the build
 *      tree's module and never an installed one of another build;
 *   3. $(pkglibdir), where `make install` puts it.
 * The CLI is single-threaded while it reads configs; nothing here locks. */
#include "xlcfg.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef XLKIT_PKGLIBDIR
#error "XLKIT_PKGLIBDIR: where the module is installed"
#endif

static const xlcfg_ops *ops;
static char why[PATH_MAX + 256];

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* Loads the module at path; 0, or -1 with why set. */
static int load_from(const char *path) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, sizeof why, "cannot load %s: %s", path, dlerror());
        return -1;
    }
    const xlcfg_ops *t = dlsym(h, XLCFG_MODULE_SYMBOL);
    if (!t || t->abi != XLCFG_ABI_VERSION) {
        snprintf(why, sizeof why, "%s is not this xlkit's config module (%s)", path,
                 t ? "another version" : "no " XLCFG_MODULE_SYMBOL);
        dlclose(h);
        return -1;
    }
    ops = t;  /* kept loaded until exit */
    return 0;
}

static const xlcfg_ops *get(void) {
    if (ops) return ops;
    char path[PATH_MAX];
    const char *env = getenv("XLKIT_XLCFG_MODULE");
    if (env && *env) return load_from(env) == 0 ? ops : NULL;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = 0;
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = 0;
            if (snprintf(path, sizeof path, "%s/.libs/%s", self, XLCFG_MODULE_NAME) < (int)sizeof path &&
                exists(path))
                return load_from(path) == 0 ? ops : NULL;
        }
    }
    snprintf(path, sizeof path, "%s/%s", XLKIT_PKGLIBDIR, XLCFG_MODULE_NAME);
    if (exists(path)) return load_from(path) == 0 ? ops : NULL;
    snprintf(why, sizeof why, "Xen's config parser module %s is not installed (looked in %s)", XLCFG_MODULE_NAME,
             XLKIT_PKGLIBDIR);
    return NULL;
}

/* For a call that has no report to carry the reason. */
static void say_why(void) { fprintf(stderr, "xlkit: %s\n", why); }

xlcfg *xlcfg_parse(const char *source, const char *data, int len, char **report_r) {
    if (report_r) *report_r = NULL;
    if (!get()) {
        if (report_r) *report_r = strdup(why);
        return NULL;
    }
    return ops->parse(source, data, len, report_r);
}

void xlcfg_free(xlcfg *cfg) {
    if (cfg && ops) ops->free(cfg);
}

xlcfg *xlcfg_new(const char *source) {
    if (!get()) {
        say_why();
        return NULL;
    }
    return ops->new_empty(source);
}

/* The rest take an xlcfg, which only a loaded module can have made. */
int xlcfg_get_string(xlcfg *cfg, const char *key, const char **value_r) { return ops->get_string(cfg, key, value_r); }
int xlcfg_get_long(xlcfg *cfg, const char *key, long *value_r) { return ops->get_long(cfg, key, value_r); }
int xlcfg_get_list(xlcfg *cfg, const char *key, int *n_r) { return ops->get_list(cfg, key, n_r); }
const char *xlcfg_list_item(xlcfg *cfg, const char *key, int i) { return ops->list_item(cfg, key, i); }
int xlcfg_is_set(xlcfg *cfg, const char *key) { return ops->is_set(cfg, key); }
char *xlcfg_take_report(xlcfg *cfg) { return ops->take_report(cfg); }
int xlcfg_parse_disk(xlcfg *cfg, const char *spec, xlcfg_disk *out) { return ops->parse_disk(cfg, spec, out); }
int xlcfg_parse_disk_multi(xlcfg *cfg, int nspecs, const char *const *specs, xlcfg_disk *out) {
    return ops->parse_disk_multi(cfg, nspecs, specs, out);
}
void xlcfg_disk_free(xlcfg_disk *disk) {
    if (ops) ops->disk_free(disk);
}
int xlcfg_parse_vif_rate(xlcfg *cfg, const char *rate, unsigned long long *bytes_per_interval,
                         unsigned int *interval_usecs) {
    return ops->parse_vif_rate(cfg, rate, bytes_per_interval, interval_usecs);
}
