#!/usr/bin/env bash
# `make test-sdist`: the sdist builds from source with cargo, as `pip install soter-verify` does
# where no wheel fits. Builds the sdist, checks it carries the crate, builds a wheel from it (the
# crate's library and `soter` CLI compiled by cargo-zigbuild; target/ is shared so only the crate
# itself compiles), then runs part of the Python suite on that wheel, the `soter` console command
# included, in a fresh venv without cargo (run-tests.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools="$(bash "$root/packaging/tools.sh")"
out="$root/target/python-sdist"

echo "== sdist"
rm -rf "$out"
mkdir -p "$root/target"   # a fresh clone has no target/ yet
"$tools/python" -m build --sdist --no-isolation --outdir "$out" "$here" >"$out.log" 2>&1 \
    || { cat "$out.log" >&2; exit 1; }
rm -rf "$here"/*.egg-info
sdist="$(ls "$out"/*.tar.gz)"
echo "$(basename "$sdist") ($(du -k "$sdist" | cut -f1) KiB)"
name="$(basename "$sdist" .tar.gz)"
listing="$(tar -tzf "$sdist")"
for f in rust/Cargo.toml rust/Cargo.lock rust/build.rs rust/src/lib.rs rust/src/ffi/mod.rs \
         rust/src/bin/soter.rs rust/src/bin/soter/reserialize.rs rust/include/soter_verify.h \
         LICENSE-MIT LICENSE-APACHE setup.py soter_verify/py.typed soter_verify/_cli.py; do
    grep -qx "$name/$f" <<<"$listing" || { echo "test-sdist: $f is missing from $sdist" >&2; exit 1; }
done

echo "== wheel from the sdist (cargo zigbuild of the crate it carries)"
# A fixed unpack directory keeps cargo's incremental state between runs.
tar -xzf "$sdist" -C "$out"
PATH="$tools:$PATH" CARGO_TARGET_DIR="$root/target" \
    "$tools/python" -m build --wheel --no-isolation --outdir "$out/wheel" "$out/$name" >"$out.log" 2>&1 \
    || { cat "$out.log" >&2; exit 1; }
grep -E 'soter-verify build: .*(zigbuild|glibc)' "$out.log" | sed 's/^/  /'

t="$here/tests"
SOTER_PY_VENV="$root/target/python-sdist-venv" SOTER_PY_WHEEL="$(ls "$out"/wheel/*.whl)" \
    SOTER_PY_TESTS="$t/test_packaging.py $t/test_vectors.py $t/test_loader.py $t/test_cli.py" bash "$here/run-tests.sh" -q
