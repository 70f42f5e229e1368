"""Trusted ASKs: certificate chains (key attestation) verified locally, and the :class:`Ask`
that both ASK formats give (the classic one comes from :meth:`WeChatClient.soter_verify_ask`)."""

from __future__ import annotations

import ctypes
import struct
from ctypes import byref, c_size_t, c_void_p
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Sequence, Tuple, Union

from . import _native as N
from ._core import (
    BytesLike,
    PublicKey,
    _call_packed,
    _packed,
    _scratch,
    _texts,
    as_bytes,
)
from ._errors import InvalidArgument, raise_for
from ._handle import NativeHandle
from ._native import lib

if TYPE_CHECKING:
    from ._key_attestation import AttestationPolicy

#: A time for certificate validity: a datetime (naive ones are taken as UTC) or Unix seconds.
When = Union[datetime, int]

CLASSIC = "classic"
CERTIFICATE_CHAIN = "certificate_chain"
_FORMATS = {N.ASK_FORMAT_CLASSIC: CLASSIC, N.ASK_FORMAT_CERTIFICATE_CHAIN: CERTIFICATE_CHAIN}


def _borrowed(fn: object, ptr: int, *args: object) -> str:
    p = N.PBytes()
    n = c_size_t()
    status = fn(ptr, *args, byref(p), byref(n))  # type: ignore[operator]
    if status != 0:  # pragma: no cover - valid handles and indexes only
        raise_for(status, c_void_p())
    return N.borrowed(p, n.value)


class Ask(NativeHandle):
    """A trusted ASK: the device's app key and the device identity it was issued for.

    Both formats give one: :func:`verify_ask_chain` (certificate chain, checked locally) and
    :meth:`WeChatClient.soter_verify_ask` (classic, checked by WeChat). Store it by device
    (``cpu_id`` + ``uid``; keep ``public_key.to_pem()`` and ``rsa_pss_saltlen``), rebuild it with
    :meth:`from_stored`, and pass it to :func:`verify_auth_key` for that device's AuthKeys.
    Close it (or use ``with``) to free it now; :attr:`public_key` is closed with it.
    """

    __slots__ = (
        "public_key", "cpu_id", "uid", "counter", "rsa_pss_saltlen", "format", "subjects",
        "root_spki_sha256", "signed_json",
    )

    public_key: PublicKey
    #: The attested device.
    cpu_id: str
    #: Text, also when the signed JSON has a number.
    uid: str
    counter: int
    #: The salt length the device signs with when its signed JSON says so (Huawei: 32).
    rsa_pss_saltlen: Optional[int]
    #: ``"classic"`` or ``"certificate_chain"``.
    format: str
    #: Subjects of the chain, leaf first (empty for a classic ASK).
    subjects: Tuple[str, ...]
    #: Lowercase hex SHA-256 of the chain root's SubjectPublicKeyInfo (None for a classic ASK).
    root_spki_sha256: Optional[str]
    #: The signed JSON the identity was read from (attestationChallenge or classic ask_json).
    signed_json: str

    def __init__(self) -> None:
        raise TypeError("use verify_ask_chain, WeChatClient.soter_verify_ask or Ask.from_stored")

    @classmethod
    def _take(cls, ptr: int) -> Ask:
        self = object.__new__(cls)
        self._attach(ptr, lib.soter_ask_free)
        key = c_void_p()
        err = c_void_p()
        status = lib.soter_ask_public_key(ptr, byref(key), byref(err))
        if status != 0:  # pragma: no cover - the key exists
            self.close()
            raise_for(status, err)
        assert key.value is not None
        self.public_key = PublicKey._from_ptr(key.value)
        self.cpu_id = _borrowed(lib.soter_ask_cpu_id, ptr)
        self.uid = _borrowed(lib.soter_ask_uid, ptr)
        self.signed_json = _borrowed(lib.soter_ask_signed_json, ptr)
        self.counter = int(lib.soter_ask_counter(ptr))
        salt = int(lib.soter_ask_salt_len(ptr))
        self.rsa_pss_saltlen = None if salt < 0 else salt
        self.format = _FORMATS[int(lib.soter_ask_format(ptr))]
        count = int(lib.soter_ask_subject_count(ptr))
        self.subjects = tuple(_borrowed(lib.soter_ask_subject, ptr, i) for i in range(count))
        pin = (ctypes.c_ubyte * 32)()
        self.root_spki_sha256 = bytes(pin).hex() if lib.soter_ask_root_spki_sha256(ptr, pin) else None
        return self

    @classmethod
    def from_stored(
        cls,
        public_key: PublicKey,
        *,
        cpu_id: str,
        uid: str,
        counter: int = 0,
        rsa_pss_saltlen: Optional[int] = None,
        format: str = CERTIFICATE_CHAIN,
    ) -> Ask:
        """Rebuild an ASK you verified earlier and stored, to check that device's later AuthKeys.

        Only store an ASK after :func:`verify_ask_chain` or ``soter_verify_ask`` succeeded.
        """
        if not isinstance(public_key, PublicKey):
            raise TypeError(f"public_key must be a PublicKey, not {type(public_key).__name__}")
        for name, v in (("cpu_id", cpu_id), ("uid", uid)):
            if not isinstance(v, str):
                raise TypeError(f"{name} must be str, not {type(v).__name__}")
        if isinstance(counter, bool) or not isinstance(counter, int) or not 0 <= counter < 2**64:
            raise InvalidArgument("counter must be an int from 0 to 2**64 - 1")
        if rsa_pss_saltlen is not None and (
            isinstance(rsa_pss_saltlen, bool) or not isinstance(rsa_pss_saltlen, int) or not 0 <= rsa_pss_saltlen <= 512
        ):
            raise InvalidArgument("rsa_pss_saltlen must be None or an int from 0 to 512")
        codes = {v: k for k, v in _FORMATS.items()}
        if format not in codes:
            raise InvalidArgument(f"format must be {CLASSIC!r} or {CERTIFICATE_CHAIN!r}, not {format!r}")
        c, u = cpu_id.encode("utf-8"), uid.encode("utf-8")
        out = c_void_p()
        err = c_void_p()
        ptr = public_key._acquire()
        try:
            status = lib.soter_ask_from_stored(
                ptr, c, len(c), u, len(u), counter, -1 if rsa_pss_saltlen is None else rsa_pss_saltlen,
                codes[format], byref(out), byref(err),
            )
        finally:
            public_key._release()
        if status != 0:
            raise_for(status, err)
        assert out.value is not None
        return cls._take(out.value)

    def close(self) -> None:
        """Free the native ASK and :attr:`public_key` now (safe twice)."""
        super().close()
        self.public_key.close()

    def __enter__(self) -> Ask:
        return super().__enter__()

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<Ask {self.format} cpu_id={self.cpu_id!r} uid={self.uid!r} counter={self.counter}"
            f" rsa_pss_saltlen={self.rsa_pss_saltlen!r}>"
        )


def _at(at: Optional[When]) -> Tuple[bool, int]:
    if at is None:
        return False, 0
    if isinstance(at, datetime):
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        seconds = int(at.timestamp())
    elif isinstance(at, int) and not isinstance(at, bool):
        seconds = at
    else:
        raise TypeError(f"at must be a datetime or Unix seconds (int), not {type(at).__name__}")
    if not 0 <= seconds < 2**63:
        raise InvalidArgument(f"at must be a time after 1970, not {at!r}")
    return True, seconds


def _bytes_array(items: Sequence[bytes]) -> "ctypes.Array[N.SoterBytes]":
    arr = (N.SoterBytes * max(len(items), 1))()
    for i, b in enumerate(items):
        arr[i].data = b
        arr[i].len = len(b)
    return arr


def verify_ask_chain(
    certs: Union[BytesLike, Iterable[BytesLike]],
    *,
    roots: Optional[Iterable[BytesLike]] = None,
    at: Optional[When] = None,
    policy: "Optional[AttestationPolicy]" = None,
    revocations: Optional[BytesLike] = None,
) -> Ask:
    """Verify a certificate-chain ASK (SOTER 2.0, Huawei key attestation) locally.

    ``certs`` is what the device sent: the certs JSON ``{"certs": [PEM, ...]}`` (escaped or not),
    a JSON array, a PEM bundle or DER, as ``bytes``/``str``; or a list of certificates (each PEM
    or DER), leaf first. The chain must end at a trusted root: the Huawei CBG Root CA is built in;
    ``roots`` adds root certificates (PEM or DER). Validity is checked at ``at`` (a datetime, naive
    meaning UTC, or Unix seconds; default now).

    Returns the :class:`Ask` with the attested ``cpu_id``, ``uid``, ``counter`` and
    ``rsa_pss_saltlen``.

    Raises:
        CertificateInvalid: a certificate cannot be parsed, a signature in the chain does not
            verify, an issuer is not a CA, outside validity, no usable attestation, top-level
            fields that disagree with the attestation, an empty or too long chain.
        UntrustedRoot: the chain is sound but its root is not trusted (a subclass of
            CertificateInvalid).
        InputTooLarge, InvalidJson, DuplicateField: unusable input.

    The leaf's KeyDescription must meet the default :class:`AttestationPolicy` (TEE or StrongBox,
    origin GENERATED, purpose SIGN) unless ``policy`` relaxes it; ``revocations`` is Google's
    attestation status list JSON (a listed certificate raises CertificateRevoked).
    """
    has_at, seconds = _at(at)
    if isinstance(roots, (bytes, bytearray, memoryview, str)):
        raise TypeError("roots must be a list of certificates, not one bytes/str")
    root_items: List[bytes] = [as_bytes(r, "roots item") for r in (roots or ())]
    root_arr = _bytes_array(root_items)
    out = c_void_p()
    err = c_void_p()
    if isinstance(certs, (bytes, bytearray, memoryview, str)):
        doc = as_bytes(certs, "certs")
    elif policy is None and revocations is None:
        # Certificates one by one, with the default policy: their own export.
        items = [as_bytes(c, "certs item") for c in certs]
        status = lib.soter_verify_ask_chain_certs(
            _bytes_array(items), len(items), root_arr, len(root_items), has_at, seconds, byref(out), byref(err)
        )
        if status != 0:
            raise_for(status, err)
        assert out.value is not None
        return Ask._take(out.value)
    else:
        doc = _pem_bundle(certs)
    # The policy export with flags 0 and no list is the default check.
    revo = as_bytes(revocations, "revocations") if revocations is not None else None
    flags = policy._flags() if policy is not None else 0
    status = lib.soter_verify_ask_chain_policy(
        doc, len(doc), root_arr, len(root_items), has_at, seconds, flags,
        revo, len(revo) if revo is not None else 0, byref(out), byref(err),
    )
    if status != 0:
        raise_for(status, err)
    assert out.value is not None
    return Ask._take(out.value)


def _pem_bundle(certs: Iterable[BytesLike]) -> bytes:
    """Certificates one by one as one PEM bundle (PEM items as they are, DER items wrapped): the
    policy export takes the chain as one document."""
    import base64

    parts = []
    for c in certs:
        b = as_bytes(c, "certs item")
        if not b.lstrip().startswith(b"-----"):
            b = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(b) + b"-----END CERTIFICATE-----\n"
        parts.append(b)
    return b"\n".join(parts)


# ---- AuthKeys: verified with an Ask (or a bare ASK public key) ----

_vak_packed = lib.soter_verify_auth_key_packed
_ak_pack = N.fast.soter_auth_key_pack
_ak_free = N.fast.soter_auth_key_free
_AK_COUNTER = struct.Struct("=Q")


@dataclass(frozen=True)
class AuthKey:
    """A verified AuthKey: the device's public key for one business scene plus its identity.

    ``public_key`` is an independent :class:`PublicKey`; using the AuthKey as a context manager
    closes it on exit. Store ``pub_key`` (or ``public_key.to_pem()``), ``cpu_id`` and ``uid``, and
    pass them to :func:`authenticate` for every later result.
    """

    public_key: PublicKey
    cpu_id: str
    uid: str
    counter: int
    pub_key: str = field(repr=False)

    def close(self) -> None:
        """Close :attr:`public_key`."""
        self.public_key.close()

    def __enter__(self) -> AuthKey:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


def verify_auth_key(ask: Union[PublicKey, Ask], auth_key_json: BytesLike, signature: BytesLike) -> AuthKey:
    """Verify an AuthKey export (JSON signed by the device's ASK) and load its public key.

    ``ask`` is the device's trusted :class:`Ask` (from :func:`verify_ask_chain`,
    :meth:`WeChatClient.soter_verify_ask` or :meth:`Ask.from_stored`): the attested salt length is
    used and the AuthKey's ``cpu_id``/``uid`` must be the ASK's. A bare :class:`PublicKey` checks
    the signature only (salt from the JSON's ``rsa_pss_saltlen``, else 20).

    Raises:
        SignatureInvalid: the ASK did not sign these bytes.
        DeviceMismatch: (with an Ask) the AuthKey is for another device.
        InvalidJson, InvalidKey, MalformedSignature, ...: malformed input.
        TypeError: wrong argument types. ValueError: ``ask`` is closed.
    """
    if type(ask) is PublicKey:
        doc = auth_key_json if type(auth_key_json) is bytes else as_bytes(auth_key_json, "auth_key_json")
        sig = signature.encode() if type(signature) is str else as_bytes(signature, "signature")
        s = _scratch
        ptr = ask._acquire()
        try:
            # One native call: verify, load the key, copy the fields out (no AuthKey handle).
            buf, n = _call_packed(_vak_packed, ptr, doc, len(doc), sig, len(sig), s.p_key)
        finally:
            ask._release()
        key = PublicKey._from_ptr(s.key.value)  # type: ignore[arg-type]
        s.key.value = None
        return _auth_key(key, buf, n)
    if isinstance(ask, PublicKey):  # pragma: no cover - a subclass (PublicKey is final in use)
        fn = lib.soter_verify_auth_key
    else:
        if not isinstance(ask, Ask):
            raise TypeError(f"ask must be a PublicKey or an Ask, not {type(ask).__name__}")
        fn = lib.soter_verify_auth_key_with_ask
    doc = as_bytes(auth_key_json, "auth_key_json")
    sig = as_bytes(signature, "signature")
    out = c_void_p()
    err = c_void_p()
    ptr = ask._acquire()
    try:
        status = fn(ptr, doc, len(doc), sig, len(sig), byref(out), byref(err))
    finally:
        ask._release()
    if status != 0:
        raise_for(status, err)
    handle = out.value
    assert handle is not None
    key_out = c_void_p()
    status = lib.soter_auth_key_public_key(handle, byref(key_out), byref(err))
    if status != 0:  # pragma: no cover - the key was loaded during verification
        _ak_free(handle)
        raise_for(status, err)
    assert key_out.value is not None
    key = PublicKey._from_ptr(key_out.value)
    buf, n = _packed(_ak_pack, _ak_free, handle)
    return _auth_key(key, buf, n)


def _auth_key(key: PublicKey, buf: Any, n: int) -> AuthKey:
    """An AuthKey from its public key and the packed form of ``soter_auth_key_pack``."""
    counter = _AK_COUNTER.unpack_from(buf)[0]
    cpu, u, pem = _texts(buf, _AK_COUNTER.size + 4 * 3, n, 3)
    self = object.__new__(AuthKey)
    # A frozen dataclass: its __dict__ as __init__ would fill it.
    object.__setattr__(self, "__dict__", {"public_key": key, "cpu_id": cpu, "uid": u, "counter": counter, "pub_key": pem})
    return self
