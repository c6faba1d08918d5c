#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and
# fuzzes bullion's Parquet reader for a bounded time.
#
#   scripts/fuzz.sh [seconds]     default 60; CI runs the default
#
# Seeds come from tests/fuzz/corpus/parquet/ (committed); inputs the fuzzer
# finds go to build-fuzz/corpus/parquet/, crashes to build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
dir=build-fuzz
export CCACHE_BASEDIR="$(pwd)"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBULLION_FUZZ=ON -DBULLION_BENCH=OFF >/dev/null
fi
ninja -C "$dir" parquet_reader_fuzz
mkdir -p "$dir/corpus/parquet" "$dir/artifacts"
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$dir/tests/fuzz/parquet_reader_fuzz" "$dir/corpus/parquet" tests/fuzz/corpus/parquet \
  -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=65536 \
  -artifact_prefix="$dir/artifacts/" -print_final_stats=1
