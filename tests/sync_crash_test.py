#!/usr/bin/env python3
"""Crash test of channel sync (DESIGN.md invariant 4): SIGKILL stockwired
while pushes are pending; after a restart every channel ends up showing the
exact final quantity of every SKU.

The fake channels answer slowly (300 ms) so that pushes are in flight and
queued when the node dies. Orders keep arriving until the kill; the final
quantities are read from the restarted node (every acknowledged order is
durable, DESIGN.md invariant 3). After the restart no SKU is touched: only
the outbox recovery can bring the channels up to date. Python 3 standard
library only; timing is never asserted.
"""
import argparse
import random
import sys
import tempfile
import threading
import time

from fake_util import Fake
from http_util import Node, TestFailure, check, run_tests
from sync_util import (channels_toml, list_everywhere, set_stock,
                       wait_converged)

SKUS = 30
FAKE_SLOW = "".join(f"[{ch}]\nlatency_ms = 300\n"
                    for ch in ["shopify", "woocommerce", "ebay", "flipkart"])
FAKE_SLOW += "[amazon]\nlatency_ms = 300\napply_delay_ms = 100\n"


def drive_orders(port, stop, seed):
    """Places orders until `stop` is set; ignores failures (the node dies)."""
    from http_util import Client
    rng = random.Random(seed)
    client = Client(port, timeout=5)
    i = 0
    while not stop.is_set():
        batch = [{"order_id": f"K-{seed}-{i + k}",
                  "channel": rng.choice(["shopify", "amazon", "ebay"]),
                  "lines": [{"sku": f"CR-{rng.randint(1, SKUS)}", "qty": 1}]}
                 for k in range(20)]
        i += 20
        try:
            client.call("POST", "/v1/orders:batch", batch)
        except Exception:  # the node was killed mid-request
            client.close()
            time.sleep(0.05)


def test_kill_with_pushes_pending(args, workdir):
    fake = Fake(args.fakechannel, workdir, "crash-fake", FAKE_SLOW)
    # eBay's daily revision budget would pace the many changes over hours.
    node = Node(args.stockwired, workdir, "crash", channels_toml(
        fake, {"ebay": "revisions_per_day = 0\n"}))
    try:
        node.start()
        c = node.client()
        for n in range(1, SKUS + 1):
            set_stock(c, f"CR-{n}", 500, f"init-{n}")
            list_everywhere(c, f"CR-{n}", n)
        stop = threading.Event()
        driver = threading.Thread(target=drive_orders,
                                  args=(node.port, stop, 1))
        driver.start()
        # Kill once the channels owe pushes (backlog > 0 somewhere).
        deadline = time.monotonic() + 30
        backlog = 0
        while time.monotonic() < deadline and backlog == 0:
            time.sleep(0.3)
            st, _, doc = c.call("GET", "/v1/channels")
            backlog = sum(ch["backlog"] for ch in doc["channels"])
        check(backlog > 0, "no push was ever pending")
        node.kill()
        stop.set()
        driver.join()
        c.close()
        node.start()
        c = node.client()
        expected = {}
        for n in range(1, SKUS + 1):
            st, _, doc = c.call("GET", f"/v1/stock/CR-{n}")
            check(st == 200, f"stock CR-{n}: {st}")
            expected[(f"CR-{n}", n)] = doc["available"]
        check(any(v < 500 for v in expected.values()), "no order landed")
        check("pushes pending from before the restart" in node.log_text(),
              "the restart found no pending outbox entries")
        wait_converged(fake, expected, deadline_s=120)
        code = node.stop()
        check(code == 0, f"stockwired exited with {code}")
    except TestFailure:
        print(node.log_text()[-3000:], file=sys.stderr)
        raise
    finally:
        if node.proc is not None:
            node.kill()
        fake.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stockwired", required=True)
    parser.add_argument("--fakechannel", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        return run_tests([("kill_with_pushes_pending",
                           lambda: test_kill_with_pushes_pending(args,
                                                                 workdir))])


if __name__ == "__main__":
    sys.exit(main())
