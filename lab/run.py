"""One run of a flash-sale scenario on real processes (Python 3 standard
library only): start the fake channels (storefront mode) and the node(s),
wait until every channel shows the initial stock, let the shoppers buy,
sample counters and lag while they do, drain, and collect everything the
accounting and the report need. `run(...)` returns a plain dict (saved as
JSON next to the report).
"""
import collections
import datetime
import os
import re
import time
import urllib.parse

import accounting
import procs
from procs import CHANNELS, LabError, wait_until
from scenario import CONVERGE_DEADLINE_S, DRAIN_DEADLINE_S

# GET /v1/stock?sku=... takes at most this many SKUs (limits.stock_query_skus_max).
STOCK_QUERY_SKUS_MAX = 100
# Audit records per page (the API's maximum).
AUDIT_PAGE = 1000

METRIC_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)$')
LABEL_RE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def fake_key(channel, n):
    """The fake's listing key of DEMO-n (the node's demo listing rule)."""
    return {"shopify": f"{40000 + n}@1", "woocommerce": str(1000 + n)}.get(
        channel, f"DEMO-{n}")


def parse_metrics(text):
    """[(name, {label: value}, float)] of a Prometheus text exposition."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = METRIC_RE.match(line)
        if m:
            labels = dict(LABEL_RE.findall(m.group(3) or ""))
            out.append((m.group(1), labels, float(m.group(4))))
    return out


def metric_by(samples, name, key, **match):
    """{labels[key]: sum of values} of samples named `name` whose labels
    include `match`."""
    out = collections.Counter()
    for n, labels, value in samples:
        if n == name and all(labels.get(k) == v for k, v in match.items()):
            out[labels.get(key, "")] += value
    return out


def parse_time_ms(text):
    """Unix ms of an RFC 3339 UTC timestamp ("...Z")."""
    dt = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt.timestamp() * 1000.0


class Run:
    def __init__(self, bin_dir, workdir, scenario, log=print):
        self.s = scenario
        self.lab = procs.Lab(bin_dir, workdir, scenario)
        self.log = log
        self.skus = [f"DEMO-{n}" for n in range(1, scenario.skus + 1)]

    # -- phases ---------------------------------------------------------

    def converge(self):
        """Waits until every channel shows on_hand for every SKU."""
        want = self.s.on_hand

        def shown_everywhere():
            state = self.lab.fake_get("/_fake/state")
            missing = 0
            for ch in CHANNELS:
                listings = state.get(ch, {})
                for n in range(1, self.s.skus + 1):
                    entry = listings.get(fake_key(ch, n))
                    if entry is None or entry["quantity"] != want:
                        missing += 1
            return missing == 0 or f"{missing} listings not yet at {want}"

        start = time.monotonic()
        result = shown_everywhere()
        while result is not True:
            if time.monotonic() - start > CONVERGE_DEADLINE_S:
                raise LabError(f"initial sync: {result} after "
                               f"{CONVERGE_DEADLINE_S} s")
            time.sleep(0.5)
            result = shown_everywhere()
        return time.monotonic() - start

    def stock(self):
        """{sku: available} read through the node's stock API."""
        out = {}
        for i in range(0, len(self.skus), STOCK_QUERY_SKUS_MAX):
            query = "&".join("sku=" + urllib.parse.quote(s)
                             for s in self.skus[i:i + STOCK_QUERY_SKUS_MAX])
            doc = self.lab.node_get(self.lab.node_port, "/v1/stock?" + query)
            for item in doc["stock"] if isinstance(doc, dict) else doc:
                out[item["sku"]] = item["available"]
        return out

    def metrics(self):
        samples = []
        for port in self.lab.http_ports:
            status, text = procs.http_json(port, "GET", "/metrics")
            if status != 200:
                raise LabError(f"node {port} /metrics: {status}")
            samples.extend(parse_metrics(text))
        return samples

    def lag(self):
        """Per node: GET /v1/lag."""
        return [self.lab.node_get(port, "/v1/lag")
                for port in self.lab.http_ports]

    def shop(self):
        """Starts the shoppers and samples until they stop; returns the
        wall-clock ms of t=0 and the samples."""
        before = time.time()
        self.lab.fake_post("/_fake/storefront/start")
        after = time.time()
        t0_ms = (before + after) / 2 * 1000.0
        samples = []
        next_at = time.monotonic()
        while True:
            next_at += self.s.sample_interval_s
            front = self.lab.fake_get("/_fake/storefront")
            samples.append({"t_s": time.time() - t0_ms / 1000.0,
                            "storefront": front, "lag": self.lag()})
            if not front.get("running", False):
                break
            time.sleep(max(0.0, next_at - time.monotonic()))
        return t0_ms, samples

    def drain(self):
        """Waits until every purchase reached Stockwire and every oversell's
        cancellation reached its channel; returns the seconds it took."""
        start = time.monotonic()

        def drained():
            front = self.lab.fake_get("/_fake/storefront")
            pending = front["totals"]["webhooks"]["pending"]
            oversells = sum(metric_by(self.metrics(),
                                      "stockwire_oversells_total",
                                      "channel").values())
            cancelled = front["totals"]["cancellations"]["orders"]
            self.drain_state = (f"{pending} webhooks pending, {cancelled} "
                                f"of {oversells:.0f} cancellations received")
            return pending == 0 and cancelled == oversells
        try:
            wait_until("drain", drained, DRAIN_DEADLINE_S, 0.5)
        except LabError:
            raise LabError(f"drain: {self.drain_state} after "
                           f"{DRAIN_DEADLINE_S} s")
        return time.monotonic() - start

    def audit(self, sku):
        """Every audit record of sku, oldest first."""
        records, from_version = [], 0
        while True:
            doc = self.lab.node_get(
                self.lab.node_port,
                f"/v1/stock/{sku}/audit?limit={AUDIT_PAGE}"
                f"&from_version={from_version}")
            records.extend(doc["records"])
            if doc.get("next_from_version") is None:
                break
            from_version = doc["next_from_version"]
        return list(reversed(records))

    def history(self, sku, t0_ms):
        """{channel: [(t_ms, shown)]} of sku as the channels showed it."""
        doc = self.lab.fake_get("/_fake/history?sku=" +
                                urllib.parse.quote(sku))
        out = {}
        for ch, entry in doc["channels"].items():
            if entry.get("dropped"):
                raise LabError(f"history of {sku} on {ch}: {entry['dropped']}"
                               " points dropped (the fake's cap)")
            out[ch] = [(p[0], p[1]) for p in entry["points"]]
        return out

    # -- the whole run --------------------------------------------------

    def run(self):
        s = self.s
        result = {"scenario": s.describe()}
        self.log(f"[{s.mode}] starting fakechannel and "
                 f"{len(self.lab.http_ports)} node(s) in {self.lab.dir}")
        try:
            self.lab.start()
            result["converge_s"] = self.converge()
            self.log(f"[{s.mode}] all channels show {s.on_hand} units of "
                     f"{s.skus} SKUs after {result['converge_s']:.1f} s; "
                     f"shoppers buy for {s.duration_s:.0f} s")
            initial = self.stock()
            requests_before = self.lab.fake_get("/_fake/requests")
            t0_ms, samples = self.shop()
            self.log(f"[{s.mode}] shoppers stopped; draining")
            result["drain_s"] = self.drain()
            result.update(self.collect(t0_ms, initial, requests_before))
            result["samples"] = samples
        finally:
            result["exit_codes"] = self.lab.stop()
        return result

    def collect(self, t0_ms, initial, requests_before):
        s = self.s
        purchases = self.lab.fake_get("/_fake/purchases")["purchases"]
        front = self.lab.fake_get("/_fake/storefront")
        requests = self.lab.fake_get("/_fake/requests")
        samples = self.metrics()
        final = self.stock()

        lines = {}
        for status in ("accepted", "rejected"):
            for ch, v in metric_by(samples,
                                   "stockwire_channel_order_lines_total",
                                   "channel", status=status).items():
                lines.setdefault(ch, {})[status] = int(v)
        for name, key in (("stockwire_oversells_total", "oversells"),
                          ("stockwire_oversold_units_total",
                           "oversold_units")):
            for ch, v in metric_by(samples, name, "channel").items():
                lines.setdefault(ch, {})[key] = int(v)
        channel_side = {
            ch: {"purchases": c["purchases"],
                 "cancellations": c["cancellations"]["orders"]}
            for ch, c in front["channels"].items()}
        findings = accounting.reconcile(purchases, channel_side, lines,
                                        initial, final)

        # Sell-outs: when each SKU's true quantity reached 0 (its audit),
        # and which channel's sale took the last unit.
        sellouts, origins, truth = {}, {}, {}
        sold_out = [sku for sku in self.skus if final.get(sku) == 0]
        hottest = self.skus[0]
        for sku in sorted(set(sold_out) | {hottest}):
            records = self.audit(sku)
            points = [(parse_time_ms(r["at"]) - t0_ms, r["available"])
                      for r in records]
            truth[sku] = points
            for r, (t, avail) in zip(records, points):
                if avail == 0 and t >= 0:
                    sellouts[sku] = t
                    origins[sku] = r["source"]
                    break
        histories = {sku: self.history(sku, t0_ms)
                     for sku in sorted(set(sellouts) | {hottest})}
        weights = accounting.zipf_weights(s.skus, s.zipf_s)
        popularity = {sku: w for sku, w in zip(self.skus, weights)}
        end_ms = s.duration_s * 1000.0
        exposed = accounting.exposure(sellouts, histories, popularity,
                                      s.rate_integral, end_ms)

        lag_docs = self.lag()
        lag = {}
        for ch in CHANNELS:
            # One node: its figures. A cluster: the worst node's (a merged
            # percentile lies between the nodes' percentiles).
            per_node = [next((c for c in d["channels"]
                              if c["channel"] == ch), None)
                        for d in lag_docs]
            per_node = [c["since_start"] for c in per_node
                        if c and c["since_start"]["count"] > 0]
            lag[ch] = {k: max((c[k] for c in per_node), default=None)
                       for k in ("p50_ms", "p99_ms", "max_ms")}
            lag[ch]["count"] = sum(c["count"] for c in per_node)
        sums = metric_by(samples, "stockwire_sync_lag_seconds_sum", "channel")
        counts = metric_by(samples, "stockwire_sync_lag_seconds_count",
                           "channel")
        mean_lag_s = {ch: sums[ch] / counts[ch]
                      for ch in CHANNELS if counts.get(ch)}
        for ch in CHANNELS:
            lag[ch]["mean_ms"] = mean_lag_s.get(ch, 0.0) * 1000.0
        formula = accounting.lag_formula(sellouts, origins, popularity,
                                         s.rate_at, mean_lag_s)

        pushes = {}
        for ch in CHANNELS:
            after = requests.get(ch, {})
            before = requests_before.get(ch, {})
            pushes[ch] = {k: after.get(k, 0) - before.get(k, 0)
                          for k in ("requests", "accepted", "throttled",
                                    "errors")}
        return {
            "t0_unix_ms": t0_ms,
            "purchases": purchases,
            "storefront": front,
            "stockwire": lines,
            "findings": findings,
            "initial": initial,
            "final": final,
            "sellouts": sellouts,
            "origins": origins,
            "truth": truth,
            "histories": histories,
            "hottest": hottest,
            "exposure": exposed,
            "formula": formula,
            "lag": lag,
            "pushes": pushes,
        }
