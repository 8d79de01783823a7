#!/usr/bin/env python3
"""The crash test of the SKU core, repeated over HTTP (issue 3).

Concurrent clients place orders (one or two lines, on SKUs with little
stock, so that some sell out) and cancel some of their accepted orders,
retrying every request with the same payload until it is acknowledged.
stockwired is killed with SIGKILL at a random moment, restarted on the
same data directory, several times. At the end the clients finish their
pending retries and the invariants are checked through the API:

  * the audit log of every SKU replays to its stock (consecutive versions,
    on_hand = initial - accepted + cancelled) and stock never went negative;
  * every acknowledged order line and cancel is in the audit log exactly
    once, and nothing else is (no order applied twice);
  * every acknowledged order, sent again, replays its original result.
"""
import argparse
import random
import shutil
import sys
import tempfile
import threading
import time

from http_util import Node, check, check_audit_replays, run_tests

SKUS = [f"CR-{i}" for i in range(16)]
INITIAL = 400
CLIENTS = 8
CANCEL_PROBABILITY = 0.1
FINAL_RETRIES_MAX = 200


class Worker:
    """One client: its requests, its acknowledgements and its one pending
    request, which survives kills until it is acknowledged."""

    def __init__(self, tid, seed):
        self.tid = tid
        self.rng = random.Random(seed * 1000 + tid)
        self.n = 0
        self.pending = None           # (path, body)
        self.acked_orders = []        # (body, reply)
        self.acked_cancels = []       # (order_id, sku, restored)
        self.cancellable = []         # (order_id, [skus]) with accepted lines
        self.problems = []

    def next_request(self):
        if self.cancellable and self.rng.random() < CANCEL_PROBABILITY:
            order_id, skus = self.cancellable.pop(
                self.rng.randrange(len(self.cancellable)))
            return (f"/v1/orders/{order_id}/cancel",
                    {"channel": "shop", "lines": [{"sku": s} for s in skus]})
        order_id = f"W{self.tid}-{self.n:06d}"
        self.n += 1
        skus = self.rng.sample(SKUS, self.rng.choice((1, 1, 2)))
        return ("/v1/orders",
                {"order_id": order_id, "channel": "shop",
                 "lines": [{"sku": s, "qty": self.rng.randint(1, 3)}
                           for s in skus]})

    def record(self, path, body, doc):
        if path == "/v1/orders":
            self.acked_orders.append((body, doc))
            accepted = [l["sku"] for l in doc["lines"]
                        if l["status"] == "accepted"]
            if accepted:
                self.cancellable.append((body["order_id"], accepted))
        else:
            order_id = path.split("/")[3]
            for line in doc["lines"]:
                self.acked_cancels.append(
                    (order_id, line["sku"], line["restored"]))

    def run(self, node, stop, finishing):
        try:
            self.loop(node, stop, finishing)
        except Exception as e:  # noqa: BLE001 - reported by verify()
            self.problems.append(f"client crashed: {type(e).__name__}: {e}")

    def loop(self, node, stop, finishing):
        c = node.client(timeout=10)
        failures = 0
        while True:
            if self.pending is None:
                if finishing or stop.is_set():
                    return
                self.pending = self.next_request()
            path, body = self.pending
            try:
                st, _, doc = c.call("POST", path, body)
            except Exception:  # noqa: BLE001 - killed node, or a hiccup
                if not finishing:
                    return
                failures += 1
                if failures > FINAL_RETRIES_MAX:
                    self.problems.append(f"{path}: the node stays unreachable")
                    return
                time.sleep(0.05)
                continue
            if st == 200 and all(l["status"] != "error" for l in doc["lines"]):
                self.record(path, body, doc)
                self.pending = None
            elif st == 503:
                failures += 1
                if finishing and failures > FINAL_RETRIES_MAX:
                    self.problems.append(f"{path}: 503 without end: {doc}")
                    return
                time.sleep(0.01)
            else:
                self.problems.append(f"{path} {body}: {st} {doc}")
                self.pending = None


def run_round(node, workers, finishing, kill_after_s=None):
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(node, stop, finishing))
               for w in workers]
    for t in threads:
        t.start()
    if kill_after_s is not None:
        time.sleep(kill_after_s)
        node.kill()
    stop.set()
    for t in threads:
        t.join()


def verify(node, workers):
    c = node.client()
    orders = {s: set() for s in SKUS}   # audit: accepted order ids per SKU
    cancels = {s: set() for s in SKUS}
    for sku in SKUS:
        view, records = check_audit_replays(c, sku)
        check(records[0]["kind"] == "set" and records[0]["on_hand"] == INITIAL,
              f"{sku}: the first audit record is not the seed")
        for r in records[1:]:
            target = orders if r["kind"] == "order" else cancels
            check(r["kind"] in ("order", "cancel"), f"{sku}: {r}")
            check(r["op_id"] not in target[sku],
                  f"{sku}: {r['kind']} {r['op_id']} applied twice")
            target[sku].add(r["op_id"])
    acked_orders = {s: set() for s in SKUS}
    acked_cancels = {s: set() for s in SKUS}
    for w in workers:
        check(not w.problems, f"client {w.tid}: {w.problems[:3]}")
        check(w.pending is None, f"client {w.tid}: a request never acked")
        for body, doc in w.acked_orders:
            for line in doc["lines"]:
                if line["status"] == "accepted":
                    acked_orders[line["sku"]].add(body["order_id"])
        for order_id, sku, restored in w.acked_cancels:
            if restored > 0:
                acked_cancels[sku].add(order_id)
    for sku in SKUS:
        check(orders[sku] == acked_orders[sku],
              f"{sku}: audit orders differ from acknowledged accepted lines "
              f"(+{sorted(orders[sku] - acked_orders[sku])[:3]} "
              f"-{sorted(acked_orders[sku] - orders[sku])[:3]})")
        check(cancels[sku] == acked_cancels[sku],
              f"{sku}: audit cancels differ from acknowledged cancels")
    replays = 0
    for w in workers:
        for body, doc in w.acked_orders:
            st, _, again = c.call("POST", "/v1/orders", body)
            check(st == 200, f"replay of {body['order_id']}: {st} {again}")
            for before, after in zip(doc["lines"], again["lines"]):
                check(after["replayed"] is True,
                      f"{body['order_id']}: not replayed: {again}")
                for field in ("sku", "status", "available", "version"):
                    check(before[field] == after[field],
                          f"{body['order_id']}: {field} changed on replay")
            replays += 1
    c.close()
    total_orders = sum(len(v) for v in acked_orders.values())
    total_cancels = sum(len(v) for v in acked_cancels.values())
    print(f"  verified {replays} acknowledged orders ({total_orders} accepted "
          f"lines, {total_cancels} cancels) over {len(SKUS)} SKUs",
          flush=True)


def test_crash_over_http(binary, work, kills, seed):
    rng = random.Random(seed)
    node = Node(binary, work, "crash").start()
    c = node.client()
    for sku in SKUS:
        st, _, doc = c.call("PUT", f"/v1/stock/{sku}",
                            {"on_hand": INITIAL, "idempotency_key": f"seed-{sku}"})
        check(st == 200, f"seed {sku}: {st} {doc}")
    c.close()
    workers = [Worker(t, seed) for t in range(CLIENTS)]
    for i in range(kills):
        delay = rng.uniform(0.5, 2.0)
        run_round(node, workers, finishing=False, kill_after_s=delay)
        acked = sum(len(w.acked_orders) for w in workers)
        print(f"  kill {i + 1}: SIGKILL after {delay:.2f} s, {acked} orders "
              f"acknowledged so far", flush=True)
        node.start()
    run_round(node, workers, finishing=True)
    acked = sum(len(w.acked_orders) for w in workers)
    check(acked >= 200, f"only {acked} orders acknowledged: load too light")
    verify(node, workers)
    check(node.stop() == 0, "the node did not stop cleanly at the end")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    ap.add_argument("--kills", type=int, default=4)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"http_crash_test: random seed {seed}", flush=True)
    work = tempfile.mkdtemp(prefix="stockwire-http-crash-")
    try:
        return run_tests([(f"SIGKILL x{args.kills} over HTTP, invariants hold",
                           lambda: test_crash_over_http(args.stockwired, work,
                                                        args.kills, seed))])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
