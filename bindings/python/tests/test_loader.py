"""Loading the native library: bundled copy, SOTER_VERIFY_LIB override, ABI check, versions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import soter_verify
from soter_verify import _native


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
