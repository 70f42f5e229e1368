"""ReplayGuard where users deploy it, against real redis-server (and Sentinel) processes the tests
start and stop by PID: forked workers (os.fork, gunicorn --preload) after the parent used the
guard, the per-subject bound, ping, wait_replicas, Sentinel, option checks, and passwords with
reserved characters kept out of every message and repr."""

from __future__ import annotations

import http.client
import json
import os
import random
import select
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from conftest import RedisServer, _free_port, require_redis, result_json
from soter_test_keys import KEY_A
from soter_verify import (
    ChallengeMismatch,
    ConfigError,
    InvalidArgument,
    ReplayGuard,
    SoterError,
    StoreUnavailable,
    new_challenge,
)
from soter_verify._handle import NativeHandle
from soter_verify.testing import Device

TESTS = Path(__file__).resolve().parent


def signed(raw: str, counter: int) -> tuple[bytes, bytes]:
    doc = result_json(raw=raw, counter=counter)
    return doc, KEY_A.sign(doc)


def _fork() -> int:
    with warnings.catch_warnings():  # 3.12+ warns about forking a process with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def _read_all(fd: int, deadline: float) -> bytes:
    """Everything a child writes to ``fd`` until it closes it, or fail at ``deadline``."""
    out = b""
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "a forked child did not report in time"
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                return out
            out += chunk


def _reap(pids: list[int], deadline: float) -> dict[int, int]:
    """Exit codes of ``pids``; any still running at ``deadline`` is killed by its PID."""
    codes: dict[int, int] = {}
    for pid in pids:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                codes[pid] = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                codes[pid] = -9
                break
            time.sleep(0.01)
    return codes


# ---- a: os.fork after the parent used the Redis guard ----------------------------------------


def _child_rounds(g: ReplayGuard, n: int, rounds: int, ready_w: int, go_r: int) -> dict[str, Any]:
    dev = Device()  # this child's own device: its own key, cpu_id, uid and counter
    key = dev.public_key
    subject = f"child-{n}"
    report: dict[str, Any] = {
        "subject": subject, "cpu_id": dev.cpu_id, "uid": dev.uid, "genuine_ok": 0,
        "genuine_failures": [], "forged_accepted": 0, "forged_other": [], "last_counter": None,
    }
    os.write(ready_w, b"r")
    assert os.read(go_r, 1) == b"g"
    for _ in range(rounds):
        try:
            challenge = g.issue_challenge(subject)
            doc, sig = dev.sign_result(challenge)
            r = g.authenticate(key, doc, sig, subject=subject, cpu_id=dev.cpu_id, uid=dev.uid)
            if r.raw == challenge and r.cpu_id == dev.cpu_id:
                report["genuine_ok"] += 1
                report["last_counter"] = r.counter
            else:  # someone else's result: cross-talk
                report["genuine_failures"].append(f"got {r.raw} for {challenge}")
        except SoterError as exc:
            report["genuine_failures"].append(repr(exc))
        # Validly signed by this child's own key, but its raw was never issued by anyone.
        fdoc, fsig = dev.sign_result(new_challenge())
        try:
            g.authenticate(key, fdoc, fsig, subject=subject, cpu_id=dev.cpu_id, uid=dev.uid)
            report["forged_accepted"] += 1
        except ChallengeMismatch:
            pass
        except SoterError as exc:
            report["forged_other"].append(repr(exc))
    return report


def test_forked_children_share_no_connection(redis_server: RedisServer) -> None:
    children, rounds = 4, 8
    g = ReplayGuard.redis(redis_server.url, timeout=2.0)
    with Device() as parent_dev, parent_dev.public_key as parent_key:
        # The parent uses the guard: its pool now holds an idle connection every child inherits.
        c = g.issue_challenge("parent")
        assert g.authenticate(parent_key, *parent_dev.sign_result(c), subject="parent").raw == c
        ready_r, ready_w = os.pipe()
        go_r, go_w = os.pipe()
        pids: list[int] = []
        reports: dict[int, int] = {}
        try:
            for n in range(children):
                rep_r, rep_w = os.pipe()
                pid = _fork()
                if pid == 0:  # the child: never returns into pytest
                    code = 1
                    try:
                        os.close(rep_r)
                        report = _child_rounds(g, n, rounds, ready_w, go_r)
                        os.write(rep_w, json.dumps(report).encode())
                        code = 0
                    except BaseException as exc:  # noqa: BLE001 - reported to the parent
                        os.write(rep_w, json.dumps({"crashed": repr(exc)}).encode())
                    finally:
                        os._exit(code)
                os.close(rep_w)
                pids.append(pid)
                reports[pid] = rep_r
            deadline = time.monotonic() + 60
            for _ in pids:  # every child has its device: start them together
                assert select.select([ready_r], [], [], deadline - time.monotonic())[0], "a child did not get ready"
                os.read(ready_r, 1)
            os.write(go_w, b"g" * children)
            got = {pid: json.loads(_read_all(fd, deadline) or b"{}") for pid, fd in reports.items()}
        finally:
            codes = _reap(pids, time.monotonic() + 30)
            for fd in [ready_r, ready_w, go_r, go_w, *reports.values()]:
                os.close(fd)
        assert all(code == 0 for code in codes.values()), (codes, got)
        results = list(got.values())
        forged_accepted = sum(r["forged_accepted"] for r in results)
        genuine_ok = sum(r["genuine_ok"] for r in results)
        print(f"fork: {children} children x {rounds} rounds: genuine accepted {genuine_ok}, "
              f"forged accepted {forged_accepted}")
        assert forged_accepted == 0, results
        assert [r["forged_other"] for r in results] == [[]] * children, results
        assert [r["genuine_failures"] for r in results] == [[]] * children, results
        assert genuine_ok == children * rounds
        # What the children accepted is in Redis, and the parent's guard still serves.
        for r in results:
            assert g.last_counter(r["subject"], r["cpu_id"], r["uid"]) == r["last_counter"]
        c = g.issue_challenge("parent")
        assert g.authenticate(parent_key, *parent_dev.sign_result(c), subject="parent").raw == c
    g.close()


def test_a_child_forked_during_an_outage_probe_recovers(redis_server: RedisServer) -> None:
    g = ReplayGuard.redis(redis_server.url, timeout=1.5)
    g.issue_challenge("before")
    assert redis_server.proc is not None
    redis_server.proc.send_signal(signal.SIGSTOP)  # Redis stalls: calls time out
    try:
        with pytest.raises(StoreUnavailable):
            g.issue_challenge("outage")  # the outage begins: later calls fail fast but one probe
        def probe() -> None:
            try:
                g.issue_challenge("probe")  # answered or not, depending on when Redis resumes
            except StoreUnavailable:
                pass

        probing = threading.Thread(target=probe)
        probing.start()
        time.sleep(0.3)  # the probe is waiting on the stalled Redis

        def child_recovers() -> bool:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    g.issue_challenge("child")
                    return True
                except StoreUnavailable:
                    time.sleep(0.1)
            return False

        pid = _fork()
        if pid == 0:
            code = 1
            try:
                code = 0 if child_recovers() else 2
            finally:
                os._exit(code)
    finally:
        redis_server.proc.send_signal(signal.SIGCONT)
    code = _reap([pid], time.monotonic() + 30)[pid]
    probing.join()
    assert child_recovers()  # the parent recovers
    g.close()
    assert code == 0, "the child kept failing fast after Redis came back"


class _Fake(NativeHandle):
    """A handle whose "free" records the pointer (as in test_handle.py)."""

    __slots__ = ("freed",)

    freed: list[int]

    def __init__(self) -> None:
        self.freed = []
        self._attach(4321, self.freed.append)


def _in_child(check: Any) -> int:
    """Run ``check`` in a forked child; its exit code (0: passed)."""
    pid = _fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if check() else 2
        finally:
            os._exit(code)
    return _reap([pid], time.monotonic() + 30)[pid]


def test_a_child_drops_calls_in_flight_in_threads_it_did_not_inherit() -> None:
    # Another thread is inside a call when the process forks: in the child that thread does not
    # exist, so its call never returns; close() must free there at once all the same.
    h = _Fake()
    inside, leave = threading.Event(), threading.Event()

    def call() -> None:
        h._acquire()
        try:
            inside.set()
            leave.wait(30)
        finally:
            h._release()

    t = threading.Thread(target=call)
    t.start()
    try:
        assert inside.wait(10)

        def child_closes() -> bool:
            h.close()
            return h.freed == [4321]

        assert _in_child(child_closes) == 0
        assert h.freed == []  # the parent's call is still in flight: nothing freed here
    finally:
        leave.set()
        t.join()
    h.close()
    assert h.freed == [4321]
    # The forking thread's own call (a fork from inside a library callback) stays counted.
    h2 = _Fake()
    h2._acquire()

    def child_own_call() -> bool:
        h2.close()
        if h2.freed:
            return False  # freed under the call still in flight
        h2._release()
        return h2.freed == [4321]

    assert _in_child(child_own_call) == 0
    h2._release()
    h2.close()


# ---- b: gunicorn --preload, 2 workers ----------------------------------------------------------


def _http(port: int, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        data = None if body is None else json.dumps(body)
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_gunicorn_preload_workers(redis_server: RedisServer, tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "SOTER_TEST_REDIS_URL": redis_server.url, "SOTER_TEST_PREFIX": "gun:"}
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--preload", "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "--chdir", str(TESTS), "--graceful-timeout", "5", "--timeout", "30", "deploy_app:app"],
            env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 20
        health: dict[str, Any] = {}
        while not health:
            assert proc.poll() is None, f"gunicorn exited: {log.read_text()}"
            assert time.monotonic() < deadline, f"gunicorn did not answer: {log.read_text()}"
            try:
                status, health = _http(port, "GET", "/health")
                assert status == 200
            except OSError:
                time.sleep(0.1)
        # The guard was built and used in the master, before the workers were forked.
        assert health["loaded_in"] == proc.pid != health["pid"]

        devices = [Device() for _ in range(4)]

        def user(n: int) -> dict[str, Any]:
            dev, subject = devices[n], f"gunicorn-user-{n}"
            out: dict[str, Any] = {"genuine_ok": 0, "genuine_failures": [], "forged_accepted": 0,
                                   "forged_other": [], "pids": []}
            for _ in range(5):
                status, got = _http(port, "GET", f"/challenge?subject={subject}")
                if status != 200:
                    out["genuine_failures"].append((status, got))
                    challenge = new_challenge()  # a login without a challenge: the forged half still runs
                else:
                    challenge = got["challenge"]
                doc, sig = dev.sign_result(challenge)
                body = {"subject": subject, "public_key": dev.public_key_pem, "result_json": doc.decode(),
                        "signature": sig}
                status, got = _http(port, "POST", "/login", body)
                out["pids"].append(got["pid"])
                if status == 200 and got["raw"] == challenge:
                    out["genuine_ok"] += 1
                else:
                    out["genuine_failures"].append((status, got))
                fdoc, fsig = dev.sign_result(new_challenge())  # never issued, validly signed
                status, got = _http(port, "POST", "/login", {**body, "result_json": fdoc.decode(), "signature": fsig})
                out["pids"].append(got["pid"])
                if status == 200:
                    out["forged_accepted"] += 1
                elif (status, got["error"]) != (403, "ChallengeMismatch"):
                    out["forged_other"].append((status, got))
            return out

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(user, range(4)))
        for dev in devices:
            dev.close()
        workers = {pid for r in results for pid in r["pids"]}
        forged_accepted = sum(r["forged_accepted"] for r in results)
        genuine_ok = sum(r["genuine_ok"] for r in results)
        print(f"gunicorn --preload: workers {sorted(workers)}, genuine accepted {genuine_ok}/20, "
              f"forged accepted {forged_accepted}/20")
        assert forged_accepted == 0, results
        assert [r["forged_other"] for r in results] == [[]] * 4, results
        assert [r["genuine_failures"] for r in results] == [[]] * 4, results
        assert genuine_ok == 20
        assert proc.pid not in workers and len(workers) == 2, f"requests served by {workers}"
    finally:
        proc.terminate()  # the master, by its PID: it stops its workers
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        deadline = time.monotonic() + 10
        for pid in workers:
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
                pytest.fail(f"gunicorn worker {pid} outlived its master")


# ---- c: options -----------------------------------------------------------------------------


def _subject_hash(prefix: str, subject: str) -> str:
    import hashlib

    return f"{prefix}{{{hashlib.sha256(subject.encode()).hexdigest()}}}:c"


def _bound_holds(g: ReplayGuard, subject: str, other: str) -> None:
    """20 challenges for ``subject`` with the default bound of 16: the 4 oldest are gone, the
    others (the oldest kept and the newest included) work; ``other`` is unaffected."""
    theirs = g.issue_challenge(other)
    issued = [g.issue_challenge(subject) for _ in range(20)]
    for n, c in enumerate(issued[:4]):
        with pytest.raises(ChallengeMismatch):
            g.accept(result_json(raw=c, counter=100 + n), subject=subject)
    assert g.accept(result_json(raw=issued[-1], counter=200), subject=subject).raw == issued[-1]
    assert g.accept(result_json(raw=issued[4], counter=201), subject=subject).raw == issued[4]
    assert g.accept(result_json(raw=theirs, counter=1), subject=other).raw == theirs


def test_per_subject_bound_memory() -> None:
    with ReplayGuard() as g:
        _bound_holds(g, "greedy", "bystander")
    with ReplayGuard(max_challenges_per_subject=2) as g:
        a, b, c = (g.issue_challenge("s") for _ in range(3))
        with pytest.raises(ChallengeMismatch):
            g.accept(result_json(raw=a, counter=1), subject="s")
        assert g.accept(result_json(raw=c, counter=2), subject="s").raw == c
        assert g.accept(result_json(raw=b, counter=3), subject="s").raw == b


def test_per_subject_bound_redis(redis_server: RedisServer) -> None:
    with ReplayGuard.redis(redis_server.url, prefix="b:") as g:
        _bound_holds(g, "greedy", "bystander")
        for _ in range(40):
            g.issue_challenge("greedy")
        hlen = int(redis_server.cli("HLEN", _subject_hash("b:", "greedy")))
        assert hlen == 16, hlen  # never more, whatever one subject asks for
        assert int(redis_server.cli("HLEN", _subject_hash("b:", "bystander"))) == 0  # used up
    with ReplayGuard.redis(redis_server.url, prefix="b3:", max_challenges_per_subject=3) as g:
        issued = [g.issue_challenge("s") for _ in range(5)]
        assert int(redis_server.cli("HLEN", _subject_hash("b3:", "s"))) == 3
        with pytest.raises(ChallengeMismatch):
            g.accept(result_json(raw=issued[1], counter=1), subject="s")
        assert g.accept(result_json(raw=issued[2], counter=2), subject="s").raw == issued[2]


def test_ping(redis_server: RedisServer) -> None:
    with ReplayGuard() as m:
        assert m.ping() is None
    g = ReplayGuard.redis(redis_server.url, timeout=0.5)
    assert g.ping() is None
    redis_server.stop()
    t = time.monotonic()
    with pytest.raises(StoreUnavailable):
        g.ping()
    assert time.monotonic() - t < 1.5
    redis_server.start()
    deadline = time.monotonic() + 5
    while True:  # one probe at a time finds it back
        try:
            g.ping()
            break
        except StoreUnavailable:
            assert time.monotonic() < deadline, "ping did not recover after Redis came back"
            time.sleep(0.05)
    g.close()
    with pytest.raises(ValueError, match="closed"):
        g.ping()


def test_zero_and_out_of_range_options_are_refused() -> None:
    url = "redis://127.0.0.1:1"
    for kwargs in ({"max_challenges": 0}, {"max_devices": 0}, {"max_challenges_per_subject": 0},
                   {"max_challenges_per_subject": 1025}, {"max_challenges": -1}):
        with pytest.raises(InvalidArgument):
            ReplayGuard(**kwargs)
    makers = [
        lambda **kw: ReplayGuard.redis(url, **kw),
        lambda **kw: ReplayGuard.redis_cluster([url], **kw),
        lambda **kw: ReplayGuard.redis_sentinel([url], "mymaster", **kw),
    ]
    for make in makers:
        for kwargs in ({"max_challenges_per_subject": 0}, {"max_challenges_per_subject": 1025},
                       {"wait_replicas": -1}, {"wait_replicas": 2**32}, {"timeout": 0}, {"timeout": -1.0},
                       {"timeout": float("nan")}, {"timeout": 3601}, {"timeout": 5000}):
            with pytest.raises(InvalidArgument):
                make(**kwargs)
        with pytest.raises(InvalidArgument, match="likely unit mistake") as info:
            make(timeout=5000)
        assert "use 5" in str(info.value)
        with pytest.raises(TypeError):
            make(wait_replicas=True)
        with pytest.raises(TypeError):
            make(max_challenges_per_subject=2.0)
        make(timeout=3600, wait_replicas=3, max_challenges_per_subject=1024).close()  # the limits
    with pytest.raises(InvalidArgument):
        ReplayGuard.redis_sentinel([url], "mymaster", db=-1)
    with pytest.raises(InvalidArgument):
        ReplayGuard.redis_sentinel([], "mymaster")
    with pytest.raises(TypeError):
        ReplayGuard.redis_sentinel(url, "mymaster")
    with pytest.raises(TypeError):
        ReplayGuard.redis_sentinel([url], "mymaster", password=b"bytes")  # type: ignore[arg-type]


def test_wait_replicas_fails_closed_without_replicas(redis_server: RedisServer, key_a: Any) -> None:
    g = ReplayGuard.redis(redis_server.url, prefix="w:", timeout=0.5, wait_replicas=1)
    plain = ReplayGuard.redis(redis_server.url, prefix="w:", timeout=0.5)
    doc, sig = signed(g.issue_challenge("durable"), 5)
    t = time.monotonic()
    with pytest.raises(StoreUnavailable, match="wait_replicas"):
        g.authenticate(key_a, doc, sig, subject="durable")
    assert time.monotonic() - t < 1.5
    with pytest.raises(ChallengeMismatch):  # the challenge stays used
        plain.authenticate(key_a, doc, sig, subject="durable")
    g.close()
    plain.close()


def test_wait_replicas_with_a_replica(redis_server: RedisServer, key_a: Any) -> None:
    replica = RedisServer(_free_port(), "--replicaof", "127.0.0.1", str(redis_server.port))
    try:
        redis_server.cli("CONFIG", "SET", "repl-diskless-sync-delay", "0")  # sync now, not in 5 s
        deadline = time.monotonic() + 10
        while "master_link_status:up" not in replica.cli("INFO", "replication"):
            assert time.monotonic() < deadline, "the replica did not connect"
            time.sleep(0.05)
        # Generous: the step must be acknowledged, and a busy machine can delay the replica.
        with ReplayGuard.redis(redis_server.url, timeout=5.0, wait_replicas=1) as g:
            c = g.issue_challenge("replicated")
            assert g.authenticate(key_a, *signed(c, 9), subject="replicated").raw == c
            counters = _subject_hash("soter:", "replicated")[:-1] + "n"
            assert replica.cli("HLEN", counters).strip() == "1"  # WAIT saw it on the replica
    finally:
        replica.close()


class SentinelServer:
    """One Redis Sentinel on a loopback port watching ``master_port`` as ``mymaster``; its
    config file lives in a temporary directory (Sentinel rewrites it). Stopped by its PID."""

    def __init__(self, master_port: int, master_password: str = "", password: str = "", quorum: int = 2) -> None:
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix=f"soter-sentinel-{self.port}-")
        self.password = password
        lines = [
            f"port {self.port}", "bind 127.0.0.1", "protected-mode no", f"dir {self.dir}",
            f"sentinel monitor mymaster 127.0.0.1 {master_port} {quorum}",
            "sentinel down-after-milliseconds mymaster 1000", "sentinel failover-timeout mymaster 5000",
        ]
        if master_password:
            lines.append(f"sentinel auth-pass mymaster {_quote(master_password)}")
        if password:
            lines.append(f"requirepass {_quote(password)}")
        conf = Path(self.dir) / "sentinel.conf"
        conf.write_text("\n".join(lines) + "\n")
        self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            ["redis-server", str(conf), "--sentinel", "--loglevel", "warning"], stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while str(master_port) not in self.cli("SENTINEL", "get-master-addr-by-name", "mymaster"):
            assert self.proc.poll() is None, "redis-server --sentinel exited"
            assert time.monotonic() < deadline, f"Sentinel on {self.port} did not start"
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        auth = ["-a", self.password, "--no-auth-warning"] if self.password else []
        r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *auth, *args],
                           capture_output=True, text=True)
        return r.stdout

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        import shutil

        shutil.rmtree(self.dir, ignore_errors=True)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture
def sentinel_setup() -> Iterator[tuple[RedisServer, SentinelServer, str, str]]:
    """A master requiring a password with reserved characters, and one Sentinel requiring its
    own; yields (master, sentinel, master password, sentinel password)."""
    require_redis("Redis Sentinel tests")
    master_pw, sentinel_pw = "m4st/er?pw#x@y:z", "s3nt@in:el/pw?q#r"
    master = RedisServer(_free_port(), "--requirepass", master_pw)
    try:
        sentinel = SentinelServer(master.port, master_password=master_pw, password=sentinel_pw)
        try:
            yield master, sentinel, master_pw, sentinel_pw
        finally:
            sentinel.close()
    finally:
        master.close()


def test_sentinel_guard(sentinel_setup: tuple[RedisServer, SentinelServer, str, str], key_a: Any) -> None:
    master, sentinel, master_pw, sentinel_pw = sentinel_setup
    g = ReplayGuard.redis_sentinel([sentinel.url], "mymaster", password=master_pw, sentinel_password=sentinel_pw,
                                   db=2, prefix="sent:", timeout=2.0)
    text = repr(g)
    assert "sentinel" in text and str(sentinel.port) in text
    _assert_hidden(text, [master_pw, sentinel_pw])
    g.ping()
    c = g.issue_challenge("via-sentinel")
    assert g.authenticate(key_a, *signed(c, 3), subject="via-sentinel").raw == c
    with pytest.raises(ChallengeMismatch):
        g.authenticate(key_a, *signed(c, 4), subject="via-sentinel")
    keys = subprocess.run(["redis-cli", "-p", str(master.port), "-a", master_pw, "--no-auth-warning", "-n", "2",
                           "KEYS", "sent:*"], capture_output=True, text=True).stdout
    assert "sent:{" in keys  # on the master Sentinel named, in db 2
    g.close()
    # Wrong passwords: the errors name neither the given nor the real ones.
    for kwargs in ({"password": "wr/ong?pw#1@x", "sentinel_password": sentinel_pw},
                   {"password": master_pw, "sentinel_password": "wr/ong?spw#2@x"}):
        with ReplayGuard.redis_sentinel([sentinel.url], "mymaster", timeout=0.5, **kwargs) as bad:
            _assert_hidden(repr(bad), [master_pw, sentinel_pw, *kwargs.values()])
            with pytest.raises(StoreUnavailable) as info:
                bad.issue_challenge("x")
            _assert_hidden(str(info.value) + repr(info.value), [master_pw, sentinel_pw, *kwargs.values()])


def test_sentinel_guard_follows_a_failover(redis_server: RedisServer, key_a: Any) -> None:
    """A master, a replica and one Sentinel (quorum 1, so that it can fail over alone): the master
    dies, Sentinel promotes the replica, and the same guard serves again, without accepting a
    result it accepted before (wait_replicas=1 made sure the replica had it)."""
    master = redis_server
    master.cli("CONFIG", "SET", "repl-diskless-sync-delay", "0")
    replica = RedisServer(_free_port(), "--replicaof", "127.0.0.1", str(master.port))
    sentinel = None
    try:
        deadline = time.monotonic() + 10
        while "master_link_status:up" not in replica.cli("INFO", "replication"):
            assert time.monotonic() < deadline, "the replica did not connect"
            time.sleep(0.05)
        sentinel = SentinelServer(master.port, quorum=1)
        durable = ReplayGuard.redis_sentinel([sentinel.url], "mymaster", timeout=2.0, wait_replicas=1)
        g = ReplayGuard.redis_sentinel([sentinel.url], "mymaster", timeout=2.0)
        c = durable.issue_challenge("failover")
        before = signed(c, 10)
        assert durable.authenticate(key_a, *before, subject="failover").raw == c
        g.ping()  # g knows the old master and holds a connection to it
        master.stop()
        t = time.monotonic()
        while True:
            try:
                g.ping()
                break
            except StoreUnavailable:
                assert time.monotonic() - t < 30, "the guard did not follow the failover"
                time.sleep(0.1)
        print(f"sentinel failover: the same guard served again after {time.monotonic() - t:.1f} s")
        assert str(replica.port) in sentinel.cli("SENTINEL", "get-master-addr-by-name", "mymaster")
        with pytest.raises(ChallengeMismatch):  # accepted before the failover: not again
            g.authenticate(key_a, *before, subject="failover")
        c = g.issue_challenge("failover")
        assert g.authenticate(key_a, *signed(c, 11), subject="failover").raw == c
        c = durable.issue_challenge("failover")
        with pytest.raises(StoreUnavailable, match="wait_replicas"):  # the new master has no replica
            durable.authenticate(key_a, *signed(c, 12), subject="failover")
        g.close()
        durable.close()
    finally:
        if sentinel is not None:
            sentinel.close()
        replica.close()


# ---- d: passwords with reserved characters --------------------------------------------------

_RESERVED = "/?#@:%+&="


def _fragments(password: str) -> list[str]:
    """The password and each run of 3+ ordinary characters in it."""
    parts = [password]
    run = ""
    for ch in password + "/":
        if ch in _RESERVED:
            if len(run) >= 3:
                parts.append(run)
            run = ""
        else:
            run += ch
    return parts


def _assert_hidden(text: str, passwords: list[str]) -> None:
    for pw in passwords:
        for part in _fragments(pw):
            assert part not in text, f"{part!r} (from a password) shows in: {text}"


def _generated_passwords() -> list[str]:
    """Generated passwords holding every reserved character at random places. URL parsers take
    what follows an ``@`` up to a ``/ ? #`` for the host: that part is made a loopback address
    (127.0.0.2 and up, port 1), so that no test ever looks a name up or leaves the machine, and
    a message naming that "host" still shows a part of the password."""
    rng = random.Random(19)
    out = ["S3cr/etPw+q9"]
    for n in range(12):
        chars = [rng.choice(string.ascii_letters + string.digits) for _ in range(18)]
        for ch in "/?#@:":
            chars.insert(rng.randrange(len(chars) + 1), ch)
        # A letter first: with no "@" before the first "/ ? #", parsers read the start as a
        # port after "user:", and a port with a letter is refused before any lookup.
        pw = rng.choice(string.ascii_letters) + "".join(chars)
        end = min((i for i, ch in enumerate(pw) if ch in "/?#"), default=len(pw))
        at = pw.rfind("@", 0, end)
        if at >= 0:
            pw = f"{pw[:at + 1]}127.0.0.{n + 2}:1{pw[end:]}"
        assert all(ch in pw for ch in "/?#@:"), pw
        out.append(pw)
    return out


def _use_or_refuse(make: Any, passwords: list[str]) -> str:
    """Build a guard with ``make``; it is refused (ConfigError) or made and then fails to reach
    port 1 (StoreUnavailable). Returns every text the user could see."""
    try:
        g = make()
    except ConfigError as exc:
        return f"{exc} {exc!r} {exc.message}"
    seen = repr(g)
    with g:
        with pytest.raises(StoreUnavailable) as info:
            g.issue_challenge("pw")
        seen += f" {info.value} {info.value!r}"
        with pytest.raises(StoreUnavailable) as info:
            g.ping()
        seen += f" {info.value} {info.value!r}"
    return seen


def _urls(password: str) -> list[str]:
    return [
        f"redis://:{password}@127.0.0.1:1/0",
        f"redis://user:{password}@127.0.0.1:1",
        f"rediss://:{password}@127.0.0.1:1/0",
        f"redis://127.0.0.1:1/0?password={password}",
    ]


@pytest.mark.parametrize("password", _generated_passwords())
def test_passwords_with_reserved_characters_stay_hidden(password: str) -> None:
    seen = ""
    for url in _urls(password):
        seen += _use_or_refuse(lambda: ReplayGuard.redis(url, timeout=0.2), [password])
        seen += _use_or_refuse(lambda: ReplayGuard.redis_sentinel([url], "mymaster", timeout=0.2), [password])
    seen += _use_or_refuse(
        lambda: ReplayGuard.redis_sentinel(["redis://127.0.0.1:1"], "mymaster", password=password,
                                           sentinel_password=password[::-1], timeout=0.2),
        [password],
    )
    _assert_hidden(seen, [password, password[::-1]])
    assert "127.0.0.1" in seen  # the texts were looked at, and they say where
    assert "lookup" not in seen  # no name was looked up: loopback only


def test_cluster_passwords_with_reserved_characters_stay_hidden() -> None:
    leaks = []
    for password in _generated_passwords():
        for url in _urls(password):
            seen = _use_or_refuse(lambda: ReplayGuard.redis_cluster([url], timeout=0.2), [password])
            assert "lookup" not in seen  # loopback only
            try:
                _assert_hidden(seen, [password])
            except AssertionError as exc:
                leaks.append(str(exc)[:200])
    assert leaks == []
