#!/usr/bin/env python3
"""Mutual TLS on the cluster and admin ports (issue 6 "Security", issue 7
"Connection"): three stockwired on loopback with [tls], certificates made by
scripts/make-certs.sh, stockctl with and without its own certificate.

Checks:
- the cluster and admin ports speak TLS: a TLS client with a certificate of
  the cluster's CA completes the handshake and is shown the node's
  certificate; one without a certificate is refused by the node;
- orders sent round-robin through all three nodes (so most are forwarded
  over TLS) leave every SKU with its exact stock, the same through every
  node, and each SKU's audit on its owner;
- stockctl with a certificate of the CA answers (cluster status: all three
  reachable; sku get matches HTTP), also with the $STOCKWIRE_TLS_*
  variables; without a certificate, or with one of another CA, it exits 11
  with one line saying why; half the flags: exit 2 naming them;
- plain TCP connections and TLS clients without a certificate on every
  port, and stockctl sessions ending, leave the cluster's links up;
- a node whose certificate another CA signed cannot join: its SKUs answer
  503 naming it through the others, and it is reachable again once
  restarted with a good certificate;
- at start, a missing file, a key of another certificate, a certificate
  the CA did not sign and a non-loopback cluster address without [tls]
  are refused with exit 2 and a message naming the setting.

  tls_test.py --stockwired B --stockctl B --ring-owner B --make-certs S
"""
import argparse
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster_test  # noqa: E402
from cluster_test import (MEMBERS, free_ports, stock_views,  # noqa: E402
                          wait_mesh)
from http_util import (Node, TestFailure, check,  # noqa: E402
                       check_audit_replays, run_in)

SKU_COUNT = 60
ORDERS = 240
ON_HAND = 1000
FORWARD_TIMEOUT_MS = 1000
CTL_TIMEOUT_S = 60
START_REFUSED_TIMEOUT_S = 20

# stockctl's exit codes (ctl/exit_codes.hpp).
EXIT_USAGE = 2
EXIT_HANDSHAKE = 11


def make_certs(script, directory, *names):
    subprocess.run(["bash", script, directory, *names], check=True,
                   stdout=subprocess.DEVNULL)


class Cluster(cluster_test.Cluster):
    """cluster_test's three nodes (owners, client, start, stop), each with
    [tls] and an admin port."""

    def __init__(self, args, work):
        ports = free_ports(2 * len(MEMBERS))
        self.cluster_ports = dict(zip(MEMBERS, ports[:3]))
        self.admin_ports = dict(zip(MEMBERS, ports[3:]))
        self.ring_owner = args.ring_owner
        self.certs = os.path.join(work, "certs")
        self.nodes = {m: Node(args.stockwired, work, m, self.node_toml(m))
                      for m in MEMBERS}

    def node_toml(self, name, certs=None):
        certs = certs or self.certs
        members = ", ".join(
            f'{{id = "{m}", host = "127.0.0.1", port = {p}}}'
            for m, p in self.cluster_ports.items())
        return (f"[admin]\nlisten = \"127.0.0.1:{self.admin_ports[name]}\"\n"
                f"[cluster]\nmembers = [{members}]\nepoch = 1\n"
                f"forward_timeout_ms = {FORWARD_TIMEOUT_MS}\n"
                f"[tls]\ncertificate = \"{certs}/{name}.pem\"\n"
                f"key = \"{certs}/{name}.key\"\n"
                f"cafile = \"{certs}/ca.pem\"\n")

    def configure(self, name, certs=None):
        with open(self.nodes[name].config, "w") as f:
            f.write(f'[node]\nid = "{name}"\n' + self.node_toml(name, certs))


def tls_handshake(port, certs, with_certificate):
    """Opens a TLS connection to a node's port as a client of the cluster's
    CA; returns the CN of the node's certificate. Raises ssl.SSLError (or
    ConnectionError) when the node refuses."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # nodes are named by their CN, not by DNS
    ctx.load_verify_locations(os.path.join(certs, "ca.pem"))
    if with_certificate:
        ctx.load_cert_chain(os.path.join(certs, "stockctl.pem"),
                            os.path.join(certs, "stockctl.key"))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            cn = dict(x[0] for x in s.getpeercert()["subject"])["commonName"]
            # TLS 1.3 reports a refused client certificate only on the
            # first read after the handshake; CAF's BASP waits for the
            # client to speak first, so a read that times out is a kept
            # connection.
            s.settimeout(1.0)
            try:
                if s.recv(1) == b"":
                    raise ConnectionError("closed by the node")
            except socket.timeout:
                pass
            return cn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stockwired", required=True)
    ap.add_argument("--stockctl", required=True)
    ap.add_argument("--ring-owner", required=True)
    ap.add_argument("--make-certs", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tls-test-")
    cluster = Cluster(args, work)
    certs = cluster.certs
    other = os.path.join(work, "other-ca")
    skus = [f"TLS-{i}" for i in range(SKU_COUNT)]
    owners = {}
    taken = {s: 0 for s in skus}

    def ctl(*cmd, via="node1", env=None, tls=True):
        argv = [args.stockctl, "--node",
                f"127.0.0.1:{cluster.admin_ports[via]}", "--json"]
        if tls:
            argv += ["--tls-certificate", f"{certs}/stockctl.pem",
                     "--tls-key", f"{certs}/stockctl.key",
                     "--tls-cafile", f"{certs}/ca.pem"]
        p = subprocess.run(argv + list(cmd), capture_output=True, text=True,
                           timeout=CTL_TIMEOUT_S,
                           env=dict(os.environ, **(env or {})))
        return p.returncode, p.stdout, p.stderr

    def ctl_fails(code, *cmd, says, **kw):
        got, _, err = ctl(*cmd, **kw)
        lines = err.strip().splitlines()
        check(got == code and len(lines) == 1 and says in lines[0],
              f"stockctl {' '.join(cmd)}: exit {got} (expected {code}), "
              f"stderr {err!r} (expected one line with {says!r})")

    def refused_at_start(toml, says):
        node = Node(args.stockwired, os.path.join(work, "refused"), "node1",
                    toml)
        p = subprocess.run(
            [args.stockwired, "--config", node.config, "--data-dir",
             node.data, "--http-listen", "127.0.0.1:0"],
            capture_output=True, text=True, timeout=START_REFUSED_TIMEOUT_S)
        check(p.returncode == 2 and says in p.stderr,
              f"exit {p.returncode}, stderr {p.stderr!r}: expected 2 and "
              f"{says!r}")
        check(not os.path.exists(node.data),
              f"refused at start, but {node.data} was created")

    def test_make_certificates():
        make_certs(args.make_certs, certs, *MEMBERS, "stockctl")
        make_certs(args.make_certs, other, "node3", "stockctl")
        for name in MEMBERS + ["stockctl"]:
            check(os.path.exists(f"{certs}/{name}.pem"), f"{name}.pem")
            mode = os.stat(f"{certs}/{name}.key").st_mode & 0o777
            check(mode == 0o600, f"{name}.key mode {oct(mode)}")

    def test_bad_tls_settings_are_refused_at_start():
        base = cluster.node_toml("node1")
        refused_at_start(base.replace(f"{certs}/node1.pem",
                                      f"{certs}/missing.pem"),
                         "tls.certificate: cannot read")
        refused_at_start(base.replace(f"{certs}/node1.key",
                                      f"{certs}/node2.key"),
                         "tls.key: " + f"{certs}/node2.key does not belong")
        refused_at_start(base.replace(f"{certs}/node1.pem",
                                      f"{other}/node3.pem").replace(
                                          f"{certs}/node1.key",
                                          f"{other}/node3.key"),
                         "is not accepted by the CA")
        plain = base[:base.index("[tls]")].replace(
            'host = "127.0.0.1", port = ' +
            str(cluster.cluster_ports["node2"]),
            'host = "10.1.2.3", port = ' +
            str(cluster.cluster_ports["node2"]))
        refused_at_start(plain, "cluster.members (node2): 10.1.2.3 is not "
                                "a loopback address")

    def test_start_cluster_with_tls():
        cluster.start()
        wait_mesh(cluster)
        for name, node in cluster.nodes.items():
            check("(mutual TLS, certificate /CN=" + name in node.log_text(),
                  f"{name} does not log TLS on its cluster port")

    def test_ports_speak_tls_and_require_a_certificate():
        for name in MEMBERS:
            for port in (cluster.cluster_ports[name],
                         cluster.admin_ports[name]):
                cn = tls_handshake(port, certs, with_certificate=True)
                check(cn == name, f"port {port} presented CN={cn}")
                try:
                    tls_handshake(port, certs, with_certificate=False)
                except (ssl.SSLError, ConnectionError, OSError):
                    continue
                raise TestFailure(f"{name}'s port {port} kept a TLS "
                                  f"client without a certificate")

    def test_orders_through_every_node_are_exact():
        owners.update(cluster.owners(skus))
        check(set(owners.values()) == set(MEMBERS),
              f"SKUs land on {set(owners.values())}")
        c = [cluster.client(m) for m in MEMBERS]
        for i, sku in enumerate(skus):
            st, _, doc = c[i % 3].call("PUT", f"/v1/stock/{sku}", {
                "on_hand": ON_HAND, "idempotency_key": f"init-{sku}"})
            check(st == 200, f"PUT {sku}: {st} {doc}")
        for k in range(ORDERS):
            sku = skus[(k * 7) % SKU_COUNT]
            qty = 1 + k % 4
            st, _, doc = c[k % 3].call("POST", "/v1/orders", {
                "order_id": f"TLS-O-{k}", "channel": "amazon",
                "lines": [{"sku": sku, "qty": qty}]})
            check(st == 200 and doc["lines"][0]["status"] == "accepted",
                  f"order {k}: {st} {doc}")
            taken[sku] += qty
        for m in MEMBERS:
            views = stock_views(cluster.client(m), skus)
            for sku in skus:
                check(views[sku]["on_hand"] == ON_HAND - taken[sku],
                      f"{sku} via {m}: {views[sku]['on_hand']}, expected "
                      f"{ON_HAND - taken[sku]}")
        for sku in skus[:10]:
            view, _ = check_audit_replays(cluster.client(owners[sku]), sku)
            check(view["on_hand"] == ON_HAND - taken[sku],
                  f"{sku}'s audit on {owners[sku]}: {view}")

    def test_stockctl_with_a_certificate_answers():
        code, out, err = ctl("cluster", "status", via="node2")
        check(code == 0, f"cluster status: exit {code}: {err}")
        doc = json.loads(out)
        check(doc["missing"] == [] and len(doc["members"]) == 3 and
              all(m["reachable"] for m in doc["members"]),
              f"cluster status: {doc}")
        for sku in skus[:6]:
            code, out, err = ctl("sku", "get", sku, via="node3")
            check(code == 0, f"sku get {sku}: exit {code}: {err}")
            got = json.loads(out)
            got = got[0] if isinstance(got, list) else got
            check(got["on_hand"] == ON_HAND - taken[sku] and
                  got["owner"] == owners[sku], f"sku get {sku}: {got}")
        env = {"STOCKWIRE_TLS_CERTIFICATE": f"{certs}/stockctl.pem",
               "STOCKWIRE_TLS_KEY": f"{certs}/stockctl.key",
               "STOCKWIRE_TLS_CAFILE": f"{certs}/ca.pem"}
        code, out, err = ctl("cluster", "status", env=env, tls=False)
        check(code == 0, f"with $STOCKWIRE_TLS_*: exit {code}: {err}")

    def test_stockctl_without_a_trusted_certificate_exits_11():
        ctl_fails(EXIT_HANDSHAKE, "cluster", "status", tls=False,
                  says="it requires TLS")
        got, _, err = ctl("cluster", "status", tls=False, env={
            "STOCKWIRE_TLS_CERTIFICATE": f"{other}/stockctl.pem",
            "STOCKWIRE_TLS_KEY": f"{other}/stockctl.key",
            "STOCKWIRE_TLS_CAFILE": f"{other}/ca.pem"})
        check(got == EXIT_HANDSHAKE and "refused the TLS handshake" in err,
              f"another CA's certificate: exit {got}, {err!r}")
        ctl_fails(EXIT_USAGE, "cluster", "status", tls=False,
                  env={"STOCKWIRE_TLS_CERTIFICATE": f"{certs}/stockctl.pem"},
                  says="give all three")
        ctl_fails(EXIT_USAGE, "cluster", "status", tls=False, env={
            "STOCKWIRE_TLS_CERTIFICATE": f"{certs}/stockctl.pem",
            "STOCKWIRE_TLS_KEY": f"{certs}/node1.key",
            "STOCKWIRE_TLS_CAFILE": f"{certs}/ca.pem"},
            says=f"--tls-key: {certs}/node1.key does not belong to the "
                 f"certificate in {certs}/stockctl.pem")
        ctl_fails(EXIT_USAGE, "cluster", "status", tls=False, env={
            "STOCKWIRE_TLS_CERTIFICATE": f"{certs}/missing.pem",
            "STOCKWIRE_TLS_KEY": f"{certs}/stockctl.key",
            "STOCKWIRE_TLS_CAFILE": f"{certs}/ca.pem"},
            says="--tls-certificate: cannot read")

    def test_refused_and_closed_connections_leave_the_links_alone():
        # One failed or ended session must not take others down (the
        # OpenSSL error-queue fix in tls/caf_module.cpp).
        before = {m: len(n.log_text()) for m, n in cluster.nodes.items()}
        for name in MEMBERS:
            for port in (cluster.cluster_ports[name],
                         cluster.admin_ports[name]):
                with socket.create_connection(("127.0.0.1", port)):
                    time.sleep(0.05)  # plain TCP, closed before a handshake
                try:
                    tls_handshake(port, certs, with_certificate=False)
                except (ssl.SSLError, ConnectionError, OSError):
                    pass
            ctl("cluster", "status", via=name)  # ends without close_notify
            ctl("cluster", "status", via=name, tls=False)
        time.sleep(1)
        for m, n in cluster.nodes.items():
            lost = [x for x in n.log_text()[before[m]:].splitlines()
                    if "cluster: lost" in x]
            check(not lost, f"{m} lost links: {lost}")
        for m in MEMBERS:
            views = stock_views(cluster.client(m), skus)
            check(all(views[s]["on_hand"] == ON_HAND - taken[s]
                      for s in skus), f"stock via {m} after the probes")

    def test_a_node_of_another_ca_cannot_join():
        node3 = cluster.nodes["node3"]
        node3.stop()
        cluster.configure("node3", certs=other)
        node3.start()
        # node3 runs, but neither side accepts the other's certificate.
        sku3 = next(s for s in skus if owners[s] == "node3")
        deadline = time.monotonic() + 10
        last = None
        while time.monotonic() < deadline:
            last = cluster.client("node1").call("GET", f"/v1/stock/{sku3}")
            if last[0] == 503:
                break
            time.sleep(0.1)
        check(last[0] == 503 and "node3" in json.dumps(last[2]),
              f"{sku3} (node3's) via node1: {last}")
        time.sleep(2)  # several reconnection attempts
        since_restart = node3.log_text().split("store open")[-1]
        check("cluster: connected to" not in since_restart,
              "node3 with another CA's certificate connected")
        node3.stop()
        cluster.configure("node3")
        node3.start()
        wait_mesh(cluster)
        views = stock_views(cluster.client("node1"), [sku3])
        check(views[sku3]["on_hand"] == ON_HAND - taken[sku3],
              f"{sku3} after node3's restart: {views[sku3]}")

    tests = [
        ("make certificates (scripts/make-certs.sh)", test_make_certificates),
        ("bad [tls] settings are refused at start",
         test_bad_tls_settings_are_refused_at_start),
        ("three nodes start with mutual TLS", test_start_cluster_with_tls),
        ("cluster and admin ports speak TLS and require a certificate",
         test_ports_speak_tls_and_require_a_certificate),
        ("orders through every node are exact",
         test_orders_through_every_node_are_exact),
        ("stockctl with a certificate of the CA answers",
         test_stockctl_with_a_certificate_answers),
        ("stockctl without a trusted certificate exits 11",
         test_stockctl_without_a_trusted_certificate_exits_11),
        ("refused and closed connections leave the links alone",
         test_refused_and_closed_connections_leave_the_links_alone),
        ("a node with another CA's certificate cannot join",
         test_a_node_of_another_ca_cannot_join),
    ]
    return run_in(work, tests, cluster.stop)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
