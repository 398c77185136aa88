"""genlib.py: how IDL names and types are spelled in C and C++; shared by
gentypes.py and gentest.py.

For namespace ns (default xlkit) and an IDL type named foo_bar:
    C type          ns_foo_bar          C functions   ns_foo_bar_init ...
    C enum value    NS_FOO_BAR_VALUE    C++ type      ns::FooBar
    C++ enum value  ns::FooBar::Value   internals     ns::detail::idl::gen_foo_bar ...
Builtin types live in namespace xlkit whatever ns is (another namespace's
generated headers include xlkit's).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import idl  # noqa: E402
from idl import camel  # noqa: E402

RT = "::xlkit::detail::idl"   # the hand-written runtime (libxl/src/idl/runtime.hpp)

# builtin name -> (C type, C++ type in namespace xlkit)
BUILTIN_TYPES = {
    "bool": ("bool", "bool"),
    "string": ("char *", "std::string"),
    "integer": ("int", "int"),
    "int64": ("int64_t", "std::int64_t"),
    "uint8": ("uint8_t", "std::uint8_t"),
    "uint16": ("uint16_t", "std::uint16_t"),
    "uint32": ("uint32_t", "std::uint32_t"),
    "uint64": ("uint64_t", "std::uint64_t"),
    "domid": ("xlkit_domid", "Domid"),
    "uuid": ("xlkit_uuid", "Uuid"),
    "mac": ("xlkit_mac", "Mac"),
}


class Names:
    def __init__(self, model):
        self.idl = model
        self.ns = model.namespace
        self.NS = self.ns.upper()
        self.is_core = self.ns == "xlkit"

    # ---- C
    def c_type(self, t):
        if isinstance(t, idl.Builtin):
            return BUILTIN_TYPES[t.name][0]
        assert isinstance(t, (idl.Enumeration, idl.Struct)), t
        return "%s_%s" % (self.ns, t.name)

    def c_fn(self, t, what):
        return "%s_%s_%s" % (self.ns, t.name, what)

    def c_value(self, v):
        return "%s_%s_%s" % (self.NS, v.enum.name.upper(), v.upper)

    def c_decl(self, t, name):
        """A C declaration of name with type t ('char *name', 'int name')."""
        ct = self.c_type(t)
        return ct + name if ct.endswith("*") else "%s %s" % (ct, name)

    def c_literal(self, t, v):
        if isinstance(t, idl.Enumeration):
            return self.c_value(v)
        if isinstance(t, idl.Bool):
            return "true" if v else "false"
        return int_literal(t, v, "c")

    # ---- C++
    def cxx_builtin(self, name):
        """A C++ name from namespace xlkit, qualified when generating another
        namespace (Error, Uuid, Domid)."""
        return name if self.is_core else "::xlkit::" + name

    @property
    def error(self):
        return self.cxx_builtin("Error")

    def cxx_type(self, t):
        if isinstance(t, idl.Builtin):
            cxx = BUILTIN_TYPES[t.name][1]
            return self.cxx_builtin(cxx) if cxx in ("Uuid", "Mac", "Domid") else cxx
        if isinstance(t, idl.Array):
            return "std::vector<%s>" % self.cxx_type(t.elem)
        assert isinstance(t, (idl.Enumeration, idl.Struct)), t
        return camel(t.name)

    def cxx_value(self, v):
        return "%s::%s" % (camel(v.enum.name), camel(v.name))

    def cxx_literal(self, t, v):
        if isinstance(t, idl.Enumeration):
            return self.cxx_value(v)
        if isinstance(t, idl.Bool):
            return "true" if v else "false"
        return int_literal(t, v, "c++")

    def cxx_default(self, f):
        """A C++ expression for field f's default value."""
        t = f.type
        if isinstance(t, (idl.Number, idl.Bool, idl.Enumeration)):
            return self.cxx_literal(t, f.default)
        return "%s{}" % self.cxx_type(t)

    def is_default_expr(self, f, v):
        """A C++ expression true when v (field f's value) is its default."""
        t = f.type
        if isinstance(t, (idl.String, idl.Array)):
            return "%s.empty()" % v
        if isinstance(t, (idl.Number, idl.Bool, idl.Enumeration)):
            return "%s == %s" % (v, self.cxx_literal(t, f.default))
        return "%s == %s{}" % (v, self.cxx_type(t))

    # ---- internals (namespace ns::detail::idl)
    def fn(self, what, t):
        return "%s_%s" % (what, t.name)

    def table(self, t):
        return "k_%s_values" % t.name

    # gen / parse / to_c / from_c call expressions for a value of type t
    def gen_call(self, t, v, out, err="err"):
        if isinstance(t, idl.Bool):
            return "%s::gen_bool(%s, %s, %s)" % (RT, v, out, err)
        if isinstance(t, idl.String):
            return "%s::gen_string(%s, %s, %s)" % (RT, v, out, err)
        if isinstance(t, idl.Uuid):
            return "%s::gen_%s(%s, %s, %s)" % (RT, t.name, v, out, err)
        if isinstance(t, idl.Number):
            return "%s::gen_int<%s>(%s, %s, %s)" % (RT, self.cxx_type(t), v, out, err)
        if isinstance(t, idl.Array):
            et = self.cxx_type(t.elem)
            arg = et if is_scalar(t.elem) else "const %s &" % et
            return ("%s::gen_array(%s, %s, %s, [](%s elem, boost::json::value &slot, %s::PathError &e) {\n"
                    "            return %s;\n        })"
                    % (RT, v, out, err, arg, RT, self.gen_call(t.elem, "elem", "slot", "e")))
        return "%s(%s, %s, %s)" % (self.fn("gen", t), v, out, err)

    def parse_call(self, t, inp, outp, err="err"):
        if isinstance(t, idl.Bool):
            return "%s::parse_bool(%s, %s, %s)" % (RT, inp, outp, err)
        if isinstance(t, idl.String):
            return "%s::parse_string(%s, %s, %s)" % (RT, inp, outp, err)
        if isinstance(t, idl.Uuid):
            return "%s::parse_%s(%s, %s, %s)" % (RT, t.name, inp, outp, err)
        if isinstance(t, idl.Number):
            return '%s::parse_int<%s>(%s, %s, %s, "%s")' % (RT, self.cxx_type(t), inp, outp, err, t.name)
        if isinstance(t, idl.Array):
            return ("%s::parse_array(%s, %s, %s, [](const boost::json::value &elem, %s *slot, %s::PathError &e) {\n"
                    "            return %s;\n        })"
                    % (RT, inp, outp, err, self.cxx_type(t.elem), RT, self.parse_call(t.elem, "elem", "slot", "e")))
        return "%s(%s, %s, %s)" % (self.fn("parse", t), inp, outp, err)

    def to_c_call(self, t, v, outp, err="err"):
        if isinstance(t, idl.String):
            return "%s::to_c_string(%s, %s, %s)" % (RT, v, outp, err)
        if isinstance(t, idl.Uuid):
            return "%s::to_c_%s(%s, %s, %s)" % (RT, t.name, v, outp, err)
        if is_scalar(t):
            return "%s::to_c_scalar(%s, %s, %s)" % (RT, v, outp, err)
        assert isinstance(t, idl.Struct)
        return "%s(%s, %s, %s)" % (self.fn("to_c", t), v, outp, err)

    def from_c_call(self, t, v, outp, err="err"):
        if isinstance(t, idl.String):
            return "%s::from_c_string(%s, %s, %s)" % (RT, v, outp, err)
        if isinstance(t, idl.Uuid):
            return "%s::from_c_%s(%s, %s, %s)" % (RT, t.name, v, outp, err)
        if is_scalar(t):
            return "%s::from_c_scalar(%s, %s, %s)" % (RT, v, outp, err)
        assert isinstance(t, idl.Struct)
        return "%s(%s, %s, %s)" % (self.fn("from_c", t), v, outp, err)


def is_scalar(t):
    """Passed by value, converted between C and C++ by a cast."""
    return isinstance(t, (idl.Bool, idl.Number, idl.Enumeration))


def int_literal(t, v, lang):
    if t.name in ("int64",):
        if v == t.min:
            return "INT64_MIN"
        return "INT64_C(%d)" % v
    if t.name == "uint64":
        return "UINT64_C(%d)" % v
    if t.width == 32 and not t.signed:
        return "%du" % v
    if t.width == 32 and v == t.min:
        return "(-2147483647 - 1)"
    return "%d" % v


def c_comment(doc, indent=""):
    if not doc:
        return []
    lines = doc.split("\n")
    if len(lines) == 1:
        return ["%s/* %s */" % (indent, lines[0].replace("*/", "* /"))]
    out = ["%s/* %s" % (indent, lines[0].replace("*/", "* /"))]
    out += ["%s * %s" % (indent, l.replace("*/", "* /")) if l else "%s *" % indent for l in lines[1:]]
    out[-1] += " */"
    return out


def cxx_comment(doc, indent=""):
    if not doc:
        return []
    return ["%s// %s" % (indent, l) if l else "%s//" % indent for l in doc.split("\n")]


def cstr(s):
    """A C/C++ string literal."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\%03o" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def write_if_changed(path, text):
    """Writes path unless it already holds text (keeps mtimes, so that a
    generator change that alters nothing recompiles nothing)."""
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def load_or_exit(path, prog):
    try:
        return idl.load(path)
    except idl.IdlError as e:
        sys.stderr.write("%s\n" % e)
        sys.exit(1)
    except OSError as e:
        sys.stderr.write("%s: cannot read %s: %s\n" % (prog, path, e.strerror))
        sys.exit(1)


def struct_types(model):
    """Structs in definition order."""
    return [t for t in model.types if isinstance(t, idl.Struct)]


def c_structs(model):
    """Structs that have a C type (void union members have none)."""
    return [t for t in struct_types(model) if not (t.union is not None and t.is_void)]


def json_fields(st):
    """Fields written to and read from JSON (not private, not deprecated)."""
    return [f for f in st.fields if f.in_json and f.deprecated_by is None]
