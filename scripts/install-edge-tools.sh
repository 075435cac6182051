#!/usr/bin/env bash
# Installs what building and testing the edge worker (and the browser preview) needs, skipping what is already there at the
# pinned version. Only crates.io and npm are used: nothing is downloaded from GitHub.
#   scripts/install-edge-tools.sh        (about 14 minutes on a fresh 2-core machine)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

worker_build_version="0.8.7"
wasm_pack_version="0.15.1"
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

if [ "$(wasm-pack --version 2>/dev/null || true)" = "wasm-pack $wasm_pack_version" ]; then
  echo "wasm-pack $wasm_pack_version: present"
else
  # Runs the preview's bindings in headless Chromium (scripts/test-browser.sh).
  echo "wasm-pack $wasm_pack_version: installing (cargo install --locked)"
  cargo install wasm-pack --version "$wasm_pack_version" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $wasm_bindgen_version" ]; then
  echo "wasm-bindgen-cli $wasm_bindgen_version: present"
else
  # Not --locked: the lock file of 0.2.130 wants a webpki-roots release the registry lacks.
  echo "wasm-bindgen-cli $wasm_bindgen_version: installing (cargo install, as Cargo.lock pins it)"
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

# Node for wrangler (>= 22.12): the system's when it is new enough, else Node 22 from the npm
# registry's per-platform package (node-<os>-<cpu>), into .tools/node (git-ignored).
node_new_enough() {
  "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' 2>/dev/null
}
node_dir="$TENANTRY_ROOT/.tools/node"
if [ -x "$node_dir/bin/node" ] && node_new_enough "$node_dir/bin/node"; then
  echo "node for wrangler: present in .tools/node ($("$node_dir/bin/node" --version))"
elif node_new_enough node; then
  echo "node for wrangler: the system's $(node --version)"
else
  platform="$(node -p 'process.platform + "-" + process.arch')"
  # The version tested here on linux-x64; elsewhere the newest Node 22 of that platform.
  version="22"
  [ "$platform" = "linux-x64" ] && version="22.23.5"
  echo "node for wrangler: system node $(node --version 2>/dev/null || echo missing) is older than 22.12;" \
    "installing node-$platform@$version from npm into .tools/node"
  rm -rf "$node_dir" && mkdir -p "$node_dir"
  npm install --prefix "$node_dir" --no-save --no-audit --no-fund --no-package-lock \
    "node-$platform@$version" >/dev/null
  ln -sfn "node_modules/node-$platform/bin" "$node_dir/bin"
  hash -r # the shell remembered the system's node above
fi

# wrangler (with workerd and esbuild) and binaryen's wasm-opt, as package-lock.json pins.
if (cd "$TENANTRY_EDGE_DIR" && npm ls --depth=0 >/dev/null 2>&1); then
  echo "edge-worker npm packages: present"
else
  echo "edge-worker npm packages: installing (npm ci)"
  (cd "$TENANTRY_EDGE_DIR" && npm ci --no-audit --no-fund)
fi
echo "node for wrangler: $(node --version); wrangler $(cd "$TENANTRY_EDGE_DIR" && wrangler --version)"
