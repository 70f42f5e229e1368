"""The exception hierarchy mirrors SoterStatus one to one."""

from __future__ import annotations

import re

import pytest

import soter_verify
from soter_verify import _errors
from soter_verify._errors import STATUS_CLASSES, error_from_status


def _header_statuses(text: str) -> dict[str, int]:
    body = re.search(r"typedef enum \{([^{}]*)\} SoterStatus;", text, re.S)
    assert body, "SoterStatus enum not found in the header"
    return {m[0]: int(m[1]) for m in re.findall(r"SOTER_STATUS_(\w+) = (\d+)", body.group(1))}


def test_every_header_status_maps_to_one_class(header_text: str) -> None:
    statuses = _header_statuses(header_text)
    assert statuses["OK"] == 0 and len(statuses) >= 21
    for name, value in statuses.items():
        if value == 0:
            continue
        assert value in STATUS_CLASSES, f"SOTER_STATUS_{name} ({value}) has no exception class"
        cls = STATUS_CLASSES[value]
        assert cls.STATUS == value
        assert issubclass(cls, soter_verify.SoterError)
        assert soter_verify.status_name(value) == f"SOTER_STATUS_{name}"
        # exported from the package under its own name
        assert getattr(soter_verify, cls.__name__) is cls
    # and no class for a status the header does not have
    assert set(STATUS_CLASSES) == {v for v in statuses.values() if v != 0}
    # one to one: distinct classes
    assert len(set(STATUS_CLASSES.values())) == len(STATUS_CLASSES)


def test_header_abi_version_matches(header_text: str) -> None:
    m = re.search(r"#define SOTER_ABI_VERSION (\d+)", header_text)
    assert m and int(m.group(1)) == soter_verify.ABI_VERSION
    for name, value in (("SALT_LEN_DEFAULT", -1), ("SALT_LEN_AUTO", -2), ("CHALLENGE_LEN", 43)):
        m = re.search(rf"#define SOTER_{name} (-?\d+)", header_text)
        assert m and int(m.group(1)) == value


def test_named_classes_and_hierarchy() -> None:
    S = soter_verify
    expected = {
        "InvalidArgument": 1, "InvalidInput": 2, "InputTooLarge": 3, "InvalidKey": 4,
        "KeyTooSmall": 5, "UnsupportedKey": 6, "MalformedSignature": 7, "InvalidJson": 8,
        "DuplicateField": 9, "SignatureInvalid": 10, "ChallengeMismatch": 11,
        "DeviceMismatch": 12, "CounterReplay": 13, "NetworkError": 14, "Timeout": 15,
        "WeChatApiError": 16, "TokenError": 17, "MalformedResponse": 18, "ConfigError": 19,
        "StoreUnavailable": 20, "CertificateInvalid": 21, "UntrustedRoot": 22, "CertificateRevoked": 23, "InternalError": 99,
    }
    for name, status in expected.items():
        assert getattr(S, name).STATUS == status
    for cls in (S.SignatureInvalid, S.ChallengeMismatch, S.DeviceMismatch, S.CounterReplay):
        assert issubclass(cls, S.VerificationFailed)
    assert issubclass(S.VerificationFailed, S.SoterError)
    assert S.VerificationFailed.STATUS is None
    assert issubclass(S.KeyTooSmall, S.InvalidKey) and issubclass(S.UnsupportedKey, S.InvalidKey)
    assert issubclass(S.DuplicateField, S.InvalidJson)
    assert issubclass(S.InputTooLarge, S.InvalidInput)
    assert issubclass(S.Timeout, S.NetworkError)
    assert issubclass(S.UntrustedRoot, S.CertificateInvalid)
    assert issubclass(S.InvalidArgument, ValueError)
    assert not issubclass(S.SoterError, (ValueError, TypeError))


@pytest.mark.parametrize("status", sorted(STATUS_CLASSES))
def test_error_from_status_without_detail(status: int) -> None:
    exc = error_from_status(status)
    assert type(exc) is STATUS_CLASSES[status]
    assert exc.status == status
    assert exc.message == soter_verify.status_name(status)
    assert exc.status_name == soter_verify.status_name(status)
    assert str(exc) == exc.message


def test_unknown_status_falls_back_to_base() -> None:
    exc = error_from_status(1234)
    assert type(exc) is soter_verify.SoterError
    assert exc.status == 1234
    assert exc.status_name == "SOTER_STATUS_UNKNOWN"


def test_wechat_api_error_attributes() -> None:
    exc = soter_verify.WeChatApiError("invalid credential", errcode=40001, errmsg="invalid credential")
    assert exc.status == 16 and exc.errcode == 40001 and exc.errmsg == "invalid credential"
    assert isinstance(exc, soter_verify.SoterError)
    tok = soter_verify.TokenError("no token", errcode=40013, errmsg="invalid appid")
    assert tok.status == 17 and tok.errcode == 40013 and tok.errmsg == "invalid appid"
    plain = error_from_status(16)
    assert isinstance(plain, soter_verify.WeChatApiError) and plain.errcode is None and plain.errmsg is None


def test_real_error_carries_the_library_message() -> None:
    with pytest.raises(soter_verify.InvalidKey) as info:
        soter_verify.PublicKey.load(b"garbage!")
    exc = info.value
    assert exc.status == 4 and exc.status_name == "SOTER_STATUS_INVALID_KEY"
    assert "key" in exc.message and exc.message == str(exc)


def test_status_name() -> None:
    assert soter_verify.status_name(0) == "SOTER_STATUS_OK"
    assert soter_verify.status_name(10) == "SOTER_STATUS_SIGNATURE_INVALID"
    assert soter_verify.status_name(-5) == "SOTER_STATUS_UNKNOWN"
    assert soter_verify.status_name(2**40) == "SOTER_STATUS_UNKNOWN"
    with pytest.raises(TypeError):
        soter_verify.status_name("10")  # type: ignore[arg-type]


def test_raise_for_frees_and_raises() -> None:
    from ctypes import c_void_p

    with pytest.raises(soter_verify.InternalError):
        _errors.raise_for(99, c_void_p())
