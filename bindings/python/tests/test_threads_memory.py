"""Concurrency (the GIL is released during native calls) and memory stability."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import soter_verify
from conftest import result_json
from soter_test_keys import KEY_A, KEY_B
from soter_verify import PublicKey


def _cases() -> list[tuple[bytes, bytes, bool]]:
    cases = []
    for i in range(8):
        msg = result_json(raw=f"chal-{i}", counter=i)
        good = KEY_A.sign(msg)
        cases.append((msg, good, True))
        cases.append((msg + b" ", good, False))  # changed message
        cases.append((msg, KEY_B.sign(msg), False))  # other key
    return cases


def test_eight_threads_two_thousand_verifications_each() -> None:
    key = PublicKey.load(KEY_A.pem)
    cases = _cases()
    errors: list[str] = []
    counts = [0] * 8
    start = threading.Barrier(8)

    def worker(t: int) -> None:
        start.wait()
        for i in range(2000):
            msg, sig, expected = cases[(t * 7 + i) % len(cases)]
            got = key.verify(msg, sig)
            if got is not expected:
                errors.append(f"thread {t} call {i}: expected {expected}, got {got}")
            counts[t] += 1

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert counts == [2000] * 8


def test_close_while_other_threads_verify_never_crashes() -> None:
    key = PublicKey.load(KEY_A.pem)
    msg = b"m"
    sig = KEY_A.sign(msg)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(3000):
            try:
                ok = key.verify(msg, sig)
                assert ok
                res = "ok"
            except ValueError:
                res = "closed"
            with lock:
                outcomes.append(res)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    key.close()
    for th in threads:
        th.join()
    assert len(outcomes) == 12000
    assert outcomes.count("ok") + outcomes.count("closed") == 12000
    assert key.closed


def _rss_bytes() -> int:
    statm = Path("/proc/self/statm")
    if not statm.exists():
        pytest.skip("/proc/self/statm is not available on this platform")
    import os

    return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_hundred_thousand_calls_keep_memory_flat() -> None:
    key = PublicKey.load(KEY_A.pem)
    msg = result_json(raw="chal")
    good = KEY_A.sign(msg)
    bad = KEY_B.sign(msg)
    from test_auth_key import auth_key_json

    ak_doc = auth_key_json(KEY_A.pem)
    ak_sig = KEY_B.sign(ak_doc)
    ask = PublicKey.load(KEY_B.pem)

    def round_(i: int) -> None:
        kind = i % 8
        if kind == 0:
            assert key.verify(msg, good)
        elif kind == 1:
            assert not key.verify(msg, bad)  # error object created and freed
        elif kind == 2:
            assert soter_verify.ResultJson.parse(msg).counter == 7
        elif kind == 3:
            try:
                soter_verify.authenticate(key, msg, good, challenge="wrong")
            except soter_verify.ChallengeMismatch:
                pass
        elif kind == 4:
            with PublicKey.load(KEY_A.pem) as k:
                assert k.bits == 2048
        elif kind == 5:
            with soter_verify.verify_auth_key(ask, ak_doc, ak_sig) as ak:
                assert ak.counter == 240
        elif kind == 6:
            assert len(soter_verify.new_challenge()) == 43
        else:
            try:
                soter_verify.ResultJson.parse(b'{"raw":1}')
            except soter_verify.InvalidJson:
                pass

    for i in range(10_000):  # warm-up: allocator pools, caches
        round_(i)
    before = _rss_bytes()
    for i in range(100_000):
        round_(i)
    after = _rss_bytes()
    growth = after - before
    # A leak of even 64 bytes per call would add 6 MB; allow a little allocator noise.
    assert growth < 2 * 1024 * 1024, f"RSS grew by {growth} bytes over 100000 calls"
