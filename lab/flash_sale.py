#!/usr/bin/env python3
"""The flash-sale lab: the same flash sale, same seed, against channels kept
in sync by Stockwire's event path and by scheduled polling; oversells
counted, sync lag measured, a text summary and an HTML report written.

  python3 lab/flash_sale.py --preset full --out lab-out
  python3 lab/flash_sale.py --preset ci --modes event,poll --cluster

Writes to --out: summary.txt, report.html, and <mode>.json (everything a
run measured). Exit codes: 0 the runs completed and their accounting
balances, 1 the accounting of a run does not balance (the findings are in
the summary), 2 bad usage, 3 a run failed (a process did not start, the
channels did not converge, the lab did not drain).
"""
import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import report  # noqa: E402
from procs import LabError  # noqa: E402
from run import Run  # noqa: E402
from scenario import PRESETS, Scenario  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", choices=sorted(PRESETS), default="full")
    p.add_argument("--modes", default="event,poll",
                   help="comma-separated runs, in order (event, poll)")
    p.add_argument("--cluster", action="store_true",
                   help="three nodes instead of one")
    p.add_argument("--seed", type=int)
    p.add_argument("--duration", type=float, dest="duration_s")
    p.add_argument("--burst-start", type=float, dest="burst_start_s")
    p.add_argument("--burst-duration", type=float, dest="burst_duration_s")
    p.add_argument("--burst-multiplier", type=float)
    p.add_argument("--rate", type=float, dest="rate_per_s",
                   help="purchases per second per channel, normal phase")
    p.add_argument("--zipf", type=float, dest="zipf_s")
    p.add_argument("--skus", type=int)
    p.add_argument("--on-hand", type=int)
    p.add_argument("--poll-interval", type=int, dest="poll_interval_s")
    p.add_argument("--bin", default=None,
                   help="directory of stockwired and fakechannel "
                        "(default: build/bin of this repository)")
    p.add_argument("--out", default="lab-out")
    p.add_argument("--from", dest="from_dir", default=None,
                   help="run nothing: write the summary and report again "
                        "from the <mode>.json files in this directory")
    p.add_argument("--work", default=None,
                   help="where the runs' configs, data and logs go "
                        "(default: a temporary directory, removed)")
    args = p.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or any(m not in ("event", "poll") for m in modes):
        p.error("--modes takes event and/or poll")
    return args, modes


def main(argv):
    args, modes = parse_args(argv)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bin_dir = args.bin or os.path.join(root, "build", "bin")
    overrides = {k: getattr(args, k) for k in (
        "seed", "duration_s", "burst_start_s", "burst_duration_s",
        "burst_multiplier", "rate_per_s", "zipf_s", "skus", "on_hand",
        "poll_interval_s")}
    os.makedirs(args.out, exist_ok=True)
    if args.from_dir:
        runs = {}
        for mode in modes:
            with open(os.path.join(args.from_dir, mode + ".json")) as f:
                runs[mode] = json.load(f)
        return write_outputs(runs, args.out)
    work_ctx = (tempfile.TemporaryDirectory(prefix="flash-sale-")
                if args.work is None else None)
    work = args.work or work_ctx.name
    runs = {}
    try:
        for mode in modes:
            scenario = Scenario.preset(args.preset, mode=mode,
                                       cluster=args.cluster, **overrides)
            run = Run(bin_dir, os.path.join(work, mode), scenario,
                      log=lambda m: print(m, file=sys.stderr, flush=True))
            try:
                runs[mode] = run.run()
            except LabError as e:
                print(f"flash-sale: the {mode} run failed: {e}",
                      file=sys.stderr)
                return 3
            with open(os.path.join(args.out, f"{mode}.json"), "w") as f:
                json.dump(runs[mode], f)
    finally:
        if work_ctx is not None:
            work_ctx.cleanup()
    return write_outputs(runs, args.out)


def write_outputs(runs, out):
    """summary.txt and report.html in `out`; the exit code of the lab."""
    summary = report.summary_text(runs)
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(summary)
    with open(os.path.join(out, "report.html"), "w") as f:
        f.write(report.html_report(runs, summary))
    print(summary, end="")
    print(f"report: {os.path.join(out, 'report.html')}")
    return 1 if any(r["findings"] for r in runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
