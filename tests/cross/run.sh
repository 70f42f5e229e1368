#!/usr/bin/env bash
# tests/cross/run.sh TRIPLE: the tests of one other target's release build (target/TRIPLE/release),
# run on this x86-64 machine (`make test-cross`):
#   1. the build uses AWS-LC: the static library holds AWS-LC's assembly for the target (on
#      aarch64 its ARMv8 Montgomery multiplication), and the CLI reports aws-lc as its backend;
#   2. the real-device vectors (Tencent SOTER sample) through the target's `soter` CLI;
#   3. the C test programs, built with the target's C compiler (and C++ compiler where there is one)
#      against the header and the target's library.
# aarch64 programs run under qemu-aarch64 (user mode); musl programs on x86-64 run natively.
set -euo pipefail
cd "$(dirname "$0")/../.."
triple="$1"
rel="target/$triple/release"
vectors=tests/vectors/tencent-soter-sample
build="tests/c/build/$triple"
# The Makefile's list (one place): `make test-cross` passes it; run alone, ask make.
c_tests=(${C_TESTS:-$(make --no-print-directory -s print-c-tests)})
cflags=(-Wall -Wextra -Werror -Iinclude)
# Each program's limit: emulation is slow, but a hang must fail rather than stall CI.
limit="${CROSS_TEST_TIMEOUT:-300}"

case "$triple" in
    aarch64-unknown-linux-gnu)
        cc=(aarch64-linux-gnu-gcc); cxx=(aarch64-linux-gnu-g++)
        # No -L sysroot: the arm64 glibc comes from multiarch (libc6:arm64, in /lib), and mixing the
        # cross sysroot's loader with that libc hangs pthread_create.
        run=(qemu-aarch64); asm=armv8-mont.o; asm_sym=bn_mul_mont ;;
    x86_64-unknown-linux-musl)
        # musl-gcc has no C++ library: the C++ build of the tests is covered by the glibc targets.
        cc=(musl-gcc); cxx=(); run=(); asm=x86_64-mont.o; asm_sym=bn_mul_mont_nohw ;;
    aarch64-unknown-linux-musl)
        # zig (packaging/tools.sh) is the aarch64 musl C and C++ compiler; the musl loader for
        # qemu comes from multiarch (musl:arm64, /lib/ld-musl-aarch64.so.1).
        zig=("$(bash packaging/tools.sh)/python" -m ziglang)
        cc=("${zig[@]}" cc -target aarch64-linux-musl); cxx=("${zig[@]}" c++ -target aarch64-linux-musl)
        run=(qemu-aarch64); asm=armv8-mont.o; asm_sym=bn_mul_mont ;;
    *) echo "tests/cross/run.sh: no test setup for $triple" >&2; exit 2 ;;
esac

step() { printf '\n== %s: %s\n' "$triple" "$*"; }
passed=0 failed=0 skipped=0
check() {  # check NAME CMD...: counts a pass or a failure, and goes on
    if "${@:2}"; then passed=$((passed + 1)); else echo "FAILED: $1" >&2; failed=$((failed + 1)); fi
}

step "AWS-LC's assembly for the target is linked in"
has_asm() {
    local syms  # read whole first: grep -q closing the pipe early would fail nm under pipefail
    syms="$(nm -A "$rel/libsoter_verify.a" 2>/dev/null)"
    grep -- "-$asm:.* T aws_lc_[0-9_]*$asm_sym\$" <<<"$syms"
}
check "AWS-LC $asm in libsoter_verify.a" has_asm

step "the CLI's default backend"
backend_is_aws_lc() {
    local out
    out="$("${run[@]}" "$rel/soter" speed --bits 2048 --seconds 0.2 --format json)"
    echo "$out"
    grep -q '"backend": *"aws-lc"' <<<"$out"
}
check "soter speed reports aws-lc" backend_is_aws_lc

soter() { "${run[@]}" "$rel/soter" "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step "real-device vectors through the CLI"
check "final result with its challenge" soter verify --key $vectors/auth_key.pem --json $vectors/final_json.txt \
    --signature $vectors/final_signature.bin --challenge "I'm a demo challenge string"
check "AuthKey with the ASK" soter verify --key $vectors/ask.pem --json $vectors/auth_key_json.txt \
    --signature $vectors/auth_key_signature.bin
sed 's/246/247/' $vectors/final_json.txt >"$work/tampered.json"
check "tampered result refused" bash -c '! "$@"' _ "${run[@]}" "$rel/soter" verify --key $vectors/auth_key.pem \
    --json "$work/tampered.json" --signature $vectors/final_signature.bin
check "wrong challenge refused" bash -c '! "$@"' _ "${run[@]}" "$rel/soter" verify --key $vectors/auth_key.pem \
    --json $vectors/final_json.txt --signature $vectors/final_signature.bin --challenge "another challenge"

step "C test programs"
mkdir -p "$build"
for t in "${c_tests[@]}"; do
    if [ "$t" = test_fork ] && [ "${#run[@]}" -gt 0 ]; then
        # qemu-user 7.2 (Debian 12) aborts when a multithreaded guest forks (assertion
        # `cpu == current_cpu` in cpu_exec), in the children this test forks: an emulator bug,
        # not the library's. test_fork runs natively in `make test-c` and for the musl target.
        echo "-- SKIPPED $t under ${run[0]}: qemu-user aborts on fork() in a multithreaded process"
        skipped=$((skipped + 1))
        continue
    fi
    "${cc[@]}" -std=c11 "${cflags[@]}" "tests/c/$t.c" -o "$build/${t}_c" -L"$rel" -lsoter_verify -lpthread
    echo "-- $t (C)"
    check "$t (C)" timeout "$limit" env LD_LIBRARY_PATH="$rel" SOTER_VECTORS=$vectors "${run[@]}" "$build/${t}_c"
    if [ "${#cxx[@]}" -gt 0 ]; then
        "${cxx[@]}" -std=c++17 "${cflags[@]}" -x c++ "tests/c/$t.c" -o "$build/${t}_cpp" -L"$rel" -lsoter_verify -lpthread
        echo "-- $t (C++)"
        check "$t (C++)" timeout "$limit" env LD_LIBRARY_PATH="$rel" SOTER_VECTORS=$vectors "${run[@]}" "$build/${t}_cpp"
    fi
done

echo
echo "$triple: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
