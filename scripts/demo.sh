#!/usr/bin/env bash
# THE demo command (README): sets up a fresh machine, builds, and runs
# `bullion demo` end to end in ./demo-lakehouse.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --cpp
scripts/build.sh
exec build/src/cli/bullion --lakehouse ./demo-lakehouse demo "$@"
