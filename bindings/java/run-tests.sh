#!/usr/bin/env bash
# Java suite: builds the jar (bundling ../../target/release/libsoter_verify.so) and runs JUnit 5
# through Maven, then checks that the jar alone (plus JNA) loads its native library.
# Prerequisite: `cargo build --release` at the repository root (make test-java does it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lib="$root/target/release/libsoter_verify.so"
if [ ! -f "$lib" ]; then
    echo "run-tests.sh: $lib is missing; run 'cargo build --release' in $root first" >&2
    exit 1
fi
command -v mvn >/dev/null || { echo "run-tests.sh: Maven (mvn) not found" >&2; exit 1; }
cd "$here"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# No -q: Surefire's summary is INFO output. The full log is kept and filtered instead.
status=0
mvn -B -ntp -Dstyle.color=never verify -Dsoter.native.dir="$root/target/release" "$@" >"$log" 2>&1 || status=$?
grep -E 'Tests run:|Tests are skipped|MemoryTest:|\[WARNING\] .*(skipp|Skipp)|BUILD FAILURE|COMPILATION ERROR' "$log" \
    | sed -e 's/^\[INFO\] //' || true
# Why tests were skipped (JUnit assumptions, e.g. ../shared absent), once per reason.
grep -ho 'Assumption failed: .*' target/surefire-reports/TEST-*.xml 2>/dev/null \
    | sed -e 's/^Assumption failed: /skipped: /' | sort -u || true
if [ "$status" -ne 0 ]; then
    echo "---- Maven failed (exit $status); last lines of its log: ----" >&2
    grep -vE '^\[INFO\] (Download|Copying|$)' "$log" | tail -n 120 >&2
    exit "$status"
fi

# The jar by itself: no jna.library.path, no LD_LIBRARY_PATH.
jar="$(ls target/soter-verify-*.jar | grep -v -- '-sources\|-javadoc' | head -n1)"
if ! unzip -l "$jar" 2>/dev/null | grep -q 'linux-x86-64/libsoter_verify.so' \
        && ! jar tf "$jar" | grep -q 'linux-x86-64/libsoter_verify.so'; then
    echo "run-tests.sh: $jar does not contain linux-x86-64/libsoter_verify.so" >&2
    exit 1
fi
env -u LD_LIBRARY_PATH java -cp "$jar:$(cat target/runtime-classpath.txt)" src/test/smoke/JarSmoke.java
env -u LD_LIBRARY_PATH java -Djna.library.path="$root/target/release" \
    -cp "$jar:$(cat target/runtime-classpath.txt)" src/test/smoke/JarSmoke.java "$root/target/release"
