"""Loading the native library: bundled copy, SOTER_VERIFY_LIB override, ABI check, versions."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

import soter_verify
from conftest import TARGETS, target_release
from soter_verify import _native, _platform
from soter_verify._platform import SUPPORTED_PLATFORMS, Platform


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "SOTER_VERIFY_LIB"}
    full.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=60)


def test_abi_version_matches() -> None:
    assert soter_verify.ABI_VERSION == 3
    assert _native.lib.soter_abi_version() == soter_verify.ABI_VERSION


def test_bundled_library_is_used_without_override() -> None:
    if os.environ.get("SOTER_VERIFY_LIB"):
        assert _native.LIB_PATH.is_file()  # developer mode: the override wins
    else:
        assert _native.LIB_PATH == _native.BUNDLED_PATH
        assert _native.BUNDLED_PATH.is_file()


def test_env_override_points_at_a_library() -> None:
    lib = str(_native.LIB_PATH)
    res = _run("import soter_verify._native as n; print(n.LIB_PATH)", SOTER_VERIFY_LIB=lib)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == lib


def test_env_override_accepts_a_directory() -> None:
    directory = str(_native.LIB_PATH.parent)
    res = _run("import soter_verify._native as n; print(n.LIB_PATH)", SOTER_VERIFY_LIB=directory)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(_native.LIB_PATH)


def test_env_override_to_missing_file_fails_clearly(tmp_path: Path) -> None:
    missing = tmp_path / "nope.so"
    res = _run("import soter_verify", SOTER_VERIFY_LIB=str(missing))
    assert res.returncode != 0
    assert "ImportError" in res.stderr
    assert "SOTER_VERIFY_LIB" in res.stderr and str(missing) in res.stderr


def test_env_override_to_non_library_fails_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "libsoter_verify.so"
    bogus.write_bytes(b"not an ELF file")
    res = _run("import soter_verify", SOTER_VERIFY_LIB=str(bogus))
    assert res.returncode != 0
    assert "cannot load" in res.stderr and str(bogus) in res.stderr


def test_abi_mismatch_fails_clearly() -> None:
    # Pretend the package was written for another ABI version.
    abi = _native.ABI_VERSION
    code = (
        "import ctypes, sys, pathlib, importlib.util\n"
        "import soter_verify._native as n\n"
        "src = pathlib.Path(n.__file__).read_text().replace('_abi != ABI_VERSION', '_abi != (ABI_VERSION := 999)')\n"
        "ns = {'__name__': 'soter_verify.fake', '__package__': 'soter_verify', '__file__': n.__file__}\n"
        "exec(compile(src, 'fake', 'exec'), ns)\n"
    )
    res = _run(code, SOTER_VERIFY_LIB=str(_native.LIB_PATH))
    assert res.returncode != 0
    assert "ImportError" in res.stderr
    assert f"ABI version {abi}" in res.stderr and "999" in res.stderr


def test_library_version() -> None:
    v = soter_verify.library_version()
    assert v and v[0].isdigit() and v.count(".") >= 2
    assert soter_verify.__version__


def test_every_declared_function_has_types() -> None:
    for name in _native.SIGNATURES:
        fn = getattr(_native.lib, name)
        assert fn.argtypes is not None, name


def test_library_is_loaded_with_cdll_so_calls_release_the_gil() -> None:
    import ctypes

    # ctypes.CDLL releases the GIL around every foreign call; PyDLL would not.
    assert type(_native.lib) is ctypes.CDLL
    assert not isinstance(_native.lib, ctypes.PyDLL)


# When no library fits: the error names the platform found and the supported ones. The platform
# is passed to the real loader (_load's `host`), so these tests fail if the loader ignores it.


def _load_error(candidates: list[tuple[str, Path]], host: Platform | None = None) -> str:
    with pytest.raises(ImportError) as err:
        _native._load(candidates, host=host)
    return str(err.value)


def _other_machine_copy(tmp_path: Path) -> tuple[Path, str]:
    """The loaded library with its ELF machine changed to the other supported one: a real file
    dlopen refuses, as a wheel for the other architecture would be."""
    data = bytearray(_native.LIB_PATH.read_bytes())
    here = int.from_bytes(data[0x12:0x14], "little")
    other, name = (183, "aarch64") if here != 183 else (62, "x86_64")
    data[0x12:0x14] = other.to_bytes(2, "little")
    path = tmp_path / "libsoter_verify.so"
    path.write_bytes(bytes(data))
    return path, name


def _assert_supported_listed(msg: str) -> None:
    for supported in SUPPORTED_PLATFORMS:
        assert supported in msg, msg
    for tag in ("manylinux_2_17_x86_64", "manylinux_2_17_aarch64", "musllinux_1_2_x86_64", "musllinux_1_2_aarch64"):
        assert tag in msg, msg


@pytest.mark.parametrize(
    "host, found, os_name",
    [
        (Platform("darwin", "arm64"), "This is macOS arm64 (aarch64).", "macOS"),
        (Platform("darwin", "x86_64"), "This is macOS x86_64.", "macOS"),
        (Platform("win32", "AMD64"), "This is Windows AMD64 (x86_64).", "Windows"),
    ],
)
def test_missing_library_on_macos_or_windows_points_at_a_linux_container(
    tmp_path: Path, host: Platform, found: str, os_name: str
) -> None:
    msg = _load_error([("bundled", tmp_path / "libsoter_verify.so")], host)
    assert "the native library was not found" in msg and str(tmp_path) in msg
    assert found in msg, msg
    _assert_supported_listed(msg)
    assert f"There are no {os_name} builds" in msg and "Linux container" in msg, msg


@pytest.mark.parametrize(
    "host, found, hint",
    [
        (Platform("linux", "riscv64", "glibc"), "This is Linux riscv64 with glibc.", "source distribution"),
        (Platform("linux", "armv7l", "musl"), "This is Linux armv7l with musl.", "source distribution"),
        (Platform("linux", "aarch64", "musl"), "This is Linux aarch64 with musl.", None),
    ],
)
def test_missing_library_on_linux_names_the_platform(
    tmp_path: Path, host: Platform, found: str, hint: str | None
) -> None:
    msg = _load_error([("bundled", tmp_path / "libsoter_verify.so")], host)
    assert found in msg, msg
    _assert_supported_listed(msg)
    assert "container" not in msg
    if hint is None:
        assert "No wheel exists" not in msg
    else:
        assert hint in msg, msg


def test_library_for_another_machine_names_both(tmp_path: Path) -> None:
    path, other = _other_machine_copy(tmp_path)
    host = _platform.host_platform()
    msg = _load_error([("bundled", path)])  # the platform detected on this machine
    assert f"cannot load {path} (bundled)" in msg
    assert f"This is {host}." in msg, msg
    assert f"The library is built for Linux {other} with {host.libc}." in msg, msg
    assert "reinstall it here with pip" in msg
    _assert_supported_listed(msg)


def test_library_for_linux_on_macos_points_at_a_container(tmp_path: Path) -> None:
    path, other = _other_machine_copy(tmp_path)
    msg = _load_error([("$SOTER_VERIFY_LIB", path)], Platform("darwin", "arm64"))
    assert "This is macOS arm64 (aarch64)." in msg
    assert f"The library is built for Linux {other} with" in msg
    assert "There are no macOS builds" in msg and "Linux container" in msg


def test_load_failure_on_a_fitting_platform_keeps_the_plain_error(tmp_path: Path) -> None:
    bogus = tmp_path / "libsoter_verify.so"
    bogus.write_bytes(b"not an ELF file")
    msg = _load_error([("bundled", bogus)], Platform("linux", "x86_64", "glibc"))
    assert f"cannot load {bogus} (bundled)" in msg
    assert "This is" not in msg  # nothing about platforms: it is not the platform's fault


def test_host_platform_is_this_machine() -> None:
    host = _platform.host_platform()
    assert host.machine == platform.machine()
    if sys.platform.startswith("linux"):
        libc, _ = platform.libc_ver()  # read from the interpreter binary: an independent check
        assert host.os == "linux"
        assert host.libc == ("glibc" if libc == "glibc" else "musl"), (host, libc)
        assert host.supported


def test_library_platform_of_the_loaded_library() -> None:
    host = _platform.host_platform()
    built = _platform.library_platform(_native.LIB_PATH)
    assert built is not None and host.runs(built), (host, built)
    assert built.arch in ("x86_64", "aarch64") and built.libc in ("glibc", "musl")


@pytest.mark.parametrize("triple", sorted(TARGETS))
def test_library_of_each_target(triple: str) -> None:
    # Each target's real build: its platform is read right, and it loads exactly where it runs.
    machine, libc, _ = TARGETS[triple]
    lib = target_release(triple) / "libsoter_verify.so"
    built = _platform.library_platform(lib)
    assert built == Platform("linux", machine, libc)
    host = _platform.host_platform()
    if host.runs(built):
        _native._load([("$SOTER_VERIFY_LIB", lib)])
    else:
        msg = _load_error([("$SOTER_VERIFY_LIB", lib)])
        assert f"This is {host}. The library is built for Linux {machine} with {libc}." in msg, msg
        assert "reinstall it here with pip" in msg
