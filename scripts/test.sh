#!/usr/bin/env bash
# THE test command (README): sets up a fresh machine, builds, and runs every
# test — C++ unit tests (CTest) and Python interop tests against real peers
# (pyarrow, DuckDB, Spark + Delta, delta-rs, scikit-learn, MLflow).
#
#   scripts/test.sh             everything
#   scripts/test.sh --unit      C++ unit tests only (no venv needed)
set -euo pipefail
cd "$(dirname "$0")/.."

# Every C++ file formatted as .clang-format says (clang-format comes with setup.sh).
check_format() {
  find include src tests bench \( -name '*.cc' -o -name '*.h' \) -print0 | xargs -0 clang-format --dry-run -Werror
}

if [ "${1:-}" = "--unit" ]; then
  scripts/setup.sh --cpp
  scripts/build.sh
  check_format
  (cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600)
  exit 0
fi

scripts/setup.sh
scripts/build.sh
check_format
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600)
export BULLION_BINARY="$(pwd)/build/src/cli/bullion"
.venv/bin/python -m pytest tests/interop -q -p no:cacheprovider
