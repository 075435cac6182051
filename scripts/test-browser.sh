#!/usr/bin/env bash
# The browser preview's tests, in headless Chromium (Debian's chromium and chromedriver):
#   1. the WASM bindings of core (core/tests/preview_browser.rs) with wasm-pack test: every
#      validation case of the conformance suite, and the default policies' decisions;
#   2. the new-tenant page end to end (edge-worker/e2e/, playwright-core on node:test) against the
#      worker in workerd, on a fresh local D1 with a bootstrapped master key.
#   scripts/test-browser.sh              (PORT=8797 by default)
# Needs the tools of scripts/install-edge-tools.sh and scripts/install-browser-tools.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

edge_choose_ports 8797
for tool in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$tool" ] || { echo "$tool is missing; run scripts/install-browser-tools.sh" >&2; exit 1; }
done

echo "==> the preview's bindings in headless Chromium (wasm-pack test)" >&2
# --mode no-install: use the wasm-bindgen-test-runner on PATH (Cargo.lock's version), fetch nothing.
(cd "$TENANTRY_ROOT/core" &&
  timeout 900 wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver --mode no-install \
    . --features wasm --test preview_browser)

echo "==> building the worker and the preview" >&2
edge_build
edge_fresh_local_d1
key_json="$(edge_bootstrap_local_d1)"
edge_start_worker "$port" "$inspector_port"

echo "==> the page end to end in headless Chromium (playwright-core)" >&2
status=0
(cd "$TENANTRY_EDGE_DIR" &&
  TENANTRY_EDGE_URL="http://127.0.0.1:$port" TENANTRY_KEY_JSON="$key_json" \
    timeout 300 node --test --test-timeout=120000 'e2e/*.test.mjs') || status=$?
[ "$status" -eq 0 ] || { echo "==> worker log ($EDGE_WORKER_LOG):" >&2; tail -50 "$EDGE_WORKER_LOG" >&2; }
exit "$status"
