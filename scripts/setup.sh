#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine; safe to rerun.
#
#   scripts/setup.sh          Debian packages for the build + the interop venv + Spark's Delta jars
#   scripts/setup.sh --cpp    Debian packages for the build only (enough for `bullion demo`)
#
# The product depends only on Debian packages. Python (in .venv/) and Spark
# serve interop tests and benchmarks only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

mode=all
case "${1:-}" in
  --cpp) mode=cpp ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--cpp]" >&2; exit 2 ;;
esac

# ---------------------------------------------------------------------------
# 1. Debian packages (see DESIGN.md, "Dependencies").
# ---------------------------------------------------------------------------
debian_packages=(
  build-essential cmake ninja-build ccache pkg-config clang clang-format libclang-rt-14-dev
  libsimdjson-dev nlohmann-json3-dev libzstd-dev libsnappy-dev zlib1g-dev liblz4-dev
  libthrift-dev libboost-dev libxxhash-dev libicu-dev libyaml-cpp-dev libcli11-dev
  libcpp-httplib-dev libsqlite3-dev libxgboost-dev libroaring-dev libmimalloc-dev
  libgtest-dev libbenchmark-dev
  zstd gzip wrk hyperfine
)
if [ "$mode" = all ]; then
  debian_packages+=(python3-venv openjdk-17-jre-headless)
fi

missing=()
for p in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# The machine may provide Java and venv outside Debian's packages (pyenv, a JDK);
# accept those instead of installing duplicates.
if [ "$mode" = all ]; then
  filtered=()
  for p in "${missing[@]}"; do
    case "$p" in
      openjdk-17-jre-headless) java -version >/dev/null 2>&1 && continue ;;
      python3-venv) python3 -c 'import venv, ensurepip' >/dev/null 2>&1 && continue ;;
    esac
    filtered+=("$p")
  done
  missing=("${filtered[@]}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: Debian packages present"
fi

[ "$mode" = cpp ] && exit 0

# ---------------------------------------------------------------------------
# 2. Python virtual environment for interop tests and benchmarks.
# ---------------------------------------------------------------------------
venv="$root/.venv"
req="$root/scripts/requirements-interop.txt"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating Python venv in .venv (interop tests only)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r "$req"
  echo "$want" > "$stamp"
else
  echo "setup: Python venv up to date"
fi

# ---------------------------------------------------------------------------
# 3. Spark's Delta jars: resolved once into the Ivy cache, then reused.
# ---------------------------------------------------------------------------
jar_stamp="$venv/.spark-delta-jars"
if [ ! -f "$jar_stamp" ]; then
  echo "setup: fetching Spark's Delta Lake jars (once)"
  log=$(mktemp)
  if ! "$venv/bin/python" "$root/tests/interop/spark_session.py" --warm-up >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: could not start Spark with Delta Lake (output above)" >&2
    exit 1
  fi
  tail -n 1 "$log"
  rm -f "$log"
  touch "$jar_stamp"
else
  echo "setup: Spark Delta jars cached"
fi
