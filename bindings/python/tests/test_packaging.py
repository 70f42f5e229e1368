"""The installed package as users get it: a wheel with the bundled portable library, one version
from Cargo.toml, the metadata an index shows, and (under run-tests.sh) no cargo in sight."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest

import soter_verify
from soter_verify import _native

from conftest import REPO_ROOT

WHEEL_TEST = os.environ.get("SOTER_WHEEL_TEST") == "1"


def cargo_version() -> str:
    text = (REPO_ROOT / "Cargo.toml").read_text(encoding="utf-8")
    package = text.split("[package]", 1)[1].split("\n[", 1)[0]
    m = re.search(r'^version\s*=\s*"([^"]+)"', package, re.M)
    assert m, "no version in Cargo.toml's [package]"
    return m.group(1)


def test_installed_package_bundles_its_library() -> None:
    installed = Path(sysconfig.get_paths()["platlib"]).resolve()
    assert Path(soter_verify.__file__).resolve().is_relative_to(installed)
    assert _native.LIB_PATH == _native.BUNDLED_PATH
    assert _native.BUNDLED_PATH.resolve().is_relative_to(installed)


def test_one_version_everywhere() -> None:
    version = cargo_version()
    assert metadata.version("soter-verify") == version
    assert soter_verify.__version__ == version
    assert soter_verify.library_version() == version


def test_index_metadata() -> None:
    meta = metadata.metadata("soter-verify")
    assert meta["License-Expression"] == "MIT OR Apache-2.0"
    assert meta["Requires-Python"] == ">=3.9"
    assert "Typing :: Typed" in meta.get_all("Classifier", [])
    assert "Operating System :: POSIX :: Linux" in meta.get_all("Classifier", [])
    assert meta["Summary"] and "SOTER" in meta["Summary"]
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "# soter-verify for Python" in str(meta.get_payload() or meta["Description"])
    files = {str(f) for f in metadata.files("soter-verify") or []}
    assert any(f.endswith("licenses/LICENSE-MIT") for f in files)
    assert any(f.endswith("licenses/LICENSE-APACHE") for f in files)
    assert "soter_verify/lib/libsoter_verify.so" in files
    assert "soter_verify/py.typed" in files


def test_wheel_is_manylinux2014() -> None:
    dist = metadata.distribution("soter-verify")
    wheel = dist.read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    assert "py3-none-manylinux_2_17_x86_64" in tags, tags
    assert "py3-none-manylinux2014_x86_64" in tags, tags
    assert "Root-Is-Purelib: false" in wheel


@pytest.mark.skipif(not WHEEL_TEST, reason="only under bindings/python/run-tests.sh (SOTER_WHEEL_TEST=1)")
def test_runs_without_cargo() -> None:
    # run-tests.sh installs the wheel and runs this suite with cargo and rustc shadowed by
    # stubs that fail: nothing here can build the library.
    for tool in ("cargo", "rustc"):
        found = shutil.which(tool)
        assert found is not None and found.endswith(f"/no-rust/{tool}"), f"{tool} is on PATH: {found}"
        res = subprocess.run([found, "--version"], capture_output=True, text=True)
        assert res.returncode == 127 and "not available here" in res.stderr
