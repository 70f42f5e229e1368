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

#: The Linux targets wheels are built for: (ELF machine, libc, wheel tag).
TARGETS = {
    "x86_64-unknown-linux-gnu": ("x86_64", "glibc", "manylinux_2_17_x86_64.manylinux2014_x86_64"),
    "aarch64-unknown-linux-gnu": ("aarch64", "glibc", "manylinux_2_17_aarch64.manylinux2014_aarch64"),
    "x86_64-unknown-linux-musl": ("x86_64", "musl", "musllinux_1_2_x86_64"),
    "aarch64-unknown-linux-musl": ("aarch64", "musl", "musllinux_1_2_aarch64"),
}
CROSS_ROOT_VAR = "SOTER_CROSS_RELEASE_ROOT"


def target_release(triple: str) -> Path:
    """target/<triple>/release holding one target's libsoter_verify.so and soter, from
    $SOTER_CROSS_RELEASE_ROOT (a target/ directory: then it must hold them) or the repository's
    target/ (skips when absent: `make build-cross` makes them, `make test` does not)."""
    env = os.environ.get(CROSS_ROOT_VAR)
    release = (Path(env) if env else REPO_ROOT / "target") / triple / "release"
    missing = [f for f in ("libsoter_verify.so", "soter") if not (release / f).is_file()]
    if missing:
        if env:
            pytest.fail(f"{CROSS_ROOT_VAR}={env} but {release} has no {', '.join(missing)}")
        pytest.skip(
            f"no {triple} build in {release} (cross builds come from `make build-cross`, not "
            f"`make test`; set {CROSS_ROOT_VAR} to a target/ directory holding them)"
        )
    return release


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


# ---- Redis for the ReplayGuard tests: the one place that starts and stops servers ----

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator


def _free_port() -> int:
    """A free loopback port whose Cluster bus port (+10000) is free too."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port < 55000:
            with socket.socket() as bus:
                try:
                    bus.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            return port


class RedisServer:
    """One redis-server on a loopback port, persistence off; stop() kills it, start() again
    brings it back on the same port (empty)."""

    def __init__(self, port: int, *extra: str) -> None:
        self.port = port
        self.extra = extra
        self.dir = tempfile.mkdtemp(prefix=f"soter-redis-{port}-")
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--loglevel", "warning", *self.extra],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while self.cli("PING").split()[:1] not in (["PONG"], ["NOAUTH"]):
            assert time.monotonic() < deadline, f"redis-server on {self.port} did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.01)

    def cli(self, *args: str) -> str:
        r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), *args],
                           capture_output=True, text=True)
        return r.stdout

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def require_redis(what: str) -> None:
    """Skip loudly without redis-server; under SOTER_REQUIRE_REDIS=1 (CI) fail instead."""
    if shutil.which("redis-server") and shutil.which("redis-cli"):
        return
    if os.environ.get("SOTER_REQUIRE_REDIS") == "1":
        pytest.fail(f"{what}: redis-server is not installed and SOTER_REQUIRE_REDIS=1")
    pytest.skip(f"SKIPPED {what}: redis-server not found on PATH (apt-get install redis-server)")


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh redis-server for one test."""
    require_redis("Redis tests")
    server = RedisServer(_free_port())
    yield server
    server.close()


@pytest.fixture(scope="session")
def shared_redis() -> Iterator[RedisServer]:
    require_redis("Redis tests")
    server = RedisServer(_free_port())
    yield server
    server.close()


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[list[str]]:
    """A three-master Redis Cluster (no replicas); yields its node URLs."""
    require_redis("Redis Cluster tests")
    nodes: list[RedisServer] = []
    try:
        while len(nodes) < 3:
            port = _free_port()
            if all(n.port != port for n in nodes):
                nodes.append(RedisServer(port, "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf"))
        subprocess.run(
            ["redis-cli", "--cluster", "create", *[f"127.0.0.1:{n.port}" for n in nodes],
             "--cluster-replicas", "0", "--cluster-yes"],
            check=True, capture_output=True,
        )
        deadline = time.monotonic() + 20
        while not all("cluster_state:ok" in n.cli("CLUSTER", "INFO") for n in nodes):
            assert time.monotonic() < deadline, "the cluster did not reach cluster_state:ok"
            time.sleep(0.05)
        yield [n.url for n in nodes]
    finally:
        for n in nodes:
            n.close()
