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
  listing stops pushes.
Timing is never asserted: convergence is polled with a deadline.
"""
import argparse
import sys
import tempfile
import threading
import time

from fake_util import Fake
from http_util import Node, check, expect_error, run_tests
from sync_util import (CHANNELS, available, channels_toml, fake_key,
                       list_everywhere, metric, metrics, poll, set_stock,
                       stock_and_list, wait_converged)

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
                 overrides=None, node_toml=""):
        self.fake = Fake(args.fakechannel, workdir, name + "-fake", fake_toml)
        self.node = Node(args.stockwired, workdir, name,
                         NODE_BASE + node_toml + "\n" +
                         channels_toml(self.fake, overrides))
        self.node.start()
        self.client = self.node.client()

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
    ]
    with tempfile.TemporaryDirectory() as workdir:
        return run_tests([(t.__name__, lambda t=t: t(args, workdir))
                          for t in tests if args.only in t.__name__])


if __name__ == "__main__":
    sys.exit(main())
