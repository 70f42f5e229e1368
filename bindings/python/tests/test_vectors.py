"""Conformance: the real device data in tests/vectors/tencent-soter-sample (see its README)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

import soter_verify
from soter_verify import PublicKey, ResultJson, authenticate, verify_auth_key

CPU_ID = "0900000026030000241a1e8e9e44c3a8e05b9c0c"


def _read(vectors: Path, name: str) -> bytes:
    return (vectors / name).read_bytes()


def test_final_json_valid(vectors: Path) -> None:
    key = PublicKey.load(_read(vectors, "auth_key.pem"))
    msg, sig = _read(vectors, "final_json.txt"), _read(vectors, "final_signature.bin")
    assert len(msg) == 245
    assert key.verify(msg, sig) is True
    assert key.verify(msg, base64.b64encode(sig).decode()) is True  # wire form
    assert key.verify(msg, sig, salt_len=20) is True
    assert key.verify(msg, sig, salt_len=32) is False
    assert key.verify(msg, sig, salt_len="auto") is True


def test_auth_key_json_valid(vectors: Path) -> None:
    ask = PublicKey.load(_read(vectors, "ask.pem"))
    msg, sig = _read(vectors, "auth_key_json.txt"), _read(vectors, "auth_key_signature.bin")
    assert ask.verify(msg, sig) is True
    assert ask.verify(msg, sig, salt_len=32) is False


def test_any_changed_byte_is_invalid(vectors: Path) -> None:
    key = PublicKey.load(_read(vectors, "auth_key.pem"))
    msg, sig = _read(vectors, "final_json.txt"), _read(vectors, "final_signature.bin")
    for i in range(len(msg)):
        changed = msg[:i] + bytes([msg[i] ^ 0x01]) + msg[i + 1 :]
        assert key.verify(changed, sig) is False, i


def test_other_key_is_invalid(vectors: Path) -> None:
    ask = PublicKey.load(_read(vectors, "ask.pem"))
    auth = PublicKey.load(_read(vectors, "auth_key.pem"))
    assert ask.verify(_read(vectors, "final_json.txt"), _read(vectors, "final_signature.bin")) is False
    assert auth.verify(_read(vectors, "auth_key_json.txt"), _read(vectors, "auth_key_signature.bin")) is False


def test_final_json_parses(vectors: Path) -> None:
    r = ResultJson.parse(_read(vectors, "final_json.txt"))
    assert r.raw == "I'm a demo challenge string"
    assert r.fid == "2313170" and r.counter == 246
    assert r.tee_n == "t-base-Mediatek-Armv8-Android-302A-V012-20160705_104258_41"
    assert (r.tee_v, r.fp_n, r.fp_v, r.cpu_id, r.uid) == ("10010", "FPC", "6516", CPU_ID, "10115")


def test_auth_key_json_parses_and_verifies(vectors: Path) -> None:
    ask = PublicKey.load(_read(vectors, "ask.pem"))
    ak = verify_auth_key(ask, _read(vectors, "auth_key_json.txt"), _read(vectors, "auth_key_signature.bin"))
    assert (ak.counter, ak.uid, ak.cpu_id) == (240, "10115", CPU_ID)
    assert ak.public_key == PublicKey.load(_read(vectors, "auth_key.pem"))
    with pytest.raises(soter_verify.SignatureInvalid):
        verify_auth_key(ask, _read(vectors, "auth_key_json.txt"), _read(vectors, "final_signature.bin"))


def test_full_flow_on_device_data(vectors: Path) -> None:
    ask = PublicKey.load(_read(vectors, "ask.pem"))
    with verify_auth_key(ask, _read(vectors, "auth_key_json.txt"), _read(vectors, "auth_key_signature.bin")) as ak:
        msg, sig = _read(vectors, "final_json.txt"), base64.b64encode(_read(vectors, "final_signature.bin"))
        r = authenticate(ak.public_key, msg, sig, challenge="I'm a demo challenge string",
                         cpu_id=ak.cpu_id, uid=ak.uid, min_counter=ak.counter + 1)
        assert r.counter == 246
        with pytest.raises(soter_verify.CounterReplay):
            authenticate(ak.public_key, msg, sig, challenge=r.raw, min_counter=247)
        with pytest.raises(soter_verify.ChallengeMismatch):
            authenticate(ak.public_key, msg, sig, challenge="I'm a demo challenge strinG")
