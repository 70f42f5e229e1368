"""soter_verify.aio against the blocking calls, in one process.

Figures, each printed on one line (benches/run.py parses them):

- ``aio_authenticate: sync X us, awaited Y us, extra Z us``: ``ReplayGuard().authenticate``
  (memory) called directly, and ``await AsyncReplayGuard().authenticate`` from a coroutine on
  a running loop; medians of interleaved calls, each with its own challenge (target: at most
  30 us extra).
- ``aio_wechat: N calls, delay D ms, total T s, max loop lag L ms``: N concurrent awaited
  ``soter_verify_signature`` against the emulator answering each after D ms, with a ticker
  measuring the event loop's worst lag meanwhile (targets: under 1.5 s, lag under 50 ms).

    python bindings/python/bench/bench_aio.py [--calls 1000] [--concurrent 100] [--delay-ms 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from soter_verify import ReplayGuard, new_challenge
from soter_verify.aio import AsyncReplayGuard
from soter_verify.testing import Device, WeChatEmulator


async def authenticate_figures(calls: int) -> tuple[float, float]:
    device = Device.from_pool()
    key = device.public_key
    sync = ReplayGuard()
    aguard = AsyncReplayGuard()
    # Signed beforehand (the device's signing is not what is measured); one challenge per call.
    work = []
    for i in range(2 * calls):
        guard = sync if i % 2 == 0 else aguard.sync
        # A subject per call: a subject keeps only its 16 newest pending challenges.
        doc, sig = device.sign_result(guard.issue_challenge(f"u{i}"))
        work.append((doc.decode(), sig))
    sync_ns: list[int] = []
    async_ns: list[int] = []
    for i in range(calls):
        doc, sig = work[2 * i]
        t0 = time.perf_counter_ns()
        sync.authenticate(key, doc, sig, subject=f"u{2 * i}", cpu_id=device.cpu_id, uid=device.uid)
        sync_ns.append(time.perf_counter_ns() - t0)
        doc, sig = work[2 * i + 1]
        t0 = time.perf_counter_ns()
        await aguard.authenticate(key, doc, sig, subject=f"u{2 * i + 1}", cpu_id=device.cpu_id, uid=device.uid)
        async_ns.append(time.perf_counter_ns() - t0)
    sync.close()
    await aguard.aclose()
    return statistics.median(sync_ns) / 1000, statistics.median(async_ns) / 1000


async def wechat_figures(n: int, delay_ms: int) -> tuple[float, float]:
    with WeChatEmulator() as emu:
        device = Device.from_pool()
        emu.register_device("o_bench", device.public_key_pem)
        doc, sig = device.sign_result(new_challenge())
        async with emu.async_client(max_concurrency=max(64, n), max_idle_connections=max(64, n)) as client:
            assert await client.soter_verify_signature("o_bench", doc, sig)  # the token, outside the timing
            emu.inject_fault("delay", None, path="/cgi-bin/soter/verify_signature", delay=delay_ms / 1000)
            worst = 0.0
            done = False

            async def ticker() -> None:
                nonlocal worst
                while not done:
                    t = time.perf_counter()
                    await asyncio.sleep(0.005)
                    worst = max(worst, time.perf_counter() - t - 0.005)

            tick = asyncio.create_task(ticker())
            t0 = time.perf_counter()
            results = await asyncio.gather(*(client.soter_verify_signature("o_bench", doc, sig) for _ in range(n)))
            total = time.perf_counter() - t0
            done = True
            await tick
            assert all(results)
            return total, worst * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--concurrent", type=int, default=100)
    ap.add_argument("--delay-ms", type=int, default=200)
    args = ap.parse_args()
    sync_us, async_us = asyncio.run(authenticate_figures(args.calls))
    print(f"aio_authenticate: sync {sync_us:.2f} us, awaited {async_us:.2f} us, extra {async_us - sync_us:.2f} us")
    total, lag_ms = asyncio.run(wechat_figures(args.concurrent, args.delay_ms))
    print(f"aio_wechat: {args.concurrent} calls, delay {args.delay_ms} ms, total {total:.3f} s, max loop lag {lag_ms:.1f} ms")


if __name__ == "__main__":
    main()
