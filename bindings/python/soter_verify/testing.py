"""Test doubles for your own backend: a WeChat-compatible server and a simulated SOTER device.

Everything runs in-process on loopback (127.0.0.1); nothing reaches WeChat::

    from soter_verify import WeChatClient, authenticate, new_challenge
    from soter_verify.testing import Device, WeChatEmulator

    with WeChatEmulator() as wechat, Device() as phone:
        wechat.register_device("openid-1", phone.public_key_pem)
        challenge = new_challenge()
        result_json, signature = phone.sign_result(challenge)
        with WeChatClient(wechat.appid, wechat.secret, base_url=wechat.base_url) as client:
            assert client.soter_verify_signature("openid-1", result_json, signature)
"""

from __future__ import annotations

import ctypes
import threading
from ctypes import byref, c_char, c_size_t, c_void_p
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, List, Optional, Tuple, TypeVar

from . import _native as N
from ._core import BytesLike, PublicKey, as_bytes
from ._api_security import ApiSecurity
from ._errors import InvalidArgument, raise_for
from ._handle import NativeHandle
from ._wechat import WeChatClient, _text

if TYPE_CHECKING:
    from .aio import AsyncWeChatClient

__all__ = [
    "Device", "EmulatorCounters", "TestKeyPair", "TestRoot", "WeChatEmulator", "FAULTS", "VERIFY_RET_MISMATCH",
    "TEST_NOT_AFTER", "POOL_SIZE",
]

#: notAfter of every certificate a :class:`TestRoot` issues (2049-12-31T23:59:59Z), Unix seconds.
TEST_NOT_AFTER = 2524607999

#: Fault kinds accepted by :meth:`WeChatEmulator.inject_fault`.
FAULTS = tuple(N.FAULTS)
#: verify_ret the emulator's queryverifyinfo gives when the document does not match the person.
VERIFY_RET_MISMATCH = 90011

_T = TypeVar("_T")


def _owned_pair(call: Any) -> Tuple[bytes, str]:
    """Run a call with (char **json, size_t *, char **sig, size_t *) outputs; take both."""
    a, b = ctypes.POINTER(c_char)(), ctypes.POINTER(c_char)()
    an, bn = c_size_t(), c_size_t()
    err = c_void_p()
    status = call(byref(a), byref(an), byref(b), byref(bn), byref(err))
    if status != 0:
        raise_for(status, err)
    try:
        doc = ctypes.string_at(a, an.value)
    finally:
        N.lib.soter_string_free(a)
    return doc, N.take_string(b, bn.value)


def _bits(bits: int) -> int:
    if isinstance(bits, bool) or not isinstance(bits, int):
        raise TypeError(f"bits must be an int, not {type(bits).__name__}")
    if bits not in (2048, 3072, 4096):
        raise InvalidArgument(f"bits must be 2048, 3072 or 4096, not {bits}")
    return bits


class TestKeyPair(NativeHandle):
    """A test RSA key pair, e.g. standing in for a device's ASK. Generate with :meth:`generate`."""

    __test__ = False  # not a pytest test class
    __slots__ = ("public_key_pem",)

    public_key_pem: str

    def __init__(self) -> None:
        raise TypeError("use TestKeyPair.generate(bits)")

    @classmethod
    def generate(cls, bits: int = 2048) -> TestKeyPair:
        """A fresh key pair of 2048, 3072 or 4096 bits (4096 takes seconds)."""
        lib = N.wechat_lib()
        out = c_void_p()
        err = c_void_p()
        status = lib.soter_test_key_pair_generate(_bits(bits), byref(out), byref(err))
        if status != 0:
            raise_for(status, err)
        assert out.value is not None
        self = object.__new__(cls)
        self._attach(out.value, lib.soter_test_key_pair_free)
        pem = ctypes.POINTER(c_char)()
        n = c_size_t()
        err = c_void_p()
        status = lib.soter_test_key_pair_public_key_pem(out.value, byref(pem), byref(n), byref(err))
        if status != 0:  # pragma: no cover
            raise_for(status, err)
        self.public_key_pem = N.take_string(pem, n.value)
        return self

    @property
    def public_key(self) -> PublicKey:
        """The public half as a :class:`PublicKey` (a new object each time)."""
        return PublicKey.load(self.public_key_pem)

    def __repr__(self) -> str:
        return "<TestKeyPair>"


class Device(NativeHandle):
    """A simulated SOTER TEE: an AuthKey, a cpu_id, a uid and a counter that rises with every
    signed result. Thread-safe."""

    __slots__ = ("cpu_id", "uid", "public_key_pem")

    cpu_id: str
    uid: str
    public_key_pem: str

    def __init__(self, bits: int = 2048) -> None:
        lib = N.wechat_lib()
        out = c_void_p()
        err = c_void_p()
        status = lib.soter_device_new(_bits(bits), byref(out), byref(err))
        if status != 0:
            raise_for(status, err)
        assert out.value is not None
        ptr = out.value
        self._attach(ptr, lib.soter_device_free)
        self.cpu_id = N.borrowed_cstr(lib.soter_device_cpu_id(ptr))
        self.uid = N.borrowed_cstr(lib.soter_device_uid(ptr))
        pem = ctypes.POINTER(c_char)()
        n = c_size_t()
        err = c_void_p()
        status = lib.soter_device_public_key_pem(ptr, byref(pem), byref(n), byref(err))
        if status != 0:  # pragma: no cover
            raise_for(status, err)
        self.public_key_pem = N.take_string(pem, n.value)

    @classmethod
    def from_pool(cls) -> Device:
        """A 2048-bit device from this process's pool of :data:`POOL_SIZE`, handed out in
        turn: each is generated once, on first need (``Device()`` costs about 230 ms of key
        generation; this, after the pool is warm, nothing). For fast suites and load tests.

        Pooled devices are shared: the same key, cpu_id and uid come back every
        :data:`POOL_SIZE` draws, their counter keeps rising (so a guard that saw one still
        accepts its next result), and ``close()`` on one does nothing. Use ``Device()`` when a
        test needs a key no other test has seen (e.g. re-enrolment).
        """
        return _POOL.draw()

    @property
    def public_key(self) -> PublicKey:
        """The AuthKey public key as a :class:`PublicKey` (a new object each time)."""
        return PublicKey.load(self.public_key_pem)

    def sign_result(self, challenge: str, salt_len: int = 20) -> Tuple[bytes, str]:
        """A resultJSON for ``challenge`` with the next counter, and its signature as standard
        padded base64 (what ``wx.startSoterAuthentication`` gives the mini-program). A salt length
        other than 20 is announced in ``rsa_pss_saltlen``, as Huawei devices do."""
        chal = _text(challenge, "challenge")
        if isinstance(salt_len, bool) or not isinstance(salt_len, int):
            raise TypeError(f"salt_len must be an int, not {type(salt_len).__name__}")
        if not 0 <= salt_len <= 2**32 - 1:
            raise InvalidArgument(f"salt_len must be >= 0, not {salt_len}")
        ptr = self._acquire()
        try:
            return _owned_pair(
                lambda *outs: N.lib.soter_device_sign_result(ptr, chal, len(chal), salt_len, *outs)
            )
        finally:
            self._release()

    def signed_auth_key(self, ask: TestKeyPair, salt_len: int = 20) -> Tuple[bytes, str]:
        """The AuthKey export JSON signed by ``ask`` (PSS salt ``salt_len``: 20, or what the ASK's
        attestation says), as the TEE produces it, and the base64 signature; check it with
        :func:`soter_verify.verify_auth_key`."""
        if not isinstance(ask, TestKeyPair):
            raise TypeError(f"ask must be a TestKeyPair, not {type(ask).__name__}")
        if isinstance(salt_len, bool) or not isinstance(salt_len, int) or not 0 <= salt_len <= 2**32 - 1:
            raise InvalidArgument(f"salt_len must be an int >= 0, not {salt_len!r}")
        ptr = self._acquire()
        try:
            ask_ptr = ask._acquire()
            try:
                if salt_len == 20:
                    return _owned_pair(lambda *outs: N.lib.soter_device_signed_auth_key(ptr, ask_ptr, *outs))
                return _owned_pair(
                    lambda *outs: N.lib.soter_device_signed_auth_key_with_salt(ptr, ask_ptr, salt_len, *outs)
                )
            finally:
                ask._release()
        finally:
            self._release()

    def classic_ask(self, ask: TestKeyPair, attk: TestKeyPair) -> Tuple[bytes, str]:
        """A classic ASK for ``ask`` on this device: the ASK export JSON and its signature by the
        test factory key ``attk`` (base64), for :meth:`WeChatClient.soter_verify_ask` against a
        :class:`WeChatEmulator` that has ``attk`` registered (:meth:`WeChatEmulator.register_attk`)."""
        for name, k in (("ask", ask), ("attk", attk)):
            if not isinstance(k, TestKeyPair):
                raise TypeError(f"{name} must be a TestKeyPair, not {type(k).__name__}")
        ptr = self._acquire()
        try:
            a, t = ask._acquire(), None
            try:
                t = attk._acquire()
                return _owned_pair(lambda *outs: N.lib.soter_device_classic_ask(ptr, a, t, *outs))
            finally:
                ask._release()
                if t is not None:
                    attk._release()
        finally:
            self._release()

    def ask_chain(
        self, ask: TestKeyPair, root: TestRoot, *, attestation: bool = True, rsa_pss_saltlen: Optional[int] = None
    ) -> bytes:
        """A certificate-chain ASK for ``ask`` on this device under ``root``, as a Huawei phone
        sends it: ``{"certs":[leaf, device, CA, root]}``. Verify it with
        :func:`soter_verify.verify_ask_chain` and ``roots=[root.root_pem]``. ``attestation=False``
        leaves the key-attestation extension out of the leaf (such a chain must fail);
        ``rsa_pss_saltlen`` is attested when given (sign the AuthKey with that salt length)."""
        if not isinstance(ask, TestKeyPair):
            raise TypeError(f"ask must be a TestKeyPair, not {type(ask).__name__}")
        if not isinstance(root, TestRoot):
            raise TypeError(f"root must be a TestRoot, not {type(root).__name__}")
        if rsa_pss_saltlen is not None and (
            isinstance(rsa_pss_saltlen, bool) or not isinstance(rsa_pss_saltlen, int) or not 0 <= rsa_pss_saltlen <= 512
        ):
            raise InvalidArgument("rsa_pss_saltlen must be None or an int from 0 to 512")
        flags = 0 if attestation else N.TEST_CHAIN_NO_ATTESTATION
        salt = -1 if rsa_pss_saltlen is None else rsa_pss_saltlen
        out = ctypes.POINTER(c_char)()
        n = c_size_t()
        err = c_void_p()
        ptr = self._acquire()
        try:
            a, r = ask._acquire(), None
            try:
                r = root._acquire()
                status = N.lib.soter_device_ask_chain(ptr, a, r, flags, salt, byref(out), byref(n), byref(err))
            finally:
                ask._release()
                if r is not None:
                    root._release()
        finally:
            self._release()
        if status != 0:
            raise_for(status, err)
        return N.take_string(out, n.value).encode("utf-8")

    def __repr__(self) -> str:
        return f"<Device cpu_id={self.cpu_id!r} uid={self.uid!r}>"


#: Devices in the :meth:`Device.from_pool` pool.
POOL_SIZE = 8


class _PooledDevice(Device):
    """A device of the pool: shared, so closing one (or leaving its ``with``) keeps it open."""

    __slots__ = ()

    def close(self) -> None:
        pass


class _DevicePool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._devices: List[Device] = []
        self._next = 0

    def draw(self) -> Device:
        with self._lock:
            i = self._next
            self._next = (i + 1) % POOL_SIZE
            # Generated under the lock: two threads never pay for the same slot.
            if i == len(self._devices):
                self._devices.append(_PooledDevice())
            return self._devices[i]


_POOL = _DevicePool()


class TestRoot(NativeHandle):
    """A test certificate authority (a root and an equipment CA) that issues key-attestation
    chains for :meth:`Device.ask_chain` (one RSA key generation: share it)."""

    __test__ = False  # not a pytest test class
    __slots__ = ("root_pem",)

    #: The root certificate (PEM): pass it in ``roots=`` to trust this authority's chains.
    root_pem: str

    def __init__(self) -> None:
        raise TypeError("use TestRoot.generate()")

    @classmethod
    def generate(cls) -> TestRoot:
        """A new test root (an RSA key generation: share it between tests)."""
        lib = N.wechat_lib()
        out = c_void_p()
        err = c_void_p()
        status = lib.soter_test_root_generate(byref(out), byref(err))
        if status != 0:  # pragma: no cover
            raise_for(status, err)
        assert out.value is not None
        self = object.__new__(cls)
        self._attach(out.value, lib.soter_test_root_free)
        pem = ctypes.POINTER(c_char)()
        n = c_size_t()
        err = c_void_p()
        status = lib.soter_test_root_pem(out.value, byref(pem), byref(n), byref(err))
        if status != 0:  # pragma: no cover
            raise_for(status, err)
        self.root_pem = N.take_string(pem, n.value)
        return self

    def __repr__(self) -> str:
        return "<TestRoot>"


@dataclass(frozen=True)
class EmulatorCounters:
    """What a :class:`WeChatEmulator` has seen."""

    total_requests: int
    token_requests: int
    token_issues: int
    verify_signature_requests: int
    connections: int
    faults_applied: int


class WeChatEmulator(NativeHandle):
    """A WeChat-compatible API server on loopback, for tests.

    Serves ``/cgi-bin/token``, ``/cgi-bin/stable_token``, ``/cgi-bin/soter/verify_signature`` and
    the face endpoints with WeChat's documented JSON and errcodes. Register devices and people,
    inject faults, read counters. Use as a context manager (stops the server) or call
    :meth:`close`.

    Args:
        appid, secret: the app the emulator accepts tokens for.
        listen: ``"127.0.0.1:PORT"``; default a free port on 127.0.0.1. Loopback only.
        token_lifetime: seconds an issued token lives (default 7200).
        open_api: accept calls without a token (cloud hosting open API mode).
        reusable_tickets: let a legacy ``verify_result`` ticket be redeemed again and again
            (default False: a second ``getinfo`` of one ticket is errcode 84001, as in
            production). For tests written before tickets were single use; see also
            :meth:`set_reusable_tickets`.
        api_security: WeChat's API security mode: the emulator makes its own keys and platform
            certificate, requires sealed calls on its POST paths (answering 40230-40240 as
            WeChat does) and seals its answers; :attr:`api_security` is the matching setting.
    """

    __slots__ = ("appid", "secret", "base_url")

    appid: str
    secret: str
    base_url: str

    def __init__(
        self,
        appid: str = "wx0123456789abcdef",
        secret: str = "emulator-secret",
        *,
        listen: Optional[str] = None,
        token_lifetime: Optional[int] = None,
        open_api: bool = False,
        reusable_tickets: bool = False,
        api_security: bool = False,
    ) -> None:
        lib = N.wechat_lib()
        app = _text(appid, "appid")
        sec = _text(secret, "secret")
        opts = N.SoterEmulatorOptions()
        if listen is not None:
            raw = _text(listen, "listen")
            opts.listen, opts.listen_len = raw, len(raw)
        if token_lifetime is not None:
            if isinstance(token_lifetime, bool) or not isinstance(token_lifetime, int):
                raise TypeError("token_lifetime must be an int number of seconds")
            if not 1 <= token_lifetime <= 2**32 - 1:
                raise InvalidArgument(f"token_lifetime must be positive, not {token_lifetime}")
            opts.token_lifetime_s = token_lifetime
        opts.open_api = bool(open_api)
        opts.api_security = bool(api_security)
        out = c_void_p()
        err = c_void_p()
        status = lib.soter_emulator_start(app, len(app), sec, len(sec), byref(opts), byref(out), byref(err))
        if status != 0:
            raise_for(status, err)
        assert out.value is not None
        self._attach(out.value, lib.soter_emulator_free)
        self.appid = appid
        self.secret = secret
        self.base_url = N.borrowed_cstr(lib.soter_emulator_base_url(out.value))
        if reusable_tickets:
            self.set_reusable_tickets(True)

    def _status(self, fn: Any, *args: Any) -> None:
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = fn(ptr, *args, byref(err))
        finally:
            self._release()
        if status != 0:
            raise_for(status, err)

    @property
    def api_security(self) -> ApiSecurity:
        """The :class:`ApiSecurity` matching this emulator (started with ``api_security=True``);
        a new object on each access."""
        out = c_void_p()
        self._status(N.lib.soter_emulator_api_security, byref(out))
        assert out.value is not None
        return ApiSecurity._from_handle(out.value, self.appid)

    def client(self, **options: Any) -> WeChatClient:
        """A :class:`WeChatClient` for this emulator's app and URL (options as for the client)."""
        options.setdefault("base_url", self.base_url)
        return WeChatClient(self.appid, self.secret, **options)

    def async_client(self, **options: Any) -> AsyncWeChatClient:
        """An :class:`~soter_verify.aio.AsyncWeChatClient` for this emulator (options as for
        the client, plus ``max_concurrency``)."""
        from .aio import AsyncWeChatClient  # asyncio is imported only by who uses it

        options.setdefault("base_url", self.base_url)
        return AsyncWeChatClient(self.appid, self.secret, **options)

    def register_device(self, openid: str, public_key: BytesLike) -> None:
        """Register (or replace) the device key WeChat holds for ``openid`` (PEM, base64, DER)."""
        oid = _text(openid, "openid")
        key = as_bytes(public_key, "public_key")
        self._status(N.lib.soter_emulator_register_device, oid, len(oid), key, len(key))

    def register_attk(self, public_key: BytesLike) -> None:
        """Register a test ATTK public key: ``verify_ask`` accepts ASK JSONs it signed and answers
        others with ``is_verified: false``."""
        key = as_bytes(public_key, "public_key")
        self._status(N.lib.soter_emulator_register_attk, key, len(key))

    def register_model(self, model_key: str, support_type: int) -> None:
        """Register a phone model for ``is_support`` (support_type 0 none, 1 fingerprint, 2 face,
        3 both); unregistered models are not supported."""
        key = _text(model_key, "model_key")
        if isinstance(support_type, bool) or not isinstance(support_type, int) or not 0 <= support_type < 2**32:
            raise InvalidArgument(f"support_type must be an int from 0 to 3, not {support_type!r}")
        self._status(N.lib.soter_emulator_register_model, key, len(key), support_type)

    def register_person(
        self,
        openid: str,
        name: str,
        id_number: str,
        *,
        identify_ret: int = 0,
        verify_ret: int = 10000,
    ) -> None:
        """Register (or replace) a person for face verification. ``identify_ret`` is what legacy
        getinfo reports (0 = passed); ``verify_ret`` what queryverifyinfo reports for a matching
        document (10000 = passed; a document that does not match gives 90011)."""
        oid, nm, idn = _text(openid, "openid"), _text(name, "name"), _text(id_number, "id_number")
        for label, v in (("identify_ret", identify_ret), ("verify_ret", verify_ret)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"{label} must be an int")
        self._status(
            N.lib.soter_emulator_register_person, oid, len(oid), nm, len(nm), idn, len(idn),
            identify_ret, verify_ret,
        )

    def issue_verify_result(self, openid: str) -> str:
        """A legacy ``verify_result`` ticket for a registered person, as
        ``wx.startFacialRecognitionVerify`` would give the mini-program."""
        oid = _text(openid, "openid")
        out = ctypes.POINTER(c_char)()
        self._status(N.lib.soter_emulator_issue_verify_result, oid, len(oid), byref(out))
        return N.take_string(out)

    def set_reusable_tickets(self, reusable: bool) -> None:
        """Whether a legacy ticket may be redeemed more than once from now on (False: a second
        ``getinfo`` of one ticket is errcode 84001, as in production)."""
        if not isinstance(reusable, bool):
            raise TypeError(f"reusable must be a bool, not {type(reusable).__name__}")
        ptr = self._acquire()
        try:
            N.lib.soter_emulator_set_reusable_tickets(ptr, reusable)
        finally:
            self._release()

    def inject_fault(
        self,
        kind: str,
        count: Optional[int] = 1,
        *,
        path: Optional[str] = None,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``count`` matching API calls fail (``count=None``: every call until
        :meth:`clear_faults`). ``kind`` is one of :data:`FAULTS`: "system_busy" (errcode -1),
        "invalid_token" (40001), "expired_token" (42001), "http_500", "delay" (answer after
        ``delay`` seconds), "malformed_body", "drop_connection". ``path`` (e.g.
        ``"/cgi-bin/soter/verify_signature"``) limits it to one endpoint."""
        if kind not in N.FAULTS:
            raise InvalidArgument(f"unknown fault {kind!r}: use one of {', '.join(N.FAULTS)}")
        if count is None:
            n = -1
        elif isinstance(count, bool) or not isinstance(count, int):
            raise TypeError("count must be an int or None")
        elif count < 1:
            raise InvalidArgument(f"count must be at least 1 (or None for every call), not {count}")
        else:
            n = count
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay < 4_000_000:
            raise InvalidArgument(f"delay must be a number of seconds >= 0, not {delay!r}")
        raw = _text(path, "path") if path is not None else None
        self._status(
            N.lib.soter_emulator_inject_fault, N.FAULTS[kind], n, round(delay * 1000), raw,
            0 if raw is None else len(raw),
        )

    def clear_faults(self) -> None:
        """Remove every pending fault."""
        ptr = self._acquire()
        try:
            N.lib.soter_emulator_clear_faults(ptr)
        finally:
            self._release()

    def counters(self) -> EmulatorCounters:
        """What the emulator has seen so far."""
        out = N.SoterEmulatorCounters()
        self._status(N.lib.soter_emulator_counters, byref(out))
        return EmulatorCounters(
            total_requests=int(out.total_requests),
            token_requests=int(out.token_requests),
            token_issues=int(out.token_issues),
            verify_signature_requests=int(out.verify_signature_requests),
            connections=int(out.connections),
            faults_applied=int(out.faults_applied),
        )

    def requests_to(self, path: str) -> int:
        """Requests seen for one path, e.g. ``"/cityservice/face/identify/getinfo"``."""
        raw = _text(path, "path")
        ptr = self._acquire()
        try:
            return int(N.lib.soter_emulator_requests_to(ptr, raw, len(raw)))
        finally:
            self._release()

    def reset_counters(self) -> None:
        """Zero every counter."""
        ptr = self._acquire()
        try:
            N.lib.soter_emulator_reset_counters(ptr)
        finally:
            self._release()

    def add_token(self, token: str, lifetime: int = 7200) -> None:
        """Accept ``token`` for ``lifetime`` seconds (for fixed-token and callback clients)."""
        raw = _text(token, "token")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int) or not 1 <= lifetime <= 2**32 - 1:
            raise InvalidArgument(f"lifetime must be a positive int number of seconds, not {lifetime!r}")
        self._status(N.lib.soter_emulator_add_token, raw, len(raw), lifetime)

    def expire_tokens(self) -> None:
        """Expire every issued token now (calls then get errcode 42001)."""
        ptr = self._acquire()
        try:
            N.lib.soter_emulator_expire_tokens(ptr)
        finally:
            self._release()

    def stop(self) -> None:
        """Stop serving (idempotent); :meth:`close` also frees the emulator."""
        ptr = self._acquire()
        try:
            N.lib.soter_emulator_stop(ptr)
        finally:
            self._release()

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<WeChatEmulator {self.base_url}{state}>"


def __getattr__(name: str) -> object:
    # `KeyPair` was this class's name before 0.1 matched Java's `TestKeyPair`; kept for tests that
    # import it, with a warning, and out of __all__.
    if name == "KeyPair":
        import warnings

        warnings.warn("soter_verify.testing.KeyPair is now TestKeyPair", DeprecationWarning, stacklevel=2)
        return TestKeyPair
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
