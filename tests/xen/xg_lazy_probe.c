/* C side of xg_lazy_test.cpp: xenguest.h is C, not C++. */
#include "xen/xg_lazy.h"

/* 1 and the number of functions left unresolved, or 0 (*why set). */
int xg_lazy_probe(const char **why, int *unresolved, const void **table);
int xg_lazy_probe(const char **why, int *unresolved, const void **table) {
    const struct xlkit_xg *xg = xlkit_xg_get(why);
    *table = xg;
    if (!xg) return 0;
    *unresolved = 0;
#define XLKIT_XG_CHECK(f) *unresolved += !xg->f;
    XLKIT_XG_FUNCS(XLKIT_XG_CHECK)
#undef XLKIT_XG_CHECK
    return 1;
}
