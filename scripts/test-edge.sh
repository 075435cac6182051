#!/usr/bin/env bash
# Builds the worker, starts it in workerd (wrangler dev) on a fresh, migrated local D1, runs the
# edge conformance tests against it (they bootstrap and issue keys themselves), and stops it.
#   scripts/test-edge.sh                 (PORT=8799 by default)
# Exits with the tests' status. Needs the tools of scripts/install-edge-tools.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

port="${PORT:-8799}"
inspector_port="${INSPECTOR_PORT:-$((port + 1000))}"
for p in "$port" "$inspector_port"; do
  edge_port_free "$p" || { echo "port $p is in use; set PORT (and INSPECTOR_PORT)" >&2; exit 1; }
done

echo "==> building the worker" >&2
edge_build
edge_fresh_local_d1

log="$(mktemp "${TMPDIR:-/tmp}/tenantry-wrangler.XXXXXX")"
echo "==> starting the worker on http://127.0.0.1:$port (log: $log)" >&2
started=$(date +%s%N)
(cd "$TENANTRY_EDGE_DIR" && TENANTRY_EDGE_PREBUILT=1 exec setsid wrangler dev --local --ip 127.0.0.1 \
  --port "$port" --inspector-port "$inspector_port" --show-interactive-dev-session=false) \
  >"$log" 2>&1 &
worker_pid=$!
# setsid makes the worker its own process-group leader: killing the group stops wrangler and
# workerd, which would otherwise keep the port.
stop_worker() {
  kill -- "-$worker_pid" 2>/dev/null || true
  wait "$worker_pid" 2>/dev/null || true
}
trap stop_worker EXIT

for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$worker_pid" 2>/dev/null; then
    echo "the worker exited before answering:" >&2; cat "$log" >&2; exit 1
  fi
  sleep 0.5
done
if ! curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz"; then
  echo "the worker did not answer /healthz within 60 s:" >&2; cat "$log" >&2; exit 1
fi
echo "==> first answer $(( ($(date +%s%N) - started) / 1000000 )) ms after starting wrangler dev" >&2

status=0
(cd "$TENANTRY_ROOT" &&
  TENANTRY_EDGE_URL="http://127.0.0.1:$port" TENANTRY_EDGE_DIR="$TENANTRY_EDGE_DIR" \
    cargo test -p tenantry-conformance --test edge -- --ignored --test-threads=1) || status=$?
[ "$status" -eq 0 ] || { echo "==> worker log ($log):" >&2; tail -50 "$log" >&2; }
rm -f "$log"
exit "$status"
