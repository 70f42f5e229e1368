"""WeChat's server API security mode (服务端 API 安全鉴权): sealed requests, verified answers."""

from __future__ import annotations

import json
from ctypes import POINTER, byref, c_char, c_size_t, c_void_p
from typing import Any, Mapping, Optional, Sequence

from . import _native as N
from ._errors import raise_for
from ._handle import NativeHandle


def _text(value: object, name: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"{name} must be str, not {type(value).__name__}")


class ApiSecurity(NativeHandle):
    """One app's API security setting (AES256_GCM with RSAwithSHA256, as set in the console).

    Args:
        appid: the mini-program's AppID.
        sym_key: base64 of the 32-byte symmetric (AES-256) key; sym_sn: its number.
        app_private_key: the app's RSA private key, PEM (PKCS#1 or PKCS#8); app_key_sn: its number.
        platform_certs: ``{number: PEM}`` of WeChat's platform certificates (the number from the
            console, not the X.509 serial); answers signed by another are refused.
        paths: extra API paths to seal, beyond the documented ones the client calls.

    Pass it to :class:`WeChatClient` as ``api_security=`` to seal calls and open answers, or use
    :meth:`seal` and :meth:`open` by hand. The keys never appear in ``repr`` or in an error.
    SM4_GCM with SM2withSM3 is not offered: WeChat publishes no test vector for it.
    """

    __slots__ = ("appid", "sym_sn", "app_key_sn")

    appid: str
    sym_sn: str
    app_key_sn: str

    def __init__(
        self,
        *,
        appid: str,
        sym_key: str,
        sym_sn: str,
        app_private_key: str,
        app_key_sn: str,
        platform_certs: Optional[Mapping[str, str]] = None,
        paths: Sequence[str] = (),
    ) -> None:
        lib = N.wechat_lib()
        args = [_text(v, n) for v, n in (
            (appid, "appid"), (sym_key, "sym_key"), (sym_sn, "sym_sn"),
            (app_private_key, "app_private_key"), (app_key_sn, "app_key_sn"),
        )]
        out = c_void_p()
        err = c_void_p()
        flat: list[Any] = []
        for a in args:
            flat += [a, len(a)]
        status = lib.soter_api_security_new(*flat, byref(out), byref(err))
        if status != 0:
            raise_for(status, err)
        ptr = out.value
        assert ptr is not None
        try:
            for number, pem in (platform_certs or {}).items():
                ptr = _derive(lib.soter_api_security_with_platform_cert, ptr, _text(number, "number"), _text(pem, "pem"))
            for path in paths:
                ptr = _derive(lib.soter_api_security_with_path, ptr, _text(path, "path"))
        except BaseException:
            lib.soter_api_security_free(ptr)
            raise
        self._init(ptr, appid, sym_sn, app_key_sn)

    def _init(self, ptr: int, appid: str, sym_sn: str, app_key_sn: str) -> None:
        self._attach(ptr, N.lib.soter_api_security_free)
        self.appid = appid
        self.sym_sn = sym_sn
        self.app_key_sn = app_key_sn

    @classmethod
    def _from_handle(cls, ptr: int, appid: str) -> "ApiSecurity":
        obj = cls.__new__(cls)
        obj._init(ptr, appid, "", "")
        return obj

    def __repr__(self) -> str:  # the keys stay out
        return f"ApiSecurity(appid={self.appid!r}, sym_key=<hidden>, app_private_key=<hidden>)"

    def seals(self, path: str) -> bool:
        """Whether a client using this setting seals calls to ``path``."""
        raw = _text(path, "path")
        ptr = self._acquire()
        try:
            return bool(N.lib.soter_api_security_seals(ptr, raw, len(raw)))
        finally:
            self._release()

    def seal(
        self,
        url: str,
        params: Mapping[str, Any],
        timestamp: Optional[int] = None,
        nonce: Optional[str] = None,
        iv: Optional[bytes] = None,
    ) -> tuple[str, dict[str, str]]:
        """Seal a request to ``url`` with body ``params``: ``(body, headers)`` to send.

        ``timestamp``, ``nonce`` and ``iv`` (12 bytes) are for tests: fixed values reproduce a
        body byte for byte; leave them ``None`` in production.
        """
        u = _text(url, "url")
        p = json.dumps(dict(params), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        n = None if nonce is None else _text(nonce, "nonce")
        if iv is not None and (not isinstance(iv, bytes) or len(iv) != 12):
            raise ValueError("iv must be 12 bytes")
        if timestamp is not None and (isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp <= 0):
            raise ValueError("timestamp must be a positive int (Unix seconds)")
        body = POINTER(c_char)()
        headers = POINTER(c_char)()
        body_len = c_size_t()
        headers_len = c_size_t()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_api_security_seal(
                ptr, u, len(u), p, len(p), timestamp or 0, n, len(n or b""), iv,
                byref(body), byref(body_len), byref(headers), byref(headers_len), byref(err),
            )
        finally:
            self._release()
        if status != 0:
            raise_for(status, err)
        b = N.take_string(body, body_len.value)
        h = json.loads(N.take_string(headers, headers_len.value))
        return b, {str(k): str(v) for k, v in h.items()}

    def open(
        self, url: str, body: str | bytes, headers: Mapping[str, str], now: Optional[int] = None
    ) -> dict[str, Any]:
        """Verify and open WeChat's answer to a call to ``url``: its JSON object, without
        ``_n``, ``_appid`` and ``_timestamp``.

        Raises (each with its own message): ``SignatureInvalid`` for a signature that does not
        verify (tampered body, another URL), an unknown certificate number, a body that does
        not decrypt, a stale timestamp (over 300 s from ``now``) or another ``_appid``;
        ``MalformedResponse`` for a missing header or another ``Wechatmp-Appid``; ``WeChatApiError``
        for WeChat's plain errcode answer (40230-40240 with their meaning).
        """
        u = _text(url, "url")
        b = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        h = json.dumps({str(k): str(v) for k, v in headers.items()}).encode("utf-8")
        if now is not None and (isinstance(now, bool) or not isinstance(now, int) or now <= 0):
            raise ValueError("now must be a positive int (Unix seconds)")
        out = POINTER(c_char)()
        out_len = c_size_t()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_api_security_open(
                ptr, u, len(u), b, len(b), h, len(h), now or 0, byref(out), byref(out_len), byref(err)
            )
        finally:
            self._release()
        if status != 0:
            raise_for(status, err)
        result = json.loads(N.take_string(out, out_len.value))
        assert isinstance(result, dict)
        return result


def _derive(fn: Any, ptr: int, *texts: bytes) -> int:
    """A new handle from ``fn(ptr, texts...)``; frees ``ptr``."""
    out = c_void_p()
    err = c_void_p()
    args: list[Any] = []
    for t in texts:
        args += [t, len(t)]
    try:
        status = fn(ptr, *args, byref(out), byref(err))
        if status != 0:
            raise_for(status, err)
    finally:
        N.lib.soter_api_security_free(ptr)
    assert out.value is not None
    return out.value
