#!/usr/bin/env bash
# Online serving under load: `bullion serve --model` on loopback driven by wrk
# (not CI; bounded in time): GET /features/{entity} and POST /score (1 and 10
# entities per request), each with 1 connection (latency: p50/p99 without
# queueing behind other requests) and with CONNECTIONS (throughput), then
# MLflow log-metric throughput (bench/serve_log_metric.sh). About
# 7 x SECONDS in all.
#
#   bench/serve_load.sh [SECONDS=10] [CONNECTIONS=4] [WRK_THREADS=1] [CUSTOMERS=20000]
#
# Data: scoring_fixture_tool (tests/server; build it with the rest) writes a
# Gold-like features table of CUSTOMERS entities x 2 dates and registers a
# model trained on it; requests pick entities uniformly at random.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BULLION_BINARY:-build/src/cli/bullion}
tool=${BULLION_SCORING_FIXTURE_TOOL:-build/tests/server/scoring_fixture_tool}
seconds=${1:-10}
connections=${2:-4}
wrk_threads=${3:-1}
customers=${4:-20000}
work=$(mktemp -d /tmp/bullion-serve-load-XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "preparing: $customers entities x 2 dates, model churn-prediction-gbm (v1 @champion)"
"$tool" "$work/lakehouse" "$customers" 2 >/dev/null
"$bin" --lakehouse "$work/lakehouse" serve --port 0 --threads 32 --model churn-prediction-gbm@champion \
  >"$work/serve.out" 2>&1 &
server_pid=$!
for _ in $(seq 300); do grep -q 'http://' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.out" | head -1 | cut -d: -f3)
[ -n "$port" ] || { cat "$work/serve.out"; exit 1; }
base="http://127.0.0.1:$port"
curl -sf "$base/features/C0001" >/dev/null

# Shared by the scripts below: percentiles and the count of non-200 answers.
cat >"$work/report.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) failed = 0 end
function response(status, headers, body) if status ~= 200 then failed = failed + 1 end end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("failed") end
  io.write(string.format("requests: %d in %.1f s = %.0f req/s; non-200: %d\n", summary.requests,
                         summary.duration / 1e6, summary.requests / (summary.duration / 1e6), bad))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%s: %.3f ms\n", p, latency:percentile(p) / 1000.0))
  end
end
LUA
cat >"$work/features.lua" <<LUA
dofile("$work/report.lua")
function request()
  return wrk.format("GET", string.format("/features/C%04d", math.random(0, $customers - 1)))
end
LUA
for n in 1 10; do
  cat >"$work/score_$n.lua" <<LUA
dofile("$work/report.lua")
function request()
  local ids = {}
  for i = 1, $n do ids[i] = string.format('"C%04d"', math.random(0, $customers - 1)) end
  return wrk.format("POST", "/score", {["Content-Type"] = "application/json"},
                    '{"entities": [' .. table.concat(ids, ",") .. ']}')
end
LUA
done

# The server's CPU time (user + system, clock ticks) so far: unlike latency,
# not inflated when other processes share the cores.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
run() {
  for c in 1 "$connections"; do
    echo
    echo "== $1 (wrk: $wrk_threads threads, $c connections, ${seconds}s)"
    local before after
    before=$(cpu_ticks)
    wrk -t"$wrk_threads" -c"$c" -d"${seconds}s" -s "$2" "$base" | grep -E '^(requests|latency)' | tee "$work/run.out"
    after=$(cpu_ticks)
    awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '/^requests:/ {
      printf "server CPU per request: %.1f us\n", ticks / hz * 1e6 / $2 }' "$work/run.out"
  done
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
run "GET /features/{entity}" "$work/features.lua"
run "POST /score, 1 entity" "$work/score_1.lua"
run "POST /score, 10 entities" "$work/score_10.lua"

kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
echo
echo "== MLflow runs/log-metric"
bench/serve_log_metric.sh "$seconds" 16 "$wrk_threads" | grep -E '^(Requests/sec|latency|acknowledged|metric points)'
