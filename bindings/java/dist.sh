#!/usr/bin/env bash
# bindings/java/dist.sh OUTDIR [MAVEN ARGS...]: the release jars into OUTDIR (make dist): the core
# jar bundling the four Linux targets' libraries (the dist profile, -Dsoter.dist=true, which fails
# naming any target not built), the test helpers and the Spring Boot starter, each with its -sources
# and -javadoc jar. The core jar's libraries are checked from their ELF bytes (DistJarCheck). Tests
# are not run here (make test-java runs them; SOTER_DIST=1 run-tests.sh runs them on the release jar).
# The libraries come from target/<triple>/release (packaging/build-target.sh TRIPLE); other
# directories with -Dsoter.native.dir=DIR (x86-64 glibc), -Dsoter.native.dir.linux-aarch64=DIR,
# -Dsoter.native.dir.linux-x86-64-musl=DIR, -Dsoter.native.dir.linux-aarch64-musl=DIR.
set -euo pipefail
out="${1:?usage: bindings/java/dist.sh OUTDIR [MAVEN ARGS...]}"
shift
mkdir -p "$out"
out="$(cd "$out" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
command -v mvn >/dev/null || { echo "dist.sh: Maven (mvn) not found" >&2; exit 1; }
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
mvn -B -ntp -q -Dstyle.color=never -f reactor.xml package -Dsoter.dist=true -DskipTests "$@" >"$log" 2>&1 \
    || { cat "$log" >&2; echo "dist.sh: the release jars did not build (above)" >&2; exit 1; }
core="$(ls target/dist/soter-verify-*.jar | grep -v -- '-sources\|-javadoc')"
java src/test/smoke/DistJarCheck.java "$core" --release
for j in target/dist/soter-verify-*.jar testing/target/soter-verify-testing-*.jar \
         spring-boot-starter/target/soter-verify-spring-boot-starter-*.jar; do
    cp "$j" "$out/"
    echo "$out/$(basename "$j")"
done
