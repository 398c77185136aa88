// idl/runtime.cpp: the hand-written half of the IDL's JSON and C conversions.
#include "idl/runtime.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace xlkit::detail::idl {

// ---- PathError -------------------------------------------------------------------

Error PathError::fail(std::string what) {
    what_ = std::move(what);
    rev_.clear();
    return Error::Inval;
}

namespace {

bool plain_key(std::string_view name) {
    if (name.empty()) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

}  // namespace

Error PathError::field(std::string_view name, Error rc) {
    if (plain_key(name))
        rev_.push_back("." + std::string(name));
    else
        rev_.push_back("[" + quote(name) + "]");
    return rc;
}

Error PathError::index(std::size_t i, Error rc) {
    rev_.push_back("[" + std::to_string(i) + "]");
    return rc;
}

std::string PathError::message(std::string_view root) const {
    std::string s(root);
    for (auto it = rev_.rbegin(); it != rev_.rend(); ++it) s += *it;
    s += ": ";
    s += what_.empty() ? "failed" : what_;
    return s;
}

// ---- text helpers ------------------------------------------------------------------

bool valid_utf8(std::string_view s, std::size_t *bad) noexcept {
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    std::size_t n = s.size(), i = 0;
    while (i < n) {
        unsigned c = p[i];
        std::size_t len;
        unsigned lo = 0x80, hi = 0xBF;  // range of the second byte
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;       // no overlong forms
            if (c == 0xED) hi = 0x9F;       // no surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;       // no overlong forms
            if (c == 0xF4) hi = 0x8F;       // nothing past U+10FFFF
        } else {
            if (bad) *bad = i;
            return false;
        }
        if (i + len > n) {
            if (bad) *bad = i;
            return false;
        }
        if (p[i + 1] < lo || p[i + 1] > hi) {
            if (bad) *bad = i;
            return false;
        }
        for (std::size_t k = 2; k < len; ++k) {
            if (p[i + k] < 0x80 || p[i + k] > 0xBF) {
                if (bad) *bad = i;
                return false;
            }
        }
        i += len;
    }
    return true;
}

std::string quote(std::string_view s) {
    constexpr std::size_t kMax = 60;
    std::string out = "\"";
    std::size_t i = 0;
    while (i < s.size() && i < kMax) {
        auto c = static_cast<unsigned char>(s[i]);
        char buf[8];
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
            ++i;
        } else if (c < 0x20 || c == 0x7F) {
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
            ++i;
        } else if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
        } else {
            // Copy a whole valid UTF-8 sequence, or show one bad byte.
            std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (i + len <= s.size() && valid_utf8(s.substr(i, len), nullptr)) {
                out.append(s.substr(i, len));
                i += len;
            } else {
                std::snprintf(buf, sizeof buf, "\\x%02x", c);
                out += buf;
                ++i;
            }
        }
    }
    out += '"';
    if (i < s.size()) out += "...";
    return out;
}

const char *kind_name(const value &v) noexcept {
    switch (v.kind()) {
    case boost::json::kind::object: return "an object";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::int64:
    case boost::json::kind::uint64: return "an integer";
    case boost::json::kind::double_: return "a number with a fraction or exponent";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::null: return "null";
    }
    return "an unknown JSON value";
}

bool ascii_iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// ---- documents -------------------------------------------------------------------

Error parse_document(std::string_view text, value *out, PathError &err) {
    boost::json::parse_options opt;
    opt.allow_invalid_utf8 = true;  // checked per string field, which can then be named
    opt.max_depth = 64;
    boost::json::parser p(boost::json::storage_ptr(), opt);
    boost::system::error_code ec;
    std::size_t n = p.write(text.data(), text.size(), ec);
    if (ec) {
        if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
            return err.fail("invalid JSON: the text is empty");
        return err.fail("invalid JSON at byte " + std::to_string(n) + ": " + ec.message());
    }
    *out = p.release();
    return Error::Success;
}

std::string to_text(const value &v) { return boost::json::serialize(v); }

const boost::json::object *expect_object(const value &in, PathError &err) {
    const boost::json::object *o = in.if_object();
    if (!o) (void)err.fail(std::string("expected an object, got ") + kind_name(in));
    return o;
}

Error check_keys(const boost::json::object &o, std::span<const std::string_view> known,
                 PathError &err) {
    for (const boost::json::key_value_pair &kv : o) {
        std::string_view k(kv.key().data(), kv.key().size());
        if (std::find(known.begin(), known.end(), k) == known.end())
            return err.field(k, err.fail("unknown key"));
    }
    return Error::Success;
}

// ---- builtins --------------------------------------------------------------------

Error gen_bool(bool v, value &out, PathError &) {
    out = v;
    return Error::Success;
}

Error parse_bool(const value &in, bool *out, PathError &err) {
    if (const bool *b = in.if_bool()) {
        *out = *b;
        return Error::Success;
    }
    return err.fail(std::string("expected true or false, got ") + kind_name(in));
}

namespace {

Error check_string(std::string_view s, PathError &err) {
    std::size_t bad = 0;
    if (!valid_utf8(s, &bad)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "the string is not valid UTF-8 (byte 0x%02x at offset %zu)",
                      static_cast<unsigned char>(s[bad]), bad);
        return err.fail(buf);
    }
    if (std::size_t z = s.find('\0'); z != std::string_view::npos)
        return err.fail("the string contains a NUL character (at offset " + std::to_string(z) + ")");
    return Error::Success;
}

}  // namespace

Error gen_string(const std::string &v, value &out, PathError &err) {
    if (Error rc = check_string(v, err); rc != Error::Success) return rc;
    out = boost::json::string_view(v.data(), v.size());
    return Error::Success;
}

Error parse_string(const value &in, std::string *out, PathError &err) {
    const boost::json::string *s = in.if_string();
    if (!s) return err.fail(std::string("expected a string, got ") + kind_name(in));
    std::string_view sv(s->data(), s->size());
    if (Error rc = check_string(sv, err); rc != Error::Success) return rc;
    out->assign(sv);
    return Error::Success;
}

Error gen_uuid(const Uuid &v, value &out, PathError &) {
    out = boost::json::string_view(to_string(v));
    return Error::Success;
}

Error parse_uuid(const value &in, Uuid *out, PathError &err) {
    const boost::json::string *s = in.if_string();
    if (!s) return err.fail(std::string("expected a string (a UUID), got ") + kind_name(in));
    std::string_view sv(s->data(), s->size());
    if (from_string(sv, out) != Error::Success)
        return err.fail("not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): " + quote(sv));
    return Error::Success;
}

Error gen_mac(const Mac &v, value &out, PathError &) {
    out = boost::json::string_view(to_string(v));
    return Error::Success;
}

Error parse_mac(const value &in, Mac *out, PathError &err) {
    const boost::json::string *s = in.if_string();
    if (!s) return err.fail(std::string("expected a string (a MAC address), got ") + kind_name(in));
    std::string_view sv(s->data(), s->size());
    if (from_string(sv, out) != Error::Success) return err.fail("not a MAC address (xx:xx:xx:xx:xx:xx): " + quote(sv));
    return Error::Success;
}

Error int_out_of_range(PathError &err, const value &in, const char *type_name, long long min,
                       unsigned long long max) {
    std::string range = " (" + std::to_string(min) + ".." + std::to_string(max) + ")";
    if (const std::int64_t *i = in.if_int64())
        return err.fail(std::to_string(*i) + " is out of range for " + type_name + range);
    if (const std::uint64_t *u = in.if_uint64())
        return err.fail(std::to_string(*u) + " is out of range for " + type_name + range);
    if (const double *d = in.if_double()) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", *d);
        return err.fail(std::string("expected an integer (") + type_name + "), got " + buf +
                        (*d > -1e19 && *d < 1e20 ? "" : ", which is out of range" + range));
    }
    return err.fail(std::string("expected an integer (") + type_name + "), got " + kind_name(in));
}

Error bad_enum_value(PathError &err, const char *enum_name, long long v) {
    return err.fail(std::to_string(v) + " is not a value of " + enum_name);
}

Error unknown_enum_string(PathError &err, const char *enum_name, std::string_view s,
                          std::span<const char *const> names) {
    std::string m = "unknown " + std::string(enum_name) + " " + quote(s) + " (expected one of: ";
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) m += ", ";
        m += names[i];
    }
    m += ")";
    return err.fail(std::move(m));
}

// ---- top level ---------------------------------------------------------------------

void set_why(std::string *why, const PathError &err, std::string_view root) noexcept {
    if (!why) return;
    try {
        *why = err.message(root);
    } catch (const std::bad_alloc &) {
        why->clear();
    }
}

void set_why_nomem(std::string *why) noexcept {
    if (!why) return;
    try {
        *why = "out of memory";
    } catch (const std::bad_alloc &) {
        why->clear();
    }
}

// ---- C conversions -----------------------------------------------------------------

Error to_c_string(const std::string &in, char **out, PathError &err) {
    if (in.empty()) {
        *out = nullptr;
        return Error::Success;
    }
    if (std::size_t z = in.find('\0'); z != std::string::npos)
        return err.fail("the string contains a NUL character (at offset " + std::to_string(z) +
                        "), which a C string cannot hold");
    *out = dup_c_string(in);
    if (!*out) throw std::bad_alloc();
    return Error::Success;
}

Error from_c_string(const char *in, std::string *out, PathError &) {
    if (in)
        out->assign(in);
    else
        out->clear();
    return Error::Success;
}

char *dup_c_string(std::string_view s) noexcept {
    auto *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (!p) return nullptr;
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

namespace {
thread_local std::string t_c_error;
}

void set_c_error(std::string_view msg) noexcept {
    try {
        t_c_error.assign(msg);
    } catch (const std::bad_alloc &) {
        t_c_error.clear();
    }
}

void clear_c_error() noexcept { t_c_error.clear(); }

}  // namespace xlkit::detail::idl

extern "C" XLKIT_API const char *xlkit_json_error(void) {
    return xlkit::detail::idl::t_c_error.c_str();
}
