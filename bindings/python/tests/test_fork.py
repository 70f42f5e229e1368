"""os.fork() after the parent used the library, as gunicorn --preload, uWSGI, Celery prefork and
multiprocessing do: each child gets its own answers over its own connections, and a child forked
while another thread was inside a logging handler neither hangs nor loses its logging.

Loopback (127.0.0.1) only. Every child is waited for by its PID, and killed by its PID if it
outlives its deadline (the test then fails instead of hanging the suite).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator

import pytest

from conftest import skip_unless_wechat
from soter_verify import WeChatClient, _log

skip_unless_wechat()

from soter_verify.testing import Device, WeChatEmulator  # noqa: E402

if not hasattr(os, "fork"):
    pytest.skip("no os.fork on this platform", allow_module_level=True)

CHILDREN = 4
CALLS = 30


def fork_child(body: Callable[[], str], deadline: float = 20.0) -> tuple[int, int]:
    """Fork a child that runs ``body`` and writes what it returns to a pipe; return (pid, fd).
    The child always leaves with os._exit (no pytest teardown, no atexit in the child)."""
    r, w = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12 warns about fork() in a process with threads: that is the point here.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.close(r)
            signal.alarm(int(deadline))  # a hung child dies rather than hanging the suite
            os.write(w, body().encode())
        except BaseException as exc:  # noqa: BLE001
            try:
                os.write(w, f"error {exc!r}".encode())
            finally:
                code = 1
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def wait_child(pid: int, fd: int, deadline: float = 30.0) -> tuple[int, str]:
    """The child's exit status and what it wrote; kills it by PID if it runs past ``deadline``."""
    end = time.monotonic() + deadline
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            break
        if time.monotonic() > end:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)
            pytest.fail(f"child {pid} did not exit within {deadline} s (hung)")
        time.sleep(0.02)
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return status, b"".join(chunks).decode()


def openid(child: int) -> str:
    return f"o_fork_child_{child}"


def expect_valid(child: int, i: int) -> bool:
    """A verdict pattern of its own per child: an answer meant for another child shows."""
    return (i * 7 + child * 3) % 5 < 2 or (i + child) % 3 == 0


@pytest.fixture
def emu() -> Iterator[WeChatEmulator]:
    with WeChatEmulator("wx-fork-app", "fork-secret") as e:
        yield e


def burst(client: WeChatClient, child: int, docs: dict[bool, tuple[bytes, str]], threads: int, calls: int) -> tuple[int, int]:
    """``threads`` threads making ``calls`` calls in all as ``child``: (wrong verdicts, errors)."""
    counts = [0, 0]
    lock = threading.Lock()

    def run(t: int) -> None:
        for i in range(t, calls, threads):
            valid = expect_valid(child, i)
            doc, sig = docs[valid]
            try:
                got = client.soter_verify_signature(openid(child), doc, sig)
                wrong, err = int(got is not valid), 0
            except Exception:  # noqa: BLE001 - counted
                wrong, err = 0, 1
            with lock:
                counts[0] += wrong
                counts[1] += err

    ts = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return counts[0], counts[1]


def test_children_forked_after_the_parent_used_the_client_get_their_own_answers(emu: WeChatEmulator) -> None:
    with Device() as phone:
        for child in range(CHILDREN + 1):
            emu.register_device(openid(child), phone.public_key_pem)
        doc, sig = phone.sign_result("challenge-fork")
        _, other_sig = phone.sign_result("challenge-fork-other")
    docs = {True: (doc, sig), False: (doc, other_sig)}  # a real signature over other bytes: is_ok false
    with emu.client(max_attempts=1, timeout=10) as client:
        # The parent pools several keep-alive connections and caches a token.
        assert burst(client, CHILDREN, docs, 8, 32) == (0, 0)
        before = emu.counters()
        kids = [fork_child(lambda c=child: "%d %d" % burst(client, c, docs, 2, CALLS)) for child in range(CHILDREN)]
        wrong = errors = 0
        for pid, fd in kids:
            status, said = wait_child(pid, fd)
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, said)
            w, e = (int(n) for n in said.split())
            wrong += w
            errors += e
        after = emu.counters()
        assert wrong == 0, f"{wrong} answers meant for another process (cross-talk)"
        assert errors == 0, f"{errors} calls failed in the children"
        assert after.verify_signature_requests - before.verify_signature_requests == CHILDREN * CALLS
        assert after.connections - before.connections >= CHILDREN, "each child opens its own connections"
        assert after.token_requests == 1, "the children kept the parent's cached token"
        # The parent's own connections were left alone: it goes on with them.
        assert burst(client, CHILDREN, docs, 8, 32) == (0, 0)


class _BlockingHandler(logging.Handler):
    """Holds the first record delivered on the thread named ``blocker`` until released: a thread
    inside a logging handler."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.entered = threading.Event()
        self.release = threading.Event()
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())
        if threading.current_thread().name == "blocker" and not self.entered.is_set():
            self.entered.set()
            self.release.wait(10)


def test_a_child_forked_during_a_log_delivery_neither_hangs_nor_loses_logging(emu: WeChatEmulator) -> None:
    if not _log._installed:
        pytest.skip("the loaded library has no log events")
    logger = logging.getLogger("soter_verify")
    old_level = logger.level
    with Device() as phone:
        emu.register_device("o_log", phone.public_key_pem)
        doc, sig = phone.sign_result("challenge-log")
    client = emu.client(max_attempts=1, timeout=10)
    handler = _BlockingHandler()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    result: list[bool] = []
    # The first call's token fetch logs at INFO: that delivery blocks in the handler.
    t = threading.Thread(target=lambda: result.append(client.soter_verify_signature("o_log", doc, sig)), name="blocker")
    status, said = -1, ""
    try:
        t.start()
        assert handler.entered.wait(10), "no delivery reached the handler"

        def child() -> str:
            # Logging works in the child (logging re-makes its handlers' locks at fork) ...
            handler.records.clear()
            client.clear_token()
            ok = client.soter_verify_signature("o_log", doc, sig)
            logged = any("access token" in r for r in handler.records)
            # ... and removing the callback returns: it waits for the deliveries in flight, and
            # the one the parent's thread had in flight at the fork is not this process's.
            _log._uninstall()
            return f"{ok} {logged}"

        pid, fd = fork_child(child, deadline=10)
        status, said = wait_child(pid, fd, deadline=15)
    finally:
        handler.release.set()
        t.join(10)
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        client.close()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, said)
    assert said == "True True", said
    assert result == [True]


def test_calls_in_flight_at_the_fork_are_forgotten_in_the_child(emu: WeChatEmulator) -> None:
    with Device() as phone:
        emu.register_device("o_slow", phone.public_key_pem)
        doc, sig = phone.sign_result("challenge-slow")
    client = emu.client(max_attempts=1, timeout=10)
    assert client.soter_verify_signature("o_slow", doc, sig)
    emu.inject_fault("delay", 1, path="/cgi-bin/soter/verify_signature", delay=1.0)
    t = threading.Thread(target=client.soter_verify_signature, args=("o_slow", doc, sig))
    t.start()
    end = time.monotonic() + 5
    while len(client._calls) < 2 and time.monotonic() < end:  # the call is in flight
        time.sleep(0.01)
    assert len(client._calls) == 2

    def child() -> str:
        # The parent's call in flight will never return here: it is forgotten, so close()
        # frees the client at once (it would otherwise wait for that call forever).
        forgotten = len(client._calls) == 1
        ok = client.soter_verify_signature("o_slow", doc, sig)
        client.close()
        return f"{forgotten} {ok} {client._freed}"

    pid, fd = fork_child(child)
    status, said = wait_child(pid, fd)
    t.join(10)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, said)
    assert said == "True True True", said
    assert len(client._calls) == 1, "the parent's own call returned and left"
    client.close()
