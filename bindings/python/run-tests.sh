#!/usr/bin/env bash
# Python suite: a fresh virtual environment, `pip install ./bindings/python` (which builds the
# Rust library with cargo and bundles it in a platform wheel), then mypy --strict and pytest
# against the installed package. Run from anywhere; `make test-python` calls it.
#
#   SOTER_PY_VENV         where to create the venv (default: target/python-venv, recreated)
#   SOTER_VERIFY_PREBUILT bundle this already built library instead of running cargo
#   PYTHON                interpreter to create the venv with (default: python3.11, else python3)
#   extra arguments are passed to pytest (e.g. -k vectors -x)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${SOTER_PY_VENV:-$root/target/python-venv}"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"

echo "== python: fresh venv at $venv ($("$python" --version))"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv"
py="$venv/bin/python"

echo "== python: pip install ./bindings/python (cargo build --release + bundle)"
# SOTER_VERIFY_LIB must not leak in: the suite tests the bundled library.
unset SOTER_VERIFY_LIB
(cd "$root" && "$py" -m pip install --disable-pip-version-check ./bindings/python)
rm -rf "$here/build" "$here"/*.egg-info

echo "== python: test tools"
"$py" -m pip install --quiet --disable-pip-version-check "pytest>=7" "mypy>=1.5"

echo "== python: mypy --strict"
(cd "$here" && "$py" -m mypy --strict --no-incremental soter_verify)

echo "== python: pytest"
# Run outside the source tree so `import soter_verify` finds the installed wheel, not ./soter_verify.
status=0
(cd "$venv" && SOTER_REPO_ROOT="$root" "$py" -m pytest -p no:cacheprovider \
    -ra "$here/tests" "$@") || status=$?
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: treating as a failure" >&2
    exit 1
fi
exit "$status"
