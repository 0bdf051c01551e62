# mlci-monitor --pushgateway against a real Prometheus Pushgateway
# (Debian prometheus-pushgateway) on a free loopback port: the pushed
# gauges and grouping labels are scraped back from its /metrics and
# compared with monitor.json; the exposition text passes promtool; a
# push to nothing is exit 75 with monitor.json still written.
export SOURCE_DATE_EPOCH=1700000000
M=$BIN/mlci-monitor
REF=$TOP/tests/ref
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
schema_ok() { /usr/bin/python3 "$TOP/tests/check_schema.py" "$@"; }

"$BIN/mlci-validate-data" --data "$DATA/adult.data.csv" --columns $COLS --trim \
	--label income --out ref.json >/dev/null
/usr/bin/python3 "$REF/monitor_live.py" "$DATA/adult.test.csv" - .

PORT=$(free_port)
PG=http://127.0.0.1:$PORT
prometheus-pushgateway --web.listen-address=127.0.0.1:$PORT \
	--persistence.file="$T/pg.db" >pg.log 2>&1 &
PGPID=$!
FPID=
trap 'kill $PGPID $FPID 2>/dev/null; wait $PGPID 2>/dev/null' EXIT
i=0
until curl -fs "$PG/-/ready" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 $PGPID 2>/dev/null; then break; fi
	sleep 0.1
done
curl -fs "$PG/-/ready" >/dev/null && ok "pushgateway up on 127.0.0.1:$PORT" \
	|| not_ok "pushgateway up" "$(tail -3 pg.log)"

# scraped NAME LABELS: the value of one series scraped from the gateway
# (LABELS: the exact label set, as Python's sorted dict items)
scrape() { curl -fs "$PG/metrics" >scrape.txt; }
scraped() {
	/usr/bin/python3 - "$1" "$2" <<'PYEOF'
import re, sys
name, want = sys.argv[1], sys.argv[2]
for line in open("scrape.txt"):
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line.strip())
    if not m or m.group(1) != name:
        continue
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
    if str(sorted(labels.items())) == want:
        print(repr(float(m.group(4))))
PYEOF
}

expect_exit 1 "push the shifted run: exit 1 (alarm), pushed" \
	"$M" --reference ref.json --live shifted.csv --out m1.json --pushgateway "$PG" \
	--label env=prod --label 'region=eu/west' --history h.jsonl
json_is m1.json '(j["push"]["ok"], j["push"]["tries"], j["push"]["job"], j["push"]["labels"])' \
	"(True, 1, 'mlci-monitor', {'env': 'prod', 'region': 'eu/west'})" "monitor.json records the push"
scrape
G="('env', 'prod'), ('instance', ''), ('job', 'mlci-monitor'), ('region', 'eu/west')"
v=$(scraped mlci_monitor_alarm "[$G]")
[ "$v" = "1.0" ] && ok "scraped mlci_monitor_alarm 1" || not_ok "scraped alarm" "got '$v'"
v=$(scraped mlci_monitor_rows "[$G]")
[ "$v" = "16281.0" ] && ok "scraped mlci_monitor_rows 16281 with the grouping labels (region's '/' via @base64)" \
	|| not_ok "scraped rows" "got '$v'; $(grep mlci_monitor_rows scrape.txt | head -3)"
want_share=$(/usr/bin/python3 -c 'import json; print(repr(float(json.load(open("m1.json"))["drift"]["share"])))')
[ "$(scraped mlci_monitor_drift_share "[$G]")" = "$want_share" ] && ok "scraped drift share = monitor.json's" \
	|| not_ok "scraped drift share" "$(grep drift_share scrape.txt | head -2)"
if /usr/bin/python3 - <<'PYEOF'
import json, re, sys
j = json.load(open("m1.json"))
got = {}
for line in open("scrape.txt"):
    m = re.match(r'^mlci_monitor_feature_(psi|effect|drifted)\{(.*)\} (\S+)$', line.strip())
    if m:
        lab = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2)))
        got[(m.group(1), lab["feature"])] = float(m.group(3))
want = {}
for c in j["drift"]["columns"]:
    want[("psi", c["name"])] = c["psi"]
    want[("effect", c["name"])] = c["effect"]
    want[("drifted", c["name"])] = float(c["drifted"])
sys.exit(0 if got == want and len(got) == 42 else 1)
PYEOF
then ok "every feature's scraped psi, effect and drifted is monitor.json's, exactly"
else not_ok "scraped feature gauges" "$(grep feature_psi scrape.txt | head -3)"; fi
[ "$(scraped mlci_monitor_anomalies "[('env', 'prod'), ('instance', ''), ('job', 'mlci-monitor'), ('region', 'eu/west'), ('severity', 'error')]")" = "2.0" ] \
	&& ok "scraped anomalies{severity=error} 2" || not_ok "scraped anomalies" "$(grep mlci_monitor_anomalies scrape.txt)"
[ "$(scraped mlci_monitor_last_run_timestamp_seconds "[$G]")" = "1700000000.0" ] \
	&& ok "scraped the run's time" || not_ok "scraped the run's time" "$(grep last_run scrape.txt)"

# a second push with another job and no labels: its own group; PUT
# replaces the first group's figures on a re-push
expect_exit 0 "push under --job nightly" \
	"$M" --reference ref.json --live live.csv --out m2.json --pushgateway "$PG/" --job nightly
scrape
[ "$(scraped mlci_monitor_rows "[('instance', ''), ('job', 'nightly')]")" = "16281.0" ] \
	&& ok "--job nightly: its own group (trailing / in the URL ignored)" || not_ok "--job nightly" "$(grep 'job="nightly"' scrape.txt | head -2)"
[ "$(scraped mlci_monitor_rows "[$G]")" = "16281.0" ] && ok "the first group is still there" \
	|| not_ok "the first group is still there"
head -200 shifted.csv >small.csv
expect_exit 1 "re-push the first group with 199 rows" \
	"$M" --reference ref.json --live small.csv --out m3.json --pushgateway "$PG" \
	--label env=prod --label 'region=eu/west'
scrape
[ "$(scraped mlci_monitor_rows "[$G]")" = "199.0" ] && ok "PUT replaced the group's figures" \
	|| not_ok "PUT replaced" "$(grep mlci_monitor_rows scrape.txt)"
[ "$(scraped mlci_monitor_prediction_psi "[$G]")" = "$(/usr/bin/python3 -c 'import json; print(repr(float(json.load(open("m3.json"))["prediction"]["psi"])))')" ] \
	&& ok "the prediction PSI scraped is monitor.json's" || not_ok "prediction PSI scraped"

# the text pushed passes promtool
"$M" --reference ref.json --live shifted.csv --out pm.json --print-metrics >pm.txt 2>/dev/null
if promtool check metrics <pm.txt >pt.out 2>&1; then ok "promtool check metrics accepts the exposition text"
else not_ok "promtool check metrics" "$(head -3 pt.out)"; fi
grep -Eq '^[a-z_]+(\{.*\})? [^ ]+ [0-9]+$' pm.txt && not_ok "no timestamps" || ok "no timestamps on samples"

# ---- failures ----
kill $PGPID 2>/dev/null; wait $PGPID 2>/dev/null
DEAD=$(free_port)
expect_exit 75 "push to a closed port: exit 75 after its retries" \
	"$M" --reference ref.json --live live.csv --out dead.json --history h.jsonl \
	--pushgateway "http://user:secret@127.0.0.1:$DEAD"
err_is "^mlci-monitor: push to http://user:\*\*\*@127\.0\.0\.1:$DEAD.* failed after 3 tries: " "one line naming the gateway"
grep -q secret "$T/err" dead.json && not_ok "the password is never printed" || ok "the password is never printed"
json_is dead.json '(j["push"]["ok"], j["push"]["tries"], j["alarm"])' "(False, 3, False)" \
	"monitor.json still written, with the failed push"
[ "$(wc -l <h.jsonl)" -eq 2 ] && ok "the history line is appended all the same" \
	|| not_ok "history appended on push failure" "$(wc -l <h.jsonl) lines"
grep -q "^mlci-monitor: live.csv: 16281 rows.*push failed: ok$" "$T/out" && ok "summary says the push failed" \
	|| not_ok "summary says the push failed" "$(cat "$T/out")"
# a gateway that answers 503 then 500 then 200: retried; 400: not retried
cat >fake.py <<'PYEOF'
import http.server, sys
codes = [int(c) for c in sys.argv[2].split(",")]
seen = []
class H(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        seen.append(self.path)
        with open("fake.log", "a") as f:
            f.write("%s %s %d\n" % (self.path, self.headers.get("Content-Type"), len(body)))
        code = codes[min(len(seen), len(codes)) - 1]
        self.send_response(code)
        msg = b"pushed\n" if code < 300 else b"text format parsing error in line 3\nmore\n"
        self.send_header("Content-Length", str(len(msg)))
        self.end_headers()
        self.wfile.write(msg)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
srv.serve_forever()
PYEOF
fake() {
	FPORT=$(free_port)
	rm -f fake.log
	/usr/bin/python3 fake.py "$FPORT" "$1" &
	FPID=$!
	i=0
	until /usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$FPORT" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
	done
}
fake 503,500,200
expect_exit 0 "5xx answers are retried: the third try lands, exit 0" \
	"$M" --reference ref.json --live live.csv --out r5.json --pushgateway "http://127.0.0.1:$FPORT" --label env=x
kill $FPID; wait $FPID 2>/dev/null
json_is r5.json '(j["push"]["ok"], j["push"]["tries"])' "(True, 3)" "three tries recorded"
[ "$(wc -l <fake.log)" -eq 3 ] && grep -q "^/metrics/job/mlci-monitor/env/x text/plain; version=0.0.4 " fake.log \
	&& ok "each try a PUT of the text format to the group's path" || not_ok "PUT path and type" "$(cat fake.log)"
fake 400
expect_exit 75 "a 400 is not retried: exit 75" \
	"$M" --reference ref.json --live live.csv --out r4.json --pushgateway "http://127.0.0.1:$FPORT"
kill $FPID; wait $FPID 2>/dev/null
err_is "failed after 1 try: HTTP 400: text format parsing error in line 3$" "the answer's first line in the error"
json_is r4.json '(j["push"]["ok"], j["push"]["tries"], j["push"]["error"].endswith("HTTP 400: text format parsing error in line 3"))' \
	"(False, 1, True)" "monitor.json records the refused push"
expect_exit 64 "--label without --pushgateway: 64" \
	"$M" --reference ref.json --live live.csv --out x.json --label env=prod
expect_exit 64 "--label job=x: 64" \
	"$M" --reference ref.json --live live.csv --out x.json --pushgateway "$PG" --label job=x
expect_exit 64 "--label feature=x (a metric label): 64" \
	"$M" --reference ref.json --live live.csv --out x.json --pushgateway "$PG" --label feature=x
expect_exit 64 "--label 1bad=x: 64" \
	"$M" --reference ref.json --live live.csv --out x.json --pushgateway "$PG" --label 1bad=x
expect_exit 64 "--pushgateway ftp://...: 64" \
	"$M" --reference ref.json --live live.csv --out x.json --pushgateway ftp://127.0.0.1/
absent x.json "no monitor.json after a usage error"
schema_ok m1.json m2.json m3.json dead.json >schema.out 2>&1 && ok "monitor.json with push: valid" \
	|| not_ok "monitor.json with push: valid" "$(head -3 schema.out)"
