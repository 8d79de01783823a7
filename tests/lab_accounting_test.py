"""Unit tests of the flash-sale lab's accounting and report (pure Python:
no processes). The process-level run of the lab is flash_sale_test.py.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lab"))

import accounting  # noqa: E402
import report  # noqa: E402
from scenario import Scenario  # noqa: E402

from http_util import check, run_tests  # noqa: E402


def purchase(t_ms, channel, order_id, sku, cancelled=False, qty=1,
             shown_before=1, delivered=True):
    return {"t_ms": t_ms, "channel": channel, "order_id": order_id,
            "sku": sku, "qty": qty, "shown_before": shown_before,
            "delivered": delivered, "cancelled": cancelled}


# Two SKUs of 2 units: shopify sells both of A, amazon oversells A once,
# woocommerce sells one B.
PURCHASES = [
    purchase(100, "shopify", "1", "A"),
    purchase(200, "shopify", "2", "A"),
    purchase(250, "amazon", "111-1", "A", cancelled=True),
    purchase(300, "woocommerce", "7", "B"),
]
CHANNEL_SIDE = {"shopify": {"purchases": 2, "cancellations": 0},
                "amazon": {"purchases": 1, "cancellations": 1},
                "woocommerce": {"purchases": 1, "cancellations": 0}}
STOCKWIRE_SIDE = {"shopify": {"accepted": 2},
                  "amazon": {"rejected": 1, "oversells": 1,
                             "oversold_units": 1},
                  "woocommerce": {"accepted": 1}}
INITIAL = {"A": 2, "B": 2}
FINAL = {"A": 0, "B": 1}


def copy_side(side):
    return {ch: dict(v) for ch, v in side.items()}


def test_balanced_books_have_no_findings():
    findings = accounting.reconcile(PURCHASES, CHANNEL_SIDE, STOCKWIRE_SIDE,
                                    INITIAL, FINAL)
    check(findings == [], f"findings: {findings}")


def test_each_imbalance_is_named():
    cases = []
    # A purchase that never reached Stockwire.
    undelivered = PURCHASES[:3] + [dict(PURCHASES[3], delivered=False)]
    cases.append(("never reached", undelivered, CHANNEL_SIDE,
                  STOCKWIRE_SIDE, FINAL))
    # The channel received no cancellation for amazon's oversell.
    chan = copy_side(CHANNEL_SIDE)
    chan["amazon"]["cancellations"] = 0
    cases.append(("cancellations the channel received", PURCHASES, chan,
                  STOCKWIRE_SIDE, FINAL))
    # Stockwire counted an extra oversell.
    sw = copy_side(STOCKWIRE_SIDE)
    sw["amazon"]["oversells"] = 2
    cases.append(("oversells Stockwire counted", PURCHASES, CHANNEL_SIDE,
                  sw, FINAL))
    # Stockwire decided fewer lines than the channel sold.
    sw = copy_side(STOCKWIRE_SIDE)
    sw["shopify"]["accepted"] = 1
    cases.append(("order lines Stockwire decided", PURCHASES, CHANNEL_SIDE,
                  sw, FINAL))
    # A's stock fell by more than its accepted purchases.
    cases.append(("units were accepted", PURCHASES, CHANNEL_SIDE,
                  STOCKWIRE_SIDE, {"A": 0, "B": 0}))
    # A purchase of a listing that showed nothing.
    shown = [dict(PURCHASES[0], shown_before=0)] + PURCHASES[1:]
    cases.append(("showed no stock", shown, CHANNEL_SIDE, STOCKWIRE_SIDE,
                  FINAL))
    for phrase, purchases, chan, sw, final in cases:
        findings = accounting.reconcile(purchases, chan, sw, INITIAL, final)
        check(any(phrase in f for f in findings),
              f"expected a finding with {phrase!r}, got {findings}")


def test_exposure_integrates_rate_over_the_time_shown():
    # Sold out at 1 s; ebay showed 1 unit until 3 s, then 0; amazon never
    # showed it after the sell-out; 2 purchases/s per channel, share 0.5.
    s = Scenario(rate_per_s=2.0, burst_start_s=100, burst_duration_s=10)
    timelines = {"A": {"ebay": [(0, 2), (500, 1), (3000, 0)],
                       "amazon": [(0, 2), (900, 0)]}}
    out = accounting.exposure({"A": 1000}, timelines, {"A": 0.5},
                              s.rate_integral, end_ms=10000)
    check(abs(out["ebay"]["exposed_s"] - 2.0) < 1e-9, f"{out}")
    check(abs(out["ebay"]["expected"] - 2.0) < 1e-9, f"{out}")
    check(out["amazon"]["exposed_s"] == 0.0, f"{out}")


def test_rate_integral_counts_the_burst():
    s = Scenario(rate_per_s=1.0, burst_start_s=10, burst_duration_s=5,
                 burst_multiplier=10)
    check(s.rate_integral(0, 10) == 10, "normal phase")
    check(s.rate_integral(8, 12) == 2 + 20, "into the burst")
    check(s.rate_integral(0, 20) == 15 + 50, "across the burst")


def test_lag_formula_skips_the_origin_channel():
    out = accounting.lag_formula(
        {"A": 1000}, {"A": "shopify"}, {"A": 0.5}, lambda t: 2.0,
        {"shopify": 1.0, "ebay": 0.25})
    check("shopify" not in out or out["shopify"] == 0, f"{out}")
    check(abs(out["ebay"] - 0.25) < 1e-9, f"{out}")


def fake_run(mode, purchases):
    s = Scenario(mode=mode, duration_s=10, burst_start_s=4,
                 burst_duration_s=2, skus=2, on_hand=2)
    lag = {ch: {"p50_ms": 40.0, "p99_ms": 120.0, "max_ms": 300.0,
                "mean_ms": 50.0, "count": 3} for ch in report.CHANNELS}
    return {
        "scenario": s.describe(), "purchases": purchases, "findings": [],
        "lag": lag, "exposure": {"amazon": {"expected": 0.8,
                                            "exposed_s": 1.2}},
        "formula": {"amazon": 0.5}, "hottest": "A",
        "truth": {"A": [(100, 1), (200, 0)]},
        "histories": {"A": {"amazon": [(0, 2), (150, 1), (400, 0)]}},
        "pushes": {ch: {"requests": 5, "accepted": 5, "throttled": 0,
                        "errors": 0} for ch in report.CHANNELS},
        "samples": [{"t_s": 1.0, "lag": [{"channels": [
            {"channel": "amazon",
             "last_minute": {"count": 2, "p99_ms": 120.0}}]}]}],
    }


def test_report_compares_the_runs_and_marks_oversells():
    poll = [purchase(1000 * i, "amazon", f"p{i}", "A", cancelled=i > 1)
            for i in range(1, 203)]
    runs = {"event": fake_run("event", PURCHASES),
            "poll": fake_run("poll", poll)}
    ratio, text = report.ratio_text(runs)
    check(ratio == 201, f"ratio {ratio}")
    check("meets" in text, text)
    summary = report.summary_text(runs)
    check("oversold 1 units" in summary and "oversold 201 units" in summary,
          summary)
    page = report.html_report(runs, summary)
    check(page.count("<svg") == 5, "one cumulative chart, two per run")
    check("oversell: amazon order 111-1" in page, "event oversell marked")
    check("http" not in page.replace("http://www.w3.org/2000/svg", ""),
          "the report fetches nothing")
    none = {"event": fake_run("event", PURCHASES[:2]),
            "poll": fake_run("poll", poll)}
    ratio, text = report.ratio_text(none)
    check(ratio == float("inf") and "infinitely" in text, text)


if __name__ == "__main__":
    sys.exit(run_tests([
        ("balanced books have no findings",
         test_balanced_books_have_no_findings),
        ("each imbalance is named", test_each_imbalance_is_named),
        ("exposure integrates rate over the time shown",
         test_exposure_integrates_rate_over_the_time_shown),
        ("rate integral counts the burst",
         test_rate_integral_counts_the_burst),
        ("lag formula skips the origin channel",
         test_lag_formula_skips_the_origin_channel),
        ("report compares the runs and marks oversells",
         test_report_compares_the_runs_and_marks_oversells),
    ]))
