#!/usr/bin/python3
"""A small stand-in for the GitLab REST API, for mlci's step tests.

    gitlab_server.py --root DIR --port-file FILE --log FILE
                     [--job-token T] [--private-token T]

(the tokens default to $GITLAB_SERVER_JOB_TOKEN and $GITLAB_SERVER_PRIVATE_TOKEN)

Binds 127.0.0.1 on a free port, writes the port to --port-file, and serves:

  GET  /api/v4/projects/:id/jobs/artifacts/:ref/raw/*path?job=NAME
       the file DIR/:id/artifacts/:ref/NAME/path (:id and :ref
       percent-decoded as one segment each, so a branch "a/b" must come
       as "a%2Fb"); 404 when there is none
  GET  /api/v4/projects/:id/merge_requests/:iid/notes?per_page&page
       the notes, oldest first, with X-Page, X-Total-Pages and X-Next-Page
  POST /api/v4/projects/:id/merge_requests/:iid/notes          {"body"}
  PUT  /api/v4/projects/:id/merge_requests/:iid/notes/:note_id {"body"}
  PUT  /api/v4/projects/:id/packages/generic/:name/:version/:file
       store the body as DIR/:id/packages/:name/:version/:file (a file
       uploaded again replaces it: GitLab serves the newest); 201 with
       {"message": "201 Created"}, or with ?select=package_file the
       package file {id, package_id, file_name, size, file_sha256,
       file_md5}; 400 for a name, version or file name GitLab refuses
  GET  /api/v4/projects/:id/packages/generic/:name/:version/:file
       the file, 404 {"message": "404 Package Not Found"} when none

Artifacts and packages need a JOB-TOKEN or PRIVATE-TOKEN header holding
one of the tokens given; notes need the PRIVATE-TOKEN (a job token gets 403). No
accepted token: 401. Notes start from DIR/:id/notes/:iid.json when it
exists (a JSON array of {id, body, system}).

Every request but the control ones is appended to --log as one JSON line:
{method, path (as sent, still encoded), query, headers, body}.

Faults, set by POST /_control with a JSON object (which also resets the
request counter; POST /_control/notes replaces all notes with the array
posted):
  fail_first N, fail_status S  the first N requests answer S (500)
  status S                     every request answers S (e.g. 401)
  delay SECONDS                every request waits that long first
  truncate true                bodies are cut in half (Content-Length of
                               the cut body: a well-formed, short answer)
  short true                   Content-Length of the whole body, half of
                               it sent, then the connection is closed
  no_duplicates true           a package file uploaded again answers 400
                               {"message": "Duplicate package is not allowed"}
  wrong_sha true               uploads answer a file_sha256 of other bytes
  redirect true                artifacts and package downloads answer 302
                               to the same file on
                               http://localhost:PORT/_storage/... (another
                               origin than 127.0.0.1); that needs no token
  redirect "relative"          the same with a relative Location,
                               /_storage/... on this origin
"""
import argparse
import hashlib
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"faults": {}, "count": 0, "notes": {}, "next_id": 1000}


def load_notes(root, project, iid):
    key = (project, iid)
    if key not in STATE["notes"]:
        p = os.path.join(root, project, "notes", iid + ".json")
        notes = []
        if os.path.exists(p):
            with open(p) as f:
                notes = json.load(f)
        STATE["notes"][key] = notes
    return STATE["notes"][key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype="application/json", headers=None):
        if isinstance(body, str):
            body = body.encode()
        f = STATE["faults"]
        length = len(body)
        if f.get("truncate"):
            body = body[: len(body) // 2]
            length = len(body)
        elif f.get("short"):
            body = body[: len(body) // 2]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if f.get("short"):
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def error(self, status, msg):
        self.send(status, json.dumps({"message": "%d %s" % (status, msg)}))

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self, method):
        raw = self.path
        path, _, query = raw.partition("?")
        body = self.read_body()
        if path.startswith("/_control"):
            with LOCK:
                if path == "/_control/notes":
                    for k in list(STATE["notes"]):
                        STATE["notes"][k] = json.loads(body or b"[]")
                else:
                    STATE["faults"] = json.loads(body or b"{}")
                    STATE["count"] = 0
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        rec = {"method": method, "path": path, "query": query,
               "headers": {k: v for k, v in self.headers.items()},
               "body": body.decode("utf-8", "replace") if len(body) < 65536 else
               "(%d bytes, sha256 %s)" % (len(body), hashlib.sha256(body).hexdigest())}
        with LOCK:
            with open(self.server.args.log, "a") as f:
                f.write(json.dumps(rec, sort_keys=True) + "\n")
            STATE["count"] += 1
            n = STATE["count"]
            faults = dict(STATE["faults"])
        if faults.get("delay"):
            time.sleep(float(faults["delay"]))
        if n <= int(faults.get("fail_first", 0)):
            return self.error(int(faults.get("fail_status", 500)), "Injected failure")
        if faults.get("status"):
            return self.error(int(faults["status"]), "Injected status")
        if path.startswith("/_storage/"):
            return self.serve_file(urllib.parse.unquote(path[len("/_storage/"):]))
        parts = path.split("/")
        # ['', 'api', 'v4', 'projects', ID, ...]
        if len(parts) < 6 or parts[1:4] != ["api", "v4", "projects"]:
            return self.error(404, "Not Found")
        project = urllib.parse.unquote(parts[4])
        rest = parts[5:]
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        if rest[:2] == ["jobs", "artifacts"] and len(rest) >= 5 and rest[3] == "raw":
            if not self.authorised(notes=False):
                return
            ref = urllib.parse.unquote(rest[2])
            apath = "/".join(urllib.parse.unquote(p) for p in rest[4:])
            job = q.get("job", [""])[0]
            rel = os.path.join(project, "artifacts", ref, job, apath)
            if faults.get("redirect"):
                port = self.server.server_address[1]
                loc = "http://localhost:%d/_storage/%s" % (port, urllib.parse.quote(rel))
                if faults.get("redirect") == "relative":
                    loc = "/_storage/%s" % urllib.parse.quote(rel)
                return self.send(302, "", headers={"Location": loc})
            return self.serve_file(rel)
        if rest[:2] == ["packages", "generic"] and len(rest) == 5:
            if not self.authorised(notes=False):
                return
            return self.package(method, project, [urllib.parse.unquote(p) for p in rest[2:]],
                                q, body, faults)
        if rest[:1] == ["merge_requests"] and len(rest) >= 3 and rest[2] == "notes":
            if not self.authorised(notes=True):
                return
            return self.notes(method, project, urllib.parse.unquote(rest[1]), rest[3:], q, body)
        return self.error(404, "Not Found")

    def package(self, method, project, parts, q, body, faults):
        name, version, fname = parts
        safe = re.compile(r"^[A-Za-z0-9._+-]+$")
        if (not all(safe.match(x) for x in parts) or ".." in version or
                fname.startswith(".")):
            return self.error(400, "Bad Request")
        rel = os.path.join(project, "packages", name, version, fname)
        if method == "GET":
            if faults.get("redirect"):
                port = self.server.server_address[1]
                loc = "http://localhost:%d/_storage/%s" % (port, urllib.parse.quote(rel))
                if faults.get("redirect") == "relative":
                    loc = "/_storage/%s" % urllib.parse.quote(rel)
                return self.send(302, "", headers={"Location": loc})
            p = os.path.join(self.server.args.root, rel)
            if not os.path.isfile(p):
                return self.send(404, json.dumps({"message": "404 Package Not Found"}))
            return self.serve_file(rel)
        if method != "PUT":
            return self.error(405, "Method Not Allowed")
        p = os.path.join(self.server.args.root, rel)
        with LOCK:
            if faults.get("no_duplicates") and os.path.exists(p):
                return self.send(400, json.dumps({"message": "Duplicate package is not allowed"}))
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p + ".tmp", "wb") as f:
                f.write(body)
            os.replace(p + ".tmp", p)
            STATE["next_id"] += 1
            fid = STATE["next_id"]
        if q.get("select", [""])[0] != "package_file":
            return self.send(201, json.dumps({"message": "201 Created"}))
        data = b"other bytes" if faults.get("wrong_sha") else body
        return self.send(201, json.dumps({
            "id": fid, "package_id": 1, "file_name": fname, "size": len(body),
            "file_sha256": hashlib.sha256(data).hexdigest(),
            "file_md5": hashlib.md5(data).hexdigest()}))

    def serve_file(self, rel):
        root = os.path.realpath(self.server.args.root)
        p = os.path.realpath(os.path.join(root, rel))
        if not p.startswith(root + os.sep) or not os.path.isfile(p):
            return self.error(404, "Not Found")
        with open(p, "rb") as f:
            return self.send(200, f.read(), "application/octet-stream")

    def authorised(self, notes):
        a = self.server.args
        jt, pt = self.headers.get("JOB-TOKEN"), self.headers.get("PRIVATE-TOKEN")
        if pt is not None and pt == a.private_token:
            return True
        if jt is not None and jt == a.job_token:
            if notes:
                self.error(403, "Forbidden")
                return False
            return True
        self.error(401, "Unauthorized")
        return False

    def notes(self, method, project, iid, rest, q, body):
        with LOCK:
            notes = load_notes(self.server.args.root, project, iid)
            if method == "GET" and not rest:
                per = max(1, min(100, int(q.get("per_page", ["20"])[0])))
                page = max(1, int(q.get("page", ["1"])[0]))
                total = max(1, (len(notes) + per - 1) // per)
                chunk = notes[(page - 1) * per: page * per]
                h = {"X-Page": str(page), "X-Per-Page": str(per),
                     "X-Total-Pages": str(total), "X-Total": str(len(notes)),
                     "X-Next-Page": str(page + 1) if page < total else ""}
                return self.send(200, json.dumps(chunk), headers=h)
            try:
                text = json.loads(body)["body"]
            except (ValueError, KeyError, TypeError):
                return self.error(400, "Bad Request")
            if method == "POST" and not rest:
                STATE["next_id"] += 1
                note = {"id": STATE["next_id"], "body": text, "system": False,
                        "author": {"username": "mlci-bot"}}
                notes.append(note)
                return self.send(201, json.dumps(note))
            if method == "PUT" and len(rest) == 1:
                for note in notes:
                    if str(note["id"]) == rest[0]:
                        note["body"] = text
                        return self.send(200, json.dumps(note))
                return self.error(404, "Not Found")
        return self.error(405, "Method Not Allowed")

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    # the tokens come from the environment, so they are not on a command line
    ap.add_argument("--job-token", default=os.environ.get("GITLAB_SERVER_JOB_TOKEN"))
    ap.add_argument("--private-token", default=os.environ.get("GITLAB_SERVER_PRIVATE_TOKEN"))
    args = ap.parse_args()
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
