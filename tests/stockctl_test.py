#!/usr/bin/env python3
"""Process-level tests of stockctl (issue 7, docs/STOCKCTL.md).

Starts a three-node cluster on loopback (free ports, a data directory per
node) whose nodes push to one fakechannel (shopify and woocommerce), each
node with its admin actor. Stock, listings and orders go in through the
HTTP API of every node; once the fake channels show every quantity,
`stockctl --json` asked through any node must report what the HTTP API of
the nodes reports: sku get (stock, owner, actor, per channel sync state on
the owner), sku audit (--limit, --since), sku set/adjust, order get,
cluster status and owner (against ring_owner), lag and channels (the
nodes' figures merged), channel resync (queued, watched to the end, its
progress bar on a terminal), top (iterations, JSON and ANSI); then every
failure and its exit code, the last one a SIGKILLed owner.

No wall-clock assertion: what depends on time (passivation, convergence)
is polled until it holds, within a generous deadline.

  stockctl_test.py --stockwired B --stockctl B --fakechannel B --ring-owner B
"""
import argparse
import datetime
import json
import os
import pty
import select
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_test import free_ports  # noqa: E402
from fake_util import SHOPIFY_WOO_TOML, Fake  # noqa: E402
from http_util import Node, check, run_in  # noqa: E402
from sync_util import channels_toml, fake_key, list_everywhere, poll  # noqa: E402

# Exit codes of stockctl (ctl/exit_codes.hpp, docs/STOCKCTL.md).
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_UNKNOWN_SKU = 4
EXIT_OWNER_DOWN = 5
EXIT_UNKNOWN_ORDER = 6
EXIT_UNKNOWN_CHANNEL = 7
EXIT_REFUSED = 8
EXIT_PARTIAL = 9

MEMBERS = ["node1", "node2", "node3"]
CHANNELS = ["shopify", "woocommerce"]
SKU_COUNT = 24
ORDERS = 48
FORWARD_TIMEOUT_MS = 1000
CTL_TIMEOUT_S = 60
DEADLINE_S = 30

def at_ms(rfc3339):
    t = datetime.datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))
    return round(t.timestamp() * 1000)


def iso_ms(ms):
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def us_of_ms(ms):
    return round(ms * 1000)


class Cluster:
    def __init__(self, args, work):
        self.args = args
        self.fake = Fake(args.fakechannel, work, "fake", SHOPIFY_WOO_TOML)
        ports = free_ports(2 * len(MEMBERS))
        self.cluster_ports = dict(zip(MEMBERS, ports[:3]))
        self.admin = {m: f"127.0.0.1:{p}" for m, p in zip(MEMBERS, ports[3:])}
        members = ", ".join(f'{{id = "{m}", host = "127.0.0.1", port = {p}}}'
                            for m, p in self.cluster_ports.items())
        self.nodes = {}
        for m in MEMBERS:
            toml = (f'\n[admin]\nlisten = "{self.admin[m]}"\n'
                    f"[skus]\nidle_timeout_s = 1\n"
                    f"[cluster]\nmembers = [{members}]\nepoch = 1\n"
                    f"forward_timeout_ms = {FORWARD_TIMEOUT_MS}\n\n"
                    + channels_toml(self.fake))
            self.nodes[m] = Node(args.stockwired, work, m, toml)

    def owners(self, skus):
        out = subprocess.run(
            [self.args.ring_owner, "--members", ",".join(MEMBERS)],
            input="\n".join(skus) + "\n", capture_output=True, text=True,
            check=True).stdout
        return dict(line.split() for line in out.splitlines())

    def http(self, node, method, path, body=None, ok=(200, 201)):
        c = self.nodes[node].client()
        try:
            st, _, doc = c.call(method, path, body)
        finally:
            c.close()
        check(st in ok, f"{method} {path} via {node}: {st} {doc}")
        return doc

    def stop(self):
        for n in self.nodes.values():
            if n.proc is not None:
                n.stop()
        self.fake.stop()


class Ctl:
    """Runs stockctl; (exit code, parsed JSON stdout or None, stderr)."""

    def __init__(self, binary, cluster):
        self.binary = binary
        self.cluster = cluster

    def run(self, *args, via="node1", node=None, json_out=True, env=None,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE):
        cmd = [self.binary]
        if node is not False:
            cmd += ["--node", node or self.cluster.admin[via]]
        if json_out:
            cmd.append("--json")
        p = subprocess.run(cmd + list(args), stdout=stdout, stderr=stderr,
                           text=True, timeout=CTL_TIMEOUT_S, env=env)
        doc = None
        if json_out and p.stdout and p.stdout.strip():
            lines = p.stdout.strip().splitlines()
            doc = [json.loads(x) for x in lines] if len(lines) > 1 \
                else json.loads(lines[0])
        return p.returncode, doc, p.stderr

    def ok(self, *args, **kw):
        code, doc, err = self.run(*args, **kw)
        check(code == 0, f"stockctl {' '.join(args)}: exit {code}: {err}")
        return doc

    def fails(self, code, *args, **kw):
        """Runs a command that must fail with `code` and one stderr line."""
        got, doc, err = self.run(*args, **kw)
        lines = err.strip().splitlines()
        check(got == code and len(lines) == 1 and lines[0].startswith(
            "stockctl: "), f"stockctl {' '.join(args)}: exit {got}, "
            f"expected {code}; stderr {err!r}")
        return doc, lines[0]

    def on_terminal(self, *args, via="node1", stream="stderr"):
        """Runs stockctl (tables) with `stream` on a pseudo-terminal;
        returns (exit code, what the terminal got)."""
        master, slave = pty.openpty()
        cmd = [self.binary, "--node", self.cluster.admin[via], *args]
        kw = {stream: slave, "stdout" if stream == "stderr" else "stderr":
              subprocess.DEVNULL}
        p = subprocess.Popen(cmd, **kw)
        os.close(slave)
        out = b""
        deadline = time.monotonic() + CTL_TIMEOUT_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    data = b""
                if not data and p.poll() is not None:
                    break
                out += data
            elif p.poll() is not None:
                break
        os.close(master)
        return p.wait(timeout=CTL_TIMEOUT_S), out.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    ap.add_argument("--stockctl", required=True)
    ap.add_argument("--fakechannel", required=True)
    ap.add_argument("--ring-owner", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="stockctl-test-")
    cluster = Cluster(args, work)
    ctl = Ctl(args.stockctl, cluster)
    skus = [f"CT-{i}" for i in range(1, SKU_COUNT + 1)]
    owners = cluster.owners(skus + ["AUD-1", "SET-1", "ACT-1"])
    by_owner = {m: [s for s in skus if owners[s] == m] for m in MEMBERS}
    stored = set()  # SKUs with a stock record

    def http(method, path, body=None, via="node1", ok=(200, 201)):
        return cluster.http(via, method, path, body, ok)

    def quantities_shown():
        """{(channel, sku): quantity} the fake channels show."""
        state = cluster.fake.state()
        out = {}
        for n, sku in enumerate(skus, 1):
            for ch in CHANNELS:
                q = state.get(ch, {}).get(fake_key(ch, sku, n), {})
                out[(ch, sku)] = q.get("quantity")
        return out

    def converged():
        stock = {s: http("GET", f"/v1/stock/{s}")["available"] for s in skus}
        shown = quantities_shown()
        return all(shown[(ch, s)] == stock[s] for ch in CHANNELS
                   for s in skus)

    def lag_of_nodes():
        return {m: {c["channel"]: c for c in
                    http("GET", "/v1/lag", via=m)["channels"]}
                for m in MEMBERS}

    def channels_of_nodes():
        """{node: {channel: status}}; rate_available left out (it refills
        continuously, so two reads never agree)."""
        return {m: {c["channel"]: dict(c, rate_available=c["rate_available"]
                                       is not None)
                    for c in http("GET", "/v1/channels", via=m)["channels"]}
                for m in MEMBERS}

    def test_start_cluster_and_drive_orders():
        for n in cluster.nodes.values():
            n.start()
        # The mesh is up once every node's cluster status reaches all.
        for m in MEMBERS:
            poll(f"{m} reaches every member",
                 lambda m=m: ctl.run("cluster", "status", via=m)[0] == 0,
                 DEADLINE_S)
        for i, sku in enumerate(skus):
            via = MEMBERS[i % 3]
            http("PUT", f"/v1/stock/{sku}",
                 {"on_hand": 50 + i, "idempotency_key": f"init-{sku}"}, via)
            list_everywhere(cluster.nodes[via].client(), sku, i + 1, CHANNELS)
            stored.add(sku)
        for k in range(ORDERS):
            sku = skus[(k * 7) % SKU_COUNT]
            http("POST", "/v1/orders", {
                "order_id": f"ORD-{k}", "channel": CHANNELS[k % 2],
                "lines": [{"sku": sku, "qty": 1 + k % 3}]}, MEMBERS[k % 3])
        # One order with a line on every node's SKUs, one line cancelled.
        lines = [{"sku": by_owner[m][0], "qty": 2} for m in MEMBERS]
        http("POST", "/v1/orders", {"order_id": "MULTI-1", "channel": "web",
                                    "lines": lines}, "node2")
        http("POST", "/v1/orders/MULTI-1/cancel",
             {"channel": "web", "lines": [{"sku": lines[0]["sku"]}]}, "node3")
        poll("every channel shows every quantity", converged, DEADLINE_S)

    def test_cluster_status_counts_owned_skus():
        for via in MEMBERS:
            doc = ctl.ok("cluster", "status", via=via)
            check(doc["self"] == via and doc["clustered"] and
                  doc["epoch"] == 1 and doc["missing"] == [] and
                  sorted(doc["nodes"]) == MEMBERS, f"via {via}: {doc}")
            members = {m["id"]: m for m in doc["members"]}
            check(sorted(members) == MEMBERS, f"members: {doc}")
            check(sum(m["shards"] for m in members.values()) ==
                  doc["shard_count"], f"shards do not add up: {doc}")
            for m in MEMBERS:
                x = members[m]
                want = len([s for s in stored if owners[s] == m])
                check(x["reachable"] and x["error"] is None and
                      x["self"] == (m == via) and x["skus_owned"] == want
                      and x["skus_foreign"] == 0 and x["skus_active"] >= 0
                      and x["address"] == f"127.0.0.1:"
                      f"{cluster.cluster_ports[m]}", f"{m} via {via}: {x}, "
                      f"expected {want} SKUs owned")

    def test_cluster_owner_matches_the_ring():
        for sku in skus[:8]:
            doc = ctl.ok("cluster", "owner", sku, via="node2")
            check(doc["owner"] == owners[sku] and doc["clustered"] and
                  doc["hash"] % doc["shards"] == doc["shard"] and
                  doc["runner_up"] in MEMBERS and
                  doc["runner_up"] != doc["owner"], f"{sku}: {doc}")

    def test_sku_get_matches_http_on_the_owner():
        for i, sku in enumerate(skus[:9]):
            via = MEMBERS[(MEMBERS.index(owners[sku]) + 1) % 3]  # not owner
            docs = ctl.ok("sku", "get", sku, via=via)
            check(len(docs) == 1, f"one SKU: {docs}")
            d = docs[0]
            view = http("GET", f"/v1/stock/{sku}", via=via)
            for f in ("on_hand", "available", "version", "reserved"):
                check(d[f] == view[f], f"{sku} {f}: {d} vs HTTP {view}")
            check(d["owner"] == owners[sku] and d["epoch"] == 1,
                  f"owner: {d}")
            check(d["actor"]["state"] in ("active", "passivated",
                                          "passivating") and
                  d["actor"]["mailbox"] >= 0 and d["actor"]["pending"] >= 0,
                  f"actor: {d['actor']}")
            check(sorted(c["channel"] for c in d["channels"]) == CHANNELS,
                  f"channels: {d['channels']}")
            for c in d["channels"]:
                st = http("GET", f"/v1/listings/{c['channel']}/{sku}",
                          via=owners[sku])["sync"]
                mine = c["sync"]
                for f in ("version", "target", "acked_version", "shown",
                          "pushed_version", "pending", "inflight", "parked",
                          "last_error"):
                    check(mine[f] == st[f], f"{sku} {c['channel']} {f}: "
                          f"{mine} vs HTTP {st}")
                check(mine["last_lag_us"] == us_of_ms(st["last_lag_ms"]) and
                      mine["last_ack_ms"] == at_ms(st["last_ack_at"]),
                      f"lag and ack time: {mine} vs {st}")
                check(mine["shown"] == d["available"] and
                      mine["acked_version"] == d["version"] and
                      not mine["pending"], f"not converged: {mine}")
        two = ctl.ok("sku", "get", skus[0], skus[1], via="node3")
        check([d["sku"] for d in two] == skus[:2], f"two SKUs: {two}")

    def test_sku_get_shows_the_actor_active_then_passivated():
        sku = "ACT-1"
        http("PUT", f"/v1/stock/{sku}", {"on_hand": 5})
        stored.add(sku)

        def active_after_use():
            http("POST", f"/v1/stock/{sku}/adjust",
                 {"delta": 1, "idempotency_key": f"act-{time.monotonic()}"})
            d = ctl.ok("sku", "get", sku)[0]
            return d["actor"]["state"] == "active" and d
        d = poll("ACT-1 active right after a change", active_after_use,
                 DEADLINE_S)
        print(f"  active: {d['actor']}", flush=True)

        def passivated():
            time.sleep(1.5)  # longer than idle_timeout_s: stay untouched
            d = ctl.ok("sku", "get", sku)[0]
            return d["actor"]["state"] == "passivated" and d
        d = poll("ACT-1 passivated once idle", passivated, DEADLINE_S)
        check(d["actor"]["mailbox"] == 0 and d["actor"]["pending"] == 0 and
              not d["actor"]["active"], f"passivated: {d['actor']}")

    def test_sku_audit_limit_and_since():
        sku = "AUD-1"
        http("PUT", f"/v1/stock/{sku}", {"on_hand": 10, "idempotency_key": "a0"})
        stored.add(sku)
        for k in range(1, 5):
            time.sleep(0.02)  # distinct record times, for --since
            http("POST", f"/v1/stock/{sku}/adjust",
                 {"delta": -1, "idempotency_key": f"a{k}"}, MEMBERS[k % 3])
        theirs = http("GET", f"/v1/stock/{sku}/audit?limit=50")["records"]
        via = next(m for m in MEMBERS if m != owners[sku])
        doc = ctl.ok("sku", "audit", sku, "--limit", "10", via=via)
        check(doc["since_ms"] is None and len(doc["records"]) == 5,
              f"audit: {doc}")
        for mine, t in zip(doc["records"], theirs):
            check(mine["version"] == t["version"] and
                  mine["op_id"] == t["op_id"] and mine["kind"] == t["kind"]
                  and mine["source"] == t["source"] and
                  mine["delta"] == t["delta"] and
                  mine["on_hand_after"] == t["on_hand"] and
                  mine["available_after"] == t["available"] and
                  mine["at_ms"] == at_ms(t["at"]), f"{mine} vs {t}")
        one = ctl.ok("sku", "audit", sku, "--limit", "2", via=via)
        check([r["version"] for r in one["records"]] == [5, 4], f"{one}")
        since = at_ms(theirs[2]["at"])
        want = [t["version"] for t in theirs if at_ms(t["at"]) >= since]
        doc = ctl.ok("sku", "audit", sku, "--since", iso_ms(since), via=via)
        check(doc["since_ms"] == since and
              [r["version"] for r in doc["records"]] == want,
              f"--since {iso_ms(since)}: {doc}, expected versions {want}")
        doc = ctl.ok("sku", "audit", sku, "--since", "1h")
        check(len(doc["records"]) == 5, f"--since 1h: {doc}")
        doc = ctl.ok("sku", "audit", sku, "--since", "2099-01-01T00:00:00Z")
        check(doc["records"] == [], f"--since the future: {doc}")

    def test_sku_set_and_adjust_through_any_node():
        sku = "SET-1"
        via = next(m for m in MEMBERS if m != owners[sku])
        doc = ctl.ok("sku", "set", sku, "40", "--key", "k-set-1", via=via)
        stored.add(sku)
        check(doc["on_hand"] == 40 and doc["key"] == "k-set-1" and
              not doc["replayed"] and not doc["key_generated"], f"{doc}")
        again = ctl.ok("sku", "set", sku, "40", "--key", "k-set-1")
        check(again["replayed"] and again["version"] == doc["version"],
              f"same key replays: {again}")
        adj = ctl.ok("sku", "adjust", sku, "-15", via=via)
        check(adj["key_generated"] and adj["key"].startswith("stockctl-")
              and adj["on_hand"] == 25, f"adjust: {adj}")
        adj2 = ctl.ok("sku", "adjust", sku, "5")
        check(adj2["key"] != adj["key"] and adj2["on_hand"] == 30, f"{adj2}")
        view = http("GET", f"/v1/stock/{sku}", via=owners[sku])
        check(view["on_hand"] == 30 and view["version"] == 3, f"{view}")
        audit = ctl.ok("sku", "audit", sku)["records"]
        check([r["source"] for r in audit] == ["stockctl"] * 3, f"{audit}")

    def test_order_get_finds_lines_on_every_owner():
        for via in MEMBERS:
            doc = ctl.ok("order", "get", "MULTI-1", via=via)
            theirs = http("GET", "/v1/orders/MULTI-1", via=via)
            mine = [(x["sku"], x["qty"], x["status"], x["cancelled"],
                     x["channel"]) for x in doc["lines"]]
            want = [(x["sku"], x["qty"], x["status"], x["cancelled"],
                     x["channel"]) for x in theirs["lines"]]
            check(mine == want and len(mine) == 3 and
                  sum(x[3] for x in mine) == 1, f"{mine} vs {want}")
            check({owners[x[0]] for x in mine} == set(MEMBERS),
                  f"lines not on every node: {mine}")

    def test_lag_merges_every_node():
        # Read the nodes before and after stockctl: equal reads mean the
        # figures did not move in between.
        def attempt():
            before = lag_of_nodes()
            doc = ctl.ok("lag", via="node2")
            after = lag_of_nodes()
            return before == after and (doc, after)
        doc, nodes = poll("a quiet moment for lag", attempt, DEADLINE_S)
        check(doc["missing"] == [] and sorted(doc["nodes"]) == MEMBERS,
              f"coverage: {doc}")
        got = {c["channel"]: c for c in doc["channels"]}
        check(sorted(got) == CHANNELS, f"channels: {doc}")
        for ch in CHANNELS:
            per = [nodes[m][ch]["since_start"] for m in MEMBERS]
            mine = got[ch]["since_start"]
            check(mine["count"] == sum(p["count"] for p in per) > 0,
                  f"{ch} count: {mine} vs {per}")
            check(mine["max_us"] == max(us_of_ms(p["max_ms"]) for p in per),
                  f"{ch} max: {mine} vs {per}")
            for q in ("p50", "p99"):
                seen = [us_of_ms(p[q + "_ms"]) for p in per if p["count"]]
                check(min(seen) <= mine[q + "_us"] <= max(seen),
                      f"{ch} {q}: {mine} not within the nodes' {seen}")
            check(got[ch]["last_minute"]["count"] <= mine["count"],
                  f"{ch}: {got[ch]}")
        one = ctl.ok("lag", "--channel", "shopify")
        check([c["channel"] for c in one["channels"]] == ["shopify"], f"{one}")

    def test_channels_merges_every_node():
        def attempt():
            before = channels_of_nodes()
            doc = ctl.ok("channels", "--sample-ms", "200", via="node3")
            after = channels_of_nodes()
            return before == after and (doc, after)
        doc, nodes = poll("a quiet moment for channels", attempt, DEADLINE_S)
        check(doc["missing"] == [] and doc["sample_ms"] == 200, f"{doc}")
        got = {c["channel"]: c for c in doc["channels"]}
        check(sorted(got) == CHANNELS, f"channels: {doc}")
        for ch in CHANNELS:
            per = [nodes[m][ch] for m in MEMBERS]
            mine = got[ch]
            for f in ("listings", "backlog", "acked", "retried", "parked",
                      "parked_listings", "requests", "throttled",
                      "backing_off", "cancellations_pending"):
                check(mine[f] == sum(p[f] for p in per),
                      f"{ch} {f}: {mine[f]} vs {[p[f] for p in per]}")
            check(mine["listings"] == len(skus) and mine["backlog"] == 0 and
                  mine["ok"] and mine["health"] == [] and
                  mine["breaker"] == "closed" and mine["kind"] == ch and
                  mine["pushes_per_s"] == 0, f"{ch}: {mine}")
            if not all(p["rate_available"] for p in per):
                check(mine["rate_available"] is None and
                      mine["headroom"] is None, f"{ch} unlimited: {mine}")
            else:
                check(0 <= mine["headroom"] <= 1 and
                      mine["rate_max"] == sum(p["rate_max"] for p in per),
                      f"{ch} budget: {mine} vs {per}")
            check(mine["sync"] == "event" and mine["poll_interval_s"] is None
                  and all(p["sync"] == "event" for p in per),
                  f"{ch} sync mode: {mine} vs {per}")

    def test_channel_resync_pushes_every_sku_again():
        before = cluster.fake.counters()
        doc = ctl.ok("channel", "resync", "shopify", "--wait-ms", "20000",
                     via="node2")
        check(doc["queued"] == len(skus) and doc["unknown"] == [] and
              doc["done"] and doc["pushed"] == len(skus) and
              doc["pending"] == 0 and doc["parked"] == 0 and
              doc["missing"] == [], f"resync: {doc}")
        after = cluster.fake.counters()
        check(after != before, f"no request reached the fake: {after}")
        poll("channels converged again", converged, DEADLINE_S)
        code, doc, err = ctl.run("channel", "resync", "woocommerce", "--sku",
                                 skus[0], "--sku", skus[1], "--sku", "NOPE-9")
        check(code == EXIT_UNKNOWN_CHANNEL and doc["queued"] == 2 and
              doc["unknown"] == ["NOPE-9"] and doc["done"] and
              "NOPE" not in err and "not listed" in err,
              f"resync with an unknown SKU: {code} {doc} {err!r}")
        code, out = ctl.on_terminal("channel", "resync", "woocommerce",
                                    "--sku", skus[2], "--wait-ms", "20000")
        check(code == 0 and "[" in out and "1/1 pushed" in out,
              f"progress bar on a terminal: {code} {out!r}")

    def test_top_refreshes_then_exits():
        code, frames, err = ctl.run("top", "--iterations", "2",
                                    "--interval-ms", "200", via="node3")
        check(code == 0 and len(frames) == 2, f"top: {code} {frames} {err}")
        first, second = frames
        check(first["iteration"] == 1 and second["iteration"] == 2 and
              first["orders_per_s"] is None and
              second["orders_per_s"] >= 0 and second["missing"] == [],
              f"frames: {frames}")
        check(sorted(c["channel"] for c in second["channels"]) == CHANNELS
              and all(c["backlog"] >= 0 and c["pushes_per_s"] >= 0 and
                      c["lag_last_minute"]["count"] >= 0
                      for c in second["channels"]), f"{second}")
        code, out = ctl.on_terminal("top", "--iterations", "2",
                                    "--interval-ms", "200", stream="stdout")
        check(code == 0 and out.count("\x1b[H\x1b[2J") == 2 and
              "stockwire top" in out and "nodes 3/3" in out and
              "shopify" in out, f"top on a terminal: {code} {out!r}")

    def test_node_from_the_environment():
        env = dict(os.environ, STOCKWIRE_NODE=cluster.admin["node2"])
        code, doc, err = ctl.run("cluster", "status", node=False, env=env)
        check(code == 0 and doc["self"] == "node2", f"{code} {doc} {err}")
        env.pop("STOCKWIRE_NODE")
        code, _, err = ctl.run("cluster", "status", node=False, env=env)
        # Unless something answers on the default address, it is named.
        check(code == 0 or (code == EXIT_UNREACHABLE and
                            "127.0.0.1:4100" in err), f"{code} {err!r}")

    def test_failures_have_their_exit_codes():
        _, line = ctl.fails(EXIT_UNKNOWN_SKU, "sku", "get", "NOPE-1")
        check("NOPE-1" in line, line)
        ctl.fails(EXIT_UNKNOWN_SKU, "sku", "audit", "NOPE-1", via="node3")
        ctl.fails(EXIT_UNKNOWN_ORDER, "order", "get", "NO-ORDER")
        ctl.fails(EXIT_UNKNOWN_CHANNEL, "lag", "--channel", "nope")
        ctl.fails(EXIT_UNKNOWN_CHANNEL, "channel", "resync", "nope")
        _, line = ctl.fails(EXIT_REFUSED, "sku", "adjust", skus[3],
                            "--", "-100000")
        check("negative_stock" in line, line)
        _, line = ctl.fails(EXIT_REFUSED, "sku", "set", "SET-1", "1",
                            "--key", "k-set-1")
        check("id_conflict" in line, line)
        code, _, err = ctl.run("sku", "frobnicate")  # CLI11 explains more
        check(code == EXIT_USAGE, f"usage: {code} {err!r}")
        ctl.fails(EXIT_USAGE, "sku", "get", skus[0], node="no-port")
        ctl.fails(EXIT_USAGE, "sku", "audit", skus[0], "--since", "yesterday")
        _, line = ctl.fails(EXIT_UNREACHABLE, "sku", "get", skus[0],
                            node=f"127.0.0.1:{free_ports(1)[0]}")
        check("unreachable" in line, line)
        cport = cluster.cluster_ports["node1"]
        _, line = ctl.fails(EXIT_UNREACHABLE, "sku", "get", skus[0],
                            node=f"127.0.0.1:{cport}")
        check("[admin]" in line, f"the cluster port is not the admin: {line}")

    def test_owner_down_and_partial_answers():
        cluster.nodes["node3"].kill()
        dead = by_owner["node3"][1]
        live = by_owner["node1"][1]
        _, line = ctl.fails(EXIT_OWNER_DOWN, "sku", "get", dead)
        check("node3" in line, f"does not name node3: {line}")
        ctl.fails(EXIT_OWNER_DOWN, "sku", "audit", dead, via="node2")
        ctl.fails(EXIT_OWNER_DOWN, "order", "get", "MULTI-1")
        check(ctl.ok("sku", "get", live)[0]["sku"] == live, "live SKU")
        for args in (["cluster", "status"], ["lag"], ["channels",
                                                      "--sample-ms", "0"]):
            doc, line = ctl.fails(EXIT_PARTIAL, *args)
            check(doc is not None and doc["missing"] == ["node3"] and
                  sorted(doc["nodes"]) == ["node1", "node2"] and
                  "node3" in line, f"{args}: {doc} {line}")
        doc, _ = ctl.fails(EXIT_PARTIAL, "cluster", "status")
        n3 = next(m for m in doc["members"] if m["id"] == "node3")
        check(not n3["reachable"] and "node3" in n3["error"] and
              n3["skus_owned"] is None, f"node3: {n3}")
        listed = len([s for s in skus if owners[s] != "node3"])
        doc, _ = ctl.fails(EXIT_PARTIAL, "channel", "resync", "shopify",
                           "--wait-ms", "0")
        check(doc["queued"] == listed, f"resync without node3: {doc}")
        ctl.fails(EXIT_UNREACHABLE, "sku", "get", live, via="node3")

    tests = [
        ("three nodes, fake channels, orders through every node",
         test_start_cluster_and_drive_orders),
        ("cluster status: every node reachable, SKUs owned counted",
         test_cluster_status_counts_owned_skus),
        ("cluster owner agrees with ring_owner",
         test_cluster_owner_matches_the_ring),
        ("sku get through a non-owner matches HTTP on the owner",
         test_sku_get_matches_http_on_the_owner),
        ("sku get shows the actor active, then passivated",
         test_sku_get_shows_the_actor_active_then_passivated),
        ("sku audit with --limit and --since matches HTTP",
         test_sku_audit_limit_and_since),
        ("sku set and adjust through any node, keys replay",
         test_sku_set_and_adjust_through_any_node),
        ("order get finds the lines on every owner",
         test_order_get_finds_lines_on_every_owner),
        ("lag: histograms of every node merged",
         test_lag_merges_every_node),
        ("channels: every node's connectors summed",
         test_channels_merges_every_node),
        ("channel resync: queued, watched to the end, progress bar",
         test_channel_resync_pushes_every_sku_again),
        ("top: two refreshes as JSON lines and on a terminal",
         test_top_refreshes_then_exits),
        ("the node from STOCKWIRE_NODE, then the default",
         test_node_from_the_environment),
        ("each failure has its exit code and one line",
         test_failures_have_their_exit_codes),
        ("SIGKILL node3: owner down (5), partial answers (9)",
         test_owner_down_and_partial_answers),
    ]
    return run_in(work, tests, cluster.stop)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
