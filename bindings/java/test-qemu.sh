#!/usr/bin/env bash
# bindings/java/test-qemu.sh [MAVEN ARGS...]: a Java smoke test on Linux aarch64, on this x86-64
# machine: Debian's arm64 OpenJDK 17 JRE (unpacked with dpkg -x, not installed: no root needed for
# it) runs under qemu-aarch64 with the release core jar and JNA on its class path, loads the jar's
# linux-aarch64/ library and verifies the tencent-soter-sample vectors (QemuSmoke.java); then a
# jar without linux-aarch64/ must fail naming the platform and the jar's libraries.
# Needs: qemu-aarch64 (qemu-user) and the arm64 glibc through multiarch (libc6:arm64, from
# packaging/cross.sh), the four targets' release builds (the release jar requires them; MAVEN ARGS
# such as -Dsoter.native.dir.linux-aarch64=DIR point elsewhere), apt-get and dpkg.
# Cached (idempotent): target/java-qemu/root (about 200 MB) per the pinned versions below; the first
# run downloads 44 MB of debs. Measured: 15 s cached (the JVM runs take 4-5 s and 3 s), 52 s first.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="$repo/target/java-qemu"

# Pinned (Debian 12 arm64). A version the archive no longer has: set the variable to the candidate
# of `apt-cache policy openjdk-17-jre-headless:arm64`.
jdk_version="${SOTER_QEMU_JDK_VERSION:-17.0.21.1+2-1~deb12u1}"
gcc_version="${SOTER_QEMU_GCC_VERSION:-12.2.0-14+deb12u1}"
zlib_version="${SOTER_QEMU_ZLIB_VERSION:-1:1.2.13.dfsg-1+deb12u1}"
# The JRE and the libraries its launcher and libjvm need (glibc itself comes from multiarch).
pkgs=("openjdk-17-jre-headless:arm64=$jdk_version" "libstdc++6:arm64=$gcc_version"
      "libgcc-s1:arm64=$gcc_version" "zlib1g:arm64=$zlib_version")
java_home="usr/lib/jvm/java-17-openjdk-arm64"

fail() { echo "test-qemu.sh: $*" >&2; exit 1; }
command -v qemu-aarch64 >/dev/null || fail "qemu-aarch64 not found (Debian's qemu-user)"
[ -e /lib/ld-linux-aarch64.so.1 ] || fail "no arm64 glibc (/lib/ld-linux-aarch64.so.1): run packaging/cross.sh"
command -v mvn >/dev/null || fail "Maven (mvn) not found"
start=$(date +%s)

# The arm64 JRE tree, (re)made when the pinned versions change.
want="$(printf '%s\n' "${pkgs[@]}")"
if [ "$(cat "$cache/root/.packages" 2>/dev/null)" != "$want" ]; then
    rm -rf "$cache/debs" "$cache/root" "$cache/root.tmp"
    mkdir -p "$cache/debs" "$cache/root.tmp"
    # (apt-get download runs as the calling user; its sandbox warning as root is noise)
    download() { (cd "$cache/debs" && apt-get download -q "$@" 2>&1 | { grep -v 'unsandboxed as root' >&2 || true; }); }
    if ! download "${pkgs[@]}"; then
        # Debian's security archive keeps only the latest build of a package: a pin it has
        # replaced is taken at apt's candidate instead, said loudly (this JRE only runs the test).
        floating=()
        for p in "${pkgs[@]}"; do
            name="${p%%=*}"
            floating+=("$name=$(apt-cache policy "$name" | awk '/Candidate:/ {print $2}')")
        done
        echo "test-qemu.sh: the pinned ${pkgs[*]} are not all in the archive; using ${floating[*]}" >&2
        rm -f "$cache"/debs/*.deb
        download "${floating[@]}" || fail "apt-get download ${floating[*]} failed (apt-get update?)"
    fi
    for d in "$cache"/debs/*.deb; do dpkg -x "$d" "$cache/root.tmp"; done
    [ -x "$cache/root.tmp/$java_home/bin/java" ] || fail "no $java_home/bin/java in the unpacked JRE"
    echo "$want" >"$cache/root.tmp/.packages"
    mv "$cache/root.tmp" "$cache/root"
    rm -rf "$cache/debs"   # unpacked: 44 MB less on disk
fi
root="$cache/root"

# The release core jar (all four targets) and JNA; the smoke class compiled on the host.
# (the jar only: no tests, javadoc or sources)
mkdir -p "$cache"
mvn -B -ntp -q -Dstyle.color=never -f "$here/pom.xml" package -Dsoter.dist=true -Dmaven.test.skip=true \
    -Dmaven.javadoc.skip=true -Dmaven.source.skip=true "$@" >"$cache/mvn.log" 2>&1 \
    || { cat "$cache/mvn.log" >&2; fail "the release core jar did not build (above)"; }
jar="$(ls "$here"/target/dist/soter-verify-*.jar | grep -v -- '-sources\|-javadoc')"
cp_jna="$(cat "$here/target/dist/runtime-classpath.txt")"
rm -rf "$cache/classes" "$cache/noarm"
javac --release 17 -d "$cache/classes" -cp "$jar:$cp_jna" "$here/src/test/smoke/QemuSmoke.java"
# The same jar without linux-aarch64/, for the error path.
mkdir -p "$cache/noarm/x"
(cd "$cache/noarm/x" && jar xf "$jar" && rm -rf linux-aarch64 && jar cfm ../core-noarm.jar META-INF/MANIFEST.MF .)

# -L: the guest's absolute paths (its loader, /etc/java-17-openjdk) are looked up in the tree
# first, then on the host (multiarch glibc). No JIT tiers past C1: quicker under emulation.
run() {
    env -u LD_LIBRARY_PATH -u JAVA_HOME -u JAVA_TOOL_OPTIONS qemu-aarch64 -L "$root" "$root/$java_home/bin/java" \
        -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -Djna.tmpdir="$cache/tmp" "$@"
}
mkdir -p "$cache/tmp"
vectors="$repo/tests/vectors/tencent-soter-sample"
t0=$(date +%s)
run -version 2>&1 | sed -n 1p
run -cp "$jar:$cp_jna:$cache/classes" QemuSmoke "$vectors"
t1=$(date +%s)
run -cp "$cache/noarm/core-noarm.jar:$cp_jna:$cache/classes" QemuSmoke "$vectors" --none
t2=$(date +%s)
echo "test-qemu.sh: passed (arm64 JRE $jdk_version under $(qemu-aarch64 --version | sed -n 1p)): smoke" \
    "$((t1 - t0)) s, error path $((t2 - t1)) s, total $((t2 - start)) s"
