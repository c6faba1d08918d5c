#!/usr/bin/env bash
# Benchmark (not part of CI): `bullion generate` on ONE thread, plain NDJSON and
# zstd level 1, printing events/s from the mean wall time of several runs
# (hyperfine, one warm-up run each; the warm-up also settles the page cache),
# and per second of CPU time (user + sys), which other load cannot inflate.
#
#   bench/generate.sh [EVENTS] [RUNS]     defaults: 10000000 events, 5 runs
#
# Output goes to a temporary directory on $TMPDIR (about 2 GB for 10M plain
# events) and is removed afterwards. BULLION_BINARY overrides the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BULLION_BINARY:-build/src/cli/bullion}
events=${1:-10000000}
runs=${2:-5}
[ -x "$bin" ] || scripts/build.sh >/dev/null
command -v hyperfine >/dev/null || { echo "bench/generate.sh: hyperfine is missing (scripts/setup.sh installs it)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bullion-bench-generate.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "bullion generate --events $events --threads 1 ($(nproc) cores, $(uname -m)); mean of $runs runs"
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  echo "  warning: load average $load on $(nproc) cores — wall times include waiting for the CPU;" \
    "the per-CPU-second rate is the robust figure" >&2
fi
for compression in none zstd; do
  cmd="$bin -q --threads 1 generate --events $events --compression $compression --overwrite --out $work/$compression"
  hyperfine --style none --warmup 1 --runs "$runs" --export-json "$work/$compression.json" "$cmd" >/dev/null
  size=$(du -sb "$work/$compression" | cut -f1)
  python3 - "$work/$compression.json" "$events" "$compression" "$size" <<'EOF'
import json, sys
result = json.load(open(sys.argv[1]))["results"][0]
events, compression, size = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
cpu = result["user"] + result["system"]
print(f"  {compression:5s} {events / result['mean'] / 1e6:6.2f}M events/s   "
      f"wall {result['mean']:.2f} s ± {result['stddev'] or 0:.2f} (min {result['min']:.2f})   "
      f"user {result['user']:.2f} s  sys {result['system']:.2f} s   {size / 2**20:,.0f} MiB   "
      f"(per CPU second: {events / cpu / 1e6:.2f}M events/s)")
EOF
done
