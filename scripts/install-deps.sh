#!/usr/bin/env bash
# Installs every Debian package that the build, the tests and the scripts need.
# Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libcaf-dev
  libboost-dev
  liblmdb-dev lmdb-utils
  libcereal-dev
  libspdlog-dev libfmt-dev
  libtomlplusplus-dev
  libcli11-dev
  nlohmann-json3-dev
  libsimdjson-dev        # order bodies (gateway/order_parse.cpp)
  libjemalloc-dev
  libxxhash-dev
  libssl-dev openssl     # openssl: scripts/make-certs.sh (TLS certificates)
  clang libclang-rt-dev   # scripts/fuzz.sh: libFuzzer
  python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
