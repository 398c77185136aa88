/* xlkit/types.h: xlkit's public types, events and errors for C.
 *
 * The declarations are generated from idl/xlkit_types.idl into
 * <xlkit/_types.h> (docs/idl.md). The shapes and names are libxl's with
 * libxl_/LIBXL_ -> xlkit_/XLKIT_:
 *   - structs with xlkit_<type>_init, _dispose, _copy, _to_json, _from_json;
 *     a keyed union is a key field plus `union { ... } u`, and
 *     xlkit_<type>_init_<key>(p, key) selects a member; an array is
 *     `int num_<field>` plus a pointer;
 *   - enums XLKIT_<ENUM>_<VALUE> with xlkit_<enum>_to_string/_from_string;
 *   - error codes XLKIT_ERROR_* (0 or negative, libxl's ERROR_* numbers).
 * Strings are UTF-8; NULL and "" are the same value. Deviations from libxl:
 * _copy returns an int (0 or an error) instead of aborting on allocation
 * failure; xlkit_json_error() says why a _to_json/_from_json call failed. */
#ifndef XLKIT_TYPES_H
#define XLKIT_TYPES_H

#include <xlkit/_types.h>

#endif /* XLKIT_TYPES_H */
