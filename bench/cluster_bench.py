#!/usr/bin/env python3
"""Cluster forwarding benchmark: what routing a request through a node that
does not own its SKU costs, against asking the owner directly.

Starts three stockwired on loopback (fresh temporary data directories,
durable stores), creates --skus SKUs, then for each request picks a SKU and
sends the same kind of request once to its owner and once to another node
(alternating which goes first, so drift hits both alike), one request at a
time per connection. Prints p50/p99/mean for GET /v1/stock/{sku} and
POST /v1/orders both ways, and the difference (issue 6: a forwarded call
adds at most 1 ms at p50 on loopback).

  python3 bench/cluster_bench.py [--requests 3000] [--skus 300] [--tls]
      [--stockwired build/bin/stockwired] [--ring-owner build/bin/ring_owner]

--tls: the nodes talk mutual TLS ([tls], certificates made by
scripts/make-certs.sh in the temporary directory), to show what TLS adds
to a forwarded call.

Python 3 standard library only. Prints figures; asserts nothing about time.
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from cluster_test import MEMBERS, Cluster, wait_mesh  # noqa: E402


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def timed(client, method, path, body=None):
    t0 = time.perf_counter()
    st, _, doc = client.call(method, path, body)
    took = time.perf_counter() - t0
    if st != 200:
        raise SystemExit(f"{method} {path}: {st} {doc}")
    return took


def measure(cluster, owners, skus, requests, kind):
    """(owner latencies, forwarded latencies) in seconds."""
    clients = {m: cluster.client(m) for m in MEMBERS}
    direct, forwarded = [], []
    rng = random.Random(7)
    for i in range(requests):
        sku = rng.choice(skus)
        owner = owners[sku]
        other = rng.choice([m for m in MEMBERS if m != owner])
        order = [(owner, direct), (other, forwarded)]
        if i % 2:
            order.reverse()
        for j, (via, out) in enumerate(order):
            if kind == "get":
                out.append(timed(clients[via], "GET", f"/v1/stock/{sku}"))
            else:
                out.append(timed(clients[via], "POST", "/v1/orders", {
                    "order_id": f"BENCH-{i}-{j}", "channel": "bench",
                    "lines": [{"sku": sku, "qty": 1}]}))
    return direct, forwarded


def report(name, direct, forwarded):
    def row(label, xs):
        return (f"  {label:<22} p50 {percentile(xs, 50) * 1e3:7.3f} ms   "
                f"p99 {percentile(xs, 99) * 1e3:7.3f} ms   "
                f"mean {statistics.fmean(xs) * 1e3:7.3f} ms")
    print(f"{name} ({len(direct)} requests each way)")
    print(row("through the owner", direct))
    print(row("through another node", forwarded))
    print(f"  forwarding adds        p50 "
          f"{(percentile(forwarded, 50) - percentile(direct, 50)) * 1e3:+7.3f}"
          f" ms   p99 "
          f"{(percentile(forwarded, 99) - percentile(direct, 99)) * 1e3:+7.3f}"
          f" ms", flush=True)


def use_tls(cluster, make_certs, certs):
    """Makes a CA and the nodes' certificates, and gives every node [tls]."""
    subprocess.run(["bash", make_certs, certs, *MEMBERS], check=True,
                   stdout=subprocess.DEVNULL)
    for name, node in cluster.nodes.items():
        with open(node.config, "a") as f:
            f.write(f'[tls]\ncertificate = "{certs}/{name}.pem"\n'
                    f'key = "{certs}/{name}.key"\n'
                    f'cafile = "{certs}/ca.pem"\n')


def main():
    root = os.path.join(HERE, "..")
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired",
                    default=os.path.join(root, "build/bin/stockwired"))
    ap.add_argument("--ring-owner",
                    default=os.path.join(root, "build/bin/ring_owner"))
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--skus", type=int, default=300)
    ap.add_argument("--tls", action="store_true",
                    help="mutual TLS between the nodes")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="stockwire-cluster-bench-")
    cluster = Cluster(args.stockwired, args.ring_owner, workdir)
    if args.tls:
        use_tls(cluster, os.path.join(root, "scripts/make-certs.sh"),
                os.path.join(workdir, "certs"))
    print(f"three nodes, {'mutual TLS' if args.tls else 'plain TCP'} "
          f"between them")
    try:
        cluster.start()
        wait_mesh(cluster)
        skus = [f"BENCH-{i}" for i in range(args.skus)]
        owners = cluster.owners(skus)
        c = cluster.client("node1")
        for sku in skus:
            c.call("PUT", f"/v1/stock/{sku}", {"on_hand": 1_000_000})
        warmup = min(200, args.requests)
        measure(cluster, owners, skus, warmup, "get")
        report("GET /v1/stock/{sku}",
               *measure(cluster, owners, skus, args.requests, "get"))
        report("POST /v1/orders (1 line, durable)",
               *measure(cluster, owners, skus, args.requests, "order"))
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
