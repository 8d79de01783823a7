#!/usr/bin/env python3
"""Process-level tests of POST /webhooks/{channel} (channel order webhooks)
against a real stockwired.

Bodies are shaped like the channels' real ones (Shopify Order and Refund
resources, WooCommerce orders, Amazon ORDER_CHANGE SQS messages relayed,
the Stockwire relay format for eBay and Flipkart) and signed like the
channel signs them: base64(HMAC-SHA256(secret, raw body bytes)). The
channel accounts point at a port where nothing listens: no listing exists,
so the connectors never push.

Checked: each channel's orders, cancellations and restocks move stock
exactly once (delivery replays, other deliveries of the same order, a
storm of one delivery on 50 connections); a cancel before its order voids
it; unknown SKUs are acknowledged, reported and listed; forged, unsigned,
stale and malformed deliveries (bad JSON, wrong types, bad quantities,
invalid UTF-8, deep nesting, oversized bodies, header injection) change
nothing; a slow-loris connection is closed while others are served.
"""
import argparse
import json
import shutil
import socket
import sys
import tempfile
import threading
import time

from http_util import (Node, check, expect_error, raw_exchange, rfc3339_utc,
                       run_tests, shopify_headers, shopify_order, stock_of,
                       webhook_signature)

SECRETS = {"shopify": "shpss_5f0c1e8b9d", "woocommerce": "wc-secret-93a1",
           "amazon": "relay-amzn-7b2c", "ebay": "relay-ebay-1d4e",
           "flipkart": "relay-fk-88aa"}

# Nothing listens here: the connectors have nothing to push anyway.
DEAD_ENDPOINT = "http://127.0.0.1:1"

BODY_BYTES_MAX = 65536

# The slow-loris node closes a connection that has not sent a whole request
# within this many seconds (http.idle_timeout_s; swept about once a second).
SLOW_NODE_IDLE_S = 2
# How long the slow client waits for that, at most: the idle timeout plus
# the sweep interval plus a wide margin for a loaded test machine.
SLOW_CLOSE_WAIT_S = 30

DUPLICATE_STORM_CLIENTS = 50
STORM_RETRIES_MAX = 50


def node_toml(extra=""):
    out = [f"[limits]\nbody_bytes_max = {BODY_BYTES_MAX}\n"]
    for channel, secret in SECRETS.items():
        out.append(f'[channels.{channel}]\nendpoint = "{DEAD_ENDPOINT}"\n'
                   f'webhook_secret = "{secret}"\n')
    out.append(f'[channels.shopify-nosecret]\nkind = "shopify"\n'
               f'endpoint = "{DEAD_ENDPOINT}"\n')
    return "".join(out) + extra


def body_bytes(doc):
    return json.dumps(doc).encode()


def woo_order(order_id, lines, status="processing"):
    now = rfc3339_utc(digits=0, zone="")
    return {
        "id": order_id, "parent_id": 0, "number": str(order_id),
        "status": status, "currency": "EUR", "version": "8.9.1",
        "date_created": now, "date_created_gmt": now,
        "date_modified": now, "date_modified_gmt": now,
        "total": "63.80", "customer_id": 12, "payment_method": "stripe",
        "billing": {"first_name": "Lena", "last_name": "Fischer",
                    "country": "DE", "email": "lena@example.com"},
        "line_items": [
            {"id": 315 + i, "name": f"Item {sku}", "product_id": 93 + i,
             "variation_id": 0, "quantity": qty, "tax_class": "",
             "subtotal": "37.65", "total": "37.65", "sku": sku,
             "price": 12.55, "meta_data": []}
            for i, (sku, qty) in enumerate(lines)]}


def amazon_message(order_id, lines, status, notification_id,
                   event_time=None):
    event_time = event_time or rfc3339_utc()
    return {
        "NotificationVersion": "1.0", "NotificationType": "ORDER_CHANGE",
        "PayloadVersion": "1.0", "EventTime": event_time,
        "Payload": {"OrderChangeNotification": {
            "NotificationLevel": "OrderLevel", "SellerId": "A3TH9S8BH6GOGM",
            "AmazonOrderId": order_id, "OrderChangeType": "OrderStatusChange",
            "OrderChangeTrigger": {"TimeOfOrderChange": event_time,
                                   "ChangeReason": "Order Status Changed"},
            "Summary": {
                "MarketplaceId": "ATVPDKIKX0DER", "OrderStatus": status,
                "PurchaseDate": event_time, "FulfillmentType": "MFN",
                "OrderType": "StandardOrder",
                "OrderItems": [
                    {"OrderItemId": f"4829157365{i:04d}", "SellerSKU": sku,
                     "SupplySourceId": None, "OrderItemStatus": status,
                     "Quantity": qty, "QuantityShipped": 0,
                     "IsBuyerRequestedCancel": False}
                    for i, (sku, qty) in enumerate(lines)]}}},
        "NotificationMetadata": {
            "ApplicationId": "amzn1.sellerapps.app.f1234566-aaec-55a6-b123",
            "SubscriptionId": "93b098e1-c42-2f45-93a1-78910a6a8369",
            "PublishTime": event_time,
            "NotificationId": notification_id}}


class WebhookTests:
    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.node = Node(binary, work, "main", node_toml()).start()
        self.c = self.node.client()
        self.next_id = 820982911946154500

    # -- helpers ---------------------------------------------------------------

    def order_id(self):
        self.next_id += 1
        return self.next_id

    def put(self, sku, on_hand):
        st, _, doc = self.c.call("PUT", f"/v1/stock/{sku}",
                                 {"on_hand": on_hand})
        check(st == 200, f"PUT {sku}: {st} {doc}")

    def on_hand(self, sku):
        return stock_of(self.c, sku)["on_hand"]

    def post(self, channel, body, headers, client=None):
        return (client or self.c).call("POST", f"/webhooks/{channel}", body,
                                       headers)

    def shopify(self, topic, doc, event_id, secret=None, triggered_at=None,
                channel="shopify"):
        body = body_bytes(doc)
        h = shopify_headers(secret or SECRETS["shopify"], body, topic,
                            event_id, triggered_at)
        return self.post(channel, body, h)

    def woo(self, topic, doc, delivery):
        body = body_bytes(doc)
        resource, event = topic.split(".")
        h = {"Content-Type": "application/json",
             "User-Agent": "WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)",
             "X-WC-Webhook-Source": "https://shop.example.com/",
             "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": resource,
             "X-WC-Webhook-Event": event, "X-WC-Webhook-ID": "12",
             "X-WC-Webhook-Delivery-ID": delivery,
             "X-WC-Webhook-Signature": webhook_signature(
                 SECRETS["woocommerce"], body)}
        return self.post("woocommerce", body, h)

    def relayed(self, channel, doc, secret=None):
        body = body_bytes(doc)
        h = {"Content-Type": "application/json",
             "X-Stockwire-Signature": webhook_signature(
                 secret or SECRETS[channel], body)}
        return self.post(channel, body, h)

    def ok(self, result, what):
        st, _, doc = result
        check(st == 200, f"{what}: {st} {doc}")
        return doc

    def lines_of(self, doc, event=0):
        return {l["sku"]: l for l in doc["events"][event]["lines"]}

    # -- Shopify ---------------------------------------------------------------

    def test_shopify_create_replay_and_other_delivery(self):
        self.put("SH-1", 100)
        self.put("SH-2", 50)
        oid = self.order_id()
        order = shopify_order(oid, [("SH-1", 2), ("SH-2", 1), ("SH-1", 1)])
        doc = self.ok(self.shopify("orders/create", order, "evt-create-1"),
                      "orders/create")
        check(doc["channel"] == "shopify" and doc["topic"] == "orders/create"
              and doc["delivery_id"] == "evt-create-1"
              and doc["replayed"] is False, f"reply: {doc}")
        ev = doc["events"][0]
        check(ev["kind"] == "order_created"
              and ev["order_id"] == f"shopify:{oid}", f"event: {ev}")
        lines = self.lines_of(doc)
        check(len(lines) == 2, f"SH-1 lines not merged: {ev['lines']}")
        check(lines["SH-1"]["qty"] == 3 and lines["SH-1"]["status"] ==
              "accepted" and lines["SH-1"]["replayed"] is False,
              f"SH-1: {lines}")
        check(lines["SH-2"]["status"] == "accepted", f"SH-2: {lines}")
        check(self.on_hand("SH-1") == 97 and self.on_hand("SH-2") == 49,
              "orders/create did not take the stock")
        # The same delivery again: answered from the delivery memory.
        doc = self.ok(self.shopify("orders/create", order, "evt-create-1"),
                      "same delivery")
        check(doc["replayed"] is True and doc["events"] == [],
              f"same delivery not replayed: {doc}")
        # Another delivery of the same order: the core's dedup.
        doc = self.ok(self.shopify("orders/create", order, "evt-create-2"),
                      "other delivery")
        check(doc["replayed"] is False and all(
            l["replayed"] and l["status"] == "accepted"
            for l in doc["events"][0]["lines"]), f"other delivery: {doc}")
        check(self.on_hand("SH-1") == 97 and self.on_hand("SH-2") == 49,
              "a second delivery of an order took stock again")
        st, _, view = self.c.call("GET", f"/v1/orders/shopify:{oid}")
        check(st == 200, f"GET order: {st} {view}")
        got = {l["sku"]: l for l in view["lines"]}
        check(got["SH-1"]["qty"] == 3 and got["SH-1"]["status"] == "accepted"
              and got["SH-1"]["channel"] == "shopify", f"order: {view}")

    def test_shopify_cancel_restores(self):
        self.put("SHC-1", 20)
        oid = self.order_id()
        self.ok(self.shopify("orders/create",
                             shopify_order(oid, [("SHC-1", 4)]), "evt-c1"),
                "create")
        check(self.on_hand("SHC-1") == 16, "create did not take 4")
        cancelled = shopify_order(oid, [("SHC-1", 4)], cancelled=True)
        doc = self.ok(self.shopify("orders/cancelled", cancelled, "evt-c2"),
                      "orders/cancelled")
        line = self.lines_of(doc)["SHC-1"]
        check(doc["events"][0]["kind"] == "order_cancelled"
              and line["status"] == "cancelled" and not line["replayed"],
              f"cancel: {doc}")
        check(self.on_hand("SHC-1") == 20, "cancel did not restore")
        self.ok(self.shopify("orders/cancelled", cancelled, "evt-c3"),
                "cancel again")
        check(self.on_hand("SHC-1") == 20, "a second cancel restored again")
        st, _, view = self.c.call("GET", f"/v1/orders/shopify:{oid}")
        check(st == 200 and view["lines"][0]["cancelled"] is True,
              f"order not cancelled: {view}")

    def test_shopify_refund_restocks_once(self):
        self.put("SHR-1", 30)
        self.put("SHR-2", 30)
        oid = self.order_id()
        self.ok(self.shopify("orders/create",
                             shopify_order(oid, [("SHR-1", 2), ("SHR-2", 1)]),
                             "evt-r1"), "create")
        refund = {
            "id": 929361462626, "order_id": oid,
            "created_at": rfc3339_utc(digits=0, zone="-04:00"),
            "note": "Mug arrived chipped; stove not returned", "restock": True,
            "admin_graphql_api_id": "gid://shopify/Refund/929361462626",
            "refund_line_items": [
                {"id": 405297938530, "quantity": 1, "line_item_id": 1,
                 "location_id": 68719214754, "restock_type": "return",
                 "subtotal": 24.9,
                 "line_item": {"id": 1, "sku": "SHR-1", "quantity": 2,
                               "name": "Trail Mug"}},
                {"id": 405297971298, "quantity": 1, "line_item_id": 2,
                 "location_id": None, "restock_type": "no_restock",
                 "subtotal": 70.0,
                 "line_item": {"id": 2, "sku": "SHR-2", "quantity": 1,
                               "name": "Camp Stove"}}],
            "transactions": [{"id": 1, "amount": "24.90", "kind": "refund"}]}
        doc = self.ok(self.shopify("refunds/create", refund, "evt-r2"),
                      "refunds/create")
        ev = doc["events"][0]
        check(ev["kind"] == "restock" and ev["refund_id"] == "929361462626"
              and ev["order_id"] == f"shopify:{oid}", f"refund: {ev}")
        check([(l["sku"], l["qty"], l["status"]) for l in ev["lines"]] ==
              [("SHR-1", 1, "restocked")], f"refund lines: {ev['lines']}")
        check(self.on_hand("SHR-1") == 29 and self.on_hand("SHR-2") == 29,
              "refund did not restock exactly the returned unit")
        doc = self.ok(self.shopify("refunds/create", refund, "evt-r3"),
                      "refund, other delivery")
        check(self.lines_of(doc)["SHR-1"]["replayed"] is True,
              f"refund not replayed: {doc}")
        check(self.on_hand("SHR-1") == 29, "a refund restocked twice")

    def refund(self, oid, refund_id, lines, restock_type):
        """A Shopify Refund resource restocking (sku, qty) `lines`."""
        return {
            "id": refund_id, "order_id": oid,
            "created_at": rfc3339_utc(digits=0, zone="-04:00"),
            "restock": True,
            "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
            "refund_line_items": [
                {"id": refund_id * 10 + i, "quantity": qty,
                 "line_item_id": i, "location_id": 68719214754,
                 "restock_type": restock_type, "subtotal": 24.9,
                 "line_item": {"id": i, "sku": sku, "quantity": qty}}
                for i, (sku, qty) in enumerate(lines)],
            "transactions": []}

    def test_shopify_cancel_with_restock_gives_back_once(self):
        # Cancelling with "restock items" fires orders/cancelled and a
        # refunds/create (restock_type cancel), in no guaranteed order and
        # with one event id: each order of arrival gives back once.
        for first in ("orders/cancelled", "refunds/create"):
            sku = f"SHX-{first[0]}"
            self.put(sku, 20)
            oid = self.order_id()
            self.ok(self.shopify("orders/create",
                                 shopify_order(oid, [(sku, 3)]),
                                 f"evt-x-{oid}"), "create")
            check(self.on_hand(sku) == 17, "create did not take 3")
            deliveries = {
                "orders/cancelled":
                    shopify_order(oid, [(sku, 3)], cancelled=True),
                "refunds/create":
                    self.refund(oid, oid + 7, [(sku, 3)], "cancel")}
            topics = [first] + [t for t in deliveries if t != first]
            for topic in topics:
                doc = self.ok(self.shopify(topic, deliveries[topic],
                                           f"evt-cancel-{oid}"), topic)
                check(doc["replayed"] is False
                      and self.lines_of(doc)[sku]["status"] == "cancelled",
                      f"{topic} after {first}: {doc}")
            check(self.on_hand(sku) == 20,
                  f"{first} first: on_hand {self.on_hand(sku)}, not 20")

    def test_shopify_partial_restock_adjusts(self):
        self.put("SHP-1", 20)
        oid = self.order_id()
        self.ok(self.shopify("orders/create",
                             shopify_order(oid, [("SHP-1", 3)]), "evt-p1"),
                "create")
        doc = self.ok(self.shopify(
            "refunds/create", self.refund(oid, 555001, [("SHP-1", 1)],
                                          "return"), "evt-p2"), "refund")
        check(self.lines_of(doc)["SHP-1"]["status"] == "restocked",
              f"partial restock: {doc}")
        check(self.on_hand("SHP-1") == 18, "partial restock not applied")
        st, _, audit = self.c.call("GET", "/v1/stock/SHP-1/audit")
        check(audit["records"][0]["op_id"] == "shopify:refund:555001"
              and audit["records"][0]["kind"] == "adjust"
              and audit["records"][0]["source"] == "shopify",
              f"audit: {audit['records'][0]}")
        # A refund of an order the node never saw (placed before it was
        # connected) gives the units back.
        self.ok(self.shopify("refunds/create", self.refund(
            self.order_id(), 555002, [("SHP-1", 2)], "return"), "evt-p3"),
            "refund of an unknown order")
        check(self.on_hand("SHP-1") == 20, "refund of an unknown order")

    # -- WooCommerce -----------------------------------------------------------

    def test_woocommerce_ping_create_update_cancel(self):
        self.put("WC-1", 40)
        ping = self.post("woocommerce", b"webhook_id=12",
                         {"Content-Type":
                          "application/x-www-form-urlencoded"})
        check(ping[0] == 200 and ping[2] == {"status": "ok"},
              f"ping: {ping}")
        oid = 727
        self.ok(self.woo("order.created", woo_order(oid, [("WC-1", 3)]),
                         "d-1"), "order.created")
        check(self.on_hand("WC-1") == 37, "order.created did not take 3")
        doc = self.ok(self.woo("order.updated", woo_order(oid, [("WC-1", 3)]),
                               "d-2"), "order.updated processing")
        check(self.lines_of(doc)["WC-1"]["replayed"] is True,
              f"update not a replay: {doc}")
        check(self.on_hand("WC-1") == 37, "order.updated took stock again")
        doc = self.ok(self.woo("order.updated",
                               woo_order(oid, [("WC-1", 3)], "cancelled"),
                               "d-3"), "order.updated cancelled")
        check(self.lines_of(doc)["WC-1"]["status"] == "cancelled",
              f"cancel: {doc}")
        check(self.on_hand("WC-1") == 40, "cancellation did not restore")

    # -- Amazon ----------------------------------------------------------------

    def test_amazon_order_change(self):
        self.put("AMZ-1", 10)
        self.put("AMZ-2", 10)
        oid = "113-4627185-9937050"
        lines = [("AMZ-1", 2), ("AMZ-2", 1)]
        unshipped = amazon_message(oid, lines, "Unshipped", "nid-1")
        doc = self.ok(self.relayed("amazon", unshipped), "Unshipped")
        check(doc["delivery_id"] == "nid-1"
              and doc["events"][0]["order_id"] == f"amazon:{oid}",
              f"reply: {doc}")
        check(self.on_hand("AMZ-1") == 8 and self.on_hand("AMZ-2") == 9,
              "Unshipped did not take stock")
        doc = self.ok(self.relayed("amazon", unshipped), "duplicate")
        check(doc["replayed"] is True, f"duplicate NotificationId: {doc}")
        check(self.on_hand("AMZ-1") == 8, "duplicate took stock")
        canceled = amazon_message(oid, [("AMZ-1", 0), ("AMZ-2", 0)],
                                  "Canceled", "nid-2")
        doc = self.ok(self.relayed("amazon", canceled), "Canceled")
        check(all(l["status"] == "cancelled"
                  for l in doc["events"][0]["lines"]), f"cancel: {doc}")
        check(self.on_hand("AMZ-1") == 10 and self.on_hand("AMZ-2") == 10,
              "Canceled did not restore")
        # Redelivered out of order after the cancel: changes nothing.
        self.ok(self.relayed("amazon", unshipped), "late duplicate")
        self.ok(self.relayed("amazon", amazon_message(
            oid, lines, "Unshipped", "nid-3")), "late copy")
        check(self.on_hand("AMZ-1") == 10 and self.on_hand("AMZ-2") == 10,
              "a late copy of a cancelled order took stock")

    # -- eBay and Flipkart (relay format) --------------------------------------

    def test_relay_channels_and_namespacing(self):
        self.put("RL-1", 50)
        oid = "12-11437-83291"  # the same order number on both channels
        for channel in ("ebay", "flipkart"):
            doc = self.ok(self.relayed(channel, {
                "event": "order.created", "order_id": oid,
                "lines": [{"sku": "RL-1", "qty": 4}],
                "occurred_at": rfc3339_utc(zone="+05:30", offset_s=19800),
                "delivery_id": f"{channel}-relay-0001"}), channel)
            check(doc["events"][0]["order_id"] == f"{channel}:{oid}",
                  f"{channel}: {doc}")
        check(self.on_hand("RL-1") == 42, "two channels' orders collided")
        # A cancellation without lines: every line the node holds.
        doc = self.ok(self.relayed("flipkart", {
            "event": "order.cancelled", "order_id": oid, "lines": [],
            "delivery_id": "flipkart-relay-0002"}), "cancel without lines")
        check([(l["sku"], l["qty"], l["status"])
               for l in doc["events"][0]["lines"]] ==
              [("RL-1", 4, "cancelled")], f"cancel: {doc}")
        check(self.on_hand("RL-1") == 46, "flipkart cancel did not restore")
        st, _, view = self.c.call("GET", f"/v1/orders/ebay:{oid}")
        check(st == 200 and view["lines"][0]["cancelled"] is False,
              f"ebay's order touched by flipkart's cancel: {view}")
        # A cancellation of an order never seen, without lines: nothing.
        doc = self.ok(self.relayed("ebay", {
            "event": "order.cancelled", "order_id": "99-00000-00000",
            "lines": []}), "cancel of an unknown order")
        check(doc["events"][0]["lines"] == [] and doc["delivery_id"] is None,
              f"unknown order: {doc}")

    # -- authentication and staleness --------------------------------------------

    def test_signatures(self):
        self.put("AUTH-1", 10)
        oid = self.order_id()
        order = shopify_order(oid, [("AUTH-1", 1)])
        body = body_bytes(order)
        good = shopify_headers(SECRETS["shopify"], body, "orders/create",
                               "evt-auth")
        cases = {
            "forged": dict(good, **{
                "X-Shopify-Hmac-Sha256":
                    "q0N4ZlS3cS6R2k0m1o2p3q4r5s6t7u8v9w0x1y2z3A4="}),
            "missing": {k: v for k, v in good.items()
                        if k != "X-Shopify-Hmac-Sha256"},
            "another body": dict(good, **{
                "X-Shopify-Hmac-Sha256": webhook_signature(
                    SECRETS["shopify"], body + b" ")}),
            "wrong secret": dict(good, **{
                "X-Shopify-Hmac-Sha256": webhook_signature("guess", body)}),
        }
        for what, headers in cases.items():
            result = self.post("shopify", body, headers)
            expect_error(result, 401, "unauthenticated", what)
            check("www-authenticate" not in result[1],
                  f"{what}: a webhook 401 offered a Bearer challenge")
        # A Woo signature on a Shopify account, Shopify's header elsewhere.
        expect_error(self.relayed("amazon", order, SECRETS["shopify"]), 401,
                     "unauthenticated", "amazon signed with shopify's secret")
        doc = expect_error(self.shopify("orders/create", order, "evt-ns",
                                        channel="shopify-nosecret"),
                           401, "unauthenticated", "account without secret")
        check("shopify-nosecret" in doc["error"]["message"],
              f"message does not name the channel: {doc}")
        expect_error(self.post("shopify-eu", body, good), 404,
                     "unknown_channel", "unknown channel")
        st, hdrs, _ = self.c.call("GET", "/webhooks/shopify")
        check(st == 405 and hdrs.get("allow") == "POST", f"GET: {st}")
        expect_error(self.c.call("POST", "/webhooks/shopify/x", body, good),
                     404, "not_found", "path below a channel")
        check(self.on_hand("AUTH-1") == 10, "a refused webhook took stock")
        st, _, _ = self.c.call("GET", f"/v1/orders/shopify:{oid}")
        check(st == 404, "a refused webhook left an order")

    def test_stale_deliveries(self):
        self.put("OLD-1", 10)
        five_days_ago = -5 * 24 * 3600
        result = self.shopify(
            "orders/create", shopify_order(self.order_id(), [("OLD-1", 1)]),
            "evt-old", triggered_at=rfc3339_utc(five_days_ago, digits=9))
        expect_error(result, 408, "stale", "stale Shopify webhook")
        result = self.relayed("amazon", amazon_message(
            "114-0000000-0000001", [("OLD-1", 1)], "Unshipped", "nid-old",
            event_time=rfc3339_utc(five_days_ago)))
        expect_error(result, 408, "stale", "stale Amazon notification")
        check(self.on_hand("OLD-1") == 10, "a stale webhook took stock")
        # Three days old is within the default window of four.
        self.ok(self.shopify(
            "orders/create", shopify_order(self.order_id(), [("OLD-1", 1)]),
            "evt-3d", triggered_at=rfc3339_utc(-3 * 24 * 3600, digits=9)),
            "three days old")
        check(self.on_hand("OLD-1") == 9, "a fresh enough webhook refused")

    # -- concurrency and order -------------------------------------------------

    def test_duplicate_storm(self):
        self.put("STORM-1", 1000)
        oid = self.order_id()
        body = body_bytes(shopify_order(oid, [("STORM-1", 3)]))
        headers = shopify_headers(SECRETS["shopify"], body, "orders/create",
                                  "evt-storm")
        start = threading.Barrier(DUPLICATE_STORM_CLIENTS)
        outcomes = [None] * DUPLICATE_STORM_CLIENTS

        def deliver(i):
            client = self.node.client()
            start.wait()
            try:
                for _ in range(STORM_RETRIES_MAX):
                    st, hdrs, doc = self.post("shopify", body, headers, client)
                    if st != 503:
                        outcomes[i] = (st, doc)
                        return
                    time.sleep(int(hdrs.get("retry-after", "1")) / 10)
            finally:
                client.close()

        threads = [threading.Thread(target=deliver, args=(i,))
                   for i in range(DUPLICATE_STORM_CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i, o in enumerate(outcomes):
            check(o is not None and o[0] == 200, f"client {i}: {o}")
            check(o[1]["replayed"] or o[1]["events"][0]["lines"][0]["status"]
                  == "accepted", f"client {i}: {o}")
        check(self.on_hand("STORM-1") == 997,
              f"storm of one delivery took {1000 - self.on_hand('STORM-1')}")
        st, _, audit = self.c.call("GET", "/v1/stock/STORM-1/audit")
        orders = [r for r in audit["records"] if r["kind"] == "order"]
        check(len(orders) == 1 and orders[0]["op_id"] == f"shopify:{oid}",
              f"audit: {audit}")

    def test_cancel_before_order(self):
        self.put("OOO-1", 10)
        oid = self.order_id()
        doc = self.ok(self.shopify(
            "orders/cancelled",
            shopify_order(oid, [("OOO-1", 2)], cancelled=True), "evt-o1"),
            "cancel first")
        check(self.lines_of(doc)["OOO-1"]["status"] == "cancelled",
              f"early cancel: {doc}")
        doc = self.ok(self.shopify(
            "orders/create", shopify_order(oid, [("OOO-1", 2)]), "evt-o2"),
            "late order")
        check(self.lines_of(doc)["OOO-1"]["status"] == "voided",
              f"late order not voided: {doc}")
        check(self.on_hand("OOO-1") == 10, "a voided order took stock")
        st, _, view = self.c.call("GET", f"/v1/orders/shopify:{oid}")
        check(st == 200 and view["lines"][0]["status"] == "voided",
              f"order: {view}")
        st, _, audit = self.c.call("GET", "/v1/stock/OOO-1/audit")
        check(audit["records"][0]["version"] == 1,
              f"a tombstone changed the stock: {audit}")

    # -- unknown SKUs and conflicts ----------------------------------------------

    def test_unknown_skus_reported(self):
        self.put("KNOWN-1", 10)
        st, _, before = self.c.call("GET", "/v1/webhooks/unknown-skus")
        check(st == 200, f"unknown-skus: {st} {before}")
        total_before = {t["channel"]: t["unknown_skus"]
                        for t in before["channels"]}["shopify"]
        oid = self.order_id()
        doc = self.ok(self.shopify("orders/create", shopify_order(
            oid, [("KNOWN-1", 1), ("NOPE-404", 2), (None, 1),
                  ("bad sku!", 1)]), "evt-unknown"), "order with unknowns")
        statuses = [(l["sku"], l["status"])
                    for l in doc["events"][0]["lines"]]
        check(statuses == [("KNOWN-1", "accepted"), ("NOPE-404", "unknown_sku"),
                           ("", "unknown_sku"), ("bad sku!", "unknown_sku")],
              f"lines: {statuses}")
        check(doc["unknown_skus"] == 3
              and doc["unknown_skus_total"] == total_before + 3,
              f"counts: {doc}")
        check(self.on_hand("KNOWN-1") == 9, "the known line was not applied")
        st, _, after = self.c.call("GET", "/v1/webhooks/unknown-skus")
        totals = {t["channel"]: t for t in after["channels"]}
        check(set(totals) == set(SECRETS) | {"shopify-nosecret"},
              f"channels listed: {list(totals)}")
        check(totals["shopify"]["unknown_skus"] == total_before + 3,
              f"totals: {totals}")
        newest = after["recent"][0]
        check(newest["channel"] == "shopify" and newest["sku"] == "bad sku!"
              and newest["order_id"] == f"shopify:{oid}"
              and newest["delivery_id"] == "evt-unknown"
              and newest["at"].endswith("Z"), f"recent: {after['recent'][:3]}")
        check(any(u["sku"] == "NOPE-404" for u in after["recent"]),
              "NOPE-404 not listed")
        expect_error(self.c.call("GET", "/v1/webhooks/unknown-skus?limit=5"),
                     400, "invalid_argument", "query parameter")
        self.node_log_mentions("unknown SKU 'NOPE-404'")
        st, _, text = self.c.raw("GET", "/metrics")
        counted = [line for line in text.decode().splitlines()
                   if line.startswith("stockwire_webhook_unknown_skus_total ")]
        check(st == 200 and counted and float(counted[0].split()[1]) >= 3,
              f"unknown SKUs not in /metrics: {counted}")

    def node_log_mentions(self, text):
        deadline = time.monotonic() + 5
        while text not in self.node.log_text():
            check(time.monotonic() < deadline, f"log lacks {text!r}")
            time.sleep(0.05)

    def test_edited_order_conflict(self):
        self.put("EDIT-1", 10)
        oid = self.order_id()
        self.ok(self.shopify("orders/create",
                             shopify_order(oid, [("EDIT-1", 2)]), "evt-e1"),
                "create")
        st, _, before = self.c.call("GET", "/v1/webhooks/unknown-skus")
        conflicts = {t["channel"]: t["conflicts"]
                     for t in before["channels"]}["shopify"]
        doc = self.ok(self.shopify("orders/create",
                                   shopify_order(oid, [("EDIT-1", 5)]),
                                   "evt-e2"), "edited order")
        line = self.lines_of(doc)["EDIT-1"]
        check(line["status"] == "conflict"
              and line["error"]["code"] == "id_conflict", f"line: {line}")
        check(self.on_hand("EDIT-1") == 8, "a conflicting order took stock")
        st, _, after = self.c.call("GET", "/v1/webhooks/unknown-skus")
        check({t["channel"]: t["conflicts"] for t in after["channels"]}
              ["shopify"] == conflicts + 1, f"conflict not counted: {after}")

    # -- bad input ---------------------------------------------------------------

    def test_bad_input_changes_nothing(self):
        self.put("BAD-1", 10)
        before = stock_of(self.c, "BAD-1")
        secret = SECRETS["shopify"]

        def signed(body):
            if isinstance(body, (dict, list)):
                body = body_bytes(body)
            return self.post("shopify", body, shopify_headers(
                secret, body, "orders/create", f"evt-bad-{self.order_id()}"))

        def order_with(**line):
            item = dict({"id": 1, "sku": "BAD-1", "quantity": 1}, **line)
            return dict(shopify_order(self.order_id(), []),
                        line_items=[item])

        cases = [
            ("malformed JSON", b'{"id": 1, "line_items": [', 400),
            ("not an object", b'[1, 2, 3]', 400),
            ("line_items an object", dict(shopify_order(
                self.order_id(), [("BAD-1", 1)]), line_items={"sku": "x"}),
             400),
            ("quantity a string", order_with(quantity="two"), 400),
            ("quantity fractional", order_with(quantity=1.5), 400),
            ("quantity zero", order_with(quantity=0), 400),
            ("quantity negative", order_with(quantity=-3), 400),
            ("quantity huge", order_with(quantity=10**12), 400),
            ("quantity beyond 64 bits", order_with(quantity=2**70), 400),
            ("sku a number", order_with(sku=12345), 400),
            ("id missing", {k: v for k, v in shopify_order(
                self.order_id(), [("BAD-1", 1)]).items() if k != "id"}, 400),
            ("empty line items", shopify_order(self.order_id(), []), 400),
            ("more SKUs than limits.order_lines_max", shopify_order(
                self.order_id(), [(f"BAD-{i}", 1) for i in range(101)]),
             400),
            ("invalid UTF-8", b'{"id": 1, "line_items": [{"sku": "BAD-\xff",'
                              b' "quantity": 1}]}', 400),
            ("deeply nested", b'{"id": 1, "x": ' + b"[" * 5000 +
             b"]" * 5000 + b"}", 400),
            ("topic missing", None, 400),
        ]
        for what, body, status in cases:
            if body is None:
                b = body_bytes(shopify_order(self.order_id(), [("BAD-1", 1)]))
                h = shopify_headers(secret, b, "orders/create", "evt-bad")
                del h["X-Shopify-Topic"]
                st, _, doc = self.post("shopify", b, h)
            else:
                st, _, doc = signed(body)
            check(st == status and "error" in doc,
                  f"{what}: {st}, expected {status}: {doc}")
        # A line without SKU is not an error: reported, acknowledged.
        st, _, doc = signed(order_with(sku=None))
        check(st == 200 and doc["events"][0]["lines"][0]["status"] ==
              "unknown_sku", f"missing sku: {st} {doc}")
        # The relay format is strict: a missing SKU is 400 there.
        st, _, doc = self.relayed("ebay", {"event": "order.created",
                                           "order_id": "r-1",
                                           "lines": [{"qty": 1}]})
        check(st == 400, f"relay without sku: {st} {doc}")
        # Two lines of one SKU that together exceed the quantity bound.
        st, _, doc = signed(dict(shopify_order(self.order_id(), []),
                                 line_items=[
                                     {"id": 1, "sku": "BAD-1",
                                      "quantity": 10**9},
                                     {"id": 2, "sku": "BAD-1",
                                      "quantity": 10**9}]))
        check(st == 400 and "limits.qty_max" in doc["error"]["message"],
              f"merged quantity above the bound: {st} {doc}")
        # Too large: refused before it is read (and before the signature).
        big = b'{"pad": "' + b"x" * BODY_BYTES_MAX + b'"}'
        expect_error(signed(big), 413, "payload_too_large", "oversized body")
        self.c.close()
        after = stock_of(self.c, "BAD-1")
        check(after["on_hand"] == before["on_hand"]
              and after["version"] == before["version"],
              f"bad input changed BAD-1: {before} -> {after}")

    def test_header_injection(self):
        self.put("INJ-1", 10)
        before = stock_of(self.c, "INJ-1")
        body = body_bytes(shopify_order(self.order_id(), [("INJ-1", 1)]))
        sig = webhook_signature(SECRETS["shopify"], body).encode()
        head = (b"POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n")
        # The signature smuggled inside another header's value, behind a
        # bare CR, and behind a bare LF.
        for sep in (b"\r", b"\n", b"\r\r\n"):
            payload = (head + b"X-Shopify-Topic: orders/create" + sep +
                       b"X-Shopify-Hmac-Sha256: " + sig + b"\r\n\r\n" + body)
            reply = raw_exchange(self.node.port, payload)
            check(reply == b"" or reply.startswith(b"HTTP/1.1 400"),
                  f"injected header after {sep!r} answered: {reply[:200]!r}")
        after = stock_of(self.c, "INJ-1")
        check(after["version"] == before["version"],
              f"an injected header took stock: {after}")

    def test_long_order_id_refused(self):
        self.put("LONG-1", 10)
        st, _, doc = self.relayed("ebay", {
            "event": "order.created", "order_id": "9" * 196,
            "lines": [{"sku": "LONG-1", "qty": 1}]})
        check(st == 400 and "order id" in doc["error"]["message"],
              f"composed id too long: {st} {doc}")
        check(self.on_hand("LONG-1") == 10, "a refused order took stock")

    def close(self):
        self.c.close()
        self.node.stop()


class SlowClientTests:
    """A node with bearer tokens and a short idle timeout."""

    def __init__(self, binary, work):
        toml = node_toml(f'[http]\napi_tokens = ["tok-1"]\n'
                         f'idle_timeout_s = {SLOW_NODE_IDLE_S}\n')
        self.node = Node(binary, work, "slow", toml).start()

    def test_webhooks_need_no_token_but_v1_does(self):
        c = self.node.client(token="tok-1")
        st, _, doc = c.call("PUT", "/v1/stock/TOK-1", {"on_hand": 5})
        check(st == 200, f"PUT: {st} {doc}")
        plain = self.node.client()
        body = body_bytes(shopify_order(7001, [("TOK-1", 1)]))
        st, _, doc = plain.call("POST", "/webhooks/shopify", body,
                                shopify_headers(SECRETS["shopify"], body,
                                                "orders/create", "evt-tok"))
        check(st == 200, f"webhook without token: {st} {doc}")
        expect_error(plain.call("GET", "/v1/webhooks/unknown-skus"), 401,
                     "unauthenticated", "unknown-skus without token")
        st, _, _ = c.call("GET", "/v1/webhooks/unknown-skus")
        check(st == 200, f"unknown-skus with token: {st}")
        check(stock_of(c, "TOK-1")["on_hand"] == 4, "webhook not applied")
        c.close()
        plain.close()

    def test_slow_loris_closed_others_served(self):
        partial = (b"POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"X-Shopify-Topic: orders/create\r\nContent-Length: 10\r\n")
        s = socket.create_connection(("127.0.0.1", self.node.port), timeout=1)
        started = time.monotonic()
        closed = False
        served = 0
        try:
            for byte in partial:
                if time.monotonic() - started > SLOW_CLOSE_WAIT_S:
                    break
                try:
                    s.sendall(bytes([byte]))
                    data = s.recv(1024)
                    if data == b"":
                        closed = True
                        break
                except socket.timeout:
                    pass
                except OSError:
                    closed = True
                    break
                # Others are served while the slow client dribbles.
                other = self.node.client()
                st, _, doc = other.call("GET", "/healthz")
                other.close()
                check(st == 200, f"healthz during slow-loris: {st} {doc}")
                served += 1
        finally:
            s.close()
        check(closed, f"a slow client was not closed within "
                      f"{SLOW_CLOSE_WAIT_S} s (idle_timeout_s "
                      f"{SLOW_NODE_IDLE_S})")
        check(served > 0, "no other client was served meanwhile")

    def close(self):
        self.node.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="stockwire-webhook-")
    code = 1
    try:
        t = WebhookTests(args.stockwired, work)
        slow = SlowClientTests(args.stockwired, work)
        tests = [(name, getattr(t, name)) for name in sorted(dir(t))
                 if name.startswith("test_")]
        tests += [(name, getattr(slow, name)) for name in sorted(dir(slow))
                  if name.startswith("test_")]
        code = run_tests(tests)
        t.close()
        slow.close()
    finally:
        if code == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work directory kept: {work}")
    return code


if __name__ == "__main__":
    sys.exit(main())
