"""Trusting the ASK: the real Huawei certificate chain, tampering, trust via roots=, validity,
attestation content, hostile input, the AuthKey step against the ASK's device, and classic ASKs
through the emulator's verify_ask and is_support."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, List

import pytest

import soter_verify as S
from soter_verify.testing import TEST_NOT_AFTER, Device, TestKeyPair, TestRoot, WeChatEmulator

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
HUAWEI_ROOT_SPKI = "ce6e5dcf8859401b2c65d04246d675d45b7531f81f997c1ae8dc73fa83135fb9"
CPU = "HUAWEI_HWLYA_b3161401-62fa-4d9b-a102-e12a79d814a6-54843a61"


@pytest.fixture(scope="module")
def chain_json(vectors: Path) -> bytes:
    return (vectors / "ask_cert_json.txt").read_bytes()


@pytest.fixture(scope="module")
def pems(chain_json: bytes) -> List[str]:
    return list(json.loads(chain_json)["certs"])


def der(pem: str) -> bytes:
    return base64.b64decode("".join(l for l in pem.splitlines() if not l.startswith("-----")))


@pytest.fixture(scope="module")
def root() -> Iterator[TestRoot]:
    with TestRoot.generate() as r:
        yield r


@pytest.fixture(scope="module")
def ask_key() -> Iterator[TestKeyPair]:
    with TestKeyPair.generate(2048) as k:
        yield k


def test_the_real_chain_with_the_builtin_root(chain_json: bytes, pems: List[str]) -> None:
    with S.verify_ask_chain(chain_json, at=AT) as ask:
        assert ask.format == "certificate_chain"
        assert (ask.cpu_id, ask.uid, ask.counter, ask.rsa_pss_saltlen) == (CPU, "10147", 88, 32)
        assert ask.public_key.bits == 2048
        assert ask.subjects[0] == "CN=A Keymaster Key" and len(ask.subjects) == 4
        assert "Huawei CBG Root CA" in ask.subjects[3]
        assert ask.root_spki_sha256 == HUAWEI_ROOT_SPKI
        assert json.loads(ask.signed_json)["counter"] == 88
        assert "10147" in repr(ask)
    assert ask.public_key.closed
    # As str, as a list of PEM, as a list of DER; `at` as Unix seconds.
    for certs in (chain_json.decode(), pems, [der(p) for p in pems]):
        with S.verify_ask_chain(certs, at=int(AT.timestamp())) as a:  # type: ignore[arg-type]
            assert a.counter == 88


def test_tampering_root_removed_and_validity(pems: List[str]) -> None:
    ders = [der(p) for p in pems]
    for i in range(4):
        bad = list(ders)
        flipped = bytearray(bad[i])
        flipped[-10] ^= 1
        bad[i] = bytes(flipped)
        with pytest.raises(S.CertificateInvalid, match=f"certificate #{i}") as ei:
            S.verify_ask_chain(bad, at=AT)
        assert not isinstance(ei.value, S.UntrustedRoot)
    with pytest.raises(S.UntrustedRoot, match="Equipment CA"):
        S.verify_ask_chain(ders[:3], at=AT)
    with pytest.raises(S.CertificateInvalid, match="expired"):
        S.verify_ask_chain(ders, at=datetime(2028, 6, 1))  # naive: UTC
    with pytest.raises(S.CertificateInvalid, match="not valid before"):
        S.verify_ask_chain(ders, at=datetime(2018, 1, 1, tzinfo=timezone.utc))


def test_top_level_fields_must_match(chain_json: bytes) -> None:
    doc = json.loads(chain_json)
    ok = dict(doc, cpu_id=CPU, uid=10147, counter=88)
    with S.verify_ask_chain(json.dumps(ok), at=AT) as a:
        assert a.uid == "10147"
    for field, value in (("cpu_id", "other"), ("uid", "1"), ("counter", 87)):
        with pytest.raises(S.CertificateInvalid, match=field):
            S.verify_ask_chain(json.dumps(dict(doc, **{field: value})), at=AT)


def test_hostile_inputs(pems: List[str]) -> None:
    with pytest.raises(S.CertificateInvalid, match="empty"):
        S.verify_ask_chain('{"certs":[]}', at=AT)
    with pytest.raises(S.CertificateInvalid, match="empty"):
        S.verify_ask_chain([], at=AT)
    with pytest.raises(S.CertificateInvalid, match="at most 10"):
        S.verify_ask_chain([der(pems[0])] * 100, at=AT)
    with pytest.raises(S.InputTooLarge):
        S.verify_ask_chain([b"\x30\x83\x10\x00\x00" + b"A" * (1 << 20)], at=AT)
    d = [der(p) for p in pems]
    with pytest.raises(S.CertificateInvalid, match="repeats"):
        S.verify_ask_chain([d[0], d[1], d[2], d[1]], at=AT)
    with pytest.raises(S.CertificateInvalid):
        S.verify_ask_chain([b"\x30\x84\xff\xff\xff\xff" * 1000], at=AT)
    with pytest.raises(S.InvalidJson):
        S.verify_ask_chain('{"certs":"x"}', at=AT)
    with pytest.raises(TypeError):
        S.verify_ask_chain(42, at=AT)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        S.verify_ask_chain(d, at="2026")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        S.verify_ask_chain(d, roots=b"x")
    with pytest.raises(S.InvalidArgument):
        S.verify_ask_chain(d, at=-1)


def test_self_made_chain_untrusted_then_trusted(root: TestRoot, ask_key: TestKeyPair) -> None:
    with Device() as dev:
        chain = dev.ask_chain(ask_key, root)
        with pytest.raises(S.UntrustedRoot, match="not a trusted root"):
            S.verify_ask_chain(chain)
        with S.verify_ask_chain(chain, roots=[root.root_pem]) as ask:
            assert (ask.cpu_id, ask.uid, ask.rsa_pss_saltlen) == (dev.cpu_id, dev.uid, None)
            assert ask.public_key == ask_key.public_key
        with pytest.raises(S.CertificateInvalid, match="expired"):
            S.verify_ask_chain(chain, roots=[root.root_pem], at=TEST_NOT_AFTER + 1)
        bare = dev.ask_chain(ask_key, root, attestation=False)
        with pytest.raises(S.CertificateInvalid, match="no key-attestation extension"):
            S.verify_ask_chain(bare, roots=[root.root_pem])
        with pytest.raises(S.CertificateInvalid, match="roots"):
            S.verify_ask_chain(chain, roots=["not a certificate"])


def test_auth_key_step_checks_device_and_attested_salt(root: TestRoot, ask_key: TestKeyPair) -> None:
    with Device() as dev, Device() as other:
        ask = S.verify_ask_chain(dev.ask_chain(ask_key, root, rsa_pss_saltlen=32), roots=[root.root_pem])
        assert ask.rsa_pss_saltlen == 32
        doc, sig = dev.signed_auth_key(ask_key, salt_len=32)
        with S.verify_auth_key(ask, doc, sig) as ak:
            assert ak.public_key == dev.public_key and ak.cpu_id == dev.cpu_id
        doc20, sig20 = dev.signed_auth_key(ask_key)
        with pytest.raises(S.SignatureInvalid):
            S.verify_auth_key(ask, doc20, sig20)
        odoc, osig = other.signed_auth_key(ask_key, salt_len=32)
        with pytest.raises(S.DeviceMismatch):
            S.verify_auth_key(ask, odoc, osig)
        # Stored and rebuilt later: the same checks.
        pem = ask.public_key.to_pem()
        with S.Ask.from_stored(S.PublicKey.load(pem), cpu_id=ask.cpu_id, uid=ask.uid, rsa_pss_saltlen=32) as again:
            assert again.subjects == () and again.root_spki_sha256 is None
            S.verify_auth_key(again, doc, sig).close()
            with pytest.raises(S.DeviceMismatch):
                S.verify_auth_key(again, odoc, osig)
        with pytest.raises(S.InvalidArgument):
            S.Ask.from_stored(ask.public_key, cpu_id="c", uid="u", format="other")
        ask.close()
        ask.close()
        with pytest.raises(ValueError):
            S.verify_auth_key(ask, doc, sig)
        with pytest.raises(TypeError):
            S.verify_auth_key("key", doc, sig)  # type: ignore[arg-type]


def test_keys_by_content(pems: List[str], vectors: Path) -> None:
    with S.verify_ask_chain(pems, at=AT) as ask:
        assert S.PublicKey.load(pems[0]) == ask.public_key
    spki = (vectors / "ask.pem").read_text()
    mangled = spki.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE----").replace(
        "END PUBLIC KEY", "END CERTIFICATE"
    )
    assert S.PublicKey.load(mangled) == S.PublicKey.load(spki)


def test_classic_ask_through_the_emulator_and_full_enrollment(ask_key: TestKeyPair) -> None:
    with WeChatEmulator() as wechat, TestKeyPair.generate(2048) as attk, TestKeyPair.generate(2048) as wrong, Device() as dev:
        wechat.register_attk(attk.public_key_pem)
        with pytest.raises(S.InvalidKey):
            wechat.register_attk("nope")
        with wechat.client() as client:
            ask_json, ask_sig = dev.classic_ask(ask_key, attk)
            with client.soter_verify_ask(ask_json, ask_sig) as ask:
                assert ask.format == "classic" and ask.subjects == ()
                assert (ask.cpu_id, ask.uid) == (dev.cpu_id, dev.uid)
                doc, sig = dev.signed_auth_key(ask_key)
                with S.verify_auth_key(ask, doc, sig) as ak:
                    challenge = S.new_challenge()
                    rj, rs = dev.sign_result(challenge)
                    r = S.authenticate(ak.public_key, rj, rs, challenge=challenge, cpu_id=ak.cpu_id, uid=ak.uid)
                    assert r.cpu_id == dev.cpu_id
            assert wechat.requests_to("/cgi-bin/soter_3rdapp/verify_ask") == 1
            # Forged and wrong ATTK.
            forged = ask_json.replace(f'"uid":"{dev.uid}"'.encode(), b'"uid":"99999"')
            assert forged != ask_json
            with pytest.raises(S.SignatureInvalid, match="is_verified"):
                client.soter_verify_ask(forged, ask_sig)
            _, wrong_sig = dev.classic_ask(ask_key, wrong)
            with pytest.raises(S.SignatureInvalid):
                client.soter_verify_ask(ask_json, wrong_sig)
            # errcode paths.
            wechat.inject_fault("system_busy", count=None, path="/cgi-bin/soter_3rdapp/verify_ask")
            with pytest.raises(S.WeChatApiError) as ei:
                client.soter_verify_ask(ask_json, ask_sig)
            assert ei.value.errcode == -1
            wechat.clear_faults()
            with pytest.raises(S.InvalidJson):
                client.soter_verify_ask("{}", ask_sig)


def test_is_support() -> None:
    with WeChatEmulator() as wechat, wechat.client() as client:
        wechat.register_model("HUAWEI-ELS-AN00", 3)
        assert client.soter_is_support("HUAWEI-ELS-AN00") == (True, 3)
        assert client.soter_is_support("unknown") == (False, 0)
        with pytest.raises(S.InvalidInput):
            wechat.register_model("x", 4)
        with pytest.raises(S.InvalidInput):
            client.soter_is_support("")
        wechat.inject_fault("expired_token", count=None, path="/cgi-bin/soter_3rdapp/is_support")
        with pytest.raises(S.SoterError):
            client.soter_is_support("HUAWEI-ELS-AN00")
