#!/usr/bin/env python3
"""The .idl parser and checker (idl/idl.py), and gentypes.py's handling of a
malformed file: every error names the file, the line, the column and what is
wrong. Run by `make check` (automake runs it from the source tree)."""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
IDL_DIR = os.path.join(HERE, "..", "..", "idl")
sys.path.insert(0, IDL_DIR)
sys.dont_write_bytecode = True  # the source tree may be read-only (distcheck)

import idl  # noqa: E402

GOOD = """\
namespace demo

# The colour of a thing.
enum colour init GREEN {
    RED   = 1 "red, like blood"
    GREEN = 2   # the usual
}

struct thing {
    name   string
    col    colour
    count  uint8 init 7
    tags   array(string)
    key    union kind : colour {
        red {
            depth integer
        }
        green
    }
}
"""


def error_of(text):
    """The 'FILE:LINE:COL: error: WHAT' string for text, which must fail."""
    try:
        idl.parse(text, "t.idl")
    except idl.IdlError as e:
        return str(e)
    raise AssertionError("parsed without error:\n" + text)


def struct(body, before=""):
    return before + "struct s {\n" + body + "}\n"


class ParsesAWellFormedFile(unittest.TestCase):
    def test_builds_the_model_with_docs_defaults_and_members(self):
        m = idl.parse(GOOD, "good.idl")
        self.assertEqual(m.namespace, "demo")
        self.assertEqual([t.name for t in m.types], ["colour", "thing_red", "thing_green", "thing"])
        colour = m.by_name["colour"]
        self.assertEqual(colour.doc, "The colour of a thing.")
        self.assertEqual(colour.default.name, "GREEN")
        self.assertEqual(colour.values[0].description, "red, like blood")
        self.assertEqual(colour.values[1].doc, "the usual")
        thing = m.by_name["thing"]
        self.assertEqual(thing.field("count").default, 7)
        self.assertIsInstance(thing.field("tags").type, idl.Array)
        ku = thing.field("key").type
        self.assertEqual((ku.keyvar, ku.key.name), ("kind", "colour"))
        self.assertEqual([mem.json_key for mem in ku.members], ["kind.red", "kind.green"])
        self.assertEqual(ku.default.name, "GREEN", "the key starts at its enum's default")
        self.assertTrue(ku.member(colour.values[1]).struct.is_void)

    def test_enum_default_is_init_else_zero_else_first(self):
        m = idl.parse("enum a {\n X = 3\n Y = 0\n}\nenum b {\n P = 5\n Q = 6\n}\n", "e.idl")
        self.assertEqual(m.by_name["a"].default.name, "Y")
        self.assertEqual(m.by_name["b"].default.name, "P")

    def test_the_xlkit_idl_parses(self):
        m = idl.load(os.path.join(IDL_DIR, "xlkit_types.idl"))
        self.assertEqual(m.namespace, "xlkit")
        ev = m.by_name["event"]
        members = [mem.name for mem in ev.field("u").type.members]
        for want in ("domain_shutdown", "domain_death", "disk_eject", "operation_complete",
                     "domain_create_console_available", "helper_output"):
            self.assertIn(want, members)
        helper = m.by_name["event_helper_output"]
        self.assertEqual([f.name for f in helper.fields], ["stream", "line", "source"])
        err = m.by_name["error"]
        self.assertEqual(err.lookup("INVAL").value, -6)
        self.assertEqual(err.lookup("GUEST_TIMEDOUT").value, -8)


class RejectsMalformedFilesNamingTheLine(unittest.TestCase):
    def check(self, text, want):
        self.assertEqual(error_of(text), want)

    def test_unknown_type_suggests_the_closest_name(self):
        self.check(struct("    name stirng\n"),
                   "t.idl:2:10: error: unknown type 'stirng' (did you mean 'string'?) "
                   "(types must be defined before they are used)")

    def test_type_used_before_its_definition(self):
        self.check(struct("    c colour\n") + "enum colour {\n A = 1\n}\n",
                   "t.idl:2:7: error: unknown type 'colour' (types must be defined before they are used)")

    def test_duplicate_field(self):
        self.check(struct("    a integer\n    a string\n"),
                   "t.idl:3:5: error: struct s already has a field named 'a' (at t.idl:2:5)")

    def test_duplicate_type(self):
        self.check(struct("    a integer\n") + struct("    b integer\n"),
                   "t.idl:4:8: error: type 's' is already defined at t.idl:1:8")

    def test_builtin_name_cannot_be_redefined(self):
        self.check("enum uuid {\n A = 1\n}\n", "t.idl:1:6: error: type 'uuid' is already defined as a builtin type")

    def test_duplicate_enum_value_name_and_number(self):
        self.check("enum e {\n  A = 1\n  a = 2\n}\n",
                   "t.idl:3:3: error: enum e already has a value named 'A' (at t.idl:2:3; names are compared "
                   "ignoring case and as C++ CamelCase)")
        self.check("enum e {\n  A = 1\n  B = 1\n}\n", "t.idl:3:7: error: enum e: value 1 is already used by A")

    def test_enum_value_must_fit_a_c_int(self):
        self.check("enum e {\n  A = 2147483648\n}\n", "t.idl:2:7: error: enum value 2147483648 does not fit in a C int")

    def test_enum_without_values(self):
        self.check("enum e {\n}\n", "t.idl:1:6: error: enum 'e' has no values")

    def test_missing_equals_in_an_enum_value(self):
        self.check("enum e {\n  A 1\n}\n", "t.idl:2:5: error: expected '=' and the value's number, got '1'")

    def test_keyed_union_missing_a_member(self):
        self.check("enum k {\n  A = 1\n  B = 2\n}\n" + struct("    u union t : k {\n        a\n    }\n"),
                   "t.idl:8:5: error: keyed union 'u' has no member for b (every value of k needs one; "
                   "write 'b' alone on a line for a member without fields)")

    def test_keyed_union_member_that_is_not_a_key_value(self):
        self.check("enum k {\n  A = 1\n}\n" + struct("    u union t : k {\n        a\n        c\n    }\n"),
                   "t.idl:7:9: error: 'c' is not a value of enum k")

    def test_keyed_union_key_must_be_an_enum(self):
        self.check(struct("    u union t : integer {\n    }\n"),
                   "t.idl:2:17: error: the key of a keyed union must be an enum defined earlier; "
                   "'integer' is not defined")

    def test_keyed_union_member_named_like_a_keyword(self):
        self.check("enum k {\n  AUTO = 1\n}\n" + struct("    u union t : k {\n        auto\n    }\n"),
                   "t.idl:6:9: error: member 'auto' cannot be a C or C++ name (it is reserved); "
                   "rename the enum value")

    def test_field_clashing_with_the_key_field(self):
        self.check("enum k {\n  A = 1\n}\n" + struct("    kind integer\n    u union kind : k {\n        a\n    }\n"),
                   "t.idl:6:5: error: struct s already has field 'kind', which the keyed union would generate "
                   "(at t.idl:5:5)")

    def test_field_clashing_with_an_array_length(self):
        self.check(struct("    xs array(integer)\n    num_xs integer\n"),
                   "t.idl:3:5: error: struct s already has 'num_xs', the C length of array field 'xs' (at t.idl:2:5)")

    def test_reserved_and_badly_cased_names(self):
        self.check(struct("    class integer\n"), "t.idl:2:5: error: field name 'class' is reserved in C or C++")
        self.check(struct("    Name string\n"),
                   "t.idl:2:5: error: field name 'Name' must be lower_snake_case ([a-z][a-z0-9]* words "
                   "joined by single '_')")
        self.check("struct a__b {\n x integer\n}\n",
                   "t.idl:1:8: error: struct name 'a__b' must be lower_snake_case ([a-z][a-z0-9]* words "
                   "joined by single '_')")

    def test_names_that_meet_in_cxx_camel_case(self):
        self.check(struct("    x integer\n").replace("struct s", "struct a_1") + struct("    x integer\n").replace(
            "struct s", "struct a1"), "t.idl:4:8: error: type 'a1' would be spelled A1 in C++, like 'a_1' (at t.idl:1:8)")

    def test_bad_init_values(self):
        self.check(struct("    x uint8 init 256\n"),
                   "t.idl:2:18: error: bad init value for field 'x': 256 is out of range for uint8 (0..255)")
        self.check(struct("    x bool init 1\n"), "t.idl:2:17: error: bad init value for field 'x': expected true or false")
        self.check(struct("    x string init 1\n"),
                   "t.idl:2:19: error: bad init value for field 'x': string fields cannot have an init value "
                   "(the default is empty)")
        self.check("enum e {\n A = 1\n}\n" + struct("    x e init B\n"),
                   "t.idl:5:14: error: bad init value for field 'x': expected a value of enum e (one of A)")
        self.check("enum e init Z {\n A = 1\n}\n", "t.idl:1:13: error: init value 'Z' is not a value of enum e")

    def test_unknown_field_option(self):
        self.check(struct("    x integer privat\n"),
                   "t.idl:2:15: error: unknown field option 'privat' (did you mean 'private'?) "
                   "(options: init, private, deprecated_by)")

    def test_bad_deprecated_by(self):
        self.check(struct("    x integer deprecated_by y\n"),
                   "t.idl:2:29: error: deprecated_by: struct s has no field 'y'")
        self.check(struct("    x integer deprecated_by y\n    y string\n"),
                   "t.idl:2:29: error: deprecated_by: 'x' and 'y' must have the same type")
        self.check(struct("    x integer deprecated_by x\n"),
                   "t.idl:2:29: error: field 'x' cannot be deprecated by itself")

    def test_arrays_of_arrays(self):
        self.check(struct("    x array(array(integer))\n"),
                   "t.idl:2:13: error: arrays of arrays are not supported (wrap the inner array in a struct)")

    def test_unclosed_struct(self):
        self.check("struct s {\n    x integer\n", "t.idl:3:1: error: missing '}' closing struct 's' (opened at t.idl:1:8)")

    def test_empty_struct(self):
        self.check("struct s {\n}\n", "t.idl:1:8: error: struct 's' has no fields (C has no empty structs)")

    def test_stray_characters_and_strings(self):
        self.check(struct("    x integer;\n"), "t.idl:2:14: error: unexpected character ';'")
        self.check('enum e {\n A = 1 "oops\n}\n', "t.idl:2:8: error: unterminated string")

    def test_namespace_must_come_first(self):
        self.check("enum e {\n A = 1\n}\nnamespace x\n",
                   "t.idl:4:1: error: 'namespace' must be the first declaration in the file")

    def test_top_level_garbage(self):
        self.check("typedef int x\n", "t.idl:1:1: error: expected 'enum' or 'struct', got 'typedef'")

    def test_member_struct_is_not_a_field_type(self):
        self.check("enum k {\n A = 1\n}\n" + struct("    u union t : k {\n        a {\n            x integer\n"
                                                   "        }\n    }\n") + "struct t {\n    y s_a\n}\n",
                   "t.idl:12:7: error: 's_a' is a keyed-union member; it cannot be used as a field type")


class GentypesReportsErrorsAndWritesNothing(unittest.TestCase):
    def test_exit_status_message_and_no_outputs(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.idl")
            with open(bad, "w") as f:
                f.write("struct s {\n    x strng\n}\n")
            outs = [os.path.join(d, n) for n in ("a.h", "a.hpp", "i.hpp", "a.cpp", "c.cpp")]
            r = subprocess.run([sys.executable, os.path.join(IDL_DIR, "gentypes.py"), bad,
                                "--c-header", outs[0] + ":a.h", "--cxx-header", outs[1] + ":a.hpp",
                                "--internal-header", outs[2] + ":i.hpp", "--cxx-impl", outs[3],
                                "--c-impl", outs[4]],
                               capture_output=True, text=True, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr, "%s:2:7: error: unknown type 'strng' (did you mean 'string'?) "
                                       "(types must be defined before they are used)\n" % bad)
            self.assertEqual(r.stdout, "")
            for o in outs:
                self.assertFalse(os.path.exists(o), o)

    def test_xlkit_namespace_needs_the_error_enum(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "core.idl")
            with open(bad, "w") as f:
                f.write("enum error {\n  SUCCESS = 0\n  NOMEM = -5\n}\n")
            r = subprocess.run([sys.executable, os.path.join(IDL_DIR, "gentypes.py"), bad,
                                "--c-header", d + "/a.h:a.h", "--cxx-header", d + "/a.hpp:a.hpp",
                                "--internal-header", d + "/i.hpp:i.hpp", "--cxx-impl", d + "/a.cpp",
                                "--c-impl", d + "/c.cpp"],
                               capture_output=True, text=True, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr, "%s:1:6: error: enum error must have INVAL\n" % bad)


if __name__ == "__main__":
    unittest.main(verbosity=1)
