// tests/idl/gen_support.hpp: random builtin values and C helpers for the
// tests that idl/gentest.py generates.
//
// Every generated test seeds its own Rng from its type's name, so a failure
// reproduces on its own; XLKIT_IDL_SEED=<n> mixes n in to try other values
// (the seed in use is printed by a failing assertion through SCOPED_TRACE in
// the hand-written tests, and is derivable from the name otherwise).
#pragma once

#include <array>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include <xlkit/_types.h>
#include <xlkit/_types.hpp>

namespace xlkit::idltest {

inline constexpr int kIterations = 200;

/* The generated tests check with XLKIT_GEN_CHECK rather than gtest's
 * EXPECT_* macros: one comparison and an out-of-line call each, which keeps
 * the generated files quick to compile. A failed check records a gtest
 * failure at the generated line and returns from the test. */
[[gnu::noinline]] inline void report(const char *file, int line, const char *expr, std::string_view detail) {
    ADD_FAILURE_AT(file, line) << "check failed: " << expr << (detail.empty() ? "" : "\n") << detail;
}

#define XLKIT_GEN_CHECK(cond, detail)                                                   \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            ::xlkit::idltest::report(__FILE__, __LINE__, #cond, detail);               \
            return;                                                                    \
        }                                                                              \
    } while (0)

class Rng {
public:
    explicit Rng(std::uint64_t seed) : gen_(seed) {}
    /* Uniform in [0, n). */
    std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(gen_); }
    bool coin() { return below(2) == 1; }
    std::uint64_t bits() { return gen_(); }

private:
    std::mt19937_64 gen_;
};

/* FNV-1a of name, mixed with $XLKIT_IDL_SEED if set. */
inline std::uint64_t seed(std::string_view name) {
    std::uint64_t h = 1469598103934665603ull;
    for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    if (const char *s = std::getenv("XLKIT_IDL_SEED")) h ^= std::strtoull(s, nullptr, 0) * 0x9E3779B97F4A7C15ull;
    return h;
}

/* Edge values half of the time, uniform otherwise. */
template <class T>
void random_int(Rng &r, T *out) {
    using L = std::numeric_limits<T>;
    const T edges[] = {L::min(), L::max(), T(0), T(1), static_cast<T>(L::max() / 2),
                       static_cast<T>(L::min() / 2), static_cast<T>(L::is_signed ? -1 : 2)};
    if (r.coin()) {
        *out = edges[r.below(std::size(edges))];
    } else {
        *out = static_cast<T>(r.bits());
    }
}

inline void random_value(Rng &r, bool *out) { *out = r.coin(); }
inline void random_value(Rng &r, int *out) { random_int(r, out); }
inline void random_value(Rng &r, std::int64_t *out) { random_int(r, out); }
inline void random_value(Rng &r, std::uint8_t *out) { random_int(r, out); }
inline void random_value(Rng &r, std::uint16_t *out) { random_int(r, out); }
inline void random_value(Rng &r, std::uint32_t *out) { random_int(r, out); }
inline void random_value(Rng &r, std::uint64_t *out) { random_int(r, out); }

/* Valid UTF-8 without NUL: ASCII, JSON's escapes, control characters and
 * 2-, 3- and 4-byte sequences. Empty a quarter of the time. */
inline void random_value(Rng &r, std::string *out) {
    static const char *const pool[] = {"a", "Z", "7", " ", "\"", "\\", "/", "\n", "\t", "\b",
                                       "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
                                       "\xf0\x9f\x98\x80", "xvda", "-", "."};
    out->clear();
    if (r.below(4) == 0) return;
    for (std::size_t i = 0, n = 1 + r.below(10); i < n; ++i) *out += pool[r.below(std::size(pool))];
}

inline void random_value(Rng &r, Uuid *out) {
    *out = Uuid{};
    if (r.below(3) == 0) return;
    for (auto &b : out->bytes) b = static_cast<std::uint8_t>(r.bits());
}

inline void random_value(Rng &r, Mac *out) {
    *out = Mac{};
    if (r.below(3) == 0) return;
    for (auto &b : out->bytes) b = static_cast<std::uint8_t>(r.bits());
}

// ---- C side ------------------------------------------------------------------------

inline void *c_calloc(std::size_t n, std::size_t size) {
    void *p = std::calloc(n, size);
    if (!p) std::abort();
    return p;
}

/* NULL (the empty string) or a malloc'ed random string. */
inline char *c_random_string(Rng &r) {
    std::string s;
    random_value(r, &s);
    if (s.empty()) return nullptr;
    char *p = static_cast<char *>(c_calloc(s.size() + 1, 1));
    std::memcpy(p, s.data(), s.size());
    return p;
}

inline void c_random_uuid(Rng &r, xlkit_uuid *out) {
    Uuid u;
    random_value(r, &u);
    std::memcpy(out->uuid, u.bytes.data(), sizeof out->uuid);
}

inline void c_random_mac(Rng &r, xlkit_mac *out) {
    Mac m;
    random_value(r, &m);
    std::memcpy(*out, m.bytes.data(), sizeof *out);
}

/* NULL and "" are the same C string value. */
inline bool c_str_equal(const char *a, const char *b) {
    return std::strcmp(a ? a : "", b ? b : "") == 0;
}

inline std::string upper(std::string_view s) {
    std::string u(s);
    for (char &c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return u;
}

}  // namespace xlkit::idltest

namespace xlkit::idltest {

/* A C struct, initialised, disposed at scope exit whatever happens. */
template <class CT>
class CGuard {
public:
    CGuard(void (*init)(CT *), void (*dispose)(CT *)) : dispose_(dispose) { init(&v_); }
    ~CGuard() { dispose_(&v_); }
    CGuard(const CGuard &) = delete;
    CGuard &operator=(const CGuard &) = delete;
    CT *get() { return &v_; }

private:
    CT v_;
    void (*dispose_)(CT *);
};

/* A malloc'ed C string, freed at scope exit. */
class CString {
public:
    explicit CString(char *s) : s_(s) {}
    ~CString() { std::free(s_); }
    CString(const CString &) = delete;
    CString &operator=(const CString &) = delete;
    const char *get() const { return s_; }

private:
    char *s_;
};

}  // namespace xlkit::idltest
