#!/usr/bin/env bash
# bindings/python/test-qemu.sh: the Python suite's core tests on Linux aarch64 (glibc), run on
# this x86-64 machine under qemu-aarch64 (user mode), against the aarch64 wheel as built for
# release (test-cross.sh aarch64-unknown-linux-gnu). It says nothing about speed on real hardware.
#
# The interpreter is Debian's arm64 Python 3.11: its packages are fetched with `apt-get download`
# at the versions apt offers on the first run (recorded in versions.txt, reused after) and
# unpacked with `dpkg -x` into a root directory (nothing installed, no root needed). The arm64
# libc comes from the machine's multiarch libc6:arm64 (packaging/cross.sh installs it): qemu's
# -L prefix overlays the root on /, so a file missing from the root is taken from the host.
# pytest (pure Python) is installed for that interpreter with pip --target. All cached under
# target/qemu-python; a second run only runs the tests.
#
#   SOTER_CROSS_RELEASE_ROOT  the target/ directory holding aarch64-unknown-linux-gnu/release
#   extra arguments are passed to pytest (e.g. -k vectors -x)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="$root/target/qemu-python"
sysroot="$cache/root"
triple=aarch64-unknown-linux-gnu
start=$SECONDS

command -v qemu-aarch64 >/dev/null || { echo "test-qemu.sh: qemu-aarch64 is missing" \
    "(bash packaging/cross.sh installs qemu-user)" >&2; exit 1; }
[ -e /lib/ld-linux-aarch64.so.1 ] || { echo "test-qemu.sh: no arm64 libc in /lib/aarch64-linux-gnu" \
    "(bash packaging/cross.sh installs libc6:arm64)" >&2; exit 1; }

# The interpreter and the libraries its standard library's extension modules need (the
# Depends of libpython3.11-stdlib that the tests reach; libc6 comes from multiarch).
pkgs=(python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libffi8 zlib1g libexpat1
      libssl3 libbz2-1.0 liblzma5 libuuid1 libcrypt1)
mkdir -p "$cache/debs"
if [ ! -s "$cache/versions.txt" ]; then
    for p in "${pkgs[@]}"; do
        v="$(apt-cache policy "$p:arm64" | sed -n 's/^  Candidate: //p')"
        [ -n "$v" ] && [ "$v" != "(none)" ] || { echo "test-qemu.sh: apt offers no $p:arm64" \
            "(dpkg --add-architecture arm64 && apt-get update: packaging/cross.sh)" >&2; exit 1; }
        echo "$p:arm64=$v"
    done >"$cache/versions.txt.new"
    mv "$cache/versions.txt.new" "$cache/versions.txt"
fi
if [ "$(cat "$sysroot/.stamp" 2>/dev/null)" != "$(cat "$cache/versions.txt")" ]; then
    echo "== qemu python: Debian arm64 packages ($(tr '\n' ' ' <"$cache/versions.txt"))"
    rm -rf "$sysroot" "$cache/debs"
    mkdir -p "$cache/debs" "$sysroot"
    (cd "$cache/debs" && xargs apt-get download -q <"$cache/versions.txt" >/dev/null)
    for deb in "$cache"/debs/*.deb; do dpkg -x "$deb" "$sysroot"; done
    cp "$cache/versions.txt" "$sysroot/.stamp"
fi

# sys.executable must start the interpreter under qemu too (the loader tests run it in a child
# process; this machine has no binfmt_misc entry): a wrapper beside the real binary, passed as
# argv[0], so Python finds its prefix from it and names it as sys.executable.
py="$sysroot/usr/bin/python3.11-qemu"
cat >"$py" <<EOF
#!/bin/sh
exec qemu-aarch64 -L "$sysroot" -0 "\$0" "$sysroot/usr/bin/python3.11" "\$@"
EOF
chmod +x "$py"

# pytest and its dependencies: pure Python, installed for the arm64 interpreter's version.
pytest_pins=(pytest==9.2.0 pluggy==1.7.0 iniconfig==2.3.1 packaging==26.4 pygments==2.21.0)
if [ "$(cat "$cache/pytest/.stamp" 2>/dev/null)" != "${pytest_pins[*]}" ]; then
    rm -rf "$cache/pytest"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
        --only-binary=:all: --python-version 3.11 --implementation py --target "$cache/pytest" \
        "${pytest_pins[@]}"
    echo "${pytest_pins[*]}" >"$cache/pytest/.stamp"
fi

# The release wheel for aarch64, unpacked: the package and its bundled library and CLI.
echo "== qemu python: the $triple wheel"
bash "$here/test-cross.sh" "$triple"
wheel="$(ls "$root/target/python-cross/$triple"/*.whl)"
rm -rf "$cache/site"
"$py" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$wheel" "$cache/site"
chmod +x "$cache/site/soter_verify/_bin/soter"
echo "== qemu python: $("$py" -c 'import platform, sys; print(sys.version.split()[0], platform.machine(), platform.libc_ver())')," \
    "setup $((SECONDS - start)) s"

# Core tests: the verification API, the C ABI's Python side, the loader. Left out: those needing
# third-party binary packages built for x86-64 here (cryptography, wechatpy, FastAPI, gunicorn),
# Redis, valgrind, or running the aarch64 CLI as a child process (no binfmt_misc).
t="$here/tests"
tests=("$t/test_vectors.py" "$t/test_authenticate.py" "$t/test_key.py" "$t/test_challenge.py"
       "$t/test_result_json.py" "$t/test_bad_input.py" "$t/test_errors.py" "$t/test_auth_key.py"
       "$t/test_handle.py" "$t/test_loader.py" "$t/test_header.py")
t0=$SECONDS
status=0
(cd "$cache" && env -u SOTER_VERIFY_LIB PYTHONPATH="$cache/site:$cache/pytest" \
    PYTHONDONTWRITEBYTECODE=1 SOTER_REPO_ROOT="$root" \
    "$py" -m pytest -p no:cacheprovider -q -ra "${tests[@]}" "$@") || status=$?
echo "== qemu python: tests $((SECONDS - t0)) s, total $((SECONDS - start)) s"
exit "$status"
