#!/usr/bin/env python3
"""Process-level test of fakechannel (Python 3 standard library only).

Starts the binary on free ports (port 0; it prints "listening <channel>
<host> <port>") and checks, per channel: a valid update changes
/_fake/state, bad auth is refused, a malformed payload gets the channel's
error shape, batch limits, 429 when the rate limit is exceeded (tiny limits
in the test config), Amazon's delayed apply, and partial failures inside a
200 with strict listings. The order-cancellation endpoints (the merchant's
answer to an oversell) are checked on orders placed by the storefront's
shoppers (webhooks go to a dead address and are simply retried): auth,
success, unknown order, a repeat answered as success and counted once,
and Amazon's acknowledgement feed. Timing is never asserted: delayed
effects are polled with a deadline.
"""
import argparse
import base64
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

from fake_util import AMAZON_AUTH, Fake

POLL_DEADLINE_S = 20

LENIENT = """
seed = 7
[shopify]
rest_bucket_size = 3
rest_leak_per_s = 0.001
graphql_bucket_points = 30
graphql_restore_per_s = 0.001
mutation_cost = 10
[amazon]
rate_per_s = 0.001
burst = 4
apply_delay_ms = 2000
feed_processing_ms = 300
[woocommerce]
rate_per_s = 0.001
burst = 4
[ebay]
daily_call_quota = 4
revisions_per_listing_per_day = 2
[flipkart]
rate_per_s = 0.001
burst = 3
"""

STRICT = """
[shopify]
strict_listings = true
listings = ["1@1"]
[amazon]
strict_listings = true
listings = ["A-1"]
apply_delay_ms = 100
feed_processing_ms = 100
[woocommerce]
strict_listings = true
listings = ["1"]
[ebay]
strict_listings = true
listings = ["E-1"]
[flipkart]
strict_listings = true
listings = ["F-1"]
"""

# Shoppers buy the 6 units of DEMO-1/DEMO-2 on every channel; their
# webhooks go nowhere (port 1) and wait for a retry, which is fine here.
ORDERS = """
[shopify]
graphql_bucket_points = 70
graphql_restore_per_s = 0.001
mutation_cost = 10
[amazon]
apply_delay_ms = 10
feed_processing_ms = 100
[storefront]
enabled = true
stockwire_url = "http://127.0.0.1:1"
skus = 2
rate_per_s = 200
duration_s = 0.2
retry_delay_ms_min = 5000
retry_delay_ms_max = 5000
"""

INJECTING = """
[shopify]
error_500_rate = 1.0
latency_ms = 20
[amazon]
enabled = false
[woocommerce]
error_503_rate = 1.0
[ebay]
timeout_rate = 1.0
timeout_ms = 200
[flipkart]
enabled = false
"""


class TestFailure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise TestFailure(what)


# -- Shopify ------------------------------------------------------------------

SHOPIFY_AUTH = {"X-Shopify-Access-Token": "shpat_fake_token"}
GQL = "/admin/api/2026-04/graphql.json"
REST = "/admin/api/2024-01/inventory_levels/set.json"
MUTATION = ("mutation S($input: InventorySetQuantitiesInput!, $key: String!) "
            "{ inventorySetQuantities(input: $input) @idempotent(key: $key) "
            "{ inventoryAdjustmentGroup { id } userErrors { code field } } }")


def gql_body(key, quantities):
    return {"query": MUTATION,
            "variables": {"key": key,
                          "input": {"name": "available",
                                    "reason": "correction",
                                    "quantities": quantities}}}


def qty(item, location, quantity, change_from=None):
    return {"inventoryItemId": "gid://shopify/InventoryItem/%d" % item,
            "locationId": "gid://shopify/Location/%d" % location,
            "quantity": quantity, "changeFromQuantity": change_from}


def user_errors(body):
    return [e["code"] for e in body["data"]["inventorySetQuantities"]
            ["userErrors"]]


def test_shopify(fake):
    fake.reset()
    s, _, b = fake.request("shopify", "POST", GQL,
                           gql_body("k1", [qty(11, 22, 5)]), SHOPIFY_AUTH)
    check(s == 200 and user_errors(b) == [], "valid mutation: %s" % b)
    check("cost" in b["extensions"], "cost extension")
    check(fake.state()["shopify"]["11@22"]["quantity"] == 5, "state 5")
    # Same key, same parameters: the original result, not a second apply.
    s, _, b2 = fake.request("shopify", "POST", GQL,
                            gql_body("k1", [qty(11, 22, 5)]), SHOPIFY_AUTH)
    check(b2["data"] == b["data"], "idempotent replay")
    check(fake.state()["shopify"]["11@22"]["revisions"] == 1, "no re-apply")
    # CAS mismatch: the documented user error, nothing applied.
    s, _, b = fake.request("shopify", "POST", GQL,
                           gql_body("k2", [qty(11, 22, 9, change_from=4)]),
                           SHOPIFY_AUTH)
    check(user_errors(b) == ["CHANGE_FROM_QUANTITY_STALE"], "stale: %s" % b)
    check(fake.state()["shopify"]["11@22"]["quantity"] == 5, "unchanged")
    # REST set.json.
    s, h, b = fake.request("shopify", "POST", REST,
                           {"location_id": 22, "inventory_item_id": 11,
                            "available": 8}, SHOPIFY_AUTH)
    check(s == 200 and b["inventory_level"]["available"] == 8, "rest set")
    check("X-Shopify-Shop-Api-Call-Limit" in h, "call limit header")
    check(fake.state()["shopify"]["11@22"]["quantity"] == 8, "state 8")
    # Bad auth.
    s, _, b = fake.request("shopify", "POST", REST, {}, {
        "X-Shopify-Access-Token": "wrong"})
    check(s == 401 and "Invalid API key" in b["errors"], "401: %s" % b)
    s, _, b = fake.request("shopify", "POST", GQL, gql_body("k3", []))
    check(s == 401, "missing token")
    # Malformed payloads.
    s, _, b = fake.request("shopify", "POST", REST, {"location_id": 1},
                           SHOPIFY_AUTH)
    check(s == 400 and "inventory_item_id" in b["errors"], "rest 400: %s" % b)
    s, _, b = fake.request("shopify", "POST", GQL, "{not json", SHOPIFY_AUTH)
    check(s == 400 and "query" in b["errors"], "gql 400: %s" % b)
    # REST leaky bucket of 3: the 2 REST calls above spent 2 (+1 refused
    # by auth? no: auth comes first), so the next fits and then 429.
    s, _, _ = fake.request("shopify", "POST", REST,
                           {"location_id": 22, "inventory_item_id": 11,
                            "available": 8}, SHOPIFY_AUTH)
    check(s == 200, "third rest call fits")
    s, h, b = fake.request("shopify", "POST", REST,
                           {"location_id": 22, "inventory_item_id": 11,
                            "available": 8}, SHOPIFY_AUTH)
    check(s == 429 and "Retry-After" in h, "rest 429: %s %s" % (s, b))
    # GraphQL cost bucket of 30 points, 10 per mutation: 3 charged above
    # (k1, replay, k2), the 400 charged nothing, so the next is THROTTLED.
    s, _, b = fake.request("shopify", "POST", GQL,
                           gql_body("k4", [qty(11, 22, 1)]), SHOPIFY_AUTH)
    check(s == 200 and b["errors"][0]["extensions"]["code"] == "THROTTLED",
          "throttled: %s" % b)
    check(b["extensions"]["cost"]["actualQueryCost"] is None, "no cost")
    c = fake.counters()["shopify"]
    check(c["throttled"] == 2, "throttled counted: %s" % c)


def test_shopify_versions_and_keys(fake):
    fake.reset()
    # 2026-04+: the @idempotent directive is mandatory.
    body = gql_body("x", [qty(3, 4, 1)])
    body["query"] = ("mutation S($input: InventorySetQuantitiesInput!) "
                     "{ inventorySetQuantities(input: $input) "
                     "{ userErrors { code } } }")
    s, _, b = fake.request("shopify", "POST", GQL, body, SHOPIFY_AUTH)
    check(s == 200 and b["errors"][0]["extensions"]["code"] ==
          "IDEMPOTENCY_KEY_REQUIRED", "directive required: %s" % b)
    # Older versions: compareQuantity or ignoreCompareQuantity required.
    old = "/admin/api/2025-04/graphql.json"
    q = qty(3, 4, 1)
    del q["changeFromQuantity"]
    s, _, b = fake.request("shopify", "POST", old, gql_body("y", [q]),
                           SHOPIFY_AUTH)
    check(user_errors(b) == ["COMPARE_QUANTITY_REQUIRED"], "cas: %s" % b)
    # Same key, different parameters.
    s, _, b = fake.request("shopify", "POST", old, gql_body("y", [qty(3, 4, 2)]),
                           SHOPIFY_AUTH)
    check(user_errors(b) == ["IDEMPOTENCY_KEY_PARAMETER_MISMATCH"],
          "key mismatch: %s" % b)


def test_shopify_strict(fake):
    fake.reset()
    s, _, b = fake.request("shopify", "POST", GQL,
                           gql_body("s1", [qty(1, 1, 4), qty(2, 1, 4)]),
                           SHOPIFY_AUTH)
    check(s == 200 and user_errors(b) == ["INVALID_INVENTORY_ITEM"],
          "unknown item: %s" % b)
    check(fake.state()["shopify"]["1@1"]["quantity"] == 0,
          "mutation is atomic")
    s, _, b = fake.request("shopify", "POST", REST,
                           {"location_id": 1, "inventory_item_id": 2,
                            "available": 3}, SHOPIFY_AUTH)
    check(s == 404, "rest unknown item")


# -- Amazon -------------------------------------------------------------------



def amazon_patch(sku, quantity):
    return ("/listings/2021-08-01/items/SELLER1/%s?marketplaceIds="
            "ATVPDKIKX0DER" % sku,
            {"productType": "PRODUCT",
             "patches": [{"op": "replace",
                          "path": "/attributes/fulfillment_availability",
                          "value": [{"fulfillment_channel_code": "DEFAULT",
                                     "quantity": quantity}]}]})


def poll(what, predicate):
    deadline = time.monotonic() + POLL_DEADLINE_S
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TestFailure("timed out waiting for " + what)


def test_amazon(fake):
    fake.reset()
    target, body = amazon_patch("A%2F1", 12)  # SKU "A/1", URL-encoded
    s, h, b = fake.request("amazon", "PATCH", target, body, AMAZON_AUTH)
    check(s == 200 and b["status"] == "ACCEPTED" and b["sku"] == "A/1",
          "accepted: %s" % b)
    check("x-amzn-RequestId" in h, "request id header")
    # Accepted is not applied: the change shows only after the delay (2 s
    # configured; this read follows the reply immediately).
    check("A/1" not in fake.state()["amazon"], "not applied yet")
    poll("amazon delayed apply",
         lambda: fake.state()["amazon"].get("A/1", {}).get("quantity") == 12)
    s, _, b = fake.request("amazon", "PATCH", target, body,
                           {"x-amz-access-token": "bad"})
    check(s == 403 and b["errors"][0]["code"] == "Unauthorized", "403")
    s, _, b = fake.request("amazon", "PATCH", target, {"patches": []},
                           AMAZON_AUTH)
    check(s == 400 and b["errors"][0]["code"] == "InvalidInput",
          "400: %s" % b)
    # Token bucket of 4: 2 spent (accepted + malformed; auth refused first).
    for _ in range(2):
        s, _, _ = fake.request("amazon", "PATCH", target, body, AMAZON_AUTH)
        check(s == 200, "within burst")
    s, _, b = fake.request("amazon", "PATCH", target, body, AMAZON_AUTH)
    check(s == 429 and b["errors"][0]["code"] == "QuotaExceeded",
          "429: %s" % b)


def amazon_feed(fake, messages):
    """A JSON_LISTINGS_FEED of `messages`; its processing report."""
    feed = {"header": {"sellerId": "SELLER1", "version": "2.0",
                       "issueLocale": "en_US"},
            "messages": messages}
    return fake.amazon_feed("JSON_LISTINGS_FEED",
                            "application/json; charset=UTF-8", feed)[1]


def feed_message(i, sku, quantity):
    _, body = amazon_patch(sku, quantity)
    return {"messageId": i, "sku": sku, "operationType": "PATCH",
            "productType": "PRODUCT", "patches": body["patches"]}


def test_amazon_strict(fake):
    fake.reset()
    target, body = amazon_patch("A-2", 3)
    s, _, b = fake.request("amazon", "PATCH", target, body, AMAZON_AUTH)
    check(s == 404 and b["errors"][0]["code"] == "NOT_FOUND", "unknown sku")
    report = amazon_feed(fake, [feed_message(1, "A-1", 33),
                                feed_message(2, "A-2", 44)])
    check(report["summary"]["messagesAccepted"] == 1 and
          report["summary"]["messagesInvalid"] == 1, "report: %s" % report)
    check(report["issues"][0]["sku"] == "A-2", "issue names the sku")
    check(fake.state()["amazon"]["A-1"]["quantity"] == 33, "feed applied")


def test_amazon_create_feed_budget(fake):
    # createFeed + JSON_LISTINGS_FEED: 5 at once, then one per 120 s.
    fake.reset()
    s, _, doc = fake.request("amazon", "POST", "/feeds/2021-06-30/documents",
                             {"contentType": "application/json"}, AMAZON_AUTH)
    check(s == 201, "createFeedDocument")
    statuses = []
    for _ in range(6):
        s, _, b = fake.request("amazon", "POST", "/feeds/2021-06-30/feeds",
                               {"feedType": "JSON_LISTINGS_FEED",
                                "marketplaceIds": ["ATVPDKIKX0DER"],
                                "inputFeedDocumentId": doc["feedDocumentId"]},
                               AMAZON_AUTH)
        statuses.append(s)
    check(statuses == [202] * 5 + [429], "createFeed statuses: %s" % statuses)
    check(b["errors"][0]["code"] == "QuotaExceeded", "429 shape: %s" % b)


# -- WooCommerce --------------------------------------------------------------

def woo_auth(key="ck_fake", secret="cs_fake"):
    token = base64.b64encode(("%s:%s" % (key, secret)).encode()).decode()
    return {"Authorization": "Basic " + token}


WOO = "/wp-json/wc/v3/products/batch"


def test_woocommerce(fake):
    fake.reset()
    s, _, b = fake.request("woocommerce", "POST", WOO,
                           {"update": [{"id": 7, "stock_quantity": 4}]},
                           woo_auth())
    check(s == 200 and b["update"][0]["stock_quantity"] == 4, "batch: %s" % b)
    check(fake.state()["woocommerce"]["7"]["quantity"] == 4, "state")
    s, _, b = fake.request("woocommerce", "POST", WOO, {"update": []},
                           woo_auth(secret="nope"))
    check(s == 401 and b["code"] == "woocommerce_rest_authentication_error" and
          b["data"]["status"] == 401, "401: %s" % b)
    s, _, b = fake.request("woocommerce", "POST", WOO, "{oops", woo_auth())
    check(s == 400 and b["code"] == "rest_invalid_json", "400: %s" % b)
    s, _, b = fake.request("woocommerce", "POST", WOO,
                           {"update": [{"id": i, "stock_quantity": 1}
                                       for i in range(1, 102)]}, woo_auth())
    check(s == 413 and b["code"] == "woocommerce_rest_request_entity_too_large",
          "101 items: %s" % b)
    # Bucket of 4: three spent above (auth refused first), one left.
    s, _, b = fake.request("woocommerce", "POST", WOO,
                           {"update": [{"id": i, "stock_quantity": 1}
                                       for i in range(1, 101)]}, woo_auth())
    check(s == 200 and len(b["update"]) == 100, "100 items fit")
    s, _, b = fake.request("woocommerce", "POST", WOO, {"update": []},
                           woo_auth())
    check(s == 429, "429: %s" % b)


def test_woocommerce_strict(fake):
    fake.reset()
    s, _, b = fake.request("woocommerce", "POST", WOO,
                           {"update": [{"id": 1, "stock_quantity": 6},
                                       {"id": 999, "stock_quantity": 6}]},
                           woo_auth())
    check(s == 200, "partial failure is a 200")
    check(b["update"][0]["stock_quantity"] == 6, "known item applied")
    check(b["update"][1]["error"]["code"] ==
          "woocommerce_rest_product_invalid_id", "unknown: %s" % b)
    check(fake.state()["woocommerce"]["1"]["quantity"] == 6, "state")
    check("999" not in fake.state()["woocommerce"], "unknown not created")


# -- eBay ---------------------------------------------------------------------

EBAY_AUTH = {"Authorization": "Bearer v^1.1#fake_token"}
EBAY = "/sell/inventory/v1/bulk_update_price_quantity"


def ebay_entry(sku, quantity):
    return {"sku": sku, "shipToLocationAvailability": {"quantity": quantity},
            "offers": [{"offerId": "O-" + sku, "availableQuantity": quantity}]}


def test_ebay(fake):
    fake.reset()
    s, _, b = fake.request("ebay", "POST", EBAY,
                           {"requests": [ebay_entry("E-7", 2)]}, EBAY_AUTH)
    check(s == 200 and b["responses"][0]["statusCode"] == 200, "bulk: %s" % b)
    check(fake.state()["ebay"]["E-7"]["quantity"] == 2, "state")
    s, _, b = fake.request("ebay", "POST", EBAY, {"requests": []},
                           {"Authorization": "Bearer wrong"})
    check(s == 401 and b["errors"][0]["errorId"] == 1001, "401: %s" % b)
    s, _, b = fake.request("ebay", "POST", EBAY, {"requests": "x"}, EBAY_AUTH)
    check(s == 400 and b["errors"][0]["errorId"] == 2004, "400: %s" % b)
    s, _, b = fake.request("ebay", "POST", EBAY,
                           {"requests": [ebay_entry("E-%d" % i, 1)
                                         for i in range(26)]}, EBAY_AUTH)
    check(s == 400 and "25" in b["errors"][0]["longMessage"], "26: %s" % b)
    # Revision cap 2 per listing per day: E-7 was revised once.
    s, _, b = fake.request("ebay", "POST", EBAY,
                           {"requests": [ebay_entry("E-7", 3),
                                         ebay_entry("E-8", 3)]}, EBAY_AUTH)
    check(s == 200, "25 fit")
    s, _, _ = fake.request("ebay", "POST", EBAY,
                           {"requests": [ebay_entry("E-7", 4)]}, EBAY_AUTH)
    check(s == 429, "daily call quota of 4 reached")
    fake.reset()
    for q in (1, 2):
        fake.request("ebay", "POST", EBAY,
                     {"requests": [ebay_entry("E-9", q)]}, EBAY_AUTH)
    s, _, b = fake.request("ebay", "POST", EBAY,
                           {"requests": [ebay_entry("E-9", 3)]}, EBAY_AUTH)
    check(s == 200 and b["responses"][0]["statusCode"] == 400 and
          b["responses"][0]["errors"][0]["errorId"] == 25099,
          "revision cap: %s" % b)
    check(fake.state()["ebay"]["E-9"]["quantity"] == 2, "cap kept value")


def test_ebay_strict(fake):
    fake.reset()
    s, _, b = fake.request("ebay", "POST", EBAY,
                           {"requests": [ebay_entry("E-1", 5),
                                         ebay_entry("E-X", 5)]}, EBAY_AUTH)
    codes = [r["statusCode"] for r in b["responses"]]
    check(s == 200 and codes == [200, 400], "per-entry status: %s" % b)
    check(b["responses"][1]["errors"][0]["errorId"] == 25702, "unknown sku")
    check(fake.state()["ebay"]["E-1"]["quantity"] == 5, "state")


# -- Flipkart -----------------------------------------------------------------

FLIPKART_AUTH = {"Authorization": "Bearer fake_flipkart_token"}
FLIPKART = "/listings/v3/update/inventory"


def fk_entry(quantity):
    return {"product_id": "FSN1",
            "locations": [{"id": "LOC1", "inventory": quantity}]}


def test_flipkart(fake):
    fake.reset()
    s, _, b = fake.request("flipkart", "POST", FLIPKART,
                           {"F-7": fk_entry(9)}, FLIPKART_AUTH)
    check(s == 200 and b["F-7"]["status"] == "SUCCESS", "update: %s" % b)
    check(fake.state()["flipkart"]["F-7"]["quantity"] == 9, "state")
    s, _, b = fake.request("flipkart", "POST", FLIPKART, {"F-7": fk_entry(1)},
                           {"Authorization": "Bearer nope"})
    check(s == 401 and b["error"] == "invalid_token", "401: %s" % b)
    s, _, b = fake.request("flipkart", "POST", FLIPKART, "[1,2]",
                           FLIPKART_AUTH)
    check(s == 400 and b["errors"][0]["severity"] == "ERROR", "400: %s" % b)
    s, _, b = fake.request("flipkart", "POST", FLIPKART, {"F-7": fk_entry(1)},
                           FLIPKART_AUTH)
    check(s == 200, "third fits the bucket of 3")
    s, _, b = fake.request("flipkart", "POST", FLIPKART, {"F-7": fk_entry(1)},
                           FLIPKART_AUTH)
    check(s == 429, "429: %s" % b)


def test_flipkart_strict(fake):
    fake.reset()
    s, _, b = fake.request("flipkart", "POST", FLIPKART,
                           {"F-1": fk_entry(3), "F-X": fk_entry(3),
                            "F-BAD": {"locations": []}}, FLIPKART_AUTH)
    check(s == 200 and b["F-1"]["status"] == "SUCCESS" and
          b["F-X"]["status"] == "FAILURE" and
          b["F-BAD"]["status"] == "FAILURE", "per-sku status: %s" % b)
    check(fake.state()["flipkart"]["F-1"]["quantity"] == 3, "state")


# -- Order cancellations --------------------------------------------------------

DEMO_SKUS = ["DEMO-1", "DEMO-2"]
STOCK = 3


def test_orders_placed(fake):
    """Stock pushed on every channel, then the shoppers buy it all."""
    fake.reset()
    s, _, b = fake.request("shopify", "POST", GQL, gql_body(
        "stock", [qty(40001, 1, STOCK), qty(40002, 1, STOCK)]), SHOPIFY_AUTH)
    check(s == 200 and user_errors(b) == [], "shopify stock: %s" % b)
    for sku in DEMO_SKUS:
        target, body = amazon_patch(sku, STOCK)
        s, _, b = fake.request("amazon", "PATCH", target, body, AMAZON_AUTH)
        check(s == 200, "amazon stock: %s" % b)
    s, _, b = fake.request("woocommerce", "POST", WOO, {"update": [
        {"id": 1001, "stock_quantity": STOCK},
        {"id": 1002, "stock_quantity": STOCK}]}, woo_auth())
    check(s == 200, "woo stock: %s" % b)
    s, _, b = fake.request("ebay", "POST", EBAY, {"requests": [
        ebay_entry(sku, STOCK) for sku in DEMO_SKUS]}, EBAY_AUTH)
    check(s == 200, "ebay stock: %s" % b)
    s, _, b = fake.request("flipkart", "POST", FLIPKART, {
        sku: fk_entry(STOCK) for sku in DEMO_SKUS}, FLIPKART_AUTH)
    check(s == 200, "flipkart stock: %s" % b)
    poll("amazon stock applied", lambda: all(
        fake.state()["amazon"].get(sku, {}).get("quantity") == STOCK
        for sku in DEMO_SKUS))
    s, _, b = fake.request("ebay", "POST", "/_fake/storefront/start")
    check(s == 200 and b["running"], "start: %s" % b)

    def ended():
        s, _, b = fake.request("ebay", "GET", "/_fake/storefront")
        return not b["running"]
    poll("the shoppers to leave", ended)
    for c in ("shopify", "amazon", "woocommerce", "ebay", "flipkart"):
        check(len(orders_of(fake, c)) == 2 * STOCK, "%s sold out" % c)


def orders_of(fake, channel):
    s, _, b = fake.request(channel, "GET", "/_fake/purchases?channel=" +
                           channel)
    check(s == 200, "purchases: %s" % b)
    return b["purchases"]


def cancelled_count(fake, channel):
    s, _, b = fake.request(channel, "GET", "/_fake/storefront")
    return b["channels"][channel]["cancellations"]["orders"]


def is_cancelled(fake, channel, order_id):
    return [p["cancelled"] for p in orders_of(fake, channel)
            if p["order_id"] == order_id] == [True]


ORDER_CANCEL = ("mutation C($orderId: ID!, $reason: OrderCancelReason!, "
                "$refund: Boolean!, $restock: Boolean!, $notifyCustomer: "
                "Boolean) { orderCancel(orderId: $orderId, reason: $reason, "
                "refund: $refund, restock: $restock, notifyCustomer: "
                "$notifyCustomer) { job { id done } orderCancelUserErrors "
                "{ field message code } } }")


def cancel_body(order_gid, reason="INVENTORY", restock=False):
    return {"query": ORDER_CANCEL,
            "variables": {"orderId": order_gid, "reason": reason,
                          "refund": True, "restock": restock,
                          "notifyCustomer": True}}


def test_shopify_cancel(fake):
    orders = orders_of(fake, "shopify")
    gid = "gid://shopify/Order/" + orders[0]["order_id"]
    s, _, b = fake.request("shopify", "POST", GQL, cancel_body(gid),
                           {"X-Shopify-Access-Token": "wrong"})
    check(s == 401 and "Invalid API key" in b["errors"], "401: %s" % b)
    for attempt in range(2):  # a repeat answers success again
        s, _, b = fake.request("shopify", "POST", GQL, cancel_body(gid),
                               SHOPIFY_AUTH)
        oc = b["data"]["orderCancel"]
        check(s == 200 and oc["orderCancelUserErrors"] == [] and
              oc["job"]["id"].startswith("gid://shopify/Job/") and
              oc["job"]["done"] is False and "cost" in b["extensions"],
              "cancel %d: %s" % (attempt, b))
    check(cancelled_count(fake, "shopify") == 1, "counted once")
    check(is_cancelled(fake, "shopify", orders[0]["order_id"]), "marked")
    s, _, b = fake.request("shopify", "POST", GQL,
                           cancel_body("gid://shopify/Order/9"), SHOPIFY_AUTH)
    check(s == 200 and b["data"]["orderCancel"]["job"] is None and
          b["data"]["orderCancel"]["orderCancelUserErrors"] ==
          [{"field": ["orderId"], "message": "Order does not exist",
            "code": "NOT_FOUND"}], "unknown: %s" % b)
    s, _, b = fake.request("shopify", "POST", GQL, cancel_body("9"),
                           SHOPIFY_AUTH)
    check(s == 200 and "orderId" in b["errors"][0]["message"],
          "not a gid: %s" % b)
    s, _, b = fake.request("shopify", "POST", GQL,
                           cancel_body(gid, reason="BORED"), SHOPIFY_AUTH)
    check(s == 200 and "reason" in b["errors"][0]["message"],
          "bad reason: %s" % b)
    # restock: true puts the units back on the listing.
    other = orders[1]
    key = "%d@1" % (40000 + int(other["sku"].split("-")[1]))
    before = fake.state()["shopify"][key]["quantity"]
    s, _, b = fake.request("shopify", "POST", GQL, cancel_body(
        "gid://shopify/Order/" + other["order_id"], restock=True),
        SHOPIFY_AUTH)
    check(b["data"]["orderCancel"]["orderCancelUserErrors"] == [],
          "restock cancel: %s" % b)
    check(fake.state()["shopify"][key]["quantity"] == before + other["qty"],
          "restocked")
    # Bucket of 70: the stock push and six cancels spent it.
    s, _, b = fake.request("shopify", "POST", GQL, cancel_body(gid),
                           SHOPIFY_AUTH)
    check(s == 200 and b["errors"][0]["extensions"]["code"] == "THROTTLED",
          "cancel throttled like any mutation: %s" % b)
    check(cancelled_count(fake, "shopify") == 2, "two cancelled")


def test_woocommerce_cancel(fake):
    order = orders_of(fake, "woocommerce")[0]
    path = "/wp-json/wc/v3/orders/" + order["order_id"]
    s, _, b = fake.request("woocommerce", "PUT", path, {"status": "cancelled"})
    check(s == 401 and b["code"] == "woocommerce_rest_cannot_edit",
          "no auth: %s" % b)
    s, _, b = fake.request("woocommerce", "PUT", path, {"status": "cancelled"},
                           woo_auth(secret="nope"))
    check(s == 401 and b["code"] == "woocommerce_rest_authentication_error",
          "bad secret: %s" % b)
    s, _, b = fake.request("woocommerce", "GET", path, None, woo_auth())
    check(s == 200 and b["status"] == "processing", "get: %s" % b)
    for attempt in range(2):
        s, _, b = fake.request("woocommerce", "PUT", path,
                               {"status": "cancelled"}, woo_auth())
        check(s == 200 and b["status"] == "cancelled" and
              b["id"] == int(order["order_id"]) and
              b["line_items"][0]["sku"] == order["sku"] and
              b["line_items"][0]["quantity"] == order["qty"],
              "cancel %d: %s" % (attempt, b))
    check(cancelled_count(fake, "woocommerce") == 1, "counted once")
    check(is_cancelled(fake, "woocommerce", order["order_id"]), "marked")
    s, _, b = fake.request("woocommerce", "PUT", "/wp-json/wc/v3/orders/77",
                           {"status": "cancelled"}, woo_auth())
    check(s == 404 and b == {"code": "woocommerce_rest_shop_order_invalid_id",
                             "message": "Invalid ID.",
                             "data": {"status": 404}}, "unknown: %s" % b)
    s, _, b = fake.request("woocommerce", "PUT", path, {"status": "completed"},
                           woo_auth())
    check(s == 400 and b["code"] == "fakechannel_unsupported", "other: %s" % b)
    s, _, b = fake.request("woocommerce", "PUT", path, {"status": "gone"},
                           woo_auth())
    check(s == 400 and b["code"] == "rest_invalid_param", "invalid: %s" % b)


def test_ebay_cancel(fake):
    order = orders_of(fake, "ebay")[0]
    body = {"legacyOrderId": order["order_id"],
            "cancelReason": "OUT_OF_STOCK_OR_CANNOT_FULFILL"}
    path = "/post-order/v2/cancellation"
    s, _, b = fake.request("ebay", "POST", path, body)
    check(s == 401 and b["errors"][0]["errorId"] == 1001, "no auth: %s" % b)
    s, _, first = fake.request("ebay", "POST", path, body, EBAY_AUTH)
    check(s == 201 and first["cancelId"], "cancel: %s" % first)
    s, _, again = fake.request("ebay", "POST", path, body, EBAY_AUTH)
    check(s == 201 and again == first, "repeat: same cancelId: %s" % again)
    check(cancelled_count(fake, "ebay") == 1, "counted once")
    check(is_cancelled(fake, "ebay", order["order_id"]), "marked")
    s, _, b = fake.request("ebay", "POST", path, dict(
        body, legacyOrderId="12-34567-89012"), EBAY_AUTH)
    check(s == 404 and b["error"][0]["message"] == "Order not found",
          "unknown: %s" % b)
    s, _, b = fake.request("ebay", "POST", path, dict(body,
                                                      cancelReason="MEH"),
                           EBAY_AUTH)
    check(s == 400, "bad reason: %s" % b)


def test_flipkart_cancel(fake):
    order = orders_of(fake, "flipkart")[0]
    item = {"orderItemId": order["order_id"],
            "reason": "not_enough_inventory", "quantity": 1}
    s, _, b = fake.request("flipkart", "POST", "/sellers/v2/orders/cancel",
                           {"orderItems": [item]})
    check(s == 401 and b["error"] == "invalid_token", "no auth: %s" % b)
    for path in ("/sellers/v2/orders/cancel", "/v2/orders/cancel"):
        s, _, b = fake.request("flipkart", "POST", path, {"orderItems": [
            item, dict(item, orderItemId="OD000"), {"quantity": 1}]},
            FLIPKART_AUTH)
        statuses = [i["status"] for i in b["orderItems"]]
        check(s == 200 and statuses == ["SUCCESS", "FAILURE", "FAILURE"] and
              b["orderItems"][0]["orderItemId"] == order["order_id"] and
              "not found" in b["orderItems"][1]["errorMessage"],
              "%s: %s" % (path, b))
    check(cancelled_count(fake, "flipkart") == 1, "counted once")
    check(is_cancelled(fake, "flipkart", order["order_id"]), "marked")
    s, _, b = fake.request("flipkart", "POST", "/v2/orders/cancel",
                           {"orderItems": []}, FLIPKART_AUTH)
    check(s == 400, "empty: %s" % b)


def ack_feed(fake, rows):
    """Uploads an order acknowledgement flat file; the processing report."""
    text = "order-id\tamazon-order-item-code\tcancellation-reason-code\n" + \
        "".join("\t".join(r) + "\n" for r in rows)
    result, report = fake.amazon_feed(
        "POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA",
        "text/tab-separated-values; charset=UTF-8", text)
    check(result["processingStatus"] == "DONE" and result["feedType"] ==
          "POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA", "feed: %s" % result)
    check(isinstance(report, bytes), "text report: %r" % report)
    return report.decode()


def test_amazon_cancel_feed(fake):
    orders = orders_of(fake, "amazon")
    known = orders[0]["order_id"]
    s, _, b = fake.request("amazon", "POST", "/feeds/2021-06-30/documents",
                           {"contentType": "text/plain"},
                           {"x-amz-access-token": "bad"})
    check(s == 403, "auth: %s" % b)
    report = ack_feed(fake, [(known, "", "NoInventory"),
                             ("111-2222222-3333333", "", "NoInventory"),
                             (orders[1]["order_id"], "999", "NoInventory")])
    check("Number of records processed\t\t3" in report and
          "Number of records successful\t\t1" in report and
          "111-2222222-3333333" in report and "999" in report,
          "report: %s" % report)
    check(cancelled_count(fake, "amazon") == 1, "one cancelled")
    check(is_cancelled(fake, "amazon", known), "marked")
    report = ack_feed(fake, [(known, "", "NoInventory")])
    check("Number of records successful\t\t1" in report, "repeat: %s" % report)
    check(cancelled_count(fake, "amazon") == 1, "counted once")


def test_orders_reset(fake):
    order = orders_of(fake, "ebay")[0]
    fake.reset()
    check(orders_of(fake, "ebay") == [], "purchases forgotten")
    s, _, b = fake.request("ebay", "POST", "/post-order/v2/cancellation",
                           {"legacyOrderId": order["order_id"],
                            "cancelReason": "OUT_OF_STOCK_OR_CANNOT_FULFILL"},
                           EBAY_AUTH)
    check(s == 404, "orders forgotten: %s" % b)
    s, _, b = fake.request("ebay", "GET", "/_fake/storefront")
    check(b["totals"]["cancellations"]["orders"] == 0 and
          b["totals"]["purchases"] == 0, "counters zero: %s" % b["totals"])


# -- Common -------------------------------------------------------------------

def test_counters_and_reset(fake):
    fake.reset()
    fake.request("flipkart", "POST", FLIPKART, {"F-7": fk_entry(2)},
                 FLIPKART_AUTH)
    fake.request("flipkart", "POST", FLIPKART, "x", FLIPKART_AUTH)
    c = fake.counters()["flipkart"]
    check(c["requests"] == 2 and c["accepted"] == 1 and c["errors"] == 1,
          "counters: %s" % c)
    fake.reset()
    check(fake.state()["flipkart"] == {}, "reset empties state")
    check(fake.counters()["flipkart"]["requests"] == 0, "reset counters")


def test_error_injection(fake):
    s, _, _ = fake.request("shopify", "POST", REST, {}, SHOPIFY_AUTH)
    check(s == 500, "injected 500")
    s, _, _ = fake.request("woocommerce", "POST", WOO, {}, woo_auth())
    check(s == 503, "injected 503")
    try:
        fake.request("ebay", "POST", EBAY, {}, EBAY_AUTH, timeout=10)
        raise TestFailure("injected timeout answered")
    except (http.client.HTTPException, ConnectionError):
        pass  # closed without a reply
    c = fake.counters()
    check(c["shopify"]["injected"] == 1 and c["ebay"]["injected"] == 1,
          "injected counted: %s" % c)
    check(fake.state()["shopify"] == {}, "nothing applied")


def test_unknown_key_refused(binary, workdir):
    path = os.path.join(workdir, "bad.toml")
    for text, key, why in [
            ("[ebay]\nrevision_cap = 3\n", "ebay.revision_cap", "unknown key"),
            ("[storefront]\nshoppers = 3\n", "storefront.shoppers",
             "unknown key"),
            ("[storefront.ebay]\nrate = 3\n", "storefront.ebay.rate",
             "unknown key"),
            ("[storefront]\nenabled = true\n", "storefront.stockwire_url",
             "required"),
            ('[storefront]\nstockwire_url = "https://x"\n',
             "storefront.stockwire_url", "https")]:
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([binary, "--config", path], capture_output=True,
                           text=True, timeout=20)
        check(p.returncode == 2, "exit 2, got %d" % p.returncode)
        check(key in p.stderr and why in p.stderr,
              "names the key: %s" % p.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fakechannel", required=True)
    args = ap.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as workdir:
        groups = [
            ("lenient", LENIENT,
             [test_shopify, test_shopify_versions_and_keys, test_amazon, test_woocommerce, test_ebay,
              test_flipkart, test_counters_and_reset]),
            ("strict", STRICT,
             [test_shopify_strict, test_amazon_strict,
              test_amazon_create_feed_budget,
              test_woocommerce_strict, test_ebay_strict,
              test_flipkart_strict]),
            ("orders", ORDERS,
             [test_orders_placed, test_shopify_cancel,
              test_woocommerce_cancel, test_ebay_cancel,
              test_flipkart_cancel, test_amazon_cancel_feed,
              test_orders_reset]),
            ("injecting", INJECTING, [test_error_injection]),
        ]
        for name, toml, tests in groups:
            fake = Fake(args.fakechannel, workdir, name, toml)
            try:
                for t in tests:
                    try:
                        t(fake)
                        print("PASS %s" % t.__name__)
                    except Exception as e:  # report and go on
                        failures += 1
                        print("FAIL %s: %r" % (t.__name__, e))
            finally:
                fake.stop()
        try:
            test_unknown_key_refused(args.fakechannel, workdir)
            print("PASS test_unknown_key_refused")
        except Exception as e:
            failures += 1
            print("FAIL test_unknown_key_refused: %r" % e)
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
