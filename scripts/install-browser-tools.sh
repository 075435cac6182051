#!/usr/bin/env bash
# Installs what the browser tests need, skipping what is already there: Debian's Chromium and its
# matching chromedriver (wasm-pack's browser tests and the page test), and the edge-worker npm
# packages, playwright-core among them. Registries only: nothing is downloaded from GitHub, and
# Playwright's own browser download is never used.
#   scripts/install-browser-tools.sh     (about 75 s on a fresh machine, for apt)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  echo "chromium and chromedriver: present ($(/usr/bin/chromium --version 2>/dev/null || true))"
else
  echo "chromium and chromedriver: installing (apt-get)"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq chromium chromium-driver
fi

# package-lock.json pins playwright-core next to wrangler; `npm ls` fails when one is missing.
if (cd "$TENANTRY_EDGE_DIR" && npm ls --depth=0 >/dev/null 2>&1); then
  echo "edge-worker npm packages (with playwright-core): present"
else
  echo "edge-worker npm packages (with playwright-core): installing (npm ci)"
  (cd "$TENANTRY_EDGE_DIR" && npm ci --no-audit --no-fund)
fi
