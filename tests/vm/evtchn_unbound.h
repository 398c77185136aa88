/* evtchn_unbound.c: see there. */
#ifndef XLKIT_TESTS_VM_EVTCHN_UNBOUND_H
#define XLKIT_TESTS_VM_EVTCHN_UNBOUND_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
/* The new port of domid (remote end: dom0), or -1. */
int vmtest_evtchn_alloc_unbound(uint32_t domid);
#ifdef __cplusplus
}
#endif
#endif
