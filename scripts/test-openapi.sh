#!/usr/bin/env bash
# The OpenAPI document against the validator and both servers:
#   1. openapi-spec-validator accepts core/openapi/openapi.json;
#   2. Schemathesis runs from it against `tenantry serve` on a fresh SQLite file, then against the
#      worker in workerd on a fresh local D1, each with a bootstrapped platform key: every check,
#      positive and negative data, every phase including the stateful one along the document's
#      links (settings and the reasons for them: tests/openapi/schemathesis.toml).
#   scripts/test-openapi.sh     (PORT=8793 by default: the worker; `tenantry serve` on PORT + 2)
# Environment: TENANTRY_OPENAPI_TARGETS ("native edge" by default), SCHEMATHESIS_MAX_EXAMPLES (25),
# SCHEMATHESIS_MAX_TIME (seconds per server, 60), SCHEMATHESIS_SEED (1, so CI repeats a run).
# Needs the tools of scripts/install-edge-tools.sh and scripts/install-python-tools.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

edge_choose_ports 8793
native_port=$((port + 2))
edge_port_free "$native_port" || { echo "port $native_port is in use; set PORT" >&2; exit 1; }
py="$TENANTRY_ROOT/.tools/py/bin"
for tool in openapi-spec-validator schemathesis; do
  [ -x "$py/$tool" ] || { echo "$py/$tool is missing; run scripts/install-python-tools.sh" >&2; exit 1; }
done
document="$TENANTRY_ROOT/core/openapi/openapi.json"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/tenantry-openapi.XXXXXX")"
native_pid=""
cleanup() {
  [ -z "$native_pid" ] || kill -- "-$native_pid" 2>/dev/null || true
  edge_stop_worker
  rm -rf "$scratch"
}
trap cleanup EXIT

echo "==> openapi-spec-validator" >&2
"$py/openapi-spec-validator" "$document"

# Runs Schemathesis against the server at $1 with the platform key JSON $2, named $3.
schemathesis_run() {
  local url="$1" key_json="$2" name="$3" key tenant started status=0
  key="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$key_json")"
  tenant="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["tenant_id"])' "$key_json")"
  echo "==> Schemathesis against $name ($url)" >&2
  started=$(date +%s)
  # From the scratch folder: Schemathesis keeps its example database (.hypothesis) in the cwd.
  # Every check runs: that is Schemathesis's default. `--checks all` is not given because it
  # would also override the one per-operation setting in the config file.
  (cd "$scratch" && TENANTRY_OPENAPI_KEY="$key" \
    SCHEMATHESIS_HOOKS="$TENANTRY_ROOT/tests/openapi/hooks.py" \
    "$py/schemathesis" --config-file "$TENANTRY_ROOT/tests/openapi/schemathesis.toml" \
    run "$document" --url "$url" \
    -H "X-API-Key: $key" -H "X-Tenant-ID: $tenant" \
    --mode all --phases examples,coverage,fuzzing,stateful \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" --max-time "${SCHEMATHESIS_MAX_TIME:-60}" \
    --seed "${SCHEMATHESIS_SEED:-1}" --request-timeout 10 --workers 1 --no-color) || status=$?
  echo "==> Schemathesis against $name: $(( $(date +%s) - started )) s, exit $status" >&2
  # A run whose key was revoked midway would have met only 401s from then on (tests/openapi/hooks.py
  # keeps Schemathesis from revoking it): the key must still read itself.
  local own="${key#tnty_}"
  own="${own%%_*}"
  own="${own:0:8}-${own:8:4}-${own:12:4}-${own:16:4}-${own:20:12}"
  if ! curl -fsS -H "X-API-Key: $key" -H "X-Tenant-ID: $tenant" "$url/v1/api-keys/$own" |
    grep -q '"revoked_at":null'; then
    echo "==> the run's key no longer works after Schemathesis against $name" >&2
    status=1
  fi
  return "$status"
}

targets="${TENANTRY_OPENAPI_TARGETS:-native edge}"
status=0

if [[ " $targets " == *" native "* ]]; then
  echo "==> building tenantry" >&2
  (cd "$TENANTRY_ROOT" && cargo build -q -p tenantry-native --bin tenantry)
  tenantry="$TENANTRY_ROOT/target/debug/tenantry"
  native_key="$("$tenantry" init --db "$scratch/openapi.db")"
  setsid "$tenantry" serve --db "$scratch/openapi.db" --listen "127.0.0.1:$native_port" \
    >"$scratch/serve.log" 2>&1 &
  native_pid=$!
  for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$native_port/healthz" 2>/dev/null && break
    sleep 0.5
  done
  schemathesis_run "http://127.0.0.1:$native_port" "$native_key" "tenantry serve" || {
    status=1; echo "==> tenantry serve log:" >&2; tail -30 "$scratch/serve.log" >&2; }
  kill -- "-$native_pid" 2>/dev/null || true
  native_pid=""
fi

if [[ " $targets " == *" edge "* ]]; then
  echo "==> building the worker" >&2
  edge_build
  edge_fresh_local_d1
  edge_key="$(edge_bootstrap_local_d1)"
  edge_start_worker "$port" "$inspector_port"
  schemathesis_run "http://127.0.0.1:$port" "$edge_key" "the worker in workerd" || {
    status=1; echo "==> worker log:" >&2; tail -30 "$EDGE_WORKER_LOG" >&2; }
fi
exit "$status"
