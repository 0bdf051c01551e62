# mlci-serve hot reload under load: threads hammer /predict while the
# registry channel moves to a new version (the poll) and SIGHUP is sent;
# no request fails and the answers switch version. A version that does
# not verify is refused and the old one keeps serving; the same in
# --package mode on SIGHUP.
. "$TOP/tests/steps/serve_lib.sh"
BC=$DATA/breast_cancer.csv
HPID=""
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; [ -n "$HPID" ] && kill "$HPID" 2>/dev/null' EXIT
openssl genpkey -algorithm ed25519 -out k.pem 2>/dev/null
openssl pkey -in k.pem -pubout -out k.pub.pem 2>/dev/null
"$BIN/mlci-train" --data $BC --label diagnosis --model logistic --out m1.json >/dev/null
"$BIN/mlci-train" --data $BC --label diagnosis --model logistic --param C=0.01 --out m2.json >/dev/null
"$BIN/mlci-package" --model m1.json --name bc --version 1.0 --out-dir p1 --sign-key k.pem >/dev/null
"$BIN/mlci-package" --model m2.json --name bc --version 2.0 --out-dir p2 --sign-key k.pem >/dev/null
"$BIN/mlci-package" --model m2.json --name bc --version 3.0 --out-dir p3 >/dev/null
REG=$T/reg
"$BIN/mlci-deploy" --package p1/bc-1.0.tar.gz --to "dir://$REG" --channel production --out d1.json >/dev/null
/usr/bin/python3 -c '
import csv, json
r = next(csv.DictReader(open("'$BC'")))
del r["diagnosis"]
json.dump({"rows": [{k: float(v) for k, v in r.items()}]}, open("row.json", "w"))'

# wait_for NAME CMD...: CMD succeeds within 60 s (checked every 0.1 s)
wait_for() {
	label=$1; shift
	i=0
	while [ $i -lt 600 ]; do
		if "$@" >/dev/null 2>&1; then ok "$label"; return 0; fi
		sleep 0.1
		i=$((i + 1))
	done
	not_ok "$label" "not within 60 s: $*"
}
serving() { $CLIENT request "$PORT" GET /ready | tail -n +4 | grep -q "\"version\": \"$1\""; }
rows_over() { $CLIENT request "$PORT" GET /metrics | grep -Eq "^mlci_serve_predicted_rows_total ([0-9]{3,}|[$1-9][0-9])$"; }
metric_is() { $CLIENT request "$PORT" GET /metrics | grep -qx "$1"; }

if start_serve r --registry "dir://$REG" --name bc --channel production --poll-seconds 0.2 --verify-key k.pub.pem --threads 4; then
	ok "serves the channel's version"; else not_ok "serves the channel's version" "$(cat r.err)"; fi
check "startup line" grep -q 'serving bc 1.0$' r.out
rm -f stop
$CLIENT hammer "$PORT" stop 4 row.json h1.json &
HPID=$!
wait_for "requests are flowing" rows_over 5
"$BIN/mlci-deploy" --package p2/bc-2.0.tar.gz --to "dir://$REG" --channel production --out d2.json >/dev/null
wait_for "the poll picks up the channel's move to 2.0" serving 2.0
check "the move is logged" grep -q 'channel production moved: serving bc 2.0 (was bc 1.0)' r.err
kill -HUP "$SERVE_PID"
wait_for "SIGHUP with the channel unchanged: a no-op" grep -q 'reloaded: bc 2.0 unchanged' r.err
"$BIN/mlci-deploy" --package p3/bc-3.0.tar.gz --to "dir://$REG" --channel production --out d3.json >/dev/null
wait_for "an unsigned 3.0 is refused" metric_is 'mlci_serve_reloads_total{result="refused"} 1'
check "the refusal is logged with the reason" grep -q 'refused bc 3.0: .*signature.*; still serving bc 2.0' r.err
check "2.0 keeps serving" serving 2.0
kill -HUP "$SERVE_PID"
wait_for "SIGHUP retries and refuses it again" grep -q 'refused the reload: .*; still serving bc 2.0' r.err
# a channel naming 2.0 with a sha256 that is not the stored package's
/usr/bin/python3 - "$REG/bc/channels/production.json" <<'PY'
import json, os, sys
p = sys.argv[1]
j = json.load(open(p))
j["version"] = "2.0"
j["sha256"] = "0" * 64
open(p + ".new", "w").write(json.dumps(j))
os.rename(p + ".new", p)
PY
kill -HUP "$SERVE_PID"
wait_for "a channel whose sha256 does not match is refused" grep -q "refused the reload: .*bc-2.0.tar.gz: sha256 [0-9a-f]*, but the channel 'production' says 0000" r.err
"$BIN/mlci-deploy" --package p1/bc-1.0.tar.gz --to "dir://$REG" --channel production --out d4.json >/dev/null
wait_for "rolling the channel back to 1.0 is picked up" serving 1.0
n0=$($CLIENT request "$PORT" GET /metrics | sed -n 's/^mlci_serve_predicted_rows_total //p')
wait_for "requests keep flowing on 1.0" sh -c "$CLIENT request $PORT GET /metrics | awk '/^mlci_serve_predicted_rows_total /{exit !(\$2 > $n0 + 20)}'"
touch stop
wait "$HPID"; HPID=""
json_is h1.json 'j["failed"], j["errors"]' "(0, [])" "no request failed across four swaps and two SIGHUPs"
json_is h1.json 'j["versions"], j["monotonic"]' "(['1.0', '2.0'], False)" "answers switched 1.0 -> 2.0 -> 1.0"
json_is h1.json 'j["total"] > 100' "True" "the clients sent over 100 requests"
req GET /metrics; cp "$T/body" metrics.txt
check "promtool accepts the metrics after reloads" promtool check metrics <metrics.txt
check "loads counted: 1.0, 2.0, 1.0" grep -qx 'mlci_serve_reloads_total{result="loaded"} 3' metrics.txt
# the poll may see the bad sha256 before SIGHUP does: 3 or 4
check "refusals counted" grep -Eqx 'mlci_serve_reloads_total\{result="refused"\} [34]' metrics.txt
check "the info gauge shows the version serving" grep -q '^mlci_serve_model_info{name="bc",version="1.0",' metrics.txt
stop_serve
if [ "$SERVE_RC" = 0 ]; then ok "stops cleanly after the reloads"; else not_ok "stops cleanly after the reloads" "exit $SERVE_RC"; fi

# --package mode: SIGHUP reloads the file
cp p1/bc-1.0.tar.gz cur.tar.gz
start_serve f --package cur.tar.gz --threads 3
rm -f stop
$CLIENT hammer "$PORT" stop 3 row.json h2.json &
HPID=$!
wait_for "package mode: requests flowing" rows_over 5
cp p2/bc-2.0.tar.gz cur.new && mv cur.new cur.tar.gz
kill -HUP "$SERVE_PID"
wait_for "SIGHUP loads the new file" serving 2.0
check "logged" grep -q 'reloaded: serving bc 2.0 (was bc 1.0)' f.err
printf 'broken' >cur.new && mv cur.new cur.tar.gz
kill -HUP "$SERVE_PID"
wait_for "a broken file is refused" grep -q 'refused the reload: cur.tar.gz: .*; still serving bc 2.0' f.err
check "2.0 keeps serving" serving 2.0
n0=$($CLIENT request "$PORT" GET /metrics | sed -n 's/^mlci_serve_predicted_rows_total //p')
wait_for "and keeps answering" sh -c "$CLIENT request $PORT GET /metrics | awk '/^mlci_serve_predicted_rows_total /{exit !(\$2 > $n0 + 20)}'"
touch stop
wait "$HPID"; HPID=""
json_is h2.json 'j["failed"], j["versions"], j["monotonic"]' "(0, ['1.0', '2.0'], True)" "package mode: no failed request, 1.0 then 2.0"
stop_serve
