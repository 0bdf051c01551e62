#!/usr/bin/python3
"""HTTP client for the mlci-serve step tests (standard library only).

usage:
  serve_client.py request PORT METHOD PATH [--data TEXT | --file F]
                  [--type CONTENT-TYPE] [--chunked]
      print the status on the first line, then the body
  serve_client.py compare PORT DATA.csv PREDICTIONS.csv [--batch N]
                  [--csv] [--single N]
      send DATA's rows (JSON rows, N per request; or the whole file as
      one CSV request with --csv; or the first N rows one by one with
      --single) and check every answer against mlci-evaluate's
      predictions.csv for the same rows; print the number of rows checked
  serve_client.py idle PORT
      open a connection, send half a request's headers and wait (up to
      60 s) for the server to close it; print "closed"
  serve_client.py hammer PORT STOPFILE THREADS ROW.json OUT.json
      POST ROW.json to /predict from THREADS threads, each on one
      keep-alive connection, until STOPFILE exists; write {total, failed,
      errors, versions, monotonic} to OUT.json
"""
import csv
import http.client
import json
import os
import sys
import threading
import time

NA = {"", "NA", "N/A", "NaN", "null", "?"}


def request(port, method, path, body=None, ctype=None, chunked=False):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {}
    if ctype:
        headers["Content-Type"] = ctype
    if chunked:
        c.putrequest(method, path)
        for k, v in headers.items():
            c.putheader(k, v)
        c.putheader("Transfer-Encoding", "chunked")
        c.endheaders()
        for i in range(0, len(body), 65536):
            part = body[i:i + 65536]
            try:
                c.send(b"%x\r\n%s\r\n" % (len(part), part))
            except OSError:
                break
        try:
            c.send(b"0\r\n\r\n")
        except OSError:
            pass
    else:
        c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheader("Content-Type"), r.getheader("Allow"), data


def value(text):
    if text in NA:
        return None
    try:
        f = float(text)
    except ValueError:
        return text
    if text.lstrip("-").isdigit():
        return int(text)
    return f


def answer(body):
    """A /predict answer with its numbers kept as their text."""
    return json.loads(body, parse_float=str, parse_int=str)


def compare_answer(ans, keys, want, errors):
    preds = ans["predictions"]
    if len(preds) != len(keys):
        errors.append("got %d predictions for %d rows" % (len(preds), len(keys)))
        return 0
    n = 0
    for k, p in zip(keys, preds):
        w = want[k]
        if "probabilities" in p or any(c.startswith("proba_") for c in w):
            if p["prediction"] != w["prediction"]:
                errors.append("row %s: prediction %r, evaluate %r" % (k, p["prediction"], w["prediction"]))
            for c, v in w.items():
                if c.startswith("proba_"):
                    got = p["probabilities"][c[len("proba_"):]]
                    if got != v:	# the same text, not only the same value
                        errors.append("row %s: %s %r, evaluate %r" % (k, c, got, v))
        elif p["prediction"] != w["prediction"]:
            errors.append("row %s: prediction %r, evaluate %r" % (k, p["prediction"], w["prediction"]))
        n += 1
    return n


def compare(port, data, preds, batch, as_csv, single):
    with open(preds, newline="") as f:
        want = {r["key"]: r for r in csv.DictReader(f)}
    with open(data, newline="") as f:
        text = f.read()
    rows = list(csv.reader(text.splitlines()))
    head, rows = rows[0], rows[1:]
    keyed = [(str(i), r) for i, r in enumerate(rows) if str(i) in want]
    errors = []
    checked = 0
    if as_csv:
        st, _, _, body = request(port, "POST", "/predict", text.encode(), "text/csv")
        if st != 200:
            sys.exit("CSV request: %d %s" % (st, body[:300]))
        ans = answer(body)
        # rows whose label is missing are predicted too: keep the scored ones
        allkeys = [str(i) for i in range(len(rows))]
        sub = {"predictions": [p for k, p in zip(allkeys, ans["predictions"]) if k in want]}
        checked = compare_answer(sub, [k for k in allkeys if k in want], want, errors)
    else:
        todo = keyed[:single] if single else keyed
        step = 1 if single else batch
        for i in range(0, len(todo), step):
            part = todo[i:i + step]
            obj = [dict(zip(head, (value(v) for v in r))) for _, r in part]
            body = json.dumps(obj if single else {"rows": obj}).encode()
            st, _, _, resp = request(port, "POST", "/predict", body, "application/json")
            if st != 200:
                sys.exit("request %d: %d %s" % (i, st, resp[:300]))
            checked += compare_answer(answer(resp), [k for k, _ in part], want, errors)
    if errors:
        sys.exit("%d mismatches, first: %s" % (len(errors), "; ".join(errors[:3])))
    print(checked)


def hammer(port, stop, nthreads, rowfile, out):
    with open(rowfile, "rb") as f:
        body = f.read()
    lock = threading.Lock()
    res = {"total": 0, "failed": 0, "errors": [], "versions": [], "monotonic": True}

    def work():
        c = None
        seen = []
        total = failed = 0
        errs = []
        while not os.path.exists(stop):
            try:
                if c is None:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                c.request("POST", "/predict", body=body,
                          headers={"Content-Type": "application/json"})
                r = c.getresponse()
                data = r.read()
                total += 1
                if r.status != 200:
                    failed += 1
                    errs.append("%d %s" % (r.status, data[:200]))
                    continue
                v = json.loads(data)["version"]
                if not seen or seen[-1] != v:
                    seen.append(v)
                if r.getheader("Connection", "").lower() == "close":
                    c.close()
                    c = None
            except Exception as e:  # a dropped or refused request
                total += 1
                failed += 1
                errs.append(repr(e))
                c = None
        with lock:
            res["total"] += total
            res["failed"] += failed
            res["errors"] += errs[:5]
            for v in seen:
                if v not in res["versions"]:
                    res["versions"].append(v)
            if len(seen) != len(set(seen)):
                res["monotonic"] = False

    ts = [threading.Thread(target=work) for _ in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with open(out, "w") as f:
        json.dump(res, f)


def main():
    a = sys.argv[1:]
    if a[0] == "request":
        port, method, path = int(a[1]), a[2], a[3]
        body, ctype, chunked = None, None, False
        i = 4
        while i < len(a):
            if a[i] == "--data":
                body = a[i + 1].encode()
                i += 2
            elif a[i] == "--file":
                with open(a[i + 1], "rb") as f:
                    body = f.read()
                i += 2
            elif a[i] == "--type":
                ctype = a[i + 1]
                i += 2
            elif a[i] == "--chunked":
                chunked = True
                i += 1
            else:
                sys.exit("unknown option " + a[i])
        st, ct, allow, data = request(port, method, path, body, ctype, chunked)
        sys.stdout.write("%d\n%s\n%s\n" % (st, ct or "", allow or ""))
        sys.stdout.buffer.write(data)
    elif a[0] == "compare":
        port, data, preds = int(a[1]), a[2], a[3]
        batch, as_csv, single = 100, False, 0
        i = 4
        while i < len(a):
            if a[i] == "--batch":
                batch = int(a[i + 1])
                i += 2
            elif a[i] == "--csv":
                as_csv = True
                i += 1
            elif a[i] == "--single":
                single = int(a[i + 1])
                i += 2
            else:
                sys.exit("unknown option " + a[i])
        compare(port, data, preds, batch, as_csv, single)
    elif a[0] == "idle":
        import socket
        c = socket.create_connection(("127.0.0.1", int(a[1])), timeout=60)
        c.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\n")
        try:
            got = c.recv(4096)
        except ConnectionResetError:
            got = b""
        print("closed" if not got or got.startswith(b"HTTP/1.1 ") else repr(got))
    elif a[0] == "hammer":
        hammer(int(a[1]), a[2], int(a[3]), a[4], a[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
