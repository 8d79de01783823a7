"""Helpers of the process-level HTTP tests (Python 3 standard library only).

A `Node` runs one stockwired with its own config file and data directory in
a temporary work directory, on a free loopback port chosen by the kernel
(the node logs where it listens; the tests read that line, so there is no
race for ports). `Client` is one keep-alive connection that returns
(status, headers, parsed JSON).
"""
import base64
import csv
import datetime
import hashlib
import hmac
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

LISTEN_RE = re.compile(r"listening on http://([0-9.]+):(\d+)")

# How long a node may take to start or stop before the test gives up.
START_TIMEOUT_S = 20
STOP_TIMEOUT_S = 40


class TestFailure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise TestFailure(what)


class Node:
    def __init__(self, binary, workdir, name="node", toml=""):
        self.binary = binary
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.data = os.path.join(self.dir, "data")
        self.config = os.path.join(self.dir, "node.toml")
        self.log = os.path.join(self.dir, "node.log")
        with open(self.config, "w") as f:
            f.write(f'[node]\nid = "{name}"\n' + toml)
        self.proc = None
        self.port = None

    def start(self, extra_args=(), env=None):
        """Starts the node; `env`: extra environment variables."""
        offset = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        logf = open(self.log, "a")
        self.proc = subprocess.Popen(
            [self.binary, "--config", self.config, "--data-dir", self.data,
             "--http-listen", "127.0.0.1:0", *extra_args],
            stdout=logf, stderr=subprocess.STDOUT,
            env=dict(os.environ, **env) if env else None)
        logf.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with open(self.log) as f:
                f.seek(offset)
                m = LISTEN_RE.search(f.read())
            if m:
                self.port = int(m.group(2))
                return self
            if self.proc.poll() is not None:
                raise TestFailure(
                    f"stockwired exited with {self.proc.returncode} at start:"
                    f"\n{self.log_text()}")
            time.sleep(0.02)
        with open(self.log) as f:
            f.seek(offset)
            tail = f.read()[-2000:]
        raise TestFailure("stockwired did not start listening in time; its "
                          f"log since the start:\n{tail}")

    def stop(self, sig=signal.SIGTERM):
        """Sends `sig` and returns the exit code."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise TestFailure(f"stockwired did not stop after {sig}")
        self.proc = None
        return code

    def kill(self):
        return self.stop(signal.SIGKILL)

    def log_text(self):
        with open(self.log) as f:
            return f.read()

    def client(self, token=None, timeout=30):
        return Client(self.port, token, timeout)


class Client:
    def __init__(self, port, token=None, timeout=30):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def raw(self, method, path, body=None, headers=None):
        """One request; returns (status, headers dict, body bytes). Raises
        OSError / http.client exceptions when the connection fails."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout)
        h = dict(headers or {})
        if self.token is not None:
            h.setdefault("Authorization", f"Bearer {self.token}")
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        try:
            self.conn.request(method, path, body=body, headers=h)
            r = self.conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if hdrs.get("connection", "").lower() == "close":
            self.close()
        return r.status, hdrs, data

    def call(self, method, path, body=None, headers=None):
        """Like raw(), with the body parsed as JSON."""
        status, hdrs, data = self.raw(method, path, body, headers)
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            raise TestFailure(f"{method} {path}: reply is not JSON: {data!r}")
        return status, hdrs, doc


def csv_text(header, rows, line_end="\r\n"):
    """RFC 4180 text of `header` (column names) and `rows` (sequences of
    cells), quoting only where needed; for POST /v1/listings:import."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator=line_end)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def import_listings(client, text):
    """POST /v1/listings:import with `text` as text/csv; (status, headers,
    JSON)."""
    return client.call("POST", "/v1/listings:import", text.encode(),
                       {"Content-Type": "text/csv"})


def expect_error(result, status, code, what):
    st, hdrs, doc = result
    check(st == status, f"{what}: status {st}, expected {status}: {doc}")
    check(isinstance(doc, dict) and isinstance(doc.get("error"), dict),
          f"{what}: no error envelope: {doc}")
    check(doc["error"].get("code") == code,
          f"{what}: code {doc['error'].get('code')}, expected {code}")
    check(isinstance(doc["error"].get("message"), str)
          and doc["error"]["message"], f"{what}: empty message")
    if status == 503:
        check(hdrs.get("retry-after", "").isdigit(),
              f"{what}: 503 without Retry-After")
    return doc


def read_audit(client, sku, page=200):
    """Every audit record of `sku`, newest first (follows next_from_version)."""
    records = []
    path = f"/v1/stock/{sku}/audit?limit={page}"
    while True:
        st, _, doc = client.call("GET", path)
        check(st == 200, f"audit of {sku}: {st} {doc}")
        records.extend(doc["records"])
        nxt = doc["next_from_version"]
        if nxt is None:
            return records
        path = f"/v1/stock/{sku}/audit?limit={page}&from_version={nxt}"


def check_audit_replays(client, sku):
    """The audit log of `sku` replays to its stock: consecutive versions,
    each on_hand = previous + delta, never negative. Returns (stock view,
    records oldest first)."""
    st, _, view = client.call("GET", f"/v1/stock/{sku}")
    check(st == 200, f"stock of {sku}: {st} {view}")
    records = list(reversed(read_audit(client, sku)))
    check(len(records) == view["version"],
          f"{sku}: {len(records)} audit records for version {view['version']}")
    on_hand = 0
    for i, r in enumerate(records):
        check(r["version"] == i + 1, f"{sku}: audit version gap at {i + 1}")
        on_hand += r["delta"]
        check(r["on_hand"] == on_hand,
              f"{sku}: audit v{r['version']} on_hand {r['on_hand']} but the "
              f"deltas sum to {on_hand}")
        check(r["on_hand"] >= 0 and r["available"] >= 0,
              f"{sku}: negative stock at v{r['version']}")
    check(on_hand == view["on_hand"],
          f"{sku}: audit replays to {on_hand}, stock says {view['on_hand']}")
    return view, records


def run_tests(tests):
    """Runs (name, fn) pairs; prints each outcome; returns the exit code."""
    failed = 0
    for name, fn in tests:
        start = time.monotonic()
        try:
            fn()
            print(f"PASS {name} ({time.monotonic() - start:.2f} s)", flush=True)
        except (TestFailure, AssertionError, OSError,
                http.client.HTTPException) as e:
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
    print(f"{len(tests) - failed} of {len(tests)} tests passed", flush=True)
    return 1 if failed else 0


def run_in(workdir, tests, stop):
    """run_tests(tests), then stop() (a TestFailure there fails the run);
    removes `workdir` when everything passed and keeps it, saying where,
    for the logs otherwise. Returns the exit code."""
    code = 1
    try:
        code = run_tests(tests)
    finally:
        try:
            stop()
        except TestFailure as e:
            print(f"FAIL stop: {e}", flush=True)
            code = 1
        if code == 0:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs kept in {workdir}", flush=True)
    return code


def raw_exchange(port, payload, read_bytes=65536, timeout=10):
    """Sends raw bytes on a fresh socket and returns what comes back until
    the server closes (for malformed HTTP and oversized requests)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        chunks = []
        while True:
            try:
                data = s.recv(read_bytes)
            except ConnectionResetError:
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)


def webhook_signature(secret, body):
    """base64(HMAC-SHA256(secret, raw body bytes)): how Shopify, WooCommerce
    and the Stockwire relays sign a webhook."""
    if isinstance(body, str):
        body = body.encode()
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def rfc3339_utc(offset_s=0.0, digits=3, zone="Z"):
    """Now plus `offset_s` as RFC 3339 UTC with `digits` fraction digits
    (Shopify sends 9, Amazon 3; WooCommerce's *_gmt fields 0 and no zone)."""
    t = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=offset_s)
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{t.microsecond:06d}{0:03d}"[:digits]
    return text + zone


def stock_of(client, sku):
    """The committed stock view of `sku` (GET /v1/stock/{sku})."""
    st, _, view = client.call("GET", f"/v1/stock/{sku}")
    check(st == 200, f"stock of {sku}: {st} {view}")
    return view


# -- channel webhooks (POST /webhooks/{channel}) -------------------------------

def shopify_order(order_id, lines, cancelled=False):
    """A Shopify Order resource as orders/create (or, with `cancelled`,
    orders/cancelled) delivers it; `lines` are (sku, qty) pairs, sku None for
    a custom item without SKU."""
    now = rfc3339_utc(digits=0, zone="-04:00")
    items = []
    for i, (sku, qty) in enumerate(lines):
        item_id = 14508291489954 + 1000 * (order_id % 1000) + i
        items.append({
            "id": item_id,
            "admin_graphql_api_id": f"gid://shopify/LineItem/{item_id}",
            "fulfillable_quantity": 0 if cancelled else qty,
            "fulfillment_service": "manual", "fulfillment_status": None,
            "gift_card": False, "grams": 450, "name": f"Item {sku}",
            "price": "24.90", "product_exists": True,
            "product_id": 8313287352482 + i, "properties": [],
            "quantity": qty, "requires_shipping": True, "sku": sku,
            "taxable": True, "title": f"Item {sku}",
            "variant_id": 45012359774370 + i, "vendor": "Stockwire Test"})
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "cancel_reason": "customer" if cancelled else None,
        "cancelled_at": now if cancelled else None,
        "confirmed": True, "created_at": now, "currency": "USD",
        "email": "jane.doe@example.com",
        "financial_status": "refunded" if cancelled else "paid",
        "fulfillment_status": None, "name": f"#{order_id % 100000}",
        "order_number": order_id % 100000, "source_name": "web",
        "total_price": "129.68", "updated_at": now,
        "customer": {"id": 7102451925154, "first_name": "Jane",
                     "last_name": "Doe"},
        "line_items": items}


def shopify_headers(secret, body, topic, event_id, triggered_at=None):
    """The headers Shopify sends with a webhook whose raw body is `body`."""
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": webhook_signature(secret, body),
        "X-Shopify-Shop-Domain": "stockwire-test.myshopify.com",
        "X-Shopify-API-Version": "2026-04",
        "X-Shopify-Webhook-Id": f"wh-{event_id}",
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Triggered-At": triggered_at or rfc3339_utc(digits=9)}
