"""Keys, resultJSON, end-to-end authentication, challenges (AuthKeys are in _ask, next to Ask)."""

from __future__ import annotations

import ctypes
import json
import struct
import threading
from ctypes import byref, c_char, c_size_t, c_uint64, c_void_p
from dataclasses import dataclass, field, fields
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
_rj_pack = N.fast.soter_result_json_pack
_rj_free = N.fast.soter_result_json_free
_key_bits = N.fast.soter_key_bits
_authenticate_io = N.pointer_args(lib, "soter_authenticate_io")
_parse_io_fast = N.pointer_args(N.fast, "soter_result_json_parse_io")
# The ``_io`` exports take one input buffer (a head, then the texts) and one output buffer: a
# ctypes call costs per argument, and the head is one ``struct.pack`` where a ctypes Structure
# cost eight times as much to build.
_auth_in = N.struct_of(N.SoterAuthenticateIn).pack
_parse_in = N.struct_of(N.SoterParseIn).pack
_IO_CPU_ID = N.IO_CPU_ID
_IO_UID = N.IO_UID
_IO_MIN_COUNTER = N.IO_MIN_COUNTER
_SALT_LEN_DEFAULT = N.SALT_LEN_DEFAULT

#: Room for the packed fields of a typical resultJSON (a few hundred bytes); larger ones are
#: read with a second call into a buffer of the exact size.
_PACK_CAP = 1024
_PackBuf = c_char * _PACK_CAP
#: The capacity as a ready ``c_size_t``: ctypes passes it as is, where an int argument is
#: converted into a new ``c_size_t`` on every call.
_PACK_CAP_ARG = c_size_t(_PACK_CAP)
#: An ``_io`` output's head: the packed size, then the packed form's head (counter,
#: rsa_pss_saltlen, extra_count); then ``uint32_t`` lengths (8 + 2 * extra_count) and the texts.
_IO_RJ_HEAD = struct.Struct("=QQiI")
_IO_RJ_HEAD_unpack_from = _IO_RJ_HEAD.unpack_from
_IO_SIZE = struct.Struct("=Q")


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
        # What an ``_io`` call needs, in one attribute read.
        self.io = (self.buf, self.p_err)


_scratch = _Scratch()


def _call_packed(call: Any, *args: Any) -> Tuple[Any, int]:
    """Run a one-call export ``call(*args, buf, cap, &packed_len, &err)``; returns the buffer
    holding the packed fields and their size (a second call into a buffer of the exact size when
    the first was too small: these exports have no side effects)."""
    s = _scratch
    buf = s.buf
    status = call(*args, buf, _PACK_CAP_ARG, s.p_n, s.p_err)
    if status:
        raise_for(status, s.err)
    n = s.n.value
    if n > _PACK_CAP:
        buf = (c_char * n)()
        status = call(*args, buf, n, s.p_n, s.p_err)
        if status:  # pragma: no cover - the same call succeeded just before
            raise_for(status, s.err)
    return buf, n


def _result_json_io(buf: Any, room: int = _PACK_CAP - 8) -> Optional[ResultJson]:
    """A ResultJson from an ``_io`` output: the packed size (``uint64_t``), then the packed form
    of ``soter_result_json_pack``. None when the packed form did not fit ``buf`` (then only its
    size was written; ``room`` is ``len(buf) - 8``, given as it costs a call to compute).
    Every ResultJson is made here (the handle and large-document paths lay
    their buffers out alike), so the field order is written once."""
    n, counter, salt, extra_count = _IO_RJ_HEAD_unpack_from(buf)
    if n > room:
        return None
    # The lengths are for C; NUL separators let Python split all texts in one call (the texts
    # start after the 24-byte head and 4 * (8 + 2 * extra_count) bytes of lengths, and end
    # with the NUL at 8 + n - 1).
    t = buf[56 + 8 * extra_count : n + 7].decode().split("\0")
    # A frozen dataclass: its __dict__ is set whole, as __init__ would fill it (without eleven
    # frozen-attribute assignments), from a copy of a dict with its keys (cheaper than a dict
    # display). Eager on purpose: decoding on first access through __getattr__ made parse 1 us
    # faster but parse-and-read-a-field 1 us slower.
    d = _rj_dict()
    if extra_count:
        if len(t) != 8 + 2 * extra_count:  # pragma: no cover - the C ABI's documented layout
            raise InternalError("soter_verify: the library returned malformed packed fields")
        d["_extra"] = tuple(zip(t[8::2], t[9::2]))
        del t[8:]
    try:
        d["raw"], d["fid"], d["tee_n"], d["tee_v"], d["fp_n"], d["fp_v"], d["cpu_id"], d["uid"] = t
    except ValueError:  # pragma: no cover - the C ABI's documented layout
        raise InternalError("soter_verify: the library returned malformed packed fields") from None
    d["counter"] = counter
    if salt >= 0:
        d["rsa_pss_saltlen"] = salt
    self: ResultJson = _new(ResultJson)
    _rj_set_dict(self, d)
    return self


def _io_room(buf: Any) -> Any:
    """A buffer for the ``_io`` output whose packed size ``buf`` holds (it did not fit)."""
    return (c_char * (8 + _IO_RJ_HEAD_unpack_from(buf)[0]))()


def _as_io(pack_at: Any) -> ResultJson:
    """A ResultJson through ``pack_at(dest, cap)``, which writes a packed form to ``dest`` when it
    fits in ``cap`` bytes and returns its size (``soter_result_json_pack``'s contract): written
    after an 8-byte size, as an ``_io`` export writes it."""
    buf = _PackBuf()
    n = pack_at(byref(buf, 8), _PACK_CAP - 8)
    if n > _PACK_CAP - 8:
        buf = (c_char * (8 + n))()
        n = pack_at(byref(buf, 8), n)
    _IO_SIZE.pack_into(buf, 0, n)
    r = _result_json_io(buf, len(buf) - 8)
    if r is None:  # pragma: no cover - the size was just checked
        raise InternalError("soter_verify: the library returned malformed packed fields")
    return r


def _packed_size(call: Any, *args: Any) -> int:
    """Run a ``_packed`` export ``call(*args, &packed_len, &err)`` (its last two parameters) and
    return the packed size; raise its error."""
    s = _scratch
    status = call(*args, s.p_n, s.p_err)
    if status:
        raise_for(status, s.err)
    return s.n.value


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

    __slots__ = ("_bits", "_pem", "_arg")

    _bits: int
    _pem: Optional[str]
    #: The pointer as a ``c_void_p``, for the exports called without argtypes; made on first
    #: use (most keys from verify_auth_key are stored, not used).
    _arg: Optional[c_void_p]

    def __init__(self) -> None:
        raise TypeError("use PublicKey.load(data) to create a PublicKey")

    @classmethod
    def _from_ptr(cls, ptr: int) -> PublicKey:
        self = object.__new__(cls)
        self._attach(ptr, lib.soter_key_free)
        self._bits = int(_key_bits(ptr))
        self._pem = None
        self._arg = None
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

    # A staticmethod, not a classmethod: ResultJson.parse(...) then makes no bound method on
    # every call (the result is a ResultJson either way).
    @staticmethod
    def parse(data: BytesLike) -> ResultJson:
        """Parse resultJSON bytes (at most 64 KiB). Does not verify anything.

        Raises:
            InvalidJson: malformed JSON or a missing/mistyped field; ``DuplicateField`` for a
                field named twice. InvalidInput: empty or not UTF-8. InputTooLarge: over 64 KiB.
            TypeError: ``data`` is not bytes-like or str.
        """
        raw = data.encode() if type(data) is str else as_bytes(data, "data")
        n = len(raw)
        if n > _PARSE_FAST_MAX:
            return _as_io(lambda dest, cap: _packed_size(_parse_packed, raw, n, dest, cap))
        # One native call: parse and copy every field out (no handle to free); inline, as this
        # is the whole of the work.
        buf, p_err = _scratch.io
        status = _parse_io_fast(_parse_in(_PACK_CAP, n) + raw, buf, p_err)
        if status:
            raise_for(status, _scratch.err)
        r = _result_json_io(buf)
        if r is None:  # fields larger than the first buffer: again into one that holds them
            buf = _io_room(buf)
            status = _parse_io_fast(_parse_in(len(buf), n) + raw, buf, p_err)
            if status:  # pragma: no cover - the same call succeeded just before
                raise_for(status, _scratch.err)
            r = _result_json_io(buf, len(buf) - 8)
        return r  # type: ignore[return-value]

    @classmethod
    def _take(cls, ptr: int) -> ResultJson:
        """Copy every field out of a native handle in one call, then free it."""
        try:
            return _as_io(lambda dest, cap: _rj_pack(ptr, dest, cap))
        finally:
            _rj_free(ptr)

    @property
    def extra(self) -> Dict[str, str]:
        """Fields beyond the typed ones: name -> exact JSON text of the value, in document
        order. A new dict on each access (the object itself stays immutable)."""
        return dict(self._extra)

    def extra_values(self) -> Dict[str, Any]:
        """Like :attr:`extra`, with each value decoded by :func:`json.loads`."""
        return {name: json.loads(text) for name, text in self._extra}


_new = object.__new__
#: A ResultJson's __dict__ before its fields are filled in: every key, in field order, with the
#: values of an absent rsa_pss_saltlen and of no extra fields.
_RJ_EMPTY: Dict[str, Any] = dict.fromkeys(f.name for f in fields(ResultJson))
_RJ_EMPTY.update(rsa_pss_saltlen=None, _extra=())
_rj_dict = _RJ_EMPTY.copy
#: The ``__dict__`` descriptor's setter: what ``object.__setattr__(self, "__dict__", d)`` finds,
#: without the lookup.
_rj_set_dict = ResultJson.__dict__["__dict__"].__set__


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
    flags = 0
    cpu = u = b""
    if cpu_id is not None:
        cpu = cpu_id.encode() if type(cpu_id) is str else _text_arg(cpu_id, "cpu_id")
        flags = _IO_CPU_ID
    if uid is not None:
        u = uid.encode() if type(uid) is str else _text_arg(uid, "uid")
        flags |= _IO_UID
    if min_counter is not None:
        if type(min_counter) is not int:
            if isinstance(min_counter, bool) or not isinstance(min_counter, int):
                raise TypeError(f"min_counter must be an int or None, not {type(min_counter).__name__}")
            min_counter = int(min_counter)
        if not 0 <= min_counter <= _UINT64_MAX:
            raise InvalidArgument(f"min_counter must be between 0 and 2**64-1, not {min_counter}")
        flags |= _IO_MIN_COUNTER
    else:
        min_counter = 0
    salt = _SALT_LEN_DEFAULT if salt_len is None else _salt_arg(salt_len)
    try:
        head = _auth_in(min_counter, _PACK_CAP, len(doc), len(sig), len(chal), len(cpu), len(u), salt, flags)
    except struct.error:  # a text of 4 GiB or more: the (pointer, length) export refuses it
        return _authenticate_large(key, doc, sig, chal, cpu if flags & _IO_CPU_ID else None,
                                   u if flags & _IO_UID else None, min_counter, flags, salt)
    # One input buffer: the head, then the texts.
    inp = b"".join((head, doc, sig, chal, cpu, u))
    s = _scratch
    buf, p_err = s.io
    ptr = key._arg
    if ptr is None:
        ptr = key._arg = c_void_p(key._ptr)
    key._acquire()  # raises when closed: ptr is then never passed
    try:
        # One native call: verify, check, and copy every field out (no handle to free).
        status = _authenticate_io(ptr, inp, buf, p_err)
        if status == 0:
            r = _result_json_io(buf)
            if r is None:  # fields larger than the first buffer: again into one that holds them
                buf = _io_room(buf)
                head = _auth_in(min_counter, len(buf), len(doc), len(sig), len(chal), len(cpu), len(u), salt, flags)
                status = _authenticate_io(ptr, b"".join((head, doc, sig, chal, cpu, u)), buf, p_err)
                r = _result_json_io(buf, len(buf) - 8)
    finally:
        key._release()
    if status:
        raise_for(status, s.err)
    return r  # type: ignore[return-value]


def _authenticate_large(key: PublicKey, doc: bytes, sig: bytes, chal: bytes, cpu: Optional[bytes],
                        u: Optional[bytes], min_counter: int, flags: int, salt: int) -> ResultJson:
    """``authenticate`` for a text too long for the ``_io`` head's 32-bit lengths, through the
    (pointer, length) export, which refuses it with the library's error."""
    has_min = bool(flags & _IO_MIN_COUNTER)
    expect = N.SoterExpectations(
        chal, len(chal), cpu, len(cpu) if cpu is not None else 0, u, len(u) if u is not None else 0,
        has_min, min_counter, salt)
    ptr = key._acquire()
    try:
        return _as_io(lambda dest, cap: _packed_size(
            _authenticate_packed, ptr, doc, len(doc), sig, len(sig), byref(expect), dest, cap))
    finally:
        key._release()


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
