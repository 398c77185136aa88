/* See xg_lazy_unloadable.c: the loader pointed at a library that loads but
 * has none of libxenguest's functions. */
#define xlkit_xg_get xg_lazy_get_foreign
#define XLKIT_XENGUEST_SONAME "libxentoollog.so.1"
#include "xen/xg_lazy.c"
