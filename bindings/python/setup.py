"""Build hook: compile the Rust library and the ``soter`` CLI with cargo and bundle both in a
platform wheel (the CLI as ``soter_verify/_bin/soter``, run by the ``soter`` console script).

The crate is the repository's (two directories up) in a checkout, or ``rust/`` in the sdist (the
sdist carries the crate's sources). The version is the crate's: Cargo.toml is its one place.

On x86-64 Linux with ``cargo-zigbuild`` on PATH (a build requirement there, so ``pip`` and
``python -m build`` provide it), the library is linked with zig against glibc 2.17; elsewhere
``cargo build --release``. The wheel is tagged from what the library and the CLI really need: the
highest ``GLIBC_`` symbol version either references gives
``manylinux_2_17_x86_64.manylinux2014_x86_64`` for the portable build, ``manylinux_2_X`` for a
native one, plain ``linux_*`` otherwise.

Environment:

- ``SOTER_VERIFY_PREBUILT``: an already built library, or a directory holding it, with the
  ``soter`` binary of the same build beside it (as ``make build`` leaves them): bundle those and
  skip cargo.
- ``CARGO``: the cargo executable (default ``cargo``); ``CARGO_TARGET_DIR`` is honoured.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py as _build_py
from setuptools.command.sdist import sdist as _sdist

try:  # setuptools >= 70.1 ships bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:  # pragma: no cover - older setuptools
    from wheel.bdist_wheel import bdist_wheel as _bdist_wheel  # type: ignore[no-redef]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
LIB_NAME = {"darwin": "libsoter_verify.dylib", "win32": "soter_verify.dll"}.get(
    sys.platform, "libsoter_verify.so"
)
BIN_NAME = "soter.exe" if sys.platform == "win32" else "soter"
#: What the sdist carries of the crate (under rust/): enough for `cargo build --release --lib
#: --bin soter` (src/ holds the CLI too).
CRATE_FILES = ["Cargo.toml", "Cargo.lock", "build.rs", "cbindgen.toml", "LICENSE-MIT", "LICENSE-APACHE"]
CRATE_DIRS = {"src": "*", "include": "*.h", "benches": "*.rs"}  # benches: Cargo.toml names one
#: The oldest glibc the portable build targets (manylinux2014).
PORTABLE_GLIBC = (2, 17)
#: Libraries every manylinux system provides (PEP 599/600); anything else makes a plain linux wheel.
MANYLINUX_LIBS = {
    "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libgcc_s.so.1",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
}


def _log(msg: str) -> None:
    print(f"soter-verify build: {msg}", file=sys.stderr, flush=True)


def crate_dir() -> Path:
    """The crate: rust/ inside an unpacked sdist, else the repository root."""
    for d in (HERE / "rust", HERE.parent.parent):
        if (d / "Cargo.toml").is_file():
            return d
    raise SystemExit(
        f"cannot build libsoter_verify: no Cargo.toml in {HERE / 'rust'} or {HERE.parent.parent}. "
        "Build from the repository or the sdist, or set SOTER_VERIFY_PREBUILT to a built library "
        "(with the soter binary beside it)."
    )


def crate_version() -> str:
    with open(crate_dir() / "Cargo.toml", "rb") as f:
        return str(tomllib.load(f)["package"]["version"])


def _portable_target() -> str | None:
    """`<host>.2.17` for cargo-zigbuild when this is x86-64 glibc Linux and it is installed."""
    if shutil.which("cargo-zigbuild") is None:
        return None
    rustc = os.environ.get("RUSTC", "rustc")
    try:
        host = subprocess.run([rustc, "-vV"], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    triple = next((line.split()[1] for line in host.splitlines() if line.startswith("host:")), "")
    if triple != "x86_64-unknown-linux-gnu":
        return None
    return f"{triple}.{PORTABLE_GLIBC[0]}.{PORTABLE_GLIBC[1]}"


@functools.lru_cache(maxsize=None)
def native_artifacts() -> tuple[Path, Path]:
    """(the library, the `soter` CLI) to bundle: prebuilt, or built once by cargo."""
    prebuilt = os.environ.get("SOTER_VERIFY_PREBUILT")
    if prebuilt:
        path = Path(prebuilt).expanduser().resolve()
        if path.is_dir():
            path = path / LIB_NAME
        if not path.is_file():
            raise SystemExit(f"SOTER_VERIFY_PREBUILT={prebuilt!r}: {path} does not exist")
        cli = path.parent / BIN_NAME
        if not cli.is_file():
            raise SystemExit(
                f"SOTER_VERIFY_PREBUILT={prebuilt!r}: the wheel ships the `{BIN_NAME}` CLI, but "
                f"{cli} does not exist; build it beside the library (`make build` does, or "
                "`cargo build --release --lib --bin soter`)"
            )
        _log(f"using prebuilt {path} and {cli}")
        return path, cli
    crate = crate_dir()
    manifest = crate / "Cargo.toml"
    cargo = os.environ.get("CARGO", "cargo")
    if shutil.which(cargo) is None:
        raise SystemExit(
            f"cannot build libsoter_verify: `{cargo}` not found on PATH. Install Rust "
            "(https://rustup.rs) or set SOTER_VERIFY_PREBUILT to a built library (with the soter "
            "binary beside it)."
        )
    portable = _portable_target()
    if portable:
        cmd = [cargo, "zigbuild", "--release", "--lib", "--bin", "soter", "--target", portable]
    else:
        cmd = [cargo, "build", "--release", "--lib", "--bin", "soter"]
    cmd += ["--manifest-path", str(manifest)]
    if crate == HERE / "rust":
        cmd.append("--locked")  # an sdist builds exactly the dependencies it was released with
    _log(" ".join(cmd))
    subprocess.run(cmd, check=True)
    meta = subprocess.run(
        [cargo, "metadata", "--format-version", "1", "--no-deps", "--manifest-path", str(manifest)],
        check=True,
        capture_output=True,
        text=True,
    )
    target = Path(json.loads(meta.stdout)["target_directory"])
    if portable:
        target = target / portable.rsplit(".", 2)[0]
    paths = target / "release" / LIB_NAME, target / "release" / BIN_NAME
    for path in paths:
        if not path.is_file():
            raise SystemExit(f"cargo finished but {path} is missing")
    return paths


def elf_dependencies(path: Path) -> tuple[set[str], set[str]]:
    """(DT_NEEDED libraries, symbol versions required of them) of a 64-bit little-endian ELF file:
    what auditwheel reads to decide a manylinux tag."""
    data = path.read_bytes()
    if data[:6] != b"\x7fELF\x02\x01":
        raise ValueError(f"{path} is not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]

    def string(strtab: int, off: int) -> str:
        start = sections[strtab][4] + off
        return data[start:data.index(b"\0", start)].decode()

    needed: set[str] = set()
    versions: set[str] = set()
    for _, sh_type, _, _, off, size, link, info, _, _ in sections:
        if sh_type == 6:  # SHT_DYNAMIC: DT_NEEDED entries
            for i in range(0, size, 16):
                tag, val = struct.unpack_from("<qQ", data, off + i)
                if tag == 0:
                    break
                if tag == 1:
                    needed.add(string(link, val))
        elif sh_type == 0x6FFFFFFE:  # SHT_GNU_verneed: info = number of entries
            pos = off
            for _ in range(info):
                _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, pos)
                apos = pos + aux
                for _ in range(cnt):
                    _, _, _, name, anext = struct.unpack_from("<IHHII", data, apos)
                    versions.add(string(link, name))
                    apos += anext
                pos += nxt
    return needed, versions


@functools.lru_cache(maxsize=None)
def platform_tag(files: tuple[Path, ...], default: str) -> str:
    """manylinux_2_X_<arch> from the real needs of every ELF file bundled (the library and the
    CLI: the wheel is only as portable as the least portable), or the default (linux_<arch>)."""
    if not default.startswith("linux_"):
        return default
    arch = default[len("linux_"):]
    glibc = PORTABLE_GLIBC
    for f in files:
        needed, versions = elf_dependencies(f)
        if not needed <= MANYLINUX_LIBS:
            _log(f"{f} needs {sorted(needed - MANYLINUX_LIBS)}: not a manylinux wheel")
            return default
        newest = max(
            [PORTABLE_GLIBC]
            + [tuple(int(p) for p in v[6:].split(".")[:2]) for v in versions if v.startswith("GLIBC_2.")]
        )
        _log(f"{f.name}: newest glibc symbol version {newest[0]}.{newest[1]}")
        glibc = max(glibc, newest)
    tag = f"manylinux_{glibc[0]}_{glibc[1]}_{arch}"
    if glibc == PORTABLE_GLIBC:
        tag += f".manylinux2014_{arch}"
    _log(f"wheel tag: {tag}")
    return tag


def bundled(build_lib: str) -> tuple[Path, Path]:
    """Where the library and the CLI go in the package: soter_verify/_cli.py runs the latter."""
    pkg = Path(build_lib) / "soter_verify"
    return pkg / "lib" / LIB_NAME, pkg / "_bin" / BIN_NAME


class build_py(_build_py):
    """Build the Python files, then put the native library and the CLI next to them."""

    def run(self) -> None:
        super().run()
        for src, dest in zip(native_artifacts(), bundled(self.build_lib)):
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
            _log(f"bundled {src} -> {dest}")
        # The wheel keeps each file's mode and pip sets the executable bit from it.
        cli = bundled(self.build_lib)[1]
        cli.chmod(cli.stat().st_mode | 0o755)


class bdist_wheel(_bdist_wheel):
    """A platform wheel (the library is native) usable by any Python 3: py3-none-<platform>."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        _, _, plat = super().get_tag()
        if self.plat_name_supplied:
            return "py3", "none", plat
        build_lib = self.get_finalized_command("build_py").build_lib
        return "py3", "none", platform_tag(bundled(build_lib), plat)


class sdist(_sdist):
    """The sdist carries the crate under rust/, so it builds from source with cargo alone."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        src = crate_dir()
        dest = Path(base_dir) / "rust"
        for name in CRATE_FILES:
            if (src / name).is_file():
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src / name, dest / name)
        for d, pattern in CRATE_DIRS.items():
            for f in sorted((src / d).rglob(pattern)):
                if f.is_file() and "__pycache__" not in f.parts:
                    (dest / f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(f, dest / f.relative_to(src))
        _log(f"sdist: crate sources from {src} -> {dest}")


class BinaryDistribution(Distribution):
    """The package carries native code: install it to platlib, build it per platform."""

    def has_ext_modules(self) -> bool:
        return True


setup(
    version=crate_version(),
    distclass=BinaryDistribution,
    cmdclass={"build_py": build_py, "bdist_wheel": bdist_wheel, "sdist": sdist},
)
