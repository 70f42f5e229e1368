"""Private: the ``soter`` console script. Runs the CLI bundled in the wheel
(``soter_verify/_bin/soter``, the Rust binary of the same build as the library) with the given
arguments, in place of this Python process, so its output, exit status and signals are the CLI's own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Final, NoReturn, Optional, Sequence

BIN_NAME: Final = "soter.exe" if sys.platform == "win32" else "soter"
BIN_PATH: Final = Path(__file__).resolve().parent / "_bin" / BIN_NAME

#: Exit statuses when the CLI cannot be started, as a shell reports them: found but not runnable,
#: not found. The CLI itself uses 0, 1 and 2.
EXIT_CANNOT_EXECUTE: Final = 126
EXIT_NOT_FOUND: Final = 127


def run(binary: Path, args: Sequence[str]) -> NoReturn:
    """Replace this process with ``binary args...``; on failure print why and exit 126 or 127."""
    argv = [BIN_NAME, *args]
    try:
        if os.name != "posix":  # pragma: no cover - Linux is the supported platform
            # Windows' execv starts a new process and returns at once: wait for it instead.
            sys.exit(subprocess.call([str(binary), *args]))
        # Python ignores SIGPIPE and SIGXFSZ for itself; the CLI starts as from a shell (as
        # subprocess's restore_signals does).
        for name in ("SIGPIPE", "SIGXFSZ"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_DFL)
        os.execv(binary, argv)
    except OSError as e:
        missing = isinstance(e, FileNotFoundError)
        print(
            f"soter: cannot run the CLI bundled with soter-verify ({binary}): "
            f"{e.strerror or e}. "
            + (
                "The installation is incomplete: reinstall the soter-verify wheel."
                if missing
                else "Check that the file is executable and built for this machine."
            ),
            file=sys.stderr,
        )
        sys.exit(EXIT_NOT_FOUND if missing else EXIT_CANNOT_EXECUTE)


def main(argv: Optional[Sequence[str]] = None) -> NoReturn:
    """Entry point of the ``soter`` console script."""
    run(BIN_PATH, sys.argv[1:] if argv is None else argv)
