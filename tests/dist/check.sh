#!/usr/bin/env bash
# tests/dist/check.sh DIST: checks what `make dist` left, as users get it:
#   - the four wheels, each tagged for its target, `auditwheel show` agreeing, carrying the library
#     and the `soter` CLI built for that machine and libc; the sdist carrying the crate;
#   - the core jar carrying the four libraries (one per machine and libc; DistJarCheck), no test
#     helpers;
#   - a tarball per target with the header, both libraries, the CLI, pkg-config and CMake files:
#     the x86-64 glibc one through the whole install test (CMake, pkg-config, C, C++, static), the
#     x86-64 musl one the same with zig's musl toolchain, the aarch64 ones' CLI on the real-device vector
#     under qemu-aarch64;
#   - SHA256SUMS.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dist="$(cd "${1:-$root/dist}" && pwd)"
version="$(make -C "$root" --no-print-directory -s version)"
tools="$(bash "$root/packaging/tools.sh")"
vectors="$root/tests/vectors/tencent-soter-sample"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "dist check: $*" >&2; exit 1; }

# elf_kind FILE: "<machine> <libc>", e.g. "x86-64 glibc", "aarch64 musl", from the ELF header
# (e_machine) and what the file links (libc.so.6 is glibc's soname; musl's is libc.so, and
# its programs' loader is ld-musl).
elf_kind() {
    local machine libc dyn
    case "$(od -An -t u2 -j 18 -N 2 "$1" | tr -d ' ')" in
        62) machine=x86-64 ;; 183) machine=aarch64 ;; *) machine=other ;;
    esac
    dyn="$(LC_ALL=C readelf -dl "$1")"
    # (a wheel's musl files name libc.musl-<arch>.so.1, as musllinux wheels must)
    if grep -q 'ld-musl-\|Shared library: \[libc\.so\]\|Shared library: \[libc\.musl-' <<<"$dyn"; then libc=musl
    elif grep -q 'Shared library: \[libc\.so\.6\]' <<<"$dyn"; then libc=glibc
    elif ! grep -q 'Shared library:\|interpreter' <<<"$dyn"; then libc=static
    else libc=other; fi
    echo "$machine $libc"
}
expect_kind() {  # expect_kind FILE "machine libc"; a musl program may be static (zig links the CLI so)
    local got; got="$(elf_kind "$1")"
    [ "$got" = "$2" ] || { [ "$got" = "${2% musl} static" ] && [ "${2##* }" = musl ]; } \
        || fail "$1 is '$got', want '$2'"
}

declare -A tag=(
    [x86_64-unknown-linux-gnu]=manylinux_2_17_x86_64 [aarch64-unknown-linux-gnu]=manylinux_2_17_aarch64
    [x86_64-unknown-linux-musl]=musllinux_1_2_x86_64 [aarch64-unknown-linux-musl]=musllinux_1_2_aarch64)
declare -A kind=(
    [x86_64-unknown-linux-gnu]="x86-64 glibc" [aarch64-unknown-linux-gnu]="aarch64 glibc"
    [x86_64-unknown-linux-musl]="x86-64 musl" [aarch64-unknown-linux-musl]="aarch64 musl")

echo "== wheels"
for t in "${!tag[@]}"; do
    w=("$dist"/soter_verify-"$version"-*"${tag[$t]}"*.whl)
    [ "${#w[@]}" -eq 1 ] && [ -f "${w[0]}" ] || fail "no single ${tag[$t]} wheel in $dist"
    # auditwheel finds musl's libraries through /etc/ld-musl-*.path and refuses a machine with two
    # (multiarch, as here): it is given the target's musl directories (see test-cross.sh).
    ldpaths=()
    case "$t" in *-musl) a="${t%%-*}"; ldpaths=(--ldpaths "/lib/$a-linux-musl:/usr/lib/$a-linux-musl") ;; esac
    "$tools/auditwheel" show --json "${ldpaths[@]}" "${w[0]}" >"$work/aw.json" 2>"$work/aw.err" \
        || { cat "$work/aw.err" >&2; fail "auditwheel show ${w[0]}"; }
    got="$("$tools/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["overall_tag"])' "$work/aw.json")"
    [ "$got" = "${tag[$t]}" ] || fail "auditwheel says $got for ${w[0]}, want ${tag[$t]}"
    rm -rf "$work/whl"; mkdir "$work/whl"
    (cd "$work/whl" && unzip -q "${w[0]}")
    expect_kind "$work/whl/soter_verify/lib/libsoter_verify.so" "${kind[$t]}"
    expect_kind "$work/whl/soter_verify/_bin/soter" "${kind[$t]}"
    echo "  $(basename "${w[0]}"): ${kind[$t]}, auditwheel agrees"
done
sdist="$dist/soter_verify-$version.tar.gz"
[ -f "$sdist" ] || fail "no sdist $sdist"
listing="$(tar -tzf "$sdist")"   # whole: grep -q closing a pipe early would fail tar under pipefail
grep -q "/rust/Cargo.toml$" <<<"$listing" || fail "the sdist does not carry the crate"
echo "  $(basename "$sdist"): carries the crate"

echo "== Java"
jar="$dist/soter-verify-$version.jar"
[ -f "$jar" ] || fail "no core jar $jar"
# Each library for the platform of its directory, all four present: the Java suite's own check.
java "$root/bindings/java/src/test/smoke/DistJarCheck.java" "$jar" --release
rm -rf "$work/jar"; mkdir "$work/jar"
(cd "$work/jar" && unzip -q "$jar")
if find "$work/jar" -path '*/testing/*' -name '*.class' | grep -q .; then fail "the core jar carries test helpers"; fi
for j in soter-verify-testing soter-verify-spring-boot-starter; do
    [ -f "$dist/$j-$version.jar" ] || fail "no $j-$version.jar"
done

echo "== C/C++ tarballs"
for t in "${!tag[@]}"; do
    name="soter-verify-$version-$t"
    tar -xzf "$dist/$name.tar.gz" -C "$work"
    p="$work/$name"
    for f in include/soter_verify.h lib/libsoter_verify.so lib/libsoter_verify.a bin/soter \
             lib/pkgconfig/soter_verify.pc lib/cmake/soter_verify/soter_verifyConfig.cmake \
             lib/cmake/soter_verify/soter_verifyConfigVersion.cmake LICENSE-MIT LICENSE-APACHE; do
        [ -f "$p/$f" ] || fail "$name.tar.gz has no $f"
    done
    expect_kind "$p/lib/libsoter_verify.so" "${kind[$t]}"
    expect_kind "$p/bin/soter" "${kind[$t]}"
    cmp -s "$p/include/soter_verify.h" "$root/include/soter_verify.h" || fail "$name.tar.gz's header differs"
    echo "  $name.tar.gz: ${kind[$t]}"
done
echo "-- x86_64-unknown-linux-gnu tarball: the install test (CMake, pkg-config; C, C++, static)"
SOTER_INSTALL_PREFIX="$work/soter-verify-$version-x86_64-unknown-linux-gnu" bash "$root/tests/install/run.sh"
echo "-- x86_64-unknown-linux-musl tarball: the install test with zig cc / c++ for musl"
# zig, not musl-gcc: Debian's musl-gcc links the host gcc's libgcc_eh, built for glibc, so nothing
# that unwinds links statically with it; zig brings a musl C/C++ toolchain with its own unwinder.
for tool in cc c++; do
    printf '#!/bin/sh\nexec "%s" -m ziglang %s -target x86_64-linux-musl "$@"\n' "$tools/python" "$tool" >"$work/zig-$tool"
    chmod +x "$work/zig-$tool"
done
SOTER_INSTALL_PREFIX="$work/soter-verify-$version-x86_64-unknown-linux-musl" CC="$work/zig-cc" CXX="$work/zig-c++" \
    bash "$root/tests/install/run.sh"
for t in aarch64-unknown-linux-gnu aarch64-unknown-linux-musl; do
    echo "-- $t tarball: its CLI verifies the real-device vector under qemu-aarch64"
    qemu-aarch64 "$work/soter-verify-$version-$t/bin/soter" verify --key "$vectors/auth_key.pem" \
        --json "$vectors/final_json.txt" --signature "$vectors/final_signature.bin" \
        --challenge "I'm a demo challenge string"
done

echo "== SHA256SUMS"
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match"
echo "dist check: $(ls "$dist" | wc -l) files in $dist checked"
