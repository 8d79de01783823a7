#!/usr/bin/env python3
"""Process-level crash test of the SKU core (issue 2).

Seeds a data directory, then several times: runs sku_crash_driver under
load (many senders, one hot SKU, retries and cancels) and kills it with
SIGKILL at a random moment. A last run re-sends what was never acknowledged
and stops cleanly; then `verify` checks, for every SKU, that the audit log
replays to the stored stock (on_hand == initial - accepted + cancelled),
that every acknowledged order and cancel is stored as acknowledged, that no
order was applied twice and that stock never went negative.
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--skus", type=int, default=40)
    ap.add_argument("--senders", type=int, default=32)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--wal", action="store_true",
                    help="acknowledge after a write-ahead log append")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"crash_test: random seed {seed}", flush=True)
    work = tempfile.mkdtemp(prefix="stockwire-crash-")
    data = os.path.join(work, "data")
    log = os.path.join(work, "acks.log")
    common = ["--data-dir", data, "--skus", str(args.skus),
              "--wal", "1" if args.wal else "0"]
    try:
        # A --wal other than 0 or 1 is refused before anything is written.
        bad = subprocess.run(
            [args.driver, "seed", "--data-dir", data, "--wal", "yes"],
            capture_output=True, text=True)
        if (bad.returncode != 2
                or bad.stderr.strip() != "--wal takes 0 or 1, not 'yes'"
                or os.path.exists(data)):
            print(f"crash_test FAILED: --wal yes gave {bad.returncode}, "
                  f"{bad.stderr.strip()!r}, data dir exists: "
                  f"{os.path.exists(data)}")
            return 1
        run([args.driver, "seed", *common, "--stock", "100000"])
        for i in range(args.kills):
            proc = subprocess.Popen(
                [args.driver, "load", *common, "--senders", str(args.senders),
                 "--log", log])
            delay = rng.uniform(0.5, 2.0)
            time.sleep(delay)
            if proc.poll() is not None:
                print(f"driver exited early with {proc.returncode}")
                return 1
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            with open(log) as f:
                acked = sum(1 for line in f if line.startswith("A "))
            print(f"kill {i + 1}: SIGKILL after {delay:.2f} s, "
                  f"{acked} acknowledgements so far", flush=True)
        run([args.driver, "load", *common, "--senders", str(args.senders),
             "--log", log, "--seconds", "1"])
        run([args.driver, "verify", *common, "--stock", "100000",
             "--log", log])
    except subprocess.CalledProcessError as e:
        print(f"crash_test FAILED (seed {seed}): {e}")
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("crash_test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
