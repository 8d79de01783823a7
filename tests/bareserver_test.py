#!/usr/bin/env python3
"""bareserver, issue 3's bare-server reference (bench/bare_server.cpp).

Bad command lines are refused with exit 2 and a message naming what is
wrong, and nothing listens afterwards; a taken port exits 1 naming the
error; a good one answers every request on a keep-alive connection with
the fixed accepted order line and exits 0 on SIGTERM.
"""
import argparse
import http.client
import json
import signal
import socket
import subprocess
import sys

from http_util import check, run_tests

BIN = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def run(args):
    p = subprocess.run([BIN] + args, capture_output=True, text=True,
                       timeout=10)
    return p.returncode, p.stderr


def test_bad_command_lines():
    port = free_port()
    cases = [
        (["--bogus"], "bareserver: unknown argument --bogus"),
        (["--listen"], "bareserver: --listen wants HOST:PORT"),
        (["--listen", "nocolon"],
         "bareserver: --listen nocolon: must be HOST:PORT (e.g. 127.0.0.1:8080)"),
        (["--listen", "127.0.0.1:99999"],
         "bareserver: --listen 127.0.0.1:99999: port must be a number "
         "between 0 and 65535"),
        (["--listen", f"127.0.0.1:{port}x"],
         f"bareserver: --listen 127.0.0.1:{port}x: port must be a number "
         "between 0 and 65535"),
        (["--listen", f"300.1.1.1:{port}"],
         f"bareserver: --listen 300.1.1.1:{port}: host '300.1.1.1' is not "
         "an IP address (or localhost)"),
    ]
    for args, message in cases:
        code, err = run(args)
        check(code == 2, f"{args}: exit {code}, want 2 ({err!r})")
        first = err.splitlines()[0] if err else ""
        check(first == message, f"{args}: said {first!r}, want {message!r}")
        check("usage: bareserver [--listen HOST:PORT]" in err,
              f"{args}: no usage line in {err!r}")
    check(not listening(port), "something listens after refused starts")


def test_taken_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, err = run(["--listen", f"127.0.0.1:{port}"])
    check(code == 1, f"exit {code}, want 1 ({err!r})")
    check(err.startswith("bareserver: ") and "in use" in err,
          f"the error does not name the taken address: {err!r}")


def test_answers_and_stops():
    port = free_port()
    p = subprocess.Popen([BIN, "--listen", f"127.0.0.1:{port}"],
                         stdout=subprocess.PIPE, text=True)
    try:
        check(p.stdout.readline().strip() ==
              f"bareserver listening on 127.0.0.1:{port}", "no start line")
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for i in range(2):  # one keep-alive connection
            body = json.dumps({"order_id": f"B-{i}", "channel": "x",
                               "lines": [{"sku": "S", "qty": 1}]})
            c.request("POST", "/v1/orders", body,
                      {"Content-Type": "application/json"})
            r = c.getresponse()
            doc = json.loads(r.read())
            check(r.status == 200, f"status {r.status}")
            check(doc["lines"][0]["status"] == "accepted", f"body {doc}")
        c.close()
        p.send_signal(signal.SIGTERM)
        check(p.wait(timeout=10) == 0, f"exit {p.returncode} on SIGTERM")
        check(not listening(port), "still listening after SIGTERM")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def main():
    global BIN
    ap = argparse.ArgumentParser()
    ap.add_argument("--bareserver", required=True)
    BIN = ap.parse_args().bareserver
    return run_tests([
        ("bad command lines are refused by name", test_bad_command_lines),
        ("a taken port is refused by name", test_taken_port),
        ("answers keep-alive requests and stops on SIGTERM",
         test_answers_and_stops),
    ])


if __name__ == "__main__":
    sys.exit(main())
