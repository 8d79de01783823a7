#!/usr/bin/env bash
# Installs the dependencies, builds, and starts the five fake sales channels
# (cluster-config/fakechannel.toml, ports 18301-18305) and one Stockwire node
# on loopback wired to them with cluster-config/single-node.toml (data in
# ./data/node1, relative to the repository root). Extra arguments go to
# stockwired, e.g.
#   bash scripts/run.sh --http-listen 127.0.0.1:9090 --log-format json
# Ctrl-C (SIGINT) stops the node cleanly: requests in progress are answered
# and the journal is committed before it exits.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh

config=cluster-config/single-node.toml
log=$(mktemp -t stockwired-run.XXXXXX)
fake_log=$(mktemp -t fakechannel-run.XXXXXX)
fake_pid=""
cleanup() {
  [[ -n "$fake_pid" ]] && kill -TERM "$fake_pid" 2>/dev/null
  rm -f "$log" "$fake_log"
}
trap cleanup EXIT

# The fake channels first: the node pushes to them from its first second.
build/bin/fakechannel --config cluster-config/fakechannel.toml \
  >"$fake_log" 2>&1 &
fake_pid=$!
for _ in $(seq 50); do
  [[ $(grep -c '^listening' "$fake_log") -ge 5 ]] && break
  kill -0 "$fake_pid" 2>/dev/null || { cat "$fake_log" >&2; exit 1; }
  sleep 0.1
done

# tee ignores Ctrl-C, so the node's shutdown lines still reach the terminal.
build/bin/stockwired --config "$config" "$@" \
  2> >(trap '' INT TERM; tee "$log" >&2) &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' INT TERM

url=""
for _ in $(seq 100); do
  url=$(grep -o 'listening on http://[^ ]*' "$log" | head -1 | cut -d' ' -f3 || true)
  [[ -n "$url" ]] && break
  kill -0 "$pid" 2>/dev/null || { wait "$pid"; exit $?; }
  sleep 0.1
done

cat <<INFO

stockwired is listening on $url (config $config, data in ./data/node1)
Fake channels on 127.0.0.1:18301-18305; DEMO-1..DEMO-100 are listed on all five.
Try:
  curl -s -X POST $url/v1/orders -d '{"order_id":"A-1001","channel":"amazon","lines":[{"sku":"DEMO-1","qty":2}]}'
  curl -s $url/v1/stock/DEMO-1
  curl -s $url/v1/listings/shopify/DEMO-1        # what Shopify was told
  curl -s http://127.0.0.1:18301/_fake/state     # what the fake channels show
  curl -s $url/v1/lag                             # sync lag per channel
  curl -s $url/metrics
Stop with Ctrl-C. API: docs/HTTP-API.md, configuration: docs/CONFIG.md.

INFO
set +e
wait "$pid"
code=$?
# The first wait returns early when the trap fires; wait for the exit.
if kill -0 "$pid" 2>/dev/null; then wait "$pid"; code=$?; fi
exit "$code"
