#!/usr/bin/env python3
"""Process-level test of channel sync: stockwired pushing to fakechannel
(Python 3 standard library only).

Each case starts a fakechannel (free ports) and a stockwired whose
[channels.*] point at it, then drives the node's HTTP API and checks what
the fake channels show (/_fake/state) and what the node reports
(/v1/listings, /v1/channels, /v1/lag, /metrics):

- every channel converges to the exact final quantity of every SKU, with
  the real payloads and auth (the fake refuses anything else);
- coalescing: a burst of orders on one SKU costs far fewer pushes, and
  what each channel shows never goes back to an older version;
- allocation: buffer / percent / max per channel and per listing;
- 429s (the node's pacing set above the fake's limit) are retried until
  the channel converges, and counted;
- a permanent error (unknown item) parks that listing with a visible
  error while the others sync; fixing the listing un-parks it;
- a channel that never answers opens its circuit without slowing the
  others;
- an oversell rejected on a channel makes that channel show the real
  number again;
- a SKU with no listing on a channel is not pushed there; deleting a
  listing stops pushes;
- poll mode (`sync = "poll"`): a change pushes nothing, a tick pushes
  every listed SKU (also after a restart, also unchanged ones), and an
  oversell's correction still goes at once;
- the oversell answer: a purchase on a channel (the fake's storefront
  shoppers, delivering the channel's signed webhook) that Stockwire must
  reject is cancelled on that channel exactly once, counted the same on
  both sides, and survives a SIGKILL before it could be sent; a partly
  oversold order is void on whole-order channels; API orders and replays
  cancel nothing.
Timing is never asserted: convergence is polled with a deadline.
"""
import json
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

from fake_util import Fake
from http_util import Node, check, expect_error, run_tests
from http_util import shopify_headers, shopify_order
from sync_util import (CHANNELS, available, channels_toml, fake_key,
                       free_port, list_everywhere, metric, metrics, poll,
                       poll_mode, purchases, relay_headers, set_stock, shop,
                       stock_and_list, storefront, storefront_toml,
                       wait_converged, with_secrets)

FAKE_FAST = """
[amazon]
apply_delay_ms = 100
feed_processing_ms = 200
"""

NODE_BASE = """
[log]
level = "info"
"""


class Env:
    """One fakechannel and one node wired to it."""

    def __init__(self, args, workdir, name, fake_toml=FAKE_FAST,
                 overrides=None, node_toml="", http_port=None):
        self.fake = Fake(args.fakechannel, workdir, name + "-fake", fake_toml)
        self.node_toml = node_toml
        self.http_port = http_port
        self.node = Node(args.stockwired, workdir, name,
                         NODE_BASE + node_toml + "\n" +
                         channels_toml(self.fake, overrides))
        self.start()

    def start(self):
        extra = (("--http-listen", f"127.0.0.1:{self.http_port}")
                 if self.http_port else ())
        self.node.start(extra)
        self.client = self.node.client()

    def restart(self, overrides=None, ports=None, kill=False):
        """Stops the node (SIGKILL with `kill`), rewrites its channels
        (`ports`: {channel: port} replacing the fake's) and starts it on
        the same data."""
        self.client.close()
        if kill:
            self.node.kill()
        else:
            check(self.node.stop() == 0, "stockwired did not stop cleanly")
        saved = self.fake.ports
        self.fake.ports = dict(saved, **(ports or {}))
        text = channels_toml(self.fake, overrides)
        self.fake.ports = saved
        with open(self.node.config, "w") as f:
            f.write(f'[node]\nid = "{os.path.basename(self.node.dir)}"\n'
                    + NODE_BASE + self.node_toml + "\n" + text)
        self.start()

    def close(self):
        self.client.close()
        if self.node.proc is not None:
            code = self.node.stop()
            check(code == 0, f"stockwired exited with {code}")
        self.fake.stop()


def order(client, oid, channel, sku, qty):
    st, _, doc = client.call("POST", "/v1/orders", {
        "order_id": oid, "channel": channel,
        "lines": [{"sku": sku, "qty": qty}]})
    check(st == 200, f"order {oid}: {st} {doc}")
    return doc["lines"][0]


# eBay's 250 revisions per listing per day would pace these tests' many
# changes over hours; test_ebay_revision_budget tests that pacing itself.
EBAY_UNCAPPED = {"ebay": "revisions_per_day = 0\n"}


def test_all_channels_converge(args, workdir):
    env = Env(args, workdir, "converge", overrides=EBAY_UNCAPPED)
    try:
        c = env.client
        skus = list(stock_and_list(c, "CV", 20, lambda n: 50))
        wait_converged(env.fake, {k: 50 for k in skus})
        for i in range(200):
            sku, n = skus[(i * 7) % len(skus)]
            order(c, f"CV-O-{i}", CHANNELS[i % 5], sku, 1 + i % 3)
        expected = {(sku, n): available(c, sku) for sku, n in skus}
        check(any(v < 50 for v in expected.values()), "orders changed nothing")
        wait_converged(env.fake, expected)
        # The node knows what each channel acknowledged.
        sku, n = skus[0]
        st, _, view = c.call("GET", f"/v1/stock/{sku}")
        for ch in CHANNELS:
            st, _, doc = c.call("GET", f"/v1/listings/{ch}/{sku}")
            check(st == 200, f"listing status {ch}: {st} {doc}")
            sync = doc["sync"]
            check(sync is not None and sync["acked_version"] == view["version"]
                  and not sync["pending"] and not sync["parked"],
                  f"{ch} sync state of {sku}: {sync} (stock {view})")
            check(sync["shown"] == view["available"],
                  f"{ch} shown {sync['shown']} != {view['available']}")
        m = metrics(c)
        for ch in CHANNELS:
            check(metric(m, "stockwire_sync_lag_seconds_count", channel=ch)
                  > 0, f"no sync lag samples for {ch}")
            check(metric(m, "stockwire_pushes_total", channel=ch,
                         result="acked") > 0, f"no acked pushes for {ch}")
        # The backlog gauge is recounted with each periodic report (1 s).
        poll("backlog gauges at 0 after convergence",
             lambda: all(metric(metrics(c), "stockwire_push_backlog",
                                channel=ch) == 0 for ch in CHANNELS))
        check(metric(m, "stockwire_orders_total", result="accepted") >= 1,
              "orders not counted")
        st, _, lag = c.call("GET", "/v1/lag")
        check(st == 200 and {x["channel"] for x in lag["channels"]}
              == set(CHANNELS), f"/v1/lag: {st} {lag}")
        for x in lag["channels"]:
            check(x["since_start"]["count"] > 0, f"no lag count: {x}")
    finally:
        env.close()


def test_coalescing_on_a_hot_sku(args, workdir):
    # 20 ms per channel call: a burst of orders must coalesce into few pushes.
    fake = FAKE_FAST + "".join(f"[{ch}]\nlatency_ms = 20\n"
                               for ch in ["shopify", "woocommerce", "flipkart"])
    fake = fake.replace("[amazon]\n", "[amazon]\nlatency_ms = 20\n")
    env = Env(args, workdir, "coalesce", fake_toml=fake)
    try:
        c = env.client
        set_stock(c, "HOT-1", 1000, "init-hot")
        list_everywhere(c, "HOT-1", 1,
                        ["shopify", "amazon", "woocommerce", "flipkart"])
        wait_converged(env.fake, {("HOT-1", 1): 1000},
                       channels=["shopify", "amazon", "woocommerce",
                                 "flipkart"])
        before = env.fake.counters()
        # Version ordering: with orders only, every newer version shows a
        # smaller number, so what a channel shows must never go up.
        seen = {ch: [] for ch in ["shopify", "amazon", "woocommerce",
                                  "flipkart"]}
        done = threading.Event()

        def watch():
            while not done.is_set():
                state = env.fake.state()
                for ch in seen:
                    q = state[ch][fake_key(ch, "HOT-1", 1)]["quantity"]
                    if not seen[ch] or seen[ch][-1] != q:
                        seen[ch].append(q)
                time.sleep(0.005)
        watcher = threading.Thread(target=watch)
        watcher.start()
        orders = [{"order_id": f"H-{i}", "channel": "woocommerce",
                   "lines": [{"sku": "HOT-1", "qty": 1}]} for i in range(300)]
        try:
            for i in range(0, 300, 100):
                st, _, doc = c.call("POST", "/v1/orders:batch",
                                    orders[i:i + 100])
                check(st == 200, f"batch: {st} {doc}")
            wait_converged(env.fake, {("HOT-1", 1): 700},
                           channels=["shopify", "amazon", "woocommerce",
                                     "flipkart"])
        finally:
            done.set()
            watcher.join()
        for ch, values in seen.items():
            check(values == sorted(values, reverse=True),
                  f"{ch} showed an older quantity after a newer one: "
                  f"{values}")
        after = env.fake.counters()
        for ch in ["shopify", "amazon", "woocommerce", "flipkart"]:
            pushes = after[ch]["requests"] - before[ch]["requests"]
            check(0 < pushes < 150,
                  f"{ch}: {pushes} pushes for 300 changes (no coalescing)")
        # eBay is not listed: never called.
        check(after["ebay"]["requests"] == 0, "eBay was pushed without a "
              "listing")
    finally:
        env.close()


def test_allocation(args, workdir):
    env = Env(args, workdir, "alloc", overrides={
        "shopify": "buffer = 5\n",
        "woocommerce": "percent = 50\n",
        "ebay": "max = 10\n"})
    try:
        c = env.client
        set_stock(c, "AL-1", 41, "init-al")
        list_everywhere(c, "AL-1", 1)
        st, _, doc = c.call("PUT", "/v1/listings/flipkart/AL-1", {
            "item_id": "FSN1", "location_id": "LOC1",
            "allocation": {"buffer": 1, "percent": 50, "max": 15}})
        check(st == 200, f"flipkart override: {st} {doc}")
        want = {"shopify": 36, "amazon": 41, "woocommerce": 20, "ebay": 10,
                "flipkart": 15}

        def shown():
            state = env.fake.state()
            return {ch: state.get(ch, {}).get(fake_key(ch, "AL-1", 1), {})
                    .get("quantity") for ch in CHANNELS}
        poll(f"allocations {want} shown", lambda: shown() == want, 60)
    finally:
        env.close()


def test_429s_are_retried(args, workdir):
    # The fake allows 1 call/s on Amazon; the node is told it may send 50.
    fake = """
[amazon]
rate_per_s = 1
burst = 1
apply_delay_ms = 50
"""
    env = Env(args, workdir, "throttle", fake_toml=fake, overrides={
        "amazon": "requests_per_s = 50\nburst = 50\nfeed_min_skus = 0\n"})
    try:
        c = env.client
        expected = stock_and_list(c, "TH", 6, lambda n: 10 + n, ["amazon"])
        wait_converged(env.fake, expected, channels=["amazon"])
        counters = env.fake.counters()
        check(counters["amazon"]["throttled"] > 0,
              f"the fake never answered 429: {counters['amazon']}")
        m = metrics(c)
        check(metric(m, "stockwire_push_throttled_total", channel="amazon")
              > 0, "429s not counted by the node")
    finally:
        env.close()


def test_permanent_errors_park_the_listing(args, workdir):
    fake = FAKE_FAST + """
[woocommerce]
strict_listings = true
listings = ["3001"]
"""
    env = Env(args, workdir, "park", fake_toml=fake)
    try:
        c = env.client
        set_stock(c, "PK-1", 9, "init-pk1")
        set_stock(c, "PK-2", 8, "init-pk2")
        list_everywhere(c, "PK-1", 1, ["woocommerce"])  # product 3001: known
        st, _, _ = c.call("PUT", "/v1/listings/woocommerce/PK-2",
                          {"item_id": "999999"})  # unknown to the shop
        check(st in (200, 201), "listing PK-2")
        wait_converged(env.fake, {("PK-1", 1): 9}, channels=["woocommerce"])
        def sync_of_pk2():
            st, _, doc = c.call("GET", "/v1/listings/woocommerce/PK-2")
            check(st == 200, f"listing PK-2: {st} {doc}")
            return doc["sync"]
        sync = poll("PK-2 parked",
                    lambda: (sync_of_pk2() or {}).get("parked") and
                    sync_of_pk2())
        check("woocommerce_rest_product_invalid_id" in (sync["last_error"]
                                                        or ""),
              f"parked without the channel's error: {sync}")
        st, _, ch = c.call("GET", "/v1/channels/woocommerce")
        check(st == 200 and ch["parked_listings"] == 1, f"channel: {ch}")
        # Parked means no retry storm: the request count stays put.
        n1 = env.fake.counters()["woocommerce"]["requests"]
        time.sleep(1.0)
        n2 = env.fake.counters()["woocommerce"]["requests"]
        check(n2 == n1, f"a parked listing was retried ({n1} -> {n2})")
        # The operator fixes the listing: it is pushed and acknowledged.
        st, _, _ = c.call("PUT", "/v1/listings/woocommerce/PK-2",
                          {"item_id": "3001"})
        check(st == 200, "fixed listing")
        poll("PK-2 acknowledged after the fix",
             lambda: not sync_of_pk2()["parked"] and
             not sync_of_pk2()["pending"])
    finally:
        env.close()


def test_a_dead_channel_does_not_slow_the_others(args, workdir):
    fake = FAKE_FAST + """
[ebay]
timeout_rate = 1.0
timeout_ms = 60000
"""
    env = Env(args, workdir, "breaker", fake_toml=fake, overrides={
        "ebay": "request_timeout_ms = 300\nbreaker_failures = 2\n"})
    try:
        c = env.client
        expected = stock_and_list(c, "BR", 5, lambda n: 30 + n)
        others = [ch for ch in CHANNELS if ch != "ebay"]
        wait_converged(env.fake, expected, channels=others)

        def ebay_open():
            doc = c.call("GET", "/v1/channels/ebay")[2]
            return doc if doc["breaker"] != "closed" else None
        doc = poll("eBay circuit opens", ebay_open)
        check(doc["backlog"] == len(expected), f"eBay backlog: {doc}")
    finally:
        env.close()


def test_ebay_revision_budget(args, workdir):
    env = Env(args, workdir, "ebaybudget")
    try:
        c = env.client
        set_stock(c, "EB-1", 30, "init-eb")
        list_everywhere(c, "EB-1", 1, ["ebay"])
        wait_converged(env.fake, {("EB-1", 1): 30}, channels=["ebay"])
        # One revision at a time: wait for each to be shown, so nothing
        # coalesces. The first 10 of the day go out at once...
        for i in range(9):
            order(c, f"EB-O-{i}", "shopify", "EB-1", 1)
            wait_converged(env.fake, {("EB-1", 1): 29 - i}, channels=["ebay"])
        # ...then ordinary changes are paced over the rest of the day.
        order(c, "EB-O-9", "shopify", "EB-1", 1)
        time.sleep(1.0)
        ebay = env.fake.state()["ebay"]["EB-1"]
        check(ebay["revisions"] == 10 and ebay["quantity"] == 21,
              f"eBay revised beyond its burst: {ebay}")
        st, _, doc = c.call("GET", "/v1/listings/ebay/EB-1")
        check(doc["sync"]["pending"], f"the paced change is not pending: {doc}")
        # A sell-out spends the reserve: shown at once.
        order(c, "EB-O-last", "shopify", "EB-1", 20)
        wait_converged(env.fake, {("EB-1", 1): 0}, deadline_s=10,
                       channels=["ebay"])
    finally:
        env.close()


def test_rejected_oversell_corrects_the_origin(args, workdir):
    env = Env(args, workdir, "oversell")
    try:
        c = env.client
        set_stock(c, "OV-1", 1, "init-ov")
        list_everywhere(c, "OV-1", 1, ["amazon", "shopify"])
        wait_converged(env.fake, {("OV-1", 1): 1},
                       channels=["amazon", "shopify"])
        check(order(c, "OV-A", "shopify", "OV-1", 1)["status"] == "accepted",
              "first order")
        wait_converged(env.fake, {("OV-1", 1): 0},
                       channels=["amazon", "shopify"])
        # Amazon shows 3 again (say, its own stale cache); a buyer orders
        # there; Stockwire refuses: Amazon must be told 0 at once.
        st, _, _ = env.fake.request(
            "amazon", "PATCH",
            "/listings/2021-08-01/items/A2TEST/OV-1?marketplaceIds=ATVPDKIKX0DER",
            {"productType": "PRODUCT", "patches": [{
                "op": "replace", "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT",
                           "quantity": 3}]}]},
            {"x-amz-access-token": "Atza|fake_token"})
        check(st == 200, "direct amazon patch")
        poll("Amazon shows 3",
             lambda: env.fake.state()["amazon"]["OV-1"]["quantity"] == 3)
        check(order(c, "OV-B", "amazon", "OV-1", 1)["status"] == "rejected",
              "oversell not rejected")
        wait_converged(env.fake, {("OV-1", 1): 0}, channels=["amazon"])
    finally:
        env.close()


def test_listing_api_errors_and_delete(args, workdir):
    env = Env(args, workdir, "listings")
    try:
        c = env.client
        expect_error(c.call("PUT", "/v1/listings/nosuch/X-1", {"item_id": "1"}),
                     404, "unknown_channel", "unknown channel")
        expect_error(c.call("GET", "/v1/listings/shopify/NEVER"), 404,
                     "unknown_listing", "no listing")
        set_stock(c, "DL-1", 5, "init-dl")
        list_everywhere(c, "DL-1", 1, ["flipkart"])
        wait_converged(env.fake, {("DL-1", 1): 5}, channels=["flipkart"])
        # Refused listing bodies: the exact error, and the listing as it was.
        before = c.call("GET", "/v1/listings/flipkart/DL-1")[2]["listing"]
        for body, code, what in [
                ("{oops", "malformed_json", "malformed JSON"),
                ({"itemid": "FSN9"}, "invalid_argument", "unknown field"),
                ({"item_id": ["FSN9"]}, "invalid_argument", "wrong type"),
                ({"item_id": "F" * 129}, "invalid_argument", "id too long"),
                ({"item_id": "FSN9", "allocation": {"percent": 101}},
                 "invalid_argument", "percent above 100"),
                ({"item_id": "FSN9", "allocation": {"buffer": -1}},
                 "invalid_argument", "negative buffer")]:
            expect_error(c.call("PUT", "/v1/listings/flipkart/DL-1", body),
                         400, code, what)
        after = c.call("GET", "/v1/listings/flipkart/DL-1")[2]["listing"]
        check(after == before, f"a refused body changed the listing: {after}")
        st, _, doc = c.call("DELETE", "/v1/listings/flipkart/DL-1")
        check(st == 200 and doc["deleted"], f"delete: {st} {doc}")
        expect_error(c.call("DELETE", "/v1/listings/flipkart/DL-1"), 404,
                     "unknown_listing", "delete twice")
        n1 = env.fake.counters()["flipkart"]["requests"]
        order(c, "DL-O", "amazon", "DL-1", 2)
        time.sleep(0.5)
        check(env.fake.counters()["flipkart"]["requests"] == n1,
              "a deleted listing was pushed")
        # CSV import: two good rows, one bad.
        csv = ("channel,sku,item_id,location_id\r\n"
               "shopify,DL-1,70001,1\r\n"
               "flipkart,DL-1,FSN1,LOC1\r\n"
               "nosuch,DL-1,1,1\r\n")
        st, _, doc = c.call("POST", "/v1/listings:import", csv,
                            {"Content-Type": "text/csv"})
        check(st == 200 and doc["imported"] == 2 and doc["failed"] == 1,
              f"import: {st} {doc}")
        wait_converged(env.fake, {("DL-1", 1): 3},
                       channels=["shopify", "flipkart"])
    finally:
        env.close()


def fake_requests(fake):
    return {ch: n["requests"] for ch, n in fake.counters().items()}


def test_poll_mode_pushes_on_the_tick_only(args, workdir):
    env = Env(args, workdir, "poll", overrides=poll_mode(3600))
    try:
        c = env.client
        st, _, doc = c.call("GET", "/v1/channels")
        check(st == 200 and all(x["sync"] == "poll" and
                                x["poll_interval_s"] == 3600
                                for x in doc["channels"]),
              f"/v1/channels does not show poll mode: {doc}")
        skus = list(stock_and_list(c, "PL", 4, lambda n: 10 + n))
        for i in range(8):
            order(c, f"PL-O-{i}", CHANNELS[i % 5], f"PL-{1 + i % 4}", 1)
        # New listings and changes wait for the tick (an hour away).
        time.sleep(1.5)
        check(all(n == 0 for n in fake_requests(env.fake).values()),
              f"poll mode pushed on change: {env.fake.counters()}")
        # An oversell is corrected at once, on its origin channel only.
        check(order(c, "PL-OV", "amazon", "PL-1", 1000)["status"]
              == "rejected", "oversell not rejected")
        wait_converged(env.fake, {("PL-1", 1): available(c, "PL-1")},
                       channels=["amazon"])
        others = fake_requests(env.fake)
        check(all(others[ch] == 0 for ch in CHANNELS if ch != "amazon"),
              f"an oversell correction went beyond its origin: {others}")
        # A 1 s tick: every listing is known again after the restart (from
        # the store), and every tick pushes every SKU, changed or not.
        env.restart(overrides=poll_mode(1))
        c = env.client
        expected = {(sku, n): available(c, sku) for sku, n in skus}
        wait_converged(env.fake, expected)
        before = fake_requests(env.fake)
        poll("unchanged SKUs pushed again on later ticks",
             lambda: all(n > before[ch] + 1
                         for ch, n in fake_requests(env.fake).items()))
        check(env.fake.state()["woocommerce"][fake_key(
            "woocommerce", "PL-1", 1)]["version"] >= 3,
              "woocommerce was not re-set on the ticks")
        order(c, "PL-O-last", "ebay", "PL-2", 3)
        expected[("PL-2", 2)] = available(c, "PL-2")
        wait_converged(env.fake, expected)
        m = metrics(c)
        for ch in CHANNELS:
            check(metric(m, "stockwire_sync_lag_seconds_count", channel=ch)
                  > 0, f"no sync lag samples for {ch} in poll mode")
    finally:
        env.close()


# One SKU (DEMO-1, 2 units) listed on Shopify and WooCommerce, both in poll
# mode with a tick an hour away: once both were told 2 (a resync), a
# Shopify shopper buys both units (accepted) and a WooCommerce shopper,
# still shown 2, buys them too: exactly one oversell, deterministically.
SHOP_CHANNELS = ["shopify", "woocommerce"]
SHOP_NODE = "[demo]\nskus = 1\non_hand = 2\n"


def shop_env(args, workdir, name):
    port = free_port()
    env = Env(args, workdir, name, fake_toml=storefront_toml(port,
                                                            SHOP_CHANNELS),
              overrides=with_secrets(poll_mode(3600, SHOP_CHANNELS),
                                     SHOP_CHANNELS),
              node_toml=SHOP_NODE, http_port=port)
    for ch in SHOP_CHANNELS:
        st, _, doc = env.client.call("POST", f"/v1/channels/{ch}/resync")
        check(st == 200 and doc["queued"] == 1, f"resync {ch}: {st} {doc}")
    poll("both channels show DEMO-1's 2 units",
         lambda: all(shown_demo(env, ch) == 2 for ch in SHOP_CHANNELS))
    return env


def shown_demo(env, ch):
    """What `ch` shows of DEMO-1 (its demo listing key), or None."""
    key = {"shopify": "40001@1", "woocommerce": "1001"}[ch]
    return env.fake.state()[ch].get(key, {}).get("quantity")


def cancellations_on(env, ch):
    return storefront(env.fake)["channels"][ch]["cancellations"]


def test_an_oversell_is_cancelled_once_on_its_channel(args, workdir):
    env = shop_env(args, workdir, "oversell-cancel")
    try:
        c = env.client
        shop(env.fake, "shopify", 2)
        check(available(c, "DEMO-1") == 0, "the Shopify sale was not taken")
        shop(env.fake, "woocommerce", 2)
        poll("the oversold WooCommerce order cancelled on the channel",
             lambda: cancellations_on(env, "woocommerce")["orders"] == 1)
        check(cancellations_on(env, "woocommerce")["units"] == 2,
              f"cancelled units: {cancellations_on(env, 'woocommerce')}")
        check(cancellations_on(env, "shopify")["orders"] == 0,
              "the accepted Shopify order was cancelled")
        bought = {p["channel"]: p for p in purchases(env.fake)}
        check(not bought["shopify"]["cancelled"] and
              bought["woocommerce"]["cancelled"], f"purchases: {bought}")
        check(available(c, "DEMO-1") == 0, "stock changed by the oversell")
        # Both sides count the same: lines by outcome, oversells, units,
        # and exactly one cancellation sent and acknowledged.
        def node_counts():
            m = metrics(c)
            return {
                "accepted": metric(m, "stockwire_channel_order_lines_total",
                                   channel="shopify", status="accepted"),
                "rejected": metric(m, "stockwire_channel_order_lines_total",
                                   channel="woocommerce", status="rejected"),
                "woo_accepted": metric(
                    m, "stockwire_channel_order_lines_total",
                    channel="woocommerce", status="accepted"),
                "oversells": metric(m, "stockwire_oversells_total",
                                    channel="woocommerce"),
                "units": metric(m, "stockwire_oversold_units_total",
                                channel="woocommerce"),
                "sent": metric(m, "stockwire_channel_cancellations_total",
                               channel="woocommerce", result="sent"),
                "acked": metric(m, "stockwire_channel_cancellations_total",
                                channel="woocommerce",
                                result="acknowledged"),
                "shopify_oversells": metric(m, "stockwire_oversells_total",
                                            channel="shopify"),
            }
        want = {"accepted": 1, "rejected": 1, "woo_accepted": 0,
                "oversells": 1, "units": 2, "sent": 1, "acked": 1,
                "shopify_oversells": 0}
        poll(f"node counts {want}", lambda: node_counts() == want)
        st, _, doc = c.call("GET", "/v1/oversells")
        check(st == 200, f"/v1/oversells: {st} {doc}")
        check(doc["totals"]["oversells"] == 1 and
              doc["totals"]["oversold_units"] == 2 and
              doc["totals"]["cancellations_pending"] == 0 and
              doc["totals"]["cancellations_acknowledged"] == 1,
              f"/v1/oversells totals: {doc}")
        rec = doc["recent"]
        woo_id = bought["woocommerce"]["order_id"]
        check(len(rec) == 1 and rec[0]["channel"] == "woocommerce" and
              rec[0]["order_id"] == f"woocommerce:{woo_id}" and
              rec[0]["channel_order_id"] == str(woo_id) and
              rec[0]["sku"] == "DEMO-1" and rec[0]["qty"] == 2 and
              rec[0]["cancellation"] == "acknowledged",
              f"/v1/oversells recent: {rec}")
        # The route takes no query and only GET; refused requests change
        # nothing.
        doc_err = expect_error(c.call("GET", "/v1/oversells?limit=5"), 400,
                               "invalid_argument", "a query on /v1/oversells")
        check("unknown query parameter 'limit'" in
              doc_err["error"]["message"], f"{doc_err}")
        expect_error(c.call("POST", "/v1/oversells", {}), 405,
                     "method_not_allowed", "POST /v1/oversells")
        check(c.call("GET", "/v1/oversells")[2] == doc,
              "/v1/oversells changed by refused requests")
        # Corrected at once; nothing else was pushed (no tick yet).
        check(shown_demo(env, "woocommerce") == 0 and
              shown_demo(env, "shopify") == 0, "what the channels show")
    finally:
        env.close()


def test_a_cancellation_survives_a_sigkill_before_it_is_sent(args, workdir):
    env = shop_env(args, workdir, "oversell-crash")
    try:
        # WooCommerce unreachable for the node (its shoppers and webhooks
        # go on): the cancellation cannot be sent.
        dead = free_port()
        env.restart(ports={"woocommerce": dead},
                    overrides=with_secrets(poll_mode(3600, SHOP_CHANNELS),
                                           SHOP_CHANNELS))
        c = env.client
        shop(env.fake, "shopify", 2)
        shop(env.fake, "woocommerce", 2)

        def woo_report():
            doc = c.call("GET", "/v1/oversells")[2]
            return next(x for x in doc["channels"]
                        if x["channel"] == "woocommerce")
        poll("the cancellation tried and pending",
             lambda: woo_report()["oversells"] == 1 and
             woo_report()["cancellations"]["sent"] >= 1)
        check(woo_report()["cancellations"]["pending"] == 1,
              f"not pending: {woo_report()}")
        env.restart(kill=True,
                    overrides=with_secrets(poll_mode(3600, SHOP_CHANNELS),
                                           SHOP_CHANNELS))
        c = env.client
        poll("the recovered cancellation acknowledged by WooCommerce",
             lambda: cancellations_on(env, "woocommerce")["orders"] == 1,
             deadline_s=30)
        poll("the node forgets the acknowledged cancellation",
             lambda: woo_report()["cancellations"]["pending"] == 0 and
             woo_report()["cancellations"]["acknowledged"] == 1)
        # Counted by the process that rejected it, not again on recovery.
        check(woo_report()["oversells"] == 0, f"recovered counted twice: "
              f"{woo_report()}")
        check(cancellations_on(env, "shopify")["orders"] == 0,
              "the accepted order was cancelled")
        # Deleted for good: another restart sends nothing again.
        env.restart(overrides=with_secrets(poll_mode(3600, SHOP_CHANNELS),
                                           SHOP_CHANNELS))
        c = env.client
        time.sleep(1.0)
        check(woo_report()["cancellations"]["sent"] == 0,
              f"an acknowledged cancellation was sent again: {woo_report()}")
    finally:
        env.close()


def test_partial_oversells_api_orders_and_replays(args, workdir):
    env = Env(args, workdir, "oversell-webhooks",
              overrides=with_secrets({}, ["shopify", "flipkart"]))
    try:
        c = env.client
        set_stock(c, "PO-A", 5, "init-poa")
        set_stock(c, "PO-B", 0, "init-pob")
        # An API order is answered "rejected" to its caller: no cancellation.
        st, _, doc = c.call("POST", "/v1/orders", {
            "order_id": "api-1", "channel": "shopify",
            "lines": [{"sku": "PO-B", "qty": 1}]})
        check(st == 200 and doc["lines"][0]["status"] == "rejected",
              f"api order: {st} {doc}")
        # Shopify cancels whole orders: one oversold line voids the order,
        # so its accepted line gives its stock back.
        body = json.dumps(shopify_order(555001, [("PO-A", 2), ("PO-B", 1)]))
        hdrs = shopify_headers("demo-shopify-webhook-secret", body,
                               "orders/create", "ev-555001-a")
        st, _, doc = c.call("POST", "/webhooks/shopify", body, hdrs)
        check(st == 200, f"webhook: {st} {doc}")
        lines = {x["sku"]: x["status"] for x in doc["events"][0]["lines"]}
        check(lines == {"PO-A": "cancelled", "PO-B": "rejected"},
              f"lines of the partly oversold order: {lines}")
        check(available(c, "PO-A") == 5, "the void order kept PO-A's stock")
        # A replay (another delivery of the same order) changes nothing.
        hdrs = shopify_headers("demo-shopify-webhook-secret", body,
                               "orders/create", "ev-555001-b")
        st, _, doc = c.call("POST", "/webhooks/shopify", body, hdrs)
        check(st == 200 and available(c, "PO-A") == 5, f"replay: {doc}")
        # Flipkart cancels order items: the accepted line stands.
        relay = json.dumps({"event": "order.created", "order_id": "OD1001",
                            "lines": [{"sku": "PO-A", "qty": 1},
                                      {"sku": "PO-B", "qty": 2}]})
        st, _, doc = c.call("POST", "/webhooks/flipkart", relay,
                            relay_headers("flipkart", relay))
        check(st == 200, f"relay: {st} {doc}")
        lines = {x["sku"]: x["status"] for x in doc["events"][0]["lines"]}
        check(lines == {"PO-A": "accepted", "PO-B": "rejected"},
              f"lines of the Flipkart order: {lines}")
        check(available(c, "PO-A") == 4, "the Flipkart line was not taken")
        # The fake took neither order: each cancellation is refused for
        # good (parked) and visible, one per oversold order, none for the
        # API order or the replay.
        def report():
            return c.call("GET", "/v1/oversells")[2]
        poll("both cancellations refused and parked",
             lambda: report()["totals"]["cancellations_parked"] == 2)
        doc = report()
        check(doc["totals"]["oversells"] == 2 and
              doc["totals"]["oversold_units"] == 3, f"totals: {doc}")
        by_channel = {x["channel"]: x for x in doc["recent"]}
        check(by_channel["shopify"]["order_id"] == "shopify:555001" and
              by_channel["shopify"]["cancellation"] == "parked" and
              "NOT_FOUND" in by_channel["shopify"]["last_error"],
              f"shopify record: {doc['recent']}")
        check(by_channel["flipkart"]["channel_order_id"] == "OD1001" and
              by_channel["flipkart"]["qty"] == 2, f"flipkart: {doc}")
        m = metrics(c)
        check(metric(m, "stockwire_channel_cancellations_total",
                     channel="shopify", result="sent") == 1,
              "the replay sent a second cancellation")
        check(metric(m, "stockwire_channel_order_lines_total",
                     channel="shopify", status="accepted") == 1 and
              metric(m, "stockwire_channel_order_lines_total",
                     channel="shopify", status="rejected") == 1,
              "lines counted by first decision (the API order and the "
              "replay are not channel lines)")
        check(metric(m, "stockwire_channel_cancellations_pending",
                     channel="shopify") == 1, "parked counts as pending")
    finally:
        env.close()


def test_sync_mode_config_is_checked(args, workdir):
    for i, (text, key) in enumerate([
            ('sync = "push"\n', "channels.shopify.sync"),
            ("poll_interval_s = 0\n", "channels.shopify.poll_interval_s"),
            ("poll_interval_s = 86401\n", "channels.shopify.poll_interval_s"),
            ('sync = "poll"\npoll_interval_s = "5m"\n',
             "channels.shopify.poll_interval_s")]):
        node = Node(args.stockwired, workdir, f"badsync{i}",
                    "[channels.shopify]\nendpoint = \"http://127.0.0.1:1\"\n"
                    + text)
        proc = subprocess.run([args.stockwired, "--config", node.config],
                              capture_output=True, text=True, timeout=30)
        check(proc.returncode == 2 and key in proc.stderr,
              f"{text!r}: exit {proc.returncode}, {proc.stderr!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stockwired", required=True)
    parser.add_argument("--fakechannel", required=True)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    tests = [
        test_all_channels_converge,
        test_coalescing_on_a_hot_sku,
        test_allocation,
        test_429s_are_retried,
        test_permanent_errors_park_the_listing,
        test_a_dead_channel_does_not_slow_the_others,
        test_ebay_revision_budget,
        test_rejected_oversell_corrects_the_origin,
        test_listing_api_errors_and_delete,
        test_poll_mode_pushes_on_the_tick_only,
        test_an_oversell_is_cancelled_once_on_its_channel,
        test_a_cancellation_survives_a_sigkill_before_it_is_sent,
        test_partial_oversells_api_orders_and_replays,
        test_sync_mode_config_is_checked,
    ]
    with tempfile.TemporaryDirectory() as workdir:
        return run_tests([(t.__name__, lambda t=t: t(args, workdir))
                          for t in tests if args.only in t.__name__])


if __name__ == "__main__":
    sys.exit(main())
