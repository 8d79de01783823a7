#!/usr/bin/env bash
# Fuzzes the webhook parsers (webhooks/) and the order bodies (gateway/
# order_parse.cpp) with libFuzzer: configures
# build-fuzz/ with clang and -DSTOCKWIRE_FUZZ=ON, builds only the fuzz
# targets, runs each for N seconds on a copy of its seed corpus, and prints
# per target the executions and whether it crashed. Exits 1 on a crash (the
# input is kept in build-fuzz/fuzz-artifacts/), 77 when clang or libFuzzer
# is missing (CTest reports webhook_fuzz as skipped), 2 on a usage error.
#
#   bash scripts/fuzz.sh [--seconds N]       (default 20)
#
# Longer runs and reproducing a crash: docs/WEBHOOKS.md.
set -euo pipefail

seconds=20
while (($#)); do
  case "$1" in
    --seconds)
      seconds="${2:-}"
      shift 2 || true
      ;;
    --seconds=*)
      seconds="${1#--seconds=}"
      shift
      ;;
    -h | --help)
      sed -n '2,12p' "$0"
      exit 0
      ;;
    *)
      echo "fuzz.sh: unknown argument '$1' (usage: fuzz.sh [--seconds N])" >&2
      exit 2
      ;;
  esac
done
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: --seconds needs a positive integer" >&2
  exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"

for tool in clang clang++ cmake ninja; do
  if ! command -v "$tool" >/dev/null; then
    echo "fuzz.sh: $tool not found (bash scripts/install-deps.sh); skipping" >&2
    exit 77
  fi
done

mkdir -p "$build"
# One fuzz build at a time: ninja must never run twice in one build dir.
exec 9>"$build/.fuzz.lock"
flock 9

tmp="$(mktemp -d "${TMPDIR:-/tmp}/stockwire-fuzz.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# libFuzzer's runtime ships separately (Debian: libclang-rt-<ver>-dev).
probe='extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }'
if ! echo "$probe" | clang++ -x c++ -fsanitize=fuzzer,address,undefined - \
  -o "$tmp/probe" 2>"$tmp/probe.log"; then
  echo "fuzz.sh: clang cannot link libFuzzer (install libclang-rt-dev); skipping" >&2
  sed 's/^/  /' "$tmp/probe.log" >&2
  exit 77
fi

# -- configure and build -----------------------------------------------------------
if ! grep -qs '^STOCKWIRE_FUZZ:BOOL=ON' "$build/CMakeCache.txt" \
  || ! grep -qs '^CMAKE_CXX_COMPILER:.*clang++' "$build/CMakeCache.txt"; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DSTOCKWIRE_FUZZ=ON >"$tmp/configure.log" 2>&1 || {
    cat "$tmp/configure.log" >&2
    echo "fuzz.sh: configuring $build failed" >&2
    exit 1
  }
else
  # Picks up edits to the CMake files (a no-op otherwise).
  cmake "$build" >"$tmp/configure.log" 2>&1 || {
    cat "$tmp/configure.log" >&2
    exit 1
  }
fi
manifest="$build/fuzz_targets.txt"
if [[ ! -s "$manifest" ]]; then
  echo "fuzz.sh: $manifest missing: no fuzz targets configured" >&2
  exit 1
fi
echo "fuzz.sh: building the fuzz targets in $build"
ninja -C "$build" fuzz_targets >"$tmp/build.log" 2>&1 || {
  tail -n 60 "$tmp/build.log" >&2
  echo "fuzz.sh: build failed" >&2
  exit 1
}

# -- run ---------------------------------------------------------------------------
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
crashed=0
summary=()
while read -r name binary seed_dir seed_prefix; do
  [[ -n "$name" ]] || continue
  corpus="$tmp/corpus-$name"
  mkdir -p "$corpus"
  # The first input byte selects options (the topic in fuzz_webhook.cpp,
  # the route in fuzz_orders.cpp): each fixture is seeded under selectors
  # 0-15.
  for seed in "$seed_dir/$seed_prefix"*; do
    [[ -f "$seed" ]] || continue
    for sel in $(seq 0 15); do
      { printf "\\x$(printf '%02x' "$sel")"; cat "$seed"; } \
        >"$corpus/$(basename "$seed" .json)-$sel"
    done
  done
  log="$tmp/$name.log"
  echo "fuzz.sh: $name for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
  rc=0
  touch "$tmp/$name.start"
  (cd "$tmp" && "$binary" -max_total_time="$seconds" -max_len=65536 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
    "$corpus") >"$log" 2>&1 || rc=$?
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" \
    | tail -n 1 | grep -o '[0-9]*$' || true)"
  if ((rc != 0)); then
    crashed=1
    status="CRASHED (exit $rc)"
    echo "---- $name: last lines of its log ----" >&2
    tail -n 40 "$log" >&2
    find "$artifacts" -name "$name-*" -newer "$tmp/$name.start" -type f \
      | sed 's/^/  input kept: /' >&2 || true
  else
    status="ok"
  fi
  summary+=("$(printf '%-26s %12s executions  %s' "$name" "${execs:-?}" "$status")")
done <"$manifest"

echo
echo "fuzz.sh: ${seconds}s per target"
printf '%s\n' "${summary[@]}"
exit "$crashed"
