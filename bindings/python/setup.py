"""Build hook: compile the Rust library with cargo and bundle it in a platform wheel.

``pip install ./bindings/python`` runs ``cargo build --release`` on the repository's Cargo.toml
(two directories up) and copies ``libsoter_verify.so`` into ``soter_verify/lib/``. Environment:

- ``SOTER_VERIFY_PREBUILT``: path of an already built library (file, or a directory holding
  it): bundle that one and skip cargo.
- ``CARGO``: the cargo executable (default ``cargo``); ``CARGO_TARGET_DIR`` is honoured.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py as _build_py

try:  # setuptools >= 70.1 ships bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:  # pragma: no cover - older setuptools
    from wheel.bdist_wheel import bdist_wheel as _bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
LIB_NAME = {"darwin": "libsoter_verify.dylib", "win32": "soter_verify.dll"}.get(
    sys.platform, "libsoter_verify.so"
)


def _log(msg: str) -> None:
    print(f"soter-verify build: {msg}", file=sys.stderr, flush=True)


def native_library() -> Path:
    prebuilt = os.environ.get("SOTER_VERIFY_PREBUILT")
    if prebuilt:
        path = Path(prebuilt).expanduser().resolve()
        if path.is_dir():
            path = path / LIB_NAME
        if not path.is_file():
            raise SystemExit(f"SOTER_VERIFY_PREBUILT={prebuilt!r}: {path} does not exist")
        _log(f"using prebuilt {path}")
        return path
    manifest = HERE.parent.parent / "Cargo.toml"
    if not manifest.is_file():
        raise SystemExit(
            f"cannot build libsoter_verify: {manifest} not found. Build from the repository "
            "(pip install ./bindings/python) or set SOTER_VERIFY_PREBUILT to a built library."
        )
    cargo = os.environ.get("CARGO", "cargo")
    if shutil.which(cargo) is None:
        raise SystemExit(
            f"cannot build libsoter_verify: `{cargo}` not found on PATH. Install Rust "
            "(https://rustup.rs) or set SOTER_VERIFY_PREBUILT to a built library."
        )
    cmd = [cargo, "build", "--release", "--lib", "--manifest-path", str(manifest)]
    _log(" ".join(cmd))
    subprocess.run(cmd, check=True)
    meta = subprocess.run(
        [cargo, "metadata", "--format-version", "1", "--no-deps", "--manifest-path", str(manifest)],
        check=True,
        capture_output=True,
        text=True,
    )
    target = Path(json.loads(meta.stdout)["target_directory"])
    path = target / "release" / LIB_NAME
    if not path.is_file():
        raise SystemExit(f"cargo finished but {path} is missing")
    return path


class build_py(_build_py):
    """Build the Python files, then put the native library next to them."""

    def run(self) -> None:
        super().run()
        lib = native_library()
        dest = Path(self.build_lib) / "soter_verify" / "lib"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(lib, dest / LIB_NAME)
        _log(f"bundled {lib} -> {dest / LIB_NAME}")


class bdist_wheel(_bdist_wheel):
    """A platform wheel (the library is native) usable by any Python 3: py3-none-<platform>."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        _, _, plat = super().get_tag()
        return "py3", "none", plat


class BinaryDistribution(Distribution):
    """The package carries a native library: install it to platlib, build it per platform."""

    def has_ext_modules(self) -> bool:
        return True


setup(distclass=BinaryDistribution, cmdclass={"build_py": build_py, "bdist_wheel": bdist_wheel})
