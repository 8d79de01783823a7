"""The lab's outputs: a text summary and a self-contained HTML report with
inline SVG charts (no scripts, fonts or anything fetched: it opens offline).

Both take the results of the runs, {mode: run dict} (see run.py), in the
order they ran; "event" and "poll" are compared when both are present.
"""
import html
import math

from procs import CHANNELS

COLORS = {"shopify": "#2e7d32", "amazon": "#ef6c00", "woocommerce": "#6a1b9a",
          "ebay": "#1565c0", "flipkart": "#c62828", "truth": "#111111"}
MODE_TITLES = {"event": "event path", "poll": "polling"}

# Oversell ratio the issue asks of the event path against polling.
TARGET_RATIO = 100


def totals(run):
    purchases = run["purchases"]
    over = [p for p in purchases if p["cancelled"]]
    return {"purchases": len(purchases),
            "units": sum(p["qty"] for p in purchases),
            "accepted": sum(p["qty"] for p in purchases
                            if not p["cancelled"]),
            "oversells": len(over),
            "oversold_units": sum(p["qty"] for p in over)}


def per_channel_oversold(run):
    out = {ch: 0 for ch in CHANNELS}
    for p in run["purchases"]:
        if p["cancelled"]:
            out[p["channel"]] = out.get(p["channel"], 0) + p["qty"]
    return out


def ms(v):
    if v is None:
        return "-"
    if v >= 10000:
        return f"{v / 1000:.1f} s"
    return f"{v:.0f} ms" if v >= 10 else f"{v:.1f} ms"


def mode_title(run):
    s = run["scenario"]
    if s["mode"] == "poll":
        return f"polling every {s['poll_interval_s']:g} s"
    return "event path"


def ratio_text(runs):
    if "event" not in runs or "poll" not in runs:
        return None, None
    e = totals(runs["event"])["oversold_units"]
    p = totals(runs["poll"])["oversold_units"]
    if e == 0:
        ratio = math.inf if p > 0 else None
    else:
        ratio = p / e
    if ratio is None:
        return None, "neither run oversold"
    shown = "infinitely" if ratio == math.inf else f"{ratio:.0f}x"
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    return ratio, (f"The event path oversold {e} units, polling {p}: "
                   f"{shown} fewer ({verdict} the target of "
                   f"{TARGET_RATIO}x fewer).")


def explanation(run):
    """Counted oversells against those expected from measured exposure and
    from rate x mean lag x channels."""
    counted = per_channel_oversold(run)
    rows = []
    for ch in CHANNELS:
        ex = run["exposure"].get(ch, {})
        rows.append((ch, counted.get(ch, 0), ex.get("expected", 0.0),
                     ex.get("exposed_s", 0.0), run["formula"].get(ch, 0.0),
                     run["lag"][ch].get("mean_ms", 0.0)))
    return rows


def summary_text(runs):
    first = next(iter(runs.values()))
    s = first["scenario"]
    out = []
    topology = "three-node cluster" if s["cluster"] else "single node"
    out.append(
        f"Flash-sale lab: seed {s['seed']}, {s['duration_s']:g} s of "
        f"shoppers, {s['skus']} SKUs x {s['on_hand']} units, "
        f"{len(CHANNELS)} channels at {s['rate_per_s']:g} purchases/s each, "
        f"{s['burst_multiplier']:g}x burst from {s['burst_start_s']:g} s "
        f"for {s['burst_duration_s']:g} s, Zipf {s['zipf_s']:g}, "
        f"{topology}.")
    for mode, run in runs.items():
        t = totals(run)
        out.append("")
        out.append(f"== {mode_title(run)} ==")
        out.append(f"purchases {t['purchases']} ({t['units']} units), "
                   f"accepted {t['accepted']} units, oversold "
                   f"{t['oversold_units']} units in {t['oversells']} orders")
        header = (f"{'channel':<12}{'purchases':>10}{'oversold':>9}"
                  f"{'lag p50':>10}{'lag p99':>10}{'lag max':>10}"
                  f"{'pushes':>8}{'429s':>7}")
        out.append(header)
        counted = per_channel_oversold(run)
        n_by_ch = {}
        for p in run["purchases"]:
            n_by_ch[p["channel"]] = n_by_ch.get(p["channel"], 0) + 1
        for ch in CHANNELS:
            lag = run["lag"][ch]
            push = run["pushes"][ch]
            out.append(f"{ch:<12}{n_by_ch.get(ch, 0):>10}"
                       f"{counted.get(ch, 0):>9}{ms(lag['p50_ms']):>10}"
                       f"{ms(lag['p99_ms']):>10}{ms(lag['max_ms']):>10}"
                       f"{push['requests']:>8}{push['throttled']:>7}")
        out.append("oversells explained by measured lag (per channel: "
                   "counted / expected from exposure / rate x mean lag):")
        for ch, c, ex, exposed_s, formula, mean in explanation(run):
            out.append(f"  {ch:<12}{c:>6} / {ex:>8.1f} / {formula:>8.1f}"
                       f"   (showed sold-out SKUs for {exposed_s:.1f} s in "
                       f"total; mean lag {ms(mean)})")
        if run["findings"]:
            out.append("ACCOUNTING DOES NOT BALANCE:")
            out.extend("  " + f for f in run["findings"])
        else:
            out.append("accounting: every purchase was delivered and is "
                       "either accepted or an oversell cancelled on its "
                       "channel; channel and Stockwire counts agree; every "
                       "SKU's stock fell by exactly its accepted units.")
    _, text = ratio_text(runs)
    if text:
        out.append("")
        out.append(text)
    return "\n".join(out) + "\n"


# -- SVG ------------------------------------------------------------------

W, H = 800, 300
ML, MR, MT, MB = 60, 165, 20, 40


def _scale(lo, hi, a, b, log=False):
    if log:
        lo, hi = math.log10(lo), math.log10(hi)

    def f(v):
        if log:
            v = math.log10(max(v, 10 ** lo))
        return a + (v - lo) / (hi - lo or 1) * (b - a)
    return f


def _ticks(lo, hi, n=5):
    if hi <= lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for m in (1, 2, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    first = math.ceil(lo / step) * step
    out, v = [], first
    while v <= hi + 1e-9:
        out.append(round(v, 6))
        v += step
    return out


def chart(title, series, x_range, y_range, x_label, y_label, log_y=False,
          markers=(), bands=()):
    """An SVG line chart. series: [(label, color, [(x, y)], step)];
    markers: [(x, y, color, tooltip)] drawn as crosses; bands: [(x0, x1,
    label)] shaded."""
    x0, x1 = x_range
    y0, y1 = y_range
    sx = _scale(x0, x1, ML, W - MR)
    sy = _scale(y0, y1, H - MB, MT, log_y)
    e = html.escape
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" '
           f'height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" '
           f'font-size="11"><title>{e(title)}</title>']
    for bx0, bx1, label in bands:
        a, b = sx(max(bx0, x0)), sx(min(bx1, x1))
        if b > a:
            out.append(f'<rect x="{a:.1f}" y="{MT}" width="{b - a:.1f}" '
                       f'height="{H - MT - MB}" fill="#fff3e0"/>'
                       f'<text x="{a + 3:.1f}" y="{MT + 12}" fill="#e65100">'
                       f'{e(label)}</text>')
    out.append(f'<rect x="{ML}" y="{MT}" width="{W - ML - MR}" '
               f'height="{H - MT - MB}" fill="none" stroke="#999"/>')
    for t in _ticks(x0, x1):
        x = sx(t)
        out.append(f'<line x1="{x:.1f}" y1="{H - MB}" x2="{x:.1f}" '
                   f'y2="{H - MB + 4}" stroke="#999"/><text x="{x:.1f}" '
                   f'y="{H - MB + 16}" text-anchor="middle">{t:g}</text>')
    y_ticks = ([10 ** k for k in range(math.floor(math.log10(y0)),
                                       math.ceil(math.log10(y1)) + 1)
                if y0 <= 10 ** k <= y1] if log_y else _ticks(y0, y1))
    for t in y_ticks:
        y = sy(t)
        out.append(f'<line x1="{ML - 4}" y1="{y:.1f}" x2="{W - MR}" '
                   f'y2="{y:.1f}" stroke="#eee"/><text x="{ML - 6}" '
                   f'y="{y + 4:.1f}" text-anchor="end">{t:g}</text>')
    out.append(f'<text x="{(ML + W - MR) / 2}" y="{H - 6}" '
               f'text-anchor="middle">{e(x_label)}</text>')
    out.append(f'<text x="14" y="{(MT + H - MB) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 14 {(MT + H - MB) / 2})">'
               f'{e(y_label)}</text>')
    for i, (label, color, points, step) in enumerate(series):
        pts = [(x, y) for x, y in points if y is not None]
        if step and pts:
            stepped = []
            for j, (x, y) in enumerate(pts):
                if j:
                    stepped.append((x, pts[j - 1][1]))
                stepped.append((x, y))
            stepped.append((x1, pts[-1][1]))
            pts = stepped
        pts = [(min(max(x, x0), x1), min(max(y, y0), y1)) for x, y in pts]
        if pts:
            d = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
            style = ('stroke-width="7" stroke-opacity="0.25"'
                     if label == "truth" else 'stroke-width="1.5"')
            out.append(f'<polyline fill="none" stroke="{color}" {style} '
                       f'points="{d}"/>')
        ly = MT + 12 + 16 * i
        out.append(f'<line x1="{W - MR + 8}" y1="{ly - 4}" '
                   f'x2="{W - MR + 24}" y2="{ly - 4}" stroke="{color}" '
                   f'stroke-width="2"/><text x="{W - MR + 28}" y="{ly}">'
                   f'{e(label)}</text>')
    for x, y, color, tip in markers:
        if x0 <= x <= x1:
            cx, cy = sx(x), sy(min(max(y, y0), y1))
            out.append(f'<g stroke="{color}" stroke-width="2"><title>'
                       f'{e(tip)}</title><line x1="{cx - 4:.1f}" '
                       f'y1="{cy - 4:.1f}" x2="{cx + 4:.1f}" '
                       f'y2="{cy + 4:.1f}"/><line x1="{cx - 4:.1f}" '
                       f'y1="{cy + 4:.1f}" x2="{cx + 4:.1f}" '
                       f'y2="{cy - 4:.1f}"/></g>')
    out.append("</svg>")
    return "".join(out)


def burst_band(s):
    return [(s["burst_start_s"], s["burst_start_s"] + s["burst_duration_s"],
             f"{s['burst_multiplier']:g}x burst")]


def lag_chart(run):
    """Trailing-minute p99 sync lag per channel, as sampled during the run."""
    s = run["scenario"]
    series, y_max, y_min = [], 1.0, None
    for ch in CHANNELS:
        pts = []
        for sample in run["samples"]:
            worst = None
            for doc in sample["lag"]:
                for c in doc["channels"]:
                    if c["channel"] == ch and c["last_minute"]["count"]:
                        v = c["last_minute"]["p99_ms"]
                        worst = v if worst is None else max(worst, v)
            if worst is not None:
                pts.append((sample["t_s"], worst))
                y_max = max(y_max, worst)
                y_min = worst if y_min is None else min(y_min, worst)
        series.append((ch, COLORS[ch], pts, False))
    lo = 10 ** math.floor(math.log10(max(y_min or 1.0, 0.1)))
    hi = 10 ** math.ceil(math.log10(y_max))
    return chart(f"Sync lag, {mode_title(run)}", series,
                 (0, s["duration_s"]), (lo, max(hi, lo * 10)),
                 "seconds since the shoppers started",
                 "p99 sync lag over the last minute, ms (log)", log_y=True,
                 bands=burst_band(s))


# Vertical offset between the channels' lines in the hottest-SKU chart, in
# units (small against the 1-unit steps).
HOT_CHART_LIFT = 0.04


def hot_chart(run):
    """The hottest SKU: its true available quantity against what each
    channel showed, oversells marked."""
    s = run["scenario"]
    sku = run["hottest"]
    truth = [(t / 1000.0, q) for t, q in run["truth"].get(sku, [])]
    series = [("truth", COLORS["truth"],
               [(0.0, truth[0][1])] + truth if truth else [], True)]
    y_max = max([q for _, q in truth] + [1])
    # Channels that show the same number would hide each other: each line
    # is lifted by a small, fixed step (the caption says so).
    for i, (ch, points) in enumerate(
            sorted(run["histories"].get(sku, {}).items())):
        lift = (i - 2) * HOT_CHART_LIFT
        pts = [(t / 1000.0, q + lift) for t, q in points]
        y_max = max([y_max] + [q for _, q in pts])
        series.append((ch, COLORS.get(ch, "#777"), pts, True))
    markers = [(p["t_ms"] / 1000.0, p["shown_before"], "#d50000",
                f"oversell: {p['channel']} order {p['order_id']}")
               for p in run["purchases"] if p["sku"] == sku and
               p["cancelled"]]
    last = max([m[0] for m in markers] + [t for t, _ in truth] + [1.0])
    x1 = min(s["duration_s"], last * 1.2 + 5)
    return chart(f"{sku} (hottest), {mode_title(run)}", series, (0, x1),
                 (0, y_max + 1), "seconds since the shoppers started",
                 "available / shown units", markers=markers,
                 bands=burst_band(s))


def cumulative_chart(runs):
    """Oversold units over time, every run."""
    first = next(iter(runs.values()))["scenario"]
    series, y_max = [], 1
    colors = {"event": "#2e7d32", "poll": "#c62828"}
    for mode, run in runs.items():
        n, pts = 0, [(0.0, 0)]
        for p in sorted(run["purchases"], key=lambda p: p["t_ms"]):
            if p["cancelled"]:
                n += p["qty"]
                pts.append((p["t_ms"] / 1000.0, n))
        y_max = max(y_max, n)
        series.append((mode_title(run), colors.get(mode, "#555"), pts, True))
    return chart("Oversold units over time", series,
                 (0, first["duration_s"]), (0, y_max * 1.1 + 1),
                 "seconds since the shoppers started", "oversold units",
                 bands=burst_band(first))


def html_report(runs, summary):
    e = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'>"
             "<title>Stockwire flash-sale lab</title><style>"
             "body{font-family:sans-serif;max-width:800px;margin:2em auto;"
             "color:#222}pre{background:#f6f6f6;padding:1em;overflow-x:auto;"
             "font-size:12px}h2{margin-top:2em}</style></head><body>",
             "<h1>Stockwire flash-sale lab</h1>"]
    ratio, text = ratio_text(runs)
    if text:
        parts.append(f"<p><strong>{e(text)}</strong></p>")
    parts.append("<p>Same seed, same shoppers, same channels and rate "
                 "limits; only the sync differs. An oversell is a purchase "
                 "on a channel that still showed the SKU after its last "
                 "unit was sold: Stockwire rejects it, cancels it on the "
                 "channel and corrects that channel at once.</p>")
    parts.append(cumulative_chart(runs))
    for mode, run in runs.items():
        parts.append(f"<h2>{e(mode_title(run))}</h2>")
        parts.append(hot_chart(run))
        parts.append("<p><small>The wide grey line is the true available "
                     "quantity (Stockwire's audit trail); each channel's line "
                     "is what it showed (lifted by a few hundredths of a "
                     "unit each so that equal lines stay visible); crosses "
                     "are oversells.</small></p>")
        parts.append(lag_chart(run))
    parts.append("<h2>Summary</h2><pre>" + e(summary) + "</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)
