"""Private: locate ``libsoter_verify``, apply the generated declarations (``_ffi``), check the ABI version.

Search order:

1. ``SOTER_VERIFY_LIB``: path of the shared library (or of a directory holding it), for
   development against a library built elsewhere;
2. the library bundled in this package (``soter_verify/lib/libsoter_verify.so``), put there by
   ``pip install``;
3. otherwise ``ImportError`` saying what was tried, the platform found (OS, machine, libc) and
   the platforms the package supports (macOS and Windows: run the service in a Linux container).

Nothing here is public API; the rest of the package imports ``lib`` and the helpers.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys
from ctypes import POINTER, c_char, c_ubyte
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Optional, Sequence

# Every declaration of the C ABI (constants, enums, structs, callback types, SIGNATURES) is
# generated from include/soter_verify.h into _ffi; this module only loads the library and applies
# them, and names what a person decides (fault names, helper types).
from ._ffi import *  # noqa: F403  (re-exported: the package reads the ABI through _native)
from ._ffi import SIGNATURES, TESTING, SoterTokenCallback

if TYPE_CHECKING:
    from ._platform import Platform

ENV_VAR: Final = "SOTER_VERIFY_LIB"

if sys.platform == "darwin":  # pragma: no cover - Linux is the supported platform
    LIB_NAME: Final = "libsoter_verify.dylib"
elif sys.platform == "win32":  # pragma: no cover
    LIB_NAME = "soter_verify.dll"
else:
    LIB_NAME = "libsoter_verify.so"

BUNDLED_PATH: Final = Path(__file__).resolve().parent / "lib" / LIB_NAME

PBytes = POINTER(c_ubyte)  # a borrowed (uint8_t *) out-value, read with string_at

#: The emulator's fault names (the public ``inject_fault`` argument) and their ``SoterFault``.
FAULTS: Final = {
    "system_busy": FAULT_SYSTEM_BUSY,  # noqa: F405
    "invalid_token": FAULT_INVALID_TOKEN,  # noqa: F405
    "expired_token": FAULT_EXPIRED_TOKEN,  # noqa: F405
    "http_500": FAULT_HTTP500,  # noqa: F405
    "delay": FAULT_DELAY,  # noqa: F405
    "malformed_body": FAULT_MALFORMED_BODY,  # noqa: F405
    "drop_connection": FAULT_DROP_CONNECTION,  # noqa: F405
}

#: ``SoterTokenCallback``, under the name the client module uses.
TOKEN_CALLBACK = SoterTokenCallback


def wechat_lib() -> ctypes.CDLL:
    """The library (every export is declared at import; kept for the modules that call it)."""
    return lib


def guard_lib() -> ctypes.CDLL:
    """The library (every export is declared at import; kept for the modules that call it)."""
    return lib


def has_wechat() -> bool:
    """Whether the loaded library has the test-support exports (the emulator, devices)."""
    return all(hasattr(lib, name) for name in TESTING)


def _candidates() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if path.is_dir():
            path = path / LIB_NAME
        found.append((f"${ENV_VAR}", path))
    found.append(("bundled", BUNDLED_PATH))
    return found


def _load(
    candidates: Optional[Sequence[tuple[str, Path]]] = None, host: Optional[Platform] = None
) -> tuple[ctypes.CDLL, Path]:
    """Load the first candidate library; ``host`` (detected by default) only shapes the errors."""
    env = os.environ.get(ENV_VAR)
    tried: list[str] = []
    for origin, path in _candidates() if candidates is None else candidates:
        if not path.is_file():
            tried.append(f"{origin}: {path} (no such file)")
            if origin != "bundled":
                # An explicit override that points nowhere is a mistake: say so, don't fall back.
                raise ImportError(
                    f"soter_verify: {ENV_VAR}={env!r} but {path} does not exist; "
                    f"point it at a built {LIB_NAME} (cargo build --release) or unset it"
                )
            continue
        try:
            return ctypes.CDLL(str(path)), path
        except OSError as exc:
            from ._platform import host_platform, library_platform, platform_advice

            found = host or host_platform()
            built = library_platform(path)
            msg = f"soter_verify: cannot load {path} ({origin}): {exc}"
            if not found.supported or (built is not None and not found.runs(built)):
                msg += ". " + platform_advice(found, built)
            raise ImportError(msg) from exc
    from ._platform import host_platform, platform_advice

    found = host or host_platform()
    raise ImportError(
        "soter_verify: the native library was not found. Tried: "
        + "; ".join(tried)
        + f". Install the package with pip (it builds and bundles {LIB_NAME}) or set "
        f"{ENV_VAR} to the path of a library built with `cargo build --release`. "
        + platform_advice(found)
    )


def _declare(cdll: ctypes.CDLL, path: Path, names: Optional[list[str]] = None) -> None:
    for name in names if names is not None else SIGNATURES:
        restype, argtypes = SIGNATURES[name]
        try:
            fn = getattr(cdll, name)
        except AttributeError as exc:
            raise ImportError(
                f"soter_verify: {path} does not export {name}; it is not a compatible "
                "libsoter_verify build"
            ) from exc
        fn.restype = restype
        fn.argtypes = argtypes


lib, LIB_PATH = _load()
_declare(lib, LIB_PATH)

#: The same library through ``PyDLL``: the GIL stays held during the call. Only for exports that
#: do well under a microsecond of work and never block (reading out or freeing a handle), where
#: releasing and re-acquiring the GIL would cost more than the call itself. Everything that
#: verifies, parses or waits goes through ``lib``, which releases the GIL.
fast = ctypes.PyDLL(str(LIB_PATH))
_declare(fast, LIB_PATH, [
    "soter_result_json_pack",
    "soter_result_json_parse_io",  # small documents only: see _core._PARSE_FAST_MAX
    "soter_result_json_free",
    "soter_auth_key_pack",
    "soter_auth_key_free",
    "soter_key_bits",
])



def pointer_args(cdll: ctypes.CDLL, name: str) -> Any:
    """A new function object for the export ``name`` whose parameters are all pointers, with its
    generated restype and no argtypes: ctypes then converts no argument through ``from_param``
    (a third of a call's cost for these exports). Without argtypes, ctypes passes ``bytes``,
    ``None``, ctypes instances, arrays and ``byref`` exactly as the pointers these parameters
    are, but a Python int as a C int: callers pass no int (a handle goes as its ``c_void_p``)."""
    restype, argtypes = SIGNATURES[name]
    if not all(t in (ctypes.c_void_p, ctypes.c_char_p) for t in argtypes):  # pragma: no cover
        raise ImportError(f"soter_verify: {name} takes a parameter that is not a pointer")
    fn = cdll[name]  # a new function object: the declared one keeps its argtypes
    fn.restype = restype
    return fn


_abi = int(lib.soter_abi_version())
if _abi != ABI_VERSION:
    raise ImportError(
        f"soter_verify: {LIB_PATH} implements C ABI version {_abi}, but this soter_verify "
        f"package was written for ABI version {ABI_VERSION}. Reinstall the package from the same "
        f"source tree as the library, or point {ENV_VAR} at a matching build."
    )


#: struct codes of the fixed-size field types the ``_io`` heads use.
_STRUCT_CODES: Final[dict[Any, str]] = {ctypes.c_uint64: "Q", ctypes.c_int64: "q", ctypes.c_uint32: "I", ctypes.c_int32: "i"}


def struct_of(cls: type[ctypes.Structure]) -> struct.Struct:
    """A ``struct.Struct`` packing the generated ``cls`` byte for byte (``@``: native order and
    alignment, as the C compiler lays it out), for heads built per call: ``Struct.pack`` costs a
    fraction of building a ctypes Structure. Checked against ctypes' layout, so a header change
    can never leave the two apart."""
    fmt = "@" + "".join(_STRUCT_CODES[t] for _, t in cls._fields_)  # type: ignore[misc]
    st = struct.Struct(fmt)
    if st.size != ctypes.sizeof(cls):  # pragma: no cover - only if the header gains padding
        raise ImportError(f"soter_verify: {cls.__name__} has padding; struct_of cannot lay it out")
    offsets = [getattr(cls, name).offset for name, _ in cls._fields_]  # type: ignore[misc]
    expect = [struct.calcsize(fmt[: i + 1]) - struct.calcsize(fmt[i]) for i in range(1, len(fmt))]
    if offsets != expect:  # pragma: no cover - as above
        raise ImportError(f"soter_verify: {cls.__name__}'s layout differs from struct's")
    return st


def take_string(ptr: Any, length: int | None = None) -> str:
    """Copy an owned ``char *`` from the library into a ``str``, then free it."""
    if not ptr:
        return ""
    try:
        raw = ctypes.string_at(ptr, length) if length is not None else ctypes.string_at(ptr)
        return raw.decode("utf-8")
    finally:
        lib.soter_string_free(ptr)


def borrowed(ptr: Any, length: int) -> str:
    """Copy a borrowed (pointer, length) UTF-8 value into a ``str`` immediately."""
    if length == 0 or not ptr:
        return ""
    return ctypes.string_at(ptr, length).decode("utf-8")


def borrowed_cstr(ptr: int | None) -> str:
    """Copy a borrowed NUL-terminated UTF-8 string into a ``str`` (``""`` for NULL)."""
    if not ptr:
        return ""
    return ctypes.string_at(ptr).decode("utf-8", "replace")
