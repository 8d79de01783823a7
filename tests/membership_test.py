#!/usr/bin/env python3
"""Membership changes (issue 6): SKUs move with their stock, dedup records,
listings, pending outbox and pending cancellations while orders keep
coming.

Three stockwired on loopback (each its own data directory) with the same
channel accounts on one fakechannel; SKUs with stock, some listed on two
channels, one order each whose result is remembered; and a few SKUs out of
stock, each oversold by a signed Shopify webhook order whose cancellation
the fake refuses (it does not know the order), so it stays pending on the
SKU's owner (issue 8). Then, under a continuous order load through node1
and node3:

1. node4 joins: it starts with the epoch-2 configuration (four members,
   [cluster.previous] = epoch 1), node1 and node2 get it by SIGHUP; while
   node3 is still at epoch 1 its forwards are refused (naming both epochs),
   then it gets it too. Every node reports the move settled.
2. node2 leaves: epoch 3 (node1, node3, node4) by SIGHUP on all four; node2
   hands off everything it holds, reports an empty store, and is stopped.

Every node's connectors pace by 1/N of their account's budget, N the
members of both rings (GET /v1/channels budget_share): 1/3 at epoch 1,
1/4 once the SIGHUP of epoch 2 reached them, and still 1/4 at epoch 3
while node2, in [cluster.previous] only, hands off.

After each change stockctl (given --stockctl; every node has an [admin]
port) asked through nodes that started at epoch 1 must answer by the new
membership: `cluster owner` of a moved SKU names its new owner (and the
previous one), `sku get` too, and `cluster status` shows the epochs, the
members, the move settled everywhere and, once node2 left, node2 as
`left` (listed, not asked, not a partial answer).

Afterwards: every SKU is held by exactly one node, its owner by the ring
(asked of each node: GET /v1/cluster/skus); every order that got no 200
under load is retried until it does, and then every SKU's stock is exactly
its initial stock minus the orders the load generator sent; the audit
replays to the stock; a retry of each remembered order replays its
original result; the listings moved; every channel converges to the exact
quantities; after each change every pending cancellation is on its SKU's
owner, which sent it again (not counted as a new oversell), and the
previous owner lists it as moved. The fraction of SKUs each change moved
is printed (about 1/N).
No wall-clock assertion: everything is polled with a deadline.

  membership_test.py --stockwired build/bin/stockwired \\
      --fakechannel build/bin/fakechannel --ring-owner build/bin/ring_owner \\
      [--stockctl build/bin/stockctl]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_util import SHOPIFY_WOO_TOML, Fake  # noqa: E402
from http_util import (Node, TestFailure, check, check_audit_replays,  # noqa: E402
                       expect_error, run_in, shopify_headers, shopify_order)
from sync_util import (WEBHOOK_SECRETS, channels_toml,  # noqa: E402
                       list_everywhere, poll, wait_converged, with_secrets)
from cluster_test import Load, free_ports, stock_views  # noqa: E402
from stockctl_test import Ctl  # noqa: E402

NAMES = ["node1", "node2", "node3", "node4"]
EPOCH1 = ["node1", "node2", "node3"]
EPOCH2 = ["node1", "node2", "node3", "node4"]
EPOCH3 = ["node1", "node3", "node4"]
SKU_COUNT = 400
LISTED = 24            # SKUs MV-0 .. MV-23 are listed on both channels
CHANNELS = ["shopify", "woocommerce"]
INITIAL = 100_000
FORWARD_TIMEOUT_MS = 1000
LOAD_THREADS = 4       # through node1 and node3, which never leave
SETTLE_DEADLINE_S = 60
MESH_TIMEOUT_S = 20
RETRY_DEADLINE_S = 30
# Out-of-stock SKUs oversold by a Shopify webhook order each: some move to
# node4 at epoch 2, some are node2's and move when it leaves at epoch 3.
OVERSOLD_TO_NODE4 = 3
OVERSOLD_FROM_NODE2 = 2
OVERSOLD_ORDER_BASE = 770_001


class Cluster:
    def __init__(self, args, workdir):
        self.args = args
        ports = free_ports(2 * len(NAMES))
        self.ports = dict(zip(NAMES, ports[:len(NAMES)]))
        # stockctl's way in (Ctl looks here).
        self.admin = {n: f"127.0.0.1:{p}"
                      for n, p in zip(NAMES, ports[len(NAMES):])}
        self.fake = Fake(args.fakechannel, workdir, "fake", SHOPIFY_WOO_TOML)
        self.nodes = {n: Node(args.stockwired, workdir, n, "") for n in NAMES}

    def configure(self, name, epoch, members, previous=None):
        """Writes `name`'s configuration: `members` at `epoch`, and the
        [cluster.previous] table (epoch, members) when given."""
        def listing(ms):
            return ", ".join(f'{{id = "{m}", host = "127.0.0.1", '
                             f'port = {self.ports[m]}}}' for m in ms)
        toml = (f'[node]\nid = "{name}"\n'
                f'[admin]\nlisten = "{self.admin[name]}"\n'
                f"[cluster]\nmembers = [{listing(members)}]\n"
                f"epoch = {epoch}\nforward_timeout_ms = {FORWARD_TIMEOUT_MS}\n")
        if previous:
            toml += (f"[cluster.previous]\nepoch = {previous[0]}\n"
                     f"members = [{listing(previous[1])}]\n")
        toml += channels_toml(self.fake, with_secrets({}, ["shopify"])) + "\n"
        with open(self.nodes[name].config, "w") as f:
            f.write(toml)

    def owners(self, skus, members):
        out = subprocess.run(
            [self.args.ring_owner, "--members", ",".join(members)],
            input="\n".join(skus) + "\n", capture_output=True, text=True,
            check=True).stdout
        return dict(line.split() for line in out.splitlines())

    def client(self, name, timeout=30):
        return self.nodes[name].client(timeout=timeout)

    def status(self, name):
        st, _, doc = self.client(name).call("GET", "/v1/cluster")
        check(st == 200, f"GET /v1/cluster on {name}: {st} {doc}")
        return doc

    def held(self, name):
        """Every SKU `name`'s store holds."""
        skus, after = [], None
        c = self.client(name)
        while True:
            path = "/v1/cluster/skus?limit=1000" + (
                f"&after={after}" if after else "")
            st, _, doc = c.call("GET", path)
            check(st == 200, f"{path} on {name}: {st} {doc}")
            skus.extend(doc["skus"])
            after = doc["next_after"]
            if after is None:
                return skus

    def hup(self, name):
        self.nodes[name].proc.send_signal(signal.SIGHUP)

    def stop_all(self):
        for n in self.nodes.values():
            if n.proc is not None:
                n.stop()
        self.fake.stop()


def wait_epoch(cluster, name, epoch):
    return poll(f"{name} at epoch {epoch}",
                lambda: cluster.status(name)["epoch"] == epoch, 20)


def wait_settled(cluster, names, epoch):
    def settled():
        docs = {n: cluster.status(n) for n in names}
        return all(d["epoch"] == epoch and d["settled"]
                   for d in docs.values()) and docs
    return poll(f"{names} settled at epoch {epoch}", settled,
                SETTLE_DEADLINE_S)


def wait_budget_share(cluster, names, pushing):
    """Until every channel's connector on each of `names` paces by 1 /
    `pushing` of its account's budget (the members of both rings; the
    router tells them after a SIGHUP)."""
    def shares(name):
        st, _, doc = cluster.client(name).call("GET", "/v1/channels")
        check(st == 200, f"GET /v1/channels on {name}: {st} {doc}")
        return {c["channel"]: c["budget_share"] for c in doc["channels"]}
    for n in names:
        poll(f"{n}'s connectors at a budget share of 1/{pushing}",
             lambda n=n: all(abs(x - 1 / pushing) < 1e-9
                             for x in shares(n).values()), 20)


def wait_routed(cluster, via, skus, owners):
    """Until `via` reaches every owner: a GET of a SKU each owns is
    answered by it (200, or 404 before it exists), not 503."""
    c = cluster.client(via)
    for owner in sorted(set(owners.values())):
        sku = next(s for s in skus if owners[s] == owner)
        poll(f"{via} reaches {owner}",
             lambda: c.call("GET", f"/v1/stock/{sku}")[0] in (200, 404),
             MESH_TIMEOUT_S)


def refused_for_epoch(cluster, via, sku):
    """Polls GET sku through `via` until it is refused for its epoch (once
    the owner is connected and has the other epoch); returns the reply."""
    c = cluster.client(via)

    def attempt():
        result = c.call("GET", f"/v1/stock/{sku}")
        doc = result[2]
        refused = (result[0] == 503 and isinstance(doc, dict) and
                   "epoch" in doc.get("error", {}).get("message", ""))
        return result if refused else None
    return poll(f"{via} refused for its epoch", attempt, MESH_TIMEOUT_S)

def create_skus(cluster, via, skus, first_orders, listed=0):
    """Stock INITIAL for every SKU through `via`, the first `listed` listed
    on CHANNELS, and one order OLD-<sku> each, whose line is remembered."""
    c = cluster.client(via)
    for i, sku in enumerate(skus):
        st, _, doc = c.call("PUT", f"/v1/stock/{sku}", {
            "on_hand": INITIAL, "idempotency_key": f"init-{sku}"})
        check(st == 200, f"PUT {sku}: {st} {doc}")
        if i < listed:
            list_everywhere(c, sku, i, CHANNELS)
    for sku in skus:
        st, _, doc = c.call("POST", "/v1/orders", {
            "order_id": f"OLD-{sku}", "channel": "web",
            "lines": [{"sku": sku, "qty": 1}]})
        check(st == 200 and doc["lines"][0]["status"] == "accepted",
              f"OLD-{sku}: {st} {doc}")
        first_orders[sku] = doc["lines"][0]


def check_one_owner(cluster, names, skus, owners):
    """Every SKU is held by exactly one of `names`: its owner."""
    holders = {}
    for n in names:
        for sku in cluster.held(n):
            holders.setdefault(sku, []).append(n)
    check(sorted(holders) == sorted(skus),
          f"held SKUs differ: {len(holders)} held, {len(skus)} exist")
    wrong = {s: h for s, h in holders.items() if h != [owners[s]]}
    check(not wrong, f"SKUs not held by exactly their owner: "
          f"{list(wrong.items())[:5]}")


def retry_unacked(cluster, via, load):
    """As a channel would: retries every order of `load` that got no 200,
    until it does."""
    deadline = time.monotonic() + RETRY_DEADLINE_S
    pending = sorted(load.unacked)
    c = cluster.client(via)
    while pending:
        check(time.monotonic() < deadline,
              f"{len(pending)} orders still not accepted")
        later = []
        for oid in pending:
            sku, qty = load.orders[oid]
            st, _, doc = c.call("POST", "/v1/orders", {
                "order_id": oid, "lines": [{"sku": sku, "qty": qty}]})
            if st == 503:
                later.append(oid)
                continue
            check(st == 200 and doc["lines"][0]["status"] == "accepted",
                  f"retry of {oid}: {st} {doc}")
        pending = later
        time.sleep(0.1 if pending else 0)


def check_stock_exact(cluster, names, skus, load):
    """Every SKU shows INITIAL minus its first order and every load order,
    through every node of `names`, and its audit replays with each order
    once."""
    taken = {s: 1 for s in skus}  # OLD-<sku>
    count = {s: 1 for s in skus}
    for sku, qty in load.orders.values():
        taken[sku] += qty
        count[sku] += 1
    for via in names:
        views = stock_views(cluster.client(via), skus)
        for sku in skus:
            check(views[sku]["on_hand"] == INITIAL - taken[sku],
                  f"{sku} via {via}: on_hand {views[sku]['on_hand']}, "
                  f"expected {INITIAL - taken[sku]}")
    for i, sku in enumerate(skus):
        view, records = check_audit_replays(
            cluster.client(names[i % len(names)]), sku)
        ids = [r["op_id"] for r in records if r["kind"] == "order"]
        check(len(ids) == len(set(ids)) == count[sku],
              f"{sku}: {len(ids)} order records, {len(set(ids))} "
              f"distinct, {count[sku]} orders")


def check_first_orders_replay(cluster, names, skus, first_orders):
    """A retry of each OLD-<sku> replays its original result; the same id
    with another qty is a conflict."""
    for i, sku in enumerate(skus):
        via = names[i % len(names)]
        st, _, doc = cluster.client(via).call("POST", "/v1/orders", {
            "order_id": f"OLD-{sku}", "channel": "web",
            "lines": [{"sku": sku, "qty": 1}]})
        line = doc["lines"][0] if st == 200 else doc
        first = first_orders[sku]
        check(st == 200 and line["replayed"] and
              line["version"] == first["version"] and
              line["available"] == first["available"],
              f"retry of OLD-{sku} via {via}: {st} {doc}, first {first}")
        expect_error(cluster.client(via).call("POST", "/v1/orders", {
            "order_id": f"OLD-{sku}", "channel": "web",
            "lines": [{"sku": sku, "qty": 2}]}), 409, "id_conflict",
            f"OLD-{sku} with another qty")


def pick_oversold(cluster):
    """SKUs to oversell: OVERSOLD_TO_NODE4 that move to node4 at epoch 2,
    OVERSOLD_FROM_NODE2 that node2 owns until it leaves at epoch 3."""
    cands = [f"OV-{i}" for i in range(400)]
    o1 = cluster.owners(cands, EPOCH1)
    o2 = cluster.owners(cands, EPOCH2)
    to4 = [s for s in cands if o2[s] == "node4"][:OVERSOLD_TO_NODE4]
    from2 = [s for s in cands
             if o1[s] == o2[s] == "node2"][:OVERSOLD_FROM_NODE2]
    return to4 + from2


def oversell(cluster, via, skus):
    """Stock 0 for each of `skus`, then a signed Shopify orders/create
    webhook of one unit each through `via`: rejected, so its owner records
    the order's cancellation. Returns {sku: the core's order id}."""
    c = cluster.client(via)
    orders = {}
    for i, sku in enumerate(skus):
        st, _, doc = c.call("PUT", f"/v1/stock/{sku}", {
            "on_hand": 0, "idempotency_key": f"init-{sku}"})
        check(st == 200, f"PUT {sku}: {st} {doc}")
        oid = OVERSOLD_ORDER_BASE + i
        body = json.dumps(shopify_order(oid, [(sku, 1)]))
        hdrs = shopify_headers(WEBHOOK_SECRETS["shopify"], body,
                               "orders/create", f"ev-{oid}")
        st, _, doc = c.call("POST", "/webhooks/shopify", body, hdrs)
        check(st == 200, f"webhook order {oid}: {st} {doc}")
        lines = {x["sku"]: x["status"] for x in doc["events"][0]["lines"]}
        check(lines == {sku: "rejected"}, f"order {oid}: {lines}")
        orders[sku] = f"shopify:{oid}"
    return orders


def shopify_oversells(cluster, name):
    """`name`'s GET /v1/oversells for Shopify: (its channel figures,
    {order id: cancellation state} of the recent lines)."""
    st, _, doc = cluster.client(name).call("GET", "/v1/oversells")
    check(st == 200, f"GET /v1/oversells on {name}: {st} {doc}")
    figures = next(x for x in doc["channels"] if x["channel"] == "shopify")
    states = {r["order_id"]: r["cancellation"] for r in doc["recent"]
              if r["channel"] == "shopify"}
    return figures, states


def check_cancellations_follow(cluster, names, orders, owners, previous):
    """Every pending cancellation of `orders` ({sku: order id}) is on its
    SKU's owner by `owners`, which sent it (the fake refused it: parked)
    and holds exactly those; a previous owner by `previous` whose SKU moved
    lists it as moved."""
    def settled():
        for n in names:
            figures, states = shopify_oversells(cluster, n)
            mine = {orders[s] for s in orders if owners[s] == n}
            if figures["cancellations"]["pending"] != len(mine) or \
                    any(states.get(o) != "parked" for o in mine):
                return None
        return True
    poll("pending cancellations on their SKUs' owners", settled,
         SETTLE_DEADLINE_S)
    for sku, oid in orders.items():
        if previous[sku] != owners[sku] and previous[sku] in names:
            _, states = shopify_oversells(cluster, previous[sku])
            check(states.get(oid) == "moved",
                  f"{oid} on {previous[sku]}, {sku}'s previous owner: "
                  f"{states.get(oid)}")


def setup(prefix):
    """The command line's binaries; a Cluster in a fresh work directory."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    ap.add_argument("--fakechannel", required=True)
    ap.add_argument("--ring-owner", required=True)
    ap.add_argument("--stockctl")  # membership_test's stockctl checks
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix=prefix)
    return workdir, Cluster(args, workdir)


def spread_load(cluster, vias, skus):
    """Orders through `vias` spread over every SKU, so that they hit SKUs
    while they move."""
    return Load(cluster, vias, skus,
                lambda n, k: skus[(k * 7919 + n * 104729) % len(skus)])


def start_epoch1(cluster, skus):
    """Starts node1-node3 at epoch 1 and waits until each reaches all."""
    owners = cluster.owners(skus, EPOCH1)
    for n in EPOCH1:
        cluster.configure(n, 1, EPOCH1)
        cluster.nodes[n].start()
    for n in EPOCH1:
        wait_routed(cluster, n, skus, owners)
    wait_budget_share(cluster, EPOCH1, 3)


def main():
    workdir, cluster = setup("stockwire-membership-")
    skus = [f"MV-{i}" for i in range(SKU_COUNT)]
    owners1 = cluster.owners(skus, EPOCH1)
    owners2 = cluster.owners(skus, EPOCH2)
    owners3 = cluster.owners(skus, EPOCH3)
    first_orders = {}  # sku -> the line of its order OLD-<sku>
    oversold = pick_oversold(cluster)
    oversold_orders = {}  # sku -> the core's id of its oversold order
    ov_owners = [cluster.owners(oversold, m) for m in (EPOCH1, EPOCH2, EPOCH3)]
    load = spread_load(cluster, ["node1", "node3"] * (LOAD_THREADS // 2),
                       skus)

    def test_start_three():
        start_epoch1(cluster, skus)

    def test_stock_listings_first_orders():
        create_skus(cluster, "node1", skus, first_orders, LISTED)
        for n in EPOCH1:
            held = cluster.held(n)
            check(sorted(held) == sorted(s for s in skus if owners1[s] == n),
                  f"{n} holds {len(held)} SKUs, not exactly those it owns")

    def test_oversold_orders_pending_on_their_owners():
        oversold_orders.update(oversell(cluster, "node1", oversold))
        check_cancellations_follow(cluster, EPOCH1, oversold_orders,
                                   ov_owners[0], ov_owners[0])
        for n in EPOCH1:
            figures, _ = shopify_oversells(cluster, n)
            mine = sum(ov_owners[0][s] == n for s in oversold)
            check(figures["oversells"] == mine,
                  f"{n} owns {mine} oversold SKUs but counted {figures}")

    def test_cancellations_moved_to_node4():
        check_cancellations_follow(cluster, EPOCH2, oversold_orders,
                                   ov_owners[1], ov_owners[0])
        figures, _ = shopify_oversells(cluster, "node4")
        check(figures["oversells"] == 0 and
              figures["cancellations"]["sent"] >= OVERSOLD_TO_NODE4,
              f"node4 counted moved oversells as its own or sent none: "
              f"{figures}")

    def test_node4_joins_under_load():
        load.start()
        time.sleep(1)
        previous = (1, EPOCH1)
        cluster.configure("node4", 2, EPOCH2, previous)
        cluster.nodes["node4"].start()
        for n in ("node1", "node2"):
            cluster.configure(n, 2, EPOCH2, previous)
            cluster.hup(n)
            wait_epoch(cluster, n, 2)
        # node3 missed the change so far: its forwards are refused.
        mine = next(s for s in skus if owners2[s] == "node1")
        result = refused_for_epoch(cluster, "node3", mine)
        doc = expect_error(result, 503, "owner_unavailable",
                           "a forward from a node at the old epoch")
        msg = doc["error"]["message"]
        print(f"  {msg}", flush=True)
        check("epoch 1" in msg and "epoch 2" in msg, f"unclear: {msg}")
        cluster.configure("node3", 2, EPOCH2, previous)
        cluster.hup("node3")
        docs = wait_settled(cluster, EPOCH2, 2)
        wait_budget_share(cluster, EPOCH2, 4)
        moved = sum(owners1[s] != owners2[s] for s in skus)
        print(f"  3 -> 4 members: {moved} of {SKU_COUNT} SKUs moved "
              f"({moved / SKU_COUNT:.1%}; 1/N = 25%); node4 received "
              f"{docs['node4']['moved_in']}, pulled {docs['node4']['pulls']} "
              f"on demand; {len(load.orders)} orders so far, "
              f"{load.refused} answered 503", flush=True)
        check(all(owners2[s] in (owners1[s], "node4") for s in skus),
              "a SKU moved between two old members")
        moved += OVERSOLD_TO_NODE4  # the oversold SKUs picked to move too
        check(docs["node4"]["moved_in"] == moved,
              f"node4 received {docs['node4']['moved_in']} SKUs, {moved} "
              f"moved to it")

    ctl = Ctl(cluster.args.stockctl, cluster) if cluster.args.stockctl \
        else None

    def check_owner_by_stockctl(sku, owner, epoch, previous, via):
        doc = ctl.ok("cluster", "owner", sku, via=via)
        check(doc["owner"] == owner and doc["epoch"] == epoch and
              doc["clustered"] and doc["previous_owner"] == previous[1] and
              doc["previous_epoch"] == previous[0],
              f"cluster owner {sku} via {via}: {doc}, expected {owner} at "
              f"epoch {epoch} (previously {previous[1]} at {previous[0]})")

    def check_status_by_stockctl(via, epoch, previous_epoch, roles):
        """`cluster status` through `via`: the epochs, exactly the members
        in `roles` (id -> role), every one that is not `left` reachable
        and settled at `epoch`, nothing missing (exit 0)."""
        doc = ctl.ok("cluster", "status", via=via)
        got = {m["id"]: m["role"] for m in doc["members"]}
        check(doc["epoch"] == epoch and
              doc["previous_epoch"] == previous_epoch and got == roles and
              doc["missing"] == [] and doc["settled"],
              f"cluster status via {via}: {doc}")
        for m in doc["members"]:
            if m["role"] == "left":
                check(not m["reachable"] and m["move"] is None and
                      m["shards"] == 0, f"{m['id']} left: {m}")
                continue
            check(m["reachable"] and m["move"]["epoch"] == epoch and
                  m["move"]["settled"] and
                  (m["shards"] > 0) == (m["role"] == "member"),
                  f"{m['id']} via {via}: {m}")
        return doc

    def test_stockctl_answers_by_epoch_2():
        if ctl is None:
            print("  skipped: no --stockctl", flush=True)
            return
        moved = [s for s in skus if owners1[s] != owners2[s]]
        check(moved and all(owners2[s] == "node4" for s in moved),
              "SKUs moved to node4")
        # node1 and node3 started at epoch 1: they must not answer by the
        # ring they started with.
        for i, sku in enumerate(moved[:6]):
            check_owner_by_stockctl(sku, "node4", 2, (1, owners1[sku]),
                                    ["node1", "node3"][i % 2])
        stay = next(s for s in skus if owners1[s] == owners2[s])
        check_owner_by_stockctl(stay, owners1[stay], 2, (1, owners1[stay]),
                                "node1")
        docs = ctl.ok("sku", "get", moved[0], via="node1")
        check(docs[0]["owner"] == "node4" and docs[0]["epoch"] == 2,
              f"sku get {moved[0]}: {docs}")
        doc = check_status_by_stockctl("node3", 2, 1,
                                       {n: "member" for n in EPOCH2})
        node4 = next(m for m in doc["members"] if m["id"] == "node4")
        check(node4["move"]["moved_in"] == len(moved) + OVERSOLD_TO_NODE4,
              f"node4 moved_in: {node4}")

    def test_stockctl_after_node2_left():
        if ctl is None:
            print("  skipped: no --stockctl", flush=True)
            return
        gone = [s for s in skus if owners2[s] == "node2"]
        for i, sku in enumerate(gone[:6]):
            check_owner_by_stockctl(sku, owners3[sku], 3, (2, "node2"),
                                    ["node1", "node4"][i % 2])
        roles = {n: "member" for n in EPOCH3}
        roles["node2"] = "left"  # stopped; every node's move is complete
        for via in ("node1", "node4"):
            check_status_by_stockctl(via, 3, 2, roles)
        code, doc, err = ctl.run("lag", via="node3")
        check(code == 0 and doc["missing"] == [],
              f"lag without node2: exit {code} {doc} {err}")

    def test_node2_leaves_under_load():
        try:
            node2_leaves()
            time.sleep(1)  # more orders at epoch 3
        finally:
            load.stop()
        print(f"  load: {len(load.orders)} orders, {len(load.unacked)} "
              f"without a 200 ({load.refused} were 503)", flush=True)
        code = cluster.nodes["node2"].stop()
        check(code == 0, f"node2 exited with {code}")

    def node2_leaves():
        previous = (2, EPOCH2)
        out_before = cluster.status("node2")["moved_out"]
        in_before = {n: cluster.status(n)["moved_in"] for n in EPOCH3}
        for n in EPOCH2:
            cluster.configure(n, 3, EPOCH3, previous)
            cluster.hup(n)
        for n in EPOCH2:
            wait_epoch(cluster, n, 3)
        poll("node2 handed off everything",
             lambda: cluster.status("node2")["sweep_done"], SETTLE_DEADLINE_S)
        check(cluster.held("node2") == [], "node2 still holds SKUs")
        docs = wait_settled(cluster, EPOCH3, 3)
        # node2 is in [cluster.previous] only and still counts: 4 nodes.
        wait_budget_share(cluster, EPOCH2, 4)
        st = cluster.status("node2")
        check(not st["member"], f"node2 thinks it is a member: {st}")
        moved = sum(owners2[s] != owners3[s] for s in skus)
        out = st["moved_out"] - out_before
        received = sum(docs[n]["moved_in"] - in_before[n] for n in EPOCH3)
        print(f"  4 -> 3 members: {moved} of {SKU_COUNT} SKUs moved "
              f"({moved / SKU_COUNT:.1%}; 1/N = 25%), all of them node2's; "
              f"node2 handed off {out}, the others received {received}",
              flush=True)
        check(all(owners3[s] == owners2[s] for s in skus
                  if owners2[s] != "node2"),
              "a SKU moved that node2 did not own")
        moved += OVERSOLD_FROM_NODE2  # the oversold SKUs node2 held
        check(out == moved == received,
              f"node2 moved {out}, the others received {received}, "
              f"{moved} expected")

    def test_every_sku_has_one_owner():
        check_one_owner(cluster, EPOCH3, skus + oversold,
                        {**owners3, **ov_owners[2]})

    def test_cancellations_moved_from_node2():
        check_cancellations_follow(cluster, EPOCH3, oversold_orders,
                                   ov_owners[2], ov_owners[1])

    def test_unacked_orders_retried_applied_once():
        retry_unacked(cluster, "node4", load)
        check_stock_exact(cluster, EPOCH3, skus, load)

    def test_old_orders_replay_after_the_moves():
        moved = [s for s in skus if owners1[s] != owners3[s]]
        check(moved, "no SKU moved")
        check_first_orders_replay(cluster, EPOCH3, skus, first_orders)
        st, _, doc = cluster.client("node1").call(
            "GET", f"/v1/orders/OLD-{moved[0]}")
        check(st == 200 and [x["sku"] for x in doc["lines"]] == [moved[0]],
              f"find_order of a moved SKU's order: {st} {doc}")
        print(f"  {len(moved)} SKUs live elsewhere than at the start; every "
              f"first order replays", flush=True)

    def test_listings_moved_and_channels_converge():
        c = cluster.client("node4")
        expected = {}
        for i, sku in enumerate(skus[:LISTED]):
            st, _, doc = c.call("GET", f"/v1/listings/{sku}")
            check(st == 200 and sorted(x["channel"] for x in doc["listings"])
                  == sorted(CHANNELS), f"listings of {sku}: {st} {doc}")
            st, _, view = c.call("GET", f"/v1/stock/{sku}")
            expected[(sku, i)] = view["available"]
        wait_converged(cluster.fake, expected, channels=CHANNELS)

    tests = [
        ("three nodes at epoch 1, full mesh", test_start_three),
        ("stock, listings and a first order on every SKU",
         test_stock_listings_first_orders),
        ("oversold webhook orders: cancellations pending on their owners",
         test_oversold_orders_pending_on_their_owners),
        ("node4 joins under load (epoch 2); node3 on epoch 1 is refused",
         test_node4_joins_under_load),
        ("pending cancellations moved to node4 with their SKUs",
         test_cancellations_moved_to_node4),
        ("stockctl through old members answers by epoch 2 (owner, status)",
         test_stockctl_answers_by_epoch_2),
        ("node2 leaves under load (epoch 3), hands off everything",
         test_node2_leaves_under_load),
        ("stockctl after node2 left: new owners, node2 listed as left",
         test_stockctl_after_node2_left),
        ("every SKU is held by exactly its owner",
         test_every_sku_has_one_owner),
        ("node2's pending cancellations moved to the SKUs' new owners",
         test_cancellations_moved_from_node2),
        ("orders without a 200, retried: stock exact, audit replays",
         test_unacked_orders_retried_applied_once),
        ("first orders replay after the moves; other payloads conflict",
         test_old_orders_replay_after_the_moves),
        ("listings moved; every channel converges to the exact quantities",
         test_listings_moved_and_channels_converge),
    ]
    def stop():
        load.stop()
        cluster.stop_all()
    return run_in(workdir, tests, stop)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
