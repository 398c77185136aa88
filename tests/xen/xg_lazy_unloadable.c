/* xg_lazy's failure paths (xg_lazy_test.cpp): the loader compiled twice more
 * under other names, once for a soname no host has and once for a library
 * that loads but is not libxenguest (libxentoollog, which every Xen host
 * has: libxenctrl needs it). */
#define xlkit_xg_get xg_lazy_get_absent
#define XLKIT_XENGUEST_SONAME "libxlkit-no-such-xenguest.so.0"
#include "xen/xg_lazy.c"
