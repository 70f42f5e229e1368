#!/usr/bin/env bash
# Benchmark: soter-verify's PublicKey.verify and Soter.authenticate vs the same work on the JDK
# (RSASSA-PSS; for authenticate also Base64, a JSON parse and the compares), interleaved.
# Usage: bindings/java/bench.sh [calls-per-round]   (after `make build` at the repo root)
#        bindings/java/bench.sh async [calls] [delay-ms]: concurrent soterVerifySignatureAsync
#        against the emulator answering after delay-ms (defaults 100 and 200; issue 20's figures).
#        JAVA=/path/to/java picks the JVM (21+ runs the default executor on virtual threads).
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
# The test class path: the JDK baseline parses JSON with Jackson (a test dependency); the
# emulator and devices AsyncBenchmark uses are in target/test-classes (pom.xml compiles the
# soter-verify-testing sources into the core's tests).
mvn -q -B -ntp -Dstyle.color=never dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt >/dev/null
main=io.soterverify.VerifyBenchmark
if [ "${1:-}" = async ]; then
    main=io.soterverify.AsyncBenchmark
    shift
fi
exec "${JAVA:-java}" -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" \
    -Dsoter.vectors="$root/tests/vectors/tencent-soter-sample" \
    "$main" "$@"
