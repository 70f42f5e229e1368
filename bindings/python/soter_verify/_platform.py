"""Private: which platform this is, which one a library file is built for, and what to tell a
user when no bundled library fits. Imported only when loading the library failed (the successful
load pays nothing for it)."""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path
from typing import Final, NamedTuple, Optional

#: Where wheels exist (each bundles the library and the CLI): the platforms the package supports.
SUPPORTED_PLATFORMS: Final = (
    "Linux x86_64 with glibc 2.17 or later (manylinux_2_17_x86_64)",
    "Linux aarch64 with glibc 2.17 or later (manylinux_2_17_aarch64)",
    "Linux x86_64 with musl 1.2 or later, e.g. Alpine (musllinux_1_2_x86_64)",
    "Linux aarch64 with musl 1.2 or later (musllinux_1_2_aarch64)",
)
_MACHINES: Final = {"x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64", "aarch64": "aarch64",
                    "arm64": "aarch64"}
_ELF_MACHINES: Final = {62: "x86_64", 183: "aarch64"}
_OS_NAMES: Final = {"linux": "Linux", "darwin": "macOS", "win32": "Windows", "cygwin": "Windows (Cygwin)"}


class Platform(NamedTuple):
    """An OS, a machine and (on Linux) a libc: what a native library must be built for."""

    os: str  # sys.platform: linux, darwin, win32, ...
    machine: str  # as the system names it (platform.machine() or the ELF file's machine)
    libc: str = ""  # "glibc", "musl", or "" (not Linux, or not known)

    @property
    def arch(self) -> str:
        """The machine under the name wheel tags use (x86_64, aarch64), else as named."""
        return _MACHINES.get(self.machine.lower(), self.machine)

    def __str__(self) -> str:
        name = _OS_NAMES.get(self.os, self.os)
        machine = self.machine if self.arch == self.machine else f"{self.machine} ({self.arch})"
        return f"{name} {machine}" + (f" with {self.libc}" if self.libc else "")

    @property
    def supported(self) -> bool:
        return self.os == "linux" and self.arch in ("x86_64", "aarch64") and self.libc in ("glibc", "musl")

    def runs(self, built: "Platform") -> bool:
        """Whether a library built for ``built`` can run here (an unknown libc is no objection)."""
        return (
            self.os == built.os
            and self.arch == built.arch
            and (not self.libc or not built.libc or self.libc == built.libc)
        )


def host_platform() -> Platform:
    """The platform this interpreter runs on (only asked when no library loads)."""
    import glob
    import platform

    libc = ""
    if sys.platform.startswith("linux"):
        try:
            gnu = os.confstr("CS_GNU_LIBC_VERSION") or ""
        except (AttributeError, ValueError, OSError):  # not glibc: musl has no such name
            gnu = ""
        if gnu.startswith("glibc"):
            libc = "glibc"
        elif glob.glob("/lib/ld-musl-*.so.1"):
            libc = "musl"
    return Platform("linux" if sys.platform.startswith("linux") else sys.platform, platform.machine(), libc)


def library_platform(path: Path) -> Optional[Platform]:
    """The platform a library file is built for, from its ELF header and DT_NEEDED entries (musl
    builds need ``libc.so``, glibc builds ``libc.so.6``); None when it is no 64-bit ELF file."""
    try:
        data = path.read_bytes()
        if data[:6] != b"\x7fELF\x02\x01":
            return None
        e_machine, = struct.unpack_from("<H", data, 0x12)
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
        needed: list[bytes] = []
        for _, sh_type, _, _, off, size, link, _, _, _ in sections:
            if sh_type != 6:  # SHT_DYNAMIC
                continue
            strtab = sections[link][4]
            for i in range(0, size, 16):
                tag, val = struct.unpack_from("<qQ", data, off + i)
                if tag == 0:
                    break
                if tag == 1:  # DT_NEEDED
                    start = strtab + val
                    needed.append(data[start:data.index(b"\0", start)])
    except (OSError, struct.error, ValueError, IndexError):
        return None
    libc = ""
    if any(n == b"libc.so" or n.startswith((b"libc.musl-", b"ld-musl-")) for n in needed):
        libc = "musl"
    elif b"libc.so.6" in needed:
        libc = "glibc"
    return Platform("linux", _ELF_MACHINES.get(e_machine, f"ELF machine {e_machine}"), libc)


def platform_advice(host: Platform, built: Optional[Platform] = None) -> str:
    """Names the platform found and the supported ones, and what to do."""
    text = f"This is {host}."
    mismatch = built is not None and not host.runs(built)
    if mismatch:
        text += f" The library is built for {built}."
    text += " soter-verify supports: " + "; ".join(SUPPORTED_PLATFORMS) + "."
    if host.os != "linux":
        text += (
            f" There are no {_OS_NAMES.get(host.os, host.os)} builds (they cannot be built or "
            "tested where the package is released): run the service in a Linux container (Docker "
            "or Podman, e.g. the python:3.12-slim or python:3.12-alpine image; on Apple Silicon "
            "that is Linux aarch64, which the manylinux_2_17_aarch64 wheel serves) and install "
            "soter-verify there."
        )
    elif not host.supported:
        text += (
            " No wheel exists for this platform: pip builds from the source distribution, which "
            "needs a Rust toolchain (https://rustup.rs) and is not tested here."
        )
    elif mismatch:
        text += (
            " The package was installed for another platform (a virtualenv or site-packages "
            "copied between machines or images, or pip --platform): reinstall it here with pip, "
            "which picks the wheel for this platform."
        )
    return text
