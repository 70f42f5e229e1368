"""The calls a Python server makes, timed against the same checks written by hand on the
`cryptography` package and against the bare native call, interleaved in one run.

Figures (microseconds per call), each printed as ``NAME: ours X us, hand Y us, native Z us``:

- ``authenticate``: ``soter_verify.authenticate(key, result_json, signature_b64, challenge=...,
  cpu_id=..., uid=..., min_counter=...)`` as a server calls it (str in, base64 signature);
  hand-written: cached key, base64 decode, PSS verify, ``json.loads``, compares.
- ``parse``: ``ResultJson.parse``; hand-written: ``json.loads`` and the same typed fields.
- ``verify_auth_key``: against PSS verify + ``json.loads`` + loading the ``pub_key`` PEM.
- ``guard``: ``ReplayGuard().authenticate`` (memory); hand-written: the authenticate above plus
  a dict of pending challenges and last counters under a lock. Every call has its own challenge,
  so these are timed call by call (medians).

"native" is the one C call the wrapper makes (the ``_io`` exports for authenticate and parse, the
``_packed`` one for verify_auth_key), through ctypes with every argument built beforehand: the
difference to "ours" is what the Python wrapper costs per call.

    python bindings/python/bench/bench_e2e.py [--calls 20000] [--rounds 7]

`cryptography` is a benchmark dependency only, not a dependency of soter_verify.
"""

from __future__ import annotations

import argparse
import base64
import ctypes
import hmac
import json
import statistics
import threading
import time
from collections.abc import Callable
from ctypes import byref, c_void_p
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import soter_verify
from soter_verify import _core as C
from soter_verify import _native as N
from soter_verify.testing import Device

VECTORS = Path(__file__).resolve().parents[3] / "tests" / "vectors" / "tencent-soter-sample"
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=20)
SHA256 = hashes.SHA256()
#: CPU time of this thread: other processes on a busy machine do not inflate it (the native
#: calls run on this thread too).
CLOCK = time.thread_time_ns


class Rejected(Exception):
    pass


def hand_authenticate(key: rsa.RSAPublicKey, result_json: str, signature: str, challenge: str,
                      cpu_id: str, uid: str, min_counter: int) -> dict[str, Any]:
    """What a server writes without soter_verify: the same checks in the same order."""
    msg = result_json.encode()
    key.verify(base64.b64decode(signature), msg, PSS, SHA256)  # raises InvalidSignature
    doc = json.loads(msg)
    if not hmac.compare_digest(doc["raw"].encode(), challenge.encode()):
        raise Rejected("challenge")
    if doc["cpu_id"] != cpu_id or str(doc["uid"]) != uid:
        raise Rejected("device")
    counter = doc["counter"]
    if type(counter) is not int or counter < min_counter:
        raise Rejected("counter")
    return doc


def hand_parse(result_json: str) -> tuple[Any, ...]:
    doc = json.loads(result_json)
    return (doc["raw"], doc.get("fid", ""), doc["counter"], doc.get("tee_n", ""), doc.get("tee_v", ""),
            doc.get("fp_n", ""), doc.get("fp_v", ""), doc["cpu_id"], str(doc["uid"]), doc.get("rsa_pss_saltlen"))


def hand_verify_auth_key(ask: rsa.RSAPublicKey, auth_key_json: bytes, signature: str) -> tuple[Any, ...]:
    ask.verify(base64.b64decode(signature), auth_key_json, PSS, SHA256)
    doc = json.loads(auth_key_json)
    key = serialization.load_pem_public_key(doc["pub_key"].encode())
    return key, doc["cpu_id"], str(doc["uid"]), doc["counter"]


class HandGuard:
    """Single-use challenges and rising counters in a dict under a lock (one process)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: dict[str, str] = {}
        self.counters: dict[tuple[str, str, str], int] = {}

    def authenticate(self, key: rsa.RSAPublicKey, result_json: str, signature: str, subject: str,
                     cpu_id: str, uid: str) -> dict[str, Any]:
        msg = result_json.encode()
        key.verify(base64.b64decode(signature), msg, PSS, SHA256)
        doc = json.loads(msg)
        with self.lock:
            if self.pending.pop(doc["raw"], None) != subject:
                raise Rejected("challenge")
            if doc["cpu_id"] != cpu_id or str(doc["uid"]) != uid:
                raise Rejected("device")
            device = (subject, cpu_id, uid)
            if doc["counter"] <= self.counters.get(device, -1):
                raise Rejected("counter")
            self.counters[device] = doc["counter"]
        return doc


def rounds(cands: dict[str, Callable[[], object]], calls: int, n_rounds: int) -> dict[str, float]:
    """Median over rounds of the mean time per call; candidates alternate within each round."""
    for fn in cands.values():  # warm-up
        for _ in range(min(calls, 2000)):
            fn()
    times: dict[str, list[float]] = {name: [] for name in cands}
    for _ in range(n_rounds):
        for name, fn in cands.items():
            t = CLOCK()
            for _ in range(calls):
                fn()
            times[name].append((CLOCK() - t) / calls / 1e3)
    return {name: statistics.median(v) for name, v in times.items()}


def report(name: str, t: dict[str, float]) -> None:
    print(f"{name}: ours {t['ours']:.2f} us, hand {t['hand']:.2f} us, native {t['native']:.2f} us, "
          f"ratio hand/ours {t['hand'] / t['ours']:.2f}x, wrapper overhead {t['ours'] - t['native']:.2f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    # Both sets of challenges are pending for one subject at once: at most 1024 (the guard's bound).
    parser.add_argument("--guard-calls", type=int, default=500)
    args = parser.parse_args()
    lib = N.lib

    pem = (VECTORS / "auth_key.pem").read_bytes()
    result_json = (VECTORS / "final_json.txt").read_text()
    signature = base64.b64encode((VECTORS / "final_signature.bin").read_bytes()).decode()
    doc = json.loads(result_json)
    challenge, cpu_id, uid = doc["raw"], doc["cpu_id"], str(doc["uid"])
    min_counter = doc["counter"]
    ours_key = soter_verify.PublicKey.load(pem)
    their_key = serialization.load_pem_public_key(pem)
    assert isinstance(their_key, rsa.RSAPublicKey)
    print(f"input: tencent-soter-sample device vector, resultJSON {len(result_json)} bytes, RSA-2048; "
          f"soter_verify {soter_verify.library_version()}; {args.calls} calls x {args.rounds} rounds, interleaved")

    # ---- authenticate ----
    doc_b, sig_b = result_json.encode(), signature.encode()
    chal_b, cpu_b, uid_b = challenge.encode(), cpu_id.encode(), uid.encode()
    err = c_void_p()
    p_err = byref(err)
    ours_key._acquire()
    # The one-call exports the wrapper uses (``_io``: one input and one output buffer), through
    # the same function objects, with the input built beforehand.
    auth_fn = C._authenticate_io
    pbuf = (ctypes.c_char * 1024)()
    head = N.struct_of(N.SoterAuthenticateIn).pack(
        min_counter, len(pbuf), len(doc_b), len(sig_b), len(chal_b), len(cpu_b), len(uid_b), N.SALT_LEN_DEFAULT,
        N.IO_CPU_ID | N.IO_UID | N.IO_MIN_COUNTER)
    auth_in = b"".join((head, doc_b, sig_b, chal_b, cpu_b, uid_b))
    karg = ctypes.c_void_p(ours_key._ptr)

    def native_auth() -> int:
        return auth_fn(karg, auth_in, pbuf, p_err)  # type: ignore[no-any-return]

    def ours_auth() -> object:
        return soter_verify.authenticate(ours_key, result_json, signature, challenge=challenge, cpu_id=cpu_id,
                                         uid=uid, min_counter=min_counter)

    def hand_auth() -> object:
        return hand_authenticate(their_key, result_json, signature, challenge, cpu_id, uid, min_counter)

    assert native_auth() == 0 and ours_auth() and hand_auth()
    report("authenticate", rounds({"ours": ours_auth, "native": native_auth, "hand": hand_auth},
                                  args.calls, args.rounds))

    # ---- ResultJson.parse ----
    parse_fn = C._parse_io_fast
    parse_in = N.struct_of(N.SoterParseIn).pack(len(pbuf), len(doc_b)) + doc_b

    def native_parse() -> None:
        parse_fn(parse_in, pbuf, p_err)

    def ours_parse() -> object:
        return soter_verify.ResultJson.parse(result_json)

    def hand_parse_() -> object:
        return hand_parse(result_json)

    report("parse", rounds({"ours": ours_parse, "native": native_parse, "hand": hand_parse_},
                           args.calls, args.rounds))

    # ---- verify_auth_key (with the ASK as a key: the signature check and the key load) ----
    ask_pem = (VECTORS / "ask.pem").read_bytes()
    ak_json = (VECTORS / "auth_key_json.txt").read_bytes()
    ak_sig = base64.b64encode((VECTORS / "auth_key_signature.bin").read_bytes()).decode()
    ours_ask = soter_verify.PublicKey.load(ask_pem)
    their_ask = serialization.load_pem_public_key(ask_pem)
    assert isinstance(their_ask, rsa.RSAPublicKey)
    ak_sig_b = ak_sig.encode()
    aptr = ours_ask._acquire()
    vak_fn, key_free = lib.soter_verify_auth_key_packed, lib.soter_key_free
    vbuf = (ctypes.c_char * 4096)()
    out = c_void_p()
    p_out = byref(out)
    plen = ctypes.c_size_t()
    p_plen = byref(plen)

    def native_vak() -> None:
        vak_fn(aptr, ak_json, len(ak_json), ak_sig_b, len(ak_sig_b), p_out, vbuf, 4096, p_plen, p_err)
        key_free(out)

    def ours_vak() -> None:
        soter_verify.verify_auth_key(ours_ask, ak_json, ak_sig).close()

    def hand_vak() -> object:
        return hand_verify_auth_key(their_ask, ak_json, ak_sig)

    report("verify_auth_key", rounds({"ours": ours_vak, "native": native_vak, "hand": hand_vak},
                                     max(1, args.calls // 4), args.rounds))

    # ---- ReplayGuard.authenticate (memory): one fresh challenge per call, timed call by call ----
    n = min(args.guard_calls, 512)
    guard = soter_verify.ReplayGuard(max_challenges_per_subject=1024)
    subject = "user-42"
    with Device() as phone:
        key = phone.public_key
        their = serialization.load_pem_public_key(phone.public_key_pem.encode())
        assert isinstance(their, rsa.RSAPublicKey)
        hand = HandGuard()
        # Alternating results for the wrapper and the native call, so counters rise in call order.
        signed = []
        for _ in range(2 * n):
            c = guard.issue_challenge(subject, ttl=3600)
            j, s = phone.sign_result(c)
            signed.append((c, j.decode(), s))
        ours_set, native_set = signed[0::2], signed[1::2]
        for c, _, _ in ours_set:
            hand.pending[c] = subject
        who = N.SoterGuardSubject()
        sb, cb, ub = subject.encode(), phone.cpu_id.encode(), phone.uid.encode()
        who.subject, who.subject_len, who.cpu_id, who.cpu_id_len, who.uid, who.uid_len = sb, len(sb), cb, len(cb), ub, len(ub)
        gptr, gkptr, p_who = guard._acquire(), key._acquire(), byref(who)
        g_fn = lib.soter_replay_guard_authenticate
        times: dict[str, list[float]] = {"ours": [], "native": [], "hand": []}
        clock = CLOCK
        for (c, j, s), (_, nj, ns) in zip(ours_set, native_set):
            t = clock()
            guard.authenticate(key, j, s, subject=subject, cpu_id=phone.cpu_id, uid=phone.uid)
            times["ours"].append(clock() - t)
            nj_b, ns_b = nj.encode(), ns.encode()
            t = clock()
            st = g_fn(gptr, gkptr, nj_b, len(nj_b), ns_b, len(ns_b), p_who, None, p_err)
            times["native"].append(clock() - t)
            assert st == 0, st
            t = clock()
            hand.authenticate(their, j, s, subject, phone.cpu_id, phone.uid)
            times["hand"].append(clock() - t)
        key._release()
        guard._release()
    print(f"(guard: {n} calls each, call by call, medians)")
    report("guard", {k: statistics.median(v) / 1000 for k, v in times.items()})
    ours_key._release()
    ours_ask._release()


if __name__ == "__main__":
    main()
