"""PublicKey: loading every key form, bits, equality, PEM export, verify, handle lifetime."""

from __future__ import annotations

import base64
import gc
import json
import textwrap
import weakref

import pytest

import soter_verify
from soter_test_keys import EC_P256_PEM, KEY_A, KEY_B, SMALL_RSA_1024_PEM
from soter_verify import PublicKey


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der_int(v: int) -> bytes:
    body = v.to_bytes(v.bit_length() // 8 + 1, "big")
    return b"\x02" + _der_len(len(body)) + body


def pkcs1_der(n: int, e: int) -> bytes:
    body = _der_int(n) + _der_int(e)
    return b"\x30" + _der_len(len(body)) + body


def spki_der(pem: str) -> bytes:
    lines = [l for l in pem.strip().splitlines() if not l.startswith("-----")]
    return base64.b64decode("".join(lines))


def test_load_pem_and_bits(key_a: PublicKey) -> None:
    assert key_a.bits == 2048
    assert repr(key_a) == "<PublicKey RSA-2048>"


@pytest.mark.parametrize(
    "form",
    ["pem_str", "pem_bytes", "bytearray", "memoryview", "one_line", "no_newline", "crlf",
     "wrong_label", "bare_base64", "der", "pkcs1_pem", "pkcs1_der", "json_escaped"],
)
def test_load_every_form(form: str, key_a: PublicKey) -> None:
    pem = KEY_A.pem
    der = spki_der(pem)
    b64 = base64.b64encode(der).decode()
    data: object = {
        "pem_str": pem,
        "pem_bytes": pem.encode(),
        "bytearray": bytearray(pem.encode()),
        "memoryview": memoryview(pem.encode()),
        "one_line": f"-----BEGIN PUBLIC KEY-----{b64}-----END PUBLIC KEY-----",
        "no_newline": pem.rstrip("\n"),
        "crlf": pem.replace("\n", "\r\n"),
        "wrong_label": pem.replace("PUBLIC KEY", "RSA PUBLIC KEY"),
        "bare_base64": b64,
        "der": der,
        "pkcs1_pem": "-----BEGIN RSA PUBLIC KEY-----\n"
        + "\n".join(textwrap.wrap(base64.b64encode(pkcs1_der(KEY_A.n, KEY_A.e)).decode(), 64))
        + "\n-----END RSA PUBLIC KEY-----\n",
        "pkcs1_der": pkcs1_der(KEY_A.n, KEY_A.e),
        "json_escaped": json.dumps(pem)[1:-1].replace("/", "\\/"),
    }[form]
    with PublicKey.load(data) as key:  # type: ignore[arg-type]
        assert key == key_a
        assert key.bits == 2048


def test_equality_and_hash(key_a: PublicKey, key_b: PublicKey) -> None:
    again = PublicKey.load(KEY_A.pem)
    assert key_a == again and hash(key_a) == hash(again)
    assert key_a != key_b
    assert key_a != "not a key"
    assert len({key_a, again, key_b}) == 2


def test_to_pem_round_trip(key_a: PublicKey) -> None:
    pem = key_a.to_pem()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n") and pem.endswith("-----END PUBLIC KEY-----\n")
    assert all(len(line) <= 64 for line in pem.splitlines())
    assert spki_der(pem) == spki_der(KEY_A.pem)
    assert PublicKey.load(pem) == key_a
    assert key_a.to_pem() is pem  # cached


def test_load_errors() -> None:
    with pytest.raises(soter_verify.KeyTooSmall) as small:
        PublicKey.load(SMALL_RSA_1024_PEM)
    assert "1024" in small.value.message
    with pytest.raises(soter_verify.UnsupportedKey):
        PublicKey.load(EC_P256_PEM)
    with pytest.raises(soter_verify.InvalidKey):
        PublicKey.load("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    with pytest.raises(soter_verify.InvalidKey):
        PublicKey.load(b"\x30\x03\x02\x01\x01")
    with pytest.raises(soter_verify.InvalidInput):
        PublicKey.load(b"")
    with pytest.raises(soter_verify.InputTooLarge):
        PublicKey.load(b"A" * (64 * 1024 + 1))


@pytest.mark.parametrize("bad", [None, 42, 4.2, ["pem"], object()])
def test_load_wrong_types(bad: object) -> None:
    with pytest.raises(TypeError, match="data must be bytes"):
        PublicKey.load(bad)  # type: ignore[arg-type]


def test_direct_construction_is_refused() -> None:
    with pytest.raises(TypeError, match="PublicKey.load"):
        PublicKey()


def test_verify_valid_and_invalid(key_a: PublicKey, key_b: PublicKey) -> None:
    msg = b'{"raw":"x"}'
    sig = KEY_A.sign(msg)
    assert key_a.verify(msg, sig) is True
    assert key_a.verify(msg + b" ", sig) is False
    # Another key's signature is False both ways, also when its value exceeds this modulus.
    assert KEY_B.n < KEY_A.n
    assert key_a.verify(msg, KEY_B.sign(msg)) is False
    assert key_b.verify(msg, sig) is False
    assert key_a.verify(msg, b"\xff" * 256) is False
    assert key_b.verify(msg, KEY_B.sign(msg)) is True
    flipped = bytes([sig[0] ^ 1]) + sig[1:]
    assert key_a.verify(msg, flipped) is False


def test_verify_signature_encodings(key_a: PublicKey) -> None:
    msg = b"hello soter"
    sig = KEY_A.sign(msg)
    std = base64.b64encode(sig)
    wrapped = b"\n".join(std[i : i + 64] for i in range(0, len(std), 64)) + b"\n"
    for form in (sig, bytearray(sig), memoryview(sig), std, std.decode(), base64.urlsafe_b64encode(sig),
                 std.rstrip(b"="), wrapped, b"  " + std + b"\r\n"):
        assert key_a.verify(msg, form) is True, form
    # Hex: exactly two digits per signature byte (512 for RSA-2048), either case, wrapped.
    hx = sig.hex()
    for form in (hx, hx.upper(), hx.encode(), "\n".join(hx[i : i + 64] for i in range(0, len(hx), 64)) + "\n"):
        assert key_a.verify(msg, form) is True, form
    with pytest.raises(soter_verify.MalformedSignature, match="hex digits"):
        key_a.verify(msg, hx[:-1])


def test_verify_message_types(key_a: PublicKey) -> None:
    text = '{"raw":"挑战","uid":"1"}'
    sig = KEY_A.sign(text.encode("utf-8"))
    assert key_a.verify(text, sig)
    assert key_a.verify(text.encode(), sig)
    assert key_a.verify(bytearray(text.encode()), sig)
    assert key_a.verify(memoryview(text.encode()), sig)
    assert key_a.verify(b"", KEY_A.sign(b""))


def test_verify_salt_lengths(key_a: PublicKey) -> None:
    msg = b'{"raw":"r"}'
    sig32 = KEY_A.sign(msg, salt_len=32)
    assert key_a.verify(msg, sig32) is False  # default 20
    assert key_a.verify(msg, sig32, salt_len=32) is True
    assert key_a.verify(msg, sig32, salt_len="auto") is True
    assert key_a.verify(msg, KEY_A.sign(msg, salt_len=0), salt_len=0) is True
    assert key_a.verify(msg, KEY_A.sign(msg), salt_len=32) is False
    # rsa_pss_saltlen inside the signed JSON sets the default (Huawei signs with 32)
    huawei = b'{"raw":"r","rsa_pss_saltlen":32}'
    assert key_a.verify(huawei, KEY_A.sign(huawei, salt_len=32)) is True
    assert key_a.verify(huawei, KEY_A.sign(huawei, salt_len=20)) is False
    assert key_a.verify(huawei, KEY_A.sign(huawei, salt_len=20), salt_len=20) is True


@pytest.mark.parametrize("salt", [-1, -2, 2**31, "AUTO", "20"])
def test_verify_bad_salt_values(key_a: PublicKey, salt: object) -> None:
    with pytest.raises(soter_verify.InvalidArgument, match="salt_len"):
        key_a.verify(b"m", KEY_A.sign(b"m"), salt_len=salt)  # type: ignore[arg-type]


@pytest.mark.parametrize("salt", [20.0, True, b"auto", [20]])
def test_verify_bad_salt_types(key_a: PublicKey, salt: object) -> None:
    with pytest.raises(TypeError, match="salt_len"):
        key_a.verify(b"m", KEY_A.sign(b"m"), salt_len=salt)  # type: ignore[arg-type]


def test_verify_malformed_signatures(key_a: PublicKey) -> None:
    msg = b"m"
    for bad in (b"", b"!!!!", b"A" * 100, KEY_A.sign(msg)[:-1]):
        with pytest.raises(soter_verify.MalformedSignature):
            key_a.verify(msg, bad)
    with pytest.raises(soter_verify.InputTooLarge):
        key_a.verify(msg, b"A" * 9000)


@pytest.mark.parametrize("bad", [None, 1, 1.5, ["x"], {"a": 1}])
def test_verify_wrong_types(key_a: PublicKey, bad: object) -> None:
    sig = KEY_A.sign(b"m")
    with pytest.raises(TypeError, match="message must be"):
        key_a.verify(bad, sig)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="signature must be"):
        key_a.verify(b"m", bad)  # type: ignore[arg-type]


def test_close_twice_and_use_after_close() -> None:
    key = PublicKey.load(KEY_A.pem)
    sig = KEY_A.sign(b"m")
    assert not key.closed
    key.close()
    key.close()
    assert key.closed
    assert "closed" in repr(key)
    with pytest.raises(ValueError, match="PublicKey is closed"):
        key.verify(b"m", sig)
    with pytest.raises(ValueError, match="closed"):
        key.to_pem()
    with pytest.raises(ValueError, match="closed"):
        soter_verify.authenticate(key, b"{}", sig, challenge="c")
    with pytest.raises(ValueError, match="closed"):
        with key:
            pass
    assert key.bits == 2048  # plain data stays readable


def test_context_manager_closes() -> None:
    with PublicKey.load(KEY_A.pem) as key:
        assert key.verify(b"m", KEY_A.sign(b"m"))
    assert key.closed
    with pytest.raises(ValueError):
        key.verify(b"m", b"x")


def test_finalizer_frees_unclosed_key() -> None:
    from soter_verify._handle import _LIVE

    key = PublicKey.load(KEY_A.pem)
    key_id = id(key)
    ref = weakref.ref(key)
    assert key_id in _LIVE and not key._freed
    del key
    gc.collect()
    assert ref() is None
    assert key_id not in _LIVE


def test_close_runs_finalizer_once() -> None:
    freed: list[int] = []
    key = PublicKey.load(KEY_A.pem)
    from soter_verify._handle import _LIVE

    ptr, free, calls = _LIVE[id(key)]
    _LIVE[id(key)] = (ptr, lambda p: (freed.append(p), free(p)), calls)
    key.close()
    assert key._freed and freed == [ptr]
    key.close()
    key._free()  # calling again is a no-op
    del key
    gc.collect()
    assert freed == [ptr]
