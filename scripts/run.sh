#!/usr/bin/env bash
# Installs the dependencies, builds, and starts one Stockwire node on
# loopback with cluster-config/single-node.toml (data in ./data/node1,
# relative to the repository root). Extra arguments go to stockwired, e.g.
#   bash scripts/run.sh --http-listen 127.0.0.1:9090 --log-format json
# Ctrl-C (SIGINT) stops the node cleanly: requests in progress are answered
# and the journal is committed before it exits.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh

config=cluster-config/single-node.toml
log=$(mktemp -t stockwired-run.XXXXXX)
trap 'rm -f "$log"' EXIT

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
Try:
  curl -s -X PUT $url/v1/stock/SKU-1 -d '{"on_hand":100,"idempotency_key":"wms-77"}'
  curl -s -X POST $url/v1/orders -d '{"order_id":"A-1001","channel":"amazon","lines":[{"sku":"SKU-1","qty":2}]}'
  curl -s $url/v1/stock/SKU-1
  curl -s $url/v1/stock/SKU-1/audit?limit=50
Stop with Ctrl-C. API: docs/HTTP-API.md, configuration: docs/CONFIG.md.

INFO
set +e
wait "$pid"
code=$?
# The first wait returns early when the trap fires; wait for the exit.
if kill -0 "$pid" 2>/dev/null; then wait "$pid"; code=$?; fi
exit "$code"
