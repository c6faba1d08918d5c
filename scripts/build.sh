#!/usr/bin/env bash
# Configures and builds bullion with CMake + Ninja (compiler output cached by ccache).
#
#   scripts/build.sh             optimized build in build/
#   scripts/build.sh --sanitize  ASan + UBSan build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  flags=(-DCMAKE_BUILD_TYPE=Debug -DBULLION_SANITIZE=ON -DBULLION_BENCH=OFF)
fi
export CCACHE_BASEDIR="$(pwd)"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
fi
ninja -C "$dir" ${NINJA_FLAGS:-}
