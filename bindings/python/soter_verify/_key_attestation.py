"""General Android key attestation: :func:`verify_key_attestation` and the decoded
:class:`KeyAttestation` (the leaf's KeyDescription, its key and the chain)."""

from __future__ import annotations

import json
from ctypes import byref, c_size_t, c_void_p
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from . import _native as N
from ._ask import When, _at, _bytes_array
from ._core import BytesLike, as_bytes
from ._errors import raise_for
from ._native import lib

#: KeyMint purposes and origins, as the authorization lists carry them.
PURPOSE_ENCRYPT, PURPOSE_DECRYPT, PURPOSE_SIGN, PURPOSE_VERIFY = 0, 1, 2, 3
ORIGIN_GENERATED, ORIGIN_DERIVED, ORIGIN_IMPORTED, ORIGIN_UNKNOWN, ORIGIN_SECURELY_IMPORTED = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class AttestationPolicy:
    """What :func:`verify_ask_chain` requires of the leaf's KeyDescription. The default: both
    security levels TEE or StrongBox, origin GENERATED, purpose SIGN (or Huawei SOTER's vendor
    purpose); each flag relaxes one requirement. The chain rules (the leaf never a CA) stay."""

    allow_software: bool = False
    any_origin: bool = False
    any_purpose: bool = False

    @classmethod
    def permissive(cls) -> "AttestationPolicy":
        return cls(True, True, True)

    def _flags(self) -> int:
        return (1 if self.allow_software else 0) | (2 if self.any_origin else 0) | (4 if self.any_purpose else 0)


@dataclass(frozen=True)
class RootOfTrust:
    verified_boot_key: bytes
    device_locked: bool
    #: ``"verified"``, ``"self_signed"``, ``"unverified"`` or ``"failed"``.
    verified_boot_state: str
    verified_boot_hash: Optional[bytes]


@dataclass(frozen=True)
class AttestationApplicationId:
    #: (package name, version) pairs.
    packages: Tuple[Tuple[str, int], ...]
    #: SHA-256 digests of the app's signing certificates.
    signature_digests: Tuple[bytes, ...]


_INTS = (
    "algorithm", "key_size", "ec_curve", "ml_dsa_variant", "rsa_public_exponent", "active_date_time",
    "origination_expire_date_time", "usage_expire_date_time", "usage_count_limit", "user_auth_type",
    "auth_timeout", "creation_date_time", "origin", "os_version", "os_patch_level",
    "vendor_patch_level", "boot_patch_level",
)
_SETS = ("purposes", "block_modes", "digests", "paddings", "mgf_digests")
_FLAGS = (
    "rollback_resistance", "early_boot_only", "no_auth_required", "allow_while_on_body",
    "trusted_user_presence_required", "trusted_confirmation_required", "unlocked_device_required",
    "device_unique_attestation",
)
_BYTES = (
    "attestation_id_brand", "attestation_id_device", "attestation_id_product", "attestation_id_serial",
    "attestation_id_imei", "attestation_id_second_imei", "attestation_id_meid",
    "attestation_id_manufacturer", "attestation_id_model", "module_hash",
)


@dataclass(frozen=True)
class AuthorizationList:
    """One authorization list (software- or hardware-enforced); absent fields are ``None``
    (``False`` for the flags)."""

    purposes: Optional[Tuple[int, ...]] = None
    algorithm: Optional[int] = None
    key_size: Optional[int] = None
    block_modes: Optional[Tuple[int, ...]] = None
    digests: Optional[Tuple[int, ...]] = None
    paddings: Optional[Tuple[int, ...]] = None
    ec_curve: Optional[int] = None
    ml_dsa_variant: Optional[int] = None
    rsa_public_exponent: Optional[int] = None
    mgf_digests: Optional[Tuple[int, ...]] = None
    rollback_resistance: bool = False
    early_boot_only: bool = False
    active_date_time: Optional[int] = None
    origination_expire_date_time: Optional[int] = None
    usage_expire_date_time: Optional[int] = None
    usage_count_limit: Optional[int] = None
    no_auth_required: bool = False
    user_auth_type: Optional[int] = None
    auth_timeout: Optional[int] = None
    allow_while_on_body: bool = False
    trusted_user_presence_required: bool = False
    trusted_confirmation_required: bool = False
    unlocked_device_required: bool = False
    creation_date_time: Optional[int] = None
    origin: Optional[int] = None
    root_of_trust: Optional[RootOfTrust] = None
    os_version: Optional[int] = None
    os_patch_level: Optional[int] = None
    attestation_application_id: Optional[AttestationApplicationId] = None
    attestation_id_brand: Optional[bytes] = None
    attestation_id_device: Optional[bytes] = None
    attestation_id_product: Optional[bytes] = None
    attestation_id_serial: Optional[bytes] = None
    attestation_id_imei: Optional[bytes] = None
    attestation_id_second_imei: Optional[bytes] = None
    attestation_id_meid: Optional[bytes] = None
    attestation_id_manufacturer: Optional[bytes] = None
    attestation_id_model: Optional[bytes] = None
    vendor_patch_level: Optional[int] = None
    boot_patch_level: Optional[int] = None
    device_unique_attestation: bool = False
    module_hash: Optional[bytes] = None
    unknown_tags: Tuple[int, ...] = field(default_factory=tuple)

    @classmethod
    def _from_json(cls, d: Dict[str, Any]) -> "AuthorizationList":
        kw: Dict[str, Any] = {}
        for k in _INTS:
            if k in d:
                kw[k] = int(d[k])
        for k in _SETS:
            if k in d:
                kw[k] = tuple(int(v) for v in d[k])
        for k in _FLAGS:
            kw[k] = bool(d.get(k, False))
        for k in _BYTES:
            if k in d:
                kw[k] = bytes.fromhex(d[k])
        r = d.get("root_of_trust")
        if r is not None:
            h = r.get("verified_boot_hash")
            kw["root_of_trust"] = RootOfTrust(
                bytes.fromhex(r["verified_boot_key"]), bool(r["device_locked"]), r["verified_boot_state"],
                bytes.fromhex(h) if h is not None else None,
            )
        a = d.get("attestation_application_id")
        if a is not None:
            kw["attestation_application_id"] = AttestationApplicationId(
                tuple((p["name"], int(p["version"])) for p in a["packages"]),
                tuple(bytes.fromhex(s) for s in a["signature_digests"]),
            )
        kw["unknown_tags"] = tuple(d.get("unknown_tags", ()))
        return cls(**kw)


@dataclass(frozen=True)
class KeyAttestation:
    """A verified Android key attestation: the leaf's KeyDescription (hardware- and
    software-enforced lists kept apart), the attested key as SPKI bytes, and the chain."""

    attestation_version: int
    #: ``"software"``, ``"tee"`` or ``"strongbox"``.
    attestation_security_level: str
    keymint_version: int
    keymint_security_level: str
    attestation_challenge: bytes
    unique_id: bytes
    software_enforced: AuthorizationList
    hardware_enforced: AuthorizationList
    #: The attested key's SubjectPublicKeyInfo (DER), any algorithm (RSA, EC, ML-DSA).
    public_key: bytes
    #: ``"RSA 2048"``, ``"EC P-256"``, ``"ML-DSA-65 (...)"``.
    public_key_algorithm: str
    #: Subjects, leaf first.
    subjects: Tuple[str, ...]
    #: Serial numbers as lowercase hex (as Google's status list writes them), leaf first.
    serials: Tuple[str, ...]
    root_spki_sha256: bytes

    @classmethod
    def _from_json(cls, text: str) -> "KeyAttestation":
        d = json.loads(text)
        return cls(
            attestation_version=int(d["attestation_version"]),
            attestation_security_level=d["attestation_security_level"],
            keymint_version=int(d["keymint_version"]),
            keymint_security_level=d["keymint_security_level"],
            attestation_challenge=bytes.fromhex(d["attestation_challenge"]),
            unique_id=bytes.fromhex(d["unique_id"]),
            software_enforced=AuthorizationList._from_json(d["software_enforced"]),
            hardware_enforced=AuthorizationList._from_json(d["hardware_enforced"]),
            public_key=bytes.fromhex(d["public_key"]),
            public_key_algorithm=d["public_key_algorithm"],
            subjects=tuple(d["subjects"]),
            serials=tuple(d["serials"]),
            root_spki_sha256=bytes.fromhex(d["root_spki_sha256"]),
        )


def verify_key_attestation(
    certs: Union[BytesLike, Iterable[BytesLike]],
    *,
    roots: Optional[Iterable[BytesLike]] = None,
    at: Optional[When] = None,
    revocations: Optional[BytesLike] = None,
) -> KeyAttestation:
    """Verify an Android key attestation chain up to Google's hardware attestation roots
    (built in, pinned by SPKI SHA-256) or one of ``roots``, and decode the leaf's KeyDescription.

    ``certs``: a PEM bundle (``bytes``/``str``), or a list of certificates (each PEM or DER),
    leaf first. ``at``: validity time (datetime, naive meaning UTC, or Unix seconds; default
    now). ``revocations``: Google's attestation status list JSON as you fetched it (the library
    never fetches); refresh it daily and refuse to verify with a copy older than your
    ``revocations_max_age`` (see the README). No policy is applied: read the result.

    Raises:
        CertificateRevoked: a certificate of the chain is listed (a CertificateInvalid).
        CertificateInvalid: a broken chain, an unsupported algorithm, a malformed
            KeyDescription (the message names the field).
        UntrustedRoot: a sound chain whose root is not trusted.
        InvalidJson: ``revocations`` is not the status list.
    """
    has_at, seconds = _at(at)
    if isinstance(roots, (bytes, bytearray, memoryview, str)):
        raise TypeError("roots must be a list of certificates, not one bytes/str")
    if isinstance(certs, (bytes, bytearray, memoryview, str)):
        items: List[bytes] = [as_bytes(certs, "certs")]
    else:
        items = [as_bytes(c, "certs item") for c in certs]
    root_items = [as_bytes(r, "roots item") for r in (roots or ())]
    revo = as_bytes(revocations, "revocations") if revocations is not None else None
    out = c_void_p()
    err = c_void_p()
    status = lib.soter_verify_key_attestation(
        _bytes_array(items), len(items), _bytes_array(root_items), len(root_items), has_at, seconds,
        revo, len(revo) if revo is not None else 0, byref(out), byref(err),
    )
    if status != 0:
        raise_for(status, err)
    try:
        p = N.PBytes()
        n = c_size_t()
        status = lib.soter_key_attestation_json(out, byref(p), byref(n))
        if status != 0:  # pragma: no cover - a valid handle
            raise_for(status, c_void_p())
        text = N.borrowed(p, n.value)
    finally:
        lib.soter_key_attestation_free(out)
    return KeyAttestation._from_json(text)
