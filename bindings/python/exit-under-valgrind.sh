#!/usr/bin/env bash
# make hardening: the interpreter exits with a native call in flight, under valgrind (see
# tests/exit_under_valgrind.py). Uses the source package and the library `make build` made
# (SOTER_RELEASE_DIR, default the portable build's directory).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export SOTER_VERIFY_LIB="${SOTER_RELEASE_DIR:-$root/target/x86_64-unknown-linux-gnu/release}/libsoter_verify.so"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
exec "$python" "$here/tests/exit_under_valgrind.py"
