#!/usr/bin/env python3
"""A channel account's rate limit holds cluster-wide (issue 6): three
stockwired on loopback, each with the same Amazon account, push to one
fakechannel whose Amazon enforces the real limits (patchListingsItem 5/s,
burst 5; createFeed 0.0083/s, burst 5) and answers 429 beyond them.

Each node paces its connector by a third of the account's budget
(cluster/budget_share.hpp): GET /v1/channels and /metrics say so. SKUs
owned by all three nodes are listed on Amazon and changed over and over
through every node, so that every node's connector has a backlog and
spends its whole share (listing feeds too: feed_min_skus is low, so a
backlog may go as one feed). Every Amazon quantity must converge to the
exact stock, and the fake must have refused nothing: zero 429s, on the
fake's counters and on every node's. Paced by the whole budget each
(share 1), the three nodes send three times what the account allows and
the fake answers 429s (60 of 203 requests in one run).

No wall-clock assertion: convergence is polled with a deadline.

  channel_budget_test.py --stockwired B --fakechannel B --ring-owner B
"""
import argparse
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_test import Cluster as RingCluster  # noqa: E402
from cluster_test import free_ports, wait_mesh  # noqa: E402
from fake_util import Fake  # noqa: E402
from http_util import Node, check, run_in  # noqa: E402
from sync_util import (channels_toml, list_everywhere, metrics,  # noqa: E402
                       poll, set_stock, wait_converged)

MEMBERS = ["node1", "node2", "node3"]
CHANNEL = "amazon"
# The fake's Amazon at its real limits (docs/FAKECHANNEL.md), written out
# so that the test does not depend on the fake's defaults.
FAKE_TOML = """
[shopify]
enabled = false
[woocommerce]
enabled = false
[ebay]
enabled = false
[flipkart]
enabled = false
[amazon]
rate_per_s = 5
burst = 5
create_feed_rate_per_s = 0.0083
create_feed_burst = 5
"""
# The node's Amazon account at the same limits (docs/CONFIG.md defaults),
# sending a listing feed from 10 pending SKUs on.
ACCOUNT_TOML = "requests_per_s = 5\nburst = 5\nfeed_min_skus = 10\n"
SKU_COUNT = 60
SKUS_PER_NODE_MIN = 10
# Changes are driven for this long: long enough for every node's backlog
# to outlast its burst (the push rate, not the driver, is then the limit).
DRIVE_S = 4
ROUND_PAUSE_S = 0.2
FORWARD_TIMEOUT_MS = 2000
CONVERGE_DEADLINE_S = 180
SHARE = 1 / len(MEMBERS)
# connector_pacing_margin (core/limits.hpp): the bucket restores 90% of
# its share of the rate.
PACING_MARGIN = 0.9


class Cluster:
    def __init__(self, args, workdir):
        self.ring_owner = args.ring_owner
        self.fake = Fake(args.fakechannel, workdir, "fake", FAKE_TOML)
        self.cluster_ports = dict(zip(MEMBERS, free_ports(len(MEMBERS))))
        listing = ", ".join(f'{{id = "{m}", host = "127.0.0.1", port = {p}}}'
                            for m, p in self.cluster_ports.items())
        toml = (f"[cluster]\nmembers = [{listing}]\nepoch = 1\n"
                f"forward_timeout_ms = {FORWARD_TIMEOUT_MS}\n\n"
                + channels_toml(self.fake, {CHANNEL: ACCOUNT_TOML}))
        self.nodes = {m: Node(args.stockwired, workdir, m, toml)
                      for m in MEMBERS}

    # {sku: owner} by ring_owner (self.ring_owner), as cluster_test's.
    owners = RingCluster.owners

    def client(self, name):
        return self.nodes[name].client(timeout=30)

    def channel(self, name):
        """GET /v1/channels/amazon on `name`."""
        st, _, doc = self.client(name).call("GET", f"/v1/channels/{CHANNEL}")
        check(st == 200, f"GET /v1/channels/{CHANNEL} on {name}: {st} {doc}")
        return doc

    def throttled_by_fake(self):
        return self.fake.counters()[CHANNEL]["throttled"]

    def stop(self):
        for n in self.nodes.values():
            if n.proc is not None:
                n.stop()
        self.fake.stop()


def close(a, b):
    return abs(a - b) < 1e-9


def budget_gauge(client):
    """[stockwire_channel_budget_share of Amazon] from /metrics, or []."""
    return [v for (name, labels), v in metrics(client).items()
            if name == "stockwire_channel_budget_share" and
            f'channel="{CHANNEL}"' in labels]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    ap.add_argument("--fakechannel", required=True)
    ap.add_argument("--ring-owner", required=True)
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="stockwire-budget-")
    cluster = Cluster(args, workdir)
    skus = [f"BG-{n}" for n in range(1, SKU_COUNT + 1)]
    owners = cluster.owners(skus)
    expected = {}  # (sku, n) -> the quantity Amazon must show

    def test_start_three():
        for n in cluster.nodes.values():
            n.start()
        wait_mesh(cluster)
        for m in MEMBERS:
            mine = sum(owners[s] == m for s in skus)
            check(mine >= SKUS_PER_NODE_MIN,
                  f"{m} owns {mine} of the SKUs, too few to load it")

    def test_every_node_paces_by_a_third():
        for m in MEMBERS:
            doc = cluster.channel(m)
            check(close(doc["budget_share"], SHARE) and
                  close(doc["requests_per_s"], 5 * PACING_MARGIN * SHARE) and
                  close(doc["rate_max"], 5 * SHARE),
                  f"{m}: {doc}, expected a third of 5/s, burst 5")
            # The gauge comes with the connector's first report.
            share = poll(f"{m}'s budget share in /metrics",
                         lambda m=m: budget_gauge(cluster.client(m)))[0]
            check(close(share, SHARE),
                  f"{m}: stockwire_channel_budget_share is {share}")

    def test_changes_on_every_node_saturate_the_budget():
        for n, sku in enumerate(skus, 1):
            via = cluster.client(MEMBERS[n % len(MEMBERS)])
            set_stock(via, sku, 1000 + n, f"init-{sku}")
            list_everywhere(via, sku, n, [CHANNEL])
        rounds = 0
        end = time.monotonic() + DRIVE_S
        while time.monotonic() < end or rounds < 2:
            rounds += 1
            for n, sku in enumerate(skus, 1):
                via = cluster.client(MEMBERS[(n + rounds) % len(MEMBERS)])
                on_hand = 1000 + n - rounds
                set_stock(via, sku, on_hand, f"r{rounds}-{sku}")
                expected[(sku, n)] = on_hand
            time.sleep(ROUND_PAUSE_S)
        backlogs = {m: cluster.channel(m)["backlog"] for m in MEMBERS}
        print(f"  {rounds} rounds of {SKU_COUNT} changes; backlog per node "
              f"then {backlogs}", flush=True)

    def test_amazon_converges_to_the_exact_stock():
        wait_converged(cluster.fake, expected, CONVERGE_DEADLINE_S,
                       [CHANNEL])

    def test_no_429_anywhere():
        counters = cluster.fake.counters()[CHANNEL]
        per_node = {m: cluster.channel(m) for m in MEMBERS}
        print(f"  fake: {counters}; requests per node "
              f"{ {m: d['requests'] for m, d in per_node.items()} }",
              flush=True)
        check(all(d["requests"] > 0 for d in per_node.values()),
              f"a node sent nothing: {per_node}")
        check(counters["accepted"] >= len(MEMBERS) * 2,
              f"too few requests accepted to have tested much: {counters}")
        check(counters["throttled"] == 0,
              f"the fake answered {counters['throttled']} 429s: the nodes "
              f"together exceeded the account's rate limit ({counters})")
        for m, d in per_node.items():
            check(d["throttled"] == 0, f"{m} was throttled: {d}")

    tests = [
        ("three nodes, one Amazon account on one fake", test_start_three),
        ("each node paces Amazon by a third of its budget",
         test_every_node_paces_by_a_third),
        ("changes through every node on SKUs of every node",
         test_changes_on_every_node_saturate_the_budget),
        ("Amazon converges to the exact stock",
         test_amazon_converges_to_the_exact_stock),
        ("the fake refused nothing: zero 429s", test_no_429_anywhere),
    ]
    return run_in(workdir, tests, cluster.stop)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
