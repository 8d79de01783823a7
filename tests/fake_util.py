"""The fake channels for process-level tests (Python 3 standard library).

`Fake` runs one fakechannel with its own TOML config on free loopback ports
(port 0; the binary prints "listening <channel> <host> <port>" per channel)
and talks to it: channel requests, /_fake/state, /_fake/requests and
/_fake/reset.
"""
import http.client
import json
import os
import subprocess
import time

START_TIMEOUT_S = 20
# An Amazon feed is processed within this (feed_processing_ms plus slack).
FEED_DEADLINE_S = 20
AMAZON_AUTH = {"x-amz-access-token": "Atza|fake_token"}

# A fakechannel with only shopify and woocommerce (the cluster tests list on
# those two): eBay's revision budget and Amazon's feed pacing would stretch
# convergence over minutes.
SHOPIFY_WOO_TOML = """
[amazon]
enabled = false
[ebay]
enabled = false
[flipkart]
enabled = false
"""


class FakeFailure(Exception):
    pass


class Fake:
    def __init__(self, binary, workdir, name, toml):
        self.config = os.path.join(workdir, name + ".toml")
        with open(self.config, "w") as f:
            f.write(toml)
        self.proc = subprocess.Popen(
            [binary, "--config", self.config], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.ports = {}
        deadline = time.monotonic() + START_TIMEOUT_S
        expected = 5 - toml.count("enabled = false")
        while len(self.ports) < expected:
            if time.monotonic() >= deadline:
                raise FakeFailure("fakechannel did not start")
            line = self.proc.stdout.readline()
            if not line:
                raise FakeFailure("fakechannel exited: " +
                                  self.proc.stderr.read())
            parts = line.split()
            if len(parts) == 4 and parts[0] == "listening":
                self.ports[parts[1]] = int(parts[3])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def request(self, channel, method, target, body=None, headers=None,
                timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.ports[channel],
                                          timeout=timeout)
        data = body if isinstance(body, (str, bytes)) or body is None \
            else json.dumps(body)
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        conn.request(method, target, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw
        return resp.status, dict(resp.getheaders()), parsed

    def state(self):
        any_channel = next(iter(self.ports))
        return self.request(any_channel, "GET", "/_fake/state")[2]

    def counters(self):
        any_channel = next(iter(self.ports))
        return self.request(any_channel, "GET", "/_fake/requests")[2]

    def reset(self):
        any_channel = next(iter(self.ports))
        status, _, _ = self.request(any_channel, "POST", "/_fake/reset")
        if status != 200:
            raise FakeFailure(f"reset answered {status}")

    def amazon_feed(self, feed_type, content_type, document):
        """Submits a feed the way Amazon's Feeds API 2021-06-30 takes it:
        createFeedDocument, upload `document` (text, or a dict as JSON),
        createFeed, then polls until processing ends. Returns (the feed's
        final status, its processing report: parsed JSON or raw bytes)."""
        s, _, doc = self.request("amazon", "POST",
                                 "/feeds/2021-06-30/documents",
                                 {"contentType": content_type}, AMAZON_AUTH)
        if s != 201 or not doc.get("url"):
            raise FakeFailure(f"createFeedDocument: {s} {doc}")
        upload = "/" + doc["url"].split("/", 3)[3]
        s, _, _ = self.request("amazon", "PUT", upload, document,
                               {"Content-Type": content_type.split(";")[0]})
        if s != 200:
            raise FakeFailure(f"feed document upload: {s}")
        s, _, b = self.request("amazon", "POST", "/feeds/2021-06-30/feeds",
                               {"feedType": feed_type,
                                "marketplaceIds": ["ATVPDKIKX0DER"],
                                "inputFeedDocumentId": doc["feedDocumentId"]},
                               AMAZON_AUTH)
        if s != 202:
            raise FakeFailure(f"createFeed: {s} {b}")
        deadline = time.monotonic() + FEED_DEADLINE_S
        while True:
            feed = self.request("amazon", "GET",
                                "/feeds/2021-06-30/feeds/" + b["feedId"],
                                None, AMAZON_AUTH)[2]
            if feed["processingStatus"] in ("DONE", "FATAL"):
                break
            if time.monotonic() > deadline:
                raise FakeFailure(f"feed {b['feedId']} still "
                                  f"{feed['processingStatus']}")
            time.sleep(0.05)
        s, _, d = self.request("amazon", "GET", "/feeds/2021-06-30/documents/"
                               + feed["resultFeedDocumentId"], None,
                               AMAZON_AUTH)
        report = self.request("amazon", "GET",
                              "/" + d["url"].split("/", 3)[3])[2]
        return feed, report
