#!/usr/bin/env bash
# Run every fuzz target for N seconds (default 30) from the committed seed corpora.
# Uses libFuzzer through cargo-fuzz with AddressSanitizer on the nightly toolchain.
set -euo pipefail
seconds=${1:-30}
cd "$(dirname "$0")"
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz-smoke: the nightly Rust toolchain is required (cargo fuzz uses -Zsanitizer); install it with rustup" >&2
  exit 1
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
targets=$(cargo +nightly fuzz list)
cargo +nightly fuzz build -O
for t in $targets; do
  mkdir -p "work/$t" "corpus/$t"
  echo "== fuzz $t for ${seconds}s"
  cargo +nightly fuzz run -O "$t" "work/$t" "corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=4096 2>&1 \
    | grep -E '^(#[0-9]+\s+DONE|Done [0-9]+ runs|==[0-9]+==|SUMMARY|.*panicked)' || true
  # cargo fuzz exits non-zero on a crash; pipefail is off for grep, so check the artifacts.
  if ls "artifacts/$t"/crash-* "artifacts/$t"/leak-* "artifacts/$t"/oom-* >/dev/null 2>&1; then
    echo "fuzz-smoke: $t found a failing input in fuzz/artifacts/$t" >&2
    exit 1
  fi
done
echo "fuzz-smoke: every target ran ${seconds}s without a failure"
