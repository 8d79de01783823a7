#!/usr/bin/env python3
"""A full disk (not a full LMDB map): stockwired's data directory lives on a
tmpfs of a few MiB, orders are placed until the filesystem refuses the
writes (ENOSPC). Then:
  - the failing requests get 503 store_unavailable with Retry-After,
    /readyz says 503, reads keep working;
  - every acknowledged order is stored: stock == initial - acknowledged;
  - after a restart on the same (still full) directory, the same holds.
Twice: with the write-ahead log (the default: a write is acknowledged from
the log, so room for it in the store is reserved before) and without it.

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
    mounts = []

    def mount(name):
        mnt = os.path.join(work, name)
        os.makedirs(mnt)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o",
                            f"size={TMPFS_SIZE}", "tmpfs", mnt],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return None, r.stderr.strip()
        mounts.append(mnt)
        return mnt, None

    try:
        with_log, why = mount("disk-log")
        without_log, why_not = mount("disk-nolog")
        if with_log is None or without_log is None:
            print(f"SKIP: cannot mount a tmpfs ({why or why_not})")
            return SKIP
        return run_tests([
            ("full disk with the write-ahead log refuses writes, keeps what "
             "was acknowledged, keeps serving reads",
             lambda: full_disk(args.stockwired, work, with_log, log=True)),
            ("full disk without the log refuses writes, keeps what was "
             "acknowledged, keeps serving reads",
             lambda: full_disk(args.stockwired, work, without_log, log=False)),
        ])
    finally:
        for mnt in mounts:
            subprocess.run(["umount", "-l", mnt])
        shutil.rmtree(work, ignore_errors=True)


def full_disk(binary, work, mnt, log):
    # The LMDB map (64 MiB) is far larger than the disk: the disk fills first.
    # Only the data directory is on the small disk (the process's log file
    # must stay writable for the test to read it). The write-ahead log, when
    # on, takes 1 MiB of the disk from the start.
    toml = "[store]\nmap_size_mb = 64\n" + (
        "write_ahead_log = true\nlog_size_mb = 1\n" if log
        else "write_ahead_log = false\n")
    node = Node(binary, work, "log" if log else "nolog", toml=toml)
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
