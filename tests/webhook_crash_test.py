#!/usr/bin/env python3
"""Crash test of webhook ingestion: a storm of signed Shopify orders/create
deliveries from several threads, each retried by its client until it gets a
200 (as Shopify retries), now and then delivered once more after its 200
(Shopify's duplicates); the node is killed with SIGKILL mid-storm and
restarted (three times), and the clients finish their retries against the new
process.

Then every delivery the clients saw acknowledged is applied exactly once:
for each SKU, initial on_hand - sum of the acknowledged orders' quantities
== on_hand; each order is in GET /v1/orders/shopify:<id> with its qty and
status accepted; every SKU's audit log replays to its stock. Stock is large
enough that no order is rejected.
"""
import argparse
import http.client
import json
import random
import shutil
import sys
import tempfile
import threading
import time

from http_util import (Node, check, check_audit_replays, run_tests,
                       shopify_headers, shopify_order, stock_of)

SECRET = "shpss_crash_5e1f"
SKUS = [f"WHC-{i}" for i in range(5)]
INITIAL_ON_HAND = 1_000_000
THREADS = 8
ORDERS_PER_THREAD = 200
LINES_MAX = 3
QTY_MAX = 5
KILLS = 3
# Share of acknowledged deliveries sent once more (a channel's duplicate).
DUPLICATE_SHARE = 0.1
# Pause between attempts of one delivery after a failure (Shopify waits
# longer; the test only needs the retry, not the schedule).
RETRY_PAUSE_S = 0.05
# A delivery still unacknowledged after this long fails the test.
DELIVERY_DEADLINE_S = 120

TOML = f"""
[channels.shopify]
endpoint = "http://127.0.0.1:1"
webhook_secret = "{SECRET}"
"""


class Storm:
    def __init__(self, node):
        self.node = node
        self.lock = threading.Lock()
        self.acked = {}  # order id -> {sku: qty}
        self.acks = 0
        self.failures = 0
        self.errors = []

    def port(self):
        with self.lock:
            return self.node.port

    def deliver(self, client, order_id, lines, event_id):
        """Posts one delivery until it is acknowledged; returns the client
        (a new one after a connection failure)."""
        body = json.dumps(shopify_order(order_id, lines)).encode()
        deadline = time.monotonic() + DELIVERY_DEADLINE_S
        while True:
            check(time.monotonic() < deadline,
                  f"order {order_id} never acknowledged")
            headers = shopify_headers(SECRET, body, "orders/create", event_id)
            try:
                if client.port != self.port():
                    client.close()
                    client = self.node.client(timeout=10)
                st, _, doc = client.call("POST", "/webhooks/shopify", body,
                                         headers)
            except (OSError, http.client.HTTPException):
                client.close()
                client = self.node.client(timeout=10)
                with self.lock:
                    self.failures += 1
                time.sleep(RETRY_PAUSE_S)
                continue
            if st == 200:
                return client, doc
            check(st == 503, f"order {order_id}: {st} {doc}")
            time.sleep(RETRY_PAUSE_S)

    def run_thread(self, index):
        rng = random.Random(index)
        client = self.node.client(timeout=10)
        try:
            for n in range(ORDERS_PER_THREAD):
                order_id = 6_000_000_000 + index * 100_000 + n
                skus = rng.sample(SKUS, rng.randint(1, LINES_MAX))
                lines = [(s, rng.randint(1, QTY_MAX)) for s in skus]
                event_id = f"evt-{order_id}"
                client, doc = self.deliver(client, order_id, lines, event_id)
                statuses = {l["status"] for e in doc.get("events", [])
                            for l in e["lines"]}
                check(doc.get("replayed") or statuses == {"accepted"},
                      f"order {order_id}: {doc}")
                with self.lock:
                    self.acked[order_id] = dict(lines)
                    self.acks += 1
                if rng.random() < DUPLICATE_SHARE:
                    client, _ = self.deliver(client, order_id, lines,
                                             event_id)
        except Exception as e:  # reported by the main thread
            with self.lock:
                self.errors.append(f"thread {index}: {type(e).__name__}: {e}")
        finally:
            client.close()


def wait_for_acks(storm, count, threads):
    while True:
        with storm.lock:
            if storm.acks >= count or storm.errors:
                return
        if not any(t.is_alive() for t in threads):
            return
        time.sleep(0.01)


def test_storm_with_kills(binary, work):
    node = Node(binary, work, "crash", TOML).start()
    c = node.client()
    for sku in SKUS:
        st, _, doc = c.call("PUT", f"/v1/stock/{sku}",
                            {"on_hand": INITIAL_ON_HAND})
        check(st == 200, f"PUT {sku}: {st} {doc}")
    c.close()
    storm = Storm(node)
    threads = [threading.Thread(target=storm.run_thread, args=(i,))
               for i in range(THREADS)]
    for t in threads:
        t.start()
    total = THREADS * ORDERS_PER_THREAD
    for k in range(KILLS):
        wait_for_acks(storm, total * (k + 1) // (KILLS + 1), threads)
        with storm.lock:
            node.kill()
            at = storm.acks
        node.start()  # a new port: the clients follow storm.port()
        print(f"killed after {at} acknowledged deliveries; restarted",
              flush=True)
    for t in threads:
        t.join()
    check(not storm.errors, "; ".join(storm.errors))
    check(len(storm.acked) == total,
          f"{len(storm.acked)} of {total} deliveries acknowledged")
    print(f"{storm.failures} attempts failed on the connection", flush=True)

    c = node.client()
    taken = {sku: 0 for sku in SKUS}
    for order_id, lines in storm.acked.items():
        st, _, view = c.call("GET", f"/v1/orders/shopify:{order_id}")
        check(st == 200, f"acknowledged order {order_id} missing: {st}")
        got = {l["sku"]: (l["qty"], l["status"]) for l in view["lines"]}
        check(got == {s: (q, "accepted") for s, q in lines.items()},
              f"order {order_id}: {got}, acknowledged {lines}")
        for sku, qty in lines.items():
            taken[sku] += qty
    for sku in SKUS:
        view, records = check_audit_replays(c, sku)
        check(view["on_hand"] == INITIAL_ON_HAND - taken[sku],
              f"{sku}: on_hand {view['on_hand']}, expected "
              f"{INITIAL_ON_HAND} - {taken[sku]}")
        orders = [r for r in records if r["kind"] == "order"]
        check(len(orders) == len({r["op_id"] for r in orders}),
              f"{sku}: an order applied twice")
        check(stock_of(c, sku)["available"] == view["on_hand"],
              f"{sku}: something reserved")
    c.close()
    check(node.stop() == 0, "node did not stop cleanly")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="stockwire-webhook-crash-")
    code = 1
    try:
        code = run_tests([("storm_with_kills",
                           lambda: test_storm_with_kills(args.stockwired,
                                                         work))])
    finally:
        if code == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work directory kept: {work}")
    return code


if __name__ == "__main__":
    sys.exit(main())
