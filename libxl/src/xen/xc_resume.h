/* xc_resume: the fast resume of a suspended domain (xc_domain_resume with
 * fast=1, libxl's suspend_cancel), from C like xc_shim. It opens its own
 * libxenctrl handle: a resume is rare and the handle costs a few ioctls. */
#ifndef XLKIT_XC_RESUME_H
#define XLKIT_XC_RESUME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 0, or -errno (-EINVAL: the domain is not suspended). Quiet. */
int xlkit_xc_domain_resume(uint32_t domid);

#ifdef __cplusplus
}
#endif

#endif
