/* tests/idl/c_api_c.h: helpers written in C (c_api_c.c), so that the
 * generated C header is compiled as C, with the C warning flags, and the C
 * API is driven the way a C program would. */
#ifndef XLKIT_TESTS_IDL_C_API_C_H
#define XLKIT_TESTS_IDL_C_API_C_H

#include <xlkit/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A two-disk configuration built field by field; 0 or an error code. */
int capi_build_config(xlkit_domain_config *cfg);
/* The JSON of a DISK_EJECT event built in C (malloc'ed), or NULL. */
char *capi_disk_eject_json(void);
/* Parses json as an event, changes it to a HELPER_OUTPUT event with line
 * "done", and returns its JSON (malloc'ed), or NULL. */
char *capi_reparse_event(const char *json);
/* libxl-style error handling: the to_string of rc, or "?". */
const char *capi_error_name(int rc);

#ifdef __cplusplus
}
#endif

#endif
