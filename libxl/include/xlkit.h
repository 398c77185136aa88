/* xlkit.h: the C API. Names and semantics mirror libxl's public event API
 * (libxl_event.h, Xen 4.17) with libxl_/LIBXL_ -> xlkit_/XLKIT_, so libxl
 * embedders port by renaming. Deviations are listed in docs/c-api.md. */
#ifndef XLKIT_H
#define XLKIT_H

#include <xlkit/export.h>
#include <xlkit/osevent.h>

#define XLKIT_API_VERSION 0x000100

#endif /* XLKIT_H */
