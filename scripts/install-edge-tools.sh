#!/usr/bin/env bash
# Installs what building and testing the edge worker needs, skipping what is already there at the
# pinned version. Only crates.io and npm are used: nothing is downloaded from GitHub.
#   scripts/install-edge-tools.sh        (about 12 minutes on a fresh 2-core machine)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

worker_build_version="0.8.7"
# The wasm-bindgen CLI must be exactly the crate version in Cargo.lock.
wasm_bindgen_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
  "$TENANTRY_ROOT/Cargo.lock")"
[ -n "$wasm_bindgen_version" ] || { echo "no wasm-bindgen in Cargo.lock" >&2; exit 1; }

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "rust target wasm32-unknown-unknown: present"
else
  echo "rust target wasm32-unknown-unknown: installing"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(worker-build --version 2>/dev/null || true)" = "$worker_build_version" ]; then
  echo "worker-build $worker_build_version: present"
else
  echo "worker-build $worker_build_version: installing (cargo install --locked)"
  cargo install worker-build --version "$worker_build_version" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $wasm_bindgen_version" ]; then
  echo "wasm-bindgen-cli $wasm_bindgen_version: present"
else
  # Not --locked: the lock file of 0.2.130 wants a webpki-roots release the registry lacks.
  echo "wasm-bindgen-cli $wasm_bindgen_version: installing (cargo install, as Cargo.lock pins it)"
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

# wrangler (with workerd and esbuild), binaryen's wasm-opt and Node 22, as package-lock.json pins.
if (cd "$TENANTRY_EDGE_DIR" && npm ls --depth=0 >/dev/null 2>&1); then
  echo "edge-worker npm packages: present"
else
  echo "edge-worker npm packages: installing (npm ci)"
  (cd "$TENANTRY_EDGE_DIR" && npm ci --no-audit --no-fund)
fi
echo "node for wrangler: $(node --version); wrangler $(cd "$TENANTRY_EDGE_DIR" && wrangler --version)"
