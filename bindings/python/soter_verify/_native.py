"""Private: locate ``libsoter_verify``, declare every C function used, check the ABI version.

Search order:

1. ``SOTER_VERIFY_LIB``: path of the shared library (or of a directory holding it), for
   development against a library built elsewhere;
2. the library bundled in this package (``soter_verify/lib/libsoter_verify.so``), put there by
   ``pip install``;
3. otherwise ``ImportError`` saying what was tried.

Nothing here is public API; the rest of the package imports ``lib`` and the helpers.
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import (
    POINTER,
    Structure,
    c_bool,
    c_char,
    c_char_p,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_ubyte,
    c_void_p,
)
from pathlib import Path
from typing import Any, Final

#: The C ABI version this package was written for (``SOTER_ABI_VERSION`` in the header).
ABI_VERSION: Final = 1
#: ``SOTER_SALT_LEN_DEFAULT``: rsa_pss_saltlen from the signed JSON when present, else 20.
SALT_LEN_DEFAULT: Final = -1
#: ``SOTER_SALT_LEN_AUTO``: accept whatever salt length the signer used.
SALT_LEN_AUTO: Final = -2
#: ``SOTER_CHALLENGE_LEN``.
CHALLENGE_LEN: Final = 43

ENV_VAR: Final = "SOTER_VERIFY_LIB"

if sys.platform == "darwin":  # pragma: no cover - Linux is the supported platform
    LIB_NAME: Final = "libsoter_verify.dylib"
elif sys.platform == "win32":  # pragma: no cover
    LIB_NAME = "soter_verify.dll"
else:
    LIB_NAME = "libsoter_verify.so"

BUNDLED_PATH: Final = Path(__file__).resolve().parent / "lib" / LIB_NAME


# Field numbers of the SoterField enum.
FIELD_RAW: Final = 0
FIELD_FID: Final = 1
FIELD_TEE_N: Final = 2
FIELD_TEE_V: Final = 3
FIELD_FP_N: Final = 4
FIELD_FP_V: Final = 5
FIELD_CPU_ID: Final = 6
FIELD_UID: Final = 7
FIELD_PUB_KEY: Final = 8


class SoterExpectations(Structure):
    """Mirror of ``SoterExpectations`` in soter_verify.h."""

    _fields_ = [
        ("challenge", c_char_p),
        ("challenge_len", c_size_t),
        ("cpu_id", c_char_p),
        ("cpu_id_len", c_size_t),
        ("uid", c_char_p),
        ("uid_len", c_size_t),
        ("has_min_counter", c_bool),
        ("min_counter", c_uint64),
        ("salt_len", c_int32),
    ]


# Opaque handles travel as void pointers; out-parameters as pointers to them.
Handle = c_void_p
PHandle = POINTER(c_void_p)
PBytes = POINTER(c_ubyte)  # borrowed (uint8_t *) out-values
PPBytes = POINTER(PBytes)
PSize = POINTER(c_size_t)
PErr = POINTER(c_void_p)  # SoterError **

# name: (restype, argtypes). Data inputs are declared c_char_p so that ``bytes`` pass by
# pointer without a copy; lengths always travel alongside, so embedded NULs are fine.
# Owned strings (char **out) are POINTER(c_char) out-params, never c_char_p return values.
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "soter_abi_version": (c_uint32, []),
    "soter_version": (c_char_p, []),  # static string, not owned
    "soter_status_name": (c_char_p, [c_int32]),  # static string, not owned
    "soter_error_status": (c_int32, [c_void_p]),
    "soter_error_message": (c_void_p, [c_void_p]),  # borrowed from the error
    "soter_error_errcode": (c_bool, [c_void_p, POINTER(c_int64)]),
    "soter_error_errmsg": (c_void_p, [c_void_p]),  # borrowed from the error
    "soter_error_free": (None, [c_void_p]),
    "soter_string_free": (None, [POINTER(c_char)]),
    "soter_key_load": (c_int32, [c_char_p, c_size_t, PHandle, PErr]),
    "soter_key_free": (None, [c_void_p]),
    "soter_key_bits": (c_uint32, [c_void_p]),
    "soter_key_equal": (c_bool, [c_void_p, c_void_p]),
    "soter_key_to_pem": (c_int32, [c_void_p, POINTER(POINTER(c_char)), PSize, PErr]),
    "soter_key_verify": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_int32, POINTER(c_uint32), PErr],
    ),
    "soter_result_json_parse": (c_int32, [c_char_p, c_size_t, PHandle, PErr]),
    "soter_result_json_free": (None, [c_void_p]),
    "soter_result_json_get": (c_int32, [c_void_p, c_int32, PPBytes, PSize]),
    "soter_result_json_counter": (c_uint64, [c_void_p]),
    "soter_result_json_salt_len": (c_int32, [c_void_p]),
    "soter_result_json_extra_count": (c_size_t, [c_void_p]),
    "soter_result_json_extra": (c_int32, [c_void_p, c_size_t, PPBytes, PSize, PPBytes, PSize]),
    "soter_authenticate": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, POINTER(SoterExpectations), PHandle, PErr],
    ),
    "soter_verify_auth_key": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, PHandle, PErr],
    ),
    "soter_auth_key_free": (None, [c_void_p]),
    "soter_auth_key_public_key": (c_int32, [c_void_p, PHandle, PErr]),
    "soter_auth_key_get": (c_int32, [c_void_p, c_int32, PPBytes, PSize]),
    "soter_auth_key_counter": (c_uint64, [c_void_p]),
    "soter_new_challenge": (c_int32, [c_char_p, c_size_t, PSize, PErr]),
}


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


def _load() -> tuple[ctypes.CDLL, Path]:
    env = os.environ.get(ENV_VAR)
    tried: list[str] = []
    for origin, path in _candidates():
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
            raise ImportError(f"soter_verify: cannot load {path} ({origin}): {exc}") from exc
    raise ImportError(
        "soter_verify: the native library was not found. Tried: "
        + "; ".join(tried)
        + f". Install the package with pip (it builds and bundles {LIB_NAME}) or set "
        f"{ENV_VAR} to the path of a library built with `cargo build --release`."
    )


def _declare(cdll: ctypes.CDLL, path: Path) -> None:
    for name, (restype, argtypes) in _SIGNATURES.items():
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

_abi = int(lib.soter_abi_version())
if _abi != ABI_VERSION:
    raise ImportError(
        f"soter_verify: {LIB_PATH} implements C ABI version {_abi}, but this soter_verify "
        f"package was written for ABI version {ABI_VERSION}. Reinstall the package from the same "
        f"source tree as the library, or point {ENV_VAR} at a matching build."
    )


def declare_optional(name: str, restype: Any, argtypes: list[Any]) -> Any | None:
    """Declare an export that newer libraries have; None when this library lacks it."""
    fn = getattr(lib, name, None)
    if fn is None:
        return None
    fn.restype = restype
    fn.argtypes = argtypes
    return fn


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


def new_err() -> c_void_p:
    """A fresh ``SoterError *`` slot to pass by reference."""
    return c_void_p()


__all__ = [
    "ABI_VERSION",
    "CHALLENGE_LEN",
    "LIB_PATH",
    "PBytes",
    "SALT_LEN_AUTO",
    "SALT_LEN_DEFAULT",
    "SoterExpectations",
    "borrowed",
    "borrowed_cstr",
    "c_char",
    "declare_optional",
    "lib",
    "take_string",
]
