// idl/runtime.hpp: what the code generated from the IDL calls (internal).
//
// The generated JSON code builds and walks boost::json values; every step
// returns an xlkit::Error and, on failure, a PathError says which field and
// why ("domain_config.disks[1].format: unknown disk_format \"qcow9\" ...").
// The path is assembled while the failure unwinds, so the success path pays
// nothing for it.
//
// Conventions of the generated functions (per IDL type NAME, C++ type T):
//   Error gen_NAME(const T &v, boost::json::value &out, PathError &err);
//   Error parse_NAME(const boost::json::value &in, T *out, PathError &err);
//       *out starts default-constructed; keys absent from the JSON object
//       leave their field at its default.
//   Error to_c_NAME(const T &in, xlkit_NAME *out, PathError &err);
//       *out starts zeroed; on failure it may hold allocations: the caller
//       disposes it.
//   Error from_c_NAME(const xlkit_NAME &in, T *out, PathError &err);
// The builtin types' versions of these are below.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <xlkit/_types.h>
#include <xlkit/_types.hpp>

namespace xlkit::detail::idl {

using boost::json::value;

// ---- errors with a path ------------------------------------------------------

class PathError {
public:
    /* Records what went wrong at the innermost level; returns Error::Inval. */
    Error fail(std::string what);
    /* While unwinding: the failure happened inside field (or key) name. */
    Error field(std::string_view name, Error rc);
    /* While unwinding: the failure happened inside element i. */
    Error index(std::size_t i, Error rc);
    /* "root.a[1].b: what" ("root: what" when the path is empty). */
    std::string message(std::string_view root) const;

private:
    std::string what_;
    std::vector<std::string> rev_;  // path segments, innermost first
};

/* s in double quotes, with JSON escapes; bytes that are not valid UTF-8 are
 * shown as \xNN; long strings are cut at 60 bytes with "...". For messages. */
std::string quote(std::string_view s);

/* "an object", "a string", ... for messages. */
const char *kind_name(const value &v) noexcept;

/* True if s is well-formed UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF). On false, *bad is the offset of the first bad byte. */
bool valid_utf8(std::string_view s, std::size_t *bad) noexcept;

bool ascii_iequal(std::string_view a, std::string_view b) noexcept;

// ---- documents -----------------------------------------------------------------

/* Parses one complete JSON text (invalid UTF-8 is let through here, so that
 * the string field holding it can be named later). */
Error parse_document(std::string_view text, value *out, PathError &err);

std::string to_text(const value &v);

/* The object in `in`, or nullptr after err.fail("expected an object, ..."). */
const boost::json::object *expect_object(const value &in, PathError &err);

/* Fails naming the first key of o that is not in known. */
Error check_keys(const boost::json::object &o, std::span<const std::string_view> known,
                 PathError &err);

// ---- builtin types ---------------------------------------------------------------

Error gen_bool(bool v, value &out, PathError &err);
Error parse_bool(const value &in, bool *out, PathError &err);

Error gen_string(const std::string &v, value &out, PathError &err);
Error parse_string(const value &in, std::string *out, PathError &err);

Error gen_uuid(const Uuid &v, value &out, PathError &err);
Error parse_uuid(const value &in, Uuid *out, PathError &err);
Error gen_mac(const Mac &v, value &out, PathError &err);
Error parse_mac(const value &in, Mac *out, PathError &err);

template <class T>
Error gen_int(T v, value &out, PathError &) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    if constexpr (std::is_signed_v<T>)
        out = static_cast<std::int64_t>(v);
    else
        out = static_cast<std::uint64_t>(v);
    return Error::Success;
}

Error int_out_of_range(PathError &err, const value &in, const char *type_name,
                       long long min, unsigned long long max);

/* type_name is the IDL's ("uint8", "integer", ...), for messages. */
template <class T>
Error parse_int(const value &in, T *out, PathError &err, const char *type_name) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    constexpr long long lo = static_cast<long long>(std::numeric_limits<T>::min());
    constexpr unsigned long long hi = static_cast<unsigned long long>(std::numeric_limits<T>::max());
    if (const std::int64_t *i = in.if_int64()) {
        if (std::in_range<T>(*i)) {
            *out = static_cast<T>(*i);
            return Error::Success;
        }
    } else if (const std::uint64_t *u = in.if_uint64()) {
        if (std::in_range<T>(*u)) {
            *out = static_cast<T>(*u);
            return Error::Success;
        }
    }
    return int_out_of_range(err, in, type_name, lo, hi);
}

// ---- enums -----------------------------------------------------------------------

template <class E>
struct EnumEntry {
    const char *name;  // lower case, as in JSON
    E value;
};

template <class E>
const char *enum_to_string(std::span<const EnumEntry<E>> table, E e) noexcept {
    for (const EnumEntry<E> &x : table)
        if (x.value == e) return x.name;
    return nullptr;
}

template <class E>
Error enum_from_string(std::span<const EnumEntry<E>> table, std::string_view s, E *out) noexcept {
    for (const EnumEntry<E> &x : table) {
        if (ascii_iequal(x.name, s)) {
            if (out) *out = x.value;
            return Error::Success;
        }
    }
    return Error::Inval;
}

Error bad_enum_value(PathError &err, const char *enum_name, long long v);
Error unknown_enum_string(PathError &err, const char *enum_name, std::string_view s,
                          std::span<const char *const> names);

template <class E>
Error gen_enum(std::span<const EnumEntry<E>> table, const char *enum_name, E v, value &out,
               PathError &err) {
    const char *s = enum_to_string(table, v);
    if (!s) return bad_enum_value(err, enum_name, static_cast<long long>(v));
    out = s;
    return Error::Success;
}

template <class E>
Error parse_enum(std::span<const EnumEntry<E>> table, const char *enum_name, const value &in,
                 E *out, PathError &err) {
    const boost::json::string *s = in.if_string();
    if (!s) return err.fail(std::string("expected a string (a ") + enum_name + "), got " + kind_name(in));
    std::string_view sv(s->data(), s->size());
    if (enum_from_string(table, sv, out) == Error::Success) return Error::Success;
    std::vector<const char *> names;
    for (const EnumEntry<E> &x : table) names.push_back(x.name);
    return unknown_enum_string(err, enum_name, sv, names);
}

// ---- arrays ----------------------------------------------------------------------

template <class T, class Gen>
Error gen_array(const std::vector<T> &v, value &out, PathError &err, Gen gen) {
    boost::json::array &a = out.emplace_array();
    a.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        a.emplace_back(nullptr);
        if (Error rc = gen(v[i], a.back(), err); rc != Error::Success) return err.index(i, rc);
    }
    return Error::Success;
}

template <class T, class Parse>
Error parse_array(const value &in, std::vector<T> *out, PathError &err, Parse parse) {
    const boost::json::array *a = in.if_array();
    if (!a) return err.fail(std::string("expected an array, got ") + kind_name(in));
    std::vector<T> tmp;
    tmp.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
        T x{};
        if (Error rc = parse((*a)[i], &x, err); rc != Error::Success) return err.index(i, rc);
        tmp.push_back(std::move(x));
    }
    *out = std::move(tmp);
    return Error::Success;
}

// ---- top level -------------------------------------------------------------------

void set_why(std::string *why, const PathError &err, std::string_view root) noexcept;
void set_why_nomem(std::string *why) noexcept;

/* The body of every generated from_json: *out is untouched on failure. */
template <class T, class Parse>
Error from_json_impl(std::string_view text, T *out, std::string *why, const char *root,
                     Parse parse) noexcept {
    try {
        PathError err;
        Error rc;
        if (!out) {
            rc = err.fail("the output pointer is null");
        } else {
            value doc;
            rc = parse_document(text, &doc, err);
            if (rc == Error::Success) {
                T tmp{};
                rc = parse(doc, &tmp, err);
                if (rc == Error::Success) {
                    *out = std::move(tmp);
                    if (why) why->clear();
                    return rc;
                }
            }
        }
        set_why(why, err, root);
        return rc;
    } catch (const std::bad_alloc &) {
        set_why_nomem(why);
        return Error::Nomem;
    }
}

/* The body of every generated to_json: *out is untouched on failure. */
template <class T, class Gen>
Error to_json_impl(const T &v, std::string *out, std::string *why, const char *root,
                   Gen gen) noexcept {
    try {
        PathError err;
        Error rc;
        if (!out) {
            rc = err.fail("the output pointer is null");
        } else {
            value doc;
            rc = gen(v, doc, err);
            if (rc == Error::Success) {
                *out = to_text(doc);
                if (why) why->clear();
                return rc;
            }
        }
        set_why(why, err, root);
        return rc;
    } catch (const std::bad_alloc &) {
        set_why_nomem(why);
        return Error::Nomem;
    }
}

// ---- C conversions -----------------------------------------------------------------

/* "" becomes NULL; a string with a NUL byte cannot be a C string (Inval). */
Error to_c_string(const std::string &in, char **out, PathError &err);
Error from_c_string(const char *in, std::string *out, PathError &err);

inline Error to_c_uuid(const Uuid &in, xlkit_uuid *out, PathError &) {
    static_assert(sizeof out->uuid == std::tuple_size_v<decltype(in.bytes)>);
    for (std::size_t i = 0; i < in.bytes.size(); ++i) out->uuid[i] = in.bytes[i];
    return Error::Success;
}
inline Error to_c_mac(const Mac &in, xlkit_mac *out, PathError &) {
    static_assert(sizeof *out == std::tuple_size_v<decltype(in.bytes)>);
    for (std::size_t i = 0; i < in.bytes.size(); ++i) (*out)[i] = in.bytes[i];
    return Error::Success;
}
inline Error from_c_mac(const xlkit_mac &in, Mac *out, PathError &) {
    for (std::size_t i = 0; i < out->bytes.size(); ++i) out->bytes[i] = in[i];
    return Error::Success;
}
inline Error from_c_uuid(const xlkit_uuid &in, Uuid *out, PathError &) {
    for (std::size_t i = 0; i < out->bytes.size(); ++i) out->bytes[i] = in.uuid[i];
    return Error::Success;
}

/* Scalars (numbers, bools, enums) convert by value; C enums may hold any
 * int, and so may C++ enum classes: checking happens in JSON. */
template <class C, class Cxx>
Error to_c_scalar(Cxx in, C *out, PathError &) {
    *out = static_cast<C>(in);
    return Error::Success;
}
template <class C, class Cxx>
Error from_c_scalar(C in, Cxx *out, PathError &) {
    *out = static_cast<Cxx>(in);
    return Error::Success;
}

/* C array (num, ptr) to std::vector, checking the shape. */
template <class CElem, class T, class Conv>
Error from_c_array(const CElem *in, int num, std::vector<T> *out, PathError &err, const char *num_name,
                   Conv conv) {
    if (num < 0) return err.fail(std::string(num_name) + " is negative (" + std::to_string(num) + ")");
    if (num > 0 && !in)
        return err.fail(std::string(num_name) + " is " + std::to_string(num) + " but the array is NULL");
    std::vector<T> tmp;
    tmp.reserve(static_cast<std::size_t>(num));
    for (int i = 0; i < num; ++i) {
        T x{};
        if (Error rc = conv(in[i], &x, err); rc != Error::Success)
            return err.index(static_cast<std::size_t>(i), rc);
        tmp.push_back(std::move(x));
    }
    *out = std::move(tmp);
    return Error::Success;
}

/* std::vector to a calloc'ed C array; *num is set as soon as the memory is
 * there, so that a failure part-way leaves something dispose can free. */
template <class CElem, class T, class Conv>
Error to_c_array(const std::vector<T> &in, CElem **out, int *num, PathError &err, Conv conv) {
    if (in.empty()) return Error::Success;
    if (in.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return err.fail("too many elements for a C array (" + std::to_string(in.size()) + ")");
    void *mem = std::calloc(in.size(), sizeof(CElem));
    if (!mem) throw std::bad_alloc();
    *out = static_cast<CElem *>(mem);
    *num = static_cast<int>(in.size());
    for (std::size_t i = 0; i < in.size(); ++i)
        if (Error rc = conv(in[i], &(*out)[i], err); rc != Error::Success) return err.index(i, rc);
    return Error::Success;
}

/* malloc'ed copy of s, or nullptr. */
char *dup_c_string(std::string_view s) noexcept;

/* The calling thread's message for xlkit_json_error(). */
void set_c_error(std::string_view msg) noexcept;
void clear_c_error() noexcept;

}  // namespace xlkit::detail::idl

// ---- the bodies of the generated C functions -------------------------------------

namespace xlkit::detail::idl {

/* malloc'ed copy of src into *dst (NULL stays NULL). */
inline int copy_c_string(char **dst, const char *src) noexcept {
    if (!src) return 0;
    *dst = dup_c_string(src);
    return *dst ? 0 : XLKIT_ERROR_NOMEM;
}

/* Copies a C array; *dst_num is set as soon as the memory is there. A
 * negative length, or a positive one with a NULL pointer, is XLKIT_ERROR_INVAL. */
template <class CElem, class Copy>
int copy_c_array(CElem **dst, int *dst_num, const CElem *src, int src_num, Copy copy) noexcept {
    if (src_num < 0 || (src_num > 0 && !src)) return XLKIT_ERROR_INVAL;
    if (src_num == 0) return 0;
    void *mem = std::calloc(static_cast<std::size_t>(src_num), sizeof(CElem));
    if (!mem) return XLKIT_ERROR_NOMEM;
    *dst = static_cast<CElem *>(mem);
    *dst_num = src_num;
    for (int i = 0; i < src_num; ++i)
        if (int rc = copy(&(*dst)[i], &src[i])) return rc;
    return 0;
}

template <class CT, class Copy, class Dispose, class Init>
int c_copy(CT *dst, const CT *src, Copy copy, Dispose dispose, Init init) noexcept {
    if (!dst || !src) return XLKIT_ERROR_INVAL;
    if (dst == src) return 0;
    std::memset(static_cast<void *>(dst), 0, sizeof *dst);
    int rc = copy(dst, src);
    if (rc) {
        dispose(dst);
        init(dst);
    }
    return rc;
}

template <class T, class CT, class ToC, class Dispose, class Init>
Error to_c_impl(const T &in, CT *out, std::string *why, const char *root, ToC to_c, Dispose dispose,
                Init init) noexcept {
    PathError err;
    Error rc;
    try {
        if (!out) {
            rc = err.fail("the output pointer is null");
        } else {
            init(out);
            rc = to_c(in, out, err);
            if (rc == Error::Success) {
                if (why) why->clear();
                return rc;
            }
            dispose(out);
            init(out);
        }
        set_why(why, err, root);
        return rc;
    } catch (const std::bad_alloc &) {
        if (out) {
            dispose(out);
            init(out);
        }
        set_why_nomem(why);
        return Error::Nomem;
    }
}

template <class T, class CT, class FromC>
Error from_c_impl(const CT &in, T *out, std::string *why, const char *root, FromC from_c) noexcept {
    try {
        PathError err;
        Error rc;
        if (!out) {
            rc = err.fail("the output pointer is null");
        } else {
            T tmp{};
            rc = from_c(in, &tmp, err);
            if (rc == Error::Success) {
                *out = std::move(tmp);
                if (why) why->clear();
                return rc;
            }
        }
        set_why(why, err, root);
        return rc;
    } catch (const std::bad_alloc &) {
        set_why_nomem(why);
        return Error::Nomem;
    }
}

/* xlkit_<type>_to_json: C -> C++ -> JSON text, malloc'ed. */
template <class T, class CT, class FromC, class Gen>
char *c_to_json(const CT *p, const char *root, FromC from_c, Gen gen) noexcept {
    try {
        PathError err;
        Error rc = Error::Inval;
        if (!p) {
            (void)err.fail("the pointer is null");
        } else {
            T v{};
            rc = from_c(*p, &v, err);
            value doc;
            if (rc == Error::Success) rc = gen(v, doc, err);
            if (rc == Error::Success) {
                char *s = dup_c_string(to_text(doc));
                if (!s) throw std::bad_alloc();
                return s;
            }
        }
        set_c_error(err.message(root));
        return nullptr;
    } catch (const std::bad_alloc &) {
        set_c_error("out of memory");
        return nullptr;
    }
}

/* xlkit_<type>_from_json: init *p, JSON text -> C++ -> C. */
template <class T, class CT, class Parse, class ToC, class Dispose, class Init>
int c_from_json(CT *p, const char *s, const char *root, Parse parse, ToC to_c, Dispose dispose,
                Init init) noexcept {
    if (!p) {
        set_c_error(std::string(root) + ": the output pointer is null");
        return XLKIT_ERROR_INVAL;
    }
    init(p);
    try {
        PathError err;
        Error rc = Error::Inval;
        if (!s) {
            (void)err.fail("the JSON text is NULL");
        } else {
            value doc;
            rc = parse_document(s, &doc, err);
            T v{};
            if (rc == Error::Success) rc = parse(doc, &v, err);
            if (rc == Error::Success) rc = to_c(v, p, err);
            if (rc == Error::Success) return 0;
            dispose(p);
            init(p);
        }
        set_c_error(err.message(root));
        return static_cast<int>(rc);
    } catch (const std::bad_alloc &) {
        dispose(p);
        init(p);
        set_c_error("out of memory");
        return XLKIT_ERROR_NOMEM;
    }
}

/* xlkit_<enum>_from_json: *p is untouched on failure. */
template <class T, class CT, class Parse>
int c_enum_from_json(CT *p, const char *s, const char *root, Parse parse) noexcept {
    try {
        PathError err;
        Error rc = Error::Inval;
        if (!p || !s) {
            (void)err.fail(p ? "the JSON text is NULL" : "the output pointer is null");
        } else {
            value doc;
            rc = parse_document(s, &doc, err);
            T v{};
            if (rc == Error::Success) rc = parse(doc, &v, err);
            if (rc == Error::Success) {
                *p = static_cast<CT>(v);
                return 0;
            }
        }
        set_c_error(err.message(root));
        return static_cast<int>(rc);
    } catch (const std::bad_alloc &) {
        set_c_error("out of memory");
        return XLKIT_ERROR_NOMEM;
    }
}

}  // namespace xlkit::detail::idl
