#!/usr/bin/env bash
# Where a create's CPU goes in local workerd: the CPU time wrangler and workerd spend per request
# for three requests that differ by their D1 work, each under the same load (CLIENTS clients,
# default 8, x REQUESTS requests, default 250, over keep-alive connections):
#   healthz  GET /healthz: no D1 at all, what any request costs the runtime and the worker
#   read     GET /v1/tenants/{id}: two D1 queries (the key, the tenant)
#   create   POST /v1/tenants: one D1 query (the key and the slug's candidates) and one batch
# Each is run ROUNDS times (default 2) in turn, on the worker as built in edge-worker/build, with
# local observability off and warn logs as scripts/bench-edge.sh runs it; then, as the floor, the
# same `GET /healthz` load on a worker of a few lines of JavaScript that answers the same body
# (what the local runtime costs a request, whatever the worker). The load comes from Python's
# standard library, whose own CPU is not counted. PORT/INSPECTOR_PORT as for
# scripts/test-edge.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

edge_choose_ports 8797
clients="${CLIENTS:-8}"
requests="${REQUESTS:-250}"

edge_fresh_local_d1 >/dev/null 2>&1
boot="$(edge_bootstrap_local_d1 2>/dev/null)"
key="$(sed -n 's/.*"api_key":"\([^"]*\)".*/\1/p' <<<"$boot")"
tenant="$(sed -n 's/.*"tenant_id":"\([^"]*\)".*/\1/p' <<<"$boot")"
X_LOCAL_OBSERVABILITY=false WRANGLER_LOG=warn edge_start_worker "$port" "$inspector_port" 2>/dev/null

# One kind of request, from $clients threads, $requests each; prints the statuses and the rate.
load() {
  python3 - "$port" "$key" "$tenant" "$1" "$requests" "$clients" <<'EOF'
import http.client, json, sys, threading, time, uuid

port, key, tenant, kind = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
requests, clients = int(sys.argv[5]), int(sys.argv[6])
statuses, lock = {}, threading.Lock()


def client(number):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"X-API-Key": key, "X-Tenant-ID": tenant}
    for i in range(requests):
        if kind == "healthz":
            connection.request("GET", "/healthz")
        elif kind == "read":
            connection.request("GET", f"/v1/tenants/{tenant}", headers=headers)
        else:
            slug = f"split-{number}-{i}-{uuid.uuid4().hex[:8]}"
            body = {"name": f"Split {slug}", "slug": slug, "owner_email": "o@split.test",
                    "owner_name": "O"}
            connection.request("POST", "/v1/tenants", body=json.dumps(body),
                               headers={**headers, "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        with lock:
            statuses[response.status] = statuses.get(response.status, 0) + 1


started = time.monotonic()
threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
rate = requests * clients / (time.monotonic() - started)
print(f"{kind}: statuses {statuses}, {rate:.0f} requests/s", end="")
EOF
}

# One row: the load of kind $2 on the running worker, and the CPU it cost per request.
measure() {
  local before ticks measured
  before="$(edge_group_cpu_ticks "$EDGE_WORKER_PID")"
  measured="$(load "$2")"
  ticks=$(($(edge_group_cpu_ticks "$EDGE_WORKER_PID") - before))
  echo "| $1 | $measured | $((ticks * 1000000 / $(getconf CLK_TCK) / (clients * requests))) µs |"
}

echo "| worker, round | request: statuses and rate | wrangler + workerd CPU per request |"
echo "| --- | --- | --- |"
for round in $(seq 1 "${ROUNDS:-2}"); do
  for kind in healthz read create; do
    measure "tenantry, $round" "$kind"
  done
done
edge_stop_worker

# The floor: the same /healthz load on a worker that only answers its body.
minimal="$(mktemp -d "${TMPDIR:-/tmp}/tenantry-minimal-worker.XXXXXX")"
trap 'edge_stop_worker; rm -rf "$minimal"' EXIT
cat >"$minimal/index.js" <<'JS'
export default {
  async fetch() {
    return new Response('{"status":"ok"}', { headers: { "Content-Type": "application/json" } });
  },
};
JS
printf 'name = "minimal"\nmain = "index.js"\ncompatibility_date = "2025-09-01"\n' \
  >"$minimal/wrangler.toml"
TENANTRY_EDGE_DIR="$minimal" X_LOCAL_OBSERVABILITY=false WRANGLER_LOG=warn \
  edge_start_worker "$port" "$inspector_port" 2>/dev/null
trap 'edge_stop_worker; rm -rf "$minimal"' EXIT # edge_start_worker set its own
for round in $(seq 1 "${ROUNDS:-2}"); do
  measure "minimal JavaScript, $round" healthz
done
