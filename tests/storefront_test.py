#!/usr/bin/env python3
"""Process-level test of fakechannel's storefront: simulated shoppers that
buy on the five fake channels only while a channel shows stock, and deliver
every purchase to Stockwire as that channel's real, signed webhook
(Python 3 standard library only).

Stockwire is played by a small HTTP server started here. It checks each
delivery the way Stockwire's parsers do (docs/WEBHOOKS.md): signature
base64(HMAC-SHA256(secret, raw body)) in the channel's header, topic
headers, the body's order id, SKU and quantity fields, timestamps; and it
answers 503 to the first attempt of every third order, to prove retries.
Stock is pushed to the listings through the channels' own APIs, as
Stockwire's connectors push it.

Checked: shoppers buy only while the channel shows > 0 (no purchase with
shown_before <= 0, shown quantities never negative, a push of 0 ends
sales of that listing); each purchase counts the shown quantity down;
every purchase is delivered exactly once in the end (503s retried, WooCommerce
with a new Delivery-ID per attempt); the same seed gives the same purchases
twice, another seed others; a burst multiplies arrivals in its window;
stop and duration end a run; cancellations through each channel's API mark
purchases cancelled and the counts match. No timing is asserted: runs are
polled with deadlines.
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import re
import sys
import tempfile
import threading
import time

from fake_util import AMAZON_AUTH, Fake

POLL_DEADLINE_S = 20

CHANNELS = ["shopify", "amazon", "woocommerce", "ebay", "flipkart"]

# Not the demo secrets: the fake must sign with the configured ones.
SECRETS = {"shopify": "shpss_test_7f3a", "amazon": "relay-amzn-test-1",
           "woocommerce": "wc-test-secret-2", "ebay": "relay-ebay-test-3",
           "flipkart": "relay-fk-test-4"}

SHOPIFY_AUTH = {"X-Shopify-Access-Token": "shpat_fake_token"}
WOO_AUTH = {"Authorization": "Basic " +
            base64.b64encode(b"ck_fake:cs_fake").decode()}
EBAY_AUTH = {"Authorization": "Bearer v^1.1#fake_token"}
FLIPKART_AUTH = {"Authorization": "Bearer fake_flipkart_token"}

SKUS = 5


class TestFailure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise TestFailure(what)


def wait_until(what, predicate, deadline_s=POLL_DEADLINE_S):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise TestFailure("timed out waiting for " + what)


def sign(secret, body):
    return base64.b64encode(
        hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


# -- Stockwire's stand-in -------------------------------------------------------

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
WOO_GMT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
ORDER_ID = {"amazon": re.compile(r"^\d{3}-\d{7}-\d{7}$"),
            "ebay": re.compile(r"^\d{2}-\d{5}-\d{5}$"),
            "flipkart": re.compile(r"^OD\d{18}$")}


def parse_delivery(channel, headers, raw):
    """(order_id, sku, qty) of a valid delivery, else raises ValueError with
    what Stockwire's parser would refuse."""
    h = {k.lower(): v for k, v in headers.items()}
    sig_header = {"shopify": "x-shopify-hmac-sha256",
                  "woocommerce": "x-wc-webhook-signature"}.get(
                      channel, "x-stockwire-signature")
    if h.get(sig_header) != sign(SECRETS[channel], raw):
        raise ValueError("signature does not match")
    doc = json.loads(raw)
    if channel == "shopify":
        for name in ("x-shopify-event-id", "x-shopify-webhook-id",
                     "x-shopify-shop-domain", "x-shopify-api-version"):
            if not h.get(name):
                raise ValueError("missing " + name)
        if h.get("x-shopify-topic") != "orders/create":
            raise ValueError("topic " + str(h.get("x-shopify-topic")))
        if not RFC3339.match(h.get("x-shopify-triggered-at", "")):
            raise ValueError("X-Shopify-Triggered-At")
        if not isinstance(doc["id"], int) or doc["cancelled_at"] is not None:
            raise ValueError("order id / cancelled_at")
        lines = [(li["sku"], li["quantity"]) for li in doc["line_items"]]
        return str(doc["id"]), lines
    if channel == "woocommerce":
        if (h.get("x-wc-webhook-topic"), h.get("x-wc-webhook-resource"),
                h.get("x-wc-webhook-event")) != \
                ("order.created", "order", "created"):
            raise ValueError("woo topic headers")
        if not h.get("x-wc-webhook-delivery-id"):
            raise ValueError("missing X-WC-Webhook-Delivery-ID")
        if doc["status"] != "processing" or not isinstance(doc["id"], int):
            raise ValueError("status / id")
        if not WOO_GMT.match(doc["date_modified_gmt"]):
            raise ValueError("date_modified_gmt")
        for li in doc["line_items"]:
            n = int(li["sku"].split("-")[1])
            if li["product_id"] != 1000 + n or li["variation_id"] != 0:
                raise ValueError("product id of " + li["sku"])
        lines = [(li["sku"], li["quantity"]) for li in doc["line_items"]]
        return str(doc["id"]), lines
    if channel == "amazon":
        if doc["NotificationType"] != "ORDER_CHANGE" or \
                not RFC3339.match(doc["EventTime"]) or \
                not doc["NotificationMetadata"]["NotificationId"]:
            raise ValueError("ORDER_CHANGE envelope")
        change = doc["Payload"]["OrderChangeNotification"]
        summary = change["Summary"]
        if summary["OrderStatus"] != "Unshipped":
            raise ValueError("OrderStatus " + summary["OrderStatus"])
        order_id = change["AmazonOrderId"]
        lines = [(i["SellerSKU"], i["Quantity"])
                 for i in summary["OrderItems"]]
    else:  # the Stockwire relay format (eBay, Flipkart)
        if doc["event"] != "order.created" or not doc["delivery_id"] or \
                not RFC3339.match(doc["occurred_at"]):
            raise ValueError("relay envelope")
        order_id = doc["order_id"]
        lines = [(l["sku"], l["qty"]) for l in doc["lines"]]
    if not ORDER_ID[channel].match(order_id):
        raise ValueError("order id " + order_id)
    return order_id, lines


class Stockwire:
    """A stand-in for stockwired's POST /webhooks/{channel}: verifies and
    records deliveries; the first attempt of every third order gets 503."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted = {}     # (channel, order_id) -> [lines, ...]
        self.attempts = {}     # (channel, order_id) -> attempts
        self.refused = set()   # (channel, order_id) answered 503 once
        self.woo_delivery_ids = {}  # order_id -> set of Delivery-IDs
        self.errors = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                status = outer.receive(self.path, dict(self.headers), raw)
                body = b'{"ok":true}' if status == 200 else b'{"error":1}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def receive(self, path, headers, raw):
        m = re.match(r"^/webhooks/(\w+)$", path)
        if not m or m.group(1) not in CHANNELS:
            with self.lock:
                self.errors.append("path " + path)
            return 404
        channel = m.group(1)
        try:
            order_id, lines = parse_delivery(channel, headers, raw)
        except (ValueError, KeyError, TypeError, IndexError) as e:
            with self.lock:
                self.errors.append("%s: %r" % (channel, e))
            return 400
        key = (channel, order_id)
        with self.lock:
            n = self.attempts.get(key, 0) + 1
            self.attempts[key] = n
            if channel == "woocommerce":
                self.woo_delivery_ids.setdefault(order_id, set()).add(
                    headers.get("X-WC-Webhook-Delivery-ID"))
            if n == 1 and len(self.attempts) % 3 == 0:
                self.refused.add(key)
                return 503
            self.accepted.setdefault(key, []).append(lines)
        return 200

    def clear(self):
        with self.lock:
            self.accepted.clear()
            self.attempts.clear()
            self.refused.clear()
            self.woo_delivery_ids.clear()
            self.errors.clear()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def fake_toml(stockwire_url):
    out = ["seed = 3",
           "[amazon]", "apply_delay_ms = 30", "rate_per_s = 1000",
           "burst = 1000", "feed_processing_ms = 50",
           "[storefront]", "enabled = true",
           'stockwire_url = "%s"' % stockwire_url,
           "skus = %d" % SKUS, "rate_per_s = 40", "duration_s = 1.5",
           "connections_per_channel = 2", "retry_delay_ms_min = 50",
           "retry_delay_ms_max = 400"]
    for c in CHANNELS:
        out += ["[storefront.%s]" % c, 'webhook_secret = "%s"' % SECRETS[c]]
    return "\n".join(out) + "\n"


# -- Stock pushes, as Stockwire's connectors send them -------------------------

GQL = "/admin/api/2026-04/graphql.json"
MUTATION = ("mutation Set($input: InventorySetQuantitiesInput!, $key: "
            "String!) { inventorySetQuantities(input: $input) "
            "@idempotent(key: $key) { userErrors { code field message } } }")
push_seq = [0]


def push(fake, channel, n, quantity):
    """Sets what `channel` shows for DEMO-n, through its API."""
    sku = "DEMO-%d" % n
    push_seq[0] += 1
    if channel == "shopify":
        body = {"query": MUTATION, "variables": {
            "key": "push-%d" % push_seq[0],
            "input": {"name": "available", "reason": "correction",
                      "quantities": [{
                          "inventoryItemId":
                              "gid://shopify/InventoryItem/%d" % (40000 + n),
                          "locationId": "gid://shopify/Location/1",
                          "quantity": quantity,
                          "changeFromQuantity": None}]}}}
        s, _, b = fake.request("shopify", "POST", GQL, body, SHOPIFY_AUTH)
        ok = s == 200 and \
            b["data"]["inventorySetQuantities"]["userErrors"] == []
    elif channel == "amazon":
        target = ("/listings/2021-08-01/items/A2DEMOSELLER/%s"
                  "?marketplaceIds=ATVPDKIKX0DER" % sku)
        body = {"productType": "PRODUCT", "patches": [{
            "op": "replace", "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT",
                       "quantity": quantity}]}]}
        s, _, b = fake.request("amazon", "PATCH", target, body, AMAZON_AUTH)
        ok = s == 200 and b["status"] == "ACCEPTED"
    elif channel == "woocommerce":
        s, _, b = fake.request(
            "woocommerce", "POST", "/wp-json/wc/v3/products/batch",
            {"update": [{"id": 1000 + n, "stock_quantity": quantity}]},
            WOO_AUTH)
        ok = s == 200 and "error" not in b["update"][0]
    elif channel == "ebay":
        s, _, b = fake.request(
            "ebay", "POST", "/sell/inventory/v1/bulk_update_price_quantity",
            {"requests": [{"sku": sku, "shipToLocationAvailability":
                           {"quantity": quantity}}]}, EBAY_AUTH)
        ok = s == 200 and b["responses"][0]["statusCode"] == 200
    else:
        s, _, b = fake.request(
            "flipkart", "POST", "/listings/v3/update/inventory",
            {sku: {"product_id": "FSNDEMO%d" % n,
                   "locations": [{"id": "LOCDEMO", "inventory": quantity}]}},
            FLIPKART_AUTH)
        ok = s == 200 and b[sku]["status"] == "SUCCESS"
    check(ok, "push %s %s=%d: %s %s" % (channel, sku, quantity, s, b))


def listing_key(channel, n):
    return {"shopify": "%d@1" % (40000 + n),
            "woocommerce": str(1000 + n)}.get(channel, "DEMO-%d" % n)


def push_all(fake, quantity):
    for c in CHANNELS:
        for n in range(1, SKUS + 1):
            push(fake, c, n, quantity)
    # Amazon applies an accepted change later (apply_delay_ms).
    wait_until("amazon applied", lambda: all(
        fake.state()["amazon"].get("DEMO-%d" % n, {}).get("quantity") ==
        quantity for n in range(1, SKUS + 1)))


# -- Storefront control ----------------------------------------------------------

def control(fake, method, path, body=None):
    s, _, b = fake.request("shopify", method, path, body)
    check(s == 200, "%s %s: %s %s" % (method, path, s, b))
    return b


def status(fake):
    return control(fake, "GET", "/_fake/storefront")


def purchases(fake):
    return control(fake, "GET", "/_fake/purchases")["purchases"]


def run_to_end(fake, overrides):
    """Starts a run, waits until it ended and every webhook is delivered."""
    b = control(fake, "POST", "/_fake/storefront/start", overrides)
    check(b["running"] is True, "running after start: %s" % b)

    def drained():
        st = status(fake)
        return st if not st["running"] and \
            st["totals"]["webhooks"]["pending"] == 0 else None
    return wait_until("the run to end and drain", drained)


def schedule(ps):
    return [(p["t_ms"], p["channel"], p["sku"], p["qty"], p["shown_before"])
            for p in ps]


# -- Tests -----------------------------------------------------------------------

def test_sold_out_delivered_and_reproducible(fake, stockwire):
    fake.reset()
    stockwire.clear()
    push_all(fake, 4)
    st = run_to_end(fake, {"seed": 11})
    check(st["stop_reason"] == "duration", "ended by duration: %s" % st)
    ps = purchases(fake)
    check(len(ps) > 0, "some purchases")
    # Buy only what is shown, one unit at a time, counting it down.
    for p in ps:
        check(1 <= p["qty"] <= p["shown_before"], "bought unshown: %s" % p)
    shown_seq = {}
    for p in ps:
        shown_seq.setdefault((p["channel"], p["sku"]), []).append(
            p["shown_before"])
    for key, seq in shown_seq.items():
        check(seq == list(range(4, 4 - len(seq), -1)),
              "shown counted down per sale %s: %s" % (key, seq))
    state = fake.state()
    for c in CHANNELS:
        for n in range(1, SKUS + 1):
            q = state[c][listing_key(c, n)]["quantity"]
            sold = sum(p["qty"] for p in ps if p["channel"] == c and
                       p["sku"] == "DEMO-%d" % n)
            check(q >= 0 and q == 4 - sold,
                  "%s DEMO-%d shows %d after %d sold" % (c, n, q, sold))
    # 40 shoppers/s for 1.5 s on 20 units per channel: most listings sell
    # out and later shoppers leave empty-handed.
    check(st["totals"]["sold_out"] > 0, "shoppers met sold-out listings")
    # History: a push to 4, then sales down by their quantity, never < 0.
    for n in range(1, SKUS + 1):
        h = control(fake, "GET", "/_fake/history?sku=DEMO-%d" % n)
        for c in CHANNELS:
            points = h["channels"][c]["points"]
            check(h["channels"][c]["dropped"] == 0, "nothing dropped")
            check(points[0][1:] == [4, "push"], "%s starts with the push: %s"
                  % (c, points))
            for before, after in zip(points, points[1:]):
                check(after[1] >= 0, "negative shown: %s" % points)
                if after[2] == "sale":
                    check(before[1] - after[1] >= 1, "sale drops: %s" % points)
    # Delivered exactly once each, retried after 503s.
    with stockwire.lock:
        check(stockwire.errors == [], "refused deliveries: %s" %
              stockwire.errors[:5])
        accepted = dict(stockwire.accepted)
        refused = set(stockwire.refused)
        woo_ids = dict(stockwire.woo_delivery_ids)
    check(len(refused) > 0, "some first attempts were refused")
    for p in ps:
        key = (p["channel"], p["order_id"])
        check(p["delivered"] is True, "delivered flag: %s" % p)
        check(accepted.get(key) == [[(p["sku"], p["qty"])]],
              "delivered exactly once with its line: %s -> %s" %
              (p, accepted.get(key)))
    check(len(accepted) == len(ps), "no other orders delivered")
    for (c, order_id) in refused:
        if c == "woocommerce":
            check(len(woo_ids[order_id]) == 2,
                  "woo Delivery-ID new per attempt: %s" % woo_ids[order_id])
    t = st["totals"]
    check(t["purchases"] == len(ps) and
          t["units"] == sum(p["qty"] for p in ps) and
          t["webhooks"]["delivered"] == len(ps) and
          t["webhooks"]["retried"] >= len(refused) and
          t["webhooks"]["failures"] >= len(refused) and
          t["webhooks"]["attempts"] >= len(ps) + len(refused) and
          t["webhooks"]["last_failure"] == "HTTP 503",
          "counters: %s (refused %d)" % (t, len(refused)))
    check(sum(st["channels"][c]["purchases"] for c in CHANNELS) ==
          t["purchases"], "totals add up")
    # The same seed and shown quantities: the same purchases; new order ids.
    first = schedule(ps)
    first_ids = {p["order_id"] for p in ps}
    fake.reset()
    push_all(fake, 4)
    run_to_end(fake, {"seed": 11})
    again = purchases(fake)
    check(schedule(again) == first, "same seed, same purchases")
    check(first_ids.isdisjoint(p["order_id"] for p in again),
          "order ids unique across runs")
    fake.reset()
    push_all(fake, 4)
    run_to_end(fake, {"seed": 12})
    check(schedule(purchases(fake)) != first, "another seed, others")


def amazon_cancel_feed(fake, rows):
    text = "order-id\tamazon-order-item-code\tcancellation-reason-code\n" + \
        "".join("%s\t\tNoInventory\n" % r for r in rows)
    feed, _ = fake.amazon_feed("POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA",
                               "text/tab-separated-values; charset=UTF-8",
                               text)
    check(feed["processingStatus"] == "DONE", "feed: %s" % feed)


def cancel(fake, channel, order_id):
    if channel == "shopify":
        s, _, b = fake.request("shopify", "POST", GQL, {
            "query": "mutation C($orderId: ID!, $reason: OrderCancelReason!, "
                     "$refund: Boolean!, $restock: Boolean!, "
                     "$notifyCustomer: Boolean) { orderCancel(orderId: "
                     "$orderId, reason: $reason, refund: $refund, restock: "
                     "$restock, notifyCustomer: $notifyCustomer) { job { id "
                     "done } orderCancelUserErrors { field message code } } }",
            "variables": {"orderId": "gid://shopify/Order/" + order_id,
                          "reason": "INVENTORY", "refund": True,
                          "restock": False, "notifyCustomer": True}},
            SHOPIFY_AUTH)
        ok = s == 200 and b["data"]["orderCancel"][
            "orderCancelUserErrors"] == []
    elif channel == "woocommerce":
        s, _, b = fake.request("woocommerce", "PUT",
                               "/wp-json/wc/v3/orders/" + order_id,
                               {"status": "cancelled"}, WOO_AUTH)
        ok = s == 200 and b["status"] == "cancelled"
    elif channel == "ebay":
        s, _, b = fake.request("ebay", "POST", "/post-order/v2/cancellation",
                               {"legacyOrderId": order_id, "cancelReason":
                                "OUT_OF_STOCK_OR_CANNOT_FULFILL"}, EBAY_AUTH)
        ok = s == 201 and b["cancelId"]
    elif channel == "flipkart":
        s, _, b = fake.request("flipkart", "POST", "/sellers/v2/orders/cancel",
                               {"orderItems": [{
                                   "orderItemId": order_id,
                                   "reason": "not_enough_inventory",
                                   "quantity": 1}]}, FLIPKART_AUTH)
        ok = s == 200 and b["orderItems"][0]["status"] == "SUCCESS"
    else:
        amazon_cancel_feed(fake, [order_id])
        s, b, ok = 202, None, True
    check(ok, "cancel %s %s: %s %s" % (channel, order_id, s, b))


def test_cancellations_marked_and_counted(fake, stockwire):
    # Continues on the last run's purchases.
    ps = purchases(fake)
    chosen = {}
    for p in ps:
        chosen.setdefault(p["channel"], p)
    check(sorted(chosen) == sorted(CHANNELS), "a purchase on every channel")
    for c, p in chosen.items():
        cancel(fake, c, p["order_id"])
        cancel(fake, c, p["order_id"])  # a repeat: success, counted once
    after = purchases(fake)
    cancelled = {(p["channel"], p["order_id"]) for p in after
                 if p["cancelled"]}
    check(cancelled == {(c, p["order_id"]) for c, p in chosen.items()},
          "exactly the cancelled orders are marked: %s" % cancelled)
    st = status(fake)
    for c, p in chosen.items():
        n = st["channels"][c]["cancellations"]
        check(n == {"orders": 1, "units": p["qty"]},
              "%s cancellations: %s" % (c, n))
    check(st["totals"]["cancellations"]["orders"] == len(CHANNELS),
          "total cancellations: %s" % st["totals"])


def test_burst_push_to_zero_and_stop(fake, stockwire):
    fake.reset()
    stockwire.clear()
    push_all(fake, 100000)
    st = run_to_end(fake, {"seed": 5, "rate_per_s": 20, "duration_s": 1.5,
                           "burst_multiplier": 10, "burst_start_s": 0.5,
                           "burst_duration_s": 0.5})
    ps = purchases(fake)
    inside = sum(1 for p in ps if 500 <= p["t_ms"] < 1000)
    outside = len(ps) - inside
    # 10x the rate for a third of the time: ~1000 vs ~200 expected.
    check(inside > 3 * outside, "burst: %d inside vs %d outside" %
          (inside, outside))
    check(st["plan"]["burst_multiplier"] == 10, "plan shown: %s" % st["plan"])
    # A push of 0 (Stockwire's correction) ends sales of that listing.
    fake.reset()
    push_all(fake, 100000)
    control(fake, "POST", "/_fake/storefront/start",
            {"seed": 6, "rate_per_s": 0, "shopify": {"rate_per_s": 200},
             "skus": 1, "duration_s": 0})
    wait_until("shopify sales", lambda: len(purchases(fake)) >= 20)
    push(fake, "shopify", 1, 0)
    pushed = [pt for pt in control(fake, "GET", "/_fake/history?sku=DEMO-1")
              ["channels"]["shopify"]["points"] if pt[2] == "push"][-1]
    check(pushed[1] == 0, "history has the push: %s" % pushed)
    time.sleep(0.3)  # shoppers keep coming and find nothing
    st = control(fake, "POST", "/_fake/storefront/stop")
    check(st["running"] is False and st["stop_reason"] == "stopped",
          "stopped: %s" % st)
    ps = purchases(fake)
    check(all(p["channel"] == "shopify" for p in ps), "only shopify shops")
    late = [p for p in ps if p["t_ms"] > pushed[0]]
    check(late == [], "purchases after the push of 0: %s" % late[:3])
    check(st["channels"]["shopify"]["sold_out"] > 0, "shoppers left")
    count = len(ps)
    time.sleep(0.2)
    check(len(purchases(fake)) == count, "no purchases after stop")
    check(fake.state()["shopify"]["40001@1"]["quantity"] == 0, "shows 0")


def test_control_errors(fake, stockwire):
    fake.reset()
    s, _, b = fake.request("ebay", "POST", "/_fake/storefront/start",
                           {"warp": 9})
    check(s == 400 and "warp" in b["error"], "unknown override: %s" % b)
    s, _, b = fake.request("ebay", "POST", "/_fake/storefront/start",
                           {"rate_per_s": -1})
    check(s == 400 and "rate_per_s" in b["error"], "range: %s" % b)
    control(fake, "POST", "/_fake/storefront/start", {"duration_s": 0})
    s, _, b = fake.request("ebay", "POST", "/_fake/storefront/start")
    check(s == 409, "second start: %s %s" % (s, b))
    control(fake, "POST", "/_fake/storefront/stop")
    s, _, b = fake.request("ebay", "GET", "/_fake/history")
    check(s == 400, "history needs a sku: %s" % b)
    s, _, b = fake.request("ebay", "GET", "/_fake/purchases?channel=etsy")
    check(s == 400, "unknown channel: %s" % b)
    fake.reset()
    st = status(fake)
    check(st["running"] is False and st["totals"]["purchases"] == 0 and
          purchases(fake) == [], "reset clears the storefront: %s" % st)


def test_disabled_storefront_refuses_start(binary, workdir):
    fake = Fake(binary, workdir, "disabled", "")
    try:
        s, _, b = fake.request("shopify", "POST", "/_fake/storefront/start")
        check(s == 409 and "disabled" in b["error"], "409: %s %s" % (s, b))
        s, _, b = fake.request("shopify", "GET", "/_fake/storefront")
        check(s == 200 and b["enabled"] is False, "status: %s" % b)
    finally:
        fake.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fakechannel", required=True)
    args = ap.parse_args()
    failures = 0
    stockwire = Stockwire()
    with tempfile.TemporaryDirectory() as workdir:
        fake = Fake(args.fakechannel, workdir, "storefront",
                    fake_toml(stockwire.url()))
        try:
            for t in [test_sold_out_delivered_and_reproducible,
                      test_cancellations_marked_and_counted,
                      test_burst_push_to_zero_and_stop, test_control_errors]:
                try:
                    t(fake, stockwire)
                    print("PASS %s" % t.__name__)
                except Exception as e:  # report and go on
                    failures += 1
                    print("FAIL %s: %r" % (t.__name__, e))
        finally:
            fake.stop()
        try:
            test_disabled_storefront_refuses_start(args.fakechannel, workdir)
            print("PASS test_disabled_storefront_refuses_start")
        except Exception as e:
            failures += 1
            print("FAIL test_disabled_storefront_refuses_start: %r" % e)
    stockwire.stop()
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
