/* For tests/vm/xen_vm_test.cpp: a port of a guest's, unbound and waiting
 * for dom0, as a guest that offers a suspend event channel allocates it
 * (xenctrl.h is C, not C++). */
#include "vm/evtchn_unbound.h"

#include <xenctrl.h>

int vmtest_evtchn_alloc_unbound(uint32_t domid) {
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    if (!xch) return -1;
    int port = xc_evtchn_alloc_unbound(xch, domid, 0);
    xc_interface_close(xch);
    return port;
}
