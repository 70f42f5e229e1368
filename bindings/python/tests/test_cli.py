"""The `soter` command a wheel install gives: a console script that runs the CLI bundled in the
package (soter_verify/_bin/soter). Run as users run it, found on the venv's PATH."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest

from soter_verify import _cli

from conftest import VECTORS
from test_packaging import WHEEL_TEST, cargo_version

# Without the wheel installed (a checkout's tests against SOTER_VERIFY_LIB) there is no console
# script; run-tests.sh (and so test-sdist.sh) installs the wheel and sets SOTER_WHEEL_TEST=1.
needs_wheel = pytest.mark.skipif(
    not WHEEL_TEST, reason="only under bindings/python/run-tests.sh (SOTER_WHEEL_TEST=1)"
)


def soter(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`soter ARGS...` through PATH, as a shell runs it."""
    return subprocess.run(["soter", *map(str, args)], capture_output=True, text=True, timeout=60)


def run_cli(binary: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`_cli.run(binary, args)` in a child interpreter (on success it replaces the process)."""
    code = "import sys; from pathlib import Path; from soter_verify import _cli; _cli.run(Path(sys.argv[1]), sys.argv[2:])"
    return subprocess.run(
        [sys.executable, "-c", code, str(binary), *args], capture_output=True, text=True, timeout=60
    )


@needs_wheel
def test_console_script_is_on_path() -> None:
    found = shutil.which("soter")
    assert found is not None, "no `soter` on PATH after installing the wheel"
    assert Path(found).parent.resolve() == Path(sysconfig.get_paths()["scripts"]).resolve()
    scripts = [ep for ep in metadata.entry_points(group="console_scripts") if ep.name == "soter"]
    assert [ep.value for ep in scripts] == ["soter_verify._cli:main"]
    assert scripts[0].dist is not None and scripts[0].dist.name == "soter-verify"


@needs_wheel
def test_bundled_cli_is_installed_executable() -> None:
    installed = Path(sysconfig.get_paths()["platlib"]).resolve()
    assert _cli.BIN_PATH.resolve().is_relative_to(installed)
    assert _cli.BIN_PATH.is_file() and os.access(_cli.BIN_PATH, os.X_OK)
    files = {str(f) for f in metadata.files("soter-verify") or []}
    assert "soter_verify/_bin/soter" in files


@needs_wheel
def test_version() -> None:
    res = soter("--version")
    assert (res.returncode, res.stdout, res.stderr) == (0, f"soter {cargo_version()}\n", "")


@needs_wheel
def test_inspect_device_vector() -> None:
    res = soter("inspect", "--json", VECTORS / "final_json.txt")
    assert res.returncode == 0, res.stderr
    assert "counter: 246" in res.stdout
    assert 'cpu_id: "0900000026030000241a1e8e9e44c3a8e05b9c0c"' in res.stdout
    assert "size: 245 bytes" in res.stdout


@needs_wheel
def test_verify_device_vector_exit_codes() -> None:
    common = ("--json", VECTORS / "final_json.txt", "--signature", VECTORS / "final_signature.bin")
    ok = soter("verify", "--key", VECTORS / "auth_key.pem", *common)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("VALID")
    # The signed `raw` has spaces and an apostrophe: the arguments reach the CLI unchanged.
    ok = soter("verify", "--key", VECTORS / "auth_key.pem", *common, "--challenge", "I'm a demo challenge string")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    other = soter("verify", "--key", VECTORS / "auth_key.pem", *common, "--challenge", "I'm a demo")
    assert other.returncode == 1, other.stdout + other.stderr
    wrong_key = soter("verify", "--key", VECTORS / "ask.pem", *common)
    assert wrong_key.returncode == 1, wrong_key.stderr
    assert wrong_key.stdout.startswith("INVALID")


@needs_wheel
def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "absent.json"
    res = soter("inspect", "--json", missing)
    assert res.returncode == 2
    assert res.stdout == ""
    assert f"cannot read --json file {missing}" in res.stderr
    res = soter("inspect", "--json", tmp_path)  # a directory
    assert res.returncode == 2
    assert "cannot read --json file" in res.stderr
    res = soter("inspect", "--json", missing, "--format", "json")
    assert res.returncode == 2
    assert json.loads(res.stdout) == {
        "status": "io",
        "error": f"cannot read --json file {missing}: No such file or directory (os error 2)",
        "exit_code": 2,
    }
    res = soter("--frobnicate")
    assert res.returncode == 2
    assert "--frobnicate" in res.stderr


def test_missing_binary_exits_127(tmp_path: Path) -> None:
    res = run_cli(tmp_path / "soter", "--version")
    assert res.returncode == _cli.EXIT_NOT_FOUND == 127
    assert res.stdout == ""
    assert f"soter: cannot run the CLI bundled with soter-verify ({tmp_path / 'soter'})" in res.stderr
    assert "reinstall the soter-verify wheel" in res.stderr


def test_unrunnable_binary_exits_126(tmp_path: Path) -> None:
    not_executable = tmp_path / "soter"
    not_executable.write_bytes(Path("/bin/true").read_bytes())
    not_executable.chmod(0o644)
    res = run_cli(not_executable)
    assert res.returncode == _cli.EXIT_CANNOT_EXECUTE == 126
    assert "Permission denied" in res.stderr
    not_a_program = tmp_path / "garbage"
    not_a_program.write_bytes(b"\x00\x01not an executable\n")
    not_a_program.chmod(0o755)
    res = run_cli(not_a_program)
    assert res.returncode == 126
    assert "Exec format error" in res.stderr
    assert "built for this machine" in res.stderr


def test_cli_starts_with_default_signal_dispositions() -> None:
    # Python ignores SIGPIPE and SIGXFSZ; ignored signals survive exec, so run() restores them.
    # /bin/sh stands in for the CLI to show what the exec'd process inherits.
    res = run_cli(Path("/bin/sh"), "-c", "grep '^SigIgn:' /proc/self/status; exit 3")
    assert res.returncode == 3, res.stderr
    ignored = int(res.stdout.split()[1], 16)
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):
        assert not ignored & (1 << (sig - 1)), f"{sig.name} is ignored in the CLI"
