#!/usr/bin/env bash
# Java suite: builds the jars (the main one bundling the portable libsoter_verify.so, -sources,
# -javadoc with warnings as errors) and runs JUnit 5 through Maven, then checks the jars and that
# the main jar (plus JNA) loads its native library and carries no test helper. The test helpers
# (testing/: the soter-verify-testing artifact, emulator, simulated device, JUnit 5 extension) and
# the Spring Boot starter (spring-boot-starter/) are built and tested in the same Maven run
# (reactor.xml), against this checkout's core jar. Arguments go to Maven, e.g. -Dtest=Name (a module without such a test passes).
# Prerequisite: `make build` at the repository root (make test-java does it).
#   SOTER_NATIVE_DIR  the directory of the library to bundle (default: the portable build,
#                     target/x86_64-unknown-linux-gnu/release)
#   SOTER_DIST=1      the release jar (-Dsoter.dist=true): also bundles, and requires, the aarch64 and
#                     musl builds (target/<triple>/release, or -Dsoter.native.dir.linux-aarch64=DIR,
#                     ...-linux-x86-64-musl, ...-linux-aarch64-musl), checked for all four below
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
native="$(realpath -m "${SOTER_NATIVE_DIR:-$root/target/x86_64-unknown-linux-gnu/release}")"
lib="$native/libsoter_verify.so"
if [ ! -f "$lib" ]; then
    echo "run-tests.sh: $lib is missing; run 'make build' in $root first" >&2
    exit 1
fi
command -v mvn >/dev/null || { echo "run-tests.sh: Maven (mvn) not found" >&2; exit 1; }
cd "$here"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# No -q: Surefire's summary is INFO output. The full log is kept and filtered instead.
status=0
dist=()
build=target    # the core module's build directory; the release build's own is target/dist
if [ "${SOTER_DIST:-0}" = 1 ]; then dist=(-Dsoter.dist=true); build=target/dist; fi
mvn -B -ntp -Dstyle.color=never -f reactor.xml verify -Dsoter.native.dir="$native" ${dist[@]+"${dist[@]}"} \
    -Dsurefire.failIfNoSpecifiedTests=false "$@" >"$log" 2>&1 || status=$?
grep -E 'Tests run:|Tests are skipped|MemoryTest:|\[WARNING\] .*(skipp|Skipp)|BUILD FAILURE|COMPILATION ERROR' "$log" \
    | sed -e 's/^\[INFO\] //' || true
# Why tests were skipped (JUnit assumptions, aborts such as no redis-server), once per reason.
grep -ho 'Assumption failed: .*\|TestAbortedException: .*' $build/surefire-reports/TEST-*.xml \
        spring-boot-starter/target/surefire-reports/TEST-*.xml testing/target/surefire-reports/TEST-*.xml 2>/dev/null \
    | sed -e 's/^Assumption failed: /skipped: /' -e 's/^TestAbortedException: /skipped: /' | sort -u || true
if [ "$status" -ne 0 ]; then
    echo "---- Maven failed (exit $status); last lines of its log: ----" >&2
    grep -vE '^\[INFO\] (Download|Copying|$)' "$log" | tail -n 120 >&2
    exit "$status"
fi

# The three artifacts `mvn install` puts in the local repository, for the jar matching $1; the
# main jar's name is left in $jar, and it must hold the entries named after $1.
check_jars() {
    jar="$(ls $1 | grep -v -- '-sources\|-javadoc' | head -n1)"
    for j in "$jar" "${jar%.jar}-sources.jar" "${jar%.jar}-javadoc.jar"; do
        [ -s "$j" ] || { echo "run-tests.sh: $j was not built" >&2; exit 1; }
        echo "$(basename "$j"): $(du -k "$j" | cut -f1) KiB"
    done
    local listing entry
    listing="$(jar tf "$jar")"
    shift
    for entry in "$@"; do
        grep -qx "$entry" <<<"$listing" || { echo "run-tests.sh: $jar does not contain $entry" >&2; exit 1; }
    done
}

check_jars "$build/soter-verify-*.jar" linux-x86-64/libsoter_verify.so META-INF/LICENSE-MIT META-INF/LICENSE-APACHE
core_jar="$jar"   # $jar is the starter's after its check_jars below
cmp -s <(unzip -p "$jar" linux-x86-64/libsoter_verify.so) "$lib" \
    || { echo "run-tests.sh: $jar bundles another library than $lib" >&2; exit 1; }
# Each bundled library is for its directory's platform (ELF machine, libc); all four in a release jar.
java src/test/smoke/DistJarCheck.java "$jar" ${dist[@]+--release}
# (and the check fails a library under another platform's directory)
bad="$(mktemp -d)"
mkdir -p "$bad/linux-aarch64"
cp "$lib" "$bad/linux-aarch64/"
(cd "$bad" && jar cf bad.jar linux-aarch64)
if java src/test/smoke/DistJarCheck.java "$bad/bad.jar" >/dev/null 2>&1; then
    echo "run-tests.sh: DistJarCheck accepted an x86-64 library under linux-aarch64/" >&2; exit 1
fi
rm -rf "$bad"
unzip -p "$jar" META-INF/MANIFEST.MF | grep -q '^Automatic-Module-Name: io.soterverify' \
    || { echo "run-tests.sh: $jar has no Automatic-Module-Name" >&2; exit 1; }
jar tf "${jar%.jar}-javadoc.jar" | grep -qx 'io/soterverify/PublicKey.html' \
    || { echo "run-tests.sh: the javadoc jar has no io/soterverify/PublicKey.html" >&2; exit 1; }

# The core jar carries no test helper: they are the soter-verify-testing artifact.
# (Files only: an empty directory left in target/classes by an older build is no helper.)
if unzip -l "$jar" | grep -qE 'io/soterverify/testing/.*[^/]$'; then
    echo "run-tests.sh: $jar contains test helpers (io/soterverify/testing):" >&2
    unzip -l "$jar" | grep -E 'io/soterverify/testing/.*[^/]$' >&2
    exit 1
fi
echo "$(basename "$jar"): no io/soterverify/testing classes"

# The test helpers' jars (the emulator and device classes, and the JUnit 5 extension).
check_jars 'testing/target/soter-verify-testing-*.jar' \
    io/soterverify/testing/WeChatEmulator.class io/soterverify/testing/Device.class \
    io/soterverify/testing/TestingFfi.class io/soterverify/testing/junit5/SoterEmulatorExtension.class \
    META-INF/LICENSE-MIT META-INF/LICENSE-APACHE
testing_jar="$jar"
# Its version is the core's (which BundledLibraryTest ties to Cargo.toml).
core_version="$(basename "$core_jar" .jar)"; core_version="${core_version#soter-verify-}"
[ "$(basename "$testing_jar")" = "soter-verify-testing-$core_version.jar" ] \
    || { echo "run-tests.sh: $testing_jar: testing/pom.xml's <version> differs from the core's $core_version" >&2; exit 1; }
unzip -l "$testing_jar" | grep -q 'linux-x86-64/' \
    && { echo "run-tests.sh: $testing_jar bundles a native library (the core jar's is the one)" >&2; exit 1; }

# The core jar (with the testing jar for the emulator part, as a test class path has it): no
# jna.library.path, no LD_LIBRARY_PATH; the library comes from the core jar.
env -u LD_LIBRARY_PATH java -cp "$core_jar:$testing_jar:$(cat $build/runtime-classpath.txt)" src/test/smoke/JarSmoke.java
env -u LD_LIBRARY_PATH java -Djna.library.path="$native" \
    -cp "$core_jar:$testing_jar:$(cat $build/runtime-classpath.txt)" src/test/smoke/JarSmoke.java "$native"

# The starter's jars: auto-configuration registered, property metadata generated (IDE completion).
check_jars 'spring-boot-starter/target/soter-verify-spring-boot-starter-*.jar' \
    META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports META-INF/spring.factories \
    META-INF/spring-configuration-metadata.json META-INF/LICENSE-MIT META-INF/LICENSE-APACHE
# System.Logger routed to SLF4J and Logback, as applications that use them do.
env -u LD_LIBRARY_PATH java -cp "$core_jar:$testing_jar:$(cat $build/runtime-classpath.txt):$(cat $build/logback-classpath.txt)" \
    src/test/smoke/LogbackRouting.java
