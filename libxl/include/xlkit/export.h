/* xlkit/export.h: symbol visibility for the public C and C++ surfaces.
 *
 * The library is built with -fvisibility=hidden; only declarations marked
 * XLKIT_API (the xlkit:: and xlkit_ names) are exported. Everything in
 * xlkit::detail stays internal to the shared object. */
#ifndef XLKIT_EXPORT_H
#define XLKIT_EXPORT_H

#if defined(__GNUC__)
#define XLKIT_API __attribute__((visibility("default")))
#else
#define XLKIT_API
#endif

#endif /* XLKIT_EXPORT_H */
