# mlci-monitor on real data: adult.data's report as the reference, the
# adult.test rows as live data with a logistic model's predictions (as
# mlci-serve --log-requests writes them), a shifted copy that must alarm
# and a small sample. The feature drift must be what mlci-validate-data
# --reference computes on the same file (the same code path: the whole
# "drift" object is compared); the prediction drift is checked against
# scipy by tests/ref/monitor_prediction.py.
export SOURCE_DATE_EPOCH=1700000000
unset CI_NODE_INDEX CI_NODE_TOTAL
M=$BIN/mlci-monitor
V=$BIN/mlci-validate-data
REF=$TOP/tests/ref
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
ADULT="--columns $COLS --trim"
schema_ok() { /usr/bin/python3 "$TOP/tests/check_schema.py" "$@"; }
pred_ok() { /usr/bin/python3 "$REF/monitor_prediction.py" "$@"; }
# same_drift NAME MONITOR REPORT: monitor.json's drift is the report's
same_drift() {
	if /usr/bin/python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["drift"]; b=json.load(open(sys.argv[2]))["drift"]; sys.exit(a != b)' "$2" "$3"
	then ok "$1"; else not_ok "$1" "the drift objects of $2 and $3 differ"; fi
}

"$V" --data "$DATA/adult.data.csv" $ADULT --label income --out ref.json >/dev/null
"$BIN/mlci-train" --data "$DATA/adult.data.csv" $ADULT --label income --model logistic \
	--out model.json >/dev/null
"$BIN/mlci-evaluate" --model model.json --data "$DATA/adult.test.csv" --skip-rows 1 $ADULT \
	--label-suffix . --out metrics.json --predictions preds.csv >/dev/null
/usr/bin/python3 "$REF/monitor_live.py" "$DATA/adult.test.csv" preds.csv .

# ---- adult.test as it is: no alarm ----
expect_exit 0 "adult.test with the model's predictions: no alarm, exit 0" \
	"$M" --reference ref.json --live live.csv --out live.json
grep -q "^mlci-monitor: live.csv: 16281 rows, drift 0 of 14 columns (0%), predictions stable: ok$" "$T/out" \
	&& ok "summary line" || not_ok "summary line" "$(cat "$T/out")"
"$V" --data live.csv --reference ref.json --out live-v.json >/dev/null
same_drift "the feature drift is mlci-validate-data --reference's, figure for figure" live.json live-v.json
json_is live.json '(j["drift"]["only_in_data"], j["drift"]["only_in_reference"], j["drift"]["compared"])' \
	"(['prediction'], [], 14)" "the prediction column is not a feature; income is the reference's label"
json_is live.json '(j["prediction"]["against"], j["prediction"]["reference_column"], j["prediction"]["judged_by"], j["prediction"]["drifted"])' \
	"('reference_label', 'income', 'effect', False)" "predictions against the training labels: judged by effect, stable"
if pred_ok live.json live.csv "$DATA/adult.data.csv" income 0 "" $COLS 2>/dev/null >pred.diff
then ok "prediction drift (chi-square, JS, PSI, shares) agrees with scipy"
else not_ok "prediction drift agrees with scipy" "$(head -3 pred.diff)"; fi
json_is live.json '(j["alarm"], j["alarms"], j["summary"]["errors"])' "(False, [], 0)" "no alarm recorded"
json_is live.json '[(i["role"], i["path"]) for i in j["inputs"]]' \
	"[('reference', 'ref.json'), ('live', 'live.csv')]" "inputs: reference and live"
json_is live.json '[i["sha256"] for i in j["inputs"]] == [__import__("hashlib").sha256(open(p,"rb").read()).hexdigest() for p in ("ref.json", "live.csv")]' \
	True "inputs' sha256 are the files'"

# ---- shifted: an alarm ----
expect_exit 1 "shifted live data: alarm, exit 1" \
	"$M" --reference ref.json --live shifted.csv --out shifted.json
"$V" --data shifted.csv --reference ref.json --out shifted-v.json >/dev/null
same_drift "shifted: the feature drift is mlci-validate-data --reference's" shifted.json shifted-v.json
json_is shifted.json 'j["alarms"]' "['dataset_drift', 'prediction_drift']" \
	"shifted: dataset_drift and prediction_drift are the alarms"
json_is shifted.json 'sorted(c["name"] for c in j["drift"]["columns"] if c["drifted"])' \
	"['age', 'capital_gain', 'capital_loss', 'education_num', 'fnlwgt', 'hours_per_week', 'native_country', 'sex']" \
	"shifted: exactly the shifted columns drifted"
if pred_ok shifted.json shifted.csv "$DATA/adult.data.csv" income 0 "" $COLS 2>/dev/null >pred2.diff
then ok "shifted: prediction drift agrees with scipy"
else not_ok "shifted: prediction drift agrees with scipy" "$(head -3 pred2.diff)"; fi
json_is shifted.json 'sorted({a["code"] for a in j["anomalies"]})' \
	"['dataset_drift', 'drift', 'prediction_drift', 'prediction_shift']" "shifted: anomaly codes"

# ---- a small sample: judged by p-values ----
expect_exit 0 "400 rows of adult.test: exit 0" \
	"$M" --reference ref.json --live head.csv --out head.json
"$V" --data head.csv --reference ref.json --out head-v.json >/dev/null
same_drift "400 rows: the feature drift (BH q-values) is mlci-validate-data's" head.json head-v.json
json_is head.json '(j["prediction"]["judged_by"], j["prediction"]["test"], j["prediction"]["drifted"])' \
	"('p_value', 'chi2', False)" "400 rows: predictions judged by the chi-square p-value"
if pred_ok head.json head.csv "$DATA/adult.data.csv" income 0 "" $COLS 2>/dev/null >pred3.diff
then ok "400 rows: prediction drift agrees with scipy"
else not_ok "400 rows: prediction drift agrees with scipy" "$(head -3 pred3.diff)"; fi

# ---- --reference-predictions ----
expect_exit 0 "--reference-predictions preds.csv: exit 0" \
	"$M" --reference ref.json --live live.csv --reference-predictions preds.csv --out rp.json
json_is rp.json '(j["prediction"]["against"], j["prediction"]["reference_column"], j["prediction"]["js"], j["prediction"]["drifted"])' \
	"('reference_predictions', 'prediction', 0.0, False)" "the same predictions: JS 0, not drifted"
json_is rp.json '[i["role"] for i in j["inputs"]]' "['reference', 'live', 'reference_predictions']" \
	"inputs: reference_predictions recorded"
expect_exit 1 "shifted against --reference-predictions: alarm" \
	"$M" --reference ref.json --live shifted.csv --reference-predictions preds.csv --out rp2.json
if pred_ok rp2.json shifted.csv preds.csv prediction 2>/dev/null >pred4.diff
then ok "against the predictions file: agrees with scipy"
else not_ok "against the predictions file: agrees with scipy" "$(head -3 pred4.diff)"; fi

# ---- thresholds are validate-data's ----
expect_exit 1 "--drift-severity error: a drifted column is an alarm" \
	"$M" --reference ref.json --live shifted.csv --reference-predictions shifted.csv \
	--out sev.json --max-drift-share 1 --drift-severity error
"$V" --data shifted.csv --reference ref.json --out sev-v.json --max-drift-share 1 \
	--drift-severity error >/dev/null
same_drift "the same thresholds give the same decisions as mlci-validate-data" sev.json sev-v.json
json_is sev.json 'j["alarms"]' "['drift', 'drift', 'drift', 'drift', 'drift', 'drift', 'drift', 'drift']" \
	"each drifted column at severity error is an alarm"
expect_exit 0 "--drift-threshold COL:off and a lenient --drift-alpha on 400 rows" \
	"$M" --reference ref.json --live head.csv --out thr.json --drift-alpha 0.01 \
	--drift-threshold age:off
"$V" --data head.csv --reference ref.json --out thr-v.json --drift-alpha 0.01 \
	--drift-threshold age:off >/dev/null
same_drift "--drift-threshold: the same decisions as mlci-validate-data" thr.json thr-v.json
expect_exit 0 "--max-drift-share 1 and a lenient --drift-js: the shifted data's features alone do not alarm" \
	"$M" --reference ref.json --live shifted.csv --reference-predictions shifted.csv --out lenient.json \
	--max-drift-share 1
json_is lenient.json '(j["alarms"], j["prediction"]["js"])' "([], 0.0)" "no alarm left"

expect_exit 0 "--print-metrics prints the exposition text" \
	"$M" --reference ref.json --live live.csv --out pm.json --print-metrics
if promtool check metrics <"$T/out" >pt.out 2>&1; then ok "promtool check metrics: the exposition text is clean"
else not_ok "promtool check metrics" "$(head -3 pt.out)"; fi
grep -q '^mlci_monitor_feature_psi{feature="age"} ' "$T/out" && grep -q '^mlci_monitor_last_run_timestamp_seconds 1700000000$' "$T/out" \
	&& ok "metrics: per-feature gauges and the run's time" || not_ok "metrics: per-feature gauges" "$(head -5 "$T/out")"

# ---- a regression model: numeric predictions, the numeric test ----
"$V" --data "$DATA/diabetes_progression.csv" --label progression --out dref.json >/dev/null
"$BIN/mlci-train" --data "$DATA/diabetes_progression.csv" --label progression --model linear \
	--out dmodel.json >/dev/null
"$BIN/mlci-evaluate" --model dmodel.json --data "$DATA/diabetes_progression.csv" \
	--out dmetrics.json --predictions dpreds.csv >/dev/null
/usr/bin/python3 - "$DATA/diabetes_progression.csv" dpreds.csv <<'PYEOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
p = {int(r["key"]): r["prediction"] for r in csv.DictReader(open(sys.argv[2]))}
w = csv.writer(open("dlive.csv", "w", newline=""), lineterminator="\n")
w.writerow(rows[0][:-1] + ["prediction"])
for i, r in enumerate(rows[1:]):
    w.writerow(r[:-1] + [p[i]])
PYEOF
expect_exit 1 "regression predictions against the training target: drifted (a linear model's predictions are narrower)" \
	"$M" --reference dref.json --live dlive.csv --out dlab.json
if /usr/bin/python3 - "$DATA/diabetes_progression.csv" <<'PYEOF'
import csv, json, sys
from scipy.stats import ks_2samp, wasserstein_distance
y = [float(r["progression"]) for r in csv.DictReader(open(sys.argv[1]))]
p = [float(r["prediction"]) for r in csv.DictReader(open("dlive.csv"))]
m = json.load(open("dlab.json"))["prediction"]
ks = ks_2samp(y, p)
w = wasserstein_distance(y, p)
ok = (m["kind"] == "target" and m["test"] == "ks" and abs(m["statistic"] - ks.statistic) < 1e-12
      and abs(m["wasserstein"] - w) <= 1e-9 * w and m["drifted"])
sys.exit(0 if ok else 1)
PYEOF
then ok "the target's KS D and Wasserstein agree with scipy"
else not_ok "the target's KS D and Wasserstein agree with scipy" "$(head -c 300 dlab.json)"; fi
expect_exit 0 "regression predictions against --reference-predictions (the same model's): stable" \
	"$M" --reference dref.json --live dlive.csv --out dpred.json --reference-predictions dpreds.csv
json_is dpred.json '(j["prediction"]["kind"], j["prediction"]["statistic"], j["prediction"]["drifted"])' \
	"('target', 0.0, False)" "the same predictions: KS D 0"

schema_ok dlab.json dpred.json live.json shifted.json head.json rp.json rp2.json sev.json >schema.out 2>&1 \
	&& ok "every monitor.json is a valid mlci.monitor" || not_ok "monitor.json schema" "$(head -3 schema.out)"
no_nan "no NaN or Infinity" live.json shifted.json head.json rp.json rp2.json
