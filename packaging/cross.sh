#!/usr/bin/env bash
# Installs what building and testing the other Linux targets needs, from Debian's packages
# (rustup cannot download other targets' standard libraries on the build machines):
#   - Debian's Rust 1.96 (rustc-web, cargo-web) with its aarch64 standard library through
#     multiarch (libstd-rust-web-dev:arm64): a std must come from the very compiler build that
#     uses it, so the three are pinned to one Debian version;
#   - rust-web-src, the standard library's source, for -Zbuild-std on the musl targets (Debian
#     ships no musl std);
#   - qemu-user (runs the aarch64 programs here), the aarch64 cross compilers with their glibc
#     (the C tests), musl-tools (musl-gcc, the C tests against the musl build).
# zig (packaging/tools.sh) links every target, so the glibc 2.17 floor holds on aarch64 too.
#
# Idempotent and silent when everything is installed at the pinned versions. Needs root (or
# sudo) otherwise. Prints the Debian toolchain's bin directory (rustc and cargo 1.96).
# Cost, measured on the 2-core build machine: ~1 min and ~65 packages (about 700 MB installed;
# libstd for arm64 pulls arm64 glibc and LLVM through multiarch).
set -euo pipefail

rust_deb="1.96.0+dfsg1-1~deb12u2"
rust_version="1.96.0"
# package=version ("" = any: the emulator and the C cross compilers build nothing that ships).
pkgs=(
    "rustc-web:amd64=$rust_deb"
    "cargo-web:amd64=$rust_deb"
    "libstd-rust-web-dev:arm64=$rust_deb"
    "rust-web-src:all=$rust_deb"
    "libc6:arm64="       # the loader and libc qemu-aarch64 runs programs with (/lib)
    "qemu-user:amd64="
    "gcc-aarch64-linux-gnu:amd64="
    "g++-aarch64-linux-gnu:amd64="
    "libc6-dev-arm64-cross:all="
    "musl-tools:amd64="
    "musl:arm64="        # the aarch64 musl loader, for the aarch64-musl programs under qemu
)

missing=()
for p in "${pkgs[@]}"; do
    name="${p%%=*}" want="${p#*=}"
    have="$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$name" 2>/dev/null || true)"
    if [ "${have%% *}" != "installed" ] || { [ -n "$want" ] && [ "${have#* }" != "$want" ]; }; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "cross tools: installing ${missing[*]}" >&2
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        "${sudo[@]}" dpkg --add-architecture arm64
    fi
    "${sudo[@]}" apt-get update -qq >&2
    args=()
    for p in "${pkgs[@]}"; do
        name="${p%%=*}" want="${p#*=}"
        # apt wants name:arch=version; an :all package is named without its architecture.
        name="${name%:all}"
        args+=("$name${want:+=$want}")
    done
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${args[@]}" >&2
fi

got="$(/usr/bin/rustc --version)"
case "$got" in
    "rustc $rust_version "*) ;;
    *) echo "cross tools: /usr/bin/rustc is '$got', want $rust_version" >&2; exit 1 ;;
esac
echo /usr/bin
