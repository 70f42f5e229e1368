"""ReplayGuard: the same verdicts on memory, a real Redis and a real three-master Cluster;
processes racing; Redis going away and coming back; passwords kept out of repr and errors."""

from __future__ import annotations

import gc
import multiprocessing
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from conftest import RedisServer, result_json
from soter_test_keys import KEY_A
from soter_verify import (
    ChallengeMismatch,
    ConfigError,
    CounterReplay,
    DeviceMismatch,
    InvalidArgument,
    InvalidInput,
    InvalidJson,
    PublicKey,
    ReplayGuard,
    SignatureInvalid,
    StoreUnavailable,
)

CPU, UID = "cpu-0001", "10115"


def signed(raw: str, counter: int, cpu_id: str = CPU, uid: str = UID) -> tuple[bytes, bytes]:
    doc = result_json(raw=raw, counter=counter, cpu_id=cpu_id, uid=uid)
    return doc, KEY_A.sign(doc)


@pytest.fixture(params=["memory", "redis", "cluster"])
def guard(request: pytest.FixtureRequest) -> Iterator[ReplayGuard]:
    if request.param == "memory":
        g = ReplayGuard()
    elif request.param == "redis":
        server: RedisServer = request.getfixturevalue("shared_redis")
        server.cli("FLUSHALL")
        g = ReplayGuard.redis(server.url)
    else:
        nodes: list[str] = request.getfixturevalue("redis_cluster")
        g = ReplayGuard.redis_cluster(nodes, prefix=f"t{time.monotonic_ns()}:")
    with g:
        yield g


def test_valid_then_replayed(guard: ReplayGuard, key_a: PublicKey, key_b: PublicKey) -> None:
    c = guard.issue_challenge("user-42", ttl=300)
    doc, sig = signed(c, 10)
    with pytest.raises(SignatureInvalid):
        guard.authenticate(key_b, doc, sig, subject="user-42")
    with pytest.raises(SignatureInvalid):
        guard.authenticate(key_a, doc.replace(b'"counter":10', b'"counter":11'), sig, subject="user-42")
    assert guard.last_counter("user-42", CPU, UID) is None
    r = guard.authenticate(key_a, doc, sig, subject="user-42", cpu_id=CPU, uid=UID)
    assert (r.raw, r.counter) == (c, 10)
    assert guard.last_counter("user-42", CPU, UID) == 10
    with pytest.raises(ChallengeMismatch):
        guard.authenticate(key_a, doc, sig, subject="user-42", cpu_id=CPU, uid=UID)


def test_other_subject_unknown_and_expired(guard: ReplayGuard, key_a: PublicKey) -> None:
    c = guard.issue_challenge("alice")
    doc, sig = signed(c, 1)
    with pytest.raises(ChallengeMismatch):
        guard.authenticate(key_a, doc, sig, subject="mallory")
    assert guard.authenticate(key_a, doc, sig, subject="alice").counter == 1
    with pytest.raises(ChallengeMismatch):
        guard.authenticate(key_a, *signed("x" * 43, 2), subject="alice")
    c = guard.issue_challenge("alice", ttl=0.1)
    time.sleep(0.25)
    with pytest.raises(ChallengeMismatch):
        guard.authenticate(key_a, *signed(c, 3), subject="alice")


def test_counters_equal_lower_and_second_device(guard: ReplayGuard, key_a: PublicKey) -> None:
    s = "counters"
    assert guard.authenticate(key_a, *signed(guard.issue_challenge(s), 20), subject=s).counter == 20
    c = guard.issue_challenge(s)
    with pytest.raises(CounterReplay):
        guard.authenticate(key_a, *signed(c, 20), subject=s)
    with pytest.raises(ChallengeMismatch):  # consumed by the refused replay
        guard.authenticate(key_a, *signed(c, 21), subject=s)
    with pytest.raises(CounterReplay):
        guard.authenticate(key_a, *signed(guard.issue_challenge(s), 19), subject=s)
    assert guard.last_counter(s, CPU, UID) == 20
    second = signed(guard.issue_challenge(s), 5, cpu_id="cpu-0002")
    assert guard.authenticate(key_a, *second, subject=s).counter == 5
    assert guard.last_counter(s, "cpu-0002", UID) == 5
    assert guard.last_counter(s, CPU, UID) == 20


def test_device_mismatch_consumes_the_challenge(guard: ReplayGuard, key_a: PublicKey) -> None:
    c = guard.issue_challenge("dev")
    doc, sig = signed(c, 30)
    with pytest.raises(DeviceMismatch):
        guard.authenticate(key_a, doc, sig, subject="dev", cpu_id="someone-else")
    with pytest.raises(ChallengeMismatch):
        guard.authenticate(key_a, doc, sig, subject="dev", cpu_id=CPU)
    with pytest.raises(DeviceMismatch):
        guard.authenticate(key_a, *signed(guard.issue_challenge("dev"), 31), subject="dev", uid="0")
    assert guard.last_counter("dev", CPU, UID) is None


def test_accept_and_big_counters(guard: ReplayGuard) -> None:
    big = 2**60
    assert guard.accept(result_json(raw=guard.issue_challenge("acc"), counter=big), subject="acc").counter == big
    with pytest.raises(CounterReplay):
        guard.accept(result_json(raw=guard.issue_challenge("acc"), counter=big), subject="acc")
    with pytest.raises(InvalidJson):
        guard.accept(b'{"raw":', subject="acc")
    top = 2**64 - 1
    assert guard.accept(result_json(raw=guard.issue_challenge("acc"), counter=top), subject="acc").counter == top
    assert guard.last_counter("acc", CPU, UID) == top


def test_threads_race_one_result(guard: ReplayGuard, key_a: PublicKey) -> None:
    doc, sig = signed(guard.issue_challenge("race"), 40)
    barrier = threading.Barrier(8)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            return str(guard.authenticate(key_a, doc, sig, subject="race").counter)
        except ChallengeMismatch:
            return "ChallengeMismatch"

    with ThreadPoolExecutor(8) as pool:
        verdicts = list(pool.map(attempt, range(8)))
    assert sorted(verdicts) == ["40"] + ["ChallengeMismatch"] * 7


def test_bad_arguments(guard: ReplayGuard, key_a: PublicKey) -> None:
    with pytest.raises(InvalidInput):
        guard.issue_challenge("")
    with pytest.raises(InvalidArgument):
        guard.issue_challenge("u", ttl=0)
    with pytest.raises(InvalidArgument):
        guard.issue_challenge("u", ttl=2 * 86400)
    with pytest.raises(TypeError):
        guard.issue_challenge(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        guard.authenticate("not a key", b"{}", b"", subject="u")  # type: ignore[arg-type]


# ---- the mini-program path ----------------------------------------------------------------


def test_authenticate_via_wechat() -> None:
    from soter_verify.testing import Device, WeChatEmulator

    dev = Device()
    with WeChatEmulator("wxguard", "guard-secret") as emu, emu.client() as client, ReplayGuard() as g:
        emu.register_device("o_guard", dev.public_key_pem)
        c = g.issue_challenge("mini")
        doc, sig = dev.sign_result(c)
        forged = doc.replace(b'"fid":"', b'"fid":"9')
        with pytest.raises(SignatureInvalid):
            g.authenticate_via_wechat(client, "o_guard", forged, sig, subject="mini")
        r = g.authenticate_via_wechat(client, "o_guard", doc, sig, subject="mini", cpu_id=dev.cpu_id)
        assert r.raw == c
        with pytest.raises(ChallengeMismatch):
            g.authenticate_via_wechat(client, "o_guard", doc, sig, subject="mini")


# ---- memory: bounds, lifecycle --------------------------------------------------------------


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_memory_bound_refuses_and_stays_flat() -> None:
    with ReplayGuard(max_challenges=2000) as full:
        for i in range(1999):
            full.issue_challenge(f"u{i}", ttl=300)
        full.issue_challenge("short", ttl=0.5)
        with pytest.raises(StoreUnavailable, match="maximum of 2000 pending challenges"):
            full.issue_challenge("one-more")
        time.sleep(0.6)
        full.issue_challenge("one-more")  # the expired one made room
    with ReplayGuard(max_challenges=2000) as g:

        def rounds(start: int, n: int) -> None:
            for i in range(start, start + n):
                s = f"u{i % 3000}"
                c = g.issue_challenge(s, ttl=60)
                g.accept(result_json(raw=c, counter=i + 1), subject=s)
                if i % 10 == 0:
                    g.issue_challenge(s, ttl=0.001)  # never used: expiry must drop it

        rounds(0, 20_000)
        gc.collect()
        before = _rss_kib()
        rounds(20_000, 60_000)
        gc.collect()
        grown = _rss_kib() - before
        assert grown < 4096, f"RSS grew by {grown} KiB over 60 000 authentications"


def test_close_and_context_manager() -> None:
    g = ReplayGuard()
    assert "MemoryStore" in repr(g)
    g.close()
    g.close()
    assert g.closed and "closed" in repr(g)
    with pytest.raises(ValueError):
        g.issue_challenge("u")
    with pytest.raises(InvalidArgument):
        ReplayGuard(max_challenges=0)


# ---- Redis only: processes, faults, passwords, configuration ---------------------------------


def _race_child(target: tuple[str, Any], doc: bytes, sig: bytes, ready: Any, go: Any, out: Any) -> None:
    kind, where = target
    g = ReplayGuard.redis(where) if kind == "redis" else ReplayGuard.redis_cluster(where)
    key = PublicKey.load(KEY_A.pem)
    g.last_counter("warm", "up", "x")  # connected before the start
    ready.release()
    go.wait()
    try:
        out.put(str(g.authenticate(key, doc, sig, subject="proc-race").counter))
    except ChallengeMismatch:
        out.put("ChallengeMismatch")
    except Exception as exc:  # reported, so the parent's assertion shows it
        out.put(repr(exc))


def _race_processes(target: tuple[str, Any], g: ReplayGuard) -> list[str]:
    doc, sig = signed(g.issue_challenge("proc-race"), 900)
    ctx = multiprocessing.get_context("spawn")
    ready, go, out = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_race_child, args=(target, doc, sig, ready, go, out)) for _ in range(8)]
    for p in procs:
        p.start()
    for _ in procs:
        assert ready.acquire(timeout=60), "a racing process did not get ready"
    go.set()
    verdicts = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    return sorted(verdicts)


def test_processes_race_on_redis(shared_redis: RedisServer) -> None:
    with ReplayGuard.redis(shared_redis.url) as g:
        assert _race_processes(("redis", shared_redis.url), g) == ["900"] + ["ChallengeMismatch"] * 7


def test_processes_race_on_cluster(redis_cluster: list[str]) -> None:
    with ReplayGuard.redis_cluster(redis_cluster) as g:
        assert _race_processes(("cluster", redis_cluster), g) == ["900"] + ["ChallengeMismatch"] * 7


def _issue_child(url: str, out: Any) -> None:
    with ReplayGuard.redis(url) as g:
        out.put(g.issue_challenge("two-servers"))


def test_one_process_issues_another_authenticates(shared_redis: RedisServer, key_a: PublicKey) -> None:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    p = ctx.Process(target=_issue_child, args=(shared_redis.url, out))
    p.start()
    challenge = out.get(timeout=60)
    p.join(timeout=30)
    with ReplayGuard.redis(shared_redis.url) as g:
        assert g.authenticate(key_a, *signed(challenge, 500), subject="two-servers").counter == 500


def test_redis_going_away_fails_closed_then_recovers(redis_server: RedisServer, key_a: PublicKey) -> None:
    with ReplayGuard.redis(redis_server.url, timeout=0.3) as g:
        pending = [signed(g.issue_challenge("fault"), 600 + i) for i in range(3)]
        assert g.authenticate(key_a, *pending[0], subject="fault").counter == 600
        redis_server.stop()
        for p in pending[1:]:
            t = time.monotonic()
            with pytest.raises(StoreUnavailable):
                g.authenticate(key_a, *p, subject="fault")
            assert time.monotonic() - t < 1.0
        with pytest.raises(StoreUnavailable):
            g.issue_challenge("fault")
        redis_server.start()
        r = g.authenticate(key_a, *signed(g.issue_challenge("fault"), 700), subject="fault")
        assert r.counter == 700


def test_passwords_stay_out_of_repr_and_errors() -> None:
    require_pw = "py-hunter2-secret"
    g = ReplayGuard.redis(f"redis://:{require_pw}@127.0.0.1:1/0", timeout=0.3)
    assert require_pw not in repr(g) and "***@127.0.0.1:1" in repr(g)
    with pytest.raises(StoreUnavailable) as info:
        g.issue_challenge("pw")
    assert require_pw not in str(info.value) and require_pw not in repr(info.value)
    with pytest.raises(ConfigError) as cfg:
        ReplayGuard.redis(f"redis://:{require_pw}@127.0.0.1:notaport")
    assert require_pw not in str(cfg.value)
    c = ReplayGuard.redis_cluster([f"redis://:{require_pw}@127.0.0.1:1"], timeout=0.3)
    assert require_pw not in repr(c)
    g.close()
    c.close()


def test_password_and_db_from_the_url(redis_server: RedisServer, key_a: PublicKey) -> None:
    redis_server.cli("CONFIG", "SET", "requirepass", "pw-for-db")
    with ReplayGuard.redis(f"redis://:pw-for-db@127.0.0.1:{redis_server.port}/3", prefix="app:") as g:
        assert g.authenticate(key_a, *signed(g.issue_challenge("db"), 1), subject="db").counter == 1
    keys = redis_server.cli("-a", "pw-for-db", "--no-auth-warning", "-n", "3", "KEYS", "app:*")
    assert keys.strip().startswith("app:{")


def test_bad_configuration() -> None:
    with pytest.raises(ConfigError):
        ReplayGuard.redis("redis://127.0.0.1", prefix="a{b}")
    with pytest.raises(InvalidArgument):
        ReplayGuard.redis("redis://127.0.0.1", timeout=0)
    with pytest.raises(InvalidArgument):
        ReplayGuard.redis_cluster([])
    with pytest.raises(TypeError):
        ReplayGuard.redis_cluster("redis://127.0.0.1")

