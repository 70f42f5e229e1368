"""The ctypes declarations agree with include/soter_verify.h (enums, structs, exports)."""

from __future__ import annotations

import ctypes
import re

import pytest

from soter_verify import _log
from soter_verify import _native as N


def _enum(text: str, name: str) -> dict[str, int]:
    body = re.search(r"typedef enum \{([^{}]*)\} " + name + ";", text, re.S)
    if body is None:
        pytest.skip(f"{name} is not in this header (older C ABI)")
    return {m[0]: int(m[1]) for m in re.findall(r"\b([A-Z][A-Z0-9_]+) = (-?\d+)", body.group(1))}


def _struct_fields(text: str, name: str) -> list[str]:
    body = re.search(r"typedef struct \{([^{}]*)\} " + name + ";", text, re.S)
    if body is None:
        pytest.skip(f"{name} is not in this header (older C ABI)")
    code = "\n".join(line.split("//")[0] for line in body.group(1).splitlines())
    return re.findall(r"(\w+)\s*;", code.replace("(*", "("))


def _exports(text: str) -> set[str]:
    return set(re.findall(r"\b(soter_\w+)\s*\(", text))


def test_soter_field_enum(header_text: str) -> None:
    values = _enum(header_text, "SoterField")
    for name, value in values.items():
        assert getattr(N, name.replace("SOTER_", "")) == value


def test_core_structs(header_text: str) -> None:
    fields = _struct_fields(header_text, "SoterExpectations")
    assert fields == [f[0] for f in N.SoterExpectations._fields_]


def test_every_export_used_is_in_the_header(header_text: str) -> None:
    exports = _exports(header_text)
    missing = [name for name in N._SIGNATURES if name not in exports]
    assert missing == []
    if "soter_wechat_client_new" in exports:
        assert [n for n in N._WECHAT_SIGNATURES if n not in exports] == []
        # and the Python package wraps every export of the header
        wrapped = set(N._SIGNATURES) | set(N._WECHAT_SIGNATURES) | set(N._GUARD_SIGNATURES) | set(_log._SIGNATURES)
        assert exports - wrapped == set()
    if "soter_set_log_callback" in exports:
        assert [n for n in _log._SIGNATURES if n not in exports] == []
    if "soter_replay_guard_new_memory" in exports:
        assert [n for n in N._GUARD_SIGNATURES if n not in exports] == []


def test_wechat_enums(header_text: str) -> None:
    faults = _enum(header_text, "SoterFault")
    assert {k.replace("SOTER_FAULT_", "").lower(): v for k, v in faults.items()} == {
        k.replace("_", "") if k == "http_500" else k: v for k, v in N.FAULTS.items()
    }
    sources = _enum(header_text, "SoterTokenSource")
    for name, value in sources.items():
        assert getattr(N, name.replace("SOTER_", "")) == value
    for name, value in _enum(header_text, "SoterFaceField").items():
        assert getattr(N, name.replace("SOTER_", "")) == value
    for name, value in _enum(header_text, "SoterFaceNumber").items():
        assert getattr(N, name.replace("SOTER_", "")) == value
    m = re.search(r"#define SOTER_CERT_HASH_LEN (\d+)", header_text)
    assert m and int(m.group(1)) == N.CERT_HASH_LEN


def test_verify_outcome_names(header_text: str) -> None:
    from soter_verify._wechat import outcome_name

    for name, value in _enum(header_text, "SoterVerifyOutcome").items():
        assert outcome_name(value) == name.replace("SOTER_VERIFY_OUTCOME_", "").lower()
    assert outcome_name(1234) == "unknown"


@pytest.mark.parametrize(
    "struct",
    ["SoterEmulatorOptions", "SoterEmulatorCounters", "SoterClientOptions", "SoterClientStats",
     "SoterCertInfo", "SoterVerifyInfo", "SoterGuardOptions", "SoterGuardSubject", "SoterSentinelOptions"],
)
def test_wechat_structs(header_text: str, struct: str) -> None:
    fields = _struct_fields(header_text, struct)
    ours: type[ctypes.Structure] = getattr(N, struct)
    assert fields == [f[0] for f in ours._fields_]


def test_every_wechat_function_is_declared() -> None:
    if not N.has_wechat():
        pytest.skip("the loaded library has no WeChat exports")
    lib = N.wechat_lib()
    for name in N._WECHAT_SIGNATURES:
        assert getattr(lib, name).argtypes is not None, name


def test_guard_defaults_match_the_header(header_text: str) -> None:
    from soter_verify import ReplayGuard

    m = re.search(r"#define SOTER_GUARD_DEFAULT_MAX_CHALLENGES (\d+)", header_text)
    assert m and int(m.group(1)) == 100_000
    assert "max_challenges" in (ReplayGuard.__doc__ or "") and "100 000" in (ReplayGuard.__doc__ or "")


def test_guard_limits_and_struct_sizes_match_the_header(header_text: str) -> None:
    from soter_verify import _guard

    m = re.search(r"#define SOTER_GUARD_MAX_TIMEOUT_MS (\d+)", header_text)
    assert m and int(m.group(1)) == _guard.MAX_TIMEOUT * 1000
    m = re.search(r"#define SOTER_GUARD_DEFAULT_MAX_CHALLENGES_PER_SUBJECT (\d+)", header_text)
    assert m and int(m.group(1)) == _guard.DEFAULT_MAX_CHALLENGES_PER_SUBJECT
    assert "at most 1024" in header_text and _guard.MAX_CHALLENGES_PER_SUBJECT == 1024
    if ctypes.sizeof(ctypes.c_void_p) == 8:  # x86-64, aarch64: what C sees
        assert ctypes.sizeof(N.SoterGuardOptions) == 64
        assert ctypes.sizeof(N.SoterSentinelOptions) == 40
