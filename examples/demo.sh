#!/usr/bin/env bash
# `make demo`: the library's main job, step by step, with the `soter` CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
# The release build to run (make demo passes the portable one, examples included).
REL=${SOTER_RELEASE_DIR:-target/x86_64-unknown-linux-gnu/release}
SOTER=$REL/soter
VECTORS=tests/vectors/tencent-soter-sample
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "1. A real device result (Tencent SOTER sample) verified with its AuthKey"
$SOTER verify --key $VECTORS/auth_key.pem --json $VECTORS/final_json.txt \
  --signature $VECTORS/final_signature.bin --challenge "I'm a demo challenge string"

step "2. The AuthKey itself, verified with the device's ASK"
$SOTER verify --key $VECTORS/ask.pem --json $VECTORS/auth_key_json.txt --signature $VECTORS/auth_key_signature.bin

step "3. The same result with one byte changed is rejected (exit status 1)"
sed 's/246/247/' $VECTORS/final_json.txt > "$WORK/tampered.json"
if $SOTER verify --key $VECTORS/auth_key.pem --json "$WORK/tampered.json" --signature $VECTORS/final_signature.bin; then
  echo "demo failed: a tampered result verified" >&2; exit 1
fi

step "4. A result saved with a trailing newline, diagnosed"
{ cat $VECTORS/final_json.txt; echo; } > "$WORK/newline.json"
$SOTER inspect --json "$WORK/newline.json" --key $VECTORS/auth_key.pem --signature $VECTORS/final_signature.bin || true

step "5. A simulated device signs a fresh challenge; the server verifies it"
CHALLENGE=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
"$REL/examples/sign_result" "$WORK/device" "$CHALLENGE" 20
$SOTER verify --key "$WORK/device/device_key.pem" --json "$WORK/device/result.json" \
  --signature "$WORK/device/result.sig" --challenge "$CHALLENGE" --format json

step "6. A Huawei-style device (salt 32, announced in rsa_pss_saltlen)"
"$REL/examples/sign_result" "$WORK/huawei" "$CHALLENGE" 32
$SOTER verify --key "$WORK/huawei/device_key.pem" --json "$WORK/huawei/result.json" \
  --signature "$WORK/huawei/result.sig" --challenge "$CHALLENGE"

step "7. The WeChat flow: emulator in process, device, challenge, local and WeChat API verification, face verification"
"$REL/examples/wechat_demo"

step "8. ReplayGuard in memory: a challenge used once, the replayed result refused"
"$REL/examples/guard_demo" memory

step "9. ReplayGuard on Redis: two server processes share one Redis"
if command -v redis-server >/dev/null; then
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning >/dev/null &
  REDIS_PID=$!
  trap 'kill $REDIS_PID 2>/dev/null; rm -rf "$WORK"' EXIT
  for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
  URL="redis://127.0.0.1:$PORT"
  GUARD="$REL/examples/guard_demo"
  CHALLENGE=$($GUARD issue "$URL" user-42)
  echo "  server A issued a challenge for user-42: $CHALLENGE"
  "$REL/examples/sign_result" "$WORK/guard" "$CHALLENGE" 20
  FILES=("$WORK/guard/device_key.pem" "$WORK/guard/result.json" "$WORK/guard/result.sig")
  $GUARD authenticate "server B" "$URL" user-42 "${FILES[@]}"
  if $GUARD authenticate "server A (the same result replayed)" "$URL" user-42 "${FILES[@]}"; then
    echo "demo failed: a replayed result was accepted" >&2; exit 1
  fi
  kill $REDIS_PID
else
  echo "  skipped: redis-server is not installed (apt-get install redis-server)"
fi
