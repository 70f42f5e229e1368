"""Child process for the exit test (test_hardening.py, and exit_under_valgrind.py in `make
hardening`): a daemon thread enters a slow WeChat call, then the interpreter exits.

argv: base_url openid result_json signature check_frees(0|1) exit_pause_seconds
Prints MAIN-EXITS, then CALL-RETURNED <bool> if the call came back while the interpreter lived;
with check_frees=1, writes FREED-UNDER-A-CALL to stderr if the client is freed during the call.
"""

import atexit
import json
import sys
import threading
import time
import urllib.request

base, openid, doc, sig, check_frees, pause = sys.argv[1:7]
# atexit runs the last-registered first: this pause runs after every finalizer run at exit, so the
# daemon thread's slow call comes back while the interpreter is still alive.
atexit.register(time.sleep, float(pause))

import soter_verify  # noqa: E402
from soter_verify import _native as N  # noqa: E402

in_call = threading.Event()
returned = threading.Event()
if check_frees == "1":
    real_free = N.lib.soter_wechat_client_free

    def watched_free(ptr: object) -> None:
        if in_call.is_set() and not returned.is_set():
            sys.stderr.write("FREED-UNDER-A-CALL\n")
            sys.stderr.flush()
        real_free(ptr)

    N.lib.soter_wechat_client_free = watched_free


def tokens(force: bool) -> tuple[str, int]:
    return "EXIT-TOKEN", 600


client = soter_verify.WeChatClient("wx-exit", base_url=base, token_source=tokens)


def slow_call() -> None:
    in_call.set()
    ok = client.soter_verify_signature(openid, doc, sig)
    returned.set()
    print("CALL-RETURNED", ok, flush=True)


def requests_seen() -> int:
    with urllib.request.urlopen(base + "/__admin/counters", timeout=5) as r:
        return int(json.load(r)["requests"].get("/cgi-bin/soter/verify_signature", 0))


threading.Thread(target=slow_call, daemon=True).start()
# Wait until the call is at the emulator, held there by its delay fault.
deadline = time.monotonic() + 60
while requests_seen() == 0 and time.monotonic() < deadline:
    time.sleep(0.05)
print("MAIN-EXITS", flush=True)
