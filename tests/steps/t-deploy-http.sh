# mlci-deploy to an http:// registry: a real nginx with WebDAV on
# 127.0.0.1. Publish, redeploy as a no-op, refuse other bytes, channels and
# their history records; racing deploys; retries then 75 on 503 and on a
# refused connection; 401 gives 66; bad URLs 64; credentials in the URL
# appear in no output.
PY=/usr/bin/python3
. "$TOP/tests/steps/dav_server.sh"
FX="$TOP/tests/steps/package_fixtures.py"
$PY "$FX" v1 >/dev/null
$PY "$FX" v2 --seed 2 >/dev/null
mkdir p1 p2 pb
export SOURCE_DATE_EPOCH=1700000000
"$BIN/mlci-package" --model v1/model.json --metrics v1/metrics.json --gate v1/gate.json --name demo --version 1.0 --out-dir p1 >/dev/null
"$BIN/mlci-package" --model v2/model.json --metrics v2/metrics.json --gate v2/gate.json --name demo --version 2.0 --out-dir p2 >/dev/null
SOURCE_DATE_EPOCH=1600000000 "$BIN/mlci-package" --model v1/model.json --metrics v1/metrics.json --gate v1/gate.json --name demo --version 1.0 --out-dir pb >/dev/null
unset SOURCE_DATE_EPOCH
sha() { sha256sum "$1" | cut -d' ' -f1; }
s1=$(sha p1/demo-1.0.tar.gz); s2=$(sha p2/demo-2.0.tar.gz)
D="$BIN/mlci-deploy"
# the records of NAME under REG, in sequence order, as a JSON list (the reader
# skips empty claims)
records() { $PY - "$1" <<'PY'
import json, os, sys
d = sys.argv[1]
out = []
for n in sorted(os.listdir(d)):
    p = os.path.join(d, n, "event.json")
    if n.isdigit() and os.path.exists(p):
        out.append(json.load(open(p)))
json.dump(out, sys.stdout)
PY
}

if ! dav_start "$T/dav"; then
	not_ok "nginx did not start" "$(cat "$T/dav/logs/"* 2>/dev/null | head -c 400)"
	return 0 2>/dev/null || exit 0
fi
URL=$DAV_URL/models
ROOT=$DAV_ROOT/models

expect_exit 0 "--help" "$D" --help
check "--help documents the http(s) layout" grep -q 'NAME/history/NNNNNNNN/event.json' "$T/out"
check "--help documents --retries" grep -q -- '--retries N' "$T/out"

expect_exit 0 "first deploy" "$D" --package p1/demo-1.0.tar.gz --to "$URL" --channel prod --out d1.json
check "summary" grep -q "^created demo 1.0 at $URL/demo/1.0; channel prod moved$" "$T/out"
check "stored tarball is the package, byte for byte" cmp p1/demo-1.0.tar.gz "$ROOT/demo/1.0/demo-1.0.tar.gz"
mkdir x && tar xzf p1/demo-1.0.tar.gz -C x
check "manifest.json stored beside it" cmp x/demo-1.0/manifest.json "$ROOT/demo/1.0/manifest.json"
check "GET from the server gives the same bytes" sh -c "curl -sf '$URL/demo/1.0/demo-1.0.tar.gz' | cmp - p1/demo-1.0.tar.gz"
check "no file left in staging" sh -c "! find '$ROOT/demo/.staging' -type f | grep -q ."
json_is d1.json 'j["kind"], j["action"], j["name"], j["version"], j["sha256"]' "('mlci.deploy', 'created', 'demo', '1.0', '$s1')" "deploy.json basics"
json_is d1.json 'j["target"], j["location"], j["channel"], j["channel_action"], j["previous"]' "('$URL', '$URL/demo/1.0', 'prod', 'moved', None)" "deploy.json target and location"
json_is d1.json 'j["transport"]["requests"] > 0, j["transport"]["retries"]' "(True, 0)" "deploy.json counts the requests, no retries"
c=$ROOT/demo/channels/prod.json
json_is $c 'j["kind"], j["name"], j["channel"], j["version"], j["sha256"], j["previous"]' "('mlci.channel', 'demo', 'prod', '1.0', '$s1', None)" "channel points at 1.0"
records "$ROOT/demo/history" >h1.json
json_is h1.json '[(r["event"], r["version"], r.get("channel"), r["sha256"] == "'$s1'") for r in j]' "[('publish', '1.0', None, True), ('channel', '1.0', 'prod', True)]" "history: a publish record, then the channel's"
json_is h1.json 'sorted(j[1])' "['channel', 'event', 'name', 'previous', 'sha256', 'time', 'version']" "a channel record has the shape of a history.jsonl line"
check "publish marker names record 1" sh -c "[ \"\$(cat '$ROOT/demo/history/published/1.0')\" = 00000001 ]"

cp $c c-before.json
expect_exit 0 "same package again" "$D" --package p1/demo-1.0.tar.gz --to "$URL/" --channel prod --out d1b.json
check "reported as unchanged" grep -q "^unchanged demo 1.0 .*channel prod unchanged$" "$T/out"
json_is d1b.json 'j["action"], j["channel_action"]' "('unchanged', 'unchanged')" "deploy.json says unchanged"
check "channel file untouched" cmp c-before.json $c
records "$ROOT/demo/history" >h1b.json
check "no record for a no-op" cmp h1.json h1b.json

expect_exit 1 "other bytes under the same version are refused" "$D" --package pb/demo-1.0.tar.gz --to "$URL" --channel prod --out dx.json
err_is "^mlci-deploy: $URL: demo/1\.0: version already published with different bytes .*versions are immutable$" "says why"
check "stored bytes unchanged" cmp p1/demo-1.0.tar.gz "$ROOT/demo/1.0/demo-1.0.tar.gz"
check "channel unchanged" cmp c-before.json $c
records "$ROOT/demo/history" >h1c.json
check "history unchanged" cmp h1.json h1c.json
absent dx.json "no deploy.json for a refused deploy"
check "the refused upload's staging files are removed" sh -c "! find '$ROOT/demo/.staging' -type f | grep -q ."

expect_exit 0 "second version" "$D" --package p2/demo-2.0.tar.gz --to "$URL" --channel prod --out d2.json
check "summary names the previous version" grep -q "channel prod moved (previous 1.0)$" "$T/out"
json_is $c 'j["version"], j["sha256"], j["previous"]' "('2.0', '$s2', {'sha256': '$s1', 'version': '1.0'})" "channel points at 2.0, 1.0 as previous"
json_is d2.json 'j["previous"]["version"], j["action"]' "('1.0', 'created')" "deploy.json previous version"
expect_exit 0 "a second channel" "$D" --package p1/package.json --to "$URL" --channel staging --out d3.json
json_is "$ROOT/demo/channels/staging.json" 'j["version"]' "1.0" "staging points at 1.0"
records "$ROOT/demo/history" >h2.json
json_is h2.json '[(r["event"], r["version"], r.get("channel"), r.get("previous")) for r in j]' "[('publish', '1.0', None, None), ('channel', '1.0', 'prod', None), ('publish', '2.0', None, None), ('channel', '2.0', 'prod', '1.0'), ('channel', '1.0', 'staging', None)]" "history: five records in order"
check "deploy.json and channel files validate against their JSON Schemas" \
	$PY "$TOP/tests/check_schema.py" d1.json d1b.json d2.json d3.json "$ROOT/demo/channels/prod.json" "$ROOT/demo/channels/staging.json"

# a run that stored the version but failed before its record: the next
# deploy of the same package writes it, marked recovered
rm -r "$ROOT/demo/history/00000003" "$ROOT/demo/history/published/2.0"
expect_exit 0 "redeploy after a lost publish record" "$D" --package p2/demo-2.0.tar.gz --to "$URL" --out d4.json
records "$ROOT/demo/history" >h3.json
json_is h3.json '[(r["event"], r["version"], r.get("recovered")) for r in j if r["event"] == "publish"]' "[('publish', '1.0', None), ('publish', '2.0', True)]" "the missing publish record is recovered"
# an empty claim (a writer killed between MKCOL and its record) is skipped
mkdir "$ROOT/demo/history/00000007"
printf '7\n' >"$ROOT/demo/history/next"
expect_exit 0 "a deploy after an empty claim" "$D" --package p1/demo-1.0.tar.gz --to "$URL" --channel prod --out d5.json
check "its record takes the next free number" test -s "$ROOT/demo/history/00000008/event.json"
json_is "$ROOT/demo/history/00000008/event.json" 'j["event"], j["version"], j["previous"]' "('channel', '1.0', '2.0')" "rollback recorded"

# eight deploys of two versions racing on one registry
pids=""
for i in 1 2 3 4 5 6 7 8; do
	v=$(( i % 2 + 1 ))
	"$D" --package p$v/demo-$v.0.tar.gz --to "$DAV_URL/race" --channel prod \
		--out r$i.json >o$i 2>e$i &
	pids="$pids $!"
done
rcs=""
for p in $pids; do wait $p; rcs="$rcs$?"; done
check "all eight racing deploys succeed" test "$rcs" = 00000000
check "each version created exactly once" $PY -c '
import json
acts = [json.load(open("r%d.json" % i)) for i in range(1, 9)]
for v in ("1.0", "2.0"):
    made = [a for a in acts if a["version"] == v and a["action"] == "created"]
    assert len(made) == 1, (v, made)'
records "$DAV_ROOT/race/demo/history" >hr.json
json_is hr.json 'sorted(r["version"] for r in j if r["event"] == "publish" and not r.get("recovered"))' "['1.0', '2.0']" "one first-hand publish record per version"
json_is hr.json 'len([r for r in j if r["event"] == "channel"]) >= 2' "True" "the channel moves are recorded"
json_is "$DAV_ROOT/race/demo/channels/prod.json" 'j["kind"], (j["version"], j["sha256"]) in (("1.0", "'$s1'"), ("2.0", "'$s2'"))' "('mlci.channel', True)" "the channel is a valid pointer to one of them"
check "stored bytes are the packages" sh -c "cmp p1/demo-1.0.tar.gz '$DAV_ROOT/race/demo/1.0/demo-1.0.tar.gz' && cmp p2/demo-2.0.tar.gz '$DAV_ROOT/race/demo/2.0/demo-2.0.tar.gz'"
check "no file left in staging" sh -c "! find '$DAV_ROOT/race/demo/.staging' -type f | grep -q ."

# credentials in the URL: sent, never shown
SECRET="pw$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
CURL_URL=http://deployer:$SECRET@127.0.0.1:$DAV_PORT/cred
expect_exit 0 "userinfo in the URL" "$D" --package p1/demo-1.0.tar.gz --to "$CURL_URL" --channel prod --out dc.json --json
cat "$T/out" "$T/err" >seen
json_is dc.json 'j["target"], j["location"]' "('http://deployer:***@127.0.0.1:$DAV_PORT/cred', 'http://deployer:***@127.0.0.1:$DAV_PORT/cred/demo/1.0')" "deploy.json shows the URL redacted"
check "stored through the credentialed URL" cmp p1/demo-1.0.tar.gz "$DAV_ROOT/cred/demo/1.0/demo-1.0.tar.gz"
DEAD=$(free_port)
expect_exit 75 "connection refused: 75 after the retries" "$D" --package p1/demo-1.0.tar.gz --to "http://deployer:$SECRET@127.0.0.1:$DEAD/r" --out dd.json --retries 2 --retry-wait 0.01 --timeout 2
cat "$T/out" "$T/err" >>seen
err_is "^mlci-deploy: http://deployer:\*\*\*@127\.0\.0\.1:$DEAD/r/demo/1\.0/demo-1\.0\.tar\.gz: HEAD: .*after 3 attempts$" "names the redacted URL and the attempts"
absent dd.json "no deploy.json"

# a server answering 503 (or 401) to everything, counting what it gets
cat >status_server.py <<'PY'
import http.server, sys
code, log = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        with open(log, "a") as f:
            f.write("%s %s %s\n" % (self.command, self.path, self.headers.get("Authorization", "-")))
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_GET = do_PUT = do_HEAD = do_MKCOL = do_MOVE = do_DELETE = answer
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(log + ".port", "w").write(str(s.server_address[1]))
s.serve_forever()
PY
for code in 503 401 404; do
	$PY status_server.py $code s$code.log & spid=$!
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ -s s$code.log.port ] && break; sleep 0.1; done
	eval "P$code=\$(cat s$code.log.port)"
	eval "SP$code=$spid"
done
trap 'kill $SP503 $SP401 $SP404 2>/dev/null; dav_stop' EXIT
expect_exit 75 "503 every time: 75 after the retries" "$D" --package p1/demo-1.0.tar.gz --to "http://u:$SECRET@127.0.0.1:$P503/r" --out de.json --retries 3 --retry-wait 0.01
cat "$T/out" "$T/err" >>seen
err_is "^mlci-deploy: http://u:\*\*\*@127\.0\.0\.1:$P503/r/demo/1\.0/demo-1\.0\.tar\.gz: HEAD: HTTP 503, after 4 attempts$" "says what and how often"
check "the server saw 1 + --retries attempts" sh -c "[ \$(wc -l < s503.log) = 4 ]"
check "credentials went as HTTP Basic auth" grep -q '^HEAD /r/demo/1.0/demo-1.0.tar.gz Basic ' s503.log
: >s503.log
expect_exit 75 "--retries 0: one attempt" "$D" --package p1/demo-1.0.tar.gz --to "http://127.0.0.1:$P503/r" --out de.json --retries 0
check "the server saw one attempt" sh -c "[ \$(wc -l < s503.log) = 1 ]"
expect_exit 66 "401: 66, not retried" "$D" --package p1/demo-1.0.tar.gz --to "http://u:$SECRET@127.0.0.1:$P401/r" --out de.json
cat "$T/out" "$T/err" >>seen
err_is "^mlci-deploy: http://u:\*\*\*@127\.0\.0\.1:$P401/r/demo/1\.0/demo-1\.0\.tar\.gz: HEAD: HTTP 401: the credentials were refused or are missing$" "says the credentials were refused"
check "401 is not retried" sh -c "[ \$(wc -l < s401.log) = 1 ]"
absent de.json "no deploy.json"
# 404 to a GET or HEAD means "not there yet"; to an upload it is an error
expect_exit 66 "a server that answers 404 to the upload: 66" "$D" --package p1/demo-1.0.tar.gz --to "http://u:$SECRET@127.0.0.1:$P404/r" --out de.json
cat "$T/out" "$T/err" >>seen
err_is "^mlci-deploy: http://u:\*\*\*@127\.0\.0\.1:$P404/r/demo/\.staging/1\.0-[0-9a-f]{16}/demo-1\.0\.tar\.gz: PUT: HTTP 404: not found$" "names the upload"
check "HEAD, then one PUT, then the staging clean-up" sh -c "[ \"\$(cut -d' ' -f1 s404.log | tr '\n' ' ')\" = 'HEAD PUT DELETE ' ]"
check "the secret appears in no output" sh -c "! grep -q '$SECRET' seen"
kill $SP503 $SP401 $SP404 2>/dev/null

# a server that stores uploads but hands back other bytes: every upload is
# read back, compared, and sent again, then 75
cat >liar_server.py <<'PY'
import http.server, sys
log = sys.argv[1]
store = {}
class H(http.server.BaseHTTPRequestHandler):
    def note(self):
        with open(log, "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
    def reply(self, code, body=b""):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    def do_PUT(self):
        self.note()
        store[self.path] = self.rfile.read(int(self.headers["Content-Length"]))
        self.reply(201)
    def do_GET(self):
        self.note()
        b = store.get(self.path)
        self.reply(404) if b is None else self.reply(200, b[:-1] + bytes([b[-1] ^ 1]))
    def do_HEAD(self):
        self.note()
        self.reply(404 if self.path not in store else 200)
    def do_DELETE(self):
        self.note()
        self.reply(204)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(log + ".port", "w").write(str(s.server_address[1]))
s.serve_forever()
PY
$PY liar_server.py liar.log & SPL=$!
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ -s liar.log.port ] && break; sleep 0.1; done
trap 'kill $SPL 2>/dev/null; dav_stop' EXIT
expect_exit 75 "uploads read back with other bytes: 75" "$D" --package p1/demo-1.0.tar.gz --to "http://127.0.0.1:$(cat liar.log.port)/r" --out dl.json --retries 2 --retry-wait 0.01
err_is "^mlci-deploy: http://127\.0\.0\.1:[0-9]+/r: demo/\.staging/1\.0-[0-9a-f]{16}/demo-1\.0\.tar\.gz: read back with another sha256 after 3 uploads$" "says so"
check "uploaded and read back three times, nothing moved into place" sh -c "[ \$(grep -c '^PUT ' liar.log) = 3 ] && [ \$(grep -c '^GET ' liar.log) = 3 ] && ! grep -q '^MOVE' liar.log"
absent dl.json "no deploy.json"
kill $SPL 2>/dev/null

expect_exit 64 "no host" "$D" --package p1/demo-1.0.tar.gz --to "http:///x" --out db.json
err_is "^mlci-deploy: --to http:///x: " "names the URL"
expect_exit 64 "a port out of range" "$D" --package p1/demo-1.0.tar.gz --to "http://127.0.0.1:99999/x" --out db.json
expect_exit 64 "a query" "$D" --package p1/demo-1.0.tar.gz --to "https://u:$SECRET@example.com/x?token=$SECRET" --out db.json
err_is "^mlci-deploy: --to https://u:\*\*\*@example\.com/x\?token=\*\*\*: an http\(s\):// registry takes no query" "redacted, and says why"
expect_exit 64 "--retries out of range" "$D" --package p1/demo-1.0.tar.gz --to "$URL" --out db.json --retries -1
expect_exit 64 "--timeout must be positive" "$D" --package p1/demo-1.0.tar.gz --to "$URL" --out db.json --timeout 0
absent db.json "no deploy.json for usage errors"
