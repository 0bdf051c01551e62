#!/usr/bin/python3
"""A TCP proxy for HTTP/1.1 that injects faults, one decision per connection.

    faultproxy.py --upstream HOST:PORT --port-file FILE --stats FILE
                  [--seed N] [--fault-rate P] [--max-delay SECONDS]

Listens on 127.0.0.1 (a free port, written to --port-file). For every
connection a seeded random generator (drawn in accept order) picks one of:

  pass          forward the request and the whole response
  drop          close the connection at once, before reading anything
  delay         wait up to --max-delay seconds, then forward as pass (the
                client may have timed out and gone meanwhile)
  cut_request   forward the headers and part of the body, then close both
                sides: the server sees a request that stops mid-body
  cut_response  forward the request, then only part of the response: the
                cut falls inside the body when there is one, else inside
                the header block
  status_500    answer 500 without contacting the server
  status_503    answer 503 without contacting the server

Requests are forwarded with "Connection: close", so one connection carries
one request and the response ends where the server closes. On SIGTERM the
counts of each decision are written to --stats as JSON and the proxy exits.
Standard library only.
"""
import argparse
import json
import random
import signal
import socket
import sys
import threading
import time

FAULTS = ["drop", "delay", "cut_request", "cut_response", "status_500", "status_503"]


def read_request(conn):
    """Headers (bytes, up to and including the blank line) and body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None, None
        data += chunk
        if len(data) > 1 << 20:
            return None, None
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    body = rest
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


def with_close(head):
    lines = [l for l in head.split(b"\r\n")
             if l.split(b":", 1)[0].strip().lower() not in (b"connection", b"keep-alive")]
    return b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n"


def upstream_exchange(addr, data, timeout=10):
    up = socket.create_connection(addr, timeout=timeout)
    try:
        up.sendall(data)
        resp = b""
        while True:
            chunk = up.recv(65536)
            if not chunk:
                break
            resp += chunk
        return resp
    finally:
        up.close()


class Proxy:
    def __init__(self, args):
        self.args = args
        host, _, port = args.upstream.rpartition(":")
        self.upstream = (host, int(port))
        self.rng = random.Random(args.seed)
        self.lock = threading.Lock()
        self.counts = {k: 0 for k in ["pass"] + FAULTS}
        self.connections = 0

    def decide(self):
        with self.lock:
            self.connections += 1
            if self.rng.random() < self.args.fault_rate:
                kind = self.rng.choice(FAULTS)
            else:
                kind = "pass"
            self.counts[kind] += 1
            return kind, self.rng.random(), self.rng.random()

    def handle(self, conn):
        kind, u, v = self.decide()
        try:
            conn.settimeout(10)
            if kind == "drop":
                return
            head, body = read_request(conn)
            if head is None:
                return
            if kind in ("status_500", "status_503"):
                code = kind[-3:]
                msg = b"injected fault\n"
                conn.sendall(b"HTTP/1.1 " + code.encode() + b" Injected\r\nContent-Length: " +
                             str(len(msg)).encode() + b"\r\nConnection: close\r\n\r\n" + msg)
                return
            req = with_close(head)
            if kind == "cut_request":
                if body:
                    part = req + body[:int(u * len(body))]
                else:
                    part = req[:int(u * (len(req) - 1))]
                up = socket.create_connection(self.upstream, timeout=10)
                try:
                    up.sendall(part)
                    time.sleep(0.01)
                finally:
                    up.close()
                return
            if kind == "delay":
                time.sleep(u * self.args.max_delay)
            resp = upstream_exchange(self.upstream, req + body)
            if kind == "cut_response":
                end = resp.find(b"\r\n\r\n") + 4
                if end >= 4 and len(resp) > end:
                    resp = resp[:end + int(v * (len(resp) - end))]
                else:
                    resp = resp[:int(v * max(end - 2, 0))]
            conn.sendall(resp)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def serve(self):
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 0))
        srv.listen(128)
        with open(self.args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.getsockname()[1])
        import os
        os.rename(self.args.port_file + ".tmp", self.args.port_file)

        def stop(*_):
            with self.lock:
                out = dict(self.counts, connections=self.connections)
            with open(self.args.stats, "w") as f:
                json.dump(out, f, sort_keys=True)
            os._exit(0)

        signal.signal(signal.SIGTERM, stop)
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fault-rate", type=float, default=0.3)
    ap.add_argument("--max-delay", type=float, default=1.0)
    Proxy(ap.parse_args()).serve()


if __name__ == "__main__":
    sys.exit(main())
