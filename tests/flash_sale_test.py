"""Process-level test of the flash-sale lab: the 1-minute scenario (preset
`ci`) on real processes, event path then polling, same seed. The lab exits 1
when its accounting does not balance (a purchase not delivered, counts of
the channel and of Stockwire apart, a SKU's stock not down by exactly its
accepted units), so its exit code is the main assertion; the test also
reads the runs' JSON and report to check the outputs the issue names.
No assertion depends on wall-clock speed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from http_util import check, run_tests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = os.path.join(ROOT, "lab", "flash_sale.py")
# The two runs take about a minute each plus start-up and drain.
LAB_TIMEOUT_S = 900

ARGS = None


def test_ci_scenario_balances_and_reports():
    with tempfile.TemporaryDirectory(prefix="flash-sale-test-") as out:
        proc = subprocess.run(
            [sys.executable, LAB, "--preset", "ci", "--bin", ARGS.bin,
             "--out", out], capture_output=True, text=True,
            timeout=LAB_TIMEOUT_S)
        print(proc.stdout, proc.stderr[-4000:], sep="\n")
        check(proc.returncode == 0,
              f"lab exited {proc.returncode} (1: accounting findings)")
        runs = {}
        for mode in ("event", "poll"):
            with open(os.path.join(out, mode + ".json")) as f:
                runs[mode] = json.load(f)
        for mode, run in runs.items():
            purchases = run["purchases"]
            check(purchases, f"{mode}: shoppers bought nothing")
            check(run["findings"] == [], f"{mode}: {run['findings']}")
            check(all(p["delivered"] for p in purchases),
                  f"{mode}: undelivered purchases")
            # Every purchase is accepted or an oversell, never both, and
            # the oversells are what Stockwire counted per channel.
            for ch, side in run["stockwire"].items():
                mine = [p for p in purchases if p["channel"] == ch]
                over = sum(1 for p in mine if p["cancelled"])
                check(side.get("accepted", 0) + side.get("rejected", 0)
                      == len(mine), f"{mode} {ch}: lines {side} vs "
                      f"{len(mine)} purchases")
                check(side.get("oversells", 0) == over,
                      f"{mode} {ch}: oversells {side} vs {over} cancelled")
            for sku, start in run["initial"].items():
                taken = sum(p["qty"] for p in purchases
                            if p["sku"] == sku and not p["cancelled"])
                check(start - run["final"][sku] == taken,
                      f"{mode} {sku}: {start} -> {run['final'][sku]}, "
                      f"{taken} accepted")
        poll_over = sum(p["cancelled"] for p in runs["poll"]["purchases"])
        check(poll_over > 0, "polling oversold nothing: the scenario does "
              "not exercise stale channels")
        with open(os.path.join(out, "summary.txt")) as f:
            summary = f.read()
        for ch in ("shopify", "amazon", "woocommerce", "ebay", "flipkart"):
            check(ch in summary, f"summary lacks {ch}")
        with open(os.path.join(out, "report.html")) as f:
            page = f.read()
        check(page.count("<svg") == 5, "report charts")
        check("<script" not in page, "report is static")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True,
                   help="directory of stockwired and fakechannel")
    ARGS = p.parse_args()
    sys.exit(run_tests([
        ("the 1-minute scenario balances and reports",
         test_ci_scenario_balances_and_reports),
    ]))
