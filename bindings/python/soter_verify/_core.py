"""Keys, resultJSON, end-to-end authentication, challenges (AuthKeys are in _ask, next to Ask)."""

from __future__ import annotations

import ctypes
import json
import struct
import threading
from ctypes import byref, c_char, c_size_t, c_uint64, c_void_p
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Dict, Optional, Tuple, Union

from . import _native as N
from ._errors import InternalError, InvalidArgument, SignatureInvalid, raise_for
from ._handle import NativeHandle
from ._native import borrowed_cstr, lib

#: What the library accepts as binary input. ``str`` is encoded as UTF-8.
BytesLike = Union[bytes, bytearray, memoryview, str]
#: A salt length: None (rsa_pss_saltlen from the message, else 20), "auto", or a length.
SaltLen = Union[int, str, None]

_INT32_MAX = 2**31 - 1
_UINT64_MAX = 2**64 - 1

_STATUS_SIGNATURE_INVALID = SignatureInvalid.STATUS

# Hot-path function objects, looked up once.
_key_verify = lib.soter_key_verify
_error_free = lib.soter_error_free
_authenticate_packed = lib.soter_authenticate_packed
_parse_packed = lib.soter_result_json_parse_packed
_parse_packed_fast = N.fast.soter_result_json_parse_packed
_rj_pack = N.fast.soter_result_json_pack
_rj_free = N.fast.soter_result_json_free
_key_bits = N.fast.soter_key_bits
_Expectations = N.SoterExpectations

#: Room for the packed fields of a typical resultJSON (a few hundred bytes); larger ones are
#: read with a second call into a buffer of the exact size.
_PACK_CAP = 1024
_PackBuf = c_char * _PACK_CAP
_RJ_HEAD = struct.Struct("=QiI")  # counter, rsa_pss_saltlen, extra_count


#: Documents up to this size are parsed with the GIL held (``N.fast``): a few microseconds at
#: most, less than releasing and re-taking the GIL would add; larger ones release it.
_PARSE_FAST_MAX = 4096


class _Scratch(threading.local):
    """Per-thread out-parameters of the one-call (``_packed``) exports and their ``byref``s,
    made once per thread instead of on every call (the GIL is released during the call, so
    threads cannot share them)."""

    def __init__(self) -> None:
        self.buf = _PackBuf()
        self.n = c_size_t()
        self.err = c_void_p()
        self.key = c_void_p()
        self.p_n = byref(self.n)
        self.p_err = byref(self.err)
        self.p_key = byref(self.key)


_scratch = _Scratch()


def _call_packed(call: Any, *args: Any) -> Tuple[Any, int]:
    """Run a one-call export ``call(*args, buf, cap, &packed_len, &err)``; returns the buffer
    holding the packed fields and their size (a second call into a buffer of the exact size when
    the first was too small: these exports have no side effects)."""
    s = _scratch
    buf = s.buf
    status = call(*args, buf, _PACK_CAP, s.p_n, s.p_err)
    if status:
        raise_for(status, s.err)
    n = s.n.value
    if n > _PACK_CAP:
        buf = (c_char * n)()
        status = call(*args, buf, n, s.p_n, s.p_err)
        if status:  # pragma: no cover - the same call succeeded just before
            raise_for(status, s.err)
    return buf, n


def _result_json(buf: Any, n: int) -> ResultJson:
    """A ResultJson from the packed form of ``soter_result_json_pack``."""
    counter, salt, extra_count = _RJ_HEAD.unpack_from(buf)
    # The lengths are for C; NUL separators let Python split all texts in one call.
    t = buf[16 + 4 * (8 + 2 * extra_count) : n - 1].decode().split("\0")
    if len(t) != 8 + 2 * extra_count:  # pragma: no cover - the C ABI's documented layout
        raise InternalError("soter_verify: the library returned malformed packed fields")
    self = object.__new__(ResultJson)
    # A frozen dataclass: fill its __dict__ directly (what __init__ would store, without
    # eleven frozen-attribute assignments).
    object.__setattr__(self, "__dict__", {
        "raw": t[0],
        "fid": t[1],
        "counter": counter,
        "tee_n": t[2],
        "tee_v": t[3],
        "fp_n": t[4],
        "fp_v": t[5],
        "cpu_id": t[6],
        "uid": t[7],
        "rsa_pss_saltlen": None if salt < 0 else salt,
        "_extra": tuple(zip(t[8::2], t[9::2])) if extra_count else (),
    })
    return self


def _packed(pack: Any, free: Any, ptr: int) -> Tuple[Any, int]:
    """The packed fields of a native handle (see ``soter_result_json_pack``), then free it."""
    try:
        buf = _PackBuf()
        n = pack(ptr, buf, _PACK_CAP)
        if n > _PACK_CAP:
            buf = (c_char * n)()
            n = pack(ptr, buf, n)
    finally:
        free(ptr)
    if n == 0:  # pragma: no cover - only for a NULL handle, which the callers never pass
        raise InternalError("soter_verify: the library returned no fields for a parsed document")
    return buf, n


def _texts(buf: Any, start: int, end: int, count: int) -> list[str]:
    """The ``count`` texts of a packed form: ``buf[start:end]`` holds them one after the other,
    each followed by NUL (never inside a text: the parser refuses NUL), so one split does it."""
    texts = buf[start : end - 1].decode().split("\0")
    if len(texts) != count:  # pragma: no cover - the C ABI's documented layout
        raise InternalError("soter_verify: the library returned malformed packed fields")
    return texts  # type: ignore[no-any-return]


def as_bytes(value: object, name: str) -> bytes:
    """``bytes`` for the library: bytes as is, bytearray/memoryview copied, str as UTF-8.

    Raises ``TypeError`` for anything else (None, int, ...), naming the argument.
    """
    if type(value) is bytes:
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(
        f"{name} must be bytes, bytearray, memoryview or str, not {type(value).__name__}"
    )


def _salt_arg(salt_len: object) -> int:
    if salt_len is None:
        return N.SALT_LEN_DEFAULT
    if isinstance(salt_len, str):
        if salt_len == "auto":
            return N.SALT_LEN_AUTO
        raise InvalidArgument(f'salt_len must be None, "auto" or a length, not {salt_len!r}')
    if isinstance(salt_len, bool) or not isinstance(salt_len, int):
        raise TypeError(f'salt_len must be None, "auto" or an int, not {type(salt_len).__name__}')
    if not 0 <= salt_len <= _INT32_MAX:
        raise InvalidArgument(f"salt_len must be a length >= 0, not {salt_len}")
    return salt_len


def _text_arg(value: object, name: str) -> bytes:
    """A text argument given as str (UTF-8) or bytes-like."""
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        return as_bytes(value, name)
    raise TypeError(f"{name} must be str or None, not {type(value).__name__}")


class PublicKey(NativeHandle):
    """An RSA public key (2048 to 4096 bits) that verifies SOTER signatures.

    Create one with :meth:`PublicKey.load`. Immutable and safe to share between threads
    (verification releases the GIL). Use it as a context manager or call :meth:`close` to free it
    early; otherwise it is freed when garbage collected.
    """

    __slots__ = ("_bits", "_pem")

    _bits: int
    _pem: Optional[str]

    def __init__(self) -> None:
        raise TypeError("use PublicKey.load(data) to create a PublicKey")

    @classmethod
    def _from_ptr(cls, ptr: int) -> PublicKey:
        self = object.__new__(cls)
        self._attach(ptr, lib.soter_key_free)
        self._bits = int(_key_bits(ptr))
        self._pem = None
        return self

    @classmethod
    def load(cls, data: BytesLike) -> PublicKey:
        """Load a key from PEM (SPKI or PKCS#1, any label, line width or line ending), a PEM
        escaped inside a JSON string (``\\n``, ``\\/``), bare base64 of the DER, or DER.

        Raises:
            InvalidKey: unparsable input; ``KeyTooSmall`` below 2048 bits; ``UnsupportedKey`` for
                EC/DSA/Ed25519 keys or RSA above 4096 bits.
            InputTooLarge: more than 64 KiB. InvalidInput: empty.
            TypeError: ``data`` is not bytes-like or str.
        """
        raw = as_bytes(data, "data")
        out = c_void_p()
        err = c_void_p()
        status = lib.soter_key_load(raw, len(raw), byref(out), byref(err))
        if status != 0:
            raise_for(status, err)
        assert out.value is not None
        return cls._from_ptr(out.value)

    @property
    def bits(self) -> int:
        """The modulus size in bits (2048 to 4096)."""
        return self._bits

    def verify(self, message: BytesLike, signature: BytesLike, *, salt_len: SaltLen = None) -> bool:
        """Check an RSASSA-PSS (SHA-256, MGF1-SHA-256) signature over exactly ``message``.

        Args:
            message: the signed bytes exactly as received (a ``str`` is encoded as UTF-8).
            signature: raw signature bytes, or base64 (standard or URL-safe, padded or not,
                whitespace ignored) as bytes or str.
            salt_len: None for ``rsa_pss_saltlen`` from the message when present, else 20;
                ``"auto"`` to accept any salt length; or an explicit length.

        Returns:
            True when the signature is valid, False when it does not verify.

        Raises:
            MalformedSignature: the signature cannot be one by this key (bad base64, length).
            InvalidArgument: a bad ``salt_len``. TypeError: wrong argument types.
            ValueError: the key is closed.
        """
        msg = as_bytes(message, "message")
        sig = as_bytes(signature, "signature")
        salt = _salt_arg(salt_len)
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = _key_verify(ptr, msg, len(msg), sig, len(sig), salt, None, byref(err))
        finally:
            self._release()
        if status == 0:
            return True
        if status == _STATUS_SIGNATURE_INVALID:
            _error_free(err)
            return False
        raise_for(status, err)

    def to_pem(self) -> str:
        """The key as SPKI PEM (64 columns, trailing newline)."""
        if self._pem is not None:
            return self._pem
        out = ctypes.POINTER(c_char)()
        out_len = c_size_t()
        err = c_void_p()
        ptr = self._acquire()
        try:
            status = lib.soter_key_to_pem(ptr, byref(out), byref(out_len), byref(err))
        finally:
            self._release()
        if status != 0:
            raise_for(status, err)
        pem = N.take_string(out, out_len.value)
        self._pem = pem
        return pem

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublicKey):
            return NotImplemented
        if other is self:
            return True
        a = self._acquire()
        try:
            b = other._acquire()
            try:
                return bool(lib.soter_key_equal(a, b))
            finally:
                other._release()
        finally:
            self._release()

    def __hash__(self) -> int:
        return hash(self.to_pem())

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<PublicKey RSA-{self._bits}{state}>"


@dataclass(frozen=True)
class ResultJson:
    """A parsed SOTER resultJSON. Immutable; built once, holds no native resources.

    Text fields that are absent from the document read as ``""`` (only raw, counter, cpu_id and
    uid are required). ``extra`` holds every other field, in document order, as the exact JSON
    source text of its value (e.g. ``'"abc"'``, ``'1'``, ``'{"a":1}'``): lossless and cheap;
    :meth:`extra_values` decodes them with :func:`json.loads`.
    """

    raw: str
    fid: str
    counter: int
    tee_n: str
    tee_v: str
    fp_n: str
    fp_v: str
    cpu_id: str
    uid: str
    rsa_pss_saltlen: Optional[int]
    _extra: Tuple[Tuple[str, str], ...] = field(default=(), repr=False)

    @classmethod
    def parse(cls, data: BytesLike) -> ResultJson:
        """Parse resultJSON bytes (at most 64 KiB). Does not verify anything.

        Raises:
            InvalidJson: malformed JSON or a missing/mistyped field; ``DuplicateField`` for a
                field named twice. InvalidInput: empty or not UTF-8. InputTooLarge: over 64 KiB.
            TypeError: ``data`` is not bytes-like or str.
        """
        raw = data.encode() if type(data) is str else as_bytes(data, "data")
        n = len(raw)
        if n > _PARSE_FAST_MAX:
            return _result_json(*_call_packed(_parse_packed, raw, n))
        # One native call: parse and copy every field out (no handle to free); inline, as this
        # is the whole of the work.
        s = _scratch
        status = _parse_packed_fast(raw, n, s.buf, _PACK_CAP, s.p_n, s.p_err)
        if status:
            raise_for(status, s.err)
        size = s.n.value
        if size > _PACK_CAP:
            return _result_json(*_call_packed(_parse_packed_fast, raw, n))
        return _result_json(s.buf, size)

    @classmethod
    def _take(cls, ptr: int) -> ResultJson:
        """Copy every field out of a native handle in one call, then free it."""
        buf, n = _packed(_rj_pack, _rj_free, ptr)
        return _result_json(buf, n)

    @property
    def extra(self) -> Dict[str, str]:
        """Fields beyond the typed ones: name -> exact JSON text of the value, in document
        order. A new dict on each access (the object itself stays immutable)."""
        return dict(self._extra)

    def extra_values(self) -> Dict[str, Any]:
        """Like :attr:`extra`, with each value decoded by :func:`json.loads`."""
        return {name: json.loads(text) for name, text in self._extra}


def authenticate(
    key: PublicKey,
    result_json: BytesLike,
    signature: BytesLike,
    *,
    challenge: Union[str, bytes],
    cpu_id: Optional[str] = None,
    uid: Optional[str] = None,
    min_counter: Optional[int] = None,
    salt_len: SaltLen = None,
) -> ResultJson:
    """Verify one SOTER result end to end and return it parsed.

    Checks, in order: the signature over the exact bytes of ``result_json`` (never re-serialize
    it), that ``raw`` equals ``challenge`` (constant time), that ``cpu_id``/``uid`` match when
    given, and that ``counter >= min_counter`` when given (pass the last accepted counter + 1).

    Raises:
        SignatureInvalid, ChallengeMismatch, DeviceMismatch, CounterReplay: the verdicts, all
            subclasses of ``VerificationFailed``.
        InvalidJson, MalformedSignature, InvalidInput, ...: malformed input.
        TypeError: wrong argument types. ValueError: the key is closed.
    """
    if not isinstance(key, PublicKey):
        raise TypeError(f"key must be a PublicKey, not {type(key).__name__}")
    # The common types first, inline: this is the call a server makes for every login.
    doc = result_json.encode() if type(result_json) is str else as_bytes(result_json, "result_json")
    sig = signature.encode() if type(signature) is str else as_bytes(signature, "signature")
    if type(challenge) is str:
        chal = challenge.encode()
    elif challenge is None:
        raise TypeError("challenge is required: pass the challenge this server issued")
    else:
        chal = _text_arg(challenge, "challenge")
    cpu: Optional[bytes] = None
    if cpu_id is not None:
        cpu = cpu_id.encode() if type(cpu_id) is str else _text_arg(cpu_id, "cpu_id")
    u: Optional[bytes] = None
    if uid is not None:
        u = uid.encode() if type(uid) is str else _text_arg(uid, "uid")
    has_min = False
    if min_counter is not None:
        if type(min_counter) is not int:
            if isinstance(min_counter, bool) or not isinstance(min_counter, int):
                raise TypeError(f"min_counter must be an int or None, not {type(min_counter).__name__}")
            min_counter = int(min_counter)
        if not 0 <= min_counter <= _UINT64_MAX:
            raise InvalidArgument(f"min_counter must be between 0 and 2**64-1, not {min_counter}")
        has_min = True
    # One constructor call for the struct (cheaper than nine attribute stores).
    expect = _Expectations(
        chal, len(chal), cpu, len(cpu) if cpu is not None else 0, u, len(u) if u is not None else 0,
        has_min, min_counter if has_min else 0, N.SALT_LEN_DEFAULT if salt_len is None else _salt_arg(salt_len))
    s = _scratch
    ptr = key._acquire()
    try:
        # One native call: verify, check, and copy every field out (no handle to free).
        status = _authenticate_packed(ptr, doc, len(doc), sig, len(sig), byref(expect), s.buf, _PACK_CAP, s.p_n, s.p_err)
        n = s.n.value
        if status == 0 and n > _PACK_CAP:
            return _result_json(*_call_packed(_authenticate_packed, ptr, doc, len(doc), sig, len(sig), byref(expect)))
    finally:
        key._release()
    if status:
        raise_for(status, s.err)
    return _result_json(s.buf, n)


def new_challenge() -> str:
    """A fresh challenge: 256 bits from the OS CSPRNG as 43 URL-safe base64 characters.

    Store it server side (single use, short-lived) and pass it to the mini-program's
    ``wx.startSoterAuthentication``; check it with :func:`authenticate`.
    """
    buf = ctypes.create_string_buffer(N.CHALLENGE_LEN + 1)
    n = c_size_t()
    err = c_void_p()
    status = lib.soter_new_challenge(buf, len(buf), byref(n), byref(err))
    if status != 0:  # pragma: no cover - only if the OS RNG fails
        raise_for(status, err)
    return buf.raw[: n.value].decode("ascii")


def library_version() -> str:
    """The version of the loaded native library, e.g. ``"0.1.0"``."""
    return borrowed_cstr(lib.soter_version())


def status_name(status: int) -> str:
    """The C name of a status value, e.g. ``status_name(10) == "SOTER_STATUS_SIGNATURE_INVALID"``."""
    if isinstance(status, bool) or not isinstance(status, int):
        raise TypeError(f"status must be an int, not {type(status).__name__}")
    if not -(2**31) <= status <= _INT32_MAX:
        return "SOTER_STATUS_UNKNOWN"
    return borrowed_cstr(lib.soter_status_name(status)) or "SOTER_STATUS_UNKNOWN"
