"""Bad input everywhere: wrong types, None, empty, huge (16 MiB). Clear exceptions, no crash."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import soter_verify
from conftest import result_json
from soter_test_keys import KEY_A
from soter_verify import PublicKey, ResultJson, authenticate, verify_auth_key

HUGE = b"\x00A{" * (16 * 1024 * 1024 // 3)
HUGE_STR = "x" * (16 * 1024 * 1024)


@pytest.fixture
def key() -> PublicKey:
    return PublicKey.load(KEY_A.pem)


def test_huge_inputs(key: PublicKey) -> None:
    sig = KEY_A.sign(b"m")
    with pytest.raises(soter_verify.InputTooLarge):
        PublicKey.load(HUGE)
    with pytest.raises(soter_verify.InputTooLarge):
        PublicKey.load(HUGE_STR)
    with pytest.raises(soter_verify.InputTooLarge):
        ResultJson.parse(HUGE)
    with pytest.raises(soter_verify.InputTooLarge):
        key.verify(b"m", HUGE)
    # A huge message is legal input: it is hashed and simply does not verify.
    assert key.verify(HUGE, sig) is False
    assert key.verify(HUGE_STR, sig) is False
    assert key.verify(bytearray(HUGE), sig) is False
    with pytest.raises(soter_verify.SoterError):
        authenticate(key, HUGE, sig, challenge="c")
    with pytest.raises(soter_verify.InputTooLarge):
        authenticate(key, result_json(), HUGE, challenge="c")
    with pytest.raises(soter_verify.SoterError):
        verify_auth_key(key, HUGE, sig)
    with pytest.raises(soter_verify.InputTooLarge):
        verify_auth_key(key, b"{}", HUGE)
    with pytest.raises(soter_verify.ChallengeMismatch):
        doc = result_json()
        authenticate(key, doc, KEY_A.sign(doc), challenge=HUGE_STR)


def test_empty_inputs(key: PublicKey) -> None:
    with pytest.raises(soter_verify.InvalidInput):
        PublicKey.load("")
    with pytest.raises(soter_verify.InvalidInput):
        ResultJson.parse(b"")
    with pytest.raises(soter_verify.MalformedSignature):
        key.verify(b"m", "")
    with pytest.raises(soter_verify.SoterError):
        authenticate(key, b"", KEY_A.sign(b""), challenge="c")
    with pytest.raises(soter_verify.SoterError):
        verify_auth_key(key, b"", KEY_A.sign(b""))


CALLS: list[tuple[str, Callable[[PublicKey, Any], object]]] = [
    ("load", lambda k, v: PublicKey.load(v)),
    ("parse", lambda k, v: ResultJson.parse(v)),
    ("verify-msg", lambda k, v: k.verify(v, b"x")),
    ("verify-sig", lambda k, v: k.verify(b"m", v)),
    ("authenticate-doc", lambda k, v: authenticate(k, v, b"x", challenge="c")),
    ("authenticate-sig", lambda k, v: authenticate(k, b"{}", v, challenge="c")),
    ("authenticate-key", lambda k, v: authenticate(v, b"{}", b"x", challenge="c")),
    ("auth-key-ask", lambda k, v: verify_auth_key(v, b"{}", b"x")),
    ("auth-key-doc", lambda k, v: verify_auth_key(k, v, b"x")),
    ("auth-key-sig", lambda k, v: verify_auth_key(k, b"{}", v)),
]


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
@pytest.mark.parametrize("bad", [None, 0, -1, 3.14, [], {}, object(), True], ids=repr)
def test_wrong_types_raise_type_error(key: PublicKey, name: str, call: Callable[[PublicKey, Any], object], bad: object) -> None:
    with pytest.raises(TypeError) as info:
        call(key, bad)
    assert "must be" in str(info.value)


def test_embedded_nul_bytes_are_data_not_terminators(key: PublicKey) -> None:
    msg = b"a\x00b\x00"
    sig = KEY_A.sign(msg)
    assert key.verify(msg, sig)
    assert not key.verify(b"a", sig)
    with pytest.raises(soter_verify.InvalidJson):
        ResultJson.parse(result_json() + b"\x00")


def test_non_contiguous_memoryview(key: PublicKey) -> None:
    msg = b"abcdef"
    sig = KEY_A.sign(b"ace")
    assert key.verify(memoryview(msg)[::2], sig)
