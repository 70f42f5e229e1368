"""`make hardening`: the Python interpreter exits while a daemon thread is inside a slow WeChat
call (the emulator delays the answer), with the child under valgrind. Fails if valgrind reports
an invalid access or free in libsoter_verify (the exit finalizers used to free the client under
the call), or if the call does not come back normally.

Runs against the source package and the library in $SOTER_VERIFY_LIB (no install needed)."""

import os
import re
import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent))

from soter_verify.testing import Device, WeChatEmulator  # noqa: E402


def main() -> int:
    with WeChatEmulator("wx-exit", "exit-secret") as emu, Device() as phone:
        emu.register_device("o_exit", phone.public_key_pem)
        emu.add_token("EXIT-TOKEN", 600)
        emu.inject_fault("delay", 1, path="/cgi-bin/soter/verify_signature", delay=2.0)
        doc, sig = phone.sign_result("exit")
        log = here / "exit-valgrind.log"
        cmd = ["valgrind", "--quiet", f"--log-file={log}", "--leak-check=no", "--trace-children=no",
               sys.executable, str(here / "exit_child.py"), emu.base_url, "o_exit", doc.decode(), sig, "0", "8"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                             env={**os.environ, "PYTHONMALLOC": "malloc", "PYTHONPATH": str(here.parent)})
        report = log.read_text(errors="replace") if log.exists() else ""
        log.unlink(missing_ok=True)
    # valgrind error blocks are separated by blank lines; keep those naming our library.
    blocks = [b for b in re.split(r"\n==\d+== \n", report) if "soter_verify" in b and re.search(r"Invalid (read|write|free)|uninitialised", b)]
    print(f"python exit under valgrind: exit code {out.returncode}, stdout {out.stdout.split()}, "
          f"{len(blocks)} valgrind error(s) in libsoter_verify")
    for b in blocks[:3]:
        print(b[:3000])
    ok = out.returncode == 0 and not blocks and "CALL-RETURNED True" in out.stdout
    if not ok:
        print(out.stderr[-3000:])
    print(f"python exit: {1 if ok else 0} passed, {0 if ok else 1} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
