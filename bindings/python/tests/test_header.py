"""The package binds the C ABI through the declarations generated from include/soter_verify.h
(soter_verify/_ffi.py; `make generate-check` keeps them equal to what the generator writes)."""

from __future__ import annotations

import ctypes
import re

from soter_verify import _errors, _ffi
from soter_verify import _native as N


def test_the_generated_module_is_marked(header_text: str) -> None:
    import inspect

    source = inspect.getsource(_ffi)
    assert source.startswith("# generated from include/soter_verify.h by make generate; do not edit")


def test_every_export_of_the_header_is_declared(header_text: str) -> None:
    # A plain scan of the header, independent of the generator's parser.
    exports = set(re.findall(r"^[A-Za-z].*?\b(soter_\w+)\(", header_text, re.M))
    assert len(exports) > 100
    assert exports == set(_ffi.SIGNATURES)
    for name in exports:
        fn = getattr(N.lib, name)
        restype, argtypes = _ffi.SIGNATURES[name]
        assert fn.argtypes == argtypes and fn.restype == restype, name


def test_defines_and_enum_values_come_from_the_header(header_text: str) -> None:
    for name, value in re.findall(r"^#define SOTER_(\w+) (-?\d+)$", header_text, re.M):
        assert getattr(_ffi, name) == int(value), name
    for name, value in re.findall(r"^  SOTER_(\w+) = (-?\d+),$", header_text, re.M):
        assert getattr(_ffi, name) == int(value), name
    assert N.ABI_VERSION == _ffi.ABI_VERSION


def test_struct_fields_follow_the_header(header_text: str) -> None:
    bodies = re.findall(r"typedef struct \{([^{}]*)\} (\w+);", header_text, re.S)
    assert bodies
    for body, name in bodies:
        code = "\n".join(line.split("//")[0] for line in body.splitlines())
        fields = re.findall(r"(\w+)\s*;", code)
        ours: type[ctypes.Structure] = getattr(_ffi, name)
        assert [f[0] for f in ours._fields_] == fields, name


def test_layouts_are_the_c_layouts() -> None:
    if ctypes.sizeof(ctypes.c_void_p) == 8:  # x86-64, aarch64: what C sees
        assert ctypes.sizeof(_ffi.SoterExpectations) == 72
        assert ctypes.sizeof(_ffi.SoterGuardOptions) == 64
        assert ctypes.sizeof(_ffi.SoterSentinelOptions) == 40
        assert ctypes.sizeof(_ffi.SoterVerifyInfo) == 16


def test_every_status_has_exactly_one_exception_class() -> None:
    statuses = {v for k, v in _ffi.SoterStatus.items() if k != "OK"}
    assert set(_errors.STATUS_CLASSES) == statuses
    for status, cls in _errors.STATUS_CLASSES.items():
        assert cls.STATUS == status
        assert cls.__doc__ and [k for k, v in _ffi.SoterStatus.items() if v == status][0] in cls.__doc__


def test_faults_name_every_soter_fault() -> None:
    assert sorted(N.FAULTS.values()) == sorted(_ffi.SoterFault.values())


def test_verify_outcome_names(header_text: str) -> None:
    from soter_verify._wechat import outcome_name

    for name, value in _ffi.SoterVerifyOutcome.items():
        assert outcome_name(value) == name.lower()
    assert outcome_name(1234) == "unknown"


def test_guard_limits_match_the_header() -> None:
    from soter_verify import ReplayGuard, _guard

    assert _guard.MAX_TIMEOUT * 1000 == _ffi.GUARD_MAX_TIMEOUT_MS
    assert _guard.DEFAULT_MAX_CHALLENGES_PER_SUBJECT == _ffi.GUARD_DEFAULT_MAX_CHALLENGES_PER_SUBJECT
    assert _guard.MAX_CHALLENGES_PER_SUBJECT == 1024
    assert _ffi.GUARD_DEFAULT_MAX_CHALLENGES == 100_000
    assert "max_challenges" in (ReplayGuard.__doc__ or "") and "100 000" in (ReplayGuard.__doc__ or "")
