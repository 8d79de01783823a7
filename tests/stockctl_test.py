#!/usr/bin/env python3
"""Process-level tests of stockctl (issue 7, docs/STOCKCTL.md).

Starts one node (no channels) with its admin actor on a free loopback port,
writes stock and orders through the HTTP API, and checks that
`stockctl --json` reports the same state: sku get, sku audit, sku set and
adjust (with given and generated keys), order get, cluster owner; plus the
exit codes of an unreachable node, an unknown SKU and an unknown order.
"""
import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile

from http_util import Node, check, run_tests

# Exit codes of stockctl (ctl/main.cpp, docs/STOCKCTL.md).
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_UNKNOWN_SKU = 4
EXIT_UNKNOWN_ORDER = 6

CTL_TIMEOUT_S = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CtlTests:
    def __init__(self, stockwired, stockctl, work):
        self.stockctl = stockctl
        self.admin = f"127.0.0.1:{free_port()}"
        self.node = Node(stockwired, work, "ctl",
                         f'\n[admin]\nlisten = "{self.admin}"\n').start()
        self.c = self.node.client()

    def ctl(self, *args, node=None):
        """Runs stockctl --json; returns (exit code, parsed stdout, stderr)."""
        p = subprocess.run(
            [self.stockctl, "--node", node or self.admin, "--json", *args],
            capture_output=True, text=True, timeout=CTL_TIMEOUT_S)
        doc = json.loads(p.stdout) if p.returncode == 0 else None
        return p.returncode, doc, p.stderr

    def ok(self, *args):
        code, doc, err = self.ctl(*args)
        check(code == 0, f"stockctl {' '.join(args)}: exit {code}: {err}")
        return doc

    def http(self, method, path, body=None):
        st, _, doc = self.c.call(method, path, body)
        check(st == 200, f"{method} {path}: {st} {doc}")
        return doc

    def test_sku_get(self):
        self.http("PUT", "/v1/stock/CTL-1", {"on_hand": 50})
        self.http("PUT", "/v1/stock/CTL-2", {"on_hand": 7})
        self.http("POST", "/v1/orders", {"order_id": "O-1", "channel": "web",
                                         "lines": [{"sku": "CTL-1", "qty": 3}]})
        docs = self.ok("sku", "get", "CTL-1", "CTL-2")
        check(len(docs) == 2, f"two SKUs: {docs}")
        for d in docs:
            view = self.http("GET", f"/v1/stock/{d['sku']}")
            for f in ("on_hand", "available", "version"):
                check(d[f] == view[f], f"{d['sku']} {f}: {d} vs HTTP {view}")
            check(d["owner"] == "ctl" and d["channels"] == [],
                  f"owner and channels: {d}")

    def test_sku_audit(self):
        self.http("PUT", "/v1/stock/AUD-1", {"on_hand": 10})
        self.http("POST", "/v1/stock/AUD-1/adjust",
                  {"delta": -4, "idempotency_key": "aud-1-adj"})
        doc = self.ok("sku", "audit", "AUD-1", "--limit", "10")
        http = self.http("GET", "/v1/stock/AUD-1/audit?limit=10")["records"]
        check(len(doc["records"]) == len(http) == 2, f"{doc} vs {http}")
        for mine, theirs in zip(doc["records"], http):
            check(mine["version"] == theirs["version"]
                  and mine["op_id"] == theirs["op_id"]
                  and mine["delta"] == theirs["delta"]
                  and mine["on_hand_after"] == theirs["on_hand"],
                  f"audit: {mine} vs {theirs}")
        one = self.ok("sku", "audit", "AUD-1", "--limit", "1")
        check(len(one["records"]) == 1 and one["records"][0]["version"] == 2,
              f"--limit 1: {one}")

    def test_sku_set_and_adjust(self):
        doc = self.ok("sku", "set", "SET-1", "40", "--key", "k-set-1")
        check(doc["on_hand"] == 40 and doc["key"] == "k-set-1"
              and not doc["replayed"], f"set: {doc}")
        again = self.ok("sku", "set", "SET-1", "40", "--key", "k-set-1")
        check(again["replayed"] and again["version"] == doc["version"],
              f"same key replays: {again}")
        adj = self.ok("sku", "adjust", "SET-1", "-15")
        check(adj["key_generated"] and adj["key"] and adj["on_hand"] == 25,
              f"adjust: {adj}")
        adj2 = self.ok("sku", "adjust", "SET-1", "5")
        check(adj2["key"] != adj["key"] and adj2["on_hand"] == 30,
              f"generated keys differ: {adj2}")
        view = self.http("GET", "/v1/stock/SET-1")
        check(view["on_hand"] == 30 and view["version"] == 3,
              f"HTTP view: {view}")

    def test_order_get(self):
        self.http("PUT", "/v1/stock/ORD-1", {"on_hand": 5})
        self.http("PUT", "/v1/stock/ORD-2", {"on_hand": 1})
        self.http("POST", "/v1/orders", {
            "order_id": "O-2", "channel": "ebay",
            "lines": [{"sku": "ORD-1", "qty": 2}, {"sku": "ORD-2", "qty": 3}]})
        doc = self.ok("order", "get", "O-2")
        http = self.http("GET", "/v1/orders/O-2")
        mine = sorted((l["sku"], l["qty"], l["status"]) for l in doc["lines"])
        theirs = sorted((l["sku"], l["qty"], l["status"])
                        for l in http["lines"])
        check(mine == theirs and len(mine) == 2, f"{mine} vs {theirs}")

    def test_cluster_owner(self):
        doc = self.ok("cluster", "owner", "CTL-1")
        check(doc["owner"] == "ctl" and not doc["clustered"]
              and 0 <= doc["shard"] < doc["shards"]
              and doc["hash"] % doc["shards"] == doc["shard"],
              f"owner: {doc}")

    def test_failures(self):
        code, _, err = self.ctl("sku", "get", "NOPE-1")
        check(code == EXIT_UNKNOWN_SKU and "NOPE-1" in err
              and len(err.strip().splitlines()) == 1,
              f"unknown SKU: {code} {err!r}")
        code, _, err = self.ctl("order", "get", "NO-ORDER")
        check(code == EXIT_UNKNOWN_ORDER, f"unknown order: {code} {err!r}")
        code, _, err = self.ctl("sku", "get", "CTL-1",
                                node=f"127.0.0.1:{free_port()}")
        check(code == EXIT_UNREACHABLE and "unreachable" in err
              and len(err.strip().splitlines()) == 1,
              f"unreachable: {code} {err!r}")
        code, _, err = self.ctl("sku", "frobnicate")
        check(code == EXIT_USAGE, f"usage: {code} {err!r}")

    def close(self):
        self.c.close()
        self.node.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    ap.add_argument("--stockctl", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="stockctl-test-")
    t = CtlTests(args.stockwired, args.stockctl, work)
    try:
        code = run_tests([(n, getattr(t, n)) for n in sorted(dir(t))
                          if n.startswith("test_")])
    finally:
        t.close()
    if code == 0:
        shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
