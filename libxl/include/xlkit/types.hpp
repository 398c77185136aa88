// xlkit/types.hpp: xlkit's public types, events and errors as C++ values.
//
// Generated from idl/xlkit_types.idl into <xlkit/_types.hpp> (docs/idl.md):
//   - enum class per IDL enum, with to_string() (the JSON spelling, lower
//     case), from_string() (case-insensitive) and, for enums whose values
//     carry descriptions (xlkit::Error), describe();
//   - a struct per IDL struct: std::string, std::vector, nested structs, and
//     a keyed union as a std::variant of named member structs (EventDiskEject
//     ...) whose key is read with e.g. Event::type() and set with set_type();
//     every struct has ==;
//   - to_json()/from_json() for every type: libxl's JSON conventions (enums
//     as strings, a keyed union as "key" plus "key.member", fields at their
//     default omitted, unknown keys rejected). Failures return Error::Inval
//     and, in *why, a message naming the field.
#pragma once

#include <xlkit/_types.hpp>

namespace xlkit {
/* The C++ spelling of libxl's dominfo. */
using DomainInfo = Dominfo;
} // namespace xlkit
