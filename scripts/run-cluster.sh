#!/usr/bin/env bash
# Builds stockwired (unless --no-build) and starts the three-node example
# cluster on loopback from the repository root: cluster-config/node1.toml,
# node2.toml, node3.toml (HTTP 127.0.0.1:8081-8083, cluster ports
# 4101-4103, data in ./data/cluster/node1-3). Any node answers for any SKU. Logs go
# to ./data/cluster/node<N>.log. Ctrl-C (or SIGTERM) stops all three cleanly.
#
#   scripts/run-cluster.sh [--tls] [--no-build] [stockwired flags...]
#
# --tls: the same cluster with mutual TLS on its cluster and admin ports
# (cluster-config/tls/node<N>.toml, data and logs in ./data/cluster-tls);
# makes the certificates in ./data/tls first when they are missing
# (scripts/make-certs.sh), including one for stockctl.
set -euo pipefail
cd "$(dirname "$0")/.."

configs=cluster-config
run_dir=data/cluster
tls=0
if [[ "${1:-}" == "--tls" ]]; then
  tls=1
  configs=cluster-config/tls
  run_dir=data/cluster-tls
  shift
fi
if [[ "${1:-}" == "--no-build" ]]; then
  shift
else
  bash scripts/install-deps.sh
  bash scripts/build.sh
fi
if [[ $tls -eq 1 ]]; then
  bash scripts/make-certs.sh data/tls node1 node2 node3 stockctl
fi

mkdir -p "$run_dir"
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

for n in 1 2 3; do
  build/bin/stockwired --config "$configs/node$n.toml" "$@" \
    >"$run_dir/node$n.log" 2>&1 &
  pids+=($!)
done

# Ready when every node's HTTP port is open and every node reaches the
# others (each logs one "connected to" line per other member).
for _ in $(seq 200); do
  ready=0
  for n in 1 2 3; do
    [[ $(grep -c 'listening on http://' "$run_dir/node$n.log") -ge 1 &&
       $(grep -c 'cluster: connected to' "$run_dir/node$n.log") -ge 2 ]] &&
      ready=$((ready + 1))
  done
  [[ $ready -eq 3 ]] && break
  for i in 0 1 2; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "node$((i + 1)) exited:" >&2
      cat "$run_dir/node$((i + 1)).log" >&2
      exit 1
    fi
  done
  sleep 0.1
done
[[ $ready -eq 3 ]] || { echo "the cluster did not form; logs in $run_dir/" >&2; exit 1; }

cat <<INFO

Three stockwired nodes on http://127.0.0.1:8081, :8082, :8083 (cluster ports
4101-4103, data in ./$run_dir/node1-3, logs in ./$run_dir/node1-3.log). Try:
  curl -s -X PUT localhost:8081/v1/stock/SKU-1 -d '{"on_hand":100}'
  curl -s localhost:8083/v1/stock/SKU-1            # the same SKU via node3
  curl -s -X POST localhost:8082/v1/orders \\
       -d '{"order_id":"A-1","lines":[{"sku":"SKU-1","qty":2}]}'
  curl -s localhost:8081/v1/orders/A-1             # asked of every node
INFO
if [[ $tls -eq 1 ]]; then
  cat <<INFO
Cluster (4101-4103) and admin (4111-4113) ports require mutual TLS; stockctl:
  build/bin/stockctl --node 127.0.0.1:4111 --tls-certificate data/tls/stockctl.pem \\
       --tls-key data/tls/stockctl.key --tls-cafile data/tls/ca.pem cluster status
INFO
fi
echo "Stop with Ctrl-C."
wait -n "${pids[@]}" || true
echo "a node stopped; stopping the others (logs in $run_dir/)" >&2
