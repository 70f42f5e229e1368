"""Log events in Python's logging (logger "soter_verify"): the library's level follows the
logger's, events land as standard records (a 40001 refresh, -1 retries, a Redis outage and
recovery, refused verifications at DEBUG, face calls), from any thread, never with a secret;
an interpreter exiting while threads log exits cleanly."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator

import pytest

import soter_verify
from conftest import RedisServer, _free_port, require_redis, skip_unless_wechat
from soter_verify import CertInfo, ReplayGuard, StoreUnavailable, _log

skip_unless_wechat()

from soter_verify.testing import Device, WeChatEmulator  # noqa: E402

APPID, SECRET = "wx0123456789abcdef", "py-log-app-secret-9c1d"
OPENID = "o_py_log"
REDIS_PASSWORD = "py-log-redis-hunter2"
NAME, ID_NUMBER = "张三丰", "11010519491231002X"
LOGGER = logging.getLogger("soter_verify")
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{40,}")


@pytest.fixture(scope="module")
def phone() -> Iterator[Device]:
    with Device() as d:
        yield d


@pytest.fixture
def emu(phone: Device) -> Iterator[WeChatEmulator]:
    with WeChatEmulator(APPID, SECRET) as e:
        e.register_device(OPENID, phone.public_key_pem)
        yield e


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.levelname:<5} {r.name}: {r.getMessage()}" for r in caplog.records if r.name == "soter_verify"]


def count(caplog: pytest.LogCaptureFixture, level: int, *needles: str) -> int:
    return sum(
        1 for r in caplog.records
        if r.name == "soter_verify" and r.levelno == level and all(n in r.getMessage() for n in needles)
    )


def check_and_show(caplog: pytest.LogCaptureFixture, title: str, secrets: list[str]) -> None:
    text = "\n".join(lines(caplog))
    print(f"---- captured log: {title}\n{text}")
    for s in secrets:
        assert s not in text, "a secret leaked into the log"
    assert not TOKEN_LIKE.search(text), "a token-like run in the log"


def stable_token(emu: WeChatEmulator) -> str:
    """The emulator's current stable token, as any server of the app would get it."""
    body = json.dumps({"grant_type": "client_credential", "appid": APPID, "secret": SECRET}).encode()
    req = urllib.request.Request(f"{emu.base_url}/cgi-bin/stable_token", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:  # loopback only
        return str(json.loads(resp.read())["access_token"])


def verify(client: soter_verify.WeChatClient, phone: Device) -> bool:
    doc, sig = phone.sign_result(soter_verify.new_challenge())
    return client.soter_verify_signature(OPENID, doc, sig)


# ---- the library's level follows the logger's -------------------------------------------------

def test_library_level_follows_the_logger() -> None:
    root = logging.getLogger()
    saved = (LOGGER.level, root.level)
    try:
        LOGGER.setLevel(logging.WARNING)
        assert _log.native_level() == 2
        LOGGER.setLevel(logging.DEBUG)
        assert _log.native_level() == 4
        LOGGER.setLevel(_log.TRACE)
        assert _log.native_level() == 5
        assert logging.getLevelName(_log.TRACE) == "TRACE"
        logging.disable(logging.CRITICAL)
        assert _log.native_level() == 0
        logging.disable(logging.NOTSET)
        assert _log.native_level() == 5
        # Not set here: the root's level (or a parent's) decides, and changing it is seen too.
        LOGGER.setLevel(logging.NOTSET)
        root.setLevel(logging.INFO)
        assert _log.native_level() == 3
        root.setLevel(logging.ERROR)
        assert _log.native_level() == 1
        root.setLevel(logging.CRITICAL)
        assert _log.native_level() == 0
    finally:
        LOGGER.setLevel(saved[0])
        root.setLevel(saved[1])
    assert _log.native_level() == _log.wanted_level()
    names = [soter_verify._native.borrowed_cstr(soter_verify._native.lib.soter_log_level_name(n)) for n in range(7)]
    assert names == ["OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "UNKNOWN"]
    assert [logging.getLevelName(_log._LEVELS[n]) for n in range(1, 6)] == ["ERROR", "WARNING", "INFO", "DEBUG", "TRACE"]


def test_refused_verifications_at_debug_only(caplog: pytest.LogCaptureFixture, phone: Device) -> None:
    guard = ReplayGuard()
    challenge = guard.issue_challenge("u1")
    doc, sig = phone.sign_result(challenge)
    caplog.set_level(logging.INFO, logger="soter_verify")
    assert _log.native_level() == 3  # DEBUG events are not even formatted
    with pytest.raises(soter_verify.ChallengeMismatch):
        guard.authenticate(phone.public_key, doc, sig, subject="u2")
    assert lines(caplog) == []

    caplog.set_level(logging.DEBUG, logger="soter_verify")
    with pytest.raises(soter_verify.DeviceMismatch):
        guard.authenticate(phone.public_key, doc, sig, subject="u1", cpu_id="another device")
    with pytest.raises(soter_verify.SignatureInvalid):
        soter_verify.authenticate(phone.public_key, doc + b" ", sig, challenge=challenge)
    assert soter_verify.authenticate(phone.public_key, doc, sig, challenge=challenge).raw == challenge
    assert count(caplog, logging.DEBUG, "ReplayGuard authenticate: refused (DeviceMismatch)", "cpu_id") == 1
    assert count(caplog, logging.DEBUG, "authenticate: refused (SignatureInvalid)") == 1
    assert len(lines(caplog)) == 2, "an accepted result logs nothing"
    check_and_show(caplog, "refused verifications (Python)", [challenge, sig])


def test_events_arrive_on_the_thread_where_they_happen(caplog: pytest.LogCaptureFixture, phone: Device) -> None:
    caplog.set_level(logging.DEBUG, logger="soter_verify")
    doc, sig = phone.sign_result("c")
    key = phone.public_key

    def refuse(n: int) -> None:
        for _ in range(n):
            with pytest.raises(soter_verify.ChallengeMismatch):
                soter_verify.authenticate(key, doc, sig, challenge="another")

    threads = [threading.Thread(target=refuse, args=(25,), name=f"refuser-{i}") for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = [r for r in caplog.records if r.name == "soter_verify"]
    assert len(records) == 100
    assert {r.threadName for r in records} == {f"refuser-{i}" for i in range(4)}


# ---- WeChat -------------------------------------------------------------------------------------

def test_token_refresh_after_errcode_40001(caplog: pytest.LogCaptureFixture, emu: WeChatEmulator, phone: Device) -> None:
    caplog.set_level(logging.INFO, logger="soter_verify")
    with emu.client(backoff_base=0.005, backoff_max=0.02) as client:
        assert verify(client, phone)
        first = stable_token(emu)
        emu.inject_fault("invalid_token", 1, path="/cgi-bin/soter/verify_signature")
        assert verify(client, phone)
        second = stable_token(emu)
    assert first != second
    assert count(caplog, logging.INFO, "access token fetched from stable_token (first use)", "valid for 7200 s") == 1
    assert count(caplog, logging.WARNING, "errcode 40001", "retried once with a fresh one") == 1
    assert count(caplog, logging.INFO, "access token refreshed from stable_token (forced after errcode 40001)") == 1
    check_and_show(caplog, "one 40001 refresh (Python)", [SECRET, first, second])


def test_retries_and_errcodes(caplog: pytest.LogCaptureFixture, emu: WeChatEmulator, phone: Device) -> None:
    caplog.set_level(logging.WARNING, logger="soter_verify")
    with emu.client(backoff_base=0.005, backoff_max=0.02) as client:
        assert verify(client, phone)  # the token first: the faults below hit verify_signature
        emu.inject_fault("system_busy", 2)
        assert verify(client, phone)
        emu.inject_fault("system_busy", 3)
        with pytest.raises(soter_verify.WeChatApiError):
            verify(client, phone)
    assert count(caplog, logging.WARNING, "errcode -1", "retrying (attempt 2 of 3)") == 2
    assert count(caplog, logging.WARNING, "errcode -1", "retrying (attempt 3 of 3)") == 2
    assert count(caplog, logging.WARNING, "soter verify_signature: WeChat returned errcode -1 (system error)") == 5
    check_and_show(caplog, "errcode -1 retried (Python)", [SECRET, stable_token(emu)])


def test_face_calls_keep_names_and_id_numbers_out(caplog: pytest.LogCaptureFixture, emu: WeChatEmulator) -> None:
    caplog.set_level(_log.TRACE, logger="soter_verify")
    emu.register_person("o_face", NAME, ID_NUMBER)
    with emu.client() as client:
        wrong = CertInfo("李四", ID_NUMBER)
        vid = client.face_get_verify_id("seq-py-log", wrong, "o_face")
        assert not client.face_query_verify_info(vid.verify_id, "seq-py-log", wrong, "o_face").passed
        ticket = emu.issue_verify_result("o_face")
        assert client.face_get_info(ticket).passed_for(NAME, ID_NUMBER)
    assert count(caplog, logging.DEBUG, "face queryverifyinfo: not passed (verify_ret 90011") == 1
    assert count(caplog, _log.TRACE, "POST /cityservice/face/identify/") == 3
    assert count(caplog, _log.TRACE, "POST /cgi-bin/stable_token: HTTP 200") == 1
    check_and_show(caplog, "face calls (Python)", [SECRET, NAME, "李四", ID_NUMBER, ID_NUMBER.lower(), ticket])


# ---- Redis ----------------------------------------------------------------------------------------

def test_redis_outage_and_recovery_logged_once_each(caplog: pytest.LogCaptureFixture) -> None:
    require_redis("Redis outage log")
    server = RedisServer(_free_port(), "--requirepass", REDIS_PASSWORD)
    try:
        guard = ReplayGuard.redis(f"redis://:{REDIS_PASSWORD}@127.0.0.1:{server.port}/0", timeout=0.3)
        caplog.set_level(_log.TRACE, logger="soter_verify")
        guard.issue_challenge("py-log-user")
        server.stop()
        for _ in range(3):
            with pytest.raises(StoreUnavailable):
                guard.issue_challenge("py-log-user")
        server.start()
        guard.issue_challenge("py-log-user")
        guard.issue_challenge("py-log-user")
        guard.close()
    finally:
        server.close()
    shown = f"redis://***@127.0.0.1:{server.port}/0"
    assert count(caplog, logging.ERROR, shown, "calls fail closed (StoreUnavailable) until it answers again") == 1
    assert count(caplog, logging.ERROR) == 1, "one event per outage, not one per call"
    assert count(caplog, logging.INFO, shown, "answers again after", "(3 calls failed closed)") == 1
    assert len(lines(caplog)) == 2
    check_and_show(caplog, "one Redis outage (Python)", [REDIS_PASSWORD])


# ---- the interpreter and the application's configuration ------------------------------------------

EXIT_WHILE_LOGGING = r"""
import logging, sys, threading
import soter_verify
from soter_verify.testing import Device
if sys.argv[1] == "log":
    logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(levelname)s %(message)s")
d = Device()
doc, sig = d.sign_result("c")
key = d.public_key
def refuse():
    while True:
        try:
            soter_verify.authenticate(key, doc, sig, challenge="other")
        except soter_verify.ChallengeMismatch:
            pass
for i in range(4):
    threading.Thread(target=refuse, daemon=True).start()
import time; time.sleep(0.3)
print("EXITING", flush=True)
"""

QUIET_BY_DEFAULT = r"""
import soter_verify
from soter_verify.testing import WeChatEmulator, Device
with WeChatEmulator("wx0123456789abcdef", "s") as emu, emu.client() as c:
    doc, sig = Device().sign_result("c")
    try:
        c.soter_verify_signature("nobody", doc, sig)
    except soter_verify.WeChatApiError:
        print("ERRCODE", flush=True)
"""


@pytest.mark.parametrize("mode", ["log", "quiet"])
def test_interpreter_exit_while_threads_call_the_library(mode: str) -> None:
    # Daemon threads inside library calls (and its log callback) while the interpreter exits:
    # the callback is removed first, and handles in use are not freed under those calls.
    for _ in range(3):
        r = subprocess.run([sys.executable, "-c", EXIT_WHILE_LOGGING, mode], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr[-2000:]
        assert "EXITING" in r.stdout
        assert ("refused (ChallengeMismatch)" in r.stdout) == (mode == "log")
        assert "Fatal Python error" not in r.stderr and "Exception ignored" not in r.stderr, r.stderr[-2000:]


def test_an_unconfigured_application_prints_nothing() -> None:
    # A WARNING event with no logging configuration: the library's NullHandler keeps Python's
    # last-resort handler from printing it, as for any library.
    r = subprocess.run([sys.executable, "-c", QUIET_BY_DEFAULT], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "ERRCODE" in r.stdout, r.stderr
    assert r.stderr == ""
