"""authenticate(): signature, challenge, device, counter; every verdict and input error."""

from __future__ import annotations

import base64

import pytest

import soter_verify
from conftest import result_json
from soter_test_keys import KEY_A, KEY_B
from soter_verify import PublicKey, authenticate


def test_success_returns_parsed_result(key_a: PublicKey) -> None:
    doc = result_json(raw="chal", counter=9)
    sig = base64.b64encode(KEY_A.sign(doc)).decode()
    r = authenticate(key_a, doc, sig, challenge="chal", cpu_id="cpu-0001", uid="10115", min_counter=9)
    assert r.raw == "chal" and r.counter == 9 and r.uid == "10115"
    assert r == soter_verify.ResultJson.parse(doc)
    # str inputs (as from a JSON request body) and bytes challenge
    assert authenticate(key_a, doc.decode(), sig, challenge=b"chal").counter == 9


def test_signature_invalid(key_a: PublicKey) -> None:
    doc = result_json(raw="chal")
    with pytest.raises(soter_verify.SignatureInvalid) as info:
        authenticate(key_a, doc, KEY_B.sign(doc), challenge="chal")
    assert isinstance(info.value, soter_verify.VerificationFailed)
    assert info.value.status == 10
    tampered = doc.replace(b'"counter":7', b'"counter":8')
    with pytest.raises(soter_verify.SignatureInvalid):
        authenticate(key_a, tampered, KEY_A.sign(doc), challenge="chal")


def test_challenge_mismatch(key_a: PublicKey) -> None:
    doc = result_json(raw="chal")
    with pytest.raises(soter_verify.ChallengeMismatch) as info:
        authenticate(key_a, doc, KEY_A.sign(doc), challenge="other")
    assert isinstance(info.value, soter_verify.VerificationFailed)


def test_device_mismatch(key_a: PublicKey) -> None:
    doc = result_json(raw="chal")
    sig = KEY_A.sign(doc)
    with pytest.raises(soter_verify.DeviceMismatch):
        authenticate(key_a, doc, sig, challenge="chal", cpu_id="another-cpu")
    with pytest.raises(soter_verify.DeviceMismatch):
        authenticate(key_a, doc, sig, challenge="chal", uid="99999")


def test_counter_replay(key_a: PublicKey) -> None:
    doc = result_json(raw="chal", counter=7)
    sig = KEY_A.sign(doc)
    assert authenticate(key_a, doc, sig, challenge="chal", min_counter=0).counter == 7
    assert authenticate(key_a, doc, sig, challenge="chal", min_counter=7).counter == 7
    with pytest.raises(soter_verify.CounterReplay):
        authenticate(key_a, doc, sig, challenge="chal", min_counter=8)
    with pytest.raises(soter_verify.CounterReplay):
        authenticate(key_a, doc, sig, challenge="chal", min_counter=2**64 - 1)


def test_salt_len_option(key_a: PublicKey) -> None:
    doc = result_json(raw="chal")
    sig = KEY_A.sign(doc, salt_len=32)
    with pytest.raises(soter_verify.SignatureInvalid):
        authenticate(key_a, doc, sig, challenge="chal")
    assert authenticate(key_a, doc, sig, challenge="chal", salt_len=32).raw == "chal"
    assert authenticate(key_a, doc, sig, challenge="chal", salt_len="auto").raw == "chal"
    huawei = result_json(raw="chal", extra=',"rsa_pss_saltlen":32')
    r = authenticate(key_a, huawei, KEY_A.sign(huawei, salt_len=32), challenge="chal")
    assert r.rsa_pss_saltlen == 32


def test_input_errors(key_a: PublicKey) -> None:
    doc = result_json(raw="chal")
    sig = KEY_A.sign(doc)
    with pytest.raises(soter_verify.InvalidArgument, match="challenge"):
        authenticate(key_a, doc, sig, challenge="")
    with pytest.raises(soter_verify.MalformedSignature):
        authenticate(key_a, doc, b"", challenge="chal")
    bad_doc = b'{"raw":"chal"}'
    with pytest.raises(soter_verify.InvalidJson):
        authenticate(key_a, bad_doc, KEY_A.sign(bad_doc), challenge="chal")
    with pytest.raises(soter_verify.InvalidArgument):
        authenticate(key_a, doc, sig, challenge="chal", min_counter=-1)
    with pytest.raises(soter_verify.InvalidArgument):
        authenticate(key_a, doc, sig, challenge="chal", min_counter=2**64)


def test_type_errors(key_a: PublicKey) -> None:
    doc = result_json(raw="chal")
    sig = KEY_A.sign(doc)
    with pytest.raises(TypeError, match="key must be a PublicKey"):
        authenticate(KEY_A.pem, doc, sig, challenge="chal")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="result_json"):
        authenticate(key_a, None, sig, challenge="chal")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="signature"):
        authenticate(key_a, doc, 5, challenge="chal")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="challenge"):
        authenticate(key_a, doc, sig, challenge=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="challenge"):
        authenticate(key_a, doc, sig, challenge=123)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cpu_id"):
        authenticate(key_a, doc, sig, challenge="chal", cpu_id=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="uid"):
        authenticate(key_a, doc, sig, challenge="chal", uid=10115)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="min_counter"):
        authenticate(key_a, doc, sig, challenge="chal", min_counter="7")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="min_counter"):
        authenticate(key_a, doc, sig, challenge="chal", min_counter=True)
    with pytest.raises(TypeError):
        authenticate(key_a, doc, sig, "chal")  # type: ignore[misc]


def test_result_larger_than_the_first_buffer(key_a: PublicKey) -> None:
    # The packed fields do not fit the wrapper's first 1 KiB output buffer: read again with room.
    big = "x" * 3000
    doc = result_json(raw="chal", extra=f',"bo_t":"{big}"')
    r = authenticate(key_a, doc, KEY_A.sign(doc), challenge="chal", cpu_id="cpu-0001", uid="10115", min_counter=7)
    assert r.extra == {"bo_t": f'"{big}"'} and r.raw == "chal" and r.uid == "10115"
    assert r == soter_verify.ResultJson.parse(doc)


def test_texts_beyond_the_one_buffer_heads_lengths(key_a: PublicKey, monkeypatch: pytest.MonkeyPatch) -> None:
    # A text of 4 GiB or more does not fit the one-buffer head's 32-bit lengths: struct refuses
    # to pack it and the call goes through the (pointer, length) export instead, with the same
    # checks (simulated here: no test holds 4 GiB).
    import struct

    from soter_verify import _core

    def too_long(*args: object) -> bytes:
        raise struct.error("'I' format requires 0 <= number <= 4294967295")

    monkeypatch.setattr(_core, "_auth_in", too_long)
    doc = result_json(raw="chal", counter=9)
    sig = base64.b64encode(KEY_A.sign(doc)).decode()
    r = authenticate(key_a, doc, sig, challenge="chal", cpu_id="cpu-0001", uid="10115", min_counter=9)
    assert r == soter_verify.ResultJson.parse(doc)
    with pytest.raises(soter_verify.ChallengeMismatch):
        authenticate(key_a, doc, sig, challenge="other")
    with pytest.raises(soter_verify.DeviceMismatch):
        authenticate(key_a, doc, sig, challenge="chal", uid="10116")
    with pytest.raises(soter_verify.CounterReplay):
        authenticate(key_a, doc, sig, challenge="chal", min_counter=10)
    with pytest.raises(soter_verify.SignatureInvalid):
        authenticate(key_a, doc, KEY_B.sign(doc), challenge="chal")
