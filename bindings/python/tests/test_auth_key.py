"""verify_auth_key(): an AuthKey export signed by the device's ASK."""

from __future__ import annotations

import json

import pytest

import soter_verify
from soter_test_keys import KEY_A, KEY_B
from soter_verify import AuthKey, PublicKey, verify_auth_key


def auth_key_json(pub_pem: str, counter: int = 240) -> bytes:
    # As devices send it: the PEM inside a JSON string with \n and \/ escapes.
    escaped = json.dumps(pub_pem).replace("/", "\\/")
    return f'{{"pub_key":{escaped},"cpu_id":"cpu-0001","counter":{counter},"uid":"10115"}}'.encode()


def test_verify_auth_key(key_a: PublicKey, key_b: PublicKey) -> None:
    doc = auth_key_json(KEY_A.pem)
    ak = verify_auth_key(key_b, doc, KEY_B.sign(doc))  # KEY_B plays the ASK
    assert isinstance(ak, AuthKey)
    assert (ak.cpu_id, ak.uid, ak.counter) == ("cpu-0001", "10115", 240)
    assert ak.public_key == key_a
    assert ak.pub_key == KEY_A.pem
    assert PublicKey.load(ak.pub_key) == key_a
    # the extracted key verifies results
    assert ak.public_key.verify(b"m", KEY_A.sign(b"m"))
    with ak:
        pass
    assert ak.public_key.closed


def test_auth_key_key_outlives_nothing(key_b: PublicKey) -> None:
    doc = auth_key_json(KEY_A.pem)
    key = verify_auth_key(key_b, doc, KEY_B.sign(doc)).public_key
    assert key.verify(b"m", KEY_A.sign(b"m"))  # independent of the freed AuthKey handle


def test_wrong_ask_or_tampered(key_a: PublicKey, key_b: PublicKey) -> None:
    doc = auth_key_json(KEY_A.pem)
    sig = KEY_B.sign(doc)
    with pytest.raises(soter_verify.SignatureInvalid):
        verify_auth_key(key_a, doc, sig)
    with pytest.raises(soter_verify.SignatureInvalid):
        verify_auth_key(key_b, auth_key_json(KEY_A.pem, counter=241), sig)


def test_input_errors(key_b: PublicKey) -> None:
    no_pub = b'{"cpu_id":"c","counter":1,"uid":"u"}'
    with pytest.raises(soter_verify.InvalidJson, match="pub_key"):
        verify_auth_key(key_b, no_pub, KEY_B.sign(no_pub))
    bad_key = b'{"pub_key":"not a key","cpu_id":"c","counter":1,"uid":"u"}'
    with pytest.raises(soter_verify.InvalidKey):
        verify_auth_key(key_b, bad_key, KEY_B.sign(bad_key))
    with pytest.raises(soter_verify.MalformedSignature):
        verify_auth_key(key_b, bad_key, b"!!")
    with pytest.raises(TypeError, match="ask must be a PublicKey"):
        verify_auth_key(None, bad_key, b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="auth_key_json"):
        verify_auth_key(key_b, None, b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="signature"):
        verify_auth_key(key_b, bad_key, None)  # type: ignore[arg-type]
    key_b.close()
    with pytest.raises(ValueError, match="closed"):
        verify_auth_key(key_b, bad_key, b"x")
