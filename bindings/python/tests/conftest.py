"""Shared fixtures: repository paths, the shared device vectors, test keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import soter_verify
from soter_test_keys import KEY_A, KEY_B


def repo_root() -> Path:
    env = os.environ.get("SOTER_REPO_ROOT")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3]


REPO_ROOT = repo_root()
HEADER = REPO_ROOT / "include" / "soter_verify.h"
VECTORS = REPO_ROOT / "tests" / "vectors" / "tencent-soter-sample"


@pytest.fixture(scope="session")
def header_text() -> str:
    if not HEADER.is_file():
        pytest.skip(f"the C header {HEADER} is absent (run from a repository checkout)")
    return HEADER.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def vectors() -> Path:
    # Committed in the repository (tests/vectors): absent means a broken checkout, not a skip.
    assert (VECTORS / "final_json.txt").is_file(), f"device vectors missing at {VECTORS}"
    return VECTORS


@pytest.fixture
def key_a() -> soter_verify.PublicKey:
    return soter_verify.PublicKey.load(KEY_A.pem)


@pytest.fixture
def key_b() -> soter_verify.PublicKey:
    return soter_verify.PublicKey.load(KEY_B.pem)


def result_json(
    raw: str = "challenge-1",
    counter: int = 7,
    cpu_id: str = "cpu-0001",
    uid: str = "10115",
    extra: str = "",
) -> bytes:
    """A resultJSON as a device would assemble it."""
    return (
        f'{{"raw":"{raw}","fid":"2313170","counter":{counter},"tee_n":"TEE","tee_v":"1",'
        f'"fp_n":"FPC","fp_v":"6516","cpu_id":"{cpu_id}","uid":"{uid}"{extra}}}'
    ).encode()


def skip_unless_wechat() -> None:
    """Skip a module when the library predates the WeChat C ABI; fail when the header has it but
    the loaded library does not (a stale build must not pass silently)."""
    from soter_verify import _native

    if _native.has_wechat():
        return
    if HEADER.is_file() and "soter_wechat_client_new" in HEADER.read_text(encoding="utf-8"):
        raise RuntimeError(
            f"{HEADER} declares the WeChat client but {_native.LIB_PATH} does not export it: "
            "rebuild the library (cargo build --release) and reinstall the package"
        )
    pytest.skip(
        f"{_native.LIB_PATH} has no WeChat client/emulator exports (built before the WeChat C ABI)",
        allow_module_level=True,
    )
