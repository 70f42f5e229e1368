"""WeChat server API client: SOTER verify_signature and face verification (人脸核身)."""

from __future__ import annotations

import ctypes
import math
import re
import threading
from collections.abc import Callable
from ctypes import byref, c_bool, c_char, c_int64, c_size_t, c_void_p
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

from . import _native as N
from ._core import BytesLike, as_bytes
from ._errors import InvalidArgument, SoterError, TokenError, raise_for
from ._handle import NativeHandle

if TYPE_CHECKING:  # pragma: no cover
    from ._api_security import ApiSecurity
    from ._ask import Ask

#: What a token callback returns: a token, or (token, seconds it stays valid; None = until
#: WeChat rejects it).
TokenResult = Union[str, Tuple[str, Optional[float]]]
#: A token callback: called with ``force_refresh`` (True after WeChat rejected the last token).
TokenCallback = Callable[[bool], TokenResult]

_SOURCES = {
    "stable": N.TOKEN_SOURCE_STABLE,
    "classic": N.TOKEN_SOURCE_CLASSIC,
    "cloud_open_api": N.TOKEN_SOURCE_CLOUD_OPEN_API,
    "cloudbase_file": N.TOKEN_SOURCE_CLOUDBASE_FILE,
}


@dataclass(frozen=True)
class FixedToken:
    """An access token you obtained yourself (e.g. from a central token service).

    Passing a plain ``str`` that is not a source name as ``token_source`` means the same.
    Replace it later with :meth:`WeChatClient.set_fixed_token`.
    """

    token: str

    def __repr__(self) -> str:  # never print the secret
        return "FixedToken(<hidden>)"


TokenSourceArg = Union[str, FixedToken, TokenCallback]

_INT64_MAX = 2**63 - 1


def _text(value: object, name: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"{name} must be str, not {type(value).__name__}")


#: Largest timeout accepted, in seconds: a WeChat call allowed to take longer is a mistake, most
#: likely milliseconds given where seconds are expected (``timeout=5000`` would be 83 minutes).
MAX_TIMEOUT = 3600.0
#: Largest ``max_idle_connections`` accepted (the default is 64).
MAX_IDLE_CONNECTIONS = 4096


def _timeout(seconds: Optional[float], name: str) -> int:
    """A timeout in seconds (refused above an hour, a likely unit mistake) to C milliseconds."""
    ms = _ms(seconds, name)
    if seconds is not None and seconds > MAX_TIMEOUT:
        raise InvalidArgument(
            f"{name}={seconds!r} is {seconds / 60:.0f} minutes: {name} is in seconds, and values above an "
            f"hour ({MAX_TIMEOUT:.0f}) are refused as a likely unit mistake (milliseconds? use {seconds / 1000:g})"
        )
    return ms


def _ms(seconds: Optional[float], name: str) -> int:
    if seconds is None:
        return 0
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(seconds).__name__}")
    if not (seconds > 0 and math.isfinite(seconds)):
        raise InvalidArgument(f"{name} must be a positive number of seconds, not {seconds!r}")
    ms = max(1, round(seconds * 1000))
    if ms > 2**32 - 1:
        raise InvalidArgument(f"{name} is too large: {seconds!r} seconds")
    return ms


def _uint(value: Optional[int], name: str, limit: int = 2**32 - 1) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 1 <= value <= limit:
        raise InvalidArgument(f"{name} must be between 1 and {limit}, not {value}")
    return value


@dataclass(frozen=True)
class CertInfo:
    """An identity document for ``getverifyid``/``queryverifyinfo``.

    ``cert_type`` is ``"IDENTITY_CARD"`` for a mainland ID card (the default).
    """

    cert_name: str
    cert_no: str
    cert_type: str = "IDENTITY_CARD"

    def __repr__(self) -> str:  # name and number are personal data
        return f"CertInfo(cert_type={self.cert_type!r}, <name and number hidden>)"

    def _native(self) -> N.SoterCertInfo:
        info = N.SoterCertInfo()
        for attr in ("cert_type", "cert_name", "cert_no"):
            raw = _text(getattr(self, attr), attr)
            setattr(info, attr, raw)
            setattr(info, attr + "_len", len(raw))
        return info

    def hash(self) -> str:
        """``cert_hash``: lowercase hex SHA-256 of ``cert_type=B64&cert_name=B64&cert_no=B64``."""
        lib = N.wechat_lib()
        info = self._native()
        buf = ctypes.create_string_buffer(N.CERT_HASH_LEN + 1)
        err = c_void_p()
        status = lib.soter_cert_hash(byref(info), buf, len(buf), byref(err))
        if status != 0:
            raise_for(status, err)
        return buf.value.decode("ascii")


def cert_hash(cert_type: str, cert_name: str, cert_no: str) -> str:
    """The ``cert_hash`` of a document (see :meth:`CertInfo.hash`)."""
    return CertInfo(cert_name=cert_name, cert_no=cert_no, cert_type=cert_type).hash()


@dataclass(frozen=True)
class VerifyId:
    """A face verification session from ``getverifyid``."""

    verify_id: str
    #: Lifetime in seconds, or None when WeChat gave none.
    expires_in: Optional[int]


@dataclass(frozen=True)
class VerifyInfo:
    """The result of ``queryverifyinfo``.

    ``passed`` is True only for errcode 0 and verify_ret 10000. ``outcome`` names the meaning of
    ``verify_ret``: "passed", "user_cancelled", "device_unsupported", "network_error",
    "permission_denied", "invalid_face_data", "timeout", "system_error" or "other".
    """

    verify_ret: int
    outcome: str
    passed: bool


@dataclass(frozen=True)
class ClientStats:
    """Counters of a :class:`WeChatClient` (for metrics and tests)."""

    http_requests: int
    retries: int
    token_fetches: int
    token_retries: int


class FaceInfo(NativeHandle):
    """A legacy face verification result (``getinfo``).

    Fields are copied at construction; the native handle is kept for :meth:`matches_person` and
    freed by :meth:`close`, by the context manager, or when the object is garbage collected.
    A result *passed* only when :attr:`passed` is True; :meth:`passed_for` also checks that it is
    about the expected person.
    """

    __slots__ = (
        "errcode", "errmsg", "identify_ret", "identify_time", "finish_time", "validate_data",
        "openid", "user_id_key", "id_card_number_md5", "name_utf8_md5", "passed",
    )

    errcode: int
    errmsg: str
    identify_ret: int
    identify_time: Optional[int]
    finish_time: Optional[int]
    validate_data: Optional[str]
    openid: Optional[str]
    user_id_key: Optional[str]
    id_card_number_md5: Optional[str]
    name_utf8_md5: Optional[str]
    passed: bool

    def __init__(self) -> None:
        raise TypeError("FaceInfo objects come from WeChatClient.face_get_info()")

    @classmethod
    def _from_ptr(cls, ptr: int) -> FaceInfo:
        lib = N.wechat_lib()
        self = object.__new__(cls)
        self._attach(ptr, lib.soter_face_info_free)

        def text(field: int) -> Optional[str]:
            p = N.PBytes()
            n = c_size_t()
            if not lib.soter_face_info_get(ptr, field, byref(p), byref(n)):
                return None
            return N.borrowed(p, n.value)

        def number(field: int) -> Optional[int]:
            v = c_int64()
            return int(v.value) if lib.soter_face_info_number(ptr, field, byref(v)) else None

        self.errcode = number(N.FACE_NUMBER_ERRCODE) or 0
        self.errmsg = text(N.FACE_FIELD_ERRMSG) or ""
        ret = number(N.FACE_NUMBER_IDENTIFY_RET)
        self.identify_ret = -1 if ret is None else ret
        self.identify_time = number(N.FACE_NUMBER_IDENTIFY_TIME)
        self.finish_time = number(N.FACE_NUMBER_FINISH_TIME)
        self.validate_data = text(N.FACE_FIELD_VALIDATE_DATA)
        self.openid = text(N.FACE_FIELD_OPENID)
        self.user_id_key = text(N.FACE_FIELD_USER_ID_KEY)
        self.id_card_number_md5 = text(N.FACE_FIELD_ID_CARD_NUMBER_MD5)
        self.name_utf8_md5 = text(N.FACE_FIELD_NAME_UTF8_MD5)
        self.passed = bool(lib.soter_face_info_passed(ptr))
        return self

    def matches_person(self, name: str, id_number: str) -> bool:
        """Whether this result is about ``name`` with ``id_number`` (its MD5s match; a final x
        is uppercased). Says nothing about whether verification passed."""
        n = _text(name, "name")
        i = _text(id_number, "id_number")
        ptr = self._acquire()
        try:
            return bool(N.lib.soter_face_info_matches_person(ptr, n, len(n), i, len(i)))
        finally:
            self._release()

    def passed_for(self, name: str, id_number: str) -> bool:
        """:attr:`passed` and :meth:`matches_person`: verification succeeded for this person."""
        return self.passed and self.matches_person(name, id_number)

    def __repr__(self) -> str:
        return (
            f"<FaceInfo errcode={self.errcode} identify_ret={self.identify_ret} "
            f"passed={self.passed}>"
        )


class _CallbackState:
    """What the C token callback needs: the user's function and per-thread failures.

    Deliberately holds no reference to the client, so the finalizer (which keeps this object
    alive as long as the native client) cannot keep the client alive.
    """

    def __init__(self, fn: TokenCallback) -> None:
        self.fn = fn
        self.local = threading.local()

    def __call__(
        self,
        _user_data: Any,
        force_refresh: bool,
        buf: Any,
        cap: int,
        out_len: Any,
        expires_in: Any,
    ) -> int:
        try:
            result = self.fn(bool(force_refresh))
            if isinstance(result, tuple):
                token, ttl = result
            else:
                token, ttl = result, None
            if not isinstance(token, str):
                raise TypeError(f"the token callback must return str, not {type(token).__name__}")
            raw = token.encode("utf-8")
            if not raw or len(raw) > cap:
                raise ValueError(f"the token callback returned a token of {len(raw)} bytes")
            ctypes.memmove(buf, raw, len(raw))
            out_len[0] = len(raw)
            if ttl is None:
                expires_in[0] = 0  # cache until WeChat rejects it
            elif isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not math.isfinite(ttl):
                raise TypeError(f"the token callback's expires_in must be seconds or None, not {ttl!r}")
            else:
                # Clamped into int64 (ctypes would wrap a larger int silently); the library
                # clamps again to its own maximum lifetime.
                expires_in[0] = min(max(1, math.ceil(ttl)), _INT64_MAX)
            return 0
        except BaseException as exc:  # noqa: BLE001 - must not unwind into Rust
            self.local.error = exc
            return 1

    def take_error(self) -> Optional[BaseException]:
        exc: Optional[BaseException] = getattr(self.local, "error", None)
        self.local.error = None
        return exc


def _free_client(ptr: int, _keepalive: Any) -> None:
    # `_keepalive` (the ctypes callback) must outlive the native client: it is an argument of
    # the finalizer precisely so that it is released only after the client is freed.
    N.lib.soter_wechat_client_free(ptr)


class WeChatClient(NativeHandle):
    """A WeChat API client for one app. Thread-safe: create one per app and share it.

    Args:
        appid: the mini-program's AppID.
        secret: its AppSecret (not needed for fixed, callback and cloud token sources).
        base_url: ``scheme://host[:port]``; default ``https://api.weixin.qq.com``. Plain http is
            refused except to loopback (the emulator) or with ``allow_insecure_http``.
        timeout: the overall deadline of one call, in seconds (default 15): every attempt, every
            retry backoff and the token fetch the call needs end within it.
        attempt_timeout: longest one HTTP attempt may take, in seconds (default 5); an attempt
            that times out is retried while the deadline allows.
        connect_timeout: longest wait for a connection, in seconds (default 5); retried likewise.
            Each timeout is at most an hour (3600): a larger value raises ``InvalidArgument`` as a
            likely unit mistake. A :class:`Timeout` error names the limit that expired (the
            overall deadline, the connect timeout or the per-attempt timeout).
        proxy: an HTTP(S) proxy URL, e.g. ``http://proxy:3128``. With a plain http base URL the
            proxy must be on loopback unless ``allow_insecure_http``.
        token_source: ``"stable"`` (default: ``/cgi-bin/stable_token``, safe for several
            servers of one app), ``"classic"`` (``/cgi-bin/token``), ``"cloud_open_api"``
            (WeChat cloud hosting, no token), ``"cloudbase_file"`` (cloud hosting token file,
            see ``token_file``), a callable ``f(force_refresh) -> token | (token, expires_in)``,
            a :class:`FixedToken`, or any other ``str``, taken as a fixed token. A callback runs
            on the thread that needs the token, never concurrently for one client, and must not
            call back into the same client (such a call raises ``InvalidArgument`` at once); an
            exception it raises becomes the ``__cause__`` of the ``TokenError`` the call raises.
            Lifetimes above a day are treated as a day.
        max_attempts: attempts per call for errcode -1, HTTP 5xx and connection failures
            (default 3, at most 10). backoff_base / backoff_max: retry delays in seconds.
        token_retry_max: the ceiling of the token-failure hold, in seconds (default 30, at most
            an hour). After a token fetch from WeChat (``stable``, ``classic``) fails, calls
            that need a token raise at once, without fetching, for 1 s, doubled per consecutive
            failure up to this ceiling; the first successful fetch ends the hold. The error keeps
            the failed fetch's class and errcode, and its message says so: ``no access token:
            holding for 4 s after the fetch at 07:31:02 UTC failed: ...``.
        max_idle_connections: idle keep-alive connections kept to WeChat (default 64, 1 to
            4096). A call that finds none idle opens a new (TLS) connection, and one returned to
            a full pool is closed: size it to the calls in flight at once (your threads, or the
            ``max_concurrency`` of :class:`soter_verify.aio.AsyncWeChatClient`).
        api_security: an :class:`ApiSecurity` (WeChat's "API 安全" mode): calls to the paths it
            seals are signed and encrypted, and their answers verified and decrypted.

    A token WeChat rejects (40001, 40014, 42001) is refreshed (forced) and the call retried once;
    such a forced refresh happens at most once per 30 s per client: another rejection within 30 s
    raises :class:`TokenError` without fetching (a WeChat that keeps rejecting tokens is not
    stormed with token requests).

    A client may be created before the process forks (gunicorn ``--preload``, uWSGI, Celery
    prefork, ``multiprocessing``): a child never uses the parent's connections or locks, and
    keeps the cached token. See "Deployment" in the README.

    Raises:
        ConfigError: a refused setting (plain http to a remote host, a bad URL or proxy).
    """

    __slots__ = ("appid", "_callback", "_thunk")

    appid: str
    _callback: Optional[_CallbackState]
    # The ctypes trampoline of a callback token source. Held by the client too (not only by its
    # finalizer), so it lives as long as any call in flight holds the client, even at exit.
    _thunk: Any

    def __init__(
        self,
        appid: str,
        secret: str = "",
        *,
        base_url: Optional[str] = None,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        attempt_timeout: Optional[float] = None,
        proxy: Optional[str] = None,
        token_source: TokenSourceArg = "stable",
        token_file: Optional[str] = None,
        allow_insecure_http: bool = False,
        max_attempts: Optional[int] = None,
        backoff_base: Optional[float] = None,
        backoff_max: Optional[float] = None,
        max_response_size: Optional[int] = None,
        refresh_margin: Optional[float] = None,
        token_retry_max: Optional[float] = None,
        max_idle_connections: Optional[int] = None,
        api_security: Optional["ApiSecurity"] = None,
    ) -> None:
        lib = N.wechat_lib()
        app = _text(appid, "appid")
        sec = _text(secret, "secret")
        opts = N.SoterClientOptions()
        lib.soter_client_options_init(byref(opts))
        if base_url is not None:
            raw = _text(base_url, "base_url")
            opts.base_url, opts.base_url_len = raw, len(raw)
        if proxy is not None:
            raw = _text(proxy, "proxy")
            opts.proxy, opts.proxy_len = raw, len(raw)
        if token_file is not None:
            raw = _text(token_file, "token_file")
            opts.token_file, opts.token_file_len = raw, len(raw)
        opts.allow_insecure_http = bool(allow_insecure_http)
        opts.timeout_ms = _timeout(timeout, "timeout")
        opts.connect_timeout_ms = _timeout(connect_timeout, "connect_timeout")
        opts.attempt_timeout_ms = _timeout(attempt_timeout, "attempt_timeout")
        opts.max_attempts = _uint(max_attempts, "max_attempts", 10)
        opts.backoff_base_ms = _ms(backoff_base, "backoff_base")
        opts.backoff_max_ms = _ms(backoff_max, "backoff_max")
        opts.max_response_size = _uint(max_response_size, "max_response_size", 2**63)
        opts.refresh_margin_s = 0 if refresh_margin is None else max(1, _ms(refresh_margin, "refresh_margin") // 1000)
        opts.token_retry_max_ms = _timeout(token_retry_max, "token_retry_max")
        # _uint refuses 0, which C would take for "the default".
        opts.max_idle_connections = _uint(max_idle_connections, "max_idle_connections", MAX_IDLE_CONNECTIONS)

        callback: Optional[_CallbackState] = None
        c_callback: Any = None
        if isinstance(token_source, FixedToken) or (
            isinstance(token_source, str) and token_source not in _SOURCES
        ):
            token = token_source.token if isinstance(token_source, FixedToken) else token_source
            if isinstance(token_source, str) and re.fullmatch(r"[a-z_]{1,20}", token_source):
                raise InvalidArgument(
                    f"unknown token_source {token_source!r}: use one of {sorted(_SOURCES)}, a "
                    "callable, or FixedToken(token)"
                )
            raw = _text(token, "token")
            opts.token_source = N.TOKEN_SOURCE_FIXED
            opts.fixed_token, opts.fixed_token_len = raw, len(raw)
        elif isinstance(token_source, str):
            opts.token_source = _SOURCES[token_source]
        elif callable(token_source):
            callback = _CallbackState(token_source)
            c_callback = N.TOKEN_CALLBACK(callback)
            opts.token_source = N.TOKEN_SOURCE_CALLBACK
            opts.token_callback = c_callback
        else:
            raise TypeError(
                f"token_source must be a str, FixedToken or callable, not {type(token_source).__name__}"
            )

        out = c_void_p()
        err = c_void_p()
        # The client copies the setting in soter_wechat_client_new: held only for that call.
        held = api_security._acquire() if api_security is not None else None
        try:
            opts.api_security = held
            status = lib.soter_wechat_client_new(app, len(app), sec, len(sec), byref(opts), byref(out), byref(err))
        finally:
            if api_security is not None:
                api_security._release()
        if status != 0:
            raise_for(status, err)
        assert out.value is not None
        self.appid = appid
        self._callback = callback
        self._thunk = c_callback
        ptr = out.value
        self._attach(ptr, lambda p: _free_client(p, c_callback))

    def _check(self, status: int, err: c_void_p) -> None:
        """Raise for a failed call; a token callback's own exception becomes the cause."""
        cause = self._callback.take_error() if self._callback is not None else None
        if status == 0:
            if err.value:
                N.lib.soter_error_free(err)
            return
        try:
            raise_for(status, err)
        except TokenError as exc:
            if cause is not None:
                raise exc from cause
            raise

    def soter_verify_signature(self, openid: str, json_string: BytesLike, json_signature: BytesLike) -> bool:
        """Ask WeChat whether ``json_signature`` signs exactly ``json_string`` for ``openid``.

        Returns True only for errcode 0 with ``is_ok: true``; False when WeChat says the
        signature does not verify. You must still check that the signed ``raw`` is the
        challenge you issued (:meth:`ResultJson.parse`).

        Raises:
            WeChatApiError: another errcode (``.errcode``, ``.errmsg``). TokenError: no token.
            NetworkError, Timeout, MalformedResponse.
        """
        oid = _text(openid, "openid")
        doc = as_bytes(json_string, "json_string")
        sig = as_bytes(json_signature, "json_signature")
        ok = c_bool()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_wechat_soter_verify_signature(
                ptr, oid, len(oid), doc, len(doc), sig, len(sig), byref(ok), byref(err)
            )
        finally:
            self._release()
        self._check(status, err)
        return bool(ok.value)

    def soter_verify_ask(self, ask_json: BytesLike, ask_json_signature: BytesLike) -> "Ask":
        """Have WeChat check a classic ASK (native-app SOTER ``verify_ask``): the ASK export JSON a
        device uploaded and its ATTK signature, exactly as received (still base64).

        Returns the :class:`Ask` (store it by device; pass it to :func:`verify_auth_key`).

        Raises:
            SignatureInvalid: WeChat says the ATTK signature does not verify (``is_verified: false``).
            InvalidJson, InvalidKey: the upload is not an ASK export (no request is made).
            WeChatApiError: another errcode. TokenError, NetworkError, Timeout, MalformedResponse.
        """
        from ._ask import Ask

        doc = as_bytes(ask_json, "ask_json")
        sig = as_bytes(ask_json_signature, "ask_json_signature")
        out = c_void_p()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_wechat_soter_verify_ask(ptr, doc, len(doc), sig, len(sig), byref(out), byref(err))
        finally:
            self._release()
        self._check(status, err)
        assert out.value is not None
        return Ask._take(out.value)

    def soter_is_support(self, model_key: str) -> Tuple[bool, int]:
        """Whether the phone model ``model_key`` supports SOTER (native-app ``is_support``):
        ``(is_support, support_type)``, support_type 0 none, 1 fingerprint, 2 face, 3 both."""
        key = _text(model_key, "model_key")
        supported = c_bool()
        kind = ctypes.c_uint32()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_wechat_soter_is_support(ptr, key, len(key), byref(supported), byref(kind), byref(err))
        finally:
            self._release()
        self._check(status, err)
        return bool(supported.value), int(kind.value)

    def face_get_info(self, verify_result: str) -> FaceInfo:
        """Legacy face verification result (``getinfo``) for a ``verify_result`` ticket.

        errcodes 84001 (invalid), 84002 (expired), 84003 (not found) raise ``WeChatApiError``.
        The result passed only when ``.passed``; check the person with ``.passed_for``.
        """
        ticket = _text(verify_result, "verify_result")
        out = c_void_p()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_wechat_face_get_info(ptr, ticket, len(ticket), byref(out), byref(err))
        finally:
            self._release()
        self._check(status, err)
        assert out.value is not None
        return FaceInfo._from_ptr(out.value)

    def face_get_verify_id(self, out_seq_no: str, cert: CertInfo, openid: str) -> VerifyId:
        """Start a face verification session (``getverifyid``) for ``cert`` and ``openid``."""
        seq = _text(out_seq_no, "out_seq_no")
        if not isinstance(cert, CertInfo):
            raise TypeError(f"cert must be a CertInfo, not {type(cert).__name__}")
        info = cert._native()
        oid = _text(openid, "openid")
        out = ctypes.POINTER(c_char)()
        expires = c_int64()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_wechat_face_get_verify_id(
                ptr, seq, len(seq), byref(info), oid, len(oid), byref(out), byref(expires), byref(err)
            )
        finally:
            self._release()
        self._check(status, err)
        verify_id = N.take_string(out)
        return VerifyId(verify_id=verify_id, expires_in=None if expires.value < 0 else int(expires.value))

    def face_query_verify_info(self, verify_id: str, out_seq_no: str, cert: CertInfo, openid: str) -> VerifyInfo:
        """The session's result (``queryverifyinfo``); ``cert`` is the document given to
        :meth:`face_get_verify_id` (its cert_hash is computed for you)."""
        vid = _text(verify_id, "verify_id")
        seq = _text(out_seq_no, "out_seq_no")
        if not isinstance(cert, CertInfo):
            raise TypeError(f"cert must be a CertInfo, not {type(cert).__name__}")
        info = cert._native()
        oid = _text(openid, "openid")
        out = N.SoterVerifyInfo()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_wechat_face_query_verify_info(
                ptr, vid, len(vid), seq, len(seq), byref(info), oid, len(oid), byref(out), byref(err)
            )
        finally:
            self._release()
        self._check(status, err)
        return VerifyInfo(verify_ret=int(out.verify_ret), outcome=outcome_name(int(out.outcome)), passed=bool(out.passed))

    def set_fixed_token(self, token: str) -> None:
        """Replace the token of a fixed-token client (other sources: ``InvalidArgument``)."""
        raw = _text(token, "token")
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_wechat_client_set_fixed_token(ptr, raw, len(raw), byref(err))
        finally:
            self._release()
        self._check(status, err)

    def clear_token(self) -> None:
        """Drop the cached token; the next call fetches a new one."""
        ptr = self._acquire()
        try:
            N.lib.soter_wechat_client_clear_token(ptr)
        finally:
            self._release()

    def stats(self) -> ClientStats:
        """The client's counters."""
        out = N.SoterClientStats()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_wechat_client_stats(ptr, byref(out), byref(err))
        finally:
            self._release()
        self._check(status, err)
        return ClientStats(
            http_requests=int(out.http_requests),
            retries=int(out.retries),
            token_fetches=int(out.token_fetches),
            token_retries=int(out.token_retries),
        )

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<WeChatClient appid={self.appid!r}{state}>"


def outcome_name(outcome: int) -> str:
    """The name of a ``SoterVerifyOutcome`` value, e.g. ``"user_cancelled"``."""
    return N.borrowed_cstr(N.lib.soter_verify_outcome_name(outcome)) or "unknown"


__all__ = [
    "CertInfo",
    "ClientStats",
    "FaceInfo",
    "FixedToken",
    "SoterError",
    "TokenCallback",
    "VerifyId",
    "VerifyInfo",
    "WeChatClient",
    "cert_hash",
]
