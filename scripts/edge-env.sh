#!/usr/bin/env bash
# Shared setup of the edge scripts. Source it to get:
#   TENANTRY_ROOT, TENANTRY_EDGE_DIR   the repository and edge-worker/ (absolute)
#   PATH                               Node 22 (from npm) first, then edge-worker's npm tools
#   WRANGLER_SEND_METRICS etc.         so wrangler waits on no closed network
#   edge_build                         builds build/index.js and build/index_bg.wasm, the preview
#                                      and the API reference's renderer
#   docs_build                         copies Redoc's bundle (npm) into edge-worker/public/redoc
#   preview_build                      builds the browser preview's WASM into edge-worker/public/pkg
#   edge_fresh_local_d1                wipes the local D1 and applies the migrations
#   edge_bootstrap_local_d1            creates the master tenant, prints its key JSON on stdout
#   edge_choose_ports DEFAULT          sets port/inspector_port ($PORT, $INSPECTOR_PORT), checks free
#   edge_port_free PORT                whether nothing listens on 127.0.0.1:PORT
#   edge_group_cpu_ticks PGID          the CPU time a process group spent (clock ticks)
#   edge_start_worker PORT INSPECTOR [ARGS...]
#                                      starts wrangler dev (with ARGS) in the background (its own
#                                      process group), waits for /healthz, and stops it when the
#                                      shell exits, removing $EDGE_DEV_VARS if set
# Run it as `bash scripts/edge-env.sh build` to build; wrangler.toml's [build] does that.

TENANTRY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TENANTRY_EDGE_DIR="$TENANTRY_ROOT/edge-worker"
export TENANTRY_ROOT TENANTRY_EDGE_DIR

# wrangler 4 needs Node >= 22.12. The system's node serves when it is new enough; otherwise
# scripts/install-edge-tools.sh puts Node 22 from npm into .tools/node/bin, which goes first.
export PATH="$TENANTRY_ROOT/.tools/node/bin:$TENANTRY_EDGE_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false DO_NOT_TRACK=1

# worker-build with every tool given, so nothing is downloaded from GitHub, and the size profile
# for the wasm (set here rather than in the workspace, whose release profile serves native code).
edge_build() {
  if [ -n "${TENANTRY_EDGE_PREBUILT:-}" ] && [ -f "$TENANTRY_EDGE_DIR/build/index.js" ]; then
    echo "edge build: already built by the calling script; skipping" >&2
    return 0
  fi
  preview_build || return
  docs_build || return
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

# The browser preview (core's `wasm` feature) for the page the worker serves from public/:
# core built as a cdylib for wasm32 (the crate-type is given here, so native builds of core make
# no cdylib), wasm-bindgen's `--target web` glue from the CLI on PATH (the version Cargo.lock
# pins, so nothing is downloaded), and wasm-opt -Oz from npm's binaryen. Not stripped by cargo:
# wasm-bindgen reads the `target_features` section that stripping would remove.
preview_build() {
  local out="$TENANTRY_EDGE_DIR/public/pkg"
  local wasm="$TENANTRY_ROOT/target/wasm32-unknown-unknown/release/tenantry_core.wasm"
  echo "==> building the browser preview into $out" >&2
  (
    cd "$TENANTRY_ROOT" &&
      CARGO_PROFILE_RELEASE_OPT_LEVEL=z \
        CARGO_PROFILE_RELEASE_LTO=true \
        CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
        cargo rustc -q -p tenantry-core --lib --release --target wasm32-unknown-unknown \
        --features wasm --crate-type cdylib
  ) || return
  rm -rf "$out" && mkdir -p "$out" || return
  wasm-bindgen --target web --no-typescript --out-dir "$out" "$wasm" || return
  # The features Rust's wasm32 target emits, and no more: browsers reject what they lack.
  "$TENANTRY_EDGE_DIR/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-sign-ext \
    --enable-mutable-globals --enable-nontrapping-float-to-int --enable-reference-types \
    --enable-multivalue \
    -o "$out/tenantry_core_bg.wasm" "$out/tenantry_core_bg.wasm" || return
  echo "preview: $(wc -c <"$out/tenantry_core_bg.wasm") bytes of wasm" >&2
}

# The renderer of /docs (public/docs.html): Redoc's standalone bundle, as the npm package that
# edge-worker/package.json pins ships it, copied into public/redoc/ (git-ignored), so both
# servers serve it themselves and the page needs no CDN.
docs_build() {
  local bundle="$TENANTRY_EDGE_DIR/node_modules/redoc/bundles/redoc.standalone.js"
  [ -f "$bundle" ] || { echo "$bundle is missing; run scripts/install-edge-tools.sh" >&2; return 1; }
  mkdir -p "$TENANTRY_EDGE_DIR/public/redoc" &&
    cp "$bundle" "$TENANTRY_EDGE_DIR/public/redoc/redoc.standalone.js"
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

# Sets `port` (from $PORT, else $1) and `inspector_port` (from $INSPECTOR_PORT, else port + 1000)
# and fails, saying how to choose others, if something already listens on either.
edge_choose_ports() {
  port="${PORT:-$1}"
  inspector_port="${INSPECTOR_PORT:-$((port + 1000))}"
  local p
  for p in "$port" "$inspector_port"; do
    edge_port_free "$p" || { echo "port $p is in use; set PORT (and INSPECTOR_PORT)" >&2; return 1; }
  done
}

# True when nothing accepts connections on 127.0.0.1:$1.
edge_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts the built worker with `wrangler dev` on 127.0.0.1:$1 (inspector on $2), with any
# further arguments (e.g. `--var NAME:VALUE`), against the local D1, in the background and in its own process group (setsid: killing the group stops
# wrangler and workerd, which would otherwise keep the port), waits at most 60 s for /healthz,
# and stops it when the calling shell exits (an EXIT trap). Sets EDGE_WORKER_LOG to its log.
edge_start_worker() {
  local port="$1" inspector_port="$2" started
  shift 2
  EDGE_WORKER_LOG="$(mktemp "${TMPDIR:-/tmp}/tenantry-wrangler.XXXXXX")"
  echo "==> starting the worker on http://127.0.0.1:$port (log: $EDGE_WORKER_LOG)" >&2
  started=$(date +%s%N)
  (cd "$TENANTRY_EDGE_DIR" && TENANTRY_EDGE_PREBUILT=1 exec setsid wrangler dev --local --ip 127.0.0.1 \
    --port "$port" --inspector-port "$inspector_port" --show-interactive-dev-session=false "$@") \
    >"$EDGE_WORKER_LOG" 2>&1 &
  EDGE_WORKER_PID=$!
  trap edge_stop_worker EXIT
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
      echo "==> first answer $(( ($(date +%s%N) - started) / 1000000 )) ms after starting wrangler dev" >&2
      return 0
    fi
    if ! kill -0 "$EDGE_WORKER_PID" 2>/dev/null; then
      echo "the worker exited before answering:" >&2; cat "$EDGE_WORKER_LOG" >&2; return 1
    fi
    sleep 0.5
  done
  echo "the worker did not answer /healthz within 60 s:" >&2; cat "$EDGE_WORKER_LOG" >&2
  return 1
}

# The CPU time (user + system, in clock ticks of `getconf CLK_TCK`) of every process in process
# group $1: with $EDGE_WORKER_PID, what wrangler and workerd (the worker and local D1) spent.
edge_group_cpu_ticks() {
  local stat fields total=0
  for stat in /proc/[0-9]*/stat; do
    fields="$(cat "$stat" 2>/dev/null)" || continue
    # After the command name, in parentheses: state, ppid, pgrp, … utime (12th), stime (13th).
    read -r -a fields <<<"${fields##*) }"
    [ "${fields[2]}" = "$1" ] && total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

# Stops the worker edge_start_worker started (its whole process group) and removes its log and
# the secrets file $EDGE_DEV_VARS, if one was written for it.
edge_stop_worker() {
  if [ -n "${EDGE_WORKER_PID:-}" ]; then
    kill -- "-$EDGE_WORKER_PID" 2>/dev/null || true
    wait "$EDGE_WORKER_PID" 2>/dev/null || true
    EDGE_WORKER_PID=""
  fi
  rm -f "${EDGE_WORKER_LOG:-}" "${EDGE_DEV_VARS:-}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    build) edge_build ;;
    preview) preview_build ;;
    docs) docs_build ;;
    *) echo "usage: source scripts/edge-env.sh, or: bash scripts/edge-env.sh build|preview|docs" >&2; exit 2 ;;
  esac
fi
