"""The lab's processes: one fakechannel (five channels, storefront mode) and
one or three stockwired nodes, each with its own config file and data
directory under the run's work directory (Python 3 standard library only).

Ports are chosen before start (the storefront must know where Stockwire
listens and the nodes where the channels listen), by binding port 0 and
releasing it: a short race with other programs on the machine, reported as
a failed start, never as wrong results.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import time

# How long a process may take to start listening or to stop. A node seeds
# its demo catalogue before it listens (one durable write per SKU and
# listing: about 25 s for 1,000 SKUs on five channels here), so its start
# may take this long per SKU on top.
START_TIMEOUT_S = 30
SEED_S_PER_SKU = 0.1
STOP_TIMEOUT_S = 60
# One HTTP exchange with a lab process.
HTTP_TIMEOUT_S = 30

CHANNELS = ["shopify", "amazon", "woocommerce", "ebay", "flipkart"]

# The demo webhook secrets of cluster-config/single-node.toml; the lab's
# nodes and storefront use the same ones.
WEBHOOK_SECRETS = {
    "shopify": "demo-shopify-webhook-secret",
    "amazon": "demo-amazon-relay-secret",
    "woocommerce": "demo-woocommerce-webhook-secret",
    "ebay": "demo-ebay-webhook-secret",
    "flipkart": "demo-flipkart-webhook-secret",
}

# The credentials cluster-config/fakechannel.toml's channels accept.
CHANNEL_CREDENTIALS = {
    "shopify": 'access_token = "shpat_fake_token"\nlocation_id = "1"\n'
               'api_version = "2026-04"\n',
    "amazon": 'access_token = "Atza|fake_token"\nseller_id = "A2DEMOSELLER"\n'
              'marketplace_id = "ATVPDKIKX0DER"\nproduct_type = "PRODUCT"\n',
    "woocommerce": 'consumer_key = "ck_fake"\nconsumer_secret = "cs_fake"\n',
    "ebay": 'access_token = "v^1.1#fake_token"\n',
    "flipkart": 'access_token = "fake_flipkart_token"\n',
}


class LabError(Exception):
    pass


def free_ports(n):
    """n distinct free loopback TCP ports."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def http_json(port, method, target, body=None, timeout=HTTP_TIMEOUT_S):
    """(status, parsed JSON or text) of one request to 127.0.0.1:port."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body)
        conn.request(method, target, body=data,
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    text = raw.decode("utf-8", "replace")
    try:
        return resp.status, json.loads(text) if text else None
    except ValueError:
        return resp.status, text


def wait_until(what, fn, deadline_s, interval_s=0.2):
    """Calls fn() until it returns a true value; LabError after deadline_s."""
    deadline = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval_s)
    raise LabError(f"{what}: not within {deadline_s:.0f} s (last: {last!r})")


class Process:
    """One child process logging to a file in its directory."""

    def __init__(self, name, argv, directory):
        self.name = name
        self.dir = directory
        self.log = os.path.join(directory, name + ".log")
        with open(self.log, "a") as logf:
            self.proc = subprocess.Popen(argv, stdout=logf,
                                         stderr=subprocess.STDOUT)

    def alive(self):
        return self.proc.poll() is None

    def log_tail(self, lines=30):
        with open(self.log, errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def wait_listening(self, port, timeout_s=START_TIMEOUT_S):
        def up():
            if not self.alive():
                raise LabError(f"{self.name} exited with "
                               f"{self.proc.returncode}:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", port), 0.5):
                    return True
            except OSError:
                return False
        wait_until(f"{self.name} listening on {port}", up, timeout_s, 0.05)


def fake_toml(ports, node_url, scenario):
    """fakechannel config: the five channels with their default (real) rate
    limits and latency, and the storefront pointed at node_url."""
    s = scenario
    out = [f"seed = {s.seed}\n"]
    for ch in CHANNELS:
        out.append(f"[{ch}]\nport = {ports[ch]}\n"
                   f"latency_ms = {s.channel_latency_ms[ch]}\n")
    out.append(s.storefront_toml(node_url))
    return "\n".join(out)


def node_toml(name, http_port, data_dir, fake_ports, scenario, cluster=None):
    """stockwired config of one lab node; cluster: (members, own index,
    admin port) or None for a single node."""
    s = scenario
    out = [f'[node]\nid = "{name}"\ndata_dir = "{data_dir}"\n',
           f'[http]\nlisten = "127.0.0.1:{http_port}"\n',
           '[log]\nlevel = "warn"\n',
           f"[demo]\nskus = {s.skus}\non_hand = {s.on_hand}\n"]
    if cluster is not None:
        members, me, admin_port = cluster
        rows = ",\n".join(
            f'  {{ id = "{m}", host = "127.0.0.1", port = {p} }}'
            for m, p in members)
        out.append(f'[admin]\nlisten = "127.0.0.1:{admin_port}"\n')
        out.append(f"[cluster]\nmembers = [\n{rows},\n]\n"
                   f'listen = "127.0.0.1:{members[me][1]}"\nepoch = 1\n')
    for ch in CHANNELS:
        mode = (f'sync = "poll"\npoll_interval_s = {int(s.poll_interval_s)}\n'
                if s.mode == "poll" else 'sync = "event"\n')
        out.append(f"[channels.{ch}]\n"
                   f'endpoint = "http://127.0.0.1:{fake_ports[ch]}"\n'
                   + CHANNEL_CREDENTIALS[ch]
                   + f'webhook_secret = "{WEBHOOK_SECRETS[ch]}"\n' + mode)
    return "\n".join(out)


class Lab:
    """The processes of one run: start(), then the URLs; stop() at the end."""

    def __init__(self, bin_dir, workdir, scenario):
        self.bin = bin_dir
        self.dir = workdir
        self.s = scenario
        self.fake = None
        self.nodes = []
        os.makedirs(workdir, exist_ok=True)
        count = 3 if scenario.cluster else 1
        ports = free_ports(len(CHANNELS) + 3 * count)
        self.fake_ports = dict(zip(CHANNELS, ports[:len(CHANNELS)]))
        rest = ports[len(CHANNELS):]
        self.http_ports = rest[0:count]
        self.cluster_ports = rest[count:2 * count]
        self.admin_ports = rest[2 * count:3 * count]

    @property
    def node_port(self):
        """The node the storefront and the lab talk to."""
        return self.http_ports[0]

    def start(self):
        fake_cfg = os.path.join(self.dir, "fakechannel.toml")
        with open(fake_cfg, "w") as f:
            f.write(fake_toml(self.fake_ports,
                              f"http://127.0.0.1:{self.node_port}", self.s))
        self.fake = Process("fakechannel",
                            [os.path.join(self.bin, "fakechannel"),
                             "--config", fake_cfg], self.dir)
        for port in self.fake_ports.values():
            self.fake.wait_listening(port)
        names = [f"node{i + 1}" for i in range(len(self.http_ports))]
        members = list(zip(names, self.cluster_ports))
        for i, name in enumerate(names):
            cluster = ((members, i, self.admin_ports[i])
                       if self.s.cluster else None)
            cfg = os.path.join(self.dir, name + ".toml")
            with open(cfg, "w") as f:
                f.write(node_toml(name, self.http_ports[i],
                                  os.path.join(self.dir, name + "-data"),
                                  self.fake_ports, self.s, cluster))
            self.nodes.append(Process(
                name, [os.path.join(self.bin, "stockwired"), "--config", cfg],
                self.dir))
        for node, port in zip(self.nodes, self.http_ports):
            node.wait_listening(
                port, START_TIMEOUT_S + SEED_S_PER_SKU * self.s.skus)
        for port in self.http_ports:
            wait_until(f"node on {port} ready",
                       lambda p=port: http_json(p, "GET", "/readyz")[0] == 200,
                       START_TIMEOUT_S)

    def stop(self):
        codes = {}
        for node in self.nodes:
            codes[node.name] = node.stop()
        if self.fake is not None:
            codes["fakechannel"] = self.fake.stop()
        return codes

    def fake_get(self, target):
        status, doc = http_json(self.fake_ports["shopify"], "GET", target)
        if status != 200:
            raise LabError(f"fakechannel {target}: {status} {doc}")
        return doc

    def fake_post(self, target, body=None):
        status, doc = http_json(self.fake_ports["shopify"], "POST", target,
                                body)
        if status != 200:
            raise LabError(f"fakechannel {target}: {status} {doc}")
        return doc

    def node_get(self, port, target):
        status, doc = http_json(port, "GET", target)
        if status != 200:
            raise LabError(f"node {port} {target}: {status} {doc}")
        return doc
