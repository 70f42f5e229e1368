"""The WSGI app of test_deploy.py's gunicorn ``--preload`` test (not a test module itself).

At import, which ``--preload`` runs in the gunicorn master before it forks the workers, it builds
a Redis ReplayGuard and uses it once (a challenge issued and a login accepted), as an app that
warms its dependencies at startup does: the master's guard then holds an open connection that
every worker inherits. The workers serve:

    GET  /health               {"loaded_in": master pid, "pid": worker pid}
    GET  /challenge?subject=S  {"challenge": ..., "pid": ...}
    POST /login                JSON {"subject", "public_key", "result_json", "signature"}
                               200 {"ok": true, "raw", "counter", "pid"}, 403 {"ok": false,
                               "error": the VerificationFailed subclass}, 503 StoreUnavailable

Environment: SOTER_TEST_REDIS_URL (required), SOTER_TEST_PREFIX (key prefix).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from soter_verify import PublicKey, ReplayGuard, StoreUnavailable, VerificationFailed
from soter_verify.testing import Device

GUARD = ReplayGuard.redis(
    os.environ["SOTER_TEST_REDIS_URL"], prefix=os.environ.get("SOTER_TEST_PREFIX", "soter:"), timeout=2.0
)
LOADED_IN = os.getpid()


def _warm_up() -> None:
    with Device() as dev:
        challenge = GUARD.issue_challenge("warm-up")
        doc, sig = dev.sign_result(challenge)
        with dev.public_key as key:
            assert GUARD.authenticate(key, doc, sig, subject="warm-up").raw == challenge


_warm_up()

_Start = Callable[[str, list[tuple[str, str]]], Any]


def _reply(start_response: _Start, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def app(environ: dict[str, Any], start_response: _Start) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    pid = os.getpid()
    if path == "/health":
        return _reply(start_response, "200 OK", {"loaded_in": LOADED_IN, "pid": pid})
    if path == "/challenge":
        subject = parse_qs(environ.get("QUERY_STRING", ""))["subject"][0]
        try:
            challenge = GUARD.issue_challenge(subject)
        except StoreUnavailable as exc:
            return _reply(start_response, "503 Service Unavailable", {"error": str(exc), "pid": pid})
        return _reply(start_response, "200 OK", {"challenge": challenge, "pid": pid})
    if path == "/login" and environ.get("REQUEST_METHOD") == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        req = json.loads(environ["wsgi.input"].read(length))
        try:
            with PublicKey.load(req["public_key"]) as key:
                r = GUARD.authenticate(key, req["result_json"], req["signature"], subject=req["subject"])
        except VerificationFailed as exc:
            return _reply(start_response, "403 Forbidden", {"ok": False, "error": type(exc).__name__, "pid": pid})
        except StoreUnavailable as exc:
            return _reply(start_response, "503 Service Unavailable", {"ok": False, "error": str(exc), "pid": pid})
        return _reply(start_response, "200 OK", {"ok": True, "raw": r.raw, "counter": r.counter, "pid": pid})
    return _reply(start_response, "404 Not Found", {"error": path})
