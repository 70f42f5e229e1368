"""ReplayGuard: single-use challenges and rising counters, in memory or on Redis."""

from __future__ import annotations

import math
from ctypes import POINTER, byref, c_bool, c_char, c_char_p, c_int64, c_size_t, c_uint64, c_void_p, create_string_buffer
from typing import Any, Optional, Sequence

from . import _native as N
from ._core import BytesLike, PublicKey, ResultJson, as_bytes
from ._errors import InvalidArgument, raise_for
from ._handle import NativeHandle
from ._wechat import CertInfo, FaceInfo, VerifyId, VerifyInfo, WeChatClient, outcome_name

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


#: Largest ``timeout`` accepted, in seconds (``SOTER_GUARD_MAX_TIMEOUT_MS``): a Redis call allowed
#: to take longer is a mistake, most likely milliseconds given where seconds are expected.
MAX_TIMEOUT = 3600.0
#: Default of ``max_challenges_per_subject`` (``SOTER_GUARD_DEFAULT_MAX_CHALLENGES_PER_SUBJECT``).
DEFAULT_MAX_CHALLENGES_PER_SUBJECT = 16
#: Largest ``max_challenges_per_subject`` the library accepts.
MAX_CHALLENGES_PER_SUBJECT = 1024
_UINT32_MAX = 2**32 - 1


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value


def _bound(value: Optional[int], name: str) -> int:
    """A memory bound: None is the library's default; 0 is refused here, because C would take
    it for "default" and a caller who wrote 0 did not mean a million."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, not {type(value).__name__}")
    if not 1 <= value <= _UINT64_MAX:
        raise InvalidArgument(f"{name} must be at least 1, not {value}")
    return value


def _per_subject(value: int) -> int:
    v = _int(value, "max_challenges_per_subject")
    if not 1 <= v <= MAX_CHALLENGES_PER_SUBJECT:
        # 0 in the C struct means "the default": refused here rather than taken for 16.
        raise InvalidArgument(
            f"max_challenges_per_subject must be 1 to {MAX_CHALLENGES_PER_SUBJECT}, not {v}"
        )
    return v


def _timeout_ms(timeout: float) -> int:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    if not (timeout > 0 and math.isfinite(timeout)):
        raise InvalidArgument(f"timeout must be a positive number of seconds, not {timeout!r}")
    if timeout > MAX_TIMEOUT:
        raise InvalidArgument(
            f"timeout={timeout!r} is {timeout / 60:.0f} minutes: timeout is in seconds, and values above "
            f"an hour ({MAX_TIMEOUT:.0f}) are refused as a likely unit mistake (milliseconds? use "
            f"{timeout / 1000:g})"
        )
    return max(1, round(timeout * 1000))


def _redis_options(
    prefix: str,
    timeout: float,
    tls_ca_pem: Optional[BytesLike],
    wait_replicas: int,
    max_challenges_per_subject: int,
) -> N.SoterGuardOptions:
    opts = N.SoterGuardOptions()
    N.guard_lib().soter_guard_options_init(byref(opts))
    raw = _text(prefix, "prefix")
    opts.prefix, opts.prefix_len = raw, len(raw)
    opts.timeout_ms = _timeout_ms(timeout)
    if tls_ca_pem is not None:
        pem = as_bytes(tls_ca_pem, "tls_ca_pem")
        opts.tls_ca_pem, opts.tls_ca_pem_len = pem, len(pem)
    replicas = _int(wait_replicas, "wait_replicas")
    if not 0 <= replicas <= _UINT32_MAX:
        raise InvalidArgument(f"wait_replicas must be 0 (do not wait) or a number of replicas, not {replicas}")
    opts.wait_replicas = replicas
    opts.max_challenges_per_subject = _per_subject(max_challenges_per_subject)
    return opts


def _url_array(urls: Sequence[str], what: str, name: str) -> tuple[Any, Any, int]:
    if isinstance(urls, (str, bytes)):
        raise TypeError(f"{name} must be a list of URLs, not one string")
    raw = [_text(u, f"{name}[i]") for u in urls]
    if not raw:
        raise InvalidArgument(f"{what} needs at least one URL")
    ptrs = (c_char_p * len(raw))(*raw)
    lens = (c_size_t * len(raw))(*[len(r) for r in raw])
    return ptrs, lens, len(raw)


#: Longest ``max_age`` / ``ttl`` of the face steps, in seconds (a day).
_MAX_FACE_SECONDS = 86400


def _face_seconds(value: object, name: str) -> int:
    """Whole seconds, 1 to a day. 0 is refused here: C takes it for "the default"."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not (math.isfinite(value) and 1 <= round(value) <= _MAX_FACE_SECONDS):
        raise InvalidArgument(f"{name} must be 1 to {_MAX_FACE_SECONDS} seconds, not {value!r}")
    return int(round(value))


def _face_args(client: object, cert: object) -> None:
    if not isinstance(client, WeChatClient):
        raise TypeError(f"client must be a WeChatClient, not {type(client).__name__}")
    if cert is not None and not isinstance(cert, CertInfo):
        raise TypeError(f"cert must be a CertInfo, not {type(cert).__name__}")


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
    sixteenth is forgotten). :meth:`redis`, :meth:`redis_cluster` and :meth:`redis_sentinel`
    share them between every server of a backend. Every store keeps at most
    ``max_challenges_per_subject`` (default 16) pending challenges per subject: issuing past it
    drops that subject's oldest, so one user cannot crowd out the others.

    Thread-safe: create one per application and share it. Calls release the GIL. It may be
    created before the process forks (gunicorn ``--preload``, uWSGI, Celery prefork,
    ``multiprocessing``): a forked child never uses a connection its parent opened. Close it
    (or use it as a context manager) when the application stops.
    """

    __slots__ = ("_description",)

    _description: str

    def __init__(
        self,
        *,
        max_challenges: Optional[int] = None,
        max_devices: Optional[int] = None,
        max_challenges_per_subject: int = DEFAULT_MAX_CHALLENGES_PER_SUBJECT,
    ) -> None:
        """An in-memory guard (one process). ``max_challenges`` and ``max_devices`` default
        to 100 000 and 1 000 000 (None); 0 raises ``InvalidArgument``, as does a
        ``max_challenges_per_subject`` outside 1 to 1024."""
        lib = N.guard_lib()
        opts = N.SoterGuardOptions()
        lib.soter_guard_options_init(byref(opts))
        opts.max_challenges = _bound(max_challenges, "max_challenges")
        opts.max_devices = _bound(max_devices, "max_devices")
        opts.max_challenges_per_subject = _per_subject(max_challenges_per_subject)
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
        wait_replicas: int = 0,
        max_challenges_per_subject: int = DEFAULT_MAX_CHALLENGES_PER_SUBJECT,
    ) -> ReplayGuard:
        """A guard on one Redis server: ``redis://[user:password@]host[:port][/db]``, or
        ``rediss://`` for TLS (system root certificates, or ``tls_ca_pem``). Percent-encode
        ``/ ? # @ : %`` in a password.

        Args:
            prefix: prepended to every key (no braces).
            timeout: the bound, in seconds, of one whole call: connecting, retrying, the script
                and ``WAIT`` included (at most 3600: larger raises ``InvalidArgument`` as a
                likely unit mistake). A Redis that cannot be reached or answers late raises
                ``StoreUnavailable`` (nothing is accepted without it). After such a failure,
                calls fail at once while one call at a time checks whether Redis is back; the
                first call after it answers again works.
            wait_replicas: replicas that must acknowledge each consumed challenge (``WAIT``)
                before the result counts as accepted; fewer within the timeout raises
                ``StoreUnavailable`` and the challenge stays used (fail closed). 0: do not wait.
            max_challenges_per_subject: pending challenges per subject (1 to 1024); issuing
                past it drops that subject's oldest.

        Connects on first use. The password never appears in ``repr`` or in error messages.

        Raises:
            ConfigError: a URL or prefix that cannot be used.
            InvalidArgument: an option out of range.
        """
        u = _text(url, "url")
        opts = _redis_options(prefix, timeout, tls_ca_pem, wait_replicas, max_challenges_per_subject)
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
        wait_replicas: int = 0,
        max_challenges_per_subject: int = DEFAULT_MAX_CHALLENGES_PER_SUBJECT,
    ) -> ReplayGuard:
        """A guard on a Redis Cluster, given some of its nodes' URLs (the first one's password
        and TLS mode apply to all). ``wait_replicas`` waits on the node that ran the script.
        Otherwise as :meth:`redis`."""
        ptrs, lens, count = _url_array(nodes, "a Redis Cluster", "nodes")
        opts = _redis_options(prefix, timeout, tls_ca_pem, wait_replicas, max_challenges_per_subject)
        out = c_void_p()
        err = c_void_p()
        status = N.guard_lib().soter_replay_guard_new_redis_cluster(
            ptrs, lens, count, byref(opts), byref(out), byref(err)
        )
        _check(status, err)
        guard = cls.__new__(cls)
        guard._adopt(out)
        return guard

    @classmethod
    def redis_sentinel(
        cls,
        sentinels: Sequence[str],
        service_name: str,
        *,
        prefix: str = "soter:",
        timeout: float = 1.0,
        wait_replicas: int = 0,
        password: Optional[str] = None,
        sentinel_password: Optional[str] = None,
        db: int = 0,
        tls_ca_pem: Optional[BytesLike] = None,
        max_challenges_per_subject: int = DEFAULT_MAX_CHALLENGES_PER_SUBJECT,
    ) -> ReplayGuard:
        """A guard on the master that Redis Sentinel names for ``service_name``.

        ``sentinels`` lists Sentinel URLs (``redis://host:26379``, or ``rediss://`` for TLS to
        the Sentinels and the master). ``password`` is the master's, ``sentinel_password`` the
        Sentinels' own (both optional, never shown); ``db`` the database on the master. After
        a failover the same guard follows the new master, with no restart. Use
        ``wait_replicas`` so that a failover cannot bring back a challenge already used (see
        the README's deployment section for what remains). Otherwise as :meth:`redis`.

        Raises:
            ConfigError: a URL or prefix that cannot be used.
            InvalidArgument: an option out of range, or no Sentinel URL.
        """
        ptrs, lens, count = _url_array(sentinels, "Redis Sentinel", "sentinels")
        name = _text(service_name, "service_name")
        sopts = N.SoterSentinelOptions()
        pw = _opt_text(password, "password")
        if pw is not None:
            sopts.password, sopts.password_len = pw, len(pw)
        spw = _opt_text(sentinel_password, "sentinel_password")
        if spw is not None:
            sopts.sentinel_password, sopts.sentinel_password_len = spw, len(spw)
        database = _int(db, "db")
        if not 0 <= database <= 2**63 - 1:
            raise InvalidArgument(f"db must be a database number (0 or more), not {database}")
        sopts.db = database
        opts = _redis_options(prefix, timeout, tls_ca_pem, wait_replicas, max_challenges_per_subject)
        out = c_void_p()
        err = c_void_p()
        status = N.guard_lib().soter_replay_guard_new_redis_sentinel(
            ptrs, lens, count, name, len(name), byref(sopts), byref(opts), byref(out), byref(err)
        )
        _check(status, err)
        guard = cls.__new__(cls)
        guard._adopt(out)
        return guard

    def ping(self) -> None:
        """One round trip to the store (nothing to do in memory): what a readiness probe calls.

        Raises:
            StoreUnavailable: Redis did not answer within the guard's ``timeout``.
        """
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = N.lib.soter_replay_guard_ping(ptr, byref(err))
        finally:
            self._release()
        _check(status, err)

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

    # Face verification (人脸核身) under the guard: results used once and bound to the user.

    def face_get_info(
        self, client: WeChatClient, verify_result: str, subject: str, *, max_age: float = N.GUARD_DEFAULT_FACE_MAX_AGE_S
    ) -> FaceInfo:
        """Legacy face verification (``getinfo``) for ``subject``, used once.

        The ticket is marked used in the guard's store first (its SHA-256, never the ticket): a
        second use, on any server sharing the store, raises ``ChallengeMismatch`` without asking
        WeChat (a ticket whose call failed stays used: the user verifies again). WeChat's answer
        must name ``subject`` as its openid (``ChallengeMismatch`` otherwise), and have
        identify_ret 0 and an identify_time at most ``max_age`` seconds old (1 to 86400;
        ``SignatureInvalid`` otherwise, naming the reason). Check the person with
        ``.passed_for(name, id_number)``.

        Raises:
            ChallengeMismatch, SignatureInvalid: the verdicts (``VerificationFailed``).
            StoreUnavailable: the store could not confirm; nothing was accepted.
            WeChatApiError, TokenError, NetworkError, Timeout, MalformedResponse: the client's.
        """
        _face_args(client, None)
        ticket = _text(verify_result, "verify_result")
        s = _text(subject, "subject")
        age = _face_seconds(max_age, "max_age")
        out = c_void_p()
        err = c_void_p()
        ptr = self._acquire()
        try:
            cptr = client._acquire()
            try:
                status = N.guard_lib().soter_replay_guard_face_get_info(
                    ptr, cptr, ticket, len(ticket), s, len(s), age, byref(out), byref(err)
                )
            finally:
                client._release()
        finally:
            self._release()
        client._check(status, err)
        assert out.value is not None
        return FaceInfo._from_ptr(out.value)

    def face_start(
        self,
        client: WeChatClient,
        subject: str,
        cert: CertInfo,
        *,
        out_seq_no: Optional[str] = None,
        ttl: float = N.GUARD_DEFAULT_FACE_TTL_S,
    ) -> VerifyId:
        """Start a face verification session (``getverifyid``) for ``subject`` (the openid) and
        record it in the guard's store for ``ttl`` seconds (1 to 86400; shortened to WeChat's
        ``expires_in``), under the same per-subject bound as challenges. ``out_seq_no`` is
        generated when None. Pass the ``verify_id`` to the mini-program, then call
        :meth:`face_finish`.
        """
        _face_args(client, cert)
        s = _text(subject, "subject")
        seq = _opt_text(out_seq_no, "out_seq_no")
        seconds = _face_seconds(ttl, "ttl")
        info = cert._native()
        out = POINTER(c_char)()
        expires = c_int64()
        err = c_void_p()
        ptr = self._acquire()
        try:
            cptr = client._acquire()
            try:
                status = N.guard_lib().soter_replay_guard_face_start(
                    ptr, cptr, s, len(s), byref(info), seq, 0 if seq is None else len(seq), seconds,
                    byref(out), byref(expires), byref(err),
                )
            finally:
                client._release()
        finally:
            self._release()
        client._check(status, err)
        verify_id = N.take_string(out)
        return VerifyId(verify_id=verify_id, expires_in=None if expires.value < 0 else int(expires.value))

    def face_finish(self, client: WeChatClient, verify_id: str, subject: str, cert: CertInfo) -> VerifyInfo:
        """The session's result (``queryverifyinfo``), used once.

        ``verify_id`` must be one :meth:`face_start` issued to ``subject`` on this guard's store,
        unexpired and unused, and ``cert`` the document it was started with (``ChallengeMismatch``
        otherwise); WeChat is asked with the recorded out_seq_no, and verify_ret must be 10000
        (``SignatureInvalid`` otherwise, naming the outcome). The session is used up by the first
        call that gets WeChat's answer; one that got none (``NetworkError``, ``Timeout``,
        ``TokenError``) leaves it usable until it expires.
        """
        _face_args(client, cert)
        vid = _text(verify_id, "verify_id")
        s = _text(subject, "subject")
        info = cert._native()
        out = N.SoterVerifyInfo()
        err = c_void_p()
        ptr = self._acquire()
        try:
            cptr = client._acquire()
            try:
                status = N.guard_lib().soter_replay_guard_face_finish(
                    ptr, cptr, vid, len(vid), s, len(s), byref(info), byref(out), byref(err)
                )
            finally:
                client._release()
        finally:
            self._release()
        client._check(status, err)
        return VerifyInfo(verify_ret=int(out.verify_ret), outcome=outcome_name(int(out.outcome)), passed=bool(out.passed))
