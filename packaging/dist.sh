#!/usr/bin/env bash
# packaging/dist.sh: everything a release holds, into dist/ (`make dist`, after the four builds):
#   - a wheel per target: manylinux_2_17_{x86_64,aarch64}, musllinux_1_2_{x86_64,aarch64}, each
#     with the library and the `soter` CLI, and the sdist;
#   - the Java jars: the core jar bundling the four libraries (glibc and musl, x86-64 and aarch64;
#     the loader picks one at run time), the testing jar, the Spring Boot starter, their sources;
#   - a tarball per target for C/C++: header, .so, .a, the CLI, pkg-config and CMake files
#     (`make install-files`' tree, relocatable);
#   - SHA256SUMS.
# Then tests/dist/check.sh checks what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
triples=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
version="$(make --no-print-directory -s version)"
tools="$(bash packaging/tools.sh)"
dist="$root/dist"
rm -rf "$dist"
mkdir -p "$dist"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for t in "${triples[@]}"; do
    [ -f "target/$t/release/libsoter_verify.so" ] && [ -f "target/$t/release/soter" ] \
        || { echo "dist: target/$t/release is not built (make build build-cross)" >&2; exit 1; }
done

echo "== C/C++ tarballs"
for t in "${triples[@]}"; do
    name="soter-verify-$version-$t"
    make --no-print-directory -s install-files RELEASE="target/$t/release" DESTDIR="$work/$t" PREFIX="/$name"
    cp LICENSE-MIT LICENSE-APACHE "$work/$t/$name/"
    # Reproducible: sorted names, fixed owner and time (the commit's).
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$(git log -1 --format=%ct 2>/dev/null || echo 0)" \
        -C "$work/$t" -czf "$dist/$name.tar.gz" "$name"
    echo "  $name.tar.gz"
done

echo "== Python: a wheel per target (each checked: tag, auditwheel, contents, CLI, dlopen), the sdist"
for t in "${triples[@]}"; do
    SOTER_CROSS_WHEEL_DIR="$work/wheel-$t" bash bindings/python/test-cross.sh "$t"
    cp "$work/wheel-$t"/*.whl "$dist/"
done
"$tools/python" -m build --sdist --no-isolation --outdir "$dist" bindings/python >"$work/sdist.log" 2>&1 \
    || { cat "$work/sdist.log" >&2; exit 1; }
rm -rf bindings/python/*.egg-info

echo "== Java: the jars (the core jar with all four libraries)"
bash bindings/java/dist.sh "$dist" | sed "s|$dist/|  |"

(cd "$dist" && sha256sum -- * >SHA256SUMS)
bash tests/dist/check.sh "$dist"
