#!/usr/bin/env bash
# packaging/build-target.sh TRIPLE: the release build of one Linux target into
# target/TRIPLE/release (libsoter_verify.so, libsoter_verify.a, soter): the one recipe that
# `make build-cross`, `make dist` and the wheel build (SOTER_TARGET) share.
#   x86_64-unknown-linux-gnu   this machine's cargo + zig against glibc 2.17 (as `make build`)
#   aarch64-unknown-linux-gnu  Debian's Rust 1.96 with its aarch64 std (packaging/cross.sh) + zig,
#                              glibc 2.17
#   *-unknown-linux-musl       Debian's Rust 1.96, the std built from its source (-Zbuild-std;
#                              Debian ships no musl std) + zig; dynamic musl (-crt-static) so the
#                              cdylib exists
# Every build is checked: glibc symbol versions (gnu) or the musl loader (musl), and the ELF machine.
set -euo pipefail
cd "$(dirname "$0")/.."
triple="${1:?usage: packaging/build-target.sh TRIPLE}"
glibc=2.17
rel="target/$triple/release"
tools="$(bash packaging/tools.sh)"

case "$triple" in
    x86_64-unknown-linux-gnu)
        PATH="$tools:$PATH" "${CARGO:-cargo}" zigbuild --release --target "$triple.$glibc" --lib --bin soter ;;
    aarch64-unknown-linux-gnu|x86_64-unknown-linux-musl|aarch64-unknown-linux-musl)
        deb_bin="$(bash packaging/cross.sh)"
        extra=(--target "$triple.$glibc")
        case "$triple" in
            *-musl) extra=(-Zbuild-std=std,panic_abort --target "$triple")
                    export RUSTFLAGS="-C target-feature=-crt-static" ;;
        esac
        # Debian's toolchain called directly (cargo zigbuild through rustup's cargo would reset
        # CARGO). RUSTC_BOOTSTRAP for every cross target, not only musl's -Zbuild-std: the host
        # build scripts they share are then fingerprinted alike and built once.
        PATH="$tools:$PATH" RUSTC_BOOTSTRAP=1 CARGO="$deb_bin/cargo" RUSTC="$deb_bin/rustc" \
            RUSTDOC="$deb_bin/rustdoc" cargo-zigbuild zigbuild --release "${extra[@]}" --lib --bin soter ;;
    *) echo "packaging/build-target.sh: unsupported target $triple (supported:" \
            "x86_64/aarch64-unknown-linux-gnu/musl)" >&2; exit 2 ;;
esac

case "$triple" in
    x86_64-*) machine="X86-64" ;;
    aarch64-*) machine="AArch64" ;;
esac
for f in "$rel/libsoter_verify.so" "$rel/soter"; do
    got="$(LC_ALL=C readelf -h "$f" | awk -F: '/Machine:/ {gsub(/^ +/, "", $2); print $2}')"
    case "$got" in
        *"$machine"*) ;;
        *) echo "build-target: $f is for '$got', want $machine" >&2; exit 1 ;;
    esac
done
case "$triple" in
    *-gnu) bash packaging/check-glibc.sh "$glibc" "$rel/libsoter_verify.so" "$rel/soter" ;;
    *-musl)
        # A musl build must not need glibc: the library names musl's libc (libc.so, which musl's
        # loader resolves to itself) and no GLIBC_ version; zig links the CLI static-pie, so it runs
        # on any Linux of its machine; a dynamic one must use musl's loader.
        LC_ALL=C readelf -d "$rel/libsoter_verify.so" | grep -q 'Shared library: \[libc\.so\]' \
            || { echo "build-target: $rel/libsoter_verify.so does not link musl's libc.so" >&2; exit 1; }
        interp="$(LC_ALL=C readelf -l "$rel/soter" | sed -n 's/.*interpreter: \(.*\)]/\1/p')"
        case "$interp" in
            ""|/lib/ld-musl-*) ;;
            *) echo "build-target: $rel/soter's loader is '$interp', not musl's" >&2; exit 1 ;;
        esac
        for f in "$rel/libsoter_verify.so" "$rel/soter"; do
            if LC_ALL=C readelf -V "$f" | grep -q 'GLIBC_'; then
                echo "build-target: $f references glibc symbol versions" >&2; exit 1
            fi
        done ;;
esac
echo "build-target: $rel ($triple) built and checked" >&2
