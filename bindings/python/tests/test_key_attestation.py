"""General Android key attestation: real Google-rooted chains (Pixel 8a with the RSA root, Pixel
9a with the 2026 P-384 root, a Pixel 9 ML-DSA leaf) decoded field by field, revocation,
trust, validity and hostile input."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

import soter_verify as S

AKITA_AT = 1727237961
TEGU_AT = 1772324168


@pytest.fixture(scope="module")
def ka_dir(vectors: Path) -> Path:
    return vectors.parent / "android-keyattestation"


def published(path: Path) -> dict:  # type: ignore[type-arg]
    text = "\n".join(l for l in path.read_text().splitlines() if not l.lstrip().startswith("//"))
    return json.loads(text)  # type: ignore[no-any-return]


def test_a_pixel_8a_chain_decodes_as_published(ka_dir: Path) -> None:
    pem = (ka_dir / "akita/sdk34/TEE_RSA_BASE+IMEI.pem").read_bytes()
    want = published(ka_dir / "akita/sdk34/TEE_RSA_BASE+IMEI.json")
    ka = S.verify_key_attestation(pem, at=AKITA_AT)
    assert isinstance(ka, S.KeyAttestation)
    assert ka.attestation_version == int(want["attestationVersion"]) == 300
    assert (ka.attestation_security_level, ka.keymint_security_level) == ("tee", "tee")
    assert ka.attestation_challenge == base64.b64decode(want["attestationChallenge"])
    assert ka.unique_id == b""
    hw, sw = ka.hardware_enforced, ka.software_enforced
    w_hw, w_sw = want["hardwareEnforced"], want["softwareEnforced"]
    assert hw.purposes == (2,)  # SIGN
    assert hw.algorithm == int(w_hw["algorithms"]) and hw.key_size == 2048
    assert hw.rsa_public_exponent == 65537 and hw.no_auth_required and hw.origin == 0
    rot = hw.root_of_trust
    assert rot is not None and not rot.device_locked and rot.verified_boot_state == "unverified"
    assert rot.verified_boot_key == base64.b64decode(w_hw["rootOfTrust"]["verifiedBootKey"])
    assert rot.verified_boot_hash == base64.b64decode(w_hw["rootOfTrust"]["verifiedBootHash"])
    assert (hw.os_version, hw.os_patch_level) == (140000, 202408)
    assert (hw.vendor_patch_level, hw.boot_patch_level) == (20240805, 20240805)
    assert hw.attestation_id_brand == b"google" and hw.attestation_id_model == b"Pixel 8a"
    assert hw.attestation_id_imei == w_hw["attestationIdImei"].encode()
    assert hw.attestation_id_second_imei == w_hw["attestationIdSecondImei"].encode()
    # The software list is apart: creation time and the application id live there only.
    assert sw.creation_date_time == int(w_sw["creationDateTime"]) and hw.creation_date_time is None
    app = sw.attestation_application_id
    assert app is not None and app.packages == (("AndroidSystem", 1),) and app.signature_digests == ()
    assert sw.purposes is None and not sw.no_auth_required
    assert ka.public_key[:1] == b"\x30" and ka.public_key_algorithm == "RSA 2048"
    assert len(ka.subjects) == len(ka.serials) == 5
    assert ka.root_spki_sha256.hex() == "feb2ea7551ee316ed4bb443c8293b884dbfdea40b603ee3e4f4a897e4580fbae"


def test_the_2026_root_and_an_ml_dsa_leaf(ka_dir: Path) -> None:
    ka = S.verify_key_attestation((ka_dir / "tegu/sdk36/TEE_EC_2026_ROOT.pem").read_text(), at=TEGU_AT)
    assert ka.root_spki_sha256.hex() == "3ee44512a1af2beb39c889490c60ea3f82e43f5d5a5532f5ab9419f676cd07ec"
    assert ka.hardware_enforced.module_hash is None and ka.software_enforced.module_hash is not None
    ml = S.verify_key_attestation((ka_dir / "tokay/sdk37/TEE_MLDSA_RKP.pem").read_bytes(), at=1777757452)
    assert ml.public_key_algorithm.startswith("ML-DSA-65")
    assert ml.hardware_enforced.ml_dsa_variant == 1


def test_revocation_trust_validity_and_hostile_input(ka_dir: Path) -> None:
    pem = (ka_dir / "akita/sdk34/TEE_RSA_BASE+IMEI.pem").read_bytes()
    ka = S.verify_key_attestation(pem, at=AKITA_AT)
    listed = json.dumps({"entries": {ka.serials[2].upper(): {"status": "REVOKED", "reason": "KEY_COMPROMISE"}}})
    with pytest.raises(S.CertificateRevoked, match="certificate #2") as ei:
        S.verify_key_attestation(pem, at=AKITA_AT, revocations=listed)
    assert isinstance(ei.value, S.CertificateInvalid) and ei.value.STATUS == 23
    assert S.status_name(23) == "SOTER_STATUS_CERTIFICATE_REVOKED"
    S.verify_key_attestation(pem, at=AKITA_AT, revocations=b'{"entries": {}}')
    with pytest.raises(S.InvalidJson):
        S.verify_key_attestation(pem, at=AKITA_AT, revocations=b"[]")
    with pytest.raises(S.CertificateInvalid, match="expired"):
        S.verify_key_attestation(pem, at=AKITA_AT + 90 * 86400)
    blocks = [b + "-----END CERTIFICATE-----\n" for b in pem.decode().split("-----END CERTIFICATE-----")[:-1]]
    with pytest.raises(S.UntrustedRoot):
        S.verify_key_attestation(blocks[:-1], at=AKITA_AT)
    with pytest.raises(S.CertificateInvalid):
        S.verify_key_attestation(pem[: len(pem) // 2], at=AKITA_AT)
    with pytest.raises(TypeError):
        S.verify_key_attestation(pem, roots=b"x")  # type: ignore[arg-type]


def test_a_test_root_chain_is_trusted_through_roots() -> None:
    from soter_verify.testing import Device, TestKeyPair, TestRoot

    with TestRoot.generate() as root, TestKeyPair.generate(2048) as key, Device() as dev:
        chain = json.loads(dev.ask_chain(key, root))["certs"]
        with pytest.raises(S.UntrustedRoot):
            S.verify_key_attestation(chain, at=1_700_000_000)
        ka = S.verify_key_attestation(chain, roots=[root.root_pem], at=1_700_000_000)
        assert ka.hardware_enforced.purposes == (2,) and ka.hardware_enforced.origin == 0


def test_ask_chain_policy_and_revocations(vectors: Path) -> None:
    chain = (vectors / "ask_cert_json.txt").read_bytes()
    at = 1767225600
    with S.verify_ask_chain(chain, at=at, policy=S.AttestationPolicy()) as a:
        assert a.uid == "10147"
    with S.verify_ask_chain(chain, at=at, policy=S.AttestationPolicy.permissive()) as a:
        assert a.counter == 88
    listed = b'{"entries": {"2018042515095541dcf7433590c5624e": {"status": "REVOKED"}}}'
    with pytest.raises(S.CertificateRevoked, match="certificate #1"):
        S.verify_ask_chain(chain, at=at, revocations=listed)
    pems = json.loads(chain)["certs"]
    with S.verify_ask_chain(pems, at=at, revocations=b'{"entries": {}}') as a:
        assert a.cpu_id.startswith("HUAWEI")
