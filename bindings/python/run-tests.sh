#!/usr/bin/env bash
# Python suite, on the wheel users get: builds it (bundling the portable library and the `soter`
# CLI), checks its manylinux tag with auditwheel, installs it into a fresh venv whose PATH has no
# cargo (with tests/requirements.txt: test tools and the WeChat SDK the emulator is checked
# against), then runs mypy --strict and pytest against the installed package. `make test-python`
# calls it.
#
#   SOTER_VERIFY_PREBUILT the library to bundle, with the `soter` CLI beside it (default: the
#                         portable build of `make build`,
#                         target/x86_64-unknown-linux-gnu/release/libsoter_verify.so)
#   SOTER_PY_WHEEL        test this wheel instead of building one (test-sdist.sh does)
#   SOTER_PY_TESTS        test files or directories to run (default: the whole tests/ directory)
#   SOTER_PY_VENV         where to create the venv (default: target/python-venv, recreated)
#   PYTHON                interpreter to create the venv with (default: python3.11, else python3)
#   extra arguments are passed to pytest (e.g. -k vectors -x)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${SOTER_PY_VENV:-$root/target/python-venv}"
dist="$root/target/python-dist"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
tools="$(bash "$root/packaging/tools.sh")"

if [ -n "${SOTER_PY_WHEEL:-}" ]; then
    wheel="$SOTER_PY_WHEEL"
    dist="$(dirname "$wheel")"
else
    SOTER_VERIFY_PREBUILT="${SOTER_VERIFY_PREBUILT:-$root/target/x86_64-unknown-linux-gnu/release/libsoter_verify.so}"
    export SOTER_VERIFY_PREBUILT="$(realpath -m "$SOTER_VERIFY_PREBUILT")"
    if [ ! -f "$SOTER_VERIFY_PREBUILT" ]; then
        echo "run-tests.sh: $SOTER_VERIFY_PREBUILT is missing; run 'make build' in $root first" >&2
        exit 1
    fi
    echo "== python: wheel bundling $SOTER_VERIFY_PREBUILT"
    rm -rf "$dist"
    mkdir -p "$(dirname "$dist")"   # SOTER_VERIFY_PREBUILT may come from elsewhere: no target/ yet
    "$tools/python" -m build --wheel --no-isolation --outdir "$dist" "$here" >"$dist.log" 2>&1 \
        || { cat "$dist.log" >&2; exit 1; }
    rm -rf "$here/build" "$here"/*.egg-info
    wheel="$(ls "$dist"/*.whl)"
fi
echo "$(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"
case "$wheel" in
    *-manylinux_2_17_x86_64.manylinux2014_x86_64.whl) ;;
    *) echo "run-tests.sh: $wheel is not tagged manylinux_2_17_x86_64" >&2; exit 1 ;;
esac
"$tools/auditwheel" show "$wheel" | tee "$dist/auditwheel.txt" | sed -n '/consistent with/,/^$/p'
grep -q '"manylinux_2_17_x86_64"' "$dist/auditwheel.txt" \
    || { echo "run-tests.sh: auditwheel does not agree with manylinux_2_17_x86_64" >&2; exit 1; }

# The environment of a server: no Rust toolchain. Directories are not dropped from PATH (where
# a distribution installs cargo in /usr/bin, that would take grep and redis-server with it):
# cargo and rustc are shadowed by stubs that fail loudly, so a build attempt cannot pass.
echo "== python: fresh venv at $venv ($("$python" --version)), cargo and rustc shadowed"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv"
py="$venv/bin/python"
no_rust="$venv/no-rust"
mkdir -p "$no_rust"
for tool in cargo rustc rustup; do
    printf '#!/bin/sh\necho "%s is not available here (a server has no Rust toolchain)" >&2\nexit 127\n' "$tool" >"$no_rust/$tool"
    chmod +x "$no_rust/$tool"
done
clean_path="$no_rust:$PATH"
# SOTER_VERIFY_LIB must not leak in: the suite tests the bundled library.
run() { env -u SOTER_VERIFY_LIB -u SOTER_VERIFY_PREBUILT PATH="$venv/bin:$clean_path" SOTER_WHEEL_TEST=1 "$@"; }
run "$py" -m pip install --quiet --disable-pip-version-check "$wheel"

echo "== python: test tools and SDKs (tests/requirements.txt)"
run "$py" -m pip install --quiet --disable-pip-version-check -r "$here/tests/requirements.txt"

echo "== python: mypy --strict"
# tests/aio_service.py: a user's module on soter_verify.aio, so the async API's types are checked
# where users meet them.
(cd "$here" && run "$py" -m mypy --strict --no-incremental soter_verify tests/aio_service.py)

echo "== python: pytest"
# Run outside the source tree so `import soter_verify` finds the installed wheel, not ./soter_verify.
status=0
(cd "$venv" && run SOTER_REPO_ROOT="$root" "$py" -m pytest -p no:cacheprovider \
    -ra ${SOTER_PY_TESTS:-"$here/tests"} "$@") || status=$?
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: treating as a failure" >&2
    exit 1
fi
exit "$status"
