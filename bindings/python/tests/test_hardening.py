"""Regressions of the second hardening review (issue 12) through the Python package: token
lifetimes, re-entrant callbacks, interpreter exit with a call in flight, gzip bodies, proxies,
the salt rule, enum values. Network traffic stays on 127.0.0.1; refusals use .invalid hosts."""

from __future__ import annotations

import ctypes
import gzip
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

import soter_verify
from conftest import REPO_ROOT, skip_unless_wechat
from soter_verify import FixedToken, PublicKey, WeChatClient, _native

skip_unless_wechat()

from soter_verify.testing import Device, WeChatEmulator  # noqa: E402

OPENID = "o_hardening"
HOSTILE = REPO_ROOT / "tests" / "vectors" / "hostile"
EXIT_CHILD = Path(__file__).with_name("exit_child.py")


@pytest.fixture
def emu() -> Iterator[WeChatEmulator]:
    with WeChatEmulator("wx-hardening", "hardening-secret") as e:
        yield e


@pytest.fixture(scope="module")
def phone() -> Iterator[Device]:
    with Device() as d:
        yield d


def run_within(seconds: float, fn: Callable[[], Any]) -> Any:
    """fn() on a daemon thread; a failure (not a hung suite) when it does not return in time."""
    out: dict[str, Any] = {}

    def body() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out["error"] = exc

    t = threading.Thread(target=body, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"the call did not return within {seconds} s (hung)"
    if "error" in out:
        raise out["error"]
    return out["value"]


# ---- 1. a huge token lifetime from four threads ------------------------------------------------

def test_huge_callback_lifetime_from_four_threads(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device(OPENID, phone.public_key_pem)
    emu.add_token("PY-HUGE-LIFETIME")
    doc, sig = phone.sign_result("huge")
    fetches = []

    def tokens(force: bool) -> tuple[str, float]:
        fetches.append(force)
        threading.Event().wait(0.1)  # the other threads queue up behind this fetch
        return "PY-HUGE-LIFETIME", sys.maxsize

    with emu.client(token_source=tokens) as client:
        results: list[Optional[bool]] = [None] * 4

        def call(i: int) -> None:
            results[i] = client.soter_verify_signature(OPENID, doc, sig)

        threads = [threading.Thread(target=call, args=(i,), daemon=True) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
            assert not t.is_alive(), "a thread hung in the token cache"
        assert results == [True] * 4
        assert len(fetches) == 1
        assert run_within(20, lambda: client.soter_verify_signature(OPENID, doc, sig)) is True
        # Larger than int64 and infinite lifetimes: clamped, or refused with a TypeError cause.
        for ttl in (2.0**80, float(10**30)):
            with emu.client(token_source=lambda force, ttl=ttl: ("PY-HUGE-LIFETIME", ttl)) as c:
                assert run_within(20, lambda c=c: c.soter_verify_signature(OPENID, doc, sig)) is True


# ---- 6. a token callback that calls its own client ---------------------------------------------

def test_re_entrant_token_callback_fails_clearly(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device(OPENID, phone.public_key_pem)
    doc, sig = phone.sign_result("reentrant")
    holder: list[WeChatClient] = []
    inner: list[BaseException] = []

    def tokens(force: bool) -> str:
        try:
            holder[0].soter_verify_signature(OPENID, doc, sig)
        except soter_verify.SoterError as exc:
            inner.append(exc)
            raise
        return "NEVER"

    with emu.client(token_source=tokens) as client:
        holder.append(client)
        with pytest.raises(soter_verify.TokenError) as info:
            run_within(20, lambda: client.soter_verify_signature(OPENID, doc, sig))
        assert isinstance(inner[0], soter_verify.InvalidArgument)
        assert "re-entrant" in inner[0].message
        assert info.value.__cause__ is inner[0]


# ---- 2. interpreter exit with a call in flight -------------------------------------------------

def run_exit_child(emu: WeChatEmulator, phone: Device, check_frees: bool, prefix: list[str]) -> subprocess.CompletedProcess[str]:
    emu.register_device(OPENID, phone.public_key_pem)
    emu.add_token("EXIT-TOKEN", 600)
    emu.inject_fault("delay", 1, path="/cgi-bin/soter/verify_signature", delay=1.5)
    doc, sig = phone.sign_result("exit")
    return subprocess.run(
        [*prefix, sys.executable, str(EXIT_CHILD), emu.base_url, OPENID, doc.decode(), sig,
         "1" if check_frees else "0", "3"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_interpreter_exit_never_frees_a_client_under_a_call(emu: WeChatEmulator, phone: Device) -> None:
    """A daemon thread is inside a slow WeChat call (the emulator delays the answer) when the
    interpreter exits. The finalizers that run at exit must not free the client (or its callback
    trampoline) under that call: the free is watched, and the call must come back normally while
    the interpreter is still alive. Before the fix, the client was freed at exit and the returning
    call read freed memory (valgrind shows it: `make hardening` runs this child under valgrind)."""
    out = run_exit_child(emu, phone, check_frees=True, prefix=[])
    assert "FREED-UNDER-A-CALL" not in out.stderr, out.stderr
    assert out.returncode == 0, (out.returncode, out.stderr[-2000:])
    assert "MAIN-EXITS" in out.stdout and "CALL-RETURNED True" in out.stdout, out.stdout


# ---- 3. the response cap applies to the decoded body -------------------------------------------

class _BombHandler(http.server.BaseHTTPRequestHandler):
    bomb = b""
    advertised: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).advertised.append(self.headers.get("Accept-Encoding", ""))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(self.bomb)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(self.bomb)

    def log_message(self, *args: Any) -> None:
        pass


def test_gzip_bodies_are_capped_after_decoding() -> None:
    # 32 MiB of JSON in ~32 KiB of gzip, against a 1 MiB cap.
    payload = b'{"errcode":0,"errmsg":"ok","is_ok":true,"pad":"' + b"x" * (32 << 20) + b'"}'
    _BombHandler.bomb = gzip.compress(payload, 9)
    _BombHandler.advertised = []
    assert len(_BombHandler.bomb) < 200 << 10
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BombHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with WeChatClient("wx-gzip", base_url=base, token_source=FixedToken("T"), max_attempts=1,
                          max_response_size=1 << 20) as client:
            with pytest.raises(soter_verify.MalformedResponse) as info:
                client.soter_verify_signature("o", b'{"raw":"x"}', "c2ln")
            assert "cap" in info.value.message
        # Every encoding the client advertises is one this test serves a bomb in.
        for header in _BombHandler.advertised:
            for enc in (e.split(";")[0].strip().lower() for e in header.split(",")):
                assert enc in ("", "identity", "gzip", "x-gzip"), f"the client advertises {enc!r}: test it"
    finally:
        server.shutdown()
        server.server_close()


# ---- 7. a proxy does not defeat the plain-http rule --------------------------------------------

def test_plain_http_through_a_remote_proxy_is_refused() -> None:
    with pytest.raises(soter_verify.ConfigError):
        WeChatClient("wx", "s", base_url="http://127.0.0.1:9", proxy="http://proxy.example.invalid:3128")
    with pytest.raises(soter_verify.ConfigError):
        WeChatClient("wx", "s", base_url="http://[::1]:9", proxy="socks5://proxy.example.invalid:1080")
    for kwargs in (
        {"base_url": "http://127.0.0.1:9", "proxy": "http://proxy.example.invalid:3128", "allow_insecure_http": True},
        {"base_url": "http://127.0.0.1:9", "proxy": "http://127.0.0.1:3128"},
        {"proxy": "http://proxy.example.invalid:3128"},
    ):
        WeChatClient("wx", "s", **kwargs).close()  # type: ignore[arg-type]


# ---- 8. one salt rule for verify and authenticate ----------------------------------------------

def test_escaped_saltlen_name_is_honoured_by_verify_and_authenticate() -> None:
    key = PublicKey.load((HOSTILE / "key.pem").read_bytes())
    doc = (HOSTILE / "saltlen_escaped.json").read_bytes()
    sig = (HOSTILE / "saltlen_escaped.sig").read_bytes()
    assert b"rsa_pss_salt\\u006cen" in doc
    assert key.verify(doc, sig) is True  # the default salt rule reads the escaped name: 32
    assert key.verify(doc, sig, salt_len=20) is False
    result = soter_verify.authenticate(key, doc, sig, challenge="salt-rule")
    assert result.rsa_pss_saltlen == 32


# ---- 5. enum values out of range through the C ABI ---------------------------------------------

def test_out_of_range_enum_values_are_invalid_arguments() -> None:
    doc = b'{"raw":"c","counter":1,"cpu_id":"x","uid":"u"}'
    out = ctypes.c_void_p()
    assert _native.lib.soter_result_json_parse(doc, len(doc), ctypes.byref(out), None) == 0
    try:
        ptr = _native.PBytes()
        n = ctypes.c_size_t()
        for bad in (9, 1000, -1, 2**31 - 1, -(2**31)):
            assert _native.lib.soter_result_json_get(out, bad, ctypes.byref(ptr), ctypes.byref(n)) == 1
        assert _native.lib.soter_result_json_get(out, _native.FIELD_RAW, ctypes.byref(ptr), ctypes.byref(n)) == 0
    finally:
        _native.lib.soter_result_json_free(out)


def test_paths_exist() -> None:
    assert isinstance(HOSTILE, Path) and (HOSTILE / "README.md").is_file()
