#!/usr/bin/env bash
# Creates under load against the worker in local workerd, one or more builds of it interleaved
# in the same run (so that an old and a new build see the same machine):
#   scripts/bench-edge.sh [BUILD_DIR ...]      (default: edge-worker/build as it is)
# Each BUILD_DIR holds a worker-build output (index.js, index_bg.wasm, worker/). For each of
# ROUNDS rounds (default 3) and each build: that build in edge-worker/build, a fresh local D1,
# the master tenant bootstrapped, `wrangler dev` with local observability off and warn logs, then
# `http_load` with CLIENTS clients (default 8) x REQUESTS creates each (default 250), and stop.
# Besides http_load's figures it prints the CPU time wrangler and workerd (the worker and local
# D1 both run there) spent per create: on a machine shared with other work this moves far less
# than creates/s. PORT/INSPECTOR_PORT as for scripts/test-edge.sh. Restores edge-worker/build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

edge_choose_ports 8797
rounds="${ROUNDS:-3}"
builds=("$@")
[ "${#builds[@]}" -gt 0 ] || builds=("$TENANTRY_EDGE_DIR/build")

# The builds are copied first (one of them may be edge-worker/build itself, which each round
# replaces), and edge-worker/build is put back as it was at the end.
work="$(mktemp -d "${TMPDIR:-/tmp}/tenantry-bench-edge.XXXXXX")"
cp -r "$TENANTRY_EDGE_DIR/build" "$work/saved"
for i in "${!builds[@]}"; do cp -r "${builds[$i]}" "$work/$i"; done
restore() {
  edge_stop_worker
  rm -rf "$TENANTRY_EDGE_DIR/build" && mv "$work/saved" "$TENANTRY_EDGE_DIR/build" && rm -rf "$work"
}
trap restore EXIT

(cd "$TENANTRY_ROOT" && cargo bench -q -p tenantry-native --bench http_load --no-run)
for round in $(seq 1 "$rounds"); do
  for i in "${!builds[@]}"; do
    rm -rf "$TENANTRY_EDGE_DIR/build" && cp -r "$work/$i" "$TENANTRY_EDGE_DIR/build"
    edge_fresh_local_d1 >/dev/null 2>&1
    boot="$(edge_bootstrap_local_d1 2>/dev/null)"
    key="$(sed -n 's/.*"api_key":"\([^"]*\)".*/\1/p' <<<"$boot")"
    tenant="$(sed -n 's/.*"tenant_id":"\([^"]*\)".*/\1/p' <<<"$boot")"
    X_LOCAL_OBSERVABILITY=false WRANGLER_LOG=warn edge_start_worker "$port" "$inspector_port" 2>/dev/null
    trap restore EXIT # edge_start_worker set its own
    echo "== round $round, build ${builds[$i]} (wasm $(gzip -9c "$TENANTRY_EDGE_DIR/build/index_bg.wasm" | wc -c) B gzip -9)"
    before="$(edge_group_cpu_ticks "$EDGE_WORKER_PID")"
    (cd "$TENANTRY_ROOT" && TENANTRY_LOAD_URL="http://127.0.0.1:$port" TENANTRY_LOAD_KEY="$key" \
      TENANTRY_LOAD_TENANT="$tenant" TENANTRY_LOAD_CLIENTS="${CLIENTS:-8}" \
      TENANTRY_LOAD_REQUESTS="${REQUESTS:-250}" cargo bench -q -p tenantry-native --bench http_load)
    ticks=$(($(edge_group_cpu_ticks "$EDGE_WORKER_PID") - before))
    echo "wrangler + workerd CPU: $((ticks * 1000 / $(getconf CLK_TCK))) ms for $((${CLIENTS:-8} * ${REQUESTS:-250})) creates"
    edge_stop_worker
  done
done
