#!/usr/bin/env python3
"""Graceful shutdown of stockwired under load (issue 3).

Clients send orders on keep-alive connections; SIGTERM arrives in the
middle. The node must exit with 0 after answering what it had read, and
after a restart on the same data directory every acknowledged order must
be there: a retry replays its original result, the audit log holds it
exactly once and replays to the stored stock.
"""
import argparse
import random
import shutil
import sys
import tempfile
import threading
import time

from http_util import Node, check, check_audit_replays, run_tests

SKUS = [f"SD-{i}" for i in range(8)]
INITIAL = 1_000_000
CLIENTS = 8
LOAD_BEFORE_SIGTERM_S = 1.5


def order_body(order_id, sku, qty):
    return {"order_id": order_id, "channel": "shop",
            "lines": [{"sku": sku, "qty": qty}]}


def client_loop(node, tid, acked, problems, stop):
    rng = random.Random(tid)
    c = node.client()
    n = 0
    while not stop.is_set():
        order_id = f"T{tid}-{n:06d}"
        n += 1
        body = order_body(order_id, rng.choice(SKUS), rng.randint(1, 3))
        try:
            st, _, doc = c.call("POST", "/v1/orders", body)
        except Exception:  # noqa: BLE001 - the node went away: done
            return
        if st == 200:
            acked.append((body, doc["lines"][0]))
        elif st != 503:
            problems.append(f"{order_id}: unexpected {st}: {doc}")
            return


def test_sigterm_under_load(binary, work):
    node = Node(binary, work, "shutdown").start()
    c = node.client()
    for sku in SKUS:
        st, _, doc = c.call("PUT", f"/v1/stock/{sku}",
                            {"on_hand": INITIAL, "idempotency_key": f"seed-{sku}"})
        check(st == 200, f"seed {sku}: {st} {doc}")
    c.close()
    acked, problems, stop = [], [], threading.Event()
    threads = [threading.Thread(target=client_loop,
                                args=(node, t, acked, problems, stop))
               for t in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(LOAD_BEFORE_SIGTERM_S)
    code = node.stop()
    stop.set()
    for t in threads:
        t.join()
    check(not problems, f"clients saw errors: {problems[:3]}")
    check(code == 0, f"stockwired exited with {code} after SIGTERM")
    log = node.log_text()
    check("SIGTERM received" in log and "stopped cleanly" in log,
          f"shutdown not logged:\n{log}")
    check(len(acked) > 100, f"only {len(acked)} orders acknowledged")
    print(f"  {len(acked)} orders acknowledged before the shutdown", flush=True)

    node.start()
    c = node.client()
    for body, line in acked:
        st, _, doc = c.call("POST", "/v1/orders", body)
        check(st == 200, f"retry of {body['order_id']}: {st} {doc}")
        again = doc["lines"][0]
        check(again["replayed"] is True, f"{body['order_id']} was lost: {doc}")
        for field in ("status", "available", "version"):
            check(again[field] == line[field],
                  f"{body['order_id']}: {field} {again[field]} after restart, "
                  f"{line[field]} when acknowledged")
    taken = {sku: 0 for sku in SKUS}
    for sku in SKUS:
        view, records = check_audit_replays(c, sku)
        ids = [r["op_id"] for r in records if r["kind"] == "order"]
        check(len(ids) == len(set(ids)), f"{sku}: an order applied twice")
        taken[sku] = INITIAL - view["on_hand"]
        recorded = set(ids)
        for body, line in acked:
            if body["lines"][0]["sku"] == sku and line["status"] == "accepted":
                check(body["order_id"] in recorded,
                      f"{body['order_id']} acknowledged but not in the audit")
    acked_taken = sum(b["lines"][0]["qty"] for b, l in acked
                      if l["status"] == "accepted")
    check(sum(taken.values()) >= acked_taken,
          "less stock taken than acknowledged")
    c.close()
    check(node.stop() == 0, "the restarted node did not stop cleanly")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="stockwire-shutdown-")
    try:
        return run_tests([("SIGTERM under load: exit 0, nothing lost",
                           lambda: test_sigterm_under_load(args.stockwired,
                                                           work))])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
