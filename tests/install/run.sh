#!/usr/bin/env bash
# `make test-install`: `make install` into a temporary PREFIX, then build and run what a C/C++ user
# writes against it: a CMake project (find_package(soter_verify), shared and static targets, C and
# C++) and pkg-config compiles (C shared, C++ shared, C static with Libs.private). Nothing from the
# source tree is on their include or library paths.
# tests/dist/check.sh runs it on a release tarball instead: SOTER_INSTALL_PREFIX (an unpacked tree,
# not installed again), CC and CXX (CXX empty: C only, as with musl-gcc).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
vectors="$root/tests/vectors/tencent-soter-sample"
for tool in cmake pkg-config; do
    command -v "$tool" >/dev/null || { echo "test-install: $tool is required (apt-get install $tool)" >&2; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cc="${CC:-cc}" cxx="${CXX-c++}"
if [ -n "${SOTER_INSTALL_PREFIX:-}" ]; then
    prefix="$SOTER_INSTALL_PREFIX"
else
    prefix="$work/prefix"
    make -C "$root" --no-print-directory -s install PREFIX="$prefix"
fi
version="$(make -C "$root" --no-print-directory -s version)"
echo "== installed soter-verify $version into a temporary PREFIX:"
(cd "$prefix" && find . -type f | sort | sed 's/^\./  /')
"$prefix/bin/soter" --version

echo "== CMake: find_package(soter_verify $version EXACT)"
cmake -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DEXPECTED_VERSION="$version" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$cc" -DWITH_CXX="$([ -n "$cxx" ] && echo ON || echo OFF)" \
    ${cxx:+-DCMAKE_CXX_COMPILER="$cxx"} >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log" >&2; exit 1; }
cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log" >&2; exit 1; }
for exe in consumer_c ${cxx:+consumer_cpp} consumer_static; do
    "$work/cmake/$exe" "$vectors" "$version"
done
# The static build must not need the shared library at run time.
if readelf -d "$work/cmake/consumer_static" | grep -q 'libsoter_verify'; then
    echo "test-install: consumer_static links libsoter_verify dynamically" >&2
    exit 1
fi

echo "== pkg-config soter_verify (version $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --modversion soter_verify))"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion soter_verify)" = "$version" ] || { echo "test-install: pkg-config version differs" >&2; exit 1; }
rpath="-Wl,-rpath,$(pkg-config --variable=libdir soter_verify)"
# shellcheck disable=SC2046 # pkg-config output is a list of flags
$cc -std=c11 -Wall -Wextra -Werror "$here/consumer.c" -o "$work/pc_c" $(pkg-config --cflags --libs soter_verify) "$rpath"
if [ -n "$cxx" ]; then
    # shellcheck disable=SC2046
    $cxx -std=c++17 -Wall -Wextra -Werror "$here/consumer.cpp" -o "$work/pc_cpp" $(pkg-config --cflags --libs soter_verify) "$rpath"
fi
# Static: the archive, then Libs.private (what Rust's std needs from the system).
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Wextra -Werror "$here/consumer.c" -o "$work/pc_static" $(pkg-config --cflags soter_verify) \
    $(pkg-config --static --libs soter_verify | sed "s|-lsoter_verify\\b|$(pkg-config --variable=libdir soter_verify)/libsoter_verify.a|")
for exe in pc_c ${cxx:+pc_cpp} pc_static; do
    env -u LD_LIBRARY_PATH "$work/$exe" "$vectors" "$version"
done
echo "test-install: CMake and pkg-config consumers built and ran against the installed tree"
