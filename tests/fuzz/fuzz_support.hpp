// tests/fuzz/fuzz_support.hpp: the checks the fuzz target makes for every
// IDL type on every input (used by the table idl/gentest.py generates).
//
// For an input accepted by T's C++ from_json:
//   - its canonical form (to_json) parses back to an equal value and
//     re-serialises to the same text (to_json is a fixed point);
//   - the C from_json accepts it too, and the C to_json (of it and of a C
//     copy of it) gives the same canonical text.
// For a rejected input: the C++ error is Inval with a message naming the
// type, and the C from_json rejects it as well, with a message.
// Anything else aborts, which libFuzzer reports as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <xlkit/_types.h>
#include <xlkit/_types.hpp>

namespace xlkit::fuzz {

[[noreturn]] inline void fail(const char *type, const char *what, std::string_view text) {
    std::fprintf(stderr, "fuzz check failed for %s: %s\ninput: %.*s\n", type, what,
                 static_cast<int>(text.size()), text.data());
    std::abort();
}

#define XLKIT_FUZZ_CHECK(cond, type, text) \
    do {                                   \
        if (!(cond)) fail(type, #cond, text); \
    } while (0)

/* The canonical text if the C++ from_json accepts text, else nullopt. */
template <class T>
std::optional<std::string> check_cxx(std::string_view text, const char *name) {
    T v{};
    std::string why;
    Error rc = from_json(text, &v, &why);
    if (rc != Error::Success) {
        XLKIT_FUZZ_CHECK(rc == Error::Inval, name, text);
        XLKIT_FUZZ_CHECK(why.rfind(name, 0) == 0 && why.size() > std::string_view(name).size() + 2, name, text);
        return std::nullopt;
    }
    std::string s, s2;
    XLKIT_FUZZ_CHECK(to_json(v, &s, &why) == Error::Success, name, text);
    T w{};
    XLKIT_FUZZ_CHECK(from_json(s, &w, &why) == Error::Success, name, s);
    XLKIT_FUZZ_CHECK(w == v, name, s);
    XLKIT_FUZZ_CHECK(to_json(w, &s2, &why) == Error::Success, name, s);
    XLKIT_FUZZ_CHECK(s2 == s, name, s);
    return s;
}

template <class T, class CT>
void check_struct(std::string_view text, const char *name, int (*from_json_c)(xlkit_ctx *, CT *, const char *),
                  char *(*to_json_c)(xlkit_ctx *, const CT *),
                  int (*copy_c)(xlkit_ctx *, CT *, const CT *), void (*init_c)(CT *),
                  void (*dispose_c)(CT *)) {
    std::optional<std::string> canon = check_cxx<T>(text, name);
    const std::string ctext(text);  // text has no NUL (the harness cuts there)
    CT c;
    int rc = from_json_c(nullptr, &c, ctext.c_str());
    XLKIT_FUZZ_CHECK((rc == 0) == canon.has_value(), name, text);
    if (rc == 0) {
        char *s = to_json_c(nullptr, &c);
        XLKIT_FUZZ_CHECK(s && *canon == s, name, text);
        std::free(s);
        CT d;
        XLKIT_FUZZ_CHECK(copy_c(nullptr, &d, &c) == 0, name, text);
        s = to_json_c(nullptr, &d);
        XLKIT_FUZZ_CHECK(s && *canon == s, name, text);
        std::free(s);
        dispose_c(&d);
    } else {
        XLKIT_FUZZ_CHECK(xlkit_json_error()[0] != '\0', name, text);
        // Left initialised: disposing it and starting again must be fine.
        init_c(&c);
    }
    dispose_c(&c);
}

template <class T, class CT>
void check_enum(std::string_view text, const char *name, int (*from_json_c)(xlkit_ctx *, CT *, const char *),
                char *(*to_json_c)(xlkit_ctx *, CT)) {
    std::optional<std::string> canon = check_cxx<T>(text, name);
    const std::string ctext(text);
    CT c{};
    int rc = from_json_c(nullptr, &c, ctext.c_str());
    XLKIT_FUZZ_CHECK((rc == 0) == canon.has_value(), name, text);
    if (rc == 0) {
        char *s = to_json_c(nullptr, c);
        XLKIT_FUZZ_CHECK(s && *canon == s, name, text);
        std::free(s);
    }
}

/* One function per IDL namespace, generated (tests/fuzz/_<ns>_types_fuzz.cpp). */
void fuzz_xlkit_types(std::string_view text);
void fuzz_xlkt_types(std::string_view text);

}  // namespace xlkit::fuzz
