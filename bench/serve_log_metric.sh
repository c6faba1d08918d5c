#!/usr/bin/env bash
# MLflow log-metric throughput over HTTP: `bullion serve` on loopback driven
# by wrk (not CI; bounded in time).
#
#   bench/serve_log_metric.sh [SECONDS=10] [CONNECTIONS=16] [WRK_THREADS=2]
#
# Starts the server on a free port with a temporary lakehouse, creates a run,
# POSTs /api/2.0/mlflow/runs/log-metric (each request a distinct metric
# point) for SECONDS, prints wrk's throughput and latency percentiles, then
# checks that every acknowledged metric point is in the store.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BULLION_BINARY:-build/src/cli/bullion}
seconds=${1:-10}
connections=${2:-16}
wrk_threads=${3:-2}
lakehouse=$(mktemp -d /tmp/bullion-serve-bench-XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$lakehouse"
}
trap cleanup EXIT

"$bin" --lakehouse "$lakehouse" serve --port 0 --threads 32 >"$lakehouse/serve.out" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q 'http://' "$lakehouse/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o 'http://127.0.0.1:[0-9]*' "$lakehouse/serve.out" | head -1 | cut -d: -f3)
base="http://127.0.0.1:$port/api/2.0/mlflow"
run_id=$(curl -sf -X POST -H 'Content-Type: application/json' -d '{"experiment_id":"0"}' "$base/runs/create" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["run"]["info"]["run_id"])')

cat >"$lakehouse/log_metric.lua" <<LUA
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  counter = 0
  ok = 0
end
function request()
  counter = counter + 1
  local body = string.format('{"run_id":"$run_id","key":"loss_%d","value":%.6f,"timestamp":%d,"step":%d}',
                             id, 1.0 / counter, counter, counter)
  return wrk.format("POST", "/api/2.0/mlflow/runs/log-metric", {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("ok") end
  io.write(string.format("acknowledged (200) requests: %d\n", total))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%s: %.2f ms\n", p, latency:percentile(p) / 1000.0))
  end
end
LUA

echo "wrk: $wrk_threads threads, $connections connections, ${seconds}s against $base/runs/log-metric"
wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency -s "$lakehouse/log_metric.lua" "http://127.0.0.1:$port" |
  tee "$lakehouse/wrk.out"

stored=0
for ((t = 0; t < wrk_threads; t++)); do
  n=$(curl -sf "$base/metrics/get-history?run_id=$run_id&metric_key=loss_$t" |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin).get("metrics", [])))')
  stored=$((stored + n))
done
acked=$(grep -o 'acknowledged (200) requests: [0-9]*' "$lakehouse/wrk.out" | grep -o '[0-9]*$')
echo "metric points stored: $stored (acknowledged: $acked)"
[ "$stored" -ge "$acked" ] || { echo "LOST METRICS"; exit 1; }
