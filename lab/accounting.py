"""The lab's accounting (pure: data in, figures and findings out).

Inputs, all read after the shoppers stopped and the lab drained:
  purchases   the storefront's log (GET /_fake/purchases): t_ms, channel,
              order_id, sku, qty, shown_before, delivered, cancelled
  channel     per channel from the storefront (GET /_fake/storefront):
              purchases, units, cancellations
  stockwire   per channel from the node(s)' /metrics: order lines accepted
              and rejected, oversells (lines and units)
  stock       per SKU the initial and the final available quantity

`reconcile` checks that every purchase is accounted for exactly once:
delivered to Stockwire, and either accepted (it took a unit) or an oversell
(Stockwire rejected it, counted it, and the channel received the
cancellation), with the channel's and Stockwire's counts equal and each
SKU's stock down by exactly its accepted purchases. Findings are sentences;
an empty list means the books balance.

`exposure` explains the oversells by measured lag: after a SKU's true
quantity reaches 0, every channel that still shows it sells it at that
channel's purchase rate for that SKU. Integrating rate x (time a channel
still showed the SKU) over all sold-out SKUs gives the expected number of
oversells, to set against the counted ones.
"""
import bisect
import collections
import math


def by_channel(purchases):
    """{channel: {"purchases", "units", "oversells", "oversold_units"}}."""
    out = collections.defaultdict(lambda: collections.Counter())
    for p in purchases:
        c = out[p["channel"]]
        c["purchases"] += 1
        c["units"] += p["qty"]
        if p["cancelled"]:
            c["oversells"] += 1
            c["oversold_units"] += p["qty"]
    return {ch: dict(c) for ch, c in out.items()}


def reconcile(purchases, channel_side, stockwire_side, initial, final):
    """Findings (sentences) where the books do not balance; [] when they do.

    channel_side:   {channel: {"purchases", "cancellations"}}
    stockwire_side: {channel: {"accepted", "rejected", "oversells",
                               "oversold_units"}}
    initial, final: {sku: available}
    """
    findings = []
    undelivered = [p for p in purchases if not p["delivered"]]
    if undelivered:
        findings.append(f"{len(undelivered)} purchases never reached "
                        f"Stockwire (first: {undelivered[0]['order_id']})")
    bad_shown = [p for p in purchases if p["shown_before"] <= 0]
    if bad_shown:
        findings.append(f"{len(bad_shown)} purchases of a listing that "
                        "showed no stock")
    seen = collections.Counter((p["channel"], p["order_id"])
                               for p in purchases)
    dup = [k for k, n in seen.items() if n > 1]
    if dup:
        findings.append(f"{len(dup)} order ids used twice (first: {dup[0]})")

    counted = by_channel(purchases)
    for ch in sorted(set(counted) | set(channel_side) | set(stockwire_side)):
        log = counted.get(ch, {})
        chan = channel_side.get(ch, {})
        sw = stockwire_side.get(ch, {})
        lines = log.get("purchases", 0)
        oversells = log.get("oversells", 0)
        checks = [
            ("purchases in the log", lines,
             "purchases the channel counted", chan.get("purchases", 0)),
            ("purchases", lines, "order lines Stockwire decided",
             sw.get("accepted", 0) + sw.get("rejected", 0)),
            ("cancelled purchases", oversells,
             "cancellations the channel received",
             chan.get("cancellations", 0)),
            ("cancelled purchases", oversells,
             "oversells Stockwire counted", sw.get("oversells", 0)),
            ("oversells Stockwire counted", sw.get("oversells", 0),
             "lines Stockwire rejected", sw.get("rejected", 0)),
            ("cancelled units", log.get("oversold_units", 0),
             "oversold units Stockwire counted", sw.get("oversold_units", 0)),
        ]
        for what_a, a, what_b, b in checks:
            if a != b:
                findings.append(f"{ch}: {what_a} {a} != {what_b} {b}")

    taken = collections.Counter()
    for p in purchases:
        if not p["cancelled"]:
            taken[p["sku"]] += p["qty"]
    for sku in sorted(set(initial) | set(taken)):
        start = initial.get(sku)
        end = final.get(sku)
        if start is None or end is None:
            findings.append(f"{sku}: stock unknown (initial {start}, "
                            f"final {end})")
            continue
        if start - end != taken[sku]:
            findings.append(f"{sku}: stock went from {start} to {end} but "
                            f"{taken[sku]} units were accepted")
        if end < 0:
            findings.append(f"{sku}: final stock {end} below zero")
    return findings


def percentile(values, q):
    """The q-quantile (0..1) of values by nearest rank; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def zipf_weights(n, s):
    """Popularity of DEMO-1..DEMO-n (index 0..n-1), summing to 1."""
    raw = [1.0 / (k ** s) for k in range(1, n + 1)]
    total = sum(raw)
    return [w / total for w in raw]


def shown_at(timeline, t_ms):
    """What a channel showed at t_ms: timeline is [(t_ms, quantity)] sorted;
    None before its first entry."""
    times = [t for t, _ in timeline]
    i = bisect.bisect_right(times, t_ms) - 1
    return timeline[i][1] if i >= 0 else None


def exposure(sellouts, timelines, popularity, rate_integral, end_ms):
    """Expected oversells from measured exposure.

    sellouts:      {sku: t_ms when its true available quantity reached 0}
    timelines:     {sku: {channel: [(t_ms, shown quantity)]}}, sorted
    popularity:    {sku: share of a channel's purchases}
    rate_integral: (a_s, b_s) -> purchases per channel between a_s and b_s
    Returns {channel: {"expected": float, "exposed_s": float}}: the purchases
    expected while the channel showed a sold-out SKU, and for how long in
    total it showed one (summed over SKUs).
    """
    out = collections.defaultdict(lambda: {"expected": 0.0, "exposed_s": 0.0})
    for sku, t0 in sellouts.items():
        for ch, timeline in timelines.get(sku, {}).items():
            acc = out[ch]
            for i, (t, shown) in enumerate(timeline):
                t_next = timeline[i + 1][0] if i + 1 < len(timeline) \
                    else end_ms
                a, b = max(t, t0), min(t_next, end_ms)
                if shown > 0 and b > a:
                    acc["exposed_s"] += (b - a) / 1000.0
                    acc["expected"] += popularity.get(sku, 0.0) * \
                        rate_integral(a / 1000.0, b / 1000.0)
    return dict(out)


def lag_formula(sellouts, origins, popularity, rate_at, mean_lag_s):
    """The back-of-envelope form of the issue: purchase rate x lag x
    channels still showing the unit, summed over sell-outs.

    sellouts:   {sku: t_ms of its sell-out}
    origins:    {sku: the channel whose sale took the last unit (it shows 0
                at once by itself)}
    popularity: {sku: share of a channel's purchases}
    rate_at:    t_s -> purchases per second per channel
    mean_lag_s: {channel: mean measured sync lag, seconds}
    Returns {channel: expected oversells}.
    """
    out = collections.Counter()
    for sku, t0 in sellouts.items():
        rate = rate_at(t0 / 1000.0) * popularity.get(sku, 0.0)
        for ch, lag in mean_lag_s.items():
            if ch != origins.get(sku):
                out[ch] += rate * lag
    return dict(out)
