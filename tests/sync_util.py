"""Shared pieces of the channel-sync process tests: a node wired to a running
fakechannel, listings on all five channels, and waiting until every channel
shows what it should (Python 3 standard library only).
"""
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lab"))
import procs  # noqa: E402
from http_util import (TestFailure, check, csv_text, import_listings,  # noqa: E402
                       webhook_signature)

# Rows per POST /v1/listings:import (the gateway's import_rows_max).
IMPORT_ROWS_MAX = 10000

CHANNELS = ["shopify", "amazon", "woocommerce", "ebay", "flipkart"]

# How long a test waits for the channels to converge before it fails.
CONVERGE_DEADLINE_S = 60


def channels_toml(fake, overrides=None):
    """[channels.*] tables pointing at `fake`; overrides: {channel: text}."""
    overrides = overrides or {}
    base = {
        "shopify": 'access_token = "shpat_fake_token"\nlocation_id = "1"\n',
        "amazon": 'access_token = "Atza|fake_token"\nseller_id = "A2TEST"\n',
        "woocommerce": 'consumer_key = "ck_fake"\nconsumer_secret = "cs_fake"\n',
        "ebay": 'access_token = "v^1.1#fake_token"\n',
        "flipkart": 'access_token = "fake_flipkart_token"\n',
    }
    out = []
    for ch in CHANNELS:
        if ch not in fake.ports:
            continue
        out.append(f"[channels.{ch}]\n"
                   f'endpoint = "http://127.0.0.1:{fake.ports[ch]}"\n'
                   + base[ch] + overrides.get(ch, ""))
    return "\n".join(out)


# The channels' webhook secrets: the demo ones, which the fake's storefront
# signs with by default (docs/WEBHOOKS.md); the lab uses the same.
WEBHOOK_SECRETS = procs.WEBHOOK_SECRETS


def with_secrets(overrides=None, channels=CHANNELS):
    """`overrides` ({channel: toml text}) plus each channel's demo
    webhook_secret."""
    out = dict(overrides or {})
    for ch in channels:
        out[ch] = out.get(ch, "") + \
            f'webhook_secret = "{WEBHOOK_SECRETS[ch]}"\n'
    return out


def poll_mode(interval_s, channels=CHANNELS, overrides=None):
    """Overrides putting `channels` in poll mode every `interval_s` (eBay's
    revision cap off: ticks would spend it)."""
    out = dict(overrides or {})
    for ch in channels:
        out[ch] = (out.get(ch, "") + 'sync = "poll"\n'
                   f"poll_interval_s = {interval_s}\n"
                   + ("revisions_per_day = 0\n" if ch == "ebay" else ""))
    return out


def free_port():
    """A loopback TCP port free right now (for a process that must be told
    another's port before either starts)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def storefront_toml(node_port, served):
    """fakechannel config: only the channels in `served`, and a storefront
    of one SKU (DEMO-1) delivering to the node on `node_port`, without
    shoppers until a start request gives a channel a rate."""
    out = [f"[{ch}]\nenabled = false\n" for ch in CHANNELS
           if ch not in served]
    out.append("[storefront]\nenabled = true\n"
               f'stockwire_url = "http://127.0.0.1:{node_port}"\n'
               "skus = 1\nrate_per_s = 0\nretry_delay_ms_max = 500\n")
    return "\n".join(out)


def storefront(fake):
    """GET /_fake/storefront."""
    st, _, doc = fake.request(next(iter(fake.ports)), "GET",
                              "/_fake/storefront")
    check(st == 200, f"/_fake/storefront: {st} {doc}")
    return doc


def purchases(fake):
    """GET /_fake/purchases: every purchase of every run."""
    st, _, doc = fake.request(next(iter(fake.ports)), "GET",
                              "/_fake/purchases")
    check(st == 200, f"/_fake/purchases: {st} {doc}")
    return doc["purchases"]


def shop(fake, channel, quantity, count=1):
    """Runs shoppers on `channel` only, each wanting `quantity` units, until
    that channel's purchases reach `count` (in all runs) and every webhook
    of it was delivered; then stops them."""
    any_port = next(iter(fake.ports))
    body = {"rate_per_s": 0, "quantity": quantity, channel: {"rate_per_s": 50}}
    st, _, doc = fake.request(any_port, "POST", "/_fake/storefront/start",
                              body)
    check(st == 200, f"storefront start: {st} {doc}")
    try:
        poll(f"{count} purchases on {channel}",
             lambda: storefront(fake)["channels"][channel]["purchases"]
             >= count)
    finally:
        fake.request(any_port, "POST", "/_fake/storefront/stop")
    poll(f"{channel}'s webhooks delivered",
         lambda: storefront(fake)["channels"][channel]["webhooks"]["pending"]
         == 0)
    got = storefront(fake)["channels"][channel]["purchases"]
    check(got == count, f"{channel}: {got} purchases, wanted {count}")


def relay_headers(channel, body):
    """The headers of a relayed (eBay, Flipkart, Amazon) webhook."""
    return {"Content-Type": "application/json",
            "X-Stockwire-Signature": webhook_signature(
                WEBHOOK_SECRETS[channel], body)}


def listing_body(channel, n):
    """The identifiers of test SKU number n on `channel`."""
    return {
        "shopify": {"item_id": str(70000 + n), "location_id": "1"},
        "amazon": {"product_type": "PRODUCT"},
        "woocommerce": {"item_id": str(3000 + n)},
        "ebay": {"item_id": str(9000000 + n)},
        "flipkart": {"item_id": f"FSN{n}", "location_id": "LOC1"},
    }[channel]


def fake_key(channel, sku, n):
    """The key under which /_fake/state shows SKU number n on `channel`."""
    return {
        "shopify": f"{70000 + n}@1",
        "amazon": sku,
        "woocommerce": str(3000 + n),
        "ebay": sku,
        "flipkart": sku,
    }[channel]


def list_everywhere(client, sku, n, channels=CHANNELS):
    for ch in channels:
        st, _, doc = client.call("PUT", f"/v1/listings/{ch}/{sku}",
                                 listing_body(ch, n))
        check(st in (200, 201), f"listing {sku} on {ch}: {st} {doc}")


def list_many(client, numbered_skus, channels=CHANNELS):
    """Lists every (sku, n) on `channels` through CSV imports."""
    columns = ["channel", "sku", "item_id", "location_id", "product_type"]
    rows = []
    for sku, n in numbered_skus:
        for ch in channels:
            body = listing_body(ch, n)
            rows.append([ch, sku] + [body.get(c, "") for c in columns[2:]])
    for i in range(0, len(rows), IMPORT_ROWS_MAX):
        st, _, doc = import_listings(
            client, csv_text(columns, rows[i:i + IMPORT_ROWS_MAX]))
        check(st == 200 and doc["failed"] == 0, f"import: {st} {doc}")


def stock_and_list(client, prefix, count, on_hand, channels=CHANNELS):
    """Creates SKUs <prefix>-1..count with on_hand(n) units, listed on
    `channels`; returns {(sku, n): on_hand(n)} for wait_converged."""
    expected = {}
    for n in range(1, count + 1):
        sku = f"{prefix}-{n}"
        set_stock(client, sku, on_hand(n), f"init-{sku}")
        list_everywhere(client, sku, n, channels)
        expected[(sku, n)] = on_hand(n)
    return expected


def poll(what, fn, deadline_s=30):
    """Calls fn() until it returns a true value (returned); fails after
    `deadline_s` naming `what` and the last value."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TestFailure(f"{what}: not within {deadline_s} s "
                              f"(last: {value!r})")
        time.sleep(0.1)


def set_stock(client, sku, on_hand, key):
    st, _, doc = client.call("PUT", f"/v1/stock/{sku}",
                             {"on_hand": on_hand, "idempotency_key": key})
    check(st == 200, f"set {sku}: {st} {doc}")


def available(client, sku):
    st, _, doc = client.call("GET", f"/v1/stock/{sku}")
    check(st == 200, f"stock of {sku}: {st} {doc}")
    return doc["available"]


def wait_converged(fake, expected, deadline_s=CONVERGE_DEADLINE_S,
                   channels=CHANNELS):
    """Waits until /_fake/state shows expected[(sku, n)] = quantity on every
    channel; fails naming what differs."""
    deadline = time.monotonic() + deadline_s
    while True:
        state = fake.state()
        wrong = []
        for (sku, n), qty in expected.items():
            for ch in channels:
                if ch not in fake.ports:
                    continue
                got = state.get(ch, {}).get(fake_key(ch, sku, n), {})
                if got.get("quantity") != qty:
                    wrong.append(f"{ch}:{sku} shows {got.get('quantity')} "
                                 f"not {qty}")
        if not wrong:
            return
        if time.monotonic() > deadline:
            raise TestFailure(f"channels did not converge in {deadline_s} s: "
                              f"{len(wrong)} wrong, e.g. {wrong[:5]}")
        time.sleep(0.2)


METRIC_RE = re.compile(r'^([a-z_]+)\{?([^}]*)\}? ([0-9.e+-]+|NaN|\+Inf)$')


def metrics(client):
    """GET /metrics parsed into {(name, labels text): value}."""
    st, hdrs, body = client.raw("GET", "/metrics")
    check(st == 200, f"/metrics: {st}")
    check(hdrs.get("content-type", "").startswith("text/plain"),
          f"/metrics content type {hdrs.get('content-type')}")
    out = {}
    for line in body.decode().splitlines():
        if line.startswith("#") or not line:
            continue
        m = METRIC_RE.match(line)
        check(m is not None, f"/metrics: unparsable line {line!r}")
        out[(m.group(1), m.group(2))] = float(m.group(3))
    return out


def metric(values, name, **labels):
    """The value of series `name` whose labels include `labels` (summed)."""
    total = 0.0
    found = False
    for (n, text), v in values.items():
        if n != name:
            continue
        if all(f'{k}="{val}"' in text for k, val in labels.items()):
            total += v
            found = True
    check(found, f"/metrics has no {name} {labels}")
    return total
