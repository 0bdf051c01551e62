# mlci-serve: every row of real datasets predicted over HTTP (JSON rows in
# batches, one row at a time, a CSV body) equals mlci-evaluate
# --predictions for the same model and rows, number for number as text;
# /health, /ready, /metadata,
# /metrics (promtool) and the request log.
. "$TOP/tests/steps/serve_lib.sh"
sha() { sha256sum "$1" | cut -d' ' -f1; }
BC=$DATA/breast_cancer.csv
PG=$DATA/penguins.csv
DI=$DATA/diabetes_progression.csv

"$BIN/mlci-train" --data $BC --label diagnosis --model logistic --out bc.json >/dev/null
"$BIN/mlci-evaluate" --model bc.json --data $BC --out bc-m.json --predictions bc-p.csv >/dev/null
"$BIN/mlci-package" --model bc.json --name bc --version 1.0 --out-dir pbc >/dev/null
"$BIN/mlci-train" --data $PG --label Species --model logistic --out pg.json >/dev/null
"$BIN/mlci-evaluate" --model pg.json --data $PG --out pg-m.json --predictions pg-p.csv >/dev/null
"$BIN/mlci-package" --model pg.json --name pg --version 3 --out-dir ppg >/dev/null
dlabel=$(head -1 $DI | tr ',' '\n' | tail -1)
"$BIN/mlci-train" --data $DI --label "$dlabel" --model ridge --out di.json >/dev/null
"$BIN/mlci-evaluate" --model di.json --data $DI --out di-m.json --predictions di-p.csv >/dev/null
"$BIN/mlci-package" --model di.json --name di --version 0.1 --out-dir pdi >/dev/null

expect_exit 0 "--help" "$BIN/mlci-serve" --help
check "--help lists the endpoints" grep -q 'GET  /metrics' "$T/out"
check "--help names the reload signal" grep -q 'SIGHUP' "$T/out"
check "--help lists the metrics and exit codes" sh -c "grep -q 'mlci_serve_requests_total{path,status}' '$T/out' && grep -q '^Exit codes: 0 stopped' '$T/out'"

# breast cancer, logistic: every row, three ways
if start_serve bc --package pbc/bc-1.0.tar.gz --log-requests req.csv --threads 2; then ok "starts and listens"; else not_ok "starts and listens" "$(cat bc.err)"; fi
check "startup line names the model" grep -q '^listening on 127.0.0.1:[0-9]*, serving bc 1.0$' bc.out
req GET /health; status_is 200 "/health 200"
json_is "$T/body" 'j' "{'status': 'ok'}" "/health body"
req GET /ready; status_is 200 "/ready 200 once loaded"
json_is "$T/body" 'j["model"], j["version"]' "('bc', '1.0')" "/ready names the model"
n=$($CLIENT compare "$PORT" $BC bc-p.csv --batch 100 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$n" = 569 ]; then ok "569 rows as JSON batches equal evaluate's predictions"; else not_ok "JSON batches equal evaluate's predictions" "$n"; fi
n=$($CLIENT compare "$PORT" $BC bc-p.csv --single 60 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$n" = 60 ]; then ok "rows one by one (a bare JSON list) equal evaluate's"; else not_ok "single rows equal evaluate's" "$n"; fi
n=$($CLIENT compare "$PORT" $BC bc-p.csv --csv 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$n" = 569 ]; then ok "the file as one CSV body equals evaluate's"; else not_ok "CSV body equals evaluate's" "$n"; fi
req GET /metadata; status_is 200 "/metadata 200"
json_is "$T/body" 'j["name"], j["version"], j["package_sha256"], j["model_sha256"]' "('bc', '1.0', '$(sha pbc/bc-1.0.tar.gz)', '$(sha bc.json)')" "/metadata: name, version, package and model sha256"
json_is "$T/body" 'j["lineage"]["model_sha256"], j["task"], j["label"], j["classes"], len(j["features"]), j["signature"]' "('$(sha bc.json)', 'classification', 'diagnosis', ['benign', 'malignant'], 30, None)" "/metadata: lineage from the manifest, task, classes, features"
req GET /metrics
status_is 200 "/metrics 200"
check "/metrics content type is the text format 0.0.4" grep -q '^text/plain; version=0.0.4' "$T/ctype"
cp "$T/body" metrics.txt
check "promtool check metrics accepts /metrics" promtool check metrics <metrics.txt
# rows sent: 569 + 60 + 569
check "predicted rows counted" grep -qx 'mlci_serve_predicted_rows_total 1198' metrics.txt
check "per-class prediction counts match evaluate's" /usr/bin/python3 -c '
import csv, sys, re
p = [r["prediction"] for r in csv.DictReader(open("bc-p.csv"))]
m = open("metrics.txt").read()
for c in ("benign", "malignant"):
    got = int(re.search(r"^mlci_serve_predictions_total\{class=\"%s\"\} (\d+)$" % c, m, re.M).group(1))
    want = 2 * p.count(c) + p[:60].count(c)
    assert got == want, (c, got, want)'
check "feature statistics: count and sum of 'mean radius'" /usr/bin/python3 -c '
import csv, re
rows = list(csv.DictReader(open("'$BC'")))
v = [float(r["mean radius"]) for r in rows]
want_n = 2 * len(v) + 60
want_s = 2 * sum(v) + sum(v[:60])
m = open("metrics.txt").read()
n = int(re.search(r"^mlci_serve_feature_count_total\{feature=\"mean radius\"\} (\d+)$", m, re.M).group(1))
s = float(re.search(r"^mlci_serve_feature_value_sum\{feature=\"mean radius\"\} (\S+)$", m, re.M).group(1))
mean = float(re.search(r"^mlci_serve_feature_mean\{feature=\"mean radius\"\} (\S+)$", m, re.M).group(1))
assert n == want_n and abs(s - want_s) < 1e-6 * want_s and abs(mean - want_s / want_n) < 1e-9 * mean, (n, s, mean)'
check "model info gauge names the version and sha256" grep -qx "mlci_serve_model_info{name=\"bc\",version=\"1.0\",sha256=\"$(sha pbc/bc-1.0.tar.gz)\"} 1" metrics.txt
check "request counts by path and status" grep -qx 'mlci_serve_requests_total{path="/health",status="200"} 1' metrics.txt
check "a latency histogram for /predict" grep -q '^mlci_serve_request_duration_seconds_bucket{path="/predict",le="+Inf"} ' metrics.txt
check "request log: features then prediction, every row in order" /usr/bin/python3 -c '
import csv
log = list(csv.reader(open("req.csv")))
data = list(csv.reader(open("'$BC'")))
head = data[0][:-1]
assert log[0] == head + ["prediction"], log[0][:3]
p = [r["prediction"] for r in csv.DictReader(open("bc-p.csv"))]
body = log[1:]
assert len(body) == 1198, len(body)
want = [[float(x) for x in r[:-1]] for r in data[1:]]
num = lambda rows: [[float(x) for x in r[:-1]] for r in rows]
assert num(body[:569]) == want and num(body[569:629]) == want[:60]
assert num(body[629:]) == want
assert [r[-1] for r in body[:569]] == p and [r[-1] for r in body[569:629]] == p[:60]'
stop_serve
if [ "$SERVE_RC" = 0 ]; then ok "SIGTERM stops it with 0"; else not_ok "SIGTERM stops it with 0" "exit $SERVE_RC"; fi

# the log is appended to by the next run, its header once
start_serve bc2 --package pbc/bc-1.0.tar.gz --log-requests req.csv
$CLIENT compare "$PORT" $BC bc-p.csv --single 3 >/dev/null
stop_serve
check "a second run appends, header once" /usr/bin/python3 -c '
import csv
log = list(csv.reader(open("req.csv")))
assert len(log) == 1 + 1198 + 3 and log[0][-1] == "prediction" and log[1199][-1] != "prediction"'

# penguins: categorical features and missing values
start_serve pg --package ppg/pg-3.tar.gz --log-requests pg-req.csv
n=$($CLIENT compare "$PORT" $PG pg-p.csv --batch 50 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$n" = "$(($(wc -l <pg-p.csv) - 1))" ]; then ok "penguins (categories, missing values) as JSON equal evaluate's"; else not_ok "penguins as JSON" "$n"; fi
n=$($CLIENT compare "$PORT" $PG pg-p.csv --csv 2>&1); rc=$?
if [ $rc -eq 0 ]; then ok "penguins as CSV equal evaluate's"; else not_ok "penguins as CSV" "$n"; fi
check "missing values are logged as empty cells" /usr/bin/python3 -c '
import csv
log = list(csv.reader(open("pg-req.csv")))
assert log[4][:6] == ["Torgersen", "", "", "", "", ""], log[4]'
req GET /metrics; cp "$T/body" pg-metrics.txt
check "promtool accepts a classifier with categorical features" promtool check metrics <pg-metrics.txt
check "missing values counted per feature" grep -q '^mlci_serve_feature_missing_total{feature="Sex"} [1-9]' pg-metrics.txt
stop_serve

# penguins, hgb with native categorical splits: rows with a missing and
# an unseen category too
awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { print } NR % 40 == 0 { $2 = "Atlantis"; print; $7 = "ALIEN"; print }' $PG >pg-probe.csv
"$BIN/mlci-train" --data $PG --label Species --model hgb --param max_iter=20 --out pgh.json >/dev/null
"$BIN/mlci-evaluate" --model pgh.json --data pg-probe.csv --out pgh-m.json --predictions pgh-p.csv >/dev/null
"$BIN/mlci-package" --model pgh.json --name pgh --version 1 --out-dir ppgh >/dev/null
json_is pgh.json '[c.get("encoding") for c in j["preprocessing"]["columns"] if c["type"] == "categorical"], any("left_categories" in t for t in j["model"]["trees"])' \
	"(['ordinal', 'ordinal'], True)" "hgb on penguins: native categorical splits"
if start_serve pgh --package ppgh/pgh-1.tar.gz; then ok "serves the native hgb model"; else not_ok "serves the native hgb model" "$(cat pgh.err)"; fi
n=$($CLIENT compare "$PORT" pg-probe.csv pgh-p.csv --batch 50 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$n" = "$(($(wc -l <pgh-p.csv) - 1))" ]; then ok "hgb native: rows with unseen categories as JSON equal evaluate's"; else not_ok "hgb native as JSON" "$n"; fi
n=$($CLIENT compare "$PORT" pg-probe.csv pgh-p.csv --csv 2>&1); rc=$?
if [ $rc -eq 0 ]; then ok "hgb native: as CSV equal evaluate's"; else not_ok "hgb native as CSV" "$n"; fi
stop_serve

# regression
start_serve di --package pdi/di-0.1.tar.gz
n=$($CLIENT compare "$PORT" $DI di-p.csv --batch 64 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$n" = 442 ]; then ok "regression: 442 rows equal evaluate's predictions"; else not_ok "regression rows" "$n"; fi
req GET /metrics; cp "$T/body" di-metrics.txt
check "promtool accepts a regressor's metrics" promtool check metrics <di-metrics.txt
check "regression predictions as a histogram" grep -qx 'mlci_serve_prediction_value_count 442' di-metrics.txt
stop_serve
