#!/usr/bin/env bash
# Builds the worker and runs it locally in workerd (wrangler dev) on a fresh local D1:
# migrations applied, a master tenant bootstrapped, its API key printed once.
#   PORT=8788 scripts/edge-dev.sh        (Ctrl-C stops it)
# Needs the tools of scripts/install-edge-tools.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

edge_choose_ports 8788

echo "==> building the worker" >&2
edge_build

cd "$TENANTRY_EDGE_DIR"
edge_fresh_local_d1
edge_bootstrap_local_d1

echo "==> serving on http://127.0.0.1:$port" >&2
# Built above; without this wrangler's [build] would run worker-build (and wasm-opt) again.
# Changes to the Rust code are picked up by running this script again.
TENANTRY_EDGE_PREBUILT=1 exec wrangler dev --local --ip 127.0.0.1 --port "$port" --inspector-port "$inspector_port" \
  --show-interactive-dev-session=false
