#!/usr/bin/env python3
"""Cluster routing (issue 6, routing v1): three stockwired on loopback.

Each node has its own data directory and HTTP port; the cluster ports are
picked free beforehand (every member must know every other's). Which node
owns a SKU comes from `ring_owner`, the same ring as the nodes use.

Checks: every SKU is served through every node with the same committed
values; orders sent through any node are applied once, at the owner, and
its audit replays; an order's lines on three owners are found through any
node; listings (with an allocation) cross nodes intact; SIGKILL of a node
makes its SKUs answer 503 + Retry-After naming it within the forward
timeout while the others keep working, and nothing is half-applied (a
stopped one, SIGSTOP, after the forward timeout); the
restarted node is reached again and serves its committed state; a node
with another epoch is refused both ways, naming both epochs.

  cluster_test.py --stockwired build/bin/stockwired --ring-owner build/bin/ring_owner
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_util import (Node, TestFailure, check, check_audit_replays,  # noqa: E402
                       expect_error, run_in)

MEMBERS = ["node1", "node2", "node3"]
SKU_COUNT = 300
ORDERS = 600
FORWARD_TIMEOUT_MS = 1000
# Slack over the forward timeout for a 503 (HTTP round trip, scheduling).
SLACK_S = 0.5
# Every node reaches every other within this after a (re)start.
MESH_TIMEOUT_S = 20
STOCK_QUERY_MAX = 100  # limits.stock_query_skus_max default
CHANNEL = "woo"
HOT_STOCK = 100
HOT_SENDERS_PER_NODE = 4
HOT_ORDERS_PER_SENDER = 60
LOAD_SKUS = 30
LOAD_STOCK = 1_000_000


def free_ports(n):
    """n distinct free TCP ports on loopback (bound at once, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Cluster:
    def __init__(self, binary, ring_owner, workdir):
        ports = free_ports(len(MEMBERS) + 1)
        self.cluster_ports = dict(zip(MEMBERS, ports))
        # A channel account on every node (the listing commands check it);
        # its endpoint is a closed port, so pushes fail and are retried.
        self.dead_channel_port = ports[-1]
        self.nodes = {m: Node(binary, workdir, m, self.toml(1))
                      for m in MEMBERS}
        self.ring_owner = ring_owner

    def toml(self, epoch):
        members = ", ".join(
            f'{{id = "{m}", host = "127.0.0.1", port = {p}}}'
            for m, p in self.cluster_ports.items())
        return (f"[cluster]\nmembers = [{members}]\nepoch = {epoch}\n"
                f"forward_timeout_ms = {FORWARD_TIMEOUT_MS}\n"
                f"[channels.{CHANNEL}]\nkind = \"woocommerce\"\n"
                f"endpoint = \"http://127.0.0.1:{self.dead_channel_port}\"\n")

    def set_epoch(self, name, epoch):
        node = self.nodes[name]
        with open(node.config, "w") as f:
            f.write(f'[node]\nid = "{name}"\n' + self.toml(epoch))

    def owners(self, skus):
        out = subprocess.run(
            [self.ring_owner, "--members", ",".join(MEMBERS)],
            input="\n".join(skus) + "\n", capture_output=True, text=True,
            check=True).stdout
        return dict(line.split() for line in out.splitlines())

    def start(self):
        for n in self.nodes.values():
            n.start()

    def stop(self):
        for n in self.nodes.values():
            if n.proc is not None:
                n.stop()

    def client(self, name):
        return self.nodes[name].client(timeout=30)


def wait_until_routed(cluster, via, owner, timeout=MESH_TIMEOUT_S):
    """Waits until `via` reaches `owner`: a SKU that owner holds but that
    does not exist answers 404 unknown_sku instead of 503."""
    probe = probe_sku(cluster, owner)
    deadline = time.monotonic() + timeout
    c = cluster.client(via)
    last = None
    while time.monotonic() < deadline:
        last = c.call("GET", f"/v1/stock/{probe}")
        if last[0] == 404:
            return
        time.sleep(0.05)
    raise TestFailure(f"{via} does not reach {owner} after {timeout} s: "
                      f"{last}")


def probe_sku(cluster, owner):
    names = [f"PROBE-{i}" for i in range(64)]
    owners = cluster.owners(names)
    return next(s for s in names if owners[s] == owner)


def wait_mesh(cluster, names=MEMBERS):
    for via in names:
        for owner in MEMBERS:
            if via != owner:
                wait_until_routed(cluster, via, owner)


def stock_views(client, skus):
    """{sku: view} through GET /v1/stock?sku=..."""
    views = {}
    for i in range(0, len(skus), STOCK_QUERY_MAX):
        chunk = skus[i:i + STOCK_QUERY_MAX]
        path = "/v1/stock?" + "&".join(f"sku={s}" for s in chunk)
        st, _, doc = client.call("GET", path)
        check(st == 200, f"GET {path[:60]}...: {st} {doc}")
        check(not doc["unknown"], f"unknown SKUs: {doc['unknown']}")
        for v in doc["stock"]:
            views[v["sku"]] = v
    return views


class Load:
    """Orders on `skus` from threads, each through one node of `vias`,
    until stopped; remembers every order and whether it was acknowledged.
    `pick(n, k)`: the SKU of thread n's k-th order (default: round robin)."""

    def __init__(self, cluster, vias, skus, pick=None):
        self.cluster = cluster
        self.skus = skus
        self.pick = pick or (lambda n, k: skus[(n * 7 + k) % len(skus)])
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.orders = {}    # order id -> (sku, qty)
        self.unacked = set()  # order ids without a 200
        self.refused = 0      # of those, answered 503
        self.threads = [threading.Thread(target=self.run, args=(via, n))
                        for n, via in enumerate(vias)]

    def run(self, via, n):
        c = self.cluster.nodes[via].client(timeout=10)
        k = 0
        while not self.stopping.is_set():
            oid = f"LOAD-{n}-{k}"
            sku = self.pick(n, k)
            qty = 1 + k % 3
            with self.lock:
                self.orders[oid] = (sku, qty)
            try:
                st, _, doc = c.call("POST", "/v1/orders", {
                    "order_id": oid, "lines": [{"sku": sku, "qty": qty}]})
                ok = st == 200 and doc["lines"][0]["status"] == "accepted"
            except (OSError, TestFailure):
                st, ok = None, False
            if not ok:
                with self.lock:
                    self.unacked.add(oid)
                    self.refused += st == 503
            k += 1

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            if t.is_alive():
                t.join()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    ap.add_argument("--ring-owner", required=True)
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="stockwire-cluster-")
    cluster = Cluster(args.stockwired, args.ring_owner, workdir)
    skus = [f"CL-{i}" for i in range(SKU_COUNT)]
    owners = cluster.owners(skus)
    owners_of_load = cluster.owners([f"LD-{i}" for i in range(LOAD_SKUS)])
    by_owner = {m: [s for s in skus if owners[s] == m] for m in MEMBERS}
    expected = {}  # sku -> on_hand the cluster must show
    before_kill = {}
    load_skus = [f"LD-{i}" for i in range(LOAD_SKUS)]
    loads = []

    def test_start():
        cluster.start()
        wait_mesh(cluster)

    def test_ownership_spread():
        for m in MEMBERS:
            check(len(by_owner[m]) >= SKU_COUNT // 6,
                  f"{m} owns only {len(by_owner[m])} of {SKU_COUNT} SKUs")

    def test_set_through_one_node_read_through_all():
        c = cluster.client("node1")
        for i, sku in enumerate(skus):
            on_hand = 1000 + i
            st, _, doc = c.call("PUT", f"/v1/stock/{sku}", {
                "on_hand": on_hand, "idempotency_key": f"init-{sku}"})
            check(st == 200 and doc["on_hand"] == on_hand and
                  doc["version"] == 1, f"PUT {sku}: {st} {doc}")
            expected[sku] = on_hand
        seen = {m: stock_views(cluster.client(m), skus) for m in MEMBERS}
        for sku in skus:
            views = [seen[m][sku] for m in MEMBERS]
            check(all(v == views[0] for v in views),
                  f"{sku} differs between nodes: {views}")
            check(views[0]["on_hand"] == expected[sku] and
                  views[0]["version"] == 1, f"{sku}: {views[0]}")

    def test_orders_through_every_node_applied_once():
        results = {}
        for i in range(ORDERS):
            sku = skus[i % SKU_COUNT]
            via = MEMBERS[i % len(MEMBERS)]
            order = {"order_id": f"O-{i}", "channel": "web",
                     "lines": [{"sku": sku, "qty": 1 + i % 3}]}
            st, _, doc = cluster.client(via).call("POST", "/v1/orders", order)
            check(st == 200 and doc["lines"][0]["status"] == "accepted",
                  f"order O-{i} via {via}: {st} {doc}")
            results[i] = doc["lines"][0]
            expected[sku] -= 1 + i % 3
            # The retry of the same order through another node replays.
            again = MEMBERS[(i + 1) % len(MEMBERS)]
            st, _, doc = cluster.client(again).call("POST", "/v1/orders",
                                                    order)
            line = doc["lines"][0]
            check(st == 200 and line["replayed"] and
                  line["version"] == results[i]["version"] and
                  line["available"] == results[i]["available"],
                  f"retry of O-{i} via {again}: {st} {doc}")
        seen = {m: stock_views(cluster.client(m), skus) for m in MEMBERS}
        for sku in skus:
            views = [seen[m][sku] for m in MEMBERS]
            check(all(v == views[0] for v in views),
                  f"{sku} differs between nodes: {views}")
            check(views[0]["on_hand"] == expected[sku],
                  f"{sku}: on_hand {views[0]['on_hand']}, expected "
                  f"{expected[sku]}")
        # The audit replays to the stock, read through a rotating node.
        for i, sku in enumerate(skus):
            view, records = check_audit_replays(
                cluster.client(MEMBERS[i % len(MEMBERS)]), sku)
            orders = [r for r in records if r["kind"] == "order"]
            check(len(orders) == len({r["op_id"] for r in orders}),
                  f"{sku}: an order applied twice: {records}")
        before_kill.update(seen["node1"])

    def test_find_order_on_every_node():
        lines = [{"sku": by_owner[m][0], "qty": 1} for m in MEMBERS]
        order = {"order_id": "MULTI-1", "channel": "web", "lines": lines}
        st, _, doc = cluster.client("node2").call("POST", "/v1/orders", order)
        check(st == 200 and all(x["status"] == "accepted"
                                for x in doc["lines"]), f"{st} {doc}")
        for line in lines:
            expected[line["sku"]] -= 1
        want = sorted(x["sku"] for x in lines)
        for m in MEMBERS:
            st, _, doc = cluster.client(m).call("GET", "/v1/orders/MULTI-1")
            check(st == 200, f"GET order via {m}: {st} {doc}")
            got = [x["sku"] for x in doc["lines"]]
            check(got == want, f"order lines via {m}: {got}, want {want}")
            expect_error(cluster.client(m).call("GET", "/v1/orders/NOPE-1"),
                         404, "unknown_order", f"unknown order via {m}")
        # Cancelling by id alone finds every line, on every owner.
        st, _, doc = cluster.client("node3").call(
            "POST", "/v1/orders/MULTI-1/cancel", {"channel": "web"})
        check(st == 200 and len(doc["lines"]) == 3 and
              all(x["restored"] == 1 for x in doc["lines"]),
              f"cancel MULTI-1: {st} {doc}")
        for line in lines:
            expected[line["sku"]] += 1
        views = stock_views(cluster.client("node1"), skus)
        before_kill.update(views)
        for sku in skus:
            check(views[sku]["on_hand"] == expected[sku], f"{sku}: {views}")

    def test_hot_sku_through_all_nodes():
        c = cluster.client("node2")
        st, _, doc = c.call("PUT", "/v1/stock/HOT-1",
                            {"on_hand": HOT_STOCK, "idempotency_key": "hot"})
        check(st == 200, f"{st} {doc}")
        tally = {"accepted": 0, "rejected": 0}
        lock = threading.Lock()
        failures = []

        def sender(via, n):
            client = cluster.nodes[via].client()
            for k in range(HOT_ORDERS_PER_SENDER):
                st, _, doc = client.call("POST", "/v1/orders", {
                    "order_id": f"HOT-{via}-{n}-{k}",
                    "lines": [{"sku": "HOT-1", "qty": 1}]})
                with lock:
                    if st != 200:
                        failures.append((st, doc))
                    else:
                        tally[doc["lines"][0]["status"]] += 1

        threads = [threading.Thread(target=sender, args=(via, n))
                   for via in MEMBERS for n in range(HOT_SENDERS_PER_NODE)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(not failures, f"failed orders: {failures[:3]}")
        check(tally["accepted"] == HOT_STOCK, f"accepted {tally}")
        for m in MEMBERS:
            view, records = check_audit_replays(cluster.client(m), "HOT-1")
            check(view["on_hand"] == 0 and len(records) == HOT_STOCK + 1,
                  f"HOT-1 via {m}: {view}")

    def test_listing_crosses_nodes():
        sku = by_owner["node3"][1]
        body = {"item_id": 799, "variation_id": "12",
                "allocation": {"buffer": 2, "percent": 50, "max": 10}}
        st, _, doc = cluster.client("node1").call(
            "PUT", f"/v1/listings/{CHANNEL}/{sku}", body)
        check(st == 201 and doc["listing"]["allocation"] ==
              {"buffer": 2, "percent": 50, "max": 10}, f"PUT: {st} {doc}")
        plain = by_owner["node1"][1]
        st, _, doc = cluster.client("node2").call(
            "PUT", f"/v1/listings/{CHANNEL}/{plain}", {"item_id": "5"})
        check(st == 201 and doc["listing"]["allocation"] is None,
              f"PUT without allocation: {st} {doc}")
        for via, s, alloc in (("node2", sku, body["allocation"]),
                              ("node3", plain, None)):
            st, _, doc = cluster.client(via).call("GET", f"/v1/listings/{s}")
            check(st == 200 and len(doc["listings"]) == 1, f"{st} {doc}")
            got = doc["listings"][0]
            check(got["channel"] == CHANNEL and
                  got["allocation"] == alloc, f"listing of {s}: {got}")
        expect_error(cluster.client("node1").call(
            "PUT", f"/v1/listings/nope/{sku}", {"item_id": "1"}),
            404, "unknown_channel", "listing on an unknown channel")
        st, _, doc = cluster.client("node2").call(
            "DELETE", f"/v1/listings/{CHANNEL}/{plain}")
        check(st == 200, f"DELETE: {st} {doc}")

    def test_silent_owner_times_out():
        node3 = cluster.nodes["node3"]
        node3.proc.send_signal(signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            result = cluster.client("node1").call(
                "GET", f"/v1/stock/{by_owner['node3'][0]}")
            took = time.monotonic() - t0
        finally:
            node3.proc.send_signal(signal.SIGCONT)
        doc = expect_error(result, 503, "owner_unavailable",
                           "GET with its owner stopped")
        msg = doc["error"]["message"]
        print(f"  after {took:.2f} s: {msg}", flush=True)
        check("node3" in msg and "did not answer" in msg, f"unclear: {msg}")
        check(FORWARD_TIMEOUT_MS / 1000 <= took <=
              FORWARD_TIMEOUT_MS / 1000 + SLACK_S, f"503 after {took:.2f} s")
        wait_until_routed(cluster, "node1", "node3")

    def test_killed_owner_fails_fast_others_work():
        c1 = cluster.client("node1")
        for sku in load_skus:
            st, _, doc = c1.call("PUT", f"/v1/stock/{sku}", {
                "on_hand": LOAD_STOCK, "idempotency_key": f"init-{sku}"})
            check(st == 200, f"PUT {sku}: {st} {doc}")
        check({owners_of_load[s] for s in load_skus} == set(MEMBERS),
              "the load SKUs do not cover every node")
        # Orders keep coming through node1 and node2 while node3 dies.
        with Load(cluster, ["node1", "node2", "node1", "node2"],
                  load_skus) as load:
            loads.append(load)
            time.sleep(0.5)
            check_killed_owner()
            time.sleep(0.5)  # more orders while node3 stays dead
        print(f"  under load: {len(load.orders)} orders, "
              f"{len(load.unacked)} not acknowledged", flush=True)
        check(load.unacked, "no order failed while node3 was dead")

    def check_killed_owner():
        victim = by_owner["node3"][2]
        cluster.nodes["node3"].kill()
        c1 = cluster.client("node1")
        for i, sku in enumerate(by_owner["node3"][2:12]):
            t0 = time.monotonic()
            result = c1.call("GET", f"/v1/stock/{sku}")
            took = time.monotonic() - t0
            doc = expect_error(result, 503, "owner_unavailable",
                               f"GET {sku} with its owner dead")
            if i == 0:
                print(f"  after {took:.2f} s: {doc['error']['message']}",
                      flush=True)
            check("node3" in doc["error"]["message"],
                  f"the message does not name node3: {doc}")
            check(took <= FORWARD_TIMEOUT_MS / 1000 + SLACK_S,
                  f"503 after {took:.2f} s")
        # A write for the dead owner is refused, and never applied later.
        doc = expect_error(cluster.client("node2").call(
            "POST", "/v1/orders",
            {"order_id": "DEAD-1", "lines": [{"sku": victim, "qty": 1}]}),
            503, "owner_unavailable", "order for a dead owner")
        check("node3" in doc["error"]["message"], f"{doc}")
        expect_error(c1.call("GET", "/v1/orders/MULTI-1"), 503,
                     "owner_unavailable", "find_order with a node dead")
        # Everything the live nodes own keeps working, through both.
        for m in ("node1", "node2"):
            sku = by_owner[m][3]
            for via in ("node1", "node2"):
                st, _, doc = cluster.client(via).call(
                    "POST", "/v1/stock/" + sku + "/adjust",
                    {"delta": 5, "idempotency_key": f"live-{sku}-{via}"})
                check(st == 200, f"adjust {sku} via {via}: {st} {doc}")
                expected[sku] += 5
        live = [s for s in skus if owners[s] != "node3"]
        for via in ("node1", "node2"):
            views = stock_views(cluster.client(via), live)
            for sku in live:
                check(views[sku]["on_hand"] == expected[sku],
                      f"{sku} via {via}: {views[sku]}")

    def test_restarted_owner_serves_committed_state():
        cluster.nodes["node3"].start()
        t0 = time.monotonic()
        wait_until_routed(cluster, "node1", "node3")
        wait_until_routed(cluster, "node2", "node3")
        print(f"  node3 reached again {time.monotonic() - t0:.2f} s after "
              f"its restart", flush=True)
        wait_mesh(cluster, ["node3"])
        theirs = by_owner["node3"]
        for m in MEMBERS:
            views = stock_views(cluster.client(m), theirs)
            for sku in theirs:
                check(views[sku] == before_kill[sku],
                      f"{sku} via {m} after the restart: {views[sku]}, "
                      f"before: {before_kill[sku]}")
        st, _, doc = cluster.client("node1").call("GET", "/v1/orders/DEAD-1")
        check(st == 404, f"the refused order was applied: {st} {doc}")
        st, _, doc = cluster.client("node1").call("GET", "/v1/orders/MULTI-1")
        check(st == 200 and len(doc["lines"]) == 3, f"{st} {doc}")

    def test_load_orders_applied_once_after_restart():
        # As a channel would: retry every order that got no 200, until it
        # does; then each order is applied exactly once, at its owner.
        load = loads[0]
        c = cluster.client("node3")
        for oid in sorted(load.unacked):
            sku, qty = load.orders[oid]
            st, _, doc = c.call("POST", "/v1/orders", {
                "order_id": oid, "lines": [{"sku": sku, "qty": qty}]})
            check(st == 200 and doc["lines"][0]["status"] == "accepted",
                  f"retry of {oid}: {st} {doc}")
        taken = {sku: 0 for sku in load_skus}
        count = {sku: 0 for sku in load_skus}
        for sku, qty in load.orders.values():
            taken[sku] += qty
            count[sku] += 1
        for i, sku in enumerate(load_skus):
            view, records = check_audit_replays(
                cluster.client(MEMBERS[i % len(MEMBERS)]), sku)
            check(view["on_hand"] == LOAD_STOCK - taken[sku],
                  f"{sku}: on_hand {view['on_hand']}, expected "
                  f"{LOAD_STOCK - taken[sku]}")
            ids = [r["op_id"] for r in records if r["kind"] == "order"]
            check(len(ids) == len(set(ids)) == count[sku],
                  f"{sku}: {len(ids)} order records, {len(set(ids))} "
                  f"distinct, {count[sku]} orders")

    def test_epoch_mismatch_refused():
        node3 = cluster.nodes["node3"]
        node3.stop()
        cluster.set_epoch("node3", 2)
        node3.start()
        mine = by_owner["node1"][4]
        theirs = by_owner["node3"][4]
        deadline = time.monotonic() + MESH_TIMEOUT_S
        while True:  # until node3 is connected and refused, not unreachable
            doc = expect_error(cluster.client("node3").call(
                "POST", "/v1/orders",
                {"order_id": "EPOCH-1", "lines": [{"sku": mine, "qty": 1}]}),
                503, "owner_unavailable", "a forward with another epoch")
            msg = doc["error"]["message"]
            if "epoch" in msg or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        print(f"  {msg}", flush=True)
        check("epoch 2" in msg and "epoch 1" in msg and "node3" in msg and
              "node1" in msg, f"unclear refusal: {msg}")
        doc = expect_error(cluster.client("node1").call(
            "GET", f"/v1/stock/{theirs}"), 503, "owner_unavailable",
            "a forward to a node with another epoch")
        msg = doc["error"]["message"]
        check("epoch 1" in msg and "epoch 2" in msg, f"unclear: {msg}")
        st, _, view = cluster.client("node1").call("GET", f"/v1/stock/{mine}")
        check(st == 200 and view["on_hand"] == expected[mine],
              f"the refused order changed {mine}: {view}")
        st, _, doc = cluster.client("node1").call("GET", "/v1/orders/EPOCH-1")
        check(st == 503, f"find_order with node3 on another epoch: {st} {doc}")

    tests = [
        ("start three nodes, full mesh", test_start),
        ("SKUs spread over all three nodes", test_ownership_spread),
        ("set through node1, same values through every node",
         test_set_through_one_node_read_through_all),
        ("orders through every node, retries replay, applied once",
         test_orders_through_every_node_applied_once),
        ("an order's lines on three owners found through every node",
         test_find_order_on_every_node),
        ("a hot SKU ordered through all three nodes: no oversell",
         test_hot_sku_through_all_nodes),
        ("listings with an allocation cross nodes intact",
         test_listing_crosses_nodes),
        ("node3 silent (SIGSTOP): 503 naming it after the forward timeout",
         test_silent_owner_times_out),
        ("SIGKILL node3 under load: its SKUs 503 naming it, others work",
         test_killed_owner_fails_fast_others_work),
        ("node3 restarted: reached again, committed state served",
         test_restarted_owner_serves_committed_state),
        ("orders that failed under the kill, retried: each applied once",
         test_load_orders_applied_once_after_restart),
        ("another epoch is refused both ways, naming both",
         test_epoch_mismatch_refused),
    ]
    return run_in(workdir, tests, cluster.stop)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
