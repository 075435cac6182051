#!/usr/bin/env bash
# Builds the worker, starts it in workerd (wrangler dev) on a fresh, migrated local D1, runs the
# edge conformance tests against it (they bootstrap and issue keys themselves), and stops it.
# Then starts it again on a fresh D1, delivering webhooks to a receiver on HOOK_PORT (the
# receiver's secret in edge-worker/.dev.vars, written here and removed on exit; the crons
# fireable through /__scheduled), and runs the edge webhook test.
#   scripts/test-edge.sh                 (PORT=8799 by default; HOOK_PORT=PORT+2)
# Exits with the tests' status. Needs the tools of scripts/install-edge-tools.sh and the Python
# venv of scripts/install-python-tools.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

edge_choose_ports 8799
hook_port="${HOOK_PORT:-$((port + 2))}"
edge_port_free "$hook_port" || { echo "port $hook_port is in use; set HOOK_PORT" >&2; exit 1; }

echo "==> building the worker" >&2
edge_build
edge_fresh_local_d1

edge_start_worker "$port" "$inspector_port"

status=0
(cd "$TENANTRY_ROOT" &&
  TENANTRY_EDGE_URL="http://127.0.0.1:$port" TENANTRY_EDGE_DIR="$TENANTRY_EDGE_DIR" \
    cargo test -p tenantry-conformance --test edge -- --ignored --test-threads=1) || status=$?
[ "$status" -eq 0 ] || { echo "==> worker log ($EDGE_WORKER_LOG):" >&2; tail -50 "$EDGE_WORKER_LOG" >&2; exit "$status"; }
edge_stop_worker

echo "==> webhooks: the worker again, delivering to 127.0.0.1:$hook_port" >&2
edge_fresh_local_d1
# The test receiver's secret (tests/src/hooks.rs); a deployed worker has it from
# `wrangler secret put WEBHOOK_SECRET`.
EDGE_DEV_VARS="$TENANTRY_EDGE_DIR/.dev.vars"
printf 'WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n' >"$EDGE_DEV_VARS"
edge_start_worker "$port" "$inspector_port" --test-scheduled \
  --var "WEBHOOK_URL:http://127.0.0.1:$hook_port/hooks" \
  --var "WEBHOOK_RETRY_DELAYS:0,1,1,1,1,1,1,1" --var "EVENT_RETENTION_DAYS:0"
(cd "$TENANTRY_ROOT" &&
  TENANTRY_EDGE_URL="http://127.0.0.1:$port" TENANTRY_EDGE_DIR="$TENANTRY_EDGE_DIR" \
    TENANTRY_EDGE_HOOK_PORT="$hook_port" \
    cargo test -p tenantry-conformance --test edge_webhooks -- --ignored --test-threads=1) || status=$?
[ "$status" -eq 0 ] || { echo "==> worker log ($EDGE_WORKER_LOG):" >&2; tail -50 "$EDGE_WORKER_LOG" >&2; }
exit "$status"
