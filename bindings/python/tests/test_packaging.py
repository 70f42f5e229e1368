"""The installed package as users get it: a wheel with the bundled portable library, one version
from Cargo.toml, the metadata an index shows, and (under run-tests.sh) no cargo in sight."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import re
import shutil
import subprocess
import sysconfig
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import pytest

import soter_verify
from soter_verify import _native
from soter_verify._platform import Platform, library_platform

from conftest import REPO_ROOT, TARGETS, target_release

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


# One wheel per Linux target (SOTER_TARGET): built from each target's real release build, tagged
# from its ELF files, agreed by auditwheel; a build for another machine or libc is refused.

PACKAGE = REPO_ROOT / "bindings" / "python"


@functools.lru_cache(maxsize=None)
def tools_bin() -> Path:
    """The packaging tools (build, setuptools, auditwheel) the project's own builds use."""
    out = subprocess.run(["bash", str(REPO_ROOT / "packaging" / "tools.sh")], check=True,
                         capture_output=True, text=True, timeout=600).stdout
    return Path(out.strip())


@contextmanager
def source_tree_build() -> Iterator[None]:
    """A build in bindings/python writes build/ and *.egg-info there: one at a time (the lock
    test-cross.sh takes), cleaned before and after."""
    (REPO_ROOT / "target").mkdir(exist_ok=True)
    with open(REPO_ROOT / "target" / ".python-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            for stale in [PACKAGE / "build", *PACKAGE.glob("*.egg-info")]:
                shutil.rmtree(stale, ignore_errors=True)
            yield
        finally:
            for stale in [PACKAGE / "build", *PACKAGE.glob("*.egg-info")]:
                shutil.rmtree(stale, ignore_errors=True)


def build_wheel(outdir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("SOTER_TARGET", "SOTER_VERIFY_PREBUILT")}
    full.update(env)
    with source_tree_build():
        return subprocess.run(
            [str(tools_bin() / "python"), "-m", "build", "--no-isolation", *args, "--outdir", str(outdir), str(PACKAGE)],
            capture_output=True, text=True, env=full, timeout=600,
        )


@pytest.mark.parametrize("triple", sorted(TARGETS))
def test_wheel_of_each_target(triple: str, tmp_path: Path) -> None:
    machine, libc, tag = TARGETS[triple]
    release = target_release(triple)
    res = subprocess.run(
        ["bash", str(PACKAGE / "test-cross.sh"), triple], capture_output=True, text=True, timeout=600,
        env={**os.environ, "SOTER_CROSS_RELEASE_ROOT": str(release.parents[1]), "SOTER_CROSS_WHEEL_DIR": str(tmp_path)},
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "contents, CLI (soter " in res.stdout and " OK in " in res.stdout
    # Checked again here, independently of the script.
    wheel, = tmp_path.glob("*.whl")
    assert wheel.name.endswith(f"-py3-none-{tag}.whl"), wheel.name
    ldpaths = []
    if libc == "musl":  # as test-cross.sh: this machine has two /etc/ld-musl-*.path (multiarch)
        ldpaths = ["--ldpaths", f"/lib/{machine}-linux-musl:/usr/lib/{machine}-linux-musl"]
    show = subprocess.run([str(tools_bin() / "auditwheel"), "show", "--json", *ldpaths, str(wheel)],
                          capture_output=True, text=True, timeout=120)
    assert show.returncode == 0, show.stderr
    audit = json.loads(show.stdout)
    assert audit["overall_tag"] == tag.split(".")[0], audit
    assert audit["external_libs"] == {}, audit  # nothing outside the policy's own libraries
    with zipfile.ZipFile(wheel) as z:
        z.extract("soter_verify/lib/libsoter_verify.so", tmp_path / "x")
        z.extract("soter_verify/_bin/soter", tmp_path / "x")
    assert library_platform(tmp_path / "x" / "soter_verify" / "lib" / "libsoter_verify.so") == Platform("linux", machine, libc)
    cli_platform = library_platform(tmp_path / "x" / "soter_verify" / "_bin" / "soter")
    # A static-pie musl CLI names no libc at all.
    assert cli_platform in (Platform("linux", machine, libc), Platform("linux", machine, "" if libc == "musl" else libc))
    lib = tmp_path / "x" / "soter_verify" / "lib" / "libsoter_verify.so"
    cli = tmp_path / "x" / "soter_verify" / "_bin" / "soter"
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]", readelf("-d", lib)))
    loader = re.findall(r"interpreter: ([^]]+)\]", readelf("-l", cli))
    if libc == "glibc":
        assert loader == [{"x86_64": "/lib64/ld-linux-x86-64.so.2", "aarch64": "/lib/ld-linux-aarch64.so.1"}[machine]]
        assert "libc.so.6" in needed
    else:
        # musl: a dynamic CLI names musl's loader, a static-pie one none; the library names
        # musl's libc as Alpine does (setup.py renames zig's libc.so: auditwheel needs it).
        assert loader in ([], [f"/lib/ld-musl-{machine}.so.1"])
        assert needed == {f"libc.musl-{machine}.so.1"}


def readelf(option: str, path: Path) -> str:
    return subprocess.run(["readelf", "-W", option, str(path)], check=True, capture_output=True,
                          text=True, env={**os.environ, "LC_ALL": "C"}).stdout


@pytest.mark.parametrize(
    "target, prebuilt, found",
    [
        ("aarch64-unknown-linux-gnu", "x86_64-unknown-linux-gnu", "x86_64 glibc"),  # machine
        ("x86_64-unknown-linux-musl", "x86_64-unknown-linux-gnu", "x86_64 glibc"),  # libc
        ("aarch64-unknown-linux-musl", "aarch64-unknown-linux-gnu", "aarch64 glibc"),
        ("x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl", "x86_64 musl"),
        ("aarch64-unknown-linux-gnu", "aarch64-unknown-linux-musl", "aarch64 musl"),
    ],
)
def test_prebuilt_of_another_target_is_refused(target: str, prebuilt: str, found: str, tmp_path: Path) -> None:
    machine, libc, _ = TARGETS[target]
    release = target_release(prebuilt)
    res = build_wheel(tmp_path, "--wheel", SOTER_TARGET=target, SOTER_VERIFY_PREBUILT=str(release))
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert f"SOTER_TARGET={target} wants a {machine} {libc} build, but {release / 'libsoter_verify.so'} is {found}" in out, out
    assert not list(tmp_path.glob("*.whl"))


def test_unsupported_target_is_refused(tmp_path: Path) -> None:
    res = build_wheel(tmp_path, "--wheel", SOTER_TARGET="riscv64gc-unknown-linux-gnu",
                      SOTER_VERIFY_PREBUILT=str(target_release("x86_64-unknown-linux-gnu")))
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "SOTER_TARGET='riscv64gc-unknown-linux-gnu' is not a supported target; supported: " + ", ".join(
        ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu", "x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"]
    ) in out, out


def test_sdist_carries_the_per_target_build(tmp_path: Path) -> None:
    # Plain `SOTER_TARGET=... python -m build` builds the wheel from the sdist: it must carry
    # build-target.sh and what that runs (a real build from an sdist takes minutes: checked by hand
    # in the note of issue 23, not here).
    import tarfile
    res = build_wheel(tmp_path, "--sdist")
    assert res.returncode == 0, res.stdout + res.stderr
    sdist, = tmp_path.glob("*.tar.gz")
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    for f in ("build-target.sh", "cross.sh", "tools.sh", "check-glibc.sh"):
        assert f"rust/packaging/{f}" in names, sorted(names)
    assert "pyproject.toml" in names  # tools.sh reads the build requirements from it


def test_sdist_then_wheel_with_prebuilt_target(tmp_path: Path) -> None:
    # `SOTER_TARGET=... SOTER_VERIFY_PREBUILT=... python -m build`: the wheel from the sdist.
    release = target_release("aarch64-unknown-linux-gnu")
    res = build_wheel(tmp_path, SOTER_TARGET="aarch64-unknown-linux-gnu", SOTER_VERIFY_PREBUILT=str(release))
    assert res.returncode == 0, res.stdout + res.stderr
    assert len(list(tmp_path.glob("*.tar.gz"))) == 1
    wheel, = tmp_path.glob("*.whl")
    assert wheel.name.endswith("-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl")
