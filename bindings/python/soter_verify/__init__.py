"""soter_verify: verify WeChat SOTER biometric results and WeChat face verification results.

A thin, typed wrapper over the ``libsoter_verify`` native library (Rust). Quick start::

    from soter_verify import PublicKey, authenticate, new_challenge, VerificationFailed

    challenge = new_challenge()            # store it, send it to the mini-program
    key = PublicKey.load(stored_pem)       # the device's AuthKey public key
    try:
        result = authenticate(key, result_json, signature, challenge=challenge,
                              cpu_id=stored_cpu_id, uid=stored_uid, min_counter=last + 1)
    except VerificationFailed:
        ...                                # reject

Mini-programs verify through WeChat with :class:`WeChatClient` (also face verification);
:mod:`soter_verify.testing` has a WeChat emulator and a simulated phone for your tests.

Every failure of a library call raises a subclass of :class:`SoterError` (one per C status).
Native calls release the GIL; keys are immutable and may be shared between threads.

Log events (token refreshes, retries, WeChat errcodes, Redis outages, refused verifications at
DEBUG) go to the standard :mod:`logging` logger ``"soter_verify"``; nothing is formatted for
levels that logger would not emit.
"""

from __future__ import annotations

from ._ask import Ask, AuthKey, verify_ask_chain, verify_auth_key
from ._core import (
    BytesLike,
    PublicKey,
    ResultJson,
    SaltLen,
    authenticate,
    library_version,
    new_challenge,
    status_name,
)
from ._errors import (
    CertificateInvalid,
    ChallengeMismatch,
    ConfigError,
    CounterReplay,
    DeviceMismatch,
    DuplicateField,
    InputTooLarge,
    InternalError,
    InvalidArgument,
    InvalidInput,
    InvalidJson,
    InvalidKey,
    KeyTooSmall,
    MalformedResponse,
    MalformedSignature,
    NetworkError,
    SignatureInvalid,
    SoterError,
    StoreUnavailable,
    Timeout,
    TokenError,
    UnsupportedKey,
    UntrustedRoot,
    VerificationFailed,
    WeChatApiError,
)
from ._errors import CertificateRevoked
from ._key_attestation import (
    AttestationApplicationId,
    AttestationPolicy,
    AuthorizationList,
    KeyAttestation,
    RootOfTrust,
    verify_key_attestation,
)
from ._api_security import ApiSecurity
from ._guard import ReplayGuard
from ._native import ABI_VERSION
from ._wechat import (
    CertInfo,
    ClientStats,
    FaceInfo,
    FixedToken,
    TokenCallback,
    VerifyId,
    VerifyInfo,
    WeChatClient,
    cert_hash,
)

# The package is built with its library from one Cargo.toml: one version for both.
__version__: str = library_version()

# The library's log events go to logging.getLogger("soter_verify") (see _log).
from . import _log  # noqa: E402

_log.install()

__all__ = [
    "ABI_VERSION",
    "ApiSecurity",
    "Ask",
    "verify_ask_chain",
    "AuthKey",
    "BytesLike",
    "CertInfo",
    "ClientStats",
    "FaceInfo",
    "FixedToken",
    "TokenCallback",
    "VerifyId",
    "VerifyInfo",
    "WeChatClient",
    "cert_hash",
    "CertificateInvalid",
    "ChallengeMismatch",
    "ConfigError",
    "CounterReplay",
    "DeviceMismatch",
    "DuplicateField",
    "InputTooLarge",
    "InternalError",
    "InvalidArgument",
    "InvalidInput",
    "InvalidJson",
    "InvalidKey",
    "KeyTooSmall",
    "MalformedResponse",
    "MalformedSignature",
    "NetworkError",
    "PublicKey",
    "ReplayGuard",
    "ResultJson",
    "SaltLen",
    "SignatureInvalid",
    "SoterError",
    "StoreUnavailable",
    "Timeout",
    "TokenError",
    "UnsupportedKey",
    "UntrustedRoot",
    "CertificateRevoked",
    "AttestationApplicationId",
    "AttestationPolicy",
    "AuthorizationList",
    "KeyAttestation",
    "RootOfTrust",
    "verify_key_attestation",
    "VerificationFailed",
    "WeChatApiError",
    "authenticate",
    "library_version",
    "new_challenge",
    "status_name",
    "verify_auth_key",
]
