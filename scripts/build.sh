#!/usr/bin/env bash
# Configures and builds Stockwire with Ninja into build/ (binaries in
# build/bin/). Set STOCKWIRE_WERROR=ON to treat warnings as errors (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
werror="${STOCKWIRE_WERROR:-OFF}"
if [[ "${CI:-}" == "true" ]]; then werror=ON; fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSTOCKWIRE_WERROR="$werror"
cmake --build build -j "$(nproc)"
