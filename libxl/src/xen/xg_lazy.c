/* xg_lazy: libxenguest on first use (see xg_lazy.h). */
#include "xen/xg_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#ifndef XLKIT_XENGUEST_SONAME
#error "configure defines XLKIT_XENGUEST_SONAME (the soname of the libxenguest found)"
#endif

static struct xlkit_xg table;
static const struct xlkit_xg *loaded;
static char failure[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *h = dlopen(XLKIT_XENGUEST_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(failure, sizeof failure, "libxenguest (%s) cannot be loaded: %s", XLKIT_XENGUEST_SONAME,
                 dlerror());
        return;
    }
#define XLKIT_XG_RESOLVE(f)                                                                                    \
    *(void **)&table.f = dlsym(h, #f);                                                                      \
    if (!table.f) {                                                                                          \
        snprintf(failure, sizeof failure, "%s has no %s: it is not the libxenguest xlkit was built with",     \
                 XLKIT_XENGUEST_SONAME, #f);                                                                 \
        return;                                                                                              \
    }
    XLKIT_XG_FUNCS(XLKIT_XG_RESOLVE)
#undef XLKIT_XG_RESOLVE
    loaded = &table;
}

const struct xlkit_xg *xlkit_xg_get(const char **why) {
    pthread_once(&once, load);
    if (!loaded && why) *why = failure;
    return loaded;
}
