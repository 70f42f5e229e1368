"""The package README's async examples, run (bindings/python/README.md is the one home of the
Python material): the FastAPI block against a real Redis and a pooled device, and the
pytest-fixture block through the installed pytest plugin in a pytest subprocess, with tests of
the fixtures' isolation."""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conftest import RedisServer, repo_root, skip_unless_wechat

skip_unless_wechat()

from soter_verify.testing import Device  # noqa: E402


def block_after(readme: Path, heading: str) -> str:
    """The first ```python block after ``heading``."""
    text = readme.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    m = re.compile(r"```python\n(.*?)```", re.S).search(text, start)
    assert m, f"no python block after {heading} in {readme}"
    return m.group(1)


def test_fastapi_example_is_async() -> None:
    ours = block_after(repo_root() / "bindings/python/README.md", "### FastAPI")
    assert "async def verify" in ours and "AsyncReplayGuard" in ours


def test_fastapi_example_runs(redis_server: RedisServer) -> None:
    from fastapi import HTTPException

    code = block_after(repo_root() / "bindings/python/README.md", "### FastAPI")
    url = "redis://127.0.0.1:6379/0"
    assert url in code
    device = Device.from_pool()

    class Devices:  # the README's "your enrolment record"
        async def find(self, user_id: str) -> Any:
            return SimpleNamespace(pub_key_pem=device.public_key_pem, cpu_id=device.cpu_id, uid=device.uid)

    ns: dict[str, Any] = {"devices": Devices(), "__name__": "readme_fastapi"}
    exec(compile(code.replace(url, redis_server.url + "/0"), "README.md#FastAPI", "exec"), ns)

    async def main() -> None:
        async with ns["lifespan"](ns["app"]):
            challenge = (await ns["challenge"]("alice"))["challenge"]
            doc, sig = device.sign_result(challenge)
            body = ns["SoterResult"](user_id="alice", result_json=doc.decode(), signature=sig)
            assert await ns["verify"](body) == {"ok": True}
            with pytest.raises(HTTPException) as refused:  # the same result again: replay
                await ns["verify"](body)
            assert refused.value.status_code == 401
            bad = ns["SoterResult"](user_id="alice", result_json="{", signature=sig)
            with pytest.raises(HTTPException) as malformed:
                await ns["verify"](bad)
            assert malformed.value.status_code in (400, 401)
        assert ns["guard"].closed  # the lifespan closed it

    asyncio.run(main())


PLUGIN_TESTS = '''
import soter_verify

seen = {}


def test_first(soter_emulator, soter_device, soter_guard):
    seen["emulator"], seen["guard"] = soter_emulator, soter_guard
    assert soter_emulator.counters().total_requests == 0
    challenge = soter_guard.issue_challenge("u")
    doc, sig = soter_device.sign_result(challenge)
    with soter_emulator.client() as wechat:  # registered as o_test by the fixture
        soter_guard.authenticate_via_wechat(wechat, "o_test", doc, sig, subject="u")
    assert soter_guard.last_counter("u", soter_device.cpu_id, soter_device.uid) is not None


def test_second_is_isolated(soter_emulator, soter_device, soter_guard):
    assert seen["emulator"].closed and seen["guard"].closed
    assert soter_emulator is not seen["emulator"] and soter_guard is not seen["guard"]
    assert soter_emulator.counters().total_requests == 0
    assert soter_guard.last_counter("u", soter_device.cpu_id, soter_device.uid) is None


def test_device_alone(soter_device):
    assert soter_device.public_key.bits == 2048
'''


def test_pytest_plugin_fixtures(tmp_path: Path) -> None:
    readme = block_after(repo_root() / "bindings/python/README.md", "#### pytest fixtures and pooled devices")
    (tmp_path / "test_readme_fixtures.py").write_text(readme, encoding="utf-8")
    (tmp_path / "test_isolation.py").write_text(PLUGIN_TESTS, encoding="utf-8")
    names = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path)]
    if os.environ.get("SOTER_WHEEL_TEST") == "1":
        # The installed wheel must declare the plugin: pytest loads it with no -p.
        assert names.get("soter_verify") == "soter_verify.pytest_plugin", names
    elif "soter_verify" not in names:
        args[3:3] = ["-p", "soter_verify.pytest_plugin"]  # a source checkout: no metadata
    r = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4 passed" in r.stdout, r.stdout
    if os.environ.get("SOTER_WHEEL_TEST") == "1":
        # And it can be turned off, as the README says.
        off = subprocess.run([*args[:3], "-p", "no:soter_verify", *args[3:]], cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
        assert off.returncode != 0 and "fixture 'soter_emulator' not found" in off.stdout, off.stdout

