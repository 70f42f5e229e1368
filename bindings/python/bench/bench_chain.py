"""Verify the four-certificate Huawei sample chain from Python: soter_verify.verify_ask_chain
against the `cryptography` package doing the least comparable work (load the four PEM
certificates, check each signature by the next, the root by itself). Prints microseconds per chain.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import soter_verify

ROOT = Path(__file__).resolve().parents[3]
CHAIN = ROOT / "tests" / "vectors" / "tencent-soter-sample" / "ask_cert_json.txt"
AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


def per_call_us(fn, calls: int) -> float:
    """CPU time per call (process time: on a shared machine wall time counts other processes)."""
    for _ in range(min(calls // 10, 200)):
        fn()
    start = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - start) * 1e6 / calls


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=2000)
    calls = p.parse_args().calls
    chain = CHAIN.read_bytes()
    pems = [c.encode() for c in json.loads(chain)["certs"]]

    def ours() -> None:
        soter_verify.verify_ask_chain(chain, at=AT).close()

    print(f"verify_ask_chain    : {per_call_us(ours, calls):.2f} us")
    try:
        from cryptography import x509
    except ImportError:
        print("cryptography not installed: no baseline")
        return

    def theirs() -> None:
        certs = [x509.load_pem_x509_certificate(p) for p in pems]
        for child, parent in zip(certs, certs[1:] + certs[-1:]):
            child.verify_directly_issued_by(parent)

    # verify_directly_issued_by also compares issuer and subject names, which the real leaf fails
    # (its issuer is "Huawei KeyStore"): check the leaf's signature directly instead.
    def theirs_signatures() -> None:
        from cryptography.hazmat.primitives.asymmetric import padding

        certs = [x509.load_pem_x509_certificate(p) for p in pems]
        for child, parent in zip(certs, certs[1:] + certs[-1:]):
            parent.public_key().verify(  # type: ignore[union-attr,call-arg]
                child.signature, child.tbs_certificate_bytes, padding.PKCS1v15(), child.signature_hash_algorithm
            )

    try:
        theirs()
        baseline, how = theirs, "verify_directly_issued_by"
    except Exception:
        baseline, how = theirs_signatures, "public_key().verify"
    print(f"cryptography (load 4 PEM + 4 signature checks): {per_call_us(baseline, calls):.2f} us ({how})")


if __name__ == "__main__":
    main()
