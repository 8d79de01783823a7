#!/usr/bin/env python3
"""A full disk (not a full LMDB map): stockwired's data directory lives on a
tmpfs of a few MiB, orders are placed until the filesystem refuses the
writes (ENOSPC). Then:
  - the failing requests get 503 store_unavailable with Retry-After,
    /readyz says 503, reads keep working;
  - every acknowledged order is stored: stock == initial - acknowledged;
  - after a restart on the same (still full) directory, the same holds.

Needs root to mount the tmpfs; without it the test exits 77 and CTest
reports it as skipped (never as passed).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_util import Node, check, expect_error, run_tests  # noqa: E402

SKIP = 77
# Small enough to fill in a few seconds, large enough for LMDB to open.
TMPFS_SIZE = "3m"
INITIAL = 1_000_000
# Long order ids fill pages quickly.
ID_PAD = "x" * 150


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="stockwire-diskfull-")
    mnt = os.path.join(work, "disk")
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}",
                        "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"SKIP: cannot mount a tmpfs ({r.stderr.strip()})")
        shutil.rmtree(work, ignore_errors=True)
        return SKIP
    try:
        return run_tests([("full disk refuses writes, keeps what was "
                           "acknowledged, keeps serving reads",
                           lambda: full_disk(args.stockwired, work, mnt))])
    finally:
        subprocess.run(["umount", "-l", mnt])
        shutil.rmtree(work, ignore_errors=True)


def full_disk(binary, work, mnt):
    # The LMDB map (64 MiB) is far larger than the disk: the disk fills first.
    # Only the data directory is on the small disk (the log must stay
    # writable for the test to read it).
    node = Node(binary, work, "node", toml='[store]\nmap_size_mb = 64\n')
    node.data = os.path.join(mnt, "data")
    node.start()
    c = node.client()
    st, _, doc = c.call("PUT", "/v1/stock/SKU-1",
                        {"on_hand": INITIAL, "idempotency_key": "seed"})
    check(st == 200, f"seed: {st} {doc}")
    acknowledged = 0
    failures = 0
    first_failure = None
    # Orders until the disk refuses 20 in a row. A smaller transaction may
    # still fit after a refused one (LMDB reuses the pages the aborted one
    # freed), so single successes after a failure are legitimate: what
    # matters is that every refusal is a clean 503 and every 200 is kept.
    for i in range(200_000):
        res = c.call("POST", "/v1/orders", {
            "order_id": f"O-{i}-{ID_PAD}", "channel": "shopify",
            "lines": [{"sku": "SKU-1", "qty": 1}]})
        if res[0] == 200:
            check(res[2]["lines"][0]["status"] == "accepted", f"{res}")
            acknowledged += 1
            failures = 0
            continue
        doc = expect_error(res, 503, "store_unavailable", "order on full disk")
        first_failure = first_failure or doc["error"]["message"]
        failures += 1
        if failures == 20:
            break
    check(failures == 20, "the disk never filled up")
    print(f"disk full after {acknowledged} orders: {first_failure}")
    # /readyz reflects the journal's health, polled about once a second.
    deadline = time.monotonic() + 10
    st = None
    while time.monotonic() < deadline:
        st, _, _ = c.call("GET", "/readyz")
        if st == 503:
            break
        time.sleep(0.1)
    check(st == 503, f"readyz on a full disk: {st}")
    st, _, view = c.call("GET", "/v1/stock/SKU-1")
    check(st == 200, f"read on a full disk: {st} {view}")
    check(view["on_hand"] == INITIAL - acknowledged,
          f"stock {view['on_hand']} != {INITIAL} - {acknowledged}")
    c.close()
    node.kill()
    node.start()
    c = node.client()
    st, _, view = c.call("GET", "/v1/stock/SKU-1")
    check(st == 200, f"read after restart: {st} {view}")
    check(view["on_hand"] == INITIAL - acknowledged,
          f"after restart: stock {view['on_hand']} != "
          f"{INITIAL} - {acknowledged}")
    c.close()
    node.kill()


if __name__ == "__main__":
    sys.exit(main())
