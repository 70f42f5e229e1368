"""soter_verify.aio: every method against the memory guard, real Redis and the emulator; the event
loop never blocked by I/O (a ticker measures its lag); cancellation; the pool's bound; no use of
the loop's default executor. Plain ``asyncio.run`` tests: no asyncio plugin needed."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import threading
import time
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

import pytest

import soter_verify as S
from soter_verify import CertInfo, ReplayGuard, WeChatClient
from soter_verify.aio import DEFAULT_MAX_CONCURRENCY, AsyncReplayGuard, AsyncWeChatClient
from soter_verify.testing import POOL_SIZE, Device, TestKeyPair, WeChatEmulator

from conftest import RedisServer

T = TypeVar("T")
OPENID = "o_async"
VERIFY = "/cgi-bin/soter/verify_signature"
NAME, ID_NUMBER = "张三", "110101199003074530"


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        # Any use of the loop's default executor fails the test: I/O goes to the library's pool.
        asyncio.get_running_loop().set_default_executor(_Forbidden())
        return await coro

    return asyncio.run(main())


class _Forbidden(concurrent.futures.ThreadPoolExecutor):
    def submit(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        raise AssertionError("the loop's default executor was used")


async def max_lag(during: Awaitable[T], tick: float = 0.005) -> tuple[T, float]:
    """Await ``during`` while a ticker measures the event loop's worst lag (seconds late)."""
    worst = 0.0
    stop = False

    async def ticker() -> None:
        nonlocal worst
        while not stop:
            before = time.perf_counter()
            await asyncio.sleep(tick)
            worst = max(worst, time.perf_counter() - before - tick)

    t = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        result = await during
    finally:
        stop = True
        await t
    return result, worst


@pytest.fixture
def emu() -> Iterator[WeChatEmulator]:
    with WeChatEmulator() as e:
        yield e


@pytest.fixture
def device(emu: WeChatEmulator) -> Device:
    d = Device.from_pool()
    emu.register_device(OPENID, d.public_key_pem)
    return d


def login(device: Device, challenge: str) -> tuple[bytes, str]:
    return device.sign_result(challenge)


async def guard_round_trip(guard: AsyncReplayGuard, wechat: AsyncWeChatClient, device: Device, user: str) -> None:
    """Every guard method, through the async face."""
    await guard.ping()
    assert await guard.last_counter(user, device.cpu_id, device.uid) is None
    doc, sig = login(device, await guard.issue_challenge(user))
    r = await guard.authenticate(device.public_key, doc, sig, subject=user, cpu_id=device.cpu_id, uid=device.uid)
    assert await guard.last_counter(user, device.cpu_id, device.uid) == r.counter
    with pytest.raises(S.ChallengeMismatch):  # the same result again: its challenge is used
        await guard.authenticate(device.public_key, doc, sig, subject=user)
    doc, sig = login(device, await guard.issue_challenge(user))
    r2 = await guard.authenticate_via_wechat(wechat, OPENID, doc, sig, subject=user, cpu_id=device.cpu_id)
    assert r2.counter > r.counter
    doc, sig = login(device, await guard.issue_challenge(user))
    r3 = await guard.authenticate_via_wechat(wechat.sync, OPENID, doc, sig, subject=user)  # a sync client too
    doc, _ = login(device, await guard.issue_challenge(user))
    r4 = await guard.accept(doc, subject=user, uid=device.uid)
    assert r4.counter > r3.counter > r2.counter
    assert await guard.last_counter(user, device.cpu_id, device.uid) == r4.counter
    doc, _ = login(device, await guard.issue_challenge(user))
    _, other_sig = login(device, await guard.issue_challenge(user))
    with pytest.raises(S.SignatureInvalid):  # WeChat says no: no state touched
        await guard.authenticate_via_wechat(wechat, OPENID, doc, other_sig, subject=user)


def test_memory_guard_every_method(emu: WeChatEmulator, device: Device) -> None:
    async def main() -> None:
        async with AsyncReplayGuard(max_challenges_per_subject=4) as guard, emu.async_client() as wechat:
            assert guard.max_concurrency == DEFAULT_MAX_CONCURRENCY == 64
            assert "MemoryStore" in repr(guard)
            await guard_round_trip(guard, wechat, device, "user-mem")
        assert guard.closed and wechat.closed
        with pytest.raises(ValueError, match="closed"):
            await guard.issue_challenge("u")
        with pytest.raises(ValueError, match="closed"):
            await wechat.soter_verify_signature(OPENID, b"{}", "sig")
        await guard.aclose()  # twice: no-op

    run(main())


def test_redis_guard_every_method(emu: WeChatEmulator, device: Device, redis_server: RedisServer) -> None:
    async def main() -> None:
        async with AsyncReplayGuard.redis(redis_server.url, prefix="aio:", max_concurrency=4) as guard, \
                emu.async_client(max_idle_connections=4) as wechat:
            assert guard.max_concurrency == 4
            await guard_round_trip(guard, wechat, device, "user-redis")
        # The state is Redis's: a sync guard on it sees the counter.
        with ReplayGuard.redis(redis_server.url, prefix="aio:") as sync:
            assert sync.last_counter("user-redis", device.cpu_id, device.uid) is not None

    run(main())


def test_redis_cluster_and_sentinel_constructors(emu: WeChatEmulator, device: Device, redis_cluster: list[str]) -> None:
    async def main() -> None:
        async with AsyncReplayGuard.redis_cluster(redis_cluster, prefix="aioc:") as guard, emu.async_client() as wechat:
            await guard_round_trip(guard, wechat, device, "user-cluster")
        # No Sentinel on this port: the constructor connects on first use, and ping says so.
        async with AsyncReplayGuard.redis_sentinel(["redis://127.0.0.1:1"], "mymaster", timeout=0.2,
                                                   password="pw-never-shown") as sentinel:
            assert "pw-never-shown" not in repr(sentinel)
            with pytest.raises(S.StoreUnavailable):
                await sentinel.ping()

    run(main())


def test_guard_face_steps(emu: WeChatEmulator) -> None:
    """The guard's face steps as coroutines, with an async or a sync client."""
    emu.register_person("o_face_g", NAME, ID_NUMBER)

    async def main() -> None:
        async with AsyncReplayGuard() as guard, emu.async_client() as wechat:
            ticket = emu.issue_verify_result("o_face_g")
            with await guard.face_get_info(wechat, ticket, "o_face_g") as info:
                assert info.passed_for(NAME, ID_NUMBER)
            with pytest.raises(S.ChallengeMismatch):
                await guard.face_get_info(wechat.sync, ticket, "o_face_g")  # used once
            cert = CertInfo(NAME, ID_NUMBER)
            session = await guard.face_start(wechat, "o_face_g", cert)
            with pytest.raises(S.ChallengeMismatch):
                await guard.face_finish(wechat, session.verify_id, "someone-else", cert)
            assert (await guard.face_finish(wechat, session.verify_id, "o_face_g", cert)).passed
            with pytest.raises(S.ChallengeMismatch):
                await guard.face_finish(wechat, session.verify_id, "o_face_g", cert)  # used up

    run(main())


def test_wechat_client_every_method(emu: WeChatEmulator, device: Device) -> None:
    emu.register_person("o_face", NAME, ID_NUMBER)
    emu.register_model("HUAWEI-ELS-AN00", 3)

    async def main() -> None:
        async with emu.async_client() as c:
            assert c.appid == emu.appid and "secret" not in repr(c).lower().replace("appid", "")
            doc, sig = device.sign_result(S.new_challenge())
            assert await c.soter_verify_signature(OPENID, doc, sig) is True
            assert await c.soter_is_support("HUAWEI-ELS-AN00") == (True, 3)
            with await c.face_get_info(emu.issue_verify_result("o_face")) as info:
                assert info.passed_for(NAME, ID_NUMBER)
            cert = CertInfo(NAME, ID_NUMBER)
            session = await c.face_get_verify_id("seq-a1", cert, "o_face")
            result = await c.face_query_verify_info(session.verify_id, "seq-a1", cert, "o_face")
            assert result.passed
            with pytest.raises(S.WeChatApiError):
                await c.face_get_info("not-a-ticket")
            with TestKeyPair.generate() as ask_key, TestKeyPair.generate() as attk:
                emu.register_attk(attk.public_key_pem)
                ask_json, ask_sig = device.classic_ask(ask_key, attk)
                with await c.soter_verify_ask(ask_json, ask_sig) as ask:
                    assert ask.cpu_id == device.cpu_id
            assert c.stats().token_fetches == 1
            c.clear_token()
            assert await c.soter_verify_signature(OPENID, doc, sig)
            assert c.stats().token_fetches == 2
        emu.add_token("fixed-token-aio")
        async with emu.async_client(token_source=S.FixedToken("fixed-token-aio")) as fixed:
            fixed.set_fixed_token("fixed-token-aio")
            assert await fixed.soter_verify_signature(OPENID, doc, sig)

    run(main())
    # wrap(): an async face over an existing client, sharing it.
    with emu.client() as sync:
        wrapped = AsyncWeChatClient.wrap(sync, max_concurrency=2)
        assert wrapped.sync is sync and wrapped.max_concurrency == 2
        doc, sig = device.sign_result(S.new_challenge())
        assert run(wrapped.soter_verify_signature(OPENID, doc, sig))
    with pytest.raises(TypeError):
        AsyncWeChatClient.wrap(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_concurrency"):
        emu.async_client(max_concurrency=0)


def test_guard_wrap_keeps_the_store_kind() -> None:
    with ReplayGuard() as mem:
        g = AsyncReplayGuard.wrap(mem)
        assert g._inline and g.sync is mem
        assert len(run(g.issue_challenge("u"))) == 43
    with ReplayGuard.redis("redis://127.0.0.1:1", timeout=0.2) as r:
        assert not AsyncReplayGuard.wrap(r)._inline


def test_a_delayed_wechat_does_not_block_the_loop(emu: WeChatEmulator, device: Device) -> None:
    emu.inject_fault("delay", 1, path=VERIFY, delay=0.4)
    doc, sig = device.sign_result(S.new_challenge())

    async def main() -> None:
        async with emu.async_client() as c:
            t0 = time.perf_counter()
            ok, lag = await max_lag(c.soter_verify_signature(OPENID, doc, sig))
            assert ok and time.perf_counter() - t0 >= 0.4
            # Blocking would be 400 ms late; a loaded CI machine is allowed some scheduling noise.
            assert lag < 0.2, f"the event loop lagged {lag * 1000:.0f} ms"

    run(main())


def test_a_stalled_redis_does_not_block_the_loop(redis_server: RedisServer) -> None:
    async def main() -> tuple[float, float]:
        async with AsyncReplayGuard.redis(redis_server.url, timeout=0.4) as guard:
            await guard.ping()  # connected before the stall
            assert redis_server.proc is not None
            os.kill(redis_server.proc.pid, signal.SIGSTOP)
            try:
                async def stalled() -> None:
                    with pytest.raises(S.StoreUnavailable):
                        await guard.issue_challenge("u")

                t0 = time.perf_counter()
                _, lag = await max_lag(stalled())
                return time.perf_counter() - t0, lag
            finally:
                os.kill(redis_server.proc.pid, signal.SIGCONT)

    took, lag = run(main())
    assert took >= 0.3, f"Redis was stalled, yet the call took {took:.3f} s"
    # Blocking would lag by the whole 400 ms stall; half of it is left to a loaded machine's noise.
    assert lag < 0.2, f"the event loop lagged {lag * 1000:.0f} ms while Redis was stalled"


def test_cancellation_is_immediate_and_the_consumed_challenge_stays_consumed(redis_server: RedisServer) -> None:
    device = Device.from_pool()

    async def main() -> None:
        async with AsyncReplayGuard.redis(redis_server.url, timeout=3) as guard:
            challenge = await guard.issue_challenge("u")
            doc, sig = device.sign_result(challenge)
            assert redis_server.proc is not None
            os.kill(redis_server.proc.pid, signal.SIGSTOP)  # the call waits inside Redis
            try:
                task = asyncio.create_task(guard.authenticate(device.public_key, doc, sig, subject="u"))
                await asyncio.sleep(0.1)
                t0 = time.perf_counter()
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                # Not waiting for Redis would take the whole 3 s timeout; 0.5 s leaves room for noise.
                assert time.perf_counter() - t0 < 0.5, "CancelledError at once"
            finally:
                os.kill(redis_server.proc.pid, signal.SIGCONT)
            # The native call finishes in the background and consumes the challenge.
            deadline = time.monotonic() + 3
            while await guard.last_counter("u", device.cpu_id, device.uid) is None:
                assert time.monotonic() < deadline, "the cancelled call never completed"
                await asyncio.sleep(0.01)
            with pytest.raises(S.ChallengeMismatch):
                await guard.authenticate(device.public_key, doc, sig, subject="u")

    run(main())


def test_a_cancelled_call_still_queued_never_runs(emu: WeChatEmulator, device: Device) -> None:
    emu.inject_fault("delay", 1, path=VERIFY, delay=0.3)
    doc, sig = device.sign_result(S.new_challenge())

    async def main() -> None:
        async with emu.async_client(max_concurrency=1) as c:
            first = asyncio.create_task(c.soter_verify_signature(OPENID, doc, sig))
            await asyncio.sleep(0.05)
            queued = asyncio.create_task(c.soter_verify_signature(OPENID, doc, sig))
            await asyncio.sleep(0.05)
            queued.cancel()
            with pytest.raises(asyncio.CancelledError):
                await queued
            assert await first
            await asyncio.sleep(0.1)

    run(main())
    assert emu.requests_to(VERIFY) == 1


def test_concurrency_is_bounded_by_max_concurrency(emu: WeChatEmulator, device: Device) -> None:
    doc, sig = device.sign_result(S.new_challenge())

    async def wave(c: AsyncWeChatClient) -> float:
        await c.soter_verify_signature(OPENID, doc, sig)  # the token first, outside the timing
        emu.inject_fault("delay", None, path=VERIFY, delay=0.2)
        try:
            t0 = time.perf_counter()
            results, lag = await max_lag(asyncio.gather(*(c.soter_verify_signature(OPENID, doc, sig) for _ in range(9))))
            assert all(results) and lag < 0.1
            return time.perf_counter() - t0
        finally:
            emu.clear_faults()

    async def main() -> tuple[float, float]:
        async with emu.async_client(max_concurrency=3) as bounded, emu.async_client(max_concurrency=9) as wide:
            return await wave(bounded), await wave(wide)

    bounded, wide = run(main())
    assert bounded >= 0.55, f"9 calls, 3 at a time, 200 ms each: three waves, not {bounded:.3f} s"
    assert wide < 0.5, f"9 calls, 9 at a time: one wave, not {wide:.3f} s"


def test_inline_memory_calls_never_touch_a_pool() -> None:
    async def main() -> None:
        async with AsyncReplayGuard() as guard:
            await guard.issue_challenge("u")
            await guard.ping()
            assert guard._pool is None  # CPU-only: run on the loop's thread

    run(main())


def test_max_idle_connections_option(emu: WeChatEmulator, device: Device) -> None:
    for bad in (0, 4097, -1):
        with pytest.raises(S.InvalidArgument, match="max_idle_connections"):
            WeChatClient(emu.appid, emu.secret, base_url=emu.base_url, max_idle_connections=bad)
    with pytest.raises(TypeError):
        WeChatClient(emu.appid, emu.secret, base_url=emu.base_url, max_idle_connections=True)
    doc, sig = device.sign_result(S.new_challenge())
    with emu.client(max_idle_connections=1) as c:
        assert c.soter_verify_signature(OPENID, doc, sig)


def test_device_pool_hands_out_shared_devices_in_turn() -> None:
    first = [Device.from_pool() for _ in range(POOL_SIZE)]
    assert len({d.uid + d.cpu_id for d in first}) == POOL_SIZE
    t0 = time.perf_counter()
    again = [Device.from_pool() for _ in range(POOL_SIZE)]
    assert time.perf_counter() - t0 < 0.05, "a warm pool generates no key"
    assert sorted(id(d) for d in again) == sorted(id(d) for d in first)
    with again[0] as d:
        pass
    assert not d.closed  # shared: close() is a no-op
    guard = ReplayGuard()
    c1 = guard.issue_challenge("u")
    doc, sig = d.sign_result(c1)
    guard.authenticate(d.public_key, doc, sig, subject="u", cpu_id=d.cpu_id, uid=d.uid)


def test_the_user_service_module_runs() -> None:
    """tests/aio_service.py is what run-tests.sh type-checks with mypy --strict as a user's
    module; it must also work."""
    import aio_service

    run(aio_service.demo())



def test_pool_threads_are_never_started_on_the_loop(emu: WeChatEmulator, device: Device,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Thread.start waits for the new thread to run (ms each on a busy machine): a burst on a
    cold pool must not pay that on the event loop's thread."""
    starters: list[int] = []
    real_start = threading.Thread.start

    def start(self: threading.Thread) -> None:
        if self.name.startswith("soter-"):
            starters.append(threading.get_ident())
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    doc, sig = device.sign_result(S.new_challenge())
    emu.inject_fault("delay", None, path=VERIFY, delay=0.1)

    async def main() -> int:
        async with emu.async_client(max_concurrency=16) as c:
            assert all(await asyncio.gather(*(c.soter_verify_signature(OPENID, doc, sig) for _ in range(16))))
        return threading.get_ident()

    loop_thread = run(main())
    assert len(starters) >= 8, f"16 overlapping calls started {len(starters)} workers"
    assert loop_thread not in starters


def test_a_forked_child_gets_a_pool_of_its_own(redis_server: RedisServer) -> None:
    """A pool's threads do not survive fork: the child's first I/O call makes a new pool."""
    guard = AsyncReplayGuard.redis(redis_server.url, max_concurrency=2)
    run(guard.ping())  # the parent's pool exists
    parent_pool = guard._pool
    pid = os.fork()
    if pid == 0:  # the child: report through the exit status only
        code = 1
        try:
            challenge = run(guard.issue_challenge("child"))
            code = 0 if len(challenge) == 43 and guard._pool is not parent_pool else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert guard._pool is parent_pool
    run(guard.aclose())
