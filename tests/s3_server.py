#!/usr/bin/python3
"""A small S3 stand-in for mlci's step tests, checking every signature.

    s3_server.py --root DIR --port-file FILE --log FILE [--region R]
    s3_server.py --self-test DIR      (DIR: tests/data/sigv4)

The credentials come from $S3_SERVER_ACCESS_KEY and $S3_SERVER_SECRET_KEY
(and, when set, $S3_SERVER_SESSION_TOKEN, which every request must then
carry as a signed x-amz-security-token), so they are not on a command line.

Binds 127.0.0.1 on a free port, writes the port to --port-file, and
serves path-style requests /BUCKET/KEY (objects are the files
DIR/BUCKET/KEY; a bucket exists when its directory does):

  PUT   store the body; If-None-Match: * answers 412 when the object
        exists, If-Match: ETAG when it does not or has another ETag
  GET   the object (ETag: the MD5 of its bytes, quoted), 404 NoSuchKey
  HEAD  as GET without the body

Every request is checked with this file's own implementation of AWS
Signature Version 4 (hmac, hashlib): Authorization must be
AWS4-HMAC-SHA256 with this access key, a scope of the request's
x-amz-date day, the region and "s3", SignedHeaders holding host,
x-amz-date and x-amz-content-sha256; x-amz-content-sha256 must be the
body's SHA-256 (or UNSIGNED-PAYLOAD); the signature must match. Failures
answer 403 with S3's XML error (InvalidAccessKeyId,
SignatureDoesNotMatch, InvalidToken, AccessDenied) or 400
(XAmzContentSHA256Mismatch, AuthorizationHeaderMalformed).

Every request but /_control is appended to --log as one JSON line:
{method, path, query, headers, body_sha256, status, error}.

Faults, set by POST /_control with a JSON object (which also resets the
request counter): fail_first N and fail_status S (the first N requests
answer S, 503 by default), status S (every request answers S).

--self-test signs the AWS test suite's requests in DIR with the suite's
credentials and compares with its .creq, .sts and .authz files (exit 0
when all match), so the checker here is itself checked on AWS's vectors.
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
STATE = {"faults": {}, "count": 0}
UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def enc(s, keep_slash):
    safe = UNRESERVED + ("/" if keep_slash else "")
    return "".join(chr(b) if chr(b) in safe else "%%%02X" % b for b in s.encode("utf-8"))


def canonical_query(q):
    pairs = []
    for part in q.split("&") if q else []:
        if not part:
            continue
        k, eq, v = part.partition("=")
        pairs.append((enc(urllib.parse.unquote(k), False), enc(urllib.parse.unquote(v), False)))
    return "&".join("%s=%s" % kv for kv in sorted(pairs))


def canonical_request(method, path, query, headers, signed, payload_hash):
    """headers: list of (name, value) as received, any case; signed: names."""
    joined = {}
    for k, v in headers:
        k = k.lower()
        if k in signed:
            joined.setdefault(k, []).append(" ".join(v.split()))
    lines = ["%s:%s\n" % (k, ",".join(joined.get(k, []))) for k in signed]
    return "\n".join([method, enc(path, True), canonical_query(query), "".join(lines),
                      ";".join(signed), payload_hash])


def signing_key(secret, day, region, service):
    k = ("AWS4" + secret).encode()
    for m in (day, region, service, "aws4_request"):
        k = hmac.new(k, m.encode(), hashlib.sha256).digest()
    return k


def sign(secret, amz_date, region, service, creq):
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
    sts = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amz_date, scope,
                                          hashlib.sha256(creq.encode()).hexdigest())
    key = signing_key(secret, amz_date[:8], region, service)
    return sts, hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()


def self_test(d):
    key, secret = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    n = 0
    for name in sorted(os.listdir(d)):
        base = os.path.join(d, name, name)
        if not os.path.exists(base + ".req"):
            continue
        text = open(base + ".req", encoding="utf-8").read()
        head, _, body = text.partition("\n\n")
        lines = head.split("\n")
        method, target, _ = lines[0].split(" ")
        path, _, query = target.partition("?")
        hs = [tuple(l.split(":", 1)) for l in lines[1:]]
        signed = sorted({k.lower() for k, _ in hs})
        creq = canonical_request(method, path, query, hs, signed,
                                 hashlib.sha256(body.encode()).hexdigest())
        date = dict((k.lower(), v) for k, v in hs)["x-amz-date"]
        sts, sig = sign(secret, date, "us-east-1", "service", creq)
        authz = ("AWS4-HMAC-SHA256 Credential=%s/%s/us-east-1/service/aws4_request, "
                 "SignedHeaders=%s, Signature=%s" % (key, date[:8], ";".join(signed), sig))
        for ext, got in ((".creq", creq), (".sts", sts), (".authz", authz)):
            if os.path.exists(base + ext) and open(base + ext, encoding="utf-8").read() != got:
                print("self-test: %s%s differs" % (name, ext))
                return 1
        n += 1
    print("self-test: %d vectors match" % n)
    return 0 if n else 1


AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,"
                     r"\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body=b"", headers=None, rec=None, error=None):
        if isinstance(body, str):
            body = body.encode()
        if rec is not None:
            rec["status"], rec["error"] = status, error
            with LOCK:
                with open(self.server.args.log, "a") as f:
                    f.write(json.dumps(rec, sort_keys=True) + "\n")
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def s3_error(self, status, code, rec):
        xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
               "<Message>%s</Message></Error>" % (code, code))
        return self.answer(status, xml, {"Content-Type": "application/xml"}, rec, code)

    def check_auth(self, body, path, query, rec):
        a = self.server.args
        auth = self.headers.get("Authorization", "")
        m = AUTH_RE.match(auth)
        if not m:
            return self.s3_error(400 if auth else 403,
                                 "AuthorizationHeaderMalformed" if auth else "AccessDenied", rec)
        key, day, region, service, signed, sig = m.groups()
        signed = signed.split(";")
        date = self.headers.get("x-amz-date", "")
        if key != a.access_key:
            return self.s3_error(403, "InvalidAccessKeyId", rec)
        if (day != date[:8] or region != a.region or service != "s3" or
                signed != sorted(set(signed)) or
                not {"host", "x-amz-date", "x-amz-content-sha256"} <= set(signed)):
            return self.s3_error(400, "AuthorizationHeaderMalformed", rec)
        if a.token is not None and (self.headers.get("x-amz-security-token") != a.token or
                                    "x-amz-security-token" not in signed):
            return self.s3_error(403, "InvalidToken", rec)
        ph = self.headers.get("x-amz-content-sha256", "")
        if ph != "UNSIGNED-PAYLOAD" and ph != hashlib.sha256(body).hexdigest():
            return self.s3_error(400, "XAmzContentSHA256Mismatch", rec)
        creq = canonical_request(self.command, urllib.parse.unquote(path), query,
                                 self.headers.items(), signed, ph)
        _, want = sign(a.secret_key, date, a.region, "s3", creq)
        if not hmac.compare_digest(want, sig):
            return self.s3_error(403, "SignatureDoesNotMatch", rec)
        return True

    def handle_any(self):
        path, _, query = self.path.partition("?")
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if path == "/_control":
            with LOCK:
                STATE["faults"] = json.loads(body or b"{}")
                STATE["count"] = 0
            return self.answer(204)
        rec = {"method": self.command, "path": path, "query": query,
               "headers": dict(self.headers.items()),
               "body_sha256": hashlib.sha256(body).hexdigest()}
        with LOCK:
            STATE["count"] += 1
            count, faults = STATE["count"], dict(STATE["faults"])
        if count <= int(faults.get("fail_first", 0)):
            return self.s3_error(int(faults.get("fail_status", 503)), "SlowDown", rec)
        if faults.get("status"):
            return self.s3_error(int(faults["status"]), "InternalError", rec)
        if self.check_auth(body, path, query, rec) is not True:
            return
        parts = urllib.parse.unquote(path).lstrip("/").split("/", 1)
        root = os.path.realpath(self.server.args.root)
        if len(parts) < 2 or not parts[1]:
            return self.s3_error(400, "InvalidRequest", rec)
        bdir = os.path.join(root, parts[0])
        if not os.path.isdir(bdir):
            return self.s3_error(404, "NoSuchBucket", rec)
        p = os.path.realpath(os.path.join(bdir, parts[1]))
        if not p.startswith(bdir + os.sep):
            return self.s3_error(400, "InvalidRequest", rec)
        with LOCK:
            exists = os.path.isfile(p)
            etag = '"%s"' % hashlib.md5(open(p, "rb").read()).hexdigest() if exists else None
            if self.command == "PUT":
                if self.headers.get("If-None-Match") == "*" and exists:
                    return self.s3_error(412, "PreconditionFailed", rec)
                im = self.headers.get("If-Match")
                if im is not None and (not exists or im != etag):
                    return self.s3_error(412 if exists else 404,
                                         "PreconditionFailed" if exists else "NoSuchKey", rec)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                tmp = p + ".s3tmp"
                with open(tmp, "wb") as f:
                    f.write(body)
                os.replace(tmp, p)
                return self.answer(200, b"", {"ETag": '"%s"' % hashlib.md5(body).hexdigest()}, rec)
            if self.command in ("GET", "HEAD"):
                if not exists:
                    return self.s3_error(404, "NoSuchKey", rec)
                data = open(p, "rb").read()
                return self.answer(200, data, {"ETag": etag,
                                               "Content-Type": "application/octet-stream"}, rec)
        return self.s3_error(405, "MethodNotAllowed", rec)

    do_GET = do_PUT = do_HEAD = do_POST = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root")
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--self-test")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args.self_test)
    args.access_key = os.environ.get("S3_SERVER_ACCESS_KEY")
    args.secret_key = os.environ.get("S3_SERVER_SECRET_KEY")
    args.token = os.environ.get("S3_SERVER_SESSION_TOKEN")
    if not (args.root and args.port_file and args.log and args.access_key and args.secret_key):
        ap.error("--root, --port-file, --log and S3_SERVER_ACCESS_KEY/SECRET_KEY are needed")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.args = args
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
