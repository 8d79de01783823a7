#!/usr/bin/env python3
"""Process-level tests of the HTTP API of stockwired (issue 3).

Starts real nodes on free loopback ports with temporary data directories
and exercises every route and every error status: 400 (malformed JSON,
wrong types, bad values), 401 (tokens configured), 404 (unknown route,
SKU, order), 405, 409 (id reuse, negative stock), 413 (body too large),
431, 503 + Retry-After (store full, overloaded) and /readyz turning 503.
Outcomes never depend on timing.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time

from http_util import (Node, TestFailure, check, check_audit_replays,
                       expect_error, raw_exchange, run_tests)
from sync_util import metrics


def order(order_id, *lines, channel="web"):
    return {"order_id": order_id, "channel": channel,
            "lines": [{"sku": s, "qty": q} for s, q in lines]}


def fill_store(c, orders_max, prefix=""):
    """Places orders with long ids on FULL-1 until one is refused; returns
    (orders acknowledged before, the refusal)."""
    for i in range(orders_max):
        result = c.call("POST", "/v1/orders",
                        order(prefix + f"{i:06d}" + "F" * 190, ("FULL-1", 1)))
        if result[0] != 200:
            return i, result
        check(not result[2]["lines"][0].get("replayed"), f"{result}")
    raise TestFailure("the tiny store never filled up")


def expect_not_ready(c, what):
    """/readyz reflects the journal's health, polled about once a second."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        result = c.call("GET", "/readyz")
        if result[0] == 503:
            break
        time.sleep(0.1)
    expect_error(result, 503, "not_ready", what)


class ApiTests:
    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.node = Node(binary, work, "main").start()
        self.c = self.node.client()

    def put(self, sku, on_hand, key=None):
        body = {"on_hand": on_hand}
        if key is not None:
            body["idempotency_key"] = key
        st, _, doc = self.c.call("PUT", f"/v1/stock/{sku}", body)
        check(st == 200, f"PUT {sku}: {st} {doc}")
        return doc

    # -- probes and stock ------------------------------------------------------

    def test_probes(self):
        st, _, doc = self.c.call("GET", "/healthz")
        check(st == 200 and doc == {"status": "ok"}, f"healthz: {st} {doc}")
        st, _, doc = self.c.call("GET", "/readyz")
        check(st == 200 and doc == {"status": "ready"}, f"readyz: {st} {doc}")

    def test_set_and_get_stock(self):
        doc = self.put("SKU-1", 100, "wms-77")
        check(doc["sku"] == "SKU-1" and doc["on_hand"] == 100
              and doc["available"] == 100 and doc["version"] == 1
              and doc["replayed"] is False
              and doc["idempotency_key"] == "wms-77", f"PUT reply: {doc}")
        st, _, view = self.c.call("GET", "/v1/stock/SKU-1")
        check(st == 200, f"GET: {st}")
        for field in ("sku", "on_hand", "available", "version", "updated_at"):
            check(field in view, f"GET stock lacks {field}: {view}")
        check(view["on_hand"] == 100 and view["version"] == 1, f"{view}")
        check(view["updated_at"].endswith("Z") and "T" in view["updated_at"],
              f"updated_at is not RFC 3339: {view['updated_at']}")
        again = self.put("SKU-1", 100, "wms-77")
        check(again["replayed"] is True and again["version"] == 1,
              f"PUT retry did not replay: {again}")
        expect_error(self.c.call("PUT", "/v1/stock/SKU-1",
                                 {"on_hand": 5, "idempotency_key": "wms-77"}),
                     409, "id_conflict", "PUT reusing a key")
        auto = self.put("SKU-AUTO", 7)
        check(auto["idempotency_key"], "PUT without key got no generated key")

    def test_adjust(self):
        self.put("ADJ-1", 10, "adj-seed")
        st, _, doc = self.c.call("POST", "/v1/stock/ADJ-1/adjust",
                                 {"delta": -3, "idempotency_key": "wms-78"})
        check(st == 200 and doc["on_hand"] == 7 and doc["version"] == 2,
              f"adjust: {st} {doc}")
        st, _, doc = self.c.call("POST", "/v1/stock/ADJ-1/adjust",
                                 {"delta": -3, "idempotency_key": "wms-78"})
        check(st == 200 and doc["replayed"] is True and doc["on_hand"] == 7,
              f"adjust retry: {st} {doc}")
        expect_error(self.c.call("POST", "/v1/stock/ADJ-1/adjust",
                                 {"delta": -8, "idempotency_key": "wms-79"}),
                     409, "negative_stock", "adjust below zero")
        expect_error(self.c.call("POST", "/v1/stock/ADJ-1/adjust",
                                 {"delta": -3}),
                     400, "invalid_argument", "adjust without key")
        expect_error(self.c.call("POST", "/v1/stock/ADJ-1/adjust",
                                 {"delta": 0, "idempotency_key": "z"}),
                     400, "invalid_argument", "adjust by zero")
        expect_error(self.c.call("POST", "/v1/stock/NO-SUCH/adjust",
                                 {"delta": 1, "idempotency_key": "x"}),
                     404, "unknown_sku", "adjust of an unknown SKU")

    def test_get_many(self):
        self.put("MANY-A", 1, "many-a")
        self.put("MANY-B", 2, "many-b")
        st, _, doc = self.c.call(
            "GET", "/v1/stock?sku=MANY-A&sku=MANY-B&sku=MANY-NONE&sku=MANY-A")
        check(st == 200, f"multi get: {st} {doc}")
        got = {v["sku"]: v["on_hand"] for v in doc["stock"]}
        check(got == {"MANY-A": 1, "MANY-B": 2}, f"multi get stock: {doc}")
        check(doc["unknown"] == ["MANY-NONE"], f"multi get unknown: {doc}")
        expect_error(self.c.call("GET", "/v1/stock"), 400, "invalid_argument",
                     "multi get without sku")
        expect_error(self.c.call("GET", "/v1/stock?skus=A"), 400,
                     "invalid_argument", "multi get with an unknown parameter")

    def test_unknown_sku_and_route(self):
        expect_error(self.c.call("GET", "/v1/stock/NOPE"), 404, "unknown_sku",
                     "GET unknown SKU")
        expect_error(self.c.call("GET", "/v2/things"), 404, "not_found",
                     "unknown route")
        expect_error(self.c.call("GET", "/v1/orders:batchx"), 404,
                     "not_found", "unknown /v1 route")
        st, hdrs, doc = self.c.call("DELETE", "/v1/stock/SKU-1")
        expect_error((st, hdrs, doc), 405, "method_not_allowed", "DELETE")
        check("PUT" in hdrs.get("allow", ""), f"405 without Allow: {hdrs}")
        expect_error(self.c.call("GET", "/v1/orders"), 405,
                     "method_not_allowed", "GET /v1/orders")

    def test_special_sku_in_path(self):
        sku = "A/B#1+x:y"
        path = "/v1/stock/A%2FB%231+x:y"
        st, _, doc = self.c.call("PUT", path, {"on_hand": 3})
        check(st == 200 and doc["sku"] == sku, f"PUT encoded sku: {st} {doc}")
        st, _, doc = self.c.call("GET", path)
        check(st == 200 and doc["sku"] == sku, f"GET encoded sku: {st} {doc}")
        expect_error(self.c.call("GET", "/v1/stock/has%20space"), 400,
                     "invalid_argument", "SKU with a space")
        expect_error(self.c.call("GET", "/v1/stock/" + "L" * 129), 400,
                     "invalid_argument", "SKU too long")
        expect_error(self.c.call("GET", "/v1/stock/bad%zz"), 400,
                     "invalid_argument", "bad percent escape")

    # -- orders ----------------------------------------------------------------

    def test_order_accept_replay_conflict(self):
        self.put("ORD-1", 100, "ord-1-seed")
        body = order("A-1001", ("ORD-1", 2), channel="amazon")
        st, _, doc = self.c.call("POST", "/v1/orders", body)
        check(st == 200, f"order: {st} {doc}")
        check(doc == {"order_id": "A-1001", "lines": [
            {"sku": "ORD-1", "status": "accepted", "available": 98,
             "version": 2, "replayed": False}]}, f"order reply: {doc}")
        st, _, doc = self.c.call("POST", "/v1/orders", body)
        line = doc["lines"][0]
        check(st == 200 and line["replayed"] is True
              and line["status"] == "accepted" and line["available"] == 98,
              f"order retry: {st} {doc}")
        doc = expect_error(
            self.c.call("POST", "/v1/orders",
                        order("A-1001", ("ORD-1", 3), channel="amazon")),
            409, "id_conflict", "order id reused with another qty")
        check(doc["lines"][0]["status"] == "error", f"{doc}")
        st, _, view = self.c.call("GET", "/v1/stock/ORD-1")
        check(view["on_hand"] == 98, f"conflict changed stock: {view}")

    def test_write_path_metrics(self):
        # The log's group commits and the applier's commits to LMDB (the
        # write-ahead log is on by default) show in /metrics.
        def series(m, name):
            return m.get((name, ""), 0)
        before = metrics(self.c)
        self.put("MET-1", 10, "met-1-seed")
        st, _, doc = self.c.call("POST", "/v1/orders",
                                 order("MET-A1", ("MET-1", 1)))
        check(st == 200, f"order: {st} {doc}")
        deadline = time.monotonic() + 10
        while True:
            m = metrics(self.c)
            if (series(m, "stockwire_store_apply_operations_sum")
                    >= series(before, "stockwire_store_apply_operations_sum")
                    + 2 or time.monotonic() > deadline):
                break
            time.sleep(0.05)
        for name, grew in [
                ("stockwire_journal_batch_operations_sum", 2),
                ("stockwire_journal_commit_seconds_count", 1),
                ("stockwire_store_apply_operations_sum", 2),
                ("stockwire_store_apply_seconds_count", 1)]:
            check(series(m, name) >= series(before, name) + grew,
                  f"{name}: {series(before, name)} -> {series(m, name)}")
        check(series(m, "stockwire_store_apply_failures_total") == 0,
              "an apply failed")

    def test_order_rejected_when_short(self):
        self.put("SHORT-1", 1, "short-seed")
        st, _, doc = self.c.call("POST", "/v1/orders",
                                 order("S-1", ("SHORT-1", 2)))
        check(st == 200 and doc["lines"][0]["status"] == "rejected"
              and doc["lines"][0]["available"] == 1, f"{st} {doc}")
        st, _, view = self.c.call("GET", "/v1/stock/SHORT-1")
        check(view["on_hand"] == 1 and view["version"] == 1, f"{view}")

    def test_multi_line_order(self):
        self.put("ML-1", 10, "ml-1")
        self.put("ML-2", 10, "ml-2")
        st, _, doc = self.c.call(
            "POST", "/v1/orders", order("M-1", ("ML-1", 1), ("ML-2", 4)))
        check(st == 200 and [l["status"] for l in doc["lines"]]
              == ["accepted", "accepted"], f"{st} {doc}")
        st, _, doc = self.c.call(
            "POST", "/v1/orders", order("M-2", ("ML-1", 1), ("ML-NONE", 1)))
        check(st == 200, f"partly unknown order: {st} {doc}")
        check(doc["lines"][0]["status"] == "accepted"
              and doc["lines"][1]["status"] == "error"
              and doc["lines"][1]["error"]["code"] == "unknown_sku", f"{doc}")
        expect_error(self.c.call("POST", "/v1/orders",
                                 order("M-3", ("ML-NONE", 1))),
                     404, "unknown_sku", "order of an unknown SKU")
        expect_error(self.c.call("POST", "/v1/orders",
                                 order("M-4", ("ML-1", 1), ("ML-1", 2))),
                     400, "invalid_argument", "the same SKU twice")

    def test_batch(self):
        self.put("BAT-1", 5, "bat-1")
        batch = [order("BA-1", ("BAT-1", 2)), order("BA-2", ("BAT-1", 4)),
                 order("BA-3", ("BAT-NONE", 1)), {"order_id": 7, "lines": []},
                 order("BA-1", ("BAT-1", 2))]
        st, _, doc = self.c.call("POST", "/v1/orders:batch", batch)
        check(st == 200 and len(doc["orders"]) == 5, f"batch: {st} {doc}")
        o = doc["orders"]
        check(o[0]["lines"][0]["status"] == "accepted", f"{o[0]}")
        check(o[1]["lines"][0]["status"] == "rejected", f"{o[1]}")
        check(o[2]["error"]["code"] == "unknown_sku", f"{o[2]}")
        check(o[3]["error"]["code"] == "invalid_argument", f"{o[3]}")
        check(o[4]["lines"][0]["replayed"] is True, f"{o[4]}")
        check((doc["accepted"], doc["rejected"], doc["replayed"],
               doc["errors"]) == (2, 1, 1, 2), f"batch tallies: {doc}")
        expect_error(self.c.call("POST", "/v1/orders:batch", []), 400,
                     "invalid_argument", "empty batch")
        expect_error(self.c.call("POST", "/v1/orders:batch",
                                 order("X", ("BAT-1", 1))),
                     400, "invalid_argument", "batch that is no array")

    def test_cancel_and_get_order(self):
        self.put("CAN-1", 10, "can-1")
        self.put("CAN-2", 10, "can-2")
        self.c.call("POST", "/v1/orders",
                    order("C-1", ("CAN-1", 3), ("CAN-2", 2), channel="ebay"))
        st, _, doc = self.c.call("GET", "/v1/orders/C-1")
        check(st == 200 and sorted((l["sku"], l["qty"], l["status"])
                                   for l in doc["lines"])
              == [("CAN-1", 3, "accepted"), ("CAN-2", 2, "accepted")],
              f"GET order: {st} {doc}")
        st, _, doc = self.c.call(
            "POST", "/v1/orders/C-1/cancel",
            {"channel": "ebay", "lines": [{"sku": "CAN-1", "qty": 3}]})
        check(st == 200 and doc["lines"][0]["restored"] == 3
              and doc["lines"][0]["available"] == 10
              and doc["lines"][0]["replayed"] is False, f"cancel: {st} {doc}")
        st, _, doc = self.c.call(
            "POST", "/v1/orders/C-1/cancel",
            {"channel": "ebay", "lines": [{"sku": "CAN-1", "qty": 3}]})
        check(st == 200 and doc["lines"][0]["replayed"] is True,
              f"cancel retry: {st} {doc}")
        # Without lines: every accepted line; CAN-1 replays, CAN-2 cancels.
        st, _, doc = self.c.call("POST", "/v1/orders/C-1/cancel", None)
        got = {l["sku"]: l["replayed"] for l in doc["lines"]}
        check(st == 200 and got == {"CAN-1": True, "CAN-2": False},
              f"cancel without lines: {st} {doc}")
        for sku in ("CAN-1", "CAN-2"):
            st, _, view = self.c.call("GET", f"/v1/stock/{sku}")
            check(view["on_hand"] == 10, f"cancel did not restore: {view}")
        st, _, doc = self.c.call("GET", "/v1/orders/C-1")
        check(all(l["cancelled"] for l in doc["lines"]), f"{doc}")
        expect_error(self.c.call("POST", "/v1/orders/NEVER/cancel",
                                 {"lines": [{"sku": "CAN-1"}]}),
                     404, "unknown_order", "cancel of an unknown order")
        expect_error(self.c.call("POST", "/v1/orders/NEVER/cancel", {}),
                     404, "unknown_order", "cancel of an unknown order")
        expect_error(self.c.call("GET", "/v1/orders/NEVER"), 404,
                     "unknown_order", "GET unknown order")

    def test_audit(self):
        self.put("AUD-1", 50, "aud-seed")
        for i in range(5):
            self.c.call("POST", "/v1/orders", order(f"AU-{i}", ("AUD-1", i + 1)))
        st, _, doc = self.c.call("GET", "/v1/stock/AUD-1/audit?limit=2")
        check(st == 200 and [r["version"] for r in doc["records"]] == [6, 5]
              and doc["next_from_version"] == 4, f"audit page: {st} {doc}")
        r = doc["records"][0]
        check(r["op_id"] == "AU-4" and r["kind"] == "order"
              and r["delta"] == -5 and r["on_hand"] == 35, f"record: {r}")
        st, _, doc = self.c.call("GET",
                                 "/v1/stock/AUD-1/audit?limit=50&from_version=2")
        check([r["version"] for r in doc["records"]] == [2, 1]
              and doc["next_from_version"] is None, f"audit tail: {doc}")
        view, records = check_audit_replays(self.c, "AUD-1")
        check(view["on_hand"] == 35 and len(records) == 6, f"{view}")
        expect_error(self.c.call("GET", "/v1/stock/AUD-NONE/audit"), 404,
                     "unknown_sku", "audit of an unknown SKU")
        expect_error(self.c.call("GET", "/v1/stock/AUD-1/audit?limit=0"),
                     400, "invalid_argument", "audit limit 0")
        expect_error(self.c.call("GET", "/v1/stock/AUD-1/audit?limit=x"),
                     400, "invalid_argument", "audit limit not a number")

    # -- malformed input -------------------------------------------------------

    def test_malformed_and_wrong_types(self):
        self.put("TYPE-1", 10, "type-1")
        expect_error(self.c.call("POST", "/v1/orders", '{"order_id":'), 400,
                     "malformed_json", "truncated JSON")
        expect_error(self.c.call("POST", "/v1/orders", "not json"), 400,
                     "malformed_json", "not JSON")
        expect_error(self.c.call("POST", "/v1/orders", "[" * 50 + "]" * 50),
                     400, "malformed_json", "JSON too deep")
        bad_bodies = [
            ("order_id a number", {"order_id": 5, "lines": []}),
            ("no order_id", {"lines": [{"sku": "TYPE-1", "qty": 1}]}),
            ("lines not an array", {"order_id": "T", "lines": {}}),
            ("empty lines", {"order_id": "T", "lines": []}),
            ("qty a string", order("T", ("TYPE-1", "2"))),
            ("qty a float", order("T", ("TYPE-1", 1.5))),
            ("qty zero", order("T", ("TYPE-1", 0))),
            ("qty negative", order("T", ("TYPE-1", -1))),
            ("qty too large", order("T", ("TYPE-1", 10 ** 12))),
            ("qty beyond int64", order("T", ("TYPE-1", 2 ** 70))),
            ("sku a number", {"order_id": "T", "lines": [{"sku": 1, "qty": 1}]}),
            ("channel a bool", {"order_id": "T", "channel": True,
                                "lines": [{"sku": "TYPE-1", "qty": 1}]}),
            ("body an array", [1, 2]),
            ("empty order id", order("", ("TYPE-1", 1))),
        ]
        for what, body in bad_bodies:
            doc = expect_error(self.c.call("POST", "/v1/orders", body), 400,
                               "invalid_argument", what)
        doc = expect_error(self.c.call("POST", "/v1/orders",
                                       order("T", ("TYPE-1", "2"))),
                           400, "invalid_argument", "qty a string")
        check("lines[0].qty" in doc["error"]["message"],
              f"message does not name the field: {doc}")
        expect_error(self.c.call("PUT", "/v1/stock/TYPE-1", {"on_hand": -1}),
                     400, "invalid_argument", "negative on_hand")
        expect_error(self.c.call("PUT", "/v1/stock/TYPE-1", {"on_hand": "1"}),
                     400, "invalid_argument", "on_hand a string")
        expect_error(self.c.call("PUT", "/v1/stock/TYPE-1", {}),
                     400, "invalid_argument", "PUT without on_hand")
        st, _, view = self.c.call("GET", "/v1/stock/TYPE-1")
        check(view["version"] == 1, f"a refused request changed stock: {view}")

    def test_body_and_header_limits(self):
        big = b'{"order_id":"' + b"x" * (2 << 20) + b'"}'
        reply = raw_exchange(
            self.node.port,
            b"POST /v1/orders HTTP/1.1\r\nHost: t\r\nContent-Length: "
            + str(len(big)).encode() + b"\r\n\r\n" + big)
        check(reply.startswith(b"HTTP/1.1 413"), f"413 expected: {reply[:80]}")
        check(b'"code":"payload_too_large"' in reply, f"{reply[:200]}")
        reply = raw_exchange(
            self.node.port,
            b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"y" * 20000
            + b"\r\n\r\n")
        check(reply.startswith(b"HTTP/1.1 431"), f"431 expected: {reply[:80]}")
        reply = raw_exchange(self.node.port, b"NONSENSE\r\n\r\n")
        check(reply.startswith(b"HTTP/1.1 400"), f"400 expected: {reply[:80]}")
        st, _, _ = self.c.call("GET", "/healthz")
        check(st == 200, "the node stopped serving after bad requests")

    def test_keep_alive(self):
        c = self.node.client()
        c.call("GET", "/healthz")
        first = c.conn.sock
        for _ in range(20):
            st, _, _ = c.call("GET", "/healthz")
            check(st == 200, "keep-alive request failed")
        check(c.conn is not None and c.conn.sock is first,
              "the connection was not kept alive")
        c.close()

    # -- other nodes -----------------------------------------------------------

    def test_auth(self):
        node = Node(self.binary, self.work, "auth",
                    '[http]\napi_tokens = ["s3cret-token", "other-token"]\n')
        node.start()
        try:
            anon = node.client()
            st, hdrs, doc = anon.call("GET", "/v1/stock/X")
            expect_error((st, hdrs, doc), 401, "unauthenticated", "no token")
            check(hdrs.get("www-authenticate") == "Bearer",
                  f"401 without WWW-Authenticate: {hdrs}")
            expect_error(anon.call("GET", "/v1/stock/X",
                                   headers={"Authorization": "Bearer nope"}),
                         401, "unauthenticated", "wrong token")
            expect_error(anon.call("GET", "/v1/stock/X",
                                   headers={"Authorization": "Basic abc"}),
                         401, "unauthenticated", "wrong scheme")
            st, _, _ = anon.call("GET", "/healthz")
            check(st == 200, "healthz must not need a token")
            ok = node.client(token="other-token")
            st, _, doc = ok.call("PUT", "/v1/stock/AUTH-1", {"on_hand": 1})
            check(st == 200, f"right token refused: {st} {doc}")
            st, _, doc = ok.call("GET", "/v1/stock/AUTH-1",
                                 headers={"Authorization": "bearer s3cret-token"})
            check(st == 200, f"lower-case scheme refused: {st} {doc}")
        finally:
            check(node.stop() == 0, "auth node did not stop cleanly")

    def test_configured_limits(self):
        node = Node(self.binary, self.work, "limits",
                    "[http]\ninflight_commands_max = 4\n"
                    "[limits]\nbody_bytes_max = 2048\norder_lines_max = 3\n"
                    "batch_orders_max = 5\nstock_query_skus_max = 2\n"
                    "qty_max = 10\njson_depth_max = 4\nsku_bytes_max = 8\n")
        node.start()
        try:
            c = node.client()
            st, _, doc = c.call("PUT", "/v1/stock/L-1", {"on_hand": 10})
            check(st == 200, f"seed within qty_max: {st} {doc}")
            expect_error(c.call("PUT", "/v1/stock/L-1", {"on_hand": 11}),
                         400, "invalid_argument", "on_hand above qty_max")
            doc = expect_error(c.call("PUT", "/v1/stock/LONGER-SKU",
                                      {"on_hand": 1}),
                               400, "invalid_argument", "sku above sku_bytes_max")
            check("limits.sku_bytes_max" in doc["error"]["message"], f"{doc}")
            expect_error(c.call("GET", "/v1/stock/LONGER-SKU"), 400,
                         "invalid_argument", "read of an over-long sku")
            expect_error(c.call("POST", "/v1/orders", order("L", ("L-1", 11))),
                         400, "invalid_argument", "qty above qty_max")
            lines = [(f"L-{i}", 1) for i in range(4)]
            expect_error(c.call("POST", "/v1/orders", order("L", *lines)),
                         400, "invalid_argument", "too many lines")
            expect_error(c.call("POST", "/v1/orders:batch",
                                [order(f"L{i}", ("L-1", 1)) for i in range(6)]),
                         400, "invalid_argument", "too many orders")
            expect_error(c.call("GET", "/v1/stock?sku=A&sku=B&sku=C"), 400,
                         "invalid_argument", "too many SKUs in a query")
            expect_error(c.call("POST", "/v1/orders:batch",
                                [{"order_id": "d", "lines": [{"sku": [[]]}]}]),
                         400, "malformed_json", "deeper than json_depth_max")
            st, _, doc = c.call("POST", "/v1/orders", {"order_id": "x" * 3000})
            check(st == 413 and doc["error"]["code"] == "payload_too_large",
                  f"body above body_bytes_max: {st} {doc}")
            expect_error(c.call("POST", "/v1/orders:batch",
                                [order(f"O{i}", ("L-1", 1)) for i in range(5)]),
                         503, "overloaded", "more commands than allowed")
            # Every refusal above left the stock as it was.
            st, _, view = c.call("GET", "/v1/stock/L-1")
            check(st == 200 and view["on_hand"] == 10
                  and view["version"] == 1,
                  f"a refused request changed stock: {view}")
        finally:
            check(node.stop() == 0, "limits node did not stop cleanly")

    def test_store_full_is_503_and_not_ready(self):
        node = Node(self.binary, self.work, "tiny", "[store]\nmap_size_mb = 1\n")
        node.start()
        try:
            c = node.client()
            c.call("PUT", "/v1/stock/FULL-1", {"on_hand": 1000000000})
            _, refused = fill_store(c, 5000)
            expect_error(refused, 503, "store_unavailable", "order, store full")
            expect_not_ready(c, "readyz with a full store")
            st, _, _ = c.call("GET", "/healthz")
            check(st == 200, "healthz must stay 200")
        finally:
            check(node.stop() == 0, "tiny node did not stop cleanly")

    def test_store_full_with_write_ahead_log(self):
        # With the log, a write is acknowledged before the store holds it,
        # so the journal first reserves room for it in the map: a map too
        # full to take it refuses the write (503, not acknowledged), reads
        # stay exact, and a restart on the same full map starts (nothing
        # acknowledged waits for room) and refuses writes again once the
        # map is full, until it is raised.
        toml = "[store]\nmap_size_mb = 1\nwrite_ahead_log = true\n" \
               "log_size_mb = 4\n"
        node = Node(self.binary, self.work, "tinylog", toml)
        node.start()
        initial = 1000000000
        acknowledged = 0
        try:
            c = node.client()
            st, _, _ = c.call("PUT", "/v1/stock/FULL-1", {"on_hand": initial})
            check(st == 200, f"seed: {st}")
            acknowledged, refused = fill_store(c, 20000)
            doc = expect_error(refused, 503, "store_unavailable",
                               "order, store full behind the log")
            check("store full" in doc["error"]["message"]
                  and "map_size_mb" in doc["error"]["message"], f"{doc}")
            expect_not_ready(c, "readyz, store full")
            st, _, view = c.call("GET", "/v1/stock/FULL-1")
            check(st == 200 and view["on_hand"] == initial - acknowledged,
                  f"read on a full store: {st} {view}, {acknowledged} acked")
        finally:
            check(node.stop() == 0, "tinylog node did not stop cleanly")
        node.start()
        try:
            c = node.client()
            st, _, view = c.call("GET", "/v1/stock/FULL-1")
            check(st == 200 and view["on_hand"] == initial - acknowledged
                  and view["version"] == acknowledged + 1,
                  f"restart on the full map: {view}, {acknowledged} acked")
            # The room reserved for records not yet applied is free again:
            # a few more orders may fit, then the map refuses again.
            more, refused = fill_store(c, 20000, "R")
            expect_error(refused, 503, "store_unavailable",
                         "order after a restart on the full map")
            acknowledged += more
            st, _, view = c.call("GET", "/v1/stock/FULL-1")
            check(st == 200 and view["on_hand"] == initial - acknowledged,
                  f"full again after the restart: {view}, "
                  f"{acknowledged} acked")
        finally:
            check(node.stop() == 0, "tinylog node did not stop cleanly")
        with open(node.config, "w") as f:
            f.write('[node]\nid = "tinylog"\n' +
                    toml.replace("map_size_mb = 1", "map_size_mb = 16"))
        node.start()
        try:
            c = node.client()
            st, _, doc = c.call("POST", "/v1/orders",
                                order("after-raise", ("FULL-1", 1)))
            check(st == 200 and doc["lines"][0]["status"] == "accepted"
                  and doc["lines"][0]["available"]
                  == initial - acknowledged - 1,
                  f"order after the map was raised: {st} {doc}")
        finally:
            check(node.stop() == 0, "tinylog node did not stop cleanly")

    def test_bad_config_is_refused(self):
        node = Node(self.binary, self.work, "badcfg",
                    "[limits]\nbody_bytes_maxx = 5\n")
        proc = subprocess.run([self.binary, "--config", node.config],
                              capture_output=True, text=True, timeout=30)
        check(proc.returncode == 2, f"exit code {proc.returncode}, expected 2")
        check("limits.body_bytes_maxx" in proc.stderr
              and "unknown key" in proc.stderr, f"key not named: {proc.stderr}")
        node = Node(self.binary, self.work, "badval",
                    "[http]\nretry_after_s = -1\n")
        proc = subprocess.run([self.binary, "--config", node.config],
                              capture_output=True, text=True, timeout=30)
        check(proc.returncode == 2 and "http.retry_after_s" in proc.stderr,
              f"bad value: {proc.returncode} {proc.stderr}")
        proc = subprocess.run([self.binary, "--config", node.config,
                               "--log-format", "xml"],
                              capture_output=True, text=True, timeout=30)
        check(proc.returncode == 2, f"bad flag: {proc.returncode}")

    def finish(self):
        code = self.node.stop()
        check(code == 0, f"main node exited with {code}")
        log = self.node.log_text()
        check("stopped cleanly" in log, "no clean-stop line in the log")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="stockwire-http-")
    try:
        t = ApiTests(args.stockwired, work)
        tests = [(name, getattr(t, name)) for name in sorted(dir(t))
                 if name.startswith("test_")]
        tests.append(("clean shutdown (exit 0)", t.finish))
        return run_tests(tests)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
