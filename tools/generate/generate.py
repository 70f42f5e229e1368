#!/usr/bin/env python3
"""Writes the Python and Java declarations of the C ABI from include/soter_verify.h.

`make generate` runs it; `make generate-check` runs it with --check, which fails (listing the
files) when a committed generated file is not what it would write. The header (itself generated
by cbindgen from src/ffi) is the one declaration of the ABI: every function, struct, enum and
#define in it appears here without a hand-kept list, so a new export is bound by regenerating.

Only the mapping of C types to ctypes and JNA types is decided here, once per kind of type; the
hand-written modules decide names, errors and ownership. Parsing is pycparser's (pinned in
tools/generate/requirements.txt) on the header with comments and preprocessor lines removed:
cbindgen's output is plain C with #define'd integer constants.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pycparser import c_ast, c_parser

ROOT = Path(__file__).resolve().parents[2]
HEADER = "include/soter_verify.h"
MARK = "generated from include/soter_verify.h by make generate; do not edit"

PY_OUT = "bindings/python/soter_verify/_ffi.py"
JAVA_MAIN = "bindings/java/src/main/java/io/soterverify"
# The testing declarations go where the testing classes are (they may move to their own module).
JAVA_TESTING_DIRS = [
    "bindings/java/testing/src/main/java/io/soterverify/testing",
    "bindings/java/src/main/java/io/soterverify/testing",
]

# Test-support exports (the emulator, simulated devices, test keys and roots): declared apart so
# they can ship with the testing artifacts. Every other export is the library's.
TESTING_PREFIXES = ("soter_emulator_", "soter_test_", "soter_device_")

# Status words whose exception class takes more than the message (errcode, errmsg) or is the
# fallback for unknown values: Errors.java builds these by hand.
JAVA_SPECIAL_STATUSES = {"WECHAT_API", "TOKEN", "INTERNAL"}
# How a status word is spelled in a Java class name when plain capitalisation is wrong.
JAVA_WORDS = {"WECHAT": "WeChat"}

PRIMS = {
    "void", "bool", "char", "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t",
    "int64_t", "uint64_t", "size_t", "intptr_t", "uintptr_t",
}
PRELUDE = """
typedef _Bool bool;
typedef signed char int8_t; typedef unsigned char uint8_t;
typedef short int16_t; typedef unsigned short uint16_t;
typedef int int32_t; typedef unsigned int uint32_t;
typedef long long int64_t; typedef unsigned long long uint64_t;
typedef unsigned long size_t; typedef long intptr_t; typedef unsigned long uintptr_t;
"""


# ---- the model ----------------------------------------------------------------------------

@dataclass(frozen=True)
class T:
    """A C type: a named base (primitive or typedef) or a pointer to a T."""

    base: Optional[str] = None  # set for a base type
    const: bool = False  # the base (or the pointer itself) is const
    to: Optional["T"] = None  # set for a pointer

    @property
    def is_ptr(self) -> bool:
        return self.to is not None

    def c(self) -> str:
        if self.to is None:
            return ("const " if self.const else "") + str(self.base)
        return self.to.c() + " *" + ("const " if self.const else "")


@dataclass
class Param:
    name: str
    type: T


@dataclass
class Func:
    name: str
    ret: T
    params: list[Param]


@dataclass
class Enum:
    name: str
    members: list[tuple[str, int]]


@dataclass
class Struct:
    name: str
    fields: list[Param]


@dataclass
class Callback:
    name: str
    ret: T
    params: list[Param]


@dataclass
class Api:
    defines: list[tuple[str, int]] = field(default_factory=list)
    enums: list[Enum] = field(default_factory=list)
    structs: list[Struct] = field(default_factory=list)
    opaques: list[str] = field(default_factory=list)
    callbacks: list[Callback] = field(default_factory=list)
    funcs: list[Func] = field(default_factory=list)

    def kind(self, base: str) -> str:
        if base in PRIMS:
            return "prim"
        if base in {e.name for e in self.enums}:
            return "enum"
        if base in {s.name for s in self.structs}:
            return "struct"
        if base in self.opaques:
            return "opaque"
        if base in {c.name for c in self.callbacks}:
            return "callback"
        raise SystemExit(f"generate.py: unknown C type {base!r} in {HEADER}")


def _strip(text: str) -> tuple[str, list[tuple[str, int]]]:
    """The header as plain C for pycparser (no comments, no preprocessor lines, the C++ guards
    dropped) and its integer #defines."""
    # Comments out, left to right (a `//` comment may contain `/*`, a block comment `//`).
    text = re.sub(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\])*\"",
                  lambda m: m.group(0) if m.group(0).startswith('"') else "", text, flags=re.S)
    out: list[str] = []
    defines: list[tuple[str, int]] = []
    skip: list[bool] = []  # one entry per open #if: whether its body is skipped
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#"):
            word = s[1:].split()
            directive = word[0] if word else ""
            if directive in ("if", "ifdef", "ifndef"):
                skip.append(directive == "ifdef" and word[1:2] == ["__cplusplus"])
            elif directive == "endif":
                skip.pop()
            elif directive == "define" and not any(skip) and len(word) >= 3:
                m = re.fullmatch(r"\(?(-?(?:0x[0-9a-fA-F]+|\d+))[uUlL]*\)?", " ".join(word[2:]))
                if m:
                    defines.append((word[1], int(m.group(1), 0)))
            continue
        if not any(skip):
            out.append(line)
    return "\n".join(out), defines


def _type(node: c_ast.Node) -> T:
    if isinstance(node, c_ast.PtrDecl):
        return T(to=_type(node.type), const="const" in node.quals)
    if isinstance(node, c_ast.TypeDecl):
        inner = node.type
        const = "const" in node.quals
        if isinstance(inner, c_ast.IdentifierType):
            return T(base=" ".join(inner.names), const=const)
        if isinstance(inner, (c_ast.Struct, c_ast.Enum)) and inner.name:
            return T(base=inner.name, const=const)
    raise SystemExit(f"generate.py: unsupported declaration {node}")


def _params(fd: c_ast.FuncDecl) -> list[Param]:
    params: list[Param] = []
    for i, p in enumerate(fd.args.params if fd.args else []):
        t = _type(p.type)
        if t.base == "void" and not t.is_ptr:
            continue  # (void)
        params.append(Param(p.name or f"arg{i}", t))
    return params


def _value(node: c_ast.Node) -> int:
    if isinstance(node, c_ast.Constant):
        return int(node.value.rstrip("uUlL"), 0)
    if isinstance(node, c_ast.UnaryOp) and node.op == "-":
        return -_value(node.expr)
    raise SystemExit(f"generate.py: unsupported enum value {node}")


def parse(text: str) -> Api:
    code, defines = _strip(text)
    prelude_names = set(re.findall(r"\b(\w+);", PRELUDE))
    ast = c_parser.CParser().parse(PRELUDE + code, filename=HEADER)
    api = Api(defines=defines)
    for ext in ast.ext:
        if isinstance(ext, c_ast.Typedef):
            if ext.name in prelude_names:
                continue
            t = ext.type
            if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.Enum):
                members, nxt = [], 0
                for e in t.type.values.enumerators:
                    nxt = _value(e.value) if e.value is not None else nxt
                    members.append((e.name, nxt))
                    nxt += 1
                api.enums.append(Enum(ext.name, members))
            elif isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.Struct):
                if t.type.decls is None:
                    api.opaques.append(ext.name)
                else:
                    api.structs.append(Struct(ext.name, [Param(d.name, _type(d.type)) for d in t.type.decls]))
            elif isinstance(t, c_ast.PtrDecl) and isinstance(t.type, c_ast.FuncDecl):
                api.callbacks.append(Callback(ext.name, _type(t.type.type), _params(t.type)))
            else:
                raise SystemExit(f"generate.py: unsupported typedef {ext.name}")
        elif isinstance(ext, c_ast.Decl) and isinstance(ext.type, c_ast.FuncDecl):
            api.funcs.append(Func(ext.name, _type(ext.type.type), _params(ext.type)))
        else:
            raise SystemExit(f"generate.py: unsupported declaration {ext}")
    return api


def is_testing(name: str) -> bool:
    return name.startswith(TESTING_PREFIXES)


def testing_structs(api: Api) -> set[str]:
    """Structs that only test-support functions take (they are declared with those)."""
    users: dict[str, set[bool]] = {s.name: set() for s in api.structs}

    def visit(t: T, testing: bool) -> None:
        while t.to is not None:
            t = t.to
        if t.base in users:
            users[t.base].add(testing)

    for f in api.funcs:
        for p in f.params:
            visit(p.type, is_testing(f.name))
        visit(f.ret, is_testing(f.name))
    return {name for name, seen in users.items() if seen == {True}}


def short(name: str) -> str:
    """SOTER_FIELD_RAW -> FIELD_RAW: the constants' names in both bindings."""
    return name[len("SOTER_"):] if name.startswith("SOTER_") else name


# ---- Python -------------------------------------------------------------------------------

PY_PRIM = {
    "bool": "c_bool", "char": "c_char", "int8_t": "c_int8", "uint8_t": "c_uint8",
    "int16_t": "c_int16", "uint16_t": "c_uint16", "int32_t": "c_int32", "uint32_t": "c_uint32",
    "int64_t": "c_int64", "uint64_t": "c_uint64", "size_t": "c_size_t", "intptr_t": "c_ssize_t",
    "uintptr_t": "c_size_t",
}


def _py_text_ptr(t: T) -> bool:
    """`const uint8_t *` / `const char *`: input text, declared c_char_p so `bytes` pass by pointer
    without a copy (lengths travel alongside, so embedded NULs are fine)."""
    return t.to is not None and t.to.to is None and t.to.const and t.to.base in ("uint8_t", "char")


def py_type(api: Api, t: T, where: str) -> str:
    """ctypes for a parameter ("arg"), a return value ("ret"), a struct field ("field") or a
    callback parameter ("cb")."""
    if t.to is None:
        if t.base == "void":
            return "None"
        kind = api.kind(str(t.base))
        if kind == "prim":
            return PY_PRIM[str(t.base)]
        if kind == "enum":
            return "c_int32"  # a C enum is an int
        return str(t.base)  # a struct by value, a callback
    if where == "cb":
        # Callbacks write through their pointers: typed, so Python code can index them.
        inner = t.to
        if inner.to is None and inner.base in PY_PRIM and inner.base != "char":
            return f"POINTER({PY_PRIM[str(inner.base)]})"
        return "c_void_p"
    if where in ("arg", "field") and _py_text_ptr(t):
        return "c_char_p"
    # Every other pointer (handles, out-parameters, structs, buffers) as c_void_p: it takes
    # byref(), arrays, buffers and ints, and ctypes converts it faster than a typed POINTER.
    # Returned strings too (borrowed or static: the hand code copies them).
    return "c_void_p"


def gen_python(api: Api) -> str:
    o: list[str] = [f"# {MARK}", '"""The C ABI of libsoter_verify as ctypes declarations (private).', "",
                    "Every #define, enum, struct, callback type and function of include/soter_verify.h,",
                    "written by tools/generate/generate.py. ``_native`` applies ``SIGNATURES`` to the loaded",
                    'library; the other modules read the constants and structs from here."""', "",
                    "from __future__ import annotations", "",
                    "import ctypes",
                    "from ctypes import (", "    POINTER,"]
    names = sorted(set(PY_PRIM.values()) | {"c_void_p", "c_char_p"})
    o += [f"    {n}," for n in names]
    o += [")", "from typing import Any, Final", ""]
    o += ["# ---- #define ----"]
    for name, value in api.defines:
        o.append(f"{short(name)}: Final = {value}")
    for e in api.enums:
        o += ["", f"# ---- enum {e.name} ----"]
        for name, value in e.members:
            o.append(f"{short(name)}: Final = {value}")
        prefix = _common_prefix([m for m, _ in e.members])
        o.append(f"#: ``{e.name}`` values by their name without ``{prefix}``.")
        o.append(f"{e.name}: Final[dict[str, int]] = {{")
        o += [f'    "{m[len(prefix):]}": {v},' for m, v in e.members]
        o.append("}")
    o += ["", "", "# ---- callback types ----"]
    for cb in api.callbacks:
        args = [py_type(api, cb.ret, "cb")] + [py_type(api, p.type, "cb") for p in cb.params]
        sig = ", ".join(f"{p.type.c()} {p.name}" for p in cb.params)
        o.append(f"#: ``{cb.ret.c()} (*)({sig})``")
        o.append(f"{cb.name} = ctypes.CFUNCTYPE({', '.join(args)})")
    for s in api.structs:
        o += ["", "", f"class {s.name}(ctypes.Structure):", f'    """``{s.name}``."""', "",
              "    _fields_ = ["]
        o += [f'        ("{f.name}", {py_type(api, f.type, "field")}),' for f in s.fields]
        o.append("    ]")
    o += ["", "", "#: name: (restype, argtypes) of every exported function.",
          "SIGNATURES: Final[dict[str, tuple[Any, list[Any]]]] = {"]
    for f in api.funcs:
        args = ", ".join(py_type(api, p.type, "arg") for p in f.params)
        o.append(f'    "{f.name}": ({py_type(api, f.ret, "ret")}, [{args}]),')
    o.append("}")
    testing = [f.name for f in api.funcs if is_testing(f.name)]
    o += ["", "#: The test-support exports (emulator, simulated devices, test keys and roots).",
          "TESTING: Final[frozenset[str]] = frozenset({"]
    o += [f'    "{n}",' for n in testing]
    o += ["})", ""]
    return "\n".join(o)


def _common_prefix(names: list[str]) -> str:
    if len(names) == 1:
        return names[0].rsplit("_", 1)[0] + "_"
    parts = [n.split("_") for n in names]
    common: list[str] = []
    for words in zip(*parts):
        if len(set(words)) != 1:
            break
        common.append(words[0])
    # Keep at least one word of each member name.
    common = common[: min(len(p) for p in parts) - 1]
    return "_".join(common) + "_"


# ---- Java ---------------------------------------------------------------------------------

J_PRIM = {
    "bool": "byte", "char": "byte", "int8_t": "byte", "uint8_t": "byte", "int16_t": "short",
    "uint16_t": "short", "int32_t": "int", "uint32_t": "int", "int64_t": "long", "uint64_t": "long",
    "size_t": "long", "intptr_t": "long", "uintptr_t": "long",
}


def j_type(api: Api, t: T, where: str, next_is_size: bool = False) -> str:
    """JNA direct-mapping type for a parameter ("arg"), return ("ret"), struct field ("field")
    or callback parameter ("cb"). Conventions: C bool as byte (one byte, never a 4-byte Java
    boolean), size_t as long (64-bit targets: only those are bundled), handles and returned
    strings as long, out-parameters as one-element arrays, structs as Pointer."""
    if t.to is None:
        if t.base == "void":
            return "void"
        kind = api.kind(str(t.base))
        if kind == "prim":
            return J_PRIM[str(t.base)]
        if kind == "enum":
            return "int"
        if kind == "callback":
            return "Pointer"  # a function pointer (CallbackReference.getFunctionPointer)
        raise SystemExit(f"generate.py: a struct by value ({t.c()}) is not mapped for Java")
    if where in ("cb", "field"):
        return "Pointer"
    if where == "ret":
        return "long"  # a handle or a borrowed/static string: the hand code reads it
    inner = t.to
    if inner.to is None:
        kind = api.kind(str(inner.base))
        if kind == "opaque":
            return "long"
        if kind == "prim":
            if inner.base == "void":
                return "Pointer"
            if inner.base == "char" and not inner.const and not next_is_size:
                return "long"  # an owned string handed back (soter_string_free)
            j = J_PRIM[str(inner.base)]
            return f"{j}[]"  # text/buffers (byte[]) and out-parameters
        return "Pointer"  # a struct (or an array of them), laid out with its ffi class
    if t.to.const:
        return "Pointer"  # `T *const *`: an input array of pointers
    return "long[]"  # `T **`: a handle, an owned string or a borrowed pointer written back


def _size_follows(params: list[Param], i: int) -> bool:
    """Whether params[i] is a buffer: a `size_t` capacity follows it."""
    return i + 1 < len(params) and params[i + 1].type == T(base="size_t")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def j_class(status: str) -> str:
    return "".join(JAVA_WORDS.get(w, w.capitalize()) for w in status.split("_"))


def gen_java_natives(api: Api, package: str, cls: str, testing: bool, register: str,
                     imports: list[str]) -> str:
    o = [f"// {MARK}", f"package {package};", "", "import com.sun.jna.Native;", "import com.sun.jna.Pointer;"]
    o += [f"import {i};" for i in imports]
    what = "test-support" if testing else "library"
    o += ["", "/**",
          f" * The {what} functions of {{@code soter_verify.h}}, direct-mapped (JNA {{@code Native.register}}).",
          " * Conventions: C {@code bool} as {@code byte}, {@code size_t} as {@code long}, handles and",
          " * returned strings as {@code long}, out-parameters as one-element arrays, structs as",
          " * {@link Pointer} (laid out by the {@code ffi} classes).",
          " */",
          f"final class {cls} {{",
          "    static {", f"        Native.register({cls}.class, {register});"]
    if not testing:
        o.append("        NativeLib.registered(); // the hand-written loader's hook (logging)")
    o += ["    }", "",
          f"    private {cls}() {{}}", "", "    /** Forces registration. */", "    static void load() {}", ""]
    if not testing:
        for name, value in api.defines:
            if not is_testing_define(name):
                o.append(f"    static final {'long' if abs(value) > 2**31 - 1 else 'int'} {short(name)} = {value};")
        for e in api.enums:
            o.append(f"    // {e.name}")
            o += [f"    static final int {short(m)} = {v};" for m, v in e.members]
        o.append("")
    else:
        for name, value in api.defines:
            if is_testing_define(name):
                o.append(f"    static final int {short(name)} = {value};")
        o.append("")
    for f in api.funcs:
        if is_testing(f.name) != testing:
            continue
        args = ", ".join(
            f"{j_type(api, p.type, 'arg', _size_follows(f.params, i))} {camel(p.name)}" for i, p in enumerate(f.params))
        o.append(f"    static native {j_type(api, f.ret, 'ret')} {f.name}({args});")
    o += ["}", ""]
    return "\n".join(o)


def is_testing_define(name: str) -> bool:
    return name.startswith("SOTER_TEST_")


def gen_java_struct(api: Api, s: Struct, package: str) -> str:
    o = [f"// {MARK}", f"package {package};", "", "import com.sun.jna.Pointer;", "import com.sun.jna.Structure;", "",
         "/**", f" * {{@code {s.name}}} of {{@code soter_verify.h}}: its fields in order, JNA lays it out (not API).",
         " * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.",
         " */",
         "@Structure.FieldOrder({" + ", ".join(f'"{f.name}"' for f in s.fields) + "})",
         f"public final class {s.name} extends Structure {{"]
    for f in s.fields:
        o.append(f"    /** {{@code {f.type.c()} {f.name}}}. */")
        o.append(f"    public {j_type(api, f.type, 'field')} {f.name};")
    o += ["", "    /** An instance to read the layout from (zeroed). */", f"    public {s.name}() {{", "        super();", "    }",
          "", f"    private static final {s.name} LAYOUT = new {s.name}();",
          "", "    /** Size in bytes. */", "    public static final int SIZE = LAYOUT.size();"]
    for f in s.fields:
        o.append(f"    /** Offset of {{@code {f.name}}}. */")
        o.append(f"    public static final int OFF_{f.name.upper()} = LAYOUT.fieldOffset(\"{f.name}\");")
    o += ["}", ""]
    return "\n".join(o)


def gen_java_status(api: Api) -> tuple[str, str]:
    e = next(x for x in api.enums if x.name == "SoterStatus")
    members = [(m[len("SOTER_STATUS_"):], v) for m, v in e.members if m != "SOTER_STATUS_OK"]
    o = [f"// {MARK}", "package io.soterverify;", "", "/**",
         " * The status codes of the C ABI ({@code SoterStatus} in {@code soter_verify.h}), one per",
         " * exception class. {@code SOTER_STATUS_OK} has no constant: success never throws.", " */",
         "public enum Status {"]
    for i, (m, v) in enumerate(members):
        o.append(f"    /** {{@code SOTER_STATUS_{m}}}: see {{@link {j_class(m)}Exception}}. */")
        o.append(f"    {m}({v}){',' if i + 1 < len(members) else ';'}")
    o += ["", "    private final int code;", "", "    Status(int code) {", "        this.code = code;", "    }", "",
          "    /**", "     * The numeric value in the C ABI.", "     *", "     * @return the {@code SOTER_STATUS_*} value",
          "     */", "    public int code() {", "        return code;", "    }", "",
          "    /**", "     * The status with the given C value.", "     *",
          "     * @param code a {@code SOTER_STATUS_*} value other than OK",
          "     * @return the status, or {@link #INTERNAL} for a value this package does not know", "     */",
          "    public static Status of(int code) {", "        switch (code) {"]
    o += [f"            case {v}: return {m};" for m, v in members]
    o += ["            default: return INTERNAL;", "        }", "    }", "}", ""]
    status = "\n".join(o)
    o = [f"// {MARK}", "package io.soterverify;", "",
         "/** The exception class of each status whose exception takes only a message. */",
         "final class StatusExceptions {", "    private StatusExceptions() {}", "",
         "    /** The exception for {@code s}, or null for the statuses {@link Errors} builds itself. */",
         "    static SoterException plain(Status s, String message) {", "        switch (s) {"]
    o += [f"            case {m}: return new {j_class(m)}Exception(message);"
          for m, _ in members if m not in JAVA_SPECIAL_STATUSES]
    o += ["            default: return null;", "        }", "    }", "}", ""]
    return status, "\n".join(o)


# ---- main ---------------------------------------------------------------------------------

def outputs(api: Api) -> dict[str, str]:
    files = {PY_OUT: gen_python(api)}
    testing_dir = next((d for d in JAVA_TESTING_DIRS if (ROOT / d / "WeChatEmulator.java").exists()),
                       JAVA_TESTING_DIRS[-1])
    files[f"{JAVA_MAIN}/SoterFfi.java"] = gen_java_natives(
        api, "io.soterverify", "SoterFfi", False, "NativeLib.LIB", [])
    files[f"{testing_dir}/TestingFfi.java"] = gen_java_natives(
        api, "io.soterverify.testing", "TestingFfi", True, "Internal.library()", ["io.soterverify.Internal"])
    tstructs = testing_structs(api)
    for s in api.structs:
        if s.name in tstructs:
            files[f"{testing_dir}/ffi/{s.name}.java"] = gen_java_struct(api, s, "io.soterverify.testing.ffi")
        else:
            files[f"{JAVA_MAIN}/ffi/{s.name}.java"] = gen_java_struct(api, s, "io.soterverify.ffi")
    status, exceptions = gen_java_status(api)
    files[f"{JAVA_MAIN}/Status.java"] = status
    files[f"{JAVA_MAIN}/StatusExceptions.java"] = exceptions
    return files


def stale_generated(files: dict[str, str]) -> list[str]:
    """Files that carry the marker but that the generator no longer writes (a removed struct)."""
    roots = [ROOT / JAVA_MAIN / "ffi"] + [ROOT / d / "ffi" for d in JAVA_TESTING_DIRS]
    found = []
    for r in roots:
        for p in sorted(r.glob("*.java")) if r.is_dir() else []:
            rel = str(p.relative_to(ROOT))
            if rel not in files and MARK in p.read_text(encoding="utf-8"):
                found.append(rel)
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail when a committed file differs")
    args = ap.parse_args()
    api = parse((ROOT / HEADER).read_text(encoding="utf-8"))
    files = outputs(api)
    differ = [p for p, text in files.items()
              if not (ROOT / p).exists() or (ROOT / p).read_text(encoding="utf-8") != text]
    stale = stale_generated(files)
    if args.check:
        if differ or stale:
            print("generate-check: not what `make generate` writes from include/soter_verify.h:", file=sys.stderr)
            for p in differ + stale:
                print(f"  {p}", file=sys.stderr)
            print("run `make generate` and commit the result", file=sys.stderr)
            return 1
        print(f"generate-check: {len(files)} generated files match {HEADER}")
        return 0
    for p in stale:
        (ROOT / p).unlink()
    for p in differ:
        (ROOT / p).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / p).write_text(files[p], encoding="utf-8")
    print(f"generate: {len(differ)} of {len(files)} files written, {len(stale)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
