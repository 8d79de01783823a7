#!/usr/bin/env python3
"""Sync-lag benchmark: orders at a chosen rate against one stockwired wired
to all five fake channels (their real default rate limits, 20 ms latency),
then the sync lag per channel and the pushes sent against the changes made.

  python3 bench/sync_bench.py --rate 500 --seconds 30           # hot SKU
  python3 bench/sync_bench.py --skus 2000 --rate 500 --seconds 20

Hot-SKU mode (--skus 1): one SKU with stock for ~90% of the run, so it sells
out near the end; prints p50/p99/max sync lag per channel (the node's own
histogram, GET /v1/lag), pushes per channel vs changes, 429s per channel,
and how long after the sell-out order each channel showed 0 (eBay's
revision budget keeps a reserve for exactly this).
Catalogue mode (--skus N): orders spread over N SKUs; after the run, waits
until every channel shows the exact final quantity of every SKU and prints
how long that took.

Binaries default to build/bin; a fresh temporary data directory per run.
Python 3 standard library only. Prints figures; asserts nothing about time.
"""
import argparse
import os
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from fake_util import Fake  # noqa: E402
from http_util import Client, Node  # noqa: E402
from sync_util import (CHANNELS, channels_toml, list_many,  # noqa: E402
                       set_stock, wait_converged)

FAKE_LATENCY = "".join(f"[{ch}]\nlatency_ms = 20\n" for ch in CHANNELS)


def drive(port, rate, seconds, skus, channels, results, worker, workers):
    """Places orders at rate/workers per second for `seconds`."""
    client = Client(port, timeout=10)
    per_worker = rate / workers
    start = time.monotonic()
    i = 0
    while True:
        due = start + i / per_worker
        now = time.monotonic()
        if due - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        n = 1 + (i * workers + worker) % skus
        oid = f"B-{worker}-{i}"
        st, _, doc = client.call("POST", "/v1/orders", {
            "order_id": oid, "channel": channels[i % len(channels)],
            "lines": [{"sku": f"BENCH-{n}", "qty": 1}]})
        if st == 200:
            line = doc["lines"][0]
            if line["status"] == "accepted":
                results["accepted"] += 1
                if line["available"] == 0 and "sold_out_at" not in results:
                    results["sold_out_at"] = time.monotonic()
            else:
                results["rejected"] += 1
        else:
            results["errors"] += 1
        i += 1
    client.close()


def main():
    p = argparse.ArgumentParser()
    root = os.path.join(HERE, "..", "build", "bin")
    p.add_argument("--stockwired", default=os.path.join(root, "stockwired"))
    p.add_argument("--fakechannel", default=os.path.join(root, "fakechannel"))
    p.add_argument("--rate", type=float, default=500)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--skus", type=int, default=1)
    p.add_argument("--workers", type=int, default=4)
    args = p.parse_args()

    work = tempfile.mkdtemp(prefix="sync-bench-")
    fake = Fake(args.fakechannel, work, "fake", FAKE_LATENCY)
    node = Node(args.stockwired, work, "bench",
                channels_toml(fake))
    node.start()
    try:
        c = node.client()
        total = int(args.rate * args.seconds)
        hot = args.skus == 1
        stock = max(1, int(total * 0.9)) if hot else max(
            1, 2 * total // args.skus)
        numbered = [(f"BENCH-{n}", n) for n in range(1, args.skus + 1)]
        for sku, n in numbered:
            set_stock(c, sku, stock, f"bench-init-{n}")
        list_many(c, numbered)
        t_setup = time.monotonic()
        wait_converged(fake, {k: stock for k in numbered}, deadline_s=900)
        print(f"initial sync: {args.skus} SKUs x {len(CHANNELS)} channels "
              f"shown in {time.monotonic() - t_setup:.1f} s")
        c.close()  # idle while waiting: the node may have closed it
        before = fake.counters()
        results = {"accepted": 0, "rejected": 0, "errors": 0}
        shared = [dict(results) for _ in range(args.workers)]
        threads = [threading.Thread(target=drive, args=(
            node.port, args.rate, args.seconds, args.skus, CHANNELS,
            shared[w], w, args.workers)) for w in range(args.workers)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        sold_out_at = None
        shown_zero = {}
        while any(t.is_alive() for t in threads) or (
                hot and sold_out_at is not None and
                len(shown_zero) < len(CHANNELS) and
                time.monotonic() - sold_out_at < 30):
            sold = [r["sold_out_at"] for r in shared if "sold_out_at" in r]
            if hot and sold and sold_out_at is None:
                sold_out_at = min(sold)
            if hot and sold_out_at is not None:
                # When each channel acknowledged quantity 0 (Amazon then
                # applies it apply_delay_ms later, as the real one does).
                for ch in CHANNELS:
                    if ch in shown_zero:
                        continue
                    st, _, doc = c.call("GET", f"/v1/listings/{ch}/BENCH-1")
                    sync = doc.get("sync") if st == 200 else None
                    if sync and sync["shown"] == 0:
                        shown_zero[ch] = time.monotonic() - sold_out_at
            time.sleep(0.01)
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        for key in results:
            results[key] = sum(r[key] for r in shared)
        changes = results["accepted"]
        print(f"orders: {results['accepted'] + results['rejected']} in "
              f"{elapsed:.1f} s ({(results['accepted'] + results['rejected']) / elapsed:.0f}/s), "
              f"accepted {results['accepted']}, rejected {results['rejected']}, "
              f"errors {results['errors']}; SKUs {args.skus}")
        if not hot:
            expected = {}
            for n in range(1, args.skus + 1):
                st, _, doc = c.call("GET", f"/v1/stock/BENCH-{n}")
                expected[(f"BENCH-{n}", n)] = doc["available"]
            t1 = time.monotonic()
            c.close()
            wait_converged(fake, expected, deadline_s=900)
            print(f"converged: every channel shows the exact final quantity "
                  f"of all {args.skus} SKUs {time.monotonic() - t1:.1f} s "
                  f"after the last order")
        # Let the last pushes land and the connectors' periodic report
        # (every second) reach the metrics actor.
        time.sleep(2)
        after = fake.counters()
        c.close()
        st, _, lag = c.call("GET", "/v1/lag")
        print(f"{'channel':<12} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>9} "
              f"{'samples':>8} {'pushes':>7} {'changes':>8} {'429s':>5}"
              + ("  sold-out acked after" if hot else ""))
        for x in lag["channels"]:
            ch = x["channel"]
            s = x["since_start"]
            pushes = after[ch]["requests"] - before[ch]["requests"]
            throttled = after[ch]["throttled"] - before[ch]["throttled"]
            extra = ""
            if hot:
                z = shown_zero.get(ch)
                extra = f"  {z * 1000:.0f} ms" if z is not None else "  never"
            print(f"{ch:<12} {s['p50_ms']:>8.1f} {s['p99_ms']:>8.1f} "
                  f"{s['max_ms']:>9.1f} {s['count']:>8} {pushes:>7} "
                  f"{changes:>8} {throttled:>5}{extra}")
        print("lag = from the node receiving a change to the channel "
              "acknowledging a push carrying it (per change, since start); "
              "pushes = requests the fake channel received during the run")
    finally:
        node.stop()
        fake.stop()


if __name__ == "__main__":
    sys.exit(main())
