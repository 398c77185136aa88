"""idl.py: the xlkit type model and the parser for .idl files.

The model follows libxl's idl.py (Builtin, Number/UInt, Enumeration, Struct,
KeyedUnion, Array, fields with options) but the .idl files are not Python: they
use the small line-oriented grammar documented in docs/idl.md, so that a
malformed file gets an error naming the file, the line, the column and what is
wrong, instead of a Python traceback.

    load(path) -> Idl          parse and check a file (raises IdlError)
    parse(text, filename) -> Idl

Generators (gentypes.py, gentest.py) only read the model; nothing here knows
about C or C++ beyond the identifiers that must not be used as names.
"""

import difflib
import re

__all__ = [
    "IdlError", "Loc", "Idl", "Type", "Builtin", "Bool", "String", "Number",
    "UInt", "Uuid", "Mac", "Enumeration", "EnumValue", "Struct", "Field",
    "KeyedUnion", "UnionMember", "Array", "load", "parse", "BUILTINS",
]


# ---------------------------------------------------------------------------
# Errors


class Loc:
    """A position in an .idl file (1-based line and column)."""

    __slots__ = ("file", "line", "col")

    def __init__(self, file, line, col):
        self.file, self.line, self.col = file, line, col

    def __str__(self):
        return "%s:%d:%d" % (self.file, self.line, self.col)


class IdlError(Exception):
    """A malformed .idl file: str() is 'FILE:LINE:COL: error: WHAT'."""

    def __init__(self, loc, msg):
        super().__init__(msg)
        self.loc, self.msg = loc, msg

    def __str__(self):
        return "%s: error: %s" % (self.loc, self.msg)


# ---------------------------------------------------------------------------
# The model


class Type:
    """Base of every type. name is the IDL name (snake_case, no prefix)."""

    kind = "type"

    def __init__(self, name, doc="", loc=None):
        self.name, self.doc, self.loc = name, doc, loc

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.name)


class Builtin(Type):
    """A type predefined by the IDL. Generators map each builtin to its C and
    C++ spelling and to named runtime helpers (libxl/src/idl/json.hpp); no code
    is generated for the builtin itself."""

    kind = "builtin"


class Bool(Builtin):
    def check_init(self, lit):
        if not isinstance(lit, bool):
            return "expected true or false"
        return None

    def zero(self):
        return False


class String(Builtin):
    """A UTF-8 string without NUL bytes. C: char * (NULL and "" are the same
    value); C++: std::string. No init option: the default is empty."""

    def check_init(self, lit):
        return "string fields cannot have an init value (the default is empty)"

    def zero(self):
        return ""


class Uuid(Builtin):
    """16 bytes; JSON as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"."""

    def check_init(self, lit):
        return "uuid fields cannot have an init value (the default is nil)"

    def zero(self):
        return None


class Mac(Uuid):
    """6 bytes, an Ethernet address; JSON as "xx:xx:xx:xx:xx:xx". The C type
    is an array (uint8_t[6]), as libxl_mac is."""

    def check_init(self, lit):
        return "mac fields cannot have an init value (the default is all zero)"


class Number(Builtin):
    """A signed integer of the given width (integer is C int, 32 bits)."""

    signed = True

    def __init__(self, name, width, doc=""):
        super().__init__(name, doc)
        self.width = width
        if self.signed:
            self.min, self.max = -(1 << (width - 1)), (1 << (width - 1)) - 1
        else:
            self.min, self.max = 0, (1 << width) - 1

    def check_init(self, lit):
        if isinstance(lit, bool) or not isinstance(lit, int):
            return "expected an integer for %s" % self.name
        if not self.min <= lit <= self.max:
            return "%d is out of range for %s (%d..%d)" % (lit, self.name, self.min, self.max)
        return None

    def zero(self):
        return 0


class UInt(Number):
    """uint8, uint16, uint32, uint64 (and domid, a uint32)."""

    signed = False


BUILTINS = {
    "bool": Bool("bool"),
    "string": String("string"),
    "integer": Number("integer", 32),
    "int64": Number("int64", 64),
    "uint8": UInt("uint8", 8),
    "uint16": UInt("uint16", 16),
    "uint32": UInt("uint32", 32),
    "uint64": UInt("uint64", 64),
    "domid": UInt("domid", 32, doc="a domain id"),
    "uuid": Uuid("uuid"),
    "mac": Mac("mac"),
}


class EnumValue:
    """One value. name is as written (any case); the C constant uses
    name.upper(), JSON and to_string use name.lower()."""

    def __init__(self, enum, name, value, description, doc, loc):
        self.enum, self.name, self.value = enum, name, value
        self.description, self.doc, self.loc = description, doc, loc

    @property
    def lower(self):
        return self.name.lower()

    @property
    def upper(self):
        return self.name.upper()

    def __repr__(self):
        return "<EnumValue %s.%s=%d>" % (self.enum.name, self.name, self.value)


class Enumeration(Type):
    """Named integer values. default is the value a field of this type starts
    with: the enum's init option, else the value 0 if it has one, else the
    first value."""

    kind = "enum"

    def __init__(self, name, doc="", loc=None):
        super().__init__(name, doc, loc)
        self.values = []
        self.init = None

    @property
    def default(self):
        if self.init is not None:
            return self.init
        for v in self.values:
            if v.value == 0:
                return v
        return self.values[0]

    @property
    def has_descriptions(self):
        return any(v.description is not None for v in self.values)

    def lookup(self, name):
        for v in self.values:
            if v.lower == name.lower():
                return v
        return None

    def check_init(self, lit):
        if not isinstance(lit, str) or self.lookup(lit) is None:
            return "expected a value of enum %s (one of %s)" % (
                self.name, ", ".join(v.upper for v in self.values))
        return None

    def zero(self):
        return self.default


class Field:
    """A member of a Struct. init is None (the type's default) or a Python
    value: int, bool or EnumValue. deprecated_by is the Field that replaces
    this one (same struct, same type); private fields are not in JSON."""

    def __init__(self, struct, name, type, doc, loc):
        self.struct, self.name, self.type = struct, name, type
        self.doc, self.loc = doc, loc
        self.init = None
        self.private = False
        self.deprecated_by = None
        self.deprecates = []   # fields whose deprecated_by is this one

    @property
    def default(self):
        """The value this field starts with (None for aggregates, strings'
        default is "" and uuid's is None = nil)."""
        if self.init is not None:
            return self.init
        if isinstance(self.type, (Builtin, Enumeration)):
            return self.type.zero()
        return None

    @property
    def in_json(self):
        return not self.private

    def __repr__(self):
        return "<Field %s.%s: %r>" % (self.struct.name, self.name, self.type)


class Struct(Type):
    """An aggregate. A Struct that is a keyed-union member has union set (and a
    name <parent>_<member>); a member with no fields is 'void': it has no C
    type, but it has a (empty) C++ struct so std::variant can hold it."""

    kind = "struct"

    def __init__(self, name, doc="", loc=None, union=None):
        super().__init__(name, doc, loc)
        self.fields = []
        self.union = union

    @property
    def is_void(self):
        return not self.fields

    def field(self, name):
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def public_fields(self):
        """Fields present in the C++ struct (deprecated ones are C only)."""
        return [f for f in self.fields if f.deprecated_by is None]


class UnionMember:
    def __init__(self, value, struct, loc):
        self.value, self.struct, self.loc = value, struct, loc

    @property
    def name(self):
        return self.value.lower

    @property
    def json_key(self):
        return "%s.%s" % (self.union.keyvar, self.name)


class KeyedUnion(Type):
    """A union whose live member is chosen by keyvar, a field of enum type key
    placed in the parent struct. Every value of key has exactly one member
    (possibly void). The key starts at init (or key.default)."""

    kind = "union"

    def __init__(self, parent, keyvar, key, doc="", loc=None):
        super().__init__(None, doc, loc)
        self.parent, self.keyvar, self.key = parent, keyvar, key
        self.members = []
        self.init = None

    @property
    def default(self):
        return self.init if self.init is not None else self.key.default

    def member(self, value):
        for m in self.members:
            if m.value is value:
                return m
        return None

    def member_for(self, struct):
        for m in self.members:
            if m.struct is struct:
                return m
        return None

    @property
    def default_member(self):
        return self.member(self.default)

    @property
    def c_members(self):
        return [m for m in self.members if not m.struct.is_void]


class Array(Type):
    """A variable-length array. C: int num_<field> plus a pointer; C++:
    std::vector. Elements are any builtin, enum or struct."""

    kind = "array"

    def __init__(self, elem, loc=None):
        super().__init__(None, "", loc)
        self.elem = elem


class Idl:
    """A parsed file: namespace (C prefix namespace_, macros NAMESPACE_, C++
    namespace) and types in definition order, keyed-union member structs
    listed just before their parent."""

    def __init__(self, filename):
        self.filename = filename
        self.namespace = "xlkit"
        self.types = []
        self.by_name = {}

    @property
    def enums(self):
        return [t for t in self.types if isinstance(t, Enumeration)]

    @property
    def structs(self):
        return [t for t in self.types if isinstance(t, Struct)]


# ---------------------------------------------------------------------------
# Names

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
VALUE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$")

# Not usable as field names: C and C++ keywords, and macros predefined by GCC
# in GNU modes or by the C library.
RESERVED = set("""
alignas alignof and and_eq asm auto bitand bitor bool break case catch char
char8_t char16_t char32_t class compl concept const consteval constexpr
constinit const_cast continue co_await co_return co_yield decltype default
delete do double dynamic_cast else enum explicit export extern false float for
friend goto if inline int long mutable namespace new noexcept not not_eq
nullptr operator or or_eq private protected public register reinterpret_cast
requires restrict return short signed sizeof static static_assert static_cast
struct switch template this thread_local throw true try typedef typeid typename
union unsigned using virtual void volatile wchar_t while xor xor_eq
_Bool _Complex _Imaginary errno stdin stdout stderr unix linux i386 NULL
""".split())




def camel(name):
    """lower_snake or UPPER_SNAKE to CamelCase: domain_config -> DomainConfig,
    GUEST_TIMEDOUT -> GuestTimedout (the C++ spelling of types and values)."""
    return "".join(w[:1].upper() + w[1:].lower() for w in name.split("_"))


# ---------------------------------------------------------------------------
# Tokenizer

TOKEN_RE = re.compile(r"""
    (?P<ws>[ \t\r]+)
  | (?P<comment>\#.*)
  | (?P<int>-?(?:0[xX][0-9a-fA-F]+|[0-9]+)(?![A-Za-z0-9_]))
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<punct>[{}()=:])
""", re.VERBOSE)


class Token:
    __slots__ = ("kind", "text", "loc", "doc")

    def __init__(self, kind, text, loc, doc=""):
        self.kind, self.text, self.loc, self.doc = kind, text, loc, doc

    def describe(self):
        if self.kind == "nl":
            return "end of line"
        if self.kind == "eof":
            return "end of file"
        return "'%s'" % self.text


def tokenize(text, filename):
    """Tokens, one 'nl' per line that has code, then 'eof'. Comments become
    docs: a run of comment-only lines right above a code line (no blank line
    between) is the doc of that line's first token; a comment after code is
    the doc of that line's 'nl' token."""
    toks = []
    pending = []
    lines = text.split("\n")
    for lineno, line in enumerate(lines, 1):
        pos = 0
        code = []
        trailing = ""
        while pos < len(line):
            loc = Loc(filename, lineno, pos + 1)
            m = TOKEN_RE.match(line, pos)
            if not m:
                if line[pos] == '"':
                    raise IdlError(loc, "unterminated string")
                raise IdlError(loc, "unexpected character %r" % line[pos])
            kind = m.lastgroup
            pos = m.end()
            if kind == "ws":
                continue
            if kind == "comment":
                trailing = m.group(kind)[1:].strip()
                break
            code.append(Token(kind, m.group(kind), loc))
        if not code:
            if trailing or line.strip().startswith("#"):
                pending.append(trailing)
            else:
                pending = []        # a blank line cuts a doc block off
            continue
        code[0].doc = "\n".join(pending).strip("\n")
        pending = []
        toks.extend(code)
        toks.append(Token("nl", "\n", Loc(filename, lineno, len(line) + 1), trailing))
    end = Loc(filename, len(lines), len(lines[-1]) + 1)
    toks.append(Token("eof", "", end))
    return toks


# ---------------------------------------------------------------------------
# Parser


def _suggest(word, choices):
    close = difflib.get_close_matches(word, list(choices), n=1)
    return " (did you mean '%s'?)" % close[0] if close else ""


def _unescape(tok):
    body = tok.text[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            nxt = body[i + 1]
            if nxt not in '"\\':
                raise IdlError(tok.loc, "unknown escape '\\%s' in string (only \\\" and \\\\)" % nxt)
            out.append(nxt)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Parser:
    def __init__(self, text, filename):
        self.filename = filename
        self.toks = tokenize(text, filename)
        self.i = 0
        self.idl = Idl(filename)
        self.camels = {camel(n): BUILTINS[n] for n in ("uuid", "mac", "domid")}

    # -- token helpers
    @property
    def tok(self):
        return self.toks[self.i]

    def next(self):
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def error(self, msg, tok=None):
        raise IdlError((tok or self.tok).loc, msg)

    def expect(self, kind, text=None, what=None):
        t = self.tok
        if t.kind != kind or (text is not None and t.text != text):
            want = what or ("'%s'" % text if text else {"name": "a name", "int": "an integer",
                                                        "string": "a string", "nl": "end of line"}[kind])
            self.error("expected %s, got %s" % (want, t.describe()))
        return self.next()

    def at(self, kind, text=None):
        t = self.tok
        return t.kind == kind and (text is None or t.text == text)

    def end_of_line(self):
        """Consumes the 'nl' ending a declaration line; returns its trailing
        comment."""
        t = self.tok
        if t.kind != "nl":
            self.error("expected end of line, got %s" % t.describe())
        self.next()
        return t.doc

    # -- names
    def check_name(self, tok, what):
        if not NAME_RE.match(tok.text):
            self.error("%s name '%s' must be lower_snake_case ([a-z][a-z0-9]* words joined by single '_')"
                       % (what, tok.text), tok)
        if tok.text in RESERVED:
            self.error("%s name '%s' is reserved in C or C++" % (what, tok.text), tok)

    def define(self, ty, tok):
        prev = self.idl.by_name.get(ty.name)
        if ty.name in BUILTINS:
            self.error("type '%s' is already defined as a builtin type" % ty.name, tok)
        if prev is not None:
            self.error("type '%s' is already defined at %s" % (ty.name, prev.loc), tok)
        self.claim_camel(ty, tok)
        self.idl.by_name[ty.name] = ty

    def claim_camel(self, ty, tok):
        """C++ type names are CamelCase; two IDL names must not meet there."""
        c = camel(ty.name)
        other = self.camels.get(c)
        if other is not None:
            self.error("type '%s' would be spelled %s in C++, like '%s' (at %s)"
                       % (ty.name, c, other.name, other.loc), tok)
        self.camels[c] = ty

    # -- file
    def parse(self):
        if self.at("name", "namespace"):
            kw = self.next()
            n = self.expect("name", what="a namespace name")
            if not re.match(r"^[a-z][a-z0-9]*$", n.text):
                self.error("namespace '%s' must be lowercase letters and digits" % n.text, n)
            self.idl.namespace = n.text
            self.end_of_line()
            del kw
        while not self.at("eof"):
            t = self.tok
            if t.kind == "name" and t.text == "enum":
                self.parse_enum()
            elif t.kind == "name" and t.text == "struct":
                self.parse_struct()
            elif t.kind == "name" and t.text == "namespace":
                self.error("'namespace' must be the first declaration in the file")
            else:
                self.error("expected 'enum' or 'struct', got %s" % t.describe())
        return self.idl

    # -- enum NAME [init VALUE] {
    def parse_enum(self):
        kw = self.next()
        ntok = self.expect("name", what="an enum name")
        self.check_name(ntok, "enum")
        en = Enumeration(ntok.text, kw.doc, ntok.loc)
        self.define(en, ntok)
        init_tok = None
        if self.at("name", "init"):
            self.next()
            init_tok = self.expect("name", what="an enum value name after 'init'")
        self.expect("punct", "{")
        en.doc = (en.doc + "\n" + self.end_of_line()).strip()
        seen_names, seen_values = {}, {}
        while not self.at("punct", "}"):
            if self.at("eof"):
                self.error("missing '}' closing enum '%s' (opened at %s)" % (en.name, ntok.loc))
            vtok = self.expect("name", what="an enum value name or '}'")
            if not VALUE_RE.match(vtok.text):
                self.error("enum value name '%s' must be letters and digits in words joined by single '_'"
                           % vtok.text, vtok)
            self.expect("punct", "=", what="'=' and the value's number")
            itok = self.expect("int", what="an integer")
            num = int(itok.text, 0)
            if not -(1 << 31) <= num < (1 << 31):
                self.error("enum value %s does not fit in a C int" % itok.text, itok)
            desc = None
            if self.at("string"):
                desc = _unescape(self.next())
            trailing = self.end_of_line()
            key = camel(vtok.text)
            if key in seen_names:
                self.error("enum %s already has a value named '%s' (at %s; names are compared "
                           "ignoring case and as C++ CamelCase)"
                           % (en.name, seen_names[key].name, seen_names[key].loc), vtok)
            if num in seen_values:
                self.error("enum %s: value %d is already used by %s"
                           % (en.name, num, seen_values[num].upper), itok)
            v = EnumValue(en, vtok.text, num, desc, (vtok.doc + "\n" + trailing).strip(), vtok.loc)
            seen_names[key] = v
            seen_values[num] = v
            en.values.append(v)
        self.next()
        self.end_of_line()
        if not en.values:
            self.error("enum '%s' has no values" % en.name, ntok)
        if init_tok is not None:
            v = en.lookup(init_tok.text)
            if v is None:
                self.error("init value '%s' is not a value of enum %s%s"
                           % (init_tok.text, en.name, _suggest(init_tok.text.upper(), [x.upper for x in en.values])),
                           init_tok)
            en.init = v
        self.idl.types.append(en)

    # -- struct NAME {
    def parse_struct(self):
        kw = self.next()
        ntok = self.expect("name", what="a struct name")
        self.check_name(ntok, "struct")
        st = Struct(ntok.text, kw.doc, ntok.loc)
        self.define(st, ntok)
        self.expect("punct", "{")
        st.doc = (st.doc + "\n" + self.end_of_line()).strip()
        pending = []
        self.parse_fields(st, ntok, pending)
        self.end_of_line()
        if not st.fields:
            self.error("struct '%s' has no fields (C has no empty structs)" % st.name, ntok)
        self.idl.types.extend(pending)
        self.idl.types.append(st)

    def parse_fields(self, st, open_tok, out_types):
        """Fields up to and including the closing '}'; member structs of keyed
        unions are appended to out_types (before their parent)."""
        fixups = []
        while not self.at("punct", "}"):
            if self.at("eof"):
                self.error("missing '}' closing struct '%s' (opened at %s)" % (st.name, open_tok.loc))
            ftok = self.expect("name", what="a field name or '}'")
            self.check_name(ftok, "field")
            if self.at("name", "union"):
                self.parse_union(st, ftok, out_types)
                continue
            ty = self.parse_type()
            f = Field(st, ftok.text, ty, ftok.doc, ftok.loc)
            while not self.at("nl"):
                otok = self.expect("name", what="a field option (init, private, deprecated_by) or end of line")
                if otok.text == "init":
                    if f.init is not None:
                        self.error("field '%s' already has an init value" % f.name, otok)
                    f.init = self.parse_literal(f, otok)
                elif otok.text == "private":
                    if f.private:
                        self.error("field '%s' is already private" % f.name, otok)
                    f.private = True
                elif otok.text == "deprecated_by":
                    if f.deprecated_by is not None:
                        self.error("field '%s' already has deprecated_by" % f.name, otok)
                    f.deprecated_by = self.expect("name", what="the name of the field that replaces this one")
                else:
                    self.error("unknown field option '%s'%s (options: init, private, deprecated_by)"
                               % (otok.text, _suggest(otok.text, ["init", "private", "deprecated_by"])), otok)
            trailing = self.end_of_line()
            f.doc = (f.doc + "\n" + trailing).strip()
            self.add_field(st, f, ftok)
            if f.deprecated_by is not None:
                fixups.append(f)
        self.next()
        for f in fixups:
            self.resolve_deprecated(st, f)

    def add_field(self, st, f, tok):
        for g in st.fields:
            clash = None
            if g.name == f.name:
                clash = "a field named '%s'" % f.name
            elif isinstance(g.type, Array) and f.name == "num_" + g.name:
                clash = "'num_%s', the C length of array field '%s'" % (g.name, g.name)
            elif isinstance(f.type, Array) and g.name == "num_" + f.name:
                clash = "field '%s', which would be the C length of array '%s'" % (g.name, f.name)
            elif isinstance(g.type, KeyedUnion) and f.name in (g.type.keyvar, "set_" + g.type.keyvar):
                clash = "'%s', generated for the keyed union '%s'" % (f.name, g.name)
            elif isinstance(f.type, KeyedUnion) and g.name in (f.type.keyvar, "set_" + f.type.keyvar):
                clash = "field '%s', which the keyed union would generate" % g.name
            elif (isinstance(f.type, KeyedUnion) and isinstance(g.type, KeyedUnion)
                  and f.type.keyvar == g.type.keyvar):
                clash = "keyed union '%s' with the same key field '%s'" % (g.name, f.type.keyvar)
            if clash:
                self.error("struct %s already has %s (at %s)" % (st.name, clash, g.loc), tok)
        st.fields.append(f)

    def resolve_deprecated(self, st, f):
        tok = f.deprecated_by
        target = st.field(tok.text)
        if target is None:
            self.error("deprecated_by: struct %s has no field '%s'%s"
                       % (st.name, tok.text, _suggest(tok.text, [g.name for g in st.fields])), tok)
        if target is f:
            self.error("field '%s' cannot be deprecated by itself" % f.name, tok)
        if isinstance(target.deprecated_by, (Field, Token)):
            self.error("deprecated_by: '%s' is itself deprecated" % target.name, tok)
        if target.type is not f.type and not (isinstance(target.type, Array) and isinstance(f.type, Array)
                                              and target.type.elem is f.type.elem):
            self.error("deprecated_by: '%s' and '%s' must have the same type" % (f.name, target.name), tok)
        if f.private or target.private:
            self.error("deprecated_by: neither field may be private (they meet in JSON)", tok)
        f.deprecated_by = target
        target.deprecates.append(f)

    def parse_type(self):
        t = self.tok
        if t.kind != "name":
            self.error("expected a type, got %s" % t.describe())
        if t.text == "array":
            self.next()
            self.expect("punct", "(", what="'(' after 'array'")
            et = self.tok
            elem = self.parse_type()
            if isinstance(elem, Array):
                self.error("arrays of arrays are not supported (wrap the inner array in a struct)", et)
            self.expect("punct", ")", what="')' closing 'array('")
            return Array(elem, t.loc)
        self.next()
        if t.text in BUILTINS:
            return BUILTINS[t.text]
        ty = self.idl.by_name.get(t.text)
        if ty is None:
            known = list(BUILTINS) + list(self.idl.by_name)
            self.error("unknown type '%s'%s (types must be defined before they are used)"
                       % (t.text, _suggest(t.text, known)), t)
        if isinstance(ty, Struct) and ty.union is not None:
            self.error("'%s' is a keyed-union member; it cannot be used as a field type" % t.text, t)
        return ty

    def parse_literal(self, f, otok):
        t = self.tok
        if t.kind == "int":
            self.next()
            lit = int(t.text, 0)
        elif t.kind == "name" and t.text in ("true", "false"):
            self.next()
            lit = t.text == "true"
        elif t.kind == "name":
            self.next()
            lit = t.text
        else:
            self.error("expected an init value after 'init', got %s" % t.describe())
        ty = f.type
        if isinstance(ty, (Array, Struct)):
            self.error("%s fields cannot have an init value" % ("array" if isinstance(ty, Array) else "struct"), otok)
        why = ty.check_init(lit)
        if why:
            self.error("bad init value for field '%s': %s" % (f.name, why), t)
        if isinstance(ty, Enumeration):
            return ty.lookup(lit)
        return lit

    # -- NAME union KEYVAR : ENUM [init VALUE] {
    def parse_union(self, st, ftok, out_types):
        self.next()   # 'union'
        ktok = self.expect("name", what="the key field's name after 'union'")
        self.check_name(ktok, "key field")
        self.expect("punct", ":", what="':' and the key's enum type")
        etok = self.expect("name", what="the key's enum type")
        key = self.idl.by_name.get(etok.text)
        if not isinstance(key, Enumeration):
            self.error("the key of a keyed union must be an enum defined earlier; '%s' is %s"
                       % (etok.text, "not defined" + _suggest(etok.text, [t.name for t in self.idl.enums])
                          if key is None else "a " + key.kind), etok)
        ku = KeyedUnion(st, ktok.text, key, ftok.doc, ftok.loc)
        if self.at("name", "init"):
            self.next()
            itok = self.expect("name", what="a value of %s after 'init'" % key.name)
            ku.init = key.lookup(itok.text)
            if ku.init is None:
                self.error("init value '%s' is not a value of enum %s" % (itok.text, key.name), itok)
        self.expect("punct", "{")
        ku.doc = (ku.doc + "\n" + self.end_of_line()).strip()
        f = Field(st, ftok.text, ku, ku.doc, ftok.loc)
        ku.field = f
        self.add_field(st, f, ftok)
        for g in st.fields[:-1]:
            if g.name == ku.keyvar or g.name == "set_" + ku.keyvar:
                self.error("struct %s already has a field '%s' (at %s); the key field would clash"
                           % (st.name, g.name, g.loc), ktok)
        while not self.at("punct", "}"):
            if self.at("eof"):
                self.error("missing '}' closing keyed union '%s' (opened at %s)" % (ftok.text, ftok.loc))
            mtok = self.expect("name", what="a member name (a value of %s) or '}'" % key.name)
            value = key.lookup(mtok.text)
            if value is None:
                self.error("'%s' is not a value of enum %s%s" % (mtok.text, key.name,
                           _suggest(mtok.text.lower(), [v.lower for v in key.values])), mtok)
            if value.lower in RESERVED:
                self.error("member '%s' cannot be a C or C++ name (it is reserved); rename the enum value"
                           % value.lower, mtok)
            if ku.member(value) is not None:
                self.error("keyed union '%s' already has a member for %s (at %s)"
                           % (ftok.text, value.upper, ku.member(value).loc), mtok)
            mname = "%s_%s" % (st.name, value.lower)
            if mname in self.idl.by_name or mname in BUILTINS:
                self.error("member struct name '%s' (struct %s + member %s) is already a type"
                           % (mname, st.name, value.lower), mtok)
            ms = Struct(mname, mtok.doc, mtok.loc, union=ku)
            self.claim_camel(ms, mtok)
            self.idl.by_name[mname] = ms
            if self.at("punct", "{"):
                self.next()
                if self.at("punct", "}"):
                    self.next()
                else:
                    ms.doc = (ms.doc + "\n" + self.end_of_line()).strip()
                    self.parse_fields(ms, mtok, out_types)
            ms.doc = (ms.doc + "\n" + self.end_of_line()).strip()
            m = UnionMember(value, ms, mtok.loc)
            m.union = ku
            ku.members.append(m)
            out_types.append(ms)
        close = self.next()
        self.end_of_line()
        missing = [v.lower for v in key.values if ku.member(v) is None]
        if missing:
            self.error("keyed union '%s' has no member for %s (every value of %s needs one; "
                       "write '%s' alone on a line for a member without fields)"
                       % (ftok.text, ", ".join(missing), key.name, missing[0]), close)
        order = {v.value: i for i, v in enumerate(key.values)}
        ku.members.sort(key=lambda m: order[m.value.value])


def parse(text, filename="<string>"):
    """Parses .idl text; raises IdlError."""
    return Parser(text, filename).parse()


def load(path):
    """Reads and parses an .idl file; raises IdlError (or OSError)."""
    with open(path, encoding="utf-8") as f:
        try:
            text = f.read()
        except UnicodeDecodeError as e:
            raise IdlError(Loc(path, 1, 1), "file is not valid UTF-8 (%s)" % e.reason)
    return parse(text, path)
