#!/usr/bin/env python3
"""gentest.py: tests and fuzz tables generated from an .idl file, in the
spirit of libxl's gentest.py.

usage: gentest.py IDL --c-header INC --cxx-header INC --internal-header INC
                      [--test FILE] [--fuzz FILE] [--corpus DIR]

--test   a GoogleTest file: for every type, random values -> JSON -> parse ->
         equal; C++ and C copies equal; C -> C++ -> C and C++ -> C -> C++
         equal; C and C++ JSON agree; C init equals the C++ default; enum
         strings round-trip; and canonical JSON samples that this script
         builds from the model alone (an oracle independent of the C++ code)
         parse and re-serialise byte for byte.
--fuzz   the libFuzzer table: every from_json (C++ and C) on one input.
--corpus writes the canonical samples as seed files (tests/fuzz/corpus/).

The random values come from the C++ side (seeded, see tests/idl/gen_support.hpp);
the samples from Python's random.Random(seed) so that reruns are identical.
"""

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import idl  # noqa: E402
from genlib import (Names, c_structs, cstr, is_scalar, json_fields, load_or_exit,  # noqa: E402
                    struct_types, write_if_changed)
from idl import camel  # noqa: E402

SUPPORT = "::xlkit::idltest"
SAMPLES_PER_TYPE = 6


# =============================================================================
# canonical samples, from the model alone


STRING_POOL = ["a", "Z", "0", " ", "-", "/", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f",
               "é", "ß", "€", "中", "😀", "xvda", "/dev/vg0/disk"]


class Sampler:
    """Random JSON-ready Python values for IDL types, in canonical form:
    fields in declaration order, defaults omitted, enums lower case, a keyed
    union as its key plus "key.member"."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def number(self, t):
        edges = [t.min, t.max, 0, 1, t.max // 2]
        if t.signed:
            edges += [-1, t.min // 2]
        if self.r.random() < 0.5:
            return self.r.choice(edges)
        return self.r.randint(t.min, t.max)

    def string(self):
        n = self.r.randint(1, 8)
        return "".join(self.r.choice(STRING_POOL) for _ in range(n))

    def uuid(self):
        h = "%032x" % self.r.getrandbits(128)
        return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])

    def mac(self):
        return ":".join("%02x" % self.r.getrandbits(8) for _ in range(6))

    def value(self, t):
        """A value of type t (may be the type's zero)."""
        if isinstance(t, idl.Bool):
            return self.r.random() < 0.5
        if isinstance(t, idl.Number):
            return self.number(t)
        if isinstance(t, idl.String):
            return self.string() if self.r.random() < 0.8 else ""
        if isinstance(t, idl.Mac):
            return self.mac() if self.r.random() < 0.8 else None
        if isinstance(t, idl.Uuid):
            return self.uuid() if self.r.random() < 0.8 else None
        if isinstance(t, idl.Enumeration):
            return self.r.choice(t.values).lower
        if isinstance(t, idl.Array):
            return [self.value_nonempty(t.elem) for _ in range(self.r.randint(0, 3))]
        if isinstance(t, idl.Struct):
            return self.struct(t)
        raise AssertionError(t)

    def value_nonempty(self, t):
        """Array elements are never omitted: the zero value is spelled out."""
        v = self.value(t)
        if isinstance(t, idl.String) and v == "":
            return ""
        if isinstance(t, idl.Mac) and v is None:
            return "00:00:00:00:00:00"
        if isinstance(t, idl.Uuid) and v is None:
            return "00000000-0000-0000-0000-000000000000"
        return v

    def struct(self, st):
        d = {}
        for f in json_fields(st):
            ft = f.type
            if isinstance(ft, idl.KeyedUnion):
                mem = self.r.choice(ft.members)
                d[ft.keyvar] = mem.value.lower
                d[mem.json_key] = self.struct(mem.struct)
                continue
            v = self.value(ft)
            if v != json_default(f):
                d[f.name] = v
        return d


def json_default(f):
    """Field f's default as it would appear in JSON (so that it is omitted)."""
    t = f.type
    if isinstance(t, idl.Enumeration):
        return f.default.lower
    if isinstance(t, (idl.Bool, idl.Number)):
        return f.default
    if isinstance(t, idl.String):
        return ""
    if isinstance(t, idl.Uuid):
        return None
    if isinstance(t, idl.Array):
        return []
    if isinstance(t, idl.Struct):
        return struct_default(t)
    raise AssertionError(t)


def struct_default(st):
    d = {}
    for f in json_fields(st):
        if isinstance(f.type, idl.KeyedUnion):
            ku = f.type
            d[ku.keyvar] = ku.default.lower
            d[ku.default_member.json_key] = struct_default(ku.default_member.struct)
    return d


def canonical(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def samples(model):
    """[(type, [json text])] for every enum and struct."""
    out = []
    for t in model.types:
        s = Sampler("%s/%s" % (model.namespace, t.name))
        if isinstance(t, idl.Enumeration):
            texts = [canonical(v.lower) for v in t.values]
        else:
            texts = []
            for _ in range(SAMPLES_PER_TYPE * 4):
                txt = canonical(s.struct(t))
                if txt not in texts:
                    texts.append(txt)
                if len(texts) == SAMPLES_PER_TYPE:
                    break
            dflt = canonical(struct_default(t))
            if dflt not in texts:
                texts.append(dflt)
        out.append((t, texts))
    return out


# =============================================================================
# the C++ test file


def suite(N, t):
    return "Gen%s%s" % (camel(N.ns), camel(t.name))


def has_private(st, seen=None):
    seen = seen or set()
    if st.name in seen:
        return False
    seen.add(st.name)
    for f in st.fields:
        t = f.type
        if f.private:
            return True
        if isinstance(t, idl.Array):
            t = t.elem
        if isinstance(t, idl.Struct) and has_private(t, seen):
            return True
        if isinstance(t, idl.KeyedUnion) and any(has_private(m.struct, seen) for m in t.members):
            return True
    return False


def random_fns(N, m):
    o = []
    for t in m.types:
        T = camel(t.name)
        if isinstance(t, idl.Enumeration):
            o += ["[[maybe_unused]] void random_value(%s::Rng &r, %s *out) {" % (SUPPORT, T),
                  "    static constexpr %s values[] = {%s};" % (T, ", ".join(N.cxx_value(v) for v in t.values)),
                  "    *out = values[r.below(std::size(values))];", "}", ""]
            continue
        if not isinstance(t, idl.Struct):
            continue
        o += ["[[maybe_unused]] void random_value(%s::Rng &r, %s *out) {" % (SUPPORT, T)]
        if not t.public_fields:
            o += ["    (void)r;", "    (void)out;"]
        for f in t.public_fields:
            ft = f.type
            if isinstance(ft, idl.KeyedUnion):
                o += ["    switch (r.below(%d)) {" % len(ft.members)]
                for i, mem in enumerate(ft.members):
                    o += ["    case %d: random_value(r, &out->%s.emplace<%d>()); break;" % (i, f.name, i)]
                o += ["    default: break;", "    }"]
            elif isinstance(ft, idl.Array):
                o += ["    out->%s.clear();" % f.name,
                      "    for (std::size_t i = 0, n = r.below(4); i < n; ++i) {",
                      "        %s x{};" % N.cxx_type(ft.elem),
                      "        random_value(r, &x);",
                      "        out->%s.push_back(std::move(x));" % f.name, "    }"]
            else:
                o += ["    random_value(r, &out->%s);" % f.name]
        o += ["}", ""]
    return o


def strip_fns(N, m):
    """strip_private: private fields back to their defaults, recursively (JSON
    does not carry them)."""
    o = []
    for t in struct_types(m):
        T = camel(t.name)
        body = []
        for f in t.public_fields:
            ft = f.type
            if f.private:
                body += ["    v->%s = %s;" % (f.name, N.cxx_default(f))]
            elif isinstance(ft, idl.Struct) and has_private(ft):
                body += ["    strip_private(&v->%s);" % f.name]
            elif isinstance(ft, idl.Array) and isinstance(ft.elem, idl.Struct) and has_private(ft.elem):
                body += ["    for (auto &x : v->%s) strip_private(&x);" % f.name]
            elif isinstance(ft, idl.KeyedUnion):
                for i, mem in enumerate(ft.members):
                    if has_private(mem.struct):
                        body += ["    if (auto *p = std::get_if<%d>(&v->%s)) strip_private(p);" % (i, f.name)]
        o += ["[[maybe_unused]] void strip_private(%s *v) {" % T]
        o += body or ["    (void)v;"]
        o += ["}", ""]
    return o


def c_random_fns(N, m):
    o = []
    for t in c_structs(m):
        ct = N.c_type(t)
        o += ["/* *p is initialised; deprecated fields stay at their defaults. */",
              "[[maybe_unused]] void c_random(%s::Rng &r, %s *p) {" % (SUPPORT, ct)]
        for f in t.public_fields:
            ft = f.type
            if isinstance(ft, idl.KeyedUnion):
                o += ["    switch (r.below(%d)) {" % len(ft.members)]
                for i, mem in enumerate(ft.members):
                    o += ["    case %d:" % i,
                          "        %s(p, %s);" % (N.c_fn(t, "init_" + ft.keyvar), N.c_value(mem.value))]
                    if not mem.struct.is_void:
                        o += ["        c_random(r, &p->%s.%s);" % (f.name, mem.name)]
                    o += ["        break;"]
                o += ["    default: break;", "    }"]
            elif isinstance(ft, idl.Array):
                et = ft.elem
                ect = N.c_type(et)
                o += ["    if (std::size_t n = r.below(4)) {",
                      "        p->%s = static_cast<%s *>(%s::c_calloc(n, sizeof(%s)));" % (f.name, ect, SUPPORT, ect),
                      "        p->num_%s = static_cast<int>(n);" % f.name,
                      "        for (std::size_t i = 0; i < n; ++i) {"]
                o += ["            " + l for l in c_random_value(N, et, "p->%s[i]" % f.name)]
                o += ["        }", "    }"]
            else:
                o += ["    " + l for l in c_random_value(N, ft, "p->%s" % f.name)]
        o += ["}", ""]
    return o


def c_random_value(N, t, lv):
    if isinstance(t, idl.String):
        return ["%s = %s::c_random_string(r);" % (lv, SUPPORT)]
    if isinstance(t, idl.Uuid):
        return ["%s::c_random_%s(r, &%s);" % (SUPPORT, t.name, lv)]
    if isinstance(t, idl.Struct):
        return ["%s(&%s);" % (N.c_fn(t, "init"), lv), "c_random(r, &%s);" % lv]
    if isinstance(t, idl.Enumeration):
        return ["{", "    %s x{};" % camel(t.name), "    random_value(r, &x);",
                "    %s = static_cast<%s>(x);" % (lv, N.c_type(t)), "}"]
    # numbers and bools: through the C++ generator
    return ["{", "    %s x{};" % N.cxx_type(t), "    random_value(r, &x);", "    %s = x;" % lv, "}"]


def c_equal_fns(N, m):
    o = []
    for t in c_structs(m):
        ct = N.c_type(t)
        o += ["[[maybe_unused]] bool c_equal(const %s &a, const %s &b) {" % (ct, ct)]
        for f in t.fields:
            ft = f.type
            if isinstance(ft, idl.KeyedUnion):
                o += ["    if (a.%s != b.%s) return false;" % (ft.keyvar, ft.keyvar)]
                if ft.c_members:
                    o += ["    switch (a.%s) {" % ft.keyvar]
                    for mem in ft.c_members:
                        o += ["    case %s:" % N.c_value(mem.value),
                              "        if (!c_equal(a.%s.%s, b.%s.%s)) return false;" % (f.name, mem.name, f.name, mem.name),
                              "        break;"]
                    o += ["    default: break;", "    }"]
            elif isinstance(ft, idl.Array):
                o += ["    if (a.num_%s != b.num_%s) return false;" % (f.name, f.name),
                      "    for (int i = 0; i < a.num_%s; ++i) {" % f.name,
                      "        if (!(%s)) return false;" % c_eq_expr(ft.elem, "a.%s[i]" % f.name, "b.%s[i]" % f.name),
                      "    }"]
            else:
                o += ["    if (!(%s)) return false;" % c_eq_expr(ft, "a.%s" % f.name, "b.%s" % f.name)]
        o += ["    return true;", "}", ""]
    return o


def c_eq_expr(t, a, b):
    if isinstance(t, idl.String):
        return "%s::c_str_equal(%s, %s)" % (SUPPORT, a, b)
    if isinstance(t, idl.Mac):
        return "std::memcmp(%s, %s, sizeof %s) == 0" % (a, b, a)
    if isinstance(t, idl.Uuid):
        return "std::memcmp(%s.uuid, %s.uuid, sizeof %s.uuid) == 0" % (a, b, a)
    if isinstance(t, idl.Struct):
        return "c_equal(%s, %s)" % (a, b)
    return "%s == %s" % (a, b)


def unused_value(t):
    """An int that is not a value of enum t (to test rejection)."""
    used = {v.value for v in t.values}
    for x in [max(used) + 1, min(used) - 1] + list(range(len(used) + 1)):
        if -(1 << 31) <= x < (1 << 31) and x not in used:
            return x
    raise AssertionError(t)


def chk(cond, detail='""', indent="        "):
    return "%sXLKIT_GEN_CHECK(%s, %s);" % (indent, cond, detail)


def enum_tests(N, t):
    T, ct, S = camel(t.name), N.c_type(t), suite(N, t)
    E = N.error
    vals = ", ".join(N.cxx_value(v) for v in t.values)
    bad = unused_value(t)
    o = ["TEST(%s, EveryValueRoundTripsThroughItsStringInCAndCxx) {" % S,
         "    static constexpr %s values[] = {%s};" % (T, vals),
         "    for (%s v : values) {" % T,
         "        const char *s = to_string(v);",
         chk("s != nullptr", "std::to_string(static_cast<int>(v))"),
         "        %s w{};" % T,
         chk("from_string(s, &w) == %s::Success && w == v" % E, "s"),
         chk("from_string(%s::upper(s), &w) == %s::Success && w == v" % (SUPPORT, E), "s"),
         chk("std::strcmp(%s(static_cast<%s>(v)), s) == 0" % (N.c_fn(t, "to_string"), ct), "s"),
         "        %s c{};" % ct,
         chk("%s(s, &c) == 0 && static_cast<int>(c) == static_cast<int>(v)" % N.c_fn(t, "from_string"), "s"),
         "        std::string j, why;",
         chk("to_json(v, &j, &why) == %s::Success" % E, "why"),
         chk('j == "\\"" + std::string(s) + "\\""', "j"),
         "        w = %s{};" % T,
         chk("from_json(j, &w, &why) == %s::Success && w == v" % E, "why"),
         "        char *cj = %s(nullptr, static_cast<%s>(v));" % (N.c_fn(t, "to_json"), ct),
         chk("cj != nullptr", "xlkit_json_error()"),
         "        const bool same = j == cj;",
         "        c = %s{};" % ct,
         "        const int crc = %s(nullptr, &c, cj);" % N.c_fn(t, "from_json"),
         "        std::free(cj);",
         chk("same", "j"),
         chk("crc == 0 && static_cast<int>(c) == static_cast<int>(v)", "xlkit_json_error()"),
         "    }",
         "}", "",
         "TEST(%s, UnknownStringsAndValuesAreRejected) {" % S,
         "    const auto bad = static_cast<%s>(%d);" % (T, bad),
         "    %s w = %s;" % (T, N.cxx_value(t.values[0])),
         chk('from_string("no_such_value", &w) == %s::Inval' % E, '""', "    "),
         chk("w == %s" % N.cxx_value(t.values[0]), '"out-parameter untouched"', "    "),
         chk("to_string(bad) == nullptr", '""', "    "),
         chk("%s(static_cast<%s>(%d)) == nullptr" % (N.c_fn(t, "to_string"), ct, bad), '""', "    "),
         "    %s c{};" % ct,
         chk('%s("no_such_value", &c) == XLKIT_ERROR_INVAL' % N.c_fn(t, "from_string"), '""', "    "),
         "    std::string j, why;",
         chk("to_json(bad, &j, &why) == %s::Inval" % E, '""', "    "),
         chk('why == "%s: %d is not a value of %s"' % (t.name, bad, t.name), "why", "    "),
         chk('from_json("\\"no_such_value\\"", &w, &why) == %s::Inval' % E, '""', "    "),
         chk('why.rfind("%s: unknown %s \\"no_such_value\\"", 0) == 0' % (t.name, t.name), "why", "    "),
         "}", ""]
    return o


def loop(seed, body):
    return (["    %s::Rng r(%s);" % (SUPPORT, seed),
             "    for (int i = 0; i < %s::kIterations; ++i) {" % SUPPORT] + body + ["    }"])


def struct_tests(N, t):
    T, S, E = camel(t.name), suite(N, t), N.error
    has_c = not (t.union is not None and t.is_void)
    seed = "%s::seed(\"%s/%s\")" % (SUPPORT, N.ns, t.name)
    ok = "%s::Success" % E
    o = ["TEST(%s, JsonOfRandomValuesParsesBackEqualAndCanonical) {" % S]
    o += loop(seed, [
        "        %s v;" % T,
        "        random_value(r, &v);",
        "        std::string s, s2, why;",
        chk("to_json(v, &s, &why) == %s" % ok, "why"),
        "        %s w;" % T,
        chk("from_json(s, &w, &why) == %s" % ok, "why + '\\n' + s"),
        "        strip_private(&v);",
        chk("w == v", "s"),
        chk("to_json(w, &s2, &why) == %s" % ok, "why"),
        chk("s2 == s", "s + '\\n' + s2")])
    o += ["}", "",
          "TEST(%s, CopiesCompareEqualAndDifferFromOtherValues) {" % S,
          "    int differing = 0;"]
    o += loop(seed, [
        "        %s a, b;" % T,
        "        random_value(r, &a);",
        "        random_value(r, &b);",
        "        const %s c = a;" % T,
        chk("c == a", '""'),
        "        differing += !(a == b);"])
    if t.fields:
        o += [chk("differing > 0", '"random values should not all be equal"', "    ")]
    else:
        o += [chk("differing == 0", '"an empty struct has one value"', "    ")]
    o += ["}", "",
          "TEST(%s, DefaultValueRoundTripsThroughJson) {" % S,
          "    const %s v{};" % T,
          "    std::string s, why;",
          chk("to_json(v, &s, &why) == %s" % ok, "why", "    "),
          "    %s w;" % T,
          chk("from_json(s, &w, &why) == %s && w == v" % ok, "why + s", "    "),
          "}", ""]
    if has_c:
        ct = N.c_type(t)
        init, dispose = N.c_fn(t, "init"), N.c_fn(t, "dispose")
        # C values are held by a guard that disposes them on every path.
        guard = "%s::CGuard<%s> ga(&%s, &%s), gb(&%s, &%s);" % (SUPPORT, ct, init, dispose, init, dispose)
        o += ["TEST(%s, CCopyOfRandomValuesIsEqualAndDisposesCleanly) {" % S]
        o += loop(seed, [
            "        " + guard,
            "        c_random(r, ga.get());",
            chk("%s(nullptr, gb.get(), ga.get()) == 0" % N.c_fn(t, "copy"), '""'),
            chk("c_equal(*ga.get(), *gb.get())", '""')])
        o += ["}", "",
              "TEST(%s, CToCxxToCIsEqual) {" % S]
        o += loop(seed, [
            "        " + guard,
            "        c_random(r, ga.get());",
            "        %s v;" % T,
            "        std::string why;",
            chk("%s::detail::from_c(*ga.get(), &v, &why) == %s" % (N.ns, ok), "why"),
            chk("%s::detail::to_c(v, gb.get(), &why) == %s" % (N.ns, ok), "why"),
            chk("c_equal(*ga.get(), *gb.get())", '""')])
        o += ["}", "",
              "TEST(%s, CxxToCToCxxIsEqual) {" % S]
        o += loop(seed, [
            "        %s v, w;" % T,
            "        random_value(r, &v);",
            "        " + guard,
            "        std::string why;",
            chk("%s::detail::to_c(v, ga.get(), &why) == %s" % (N.ns, ok), "why"),
            chk("%s::detail::from_c(*ga.get(), &w, &why) == %s" % (N.ns, ok), "why"),
            chk("w == v", '""')])
        o += ["}", "",
              "TEST(%s, CJsonAgreesWithCxxJsonAndParsesBack) {" % S]
        o += loop(seed, [
            "        " + guard,
            "        c_random(r, ga.get());",
            "        %s::CString s(%s(nullptr, ga.get()));" % (SUPPORT, N.c_fn(t, "to_json")),
            chk("s.get() != nullptr", "xlkit_json_error()"),
            "        %s v, w;" % T,
            "        std::string j, why;",
            chk("%s::detail::from_c(*ga.get(), &v, &why) == %s" % (N.ns, ok), "why"),
            chk("to_json(v, &j, &why) == %s" % ok, "why"),
            chk("j == s.get()", "j + '\\n' + s.get()"),
            chk("%s(nullptr, gb.get(), s.get()) == 0" % N.c_fn(t, "from_json"),
                "std::string(xlkit_json_error()) + '\\n' + s.get()"),
            chk("%s::detail::from_c(*gb.get(), &w, &why) == %s" % (N.ns, ok), "why"),
            "        strip_private(&v);",
            chk("w == v", "s.get()")])
        o += ["}", "",
              "TEST(%s, CInitEqualsTheCxxDefaultAndDisposeIsIdempotent) {" % S,
              "    %s a;" % ct,
              "    %s(&a);" % init,
              "    %s v;" % T,
              "    std::string why;",
              "    const %s rc = %s::detail::from_c(a, &v, &why);" % (E, N.ns),
              "    %s(&a);" % dispose,
              "    %s(&a);" % dispose,
              "    %s(nullptr);" % dispose,
              chk("rc == %s" % ok, "why", "    "),
              chk("v == %s{}" % T, '""', "    "),
              "}", ""]
    for f in t.public_fields:
        if not isinstance(f.type, idl.KeyedUnion):
            continue
        ku = f.type
        K = camel(ku.key.name)
        o += ["TEST(%s, Set%sSelectsTheMatchingMemberInCAndCxx) {" % (S, camel(ku.keyvar)),
              "    static constexpr %s keys[] = {%s};" % (K, ", ".join(N.cxx_value(mem.value) for mem in ku.members)),
              "    for (std::size_t i = 0; i < std::size(keys); ++i) {",
              "        %s v;" % T,
              chk("v.set_%s(keys[i]) == %s" % (ku.keyvar, ok), '""'),
              chk("v.%s() == keys[i] && v.%s.index() == i" % (ku.keyvar, f.name), '""')]
        if has_c:
            ct = N.c_type(t)
            o += ["        %s::CGuard<%s> c(&%s, &%s);" % (SUPPORT, ct, N.c_fn(t, "init"), N.c_fn(t, "dispose")),
                  "        %s(c.get(), static_cast<%s>(keys[i]));" % (N.c_fn(t, "init_" + ku.keyvar), N.c_type(ku.key)),
                  chk("static_cast<int>(c.get()->%s) == static_cast<int>(keys[i])" % ku.keyvar, '""'),
                  "        %s w;" % T,
                  "        std::string why;",
                  chk("%s::detail::from_c(*c.get(), &w, &why) == %s" % (N.ns, ok), "why"),
                  chk("w == v", '""')]
        o += ["    }",
              "    %s v;" % T,
              "    const auto before = v;",
              chk("v.set_%s(static_cast<%s>(%d)) == %s::Inval" % (ku.keyvar, K, unused_value(ku.key), E), '""', "    "),
              chk("v == before", '""', "    "),
              "}", ""]
    return o


def sample_tests(N, t, texts):
    T, S, E = camel(t.name), suite(N, t), N.error
    o = ["TEST(%s, CanonicalSamplesFromTheIdlModelParseAndReserialiseIdentically) {" % S,
         "    static const char *const samples[] = {"]
    o += ["        %s," % cstr(x) for x in texts]
    o += ["    };",
          "    for (const char *s : samples) {",
          "        %s v{};" % T,
          "        std::string out, why;",
          chk("from_json(s, &v, &why) == %s::Success" % E, "why + '\\n' + s"),
          chk("to_json(v, &out, &why) == %s::Success" % E, "why"),
          chk("out == s", "out + '\\n' + s"),
          "    }", "}", ""]
    return o


def test_file(m, N, includes, sample_list):
    ns = N.ns
    o = ["// DO NOT EDIT: generated by idl/gentest.py from %s." % os.path.basename(m.filename),
         "#include <%s>" % includes["c"], "#include <%s>" % includes["cxx"],
         '#include "%s"' % includes["internal"], "",
         "#include <cstdlib>", "#include <cstring>", "#include <iterator>", "#include <string>", "",
         "#include <gtest/gtest.h>", "",
         '#include "idl/gen_support.hpp"', "",
         "namespace {", "",
         "using namespace ::%s;" % ns,
         "using %s::random_value;" % SUPPORT, ""]
    if not N.is_core:
        o += ["using ::xlkit::Error;", ""]
    o += random_fns(N, m)
    o += strip_fns(N, m)
    o += c_random_fns(N, m)
    o += c_equal_fns(N, m)
    for t, texts in sample_list:
        if isinstance(t, idl.Enumeration):
            o += enum_tests(N, t)
        else:
            o += struct_tests(N, t)
        o += sample_tests(N, t, texts)
    o += ["}  // namespace"]
    return "\n".join(o) + "\n"


# =============================================================================
# the fuzz table


def fuzz_file(m, N, includes):
    ns = N.ns
    o = ["// DO NOT EDIT: generated by idl/gentest.py from %s." % os.path.basename(m.filename),
         "// Runs one fuzz input through every type's from_json, C++ and C.",
         "#include <%s>" % includes["c"], "#include <%s>" % includes["cxx"], "",
         '#include "fuzz/fuzz_support.hpp"', "",
         "namespace xlkit::fuzz {", "",
         "void fuzz_%s_types(std::string_view text) {" % ns]
    for t in m.types:
        T = "::%s::%s" % (ns, camel(t.name))
        if isinstance(t, idl.Enumeration):
            ct = N.c_type(t)
            o += ['    check_enum<%s, %s>(text, "%s", &%s, &%s);' % (T, ct, t.name, N.c_fn(t, "from_json"),
                                                               N.c_fn(t, "to_json"))]
        elif isinstance(t, idl.Struct):
            if t.union is not None and t.is_void:
                o += ['    (void)check_cxx<%s>(text, "%s");' % (T, t.name)]
            else:
                ct = N.c_type(t)
                o += ['    check_struct<%s, %s>(text, "%s", &%s, &%s, &%s, &%s, &%s);'
                      % (T, ct, t.name, N.c_fn(t, "from_json"), N.c_fn(t, "to_json"), N.c_fn(t, "copy"),
                         N.c_fn(t, "init"), N.c_fn(t, "dispose"))]
    o += ["}", "", "}  // namespace xlkit::fuzz"]
    return "\n".join(o) + "\n"


# =============================================================================


def main(argv=None):
    ap = argparse.ArgumentParser(description="tests and fuzz tables from an xlkit .idl file")
    ap.add_argument("idl")
    ap.add_argument("--c-header", required=True, metavar="INCLUDE")
    ap.add_argument("--cxx-header", required=True, metavar="INCLUDE")
    ap.add_argument("--internal-header", required=True, metavar="INCLUDE")
    ap.add_argument("--test", metavar="FILE")
    ap.add_argument("--fuzz", metavar="FILE")
    ap.add_argument("--corpus", metavar="DIR")
    a = ap.parse_args(argv)
    model = load_or_exit(a.idl, "gentest.py")
    N = Names(model)
    includes = {"c": a.c_header, "cxx": a.cxx_header, "internal": a.internal_header}
    sample_list = samples(model)
    if a.test:
        write_if_changed(a.test, test_file(model, N, includes, sample_list))
    if a.fuzz:
        write_if_changed(a.fuzz, fuzz_file(model, N, includes))
    if a.corpus:
        os.makedirs(a.corpus, exist_ok=True)
        for t, texts in sample_list:
            for i, text in enumerate(texts):
                write_if_changed(os.path.join(a.corpus, "%s-%s-%d.json" % (N.ns, t.name, i)), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
