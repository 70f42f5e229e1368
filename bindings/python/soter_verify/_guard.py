"""ReplayGuard: single-use challenges and rising counters, in memory or on Redis."""

from __future__ import annotations

import math
from ctypes import POINTER, byref, c_bool, c_char, c_char_p, c_size_t, c_uint64, c_void_p, create_string_buffer
from typing import Any, Optional, Sequence

from . import _native as N
from ._core import BytesLike, PublicKey, ResultJson, as_bytes
from ._errors import InvalidArgument, raise_for
from ._handle import NativeHandle
from ._wechat import WeChatClient

_UINT64_MAX = 2**64 - 1
_Subject = N.SoterGuardSubject


def _authenticate(*args: Any) -> int:
    """``soter_replay_guard_authenticate``, declared on first use (see ``guard_lib``)."""
    global _authenticate
    fn = N.guard_lib().soter_replay_guard_authenticate
    _authenticate = fn
    return fn(*args)  # type: ignore[no-any-return]


def _text(value: object, name: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"{name} must be str, not {type(value).__name__}")


def _opt_text(value: object, name: str) -> Optional[bytes]:
    return None if value is None else _text(value, name)


def _bound(value: Optional[int], name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, not {type(value).__name__}")
    if not 1 <= value <= _UINT64_MAX:
        raise InvalidArgument(f"{name} must be at least 1, not {value}")
    return value


def _redis_options(prefix: str, timeout: float, tls_ca_pem: Optional[BytesLike]) -> N.SoterGuardOptions:
    opts = N.SoterGuardOptions()
    N.guard_lib().soter_guard_options_init(byref(opts))
    raw = _text(prefix, "prefix")
    opts.prefix, opts.prefix_len = raw, len(raw)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    if not (timeout > 0 and math.isfinite(timeout) and timeout * 1000 <= 2**32 - 1):
        raise InvalidArgument(f"timeout must be a positive number of seconds, not {timeout!r}")
    opts.timeout_ms = max(1, round(timeout * 1000))
    if tls_ca_pem is not None:
        pem = as_bytes(tls_ca_pem, "tls_ca_pem")
        opts.tls_ca_pem, opts.tls_ca_pem_len = pem, len(pem)
    return opts


def _subject(subject: str, cpu_id: Optional[str], uid: Optional[str]) -> N.SoterGuardSubject:
    w = _Subject()
    s = subject.encode() if type(subject) is str else _text(subject, "subject")
    w.subject = s
    w.subject_len = len(s)
    if cpu_id is not None:
        cpu = cpu_id.encode() if type(cpu_id) is str else _text(cpu_id, "cpu_id")
        w.cpu_id = cpu
        w.cpu_id_len = len(cpu)
    if uid is not None:
        u = uid.encode() if type(uid) is str else _text(uid, "uid")
        w.uid = u
        w.uid_len = len(u)
    return w


def _check(status: int, err: c_void_p) -> None:
    if status != 0:
        raise_for(status, err)


class ReplayGuard(NativeHandle):
    """Single-use challenges and rising counters, so a valid signature means a fresh login.

    ``ReplayGuard()`` keeps them in this process's memory (bounded: ``max_challenges`` pending
    challenges, default 100 000, after which issuing raises ``StoreUnavailable``;
    ``max_devices`` remembered counters, default 1 000 000, after which the least recently used
    sixteenth is forgotten). :meth:`redis` and :meth:`redis_cluster` share them between every
    server of a backend. Thread-safe: create one per application and share it. Calls release
    the GIL. Close it (or use it as a context manager) when the application stops.
    """

    __slots__ = ("_description",)

    _description: str

    def __init__(self, *, max_challenges: Optional[int] = None, max_devices: Optional[int] = None) -> None:
        lib = N.guard_lib()
        opts = N.SoterGuardOptions()
        lib.soter_guard_options_init(byref(opts))
        opts.max_challenges = _bound(max_challenges, "max_challenges")
        opts.max_devices = _bound(max_devices, "max_devices")
        out = c_void_p()
        err = c_void_p()
        _check(lib.soter_replay_guard_new_memory(byref(opts), byref(out), byref(err)), err)
        self._adopt(out)

    def _adopt(self, out: c_void_p) -> None:
        assert out.value is not None
        lib = N.guard_lib()
        self._attach(out.value, lib.soter_replay_guard_free)
        text = POINTER(c_char)()
        n = c_size_t()
        err = c_void_p()
        _check(lib.soter_replay_guard_describe(out.value, byref(text), byref(n), byref(err)), err)
        self._description = N.take_string(text, n.value)

    @classmethod
    def redis(
        cls,
        url: str,
        *,
        prefix: str = "soter:",
        timeout: float = 1.0,
        tls_ca_pem: Optional[BytesLike] = None,
    ) -> ReplayGuard:
        """A guard on one Redis server: ``redis://[user:password@]host[:port][/db]``, or
        ``rediss://`` for TLS (system root certificates, or ``tls_ca_pem``).

        ``timeout`` (seconds) bounds connecting and each answer; a Redis that cannot be reached
        or answers late raises ``StoreUnavailable`` (nothing is accepted without it), and the
        next call after it comes back works. Connects on first use. The password never appears
        in ``repr`` or in error messages.

        Raises:
            ConfigError: a URL or prefix that cannot be used.
        """
        u = _text(url, "url")
        opts = _redis_options(prefix, timeout, tls_ca_pem)
        out = c_void_p()
        err = c_void_p()
        _check(N.guard_lib().soter_replay_guard_new_redis(u, len(u), byref(opts), byref(out), byref(err)), err)
        guard = cls.__new__(cls)
        guard._adopt(out)
        return guard

    @classmethod
    def redis_cluster(
        cls,
        nodes: Sequence[str],
        *,
        prefix: str = "soter:",
        timeout: float = 1.0,
        tls_ca_pem: Optional[BytesLike] = None,
    ) -> ReplayGuard:
        """A guard on a Redis Cluster, given some of its nodes' URLs (the first one's password
        and TLS mode apply to all). Otherwise as :meth:`redis`."""
        if isinstance(nodes, (str, bytes)):
            raise TypeError("nodes must be a list of URLs, not one string")
        raw = [_text(n, "nodes[i]") for n in nodes]
        if not raw:
            raise InvalidArgument("a Redis Cluster needs at least one node URL")
        ptrs = (c_char_p * len(raw))(*raw)
        lens = (c_size_t * len(raw))(*[len(r) for r in raw])
        opts = _redis_options(prefix, timeout, tls_ca_pem)
        out = c_void_p()
        err = c_void_p()
        status = N.guard_lib().soter_replay_guard_new_redis_cluster(
            ptrs, lens, len(raw), byref(opts), byref(out), byref(err)
        )
        _check(status, err)
        guard = cls.__new__(cls)
        guard._adopt(out)
        return guard

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<ReplayGuard {self._description}{state}>"

    def issue_challenge(self, subject: str, ttl: float = 300) -> str:
        """A fresh challenge for ``subject`` (your user id), valid ``ttl`` seconds (at most a
        day) and for one authentication. Send it to the mini-program.

        Raises:
            StoreUnavailable: Redis cannot be reached, or the in-memory guard is full.
        """
        s = _text(subject, "subject")
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
            raise TypeError(f"ttl must be a number of seconds, not {type(ttl).__name__}")
        if not (ttl > 0 and math.isfinite(ttl)):
            raise InvalidArgument(f"ttl must be a positive number of seconds, not {ttl!r}")
        ms = min(max(1, round(ttl * 1000)), _UINT64_MAX)
        buf = create_string_buffer(N.CHALLENGE_LEN + 1)
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_replay_guard_issue_challenge(ptr, s, len(s), ms, buf, len(buf), None, byref(err))
        finally:
            self._release()
        _check(status, err)
        return buf.value.decode("ascii")

    def authenticate(
        self,
        key: PublicKey,
        result_json: BytesLike,
        signature: BytesLike,
        *,
        subject: str,
        cpu_id: Optional[str] = None,
        uid: Optional[str] = None,
    ) -> ResultJson:
        """Verify a result for ``subject`` and return it parsed.

        The signature first (a bad one touches no state); then, atomically (one script call on
        Redis), the challenge ``raw`` must be pending for ``subject`` and is consumed by the
        first validly signed result that presents it, whatever follows; ``cpu_id``/``uid`` must
        match when given; the counter must be above the last accepted for this device, and
        becomes the new last counter.

        Raises:
            SignatureInvalid, ChallengeMismatch (unknown, expired, used or another subject's),
            DeviceMismatch, CounterReplay: the verdicts (``VerificationFailed``).
            StoreUnavailable: the store could not confirm; nothing was accepted.
            InvalidJson, MalformedSignature, ...: malformed input.
        """
        if not isinstance(key, PublicKey):
            raise TypeError(f"key must be a PublicKey, not {type(key).__name__}")
        doc = result_json.encode() if type(result_json) is str else as_bytes(result_json, "result_json")
        sig = signature.encode() if type(signature) is str else as_bytes(signature, "signature")
        who = _subject(subject, cpu_id, uid)
        out = c_void_p()
        err = c_void_p()
        ptr = self._acquire()
        try:
            kptr = key._acquire()
            try:
                status = _authenticate(ptr, kptr, doc, len(doc), sig, len(sig), byref(who), byref(out), byref(err))
            finally:
                key._release()
        finally:
            self._release()
        if status:
            raise_for(status, err)
        return ResultJson._take(out.value)  # type: ignore[arg-type]

    def accept(
        self,
        result_json: BytesLike,
        *,
        subject: str,
        cpu_id: Optional[str] = None,
        uid: Optional[str] = None,
    ) -> ResultJson:
        """The state step of :meth:`authenticate` alone, for a result whose signature was
        verified elsewhere. Never call it on an unverified result: for mini-programs use
        :meth:`authenticate_via_wechat`, which asks WeChat first."""
        doc = as_bytes(result_json, "result_json")
        who = _subject(subject, cpu_id, uid)
        out = c_void_p()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_replay_guard_accept(ptr, doc, len(doc), byref(who), byref(out), byref(err))
        finally:
            self._release()
        _check(status, err)
        assert out.value is not None
        return ResultJson._take(out.value)

    def authenticate_via_wechat(
        self,
        client: WeChatClient,
        openid: str,
        result_json: BytesLike,
        signature: BytesLike,
        *,
        subject: str,
        cpu_id: Optional[str] = None,
        uid: Optional[str] = None,
    ) -> ResultJson:
        """The mini-program path: WeChat's ``verify_signature`` for ``openid`` first (``is_ok``
        false raises ``SignatureInvalid`` and touches no state), then the state step.

        Raises: as :meth:`authenticate`, plus the client's ``WeChatApiError``, ``TokenError``,
        ``NetworkError``, ``Timeout``, ``MalformedResponse``.
        """
        if not isinstance(client, WeChatClient):
            raise TypeError(f"client must be a WeChatClient, not {type(client).__name__}")
        oid = _text(openid, "openid")
        doc = as_bytes(result_json, "result_json")
        sig = as_bytes(signature, "signature")
        who = _subject(subject, cpu_id, uid)
        out = c_void_p()
        err = c_void_p()
        ptr = self._acquire()
        try:
            cptr = client._acquire()
            try:
                status = N.lib.soter_replay_guard_authenticate_via_wechat(
                    ptr, cptr, oid, len(oid), doc, len(doc), sig, len(sig), byref(who), byref(out), byref(err)
                )
            finally:
                client._release()
        finally:
            self._release()
        client._check(status, err)
        assert out.value is not None
        return ResultJson._take(out.value)

    def last_counter(self, subject: str, cpu_id: str, uid: str) -> Optional[int]:
        """The last counter accepted for this subject and device, or None."""
        s, c, u = _text(subject, "subject"), _text(cpu_id, "cpu_id"), _text(uid, "uid")
        found = c_bool()
        counter = c_uint64()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_replay_guard_last_counter(
                ptr, s, len(s), c, len(c), u, len(u), byref(found), byref(counter), byref(err)
            )
        finally:
            self._release()
        _check(status, err)
        return int(counter.value) if found.value else None

