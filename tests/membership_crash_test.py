#!/usr/bin/env python3
"""SIGKILL in the middle of SKU moves (issue 6): each SKU keeps exactly one
durable owner copy, and a restarted node resumes the move.

The nodes kill themselves at a named point of the move protocol (the
STOCKWIRE_CRASH_POINT fault injection of actors/handoff.cpp), so each
window is hit for certain instead of by timing:

1. node4 joins (epoch 2). node4 dies right after committing its first
   import, before acknowledging it (the old owner still holds the SKUs and
   times out); node1 dies right after an acknowledgement arrives, before
   deleting its copies (both hold them, only node4 is routed to). Each is
   restarted without the crash point and the move completes.
2. node2 leaves (epoch 3) and dies right after releasing its first SKUs,
   before sending anything; restarted, it hands off everything.

Orders keep coming through node3 throughout. Afterwards: every SKU is held
by exactly its owner, every order that got no 200 is retried until it
does, every SKU's stock is exact and its audit replays, and every first
order replays its original result.

  membership_crash_test.py --stockwired build/bin/stockwired \\
      --fakechannel build/bin/fakechannel --ring-owner build/bin/ring_owner
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_util import check, run_in  # noqa: E402
from membership_test import (EPOCH1, EPOCH2, EPOCH3,  # noqa: E402
                             check_first_orders_replay, check_one_owner,
                             check_stock_exact, create_skus, retry_unacked,
                             setup, spread_load, start_epoch1, wait_settled)
from sync_util import poll  # noqa: E402

SKU_COUNT = 300
CRASH_DEADLINE_S = 30


def crash_env(point):
    return {"STOCKWIRE_CRASH_POINT": point}


def killed(cluster, name, point):
    """Waits until `name` killed itself at `point` (SIGKILL, logged)."""
    node = cluster.nodes[name]
    poll(f"{name} dies at {point}", lambda: node.proc.poll() is not None,
         CRASH_DEADLINE_S)
    code = node.proc.returncode
    node.proc = None
    check(code == -signal.SIGKILL, f"{name} exited with {code}")
    check(f"crash point {point} reached" in node.log_text(),
          f"{name} died elsewhere than at {point}")
    print(f"  {name} killed at {point}", flush=True)


def restart_with(cluster, name, point, epoch, members, previous):
    """Restarts `name` (SIGTERM) with the crash point armed; returns once
    it is settled (a node refuses a change while it is not)."""
    node = cluster.nodes[name]
    check(node.stop() == 0, f"{name} did not stop cleanly")
    cluster.configure(name, epoch, members, previous)
    node.start(env=crash_env(point))
    wait_settled(cluster, [name], epoch)


def main():
    workdir, cluster = setup("stockwire-membership-crash-")
    skus = [f"CR-{i}" for i in range(SKU_COUNT)]
    owners3 = cluster.owners(skus, EPOCH3)
    first_orders = {}
    load = spread_load(cluster, ["node3", "node3"], skus)

    def test_start():
        start_epoch1(cluster, skus)
        create_skus(cluster, "node1", skus, first_orders)
        load.start()

    def test_join_with_crashes_on_both_sides():
        previous = (1, EPOCH1)
        restart_with(cluster, "node1", "handoff.acked", 1, EPOCH1, None)
        cluster.configure("node4", 2, EPOCH2, previous)
        cluster.nodes["node4"].start(env=crash_env("handoff.imported"))
        for n in EPOCH1:
            cluster.configure(n, 2, EPOCH2, previous)
            cluster.hup(n)
        killed(cluster, "node4", "handoff.imported")
        cluster.nodes["node4"].start()
        killed(cluster, "node1", "handoff.acked")
        cluster.nodes["node1"].start()
        wait_settled(cluster, EPOCH2, 2)

    def test_leave_with_a_crash():
        previous = (2, EPOCH2)
        restart_with(cluster, "node2", "handoff.released", 2, EPOCH2,
                     (1, EPOCH1))
        wait_settled(cluster, EPOCH2, 2)
        for n in EPOCH2:
            cluster.configure(n, 3, EPOCH3, previous)
            cluster.hup(n)
        killed(cluster, "node2", "handoff.released")
        cluster.nodes["node2"].start()
        poll("node2 handed off everything",
             lambda: cluster.status("node2")["sweep_done"], 60)
        check(cluster.held("node2") == [], "node2 still holds SKUs")
        wait_settled(cluster, EPOCH3, 3)
        time.sleep(0.5)
        load.stop()
        print(f"  load: {len(load.orders)} orders, {len(load.unacked)} "
              f"without a 200 ({load.refused} were 503)", flush=True)
        check(cluster.nodes["node2"].stop() == 0, "node2 did not stop")

    def test_one_owner_exact_stock_replays():
        check_one_owner(cluster, EPOCH3, skus, owners3)
        retry_unacked(cluster, "node1", load)
        check_stock_exact(cluster, EPOCH3, skus, load)
        check_first_orders_replay(cluster, EPOCH3, skus, first_orders)

    tests = [
        ("three nodes, SKUs with a first order, load through node3",
         test_start),
        ("node4 joins; node4 killed after its commit, node1 before its "
         "delete; both restarted", test_join_with_crashes_on_both_sides),
        ("node2 leaves, killed after releasing SKUs; restarted, hands off "
         "everything", test_leave_with_a_crash),
        ("every SKU held once by its owner, stock exact, first orders "
         "replay", test_one_owner_exact_stock_replays),
    ]

    def stop():
        load.stop()
        cluster.stop_all()
    return run_in(workdir, tests, stop)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
