/* standin_probe: calls the stand-in's xc_domain_getinfo the way xenstored
 * does (dlopen'ed, so it does not interpose on the test), from C because
 * <xenctrl.h> does not compile as ISO C++. */
#ifndef XLKIT_SIM_STANDIN_PROBE_H
#define XLKIT_SIM_STANDIN_PROBE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct standin_info {
    uint32_t domid;
    int dying, crashed, shutdown, paused, running;
    unsigned shutdown_reason;
    unsigned long nr_pages, max_memkb;
    unsigned nr_online_vcpus;
};

/* Loads so_path, opens an xc_interface and queries up to max domains from
 * first_domid. Returns the count, or -1 (message in err, if not NULL). */
int standin_getinfo(const char *so_path, uint32_t first_domid, unsigned max,
                    struct standin_info *out, const char **err);

#ifdef __cplusplus
}
#endif

#endif
