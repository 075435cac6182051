#!/usr/bin/env bash
# The browser tests, in headless Chromium (Debian's chromium and chromedriver):
#   1. the WASM bindings of core (core/tests/preview_browser.rs) with wasm-pack test: every
#      validation case of the conformance suite, and the default policies' decisions;
#   2. the operator console end to end (edge-worker/e2e/, playwright-core on node:test, axe-core)
#      against the worker in workerd on a fresh local D1, then against `tenantry serve` on a fresh
#      SQLite file serving the same edge-worker/public. The worker run saves the screenshots the
#      README shows into docs/. The same run checks that /docs renders the OpenAPI document
#      with no request to another host (e2e/docs.test.mjs).
#   scripts/test-browser.sh              (PORT=8797 by default; `tenantry serve` on PORT + 1)
# Needs the tools of scripts/install-edge-tools.sh and scripts/install-browser-tools.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

edge_choose_ports 8797
native_port=$((port + 1))
edge_port_free "$native_port" || { echo "port $native_port is in use; set PORT" >&2; exit 1; }
for tool in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$tool" ] || { echo "$tool is missing; run scripts/install-browser-tools.sh" >&2; exit 1; }
done

echo "==> the preview's bindings in headless Chromium (wasm-pack test)" >&2
# --mode no-install: use the wasm-bindgen-test-runner on PATH (Cargo.lock's version), fetch nothing.
(cd "$TENANTRY_ROOT/core" &&
  timeout 900 wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver --mode no-install \
    . --features wasm --test preview_browser)

echo "==> building the worker, the console's preview and tenantry" >&2
edge_build
(cd "$TENANTRY_ROOT" && cargo build -q -p tenantry-native --bin tenantry)
edge_fresh_local_d1
key_json="$(edge_bootstrap_local_d1)"
edge_start_worker "$port" "$inspector_port"

# Runs the console's page tests against the server at $1 with the key JSON $2; more env after.
console_e2e() {
  local url="$1" key="$2" status=0
  shift 2
  (cd "$TENANTRY_EDGE_DIR" && env TENANTRY_URL="$url" TENANTRY_KEY_JSON="$key" "$@" \
    timeout 300 node --test --test-timeout=120000 'e2e/*.test.mjs') || status=$?
  return "$status"
}

echo "==> the console end to end against the worker (playwright-core)" >&2
status=0
console_e2e "http://127.0.0.1:$port" "$key_json" TENANTRY_SCREENSHOTS="$TENANTRY_ROOT/docs" || status=$?
[ "$status" -eq 0 ] || { echo "==> worker log ($EDGE_WORKER_LOG):" >&2; tail -50 "$EDGE_WORKER_LOG" >&2; exit "$status"; }
edge_stop_worker

echo "==> the console end to end against tenantry serve" >&2
scratch="$(mktemp -d "${TMPDIR:-/tmp}/tenantry-console.XXXXXX")"
tenantry="$TENANTRY_ROOT/target/debug/tenantry"
native_key="$("$tenantry" init --db "$scratch/console.db")"
setsid "$tenantry" serve --db "$scratch/console.db" --listen "127.0.0.1:$native_port" \
  --assets "$TENANTRY_EDGE_DIR/public" >"$scratch/serve.log" 2>&1 &
native_pid=$!
trap 'kill -- "-$native_pid" 2>/dev/null || true; rm -rf "$scratch"' EXIT
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$native_port/healthz" 2>/dev/null && break
  sleep 0.5
done
console_e2e "http://127.0.0.1:$native_port" "$native_key" || status=$?
[ "$status" -eq 0 ] || { echo "==> tenantry serve log:" >&2; tail -50 "$scratch/serve.log" >&2; }
exit "$status"
