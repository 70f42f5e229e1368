#!/usr/bin/env bash
# Benchmark: soter-verify's PublicKey.verify vs the JDK's RSASSA-PSS on the same key and signature.
# Usage: bindings/java/bench.sh [calls-per-round]   (after `cargo build --release` at the repo root)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ -f "$root/target/release/libsoter_verify.so" ] || { echo "bench.sh: run 'cargo build --release' first" >&2; exit 1; }
cd "$here"
mvn -q -B -ntp -Dstyle.color=never package -DskipTests -Dsoter.native.dir="$root/target/release"
exec java -cp "target/classes:target/test-classes:$(cat target/runtime-classpath.txt)" \
    -Dsoter.vectors="$root/tests/vectors/tencent-soter-sample" \
    io.soterverify.bench.VerifyBenchmark "$@"
