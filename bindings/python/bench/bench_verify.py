"""Time soter_verify.PublicKey.verify against the `cryptography` package on the same input.

Both verify one RSASSA-PSS signature (SHA-256, MGF1-SHA-256, salt 20) with one 2048-bit key over
one message, in this process. Uses the real device vector from ../shared when present, else a
key and signature made on the spot with `cryptography`.

    python -m venv /tmp/bench && /tmp/bench/bin/pip install ./bindings/python cryptography
    /tmp/bench/bin/python bindings/python/bench/bench_verify.py [--calls 20000]

`cryptography` is a benchmark dependency only, not a dependency of soter_verify.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import soter_verify

VECTORS = Path(__file__).resolve().parents[3].parent / "shared" / "vectors" / "tencent-soter-sample"


def _inputs() -> tuple[bytes, bytes, bytes, str]:
    if (VECTORS / "final_json.txt").is_file():
        return (
            (VECTORS / "auth_key.pem").read_bytes(),
            (VECTORS / "final_json.txt").read_bytes(),
            (VECTORS / "final_signature.bin").read_bytes(),
            "device vector (tencent-soter-sample, RSA-2048)",
        )
    priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    msg = b'{"raw":"bench","counter":1,"cpu_id":"cpu","uid":"1"}'
    sig = priv.sign(msg, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=20), hashes.SHA256())
    pem = priv.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, msg, sig, "generated RSA-2048 key"


def _time(fn: Callable[[], object], calls: int, repeats: int) -> tuple[float, float]:
    """Best-of-`repeats` mean time per call, in microseconds."""
    for _ in range(min(calls, 1000)):
        fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        runs.append((time.perf_counter() - start) / calls * 1e6)
    return min(runs), statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description="soter_verify vs cryptography: PSS verify time")
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    pem, msg, sig, source = _inputs()
    ours = soter_verify.PublicKey.load(pem)
    theirs = serialization.load_pem_public_key(pem)
    assert isinstance(theirs, rsa.RSAPublicKey)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=20)
    sha = hashes.SHA256()

    def soter() -> bool:
        return ours.verify(msg, sig, salt_len=20)

    def crypto() -> bool:
        theirs.verify(sig, msg, pss, sha)  # raises InvalidSignature when invalid
        return True

    assert soter() and crypto()
    import cryptography

    s_best, s_med = _time(soter, args.calls, args.repeats)
    c_best, c_med = _time(crypto, args.calls, args.repeats)
    print(f"input: {source}, message {len(msg)} bytes, {args.calls} calls x {args.repeats} runs")
    print(f"soter_verify {soter_verify.library_version()} PublicKey.verify : {s_best:7.2f} us/call (median {s_med:.2f})")
    print(f"cryptography {cryptography.__version__} RSAPublicKey.verify: {c_best:7.2f} us/call (median {c_med:.2f})")
    print(f"ratio soter_verify / cryptography: {s_best / c_best:.2f}")


if __name__ == "__main__":
    main()
