#!/usr/bin/env bash
# Fuzzes the expression parser and binder with libFuzzer (clang, ASan, UBSan).
#
#   scripts/fuzz_expr.sh [seconds]     default 60
#
# Configures the clang build in build-fuzz/ (shared with other fuzz targets)
# once, builds fuzz_expr_parser, and runs it on the seed corpus in
# tests/fuzz/corpus/expr/; new interesting inputs go to build-fuzz/corpus-expr/.
# A crash leaves its input in build-fuzz/ (crash-*) and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
export CCACHE_BASEDIR="$(pwd)"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBULLION_FUZZ=ON -DBULLION_BENCH=OFF >/dev/null
fi
ninja -C build-fuzz fuzz_expr_parser
mkdir -p build-fuzz/corpus-expr
cd build-fuzz
# Undefined behaviour is a finding: stop at the first report.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
./tests/expr/fuzz_expr_parser -max_total_time="$seconds" -max_len=512 -timeout=10 -rss_limit_mb=2048 \
  -dict=../tests/fuzz/expr_parser.dict -print_final_stats=1 corpus-expr ../tests/fuzz/corpus/expr
