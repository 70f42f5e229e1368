#!/usr/bin/env bash
# Benchmark: soter-verify's PublicKey.verify and Soter.authenticate vs the same work on the JDK
# (RSASSA-PSS; for authenticate also Base64, a JSON parse and the compares), interleaved.
# Usage: bindings/java/bench.sh [calls-per-round]   (after `make build` at the repo root)
# SOTER_NATIVE_DIR: the library's directory (default: the portable build, as the jar ships it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
native="$(realpath -m "${SOTER_NATIVE_DIR:-$root/target/x86_64-unknown-linux-gnu/release}")"
[ -f "$native/libsoter_verify.so" ] || { echo "bench.sh: run 'make build' first" >&2; exit 1; }
cd "$here"
# No javadoc or sources jar for a benchmark.
mvn -q -B -ntp -Dstyle.color=never package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
    -Dsoter.native.dir="$native"
# The test class path: the JDK baseline parses JSON with Jackson (a test dependency).
mvn -q -B -ntp -Dstyle.color=never dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt >/dev/null
exec java -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" \
    -Dsoter.vectors="$root/tests/vectors/tencent-soter-sample" \
    io.soterverify.VerifyBenchmark "$@"
