/* xc_resume: xc_domain_resume(fast), from C. */
#include "xen/xc_resume.h"

#include <errno.h>
#include <stdio.h>
#include <xenctrl.h>
#include <xenguest.h>

#include "xen/xg_lazy.h"

int xlkit_xc_domain_resume(uint32_t domid) {
    /* ELIBACC: libxenguest cannot be loaded (xg_lazy.h). */
    const struct xlkit_xg *xg = xlkit_xg_get(NULL);
    if (!xg) return -ELIBACC;
    /* A logger that says nothing: the caller reports the error. */
    xentoollog_logger *lg = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
    errno = 0;
    xc_interface *xch = xc_interface_open(lg, lg, 0);
    if (!xch) {
        int e = errno ? errno : EIO;
        if (lg) xtl_logger_destroy(lg);
        return -e;
    }
    xc_domaininfo_t info;
    int r = 0;
    if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 || info.domain != domid)
        r = -ESRCH;
    else if (!(info.flags & XEN_DOMINF_shutdown) ||
             ((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) != SHUTDOWN_suspend)
        r = -EINVAL;
    else if (xg->xc_domain_resume(xch, domid, 1) < 0)
        r = errno ? -errno : -EIO;
    xc_interface_close(xch);
    if (lg) xtl_logger_destroy(lg);
    return r;
}
