#!/usr/bin/env bash
# Builds the worker, starts it in workerd (wrangler dev) on a fresh, migrated local D1, runs the
# edge conformance tests against it (they bootstrap and issue keys themselves), and stops it.
#   scripts/test-edge.sh                 (PORT=8799 by default)
# Exits with the tests' status. Needs the tools of scripts/install-edge-tools.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

edge_choose_ports 8799

echo "==> building the worker" >&2
edge_build
edge_fresh_local_d1

edge_start_worker "$port" "$inspector_port"

status=0
(cd "$TENANTRY_ROOT" &&
  TENANTRY_EDGE_URL="http://127.0.0.1:$port" TENANTRY_EDGE_DIR="$TENANTRY_EDGE_DIR" \
    cargo test -p tenantry-conformance --test edge -- --ignored --test-threads=1) || status=$?
[ "$status" -eq 0 ] || { echo "==> worker log ($EDGE_WORKER_LOG):" >&2; tail -50 "$EDGE_WORKER_LOG" >&2; }
exit "$status"
