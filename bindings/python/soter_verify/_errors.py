"""The exception hierarchy: one class per ``SoterStatus`` of the C ABI, all under ``SoterError``.

Some classes refine others so that one ``except`` catches a family (``KeyTooSmall`` and
``UnsupportedKey`` are ``InvalidKey``; ``SignatureInvalid``, ``ChallengeMismatch``,
``DeviceMismatch`` and ``CounterReplay`` are ``VerificationFailed``), but every status maps to
exactly one class and every class (except the two family bases) to exactly one status.
"""

from __future__ import annotations

from ctypes import byref, c_int64, c_void_p
from typing import ClassVar, NoReturn

from . import _ffi
from ._native import borrowed_cstr, lib


class SoterError(Exception):
    """Base of every error raised by soter_verify for a failed library call.

    Attributes:
        status: the numeric ``SoterStatus`` of the C ABI (e.g. 10 for SOTER_STATUS_SIGNATURE_INVALID).
        message: the library's one-sentence explanation (never contains secrets).
    """

    #: The status this class stands for; ``None`` on the abstract bases.
    STATUS: ClassVar[int | None] = None

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message: str = message
        resolved = status if status is not None else type(self).STATUS
        self.status: int = resolved if resolved is not None else -1

    @property
    def status_name(self) -> str:
        """The C name of the status, e.g. ``"SOTER_STATUS_SIGNATURE_INVALID"``."""
        return borrowed_cstr(lib.soter_status_name(self.status)) or "SOTER_STATUS_UNKNOWN"


class InvalidArgument(SoterError, ValueError):
    """API misuse: an option out of range (also a ``ValueError``). SOTER_STATUS_INVALID_ARGUMENT."""

    STATUS = _ffi.STATUS_INVALID_ARGUMENT


class InvalidInput(SoterError):
    """Input that is not what was expected: invalid UTF-8, empty. SOTER_STATUS_INVALID_INPUT."""

    STATUS = _ffi.STATUS_INVALID_INPUT


class InputTooLarge(InvalidInput):
    """Input larger than the documented cap. SOTER_STATUS_INPUT_TOO_LARGE."""

    STATUS = _ffi.STATUS_INPUT_TOO_LARGE


class InvalidKey(SoterError):
    """A public key that cannot be parsed or is not a usable RSA key. SOTER_STATUS_INVALID_KEY."""

    STATUS = _ffi.STATUS_INVALID_KEY


class KeyTooSmall(InvalidKey):
    """An RSA key below 2048 bits. SOTER_STATUS_KEY_TOO_SMALL."""

    STATUS = _ffi.STATUS_KEY_TOO_SMALL


class UnsupportedKey(InvalidKey):
    """An EC/DSA/Ed25519 key or an RSA key above 4096 bits. SOTER_STATUS_UNSUPPORTED_KEY."""

    STATUS = _ffi.STATUS_UNSUPPORTED_KEY


class MalformedSignature(SoterError):
    """A signature that cannot be decoded, has the wrong length, or is not below the modulus.
    SOTER_STATUS_MALFORMED_SIGNATURE."""

    STATUS = _ffi.STATUS_MALFORMED_SIGNATURE


class InvalidJson(SoterError):
    """JSON that is not well formed, too deep, or with a missing or mistyped field.
    SOTER_STATUS_INVALID_JSON."""

    STATUS = _ffi.STATUS_INVALID_JSON


class DuplicateField(InvalidJson):
    """A JSON object that names the same field twice. SOTER_STATUS_DUPLICATE_FIELD."""

    STATUS = _ffi.STATUS_DUPLICATE_FIELD


class VerificationFailed(SoterError):
    """Base of the four verdicts that reject a well-formed result (no status of its own)."""


class SignatureInvalid(VerificationFailed):
    """The signature does not verify. SOTER_STATUS_SIGNATURE_INVALID."""

    STATUS = _ffi.STATUS_SIGNATURE_INVALID


class ChallengeMismatch(VerificationFailed):
    """The signed challenge is not the expected one. SOTER_STATUS_CHALLENGE_MISMATCH."""

    STATUS = _ffi.STATUS_CHALLENGE_MISMATCH


class DeviceMismatch(VerificationFailed):
    """The signed cpu_id or uid is not the expected device's. SOTER_STATUS_DEVICE_MISMATCH."""

    STATUS = _ffi.STATUS_DEVICE_MISMATCH


class CounterReplay(VerificationFailed):
    """The signed counter is below the minimum (a replay). SOTER_STATUS_COUNTER_REPLAY."""

    STATUS = _ffi.STATUS_COUNTER_REPLAY


class NetworkError(SoterError):
    """Network failure: connection refused or reset, DNS, TLS. SOTER_STATUS_NETWORK."""

    STATUS = _ffi.STATUS_NETWORK


class Timeout(NetworkError):
    """A call's overall deadline, its connect timeout or a per-attempt timeout expired (the message
    names which). SOTER_STATUS_TIMEOUT."""

    STATUS = _ffi.STATUS_TIMEOUT


class WeChatApiError(SoterError):
    """WeChat answered with a non-zero errcode. SOTER_STATUS_WECHAT_API.

    Attributes:
        errcode: WeChat's errcode (e.g. 40001, 84001), or None if the library had none.
        errmsg: WeChat's errmsg, or None.
    """

    STATUS = _ffi.STATUS_WECHAT_API

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errcode: int | None = None,
        errmsg: str | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.errcode: int | None = errcode
        self.errmsg: str | None = errmsg


class TokenError(SoterError):
    """No access token could be obtained. SOTER_STATUS_TOKEN.

    ``errcode``/``errmsg`` are set when WeChat refused the token request.
    """

    STATUS = _ffi.STATUS_TOKEN

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errcode: int | None = None,
        errmsg: str | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.errcode: int | None = errcode
        self.errmsg: str | None = errmsg


class MalformedResponse(SoterError):
    """WeChat's response was not the documented JSON, or too large.
    SOTER_STATUS_MALFORMED_RESPONSE."""

    STATUS = _ffi.STATUS_MALFORMED_RESPONSE


class ConfigError(SoterError):
    """A refused client setting (plain http to a remote host, a bad URL or proxy).
    SOTER_STATUS_CONFIG."""

    STATUS = _ffi.STATUS_CONFIG


class StoreUnavailable(SoterError):
    """The state store (Redis) could not be reached or did not answer in time. Fails closed:
    nothing was accepted. SOTER_STATUS_STORE_UNAVAILABLE."""

    STATUS = _ffi.STATUS_STORE_UNAVAILABLE


class CertificateInvalid(SoterError):
    """A certificate chain that cannot be accepted: unparseable, a signature that does not verify,
    a non-CA intermediate, outside its validity, no usable attestation.
    SOTER_STATUS_CERTIFICATE_INVALID."""

    STATUS = _ffi.STATUS_CERTIFICATE_INVALID


class UntrustedRoot(CertificateInvalid):
    """A sound certificate chain that ends at a root that is not trusted.
    SOTER_STATUS_UNTRUSTED_ROOT."""

    STATUS = _ffi.STATUS_UNTRUSTED_ROOT


class CertificateRevoked(CertificateInvalid):
    """A certificate of the chain is listed in the revocation status list passed in (revoked or
    suspended). SOTER_STATUS_CERTIFICATE_REVOKED."""

    STATUS = 23


class InternalError(SoterError):
    """A bug in soter-verify (a caught panic), never caused by input. SOTER_STATUS_INTERNAL."""

    STATUS = _ffi.STATUS_INTERNAL


#: status value -> exception class, one to one.
STATUS_CLASSES: dict[int, type[SoterError]] = {
    cls.STATUS: cls
    for cls in (
        InvalidArgument,
        InvalidInput,
        InputTooLarge,
        InvalidKey,
        KeyTooSmall,
        UnsupportedKey,
        MalformedSignature,
        InvalidJson,
        DuplicateField,
        SignatureInvalid,
        ChallengeMismatch,
        DeviceMismatch,
        CounterReplay,
        NetworkError,
        Timeout,
        WeChatApiError,
        TokenError,
        MalformedResponse,
        ConfigError,
        StoreUnavailable,
        CertificateInvalid,
        UntrustedRoot,
        CertificateRevoked,
        InternalError,
    )
    if cls.STATUS is not None
}


def error_from_status(status: int, err: c_void_p | None = None) -> SoterError:
    """Build the exception for ``status``, copying detail out of ``err`` (not freed here)."""
    message = ""
    errcode: int | None = None
    errmsg: str | None = None
    if err is not None and err.value:
        message = borrowed_cstr(lib.soter_error_message(err))
        code = c_int64()
        if lib.soter_error_errcode(err, byref(code)):
            errcode = code.value
            errmsg = borrowed_cstr(lib.soter_error_errmsg(err))
    cls = STATUS_CLASSES.get(status, SoterError)
    if not message:
        message = borrowed_cstr(lib.soter_status_name(status)) or "SOTER_STATUS_UNKNOWN"
    if cls in (WeChatApiError, TokenError):
        return cls(message, status=status, errcode=errcode, errmsg=errmsg)
    return cls(message, status=status)


def raise_for(status: int, err: c_void_p) -> NoReturn:
    """Raise the exception for a failed call and free the library's error object."""
    try:
        exc = error_from_status(status, err)
    finally:
        lib.soter_error_free(err)
        err.value = None
    raise exc
