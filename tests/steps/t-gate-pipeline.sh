# mlci-gate on real metrics: mlci-train + mlci-evaluate on breast_cancer
# (logistic) and diabetes_progression (ridge), gated absolutely and
# against a baseline model; the reports checked with xmllint and promtool.

XSD=$TOP/tests/schemas

if [ ! -x "$BIN/mlci-train" ] || [ ! -x "$BIN/mlci-evaluate" ]; then
	not_ok "mlci-train and mlci-evaluate are built"
	return 0 2>/dev/null || exit 0
fi

"$BIN/mlci-train" --data "$DATA/breast_cancer.csv" --label diagnosis --model logistic \
	--out model.json >/dev/null 2>train.err
"$BIN/mlci-train" --data "$DATA/breast_cancer.csv" --label diagnosis --model logistic \
	--param C=0.001 --out base-model.json >/dev/null 2>>train.err
"$BIN/mlci-evaluate" --model model.json --data "$DATA/breast_cancer.csv" \
	--out metrics.json >/dev/null 2>>train.err
"$BIN/mlci-evaluate" --model base-model.json --data "$DATA/breast_cancer.csv" \
	--out base.json >/dev/null 2>>train.err
check "train and evaluate wrote the metrics" test -s metrics.json -a -s base.json

cat >rules.txt <<'R'
# breast cancer gate
accuracy >= 0.95
log_loss <= 0.3
roc_auc >= 0.95
f1_macro >= baseline - 0.01      # no worse than the baseline model
log_loss <= baseline * 1.05
R
expect_exit 0 "the real model passes its gate" "$BIN/mlci-gate" --metrics metrics.json \
	--baseline base.json --rules rules.txt --out gate.json --junit junit.xml \
	--markdown gate.md --openmetrics metrics.txt --dotenv gate.env
sha=$(sha256sum metrics.json | cut -d' ' -f1)
json_is gate.json '[i["sha256"] for i in j["inputs"] if i["role"] == "metrics"][0]' "$sha" \
	"gate.inputs[metrics] is sha256(metrics.json)"
json_is gate.json 'j["verdict"], j["counts"]["rules"]' "('pass', 5)" "five rules, pass"
json_is gate.json 'all(r["value"] == json.load(open("metrics.json"))["metrics"][r["metric"]] for r in j["rules"])' \
	"True" "values are metrics.json's, exactly"
check "real gate.json valid against the schema" \
	/usr/bin/python3 "$TOP/tests/check_schema.py" gate.json
check "JUnit valid (Ant)" xmllint --noout --schema "$XSD/junit-ant.xsd" junit.xml
check "JUnit valid (xunit)" xmllint --noout --schema "$XSD/junit-jenkins-xunit.xsd" junit.xml
out=$(promtool check metrics <metrics.txt 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then ok "OpenMetrics accepted by promtool"; else not_ok "OpenMetrics accepted by promtool" "$out"; fi
if [ "$(wc -l <gate.env)" -le 20 ] && [ "$(wc -c <gate.env)" -lt 5120 ] &&
	! grep -Evq '^[A-Za-z0-9_]+=[A-Za-z0-9._:/@+-]*$' gate.env; then
	ok "dotenv valid for GitLab"; else not_ok "dotenv valid for GitLab" "$(cat gate.env)"; fi

# The baseline model is the better one on log loss: the gate fails.
expect_exit 1 "the weak model fails against the strong baseline" "$BIN/mlci-gate" \
	--metrics base.json --baseline metrics.json --rule 'log_loss <= baseline * 1.05' \
	--rule 'accuracy >= 0.5' --out weak.json --junit weak.xml
json_is weak.json '[r["status"] for r in j["rules"]]' "['fail', 'pass']" "only the baseline rule fails"
check "failing JUnit valid (Ant)" xmllint --noout --schema "$XSD/junit-ant.xsd" weak.xml

# Regression metrics from ridge.
"$BIN/mlci-train" --data "$DATA/diabetes_progression.csv" --label progression --model ridge \
	--out ridge.json >/dev/null 2>>train.err
"$BIN/mlci-evaluate" --model ridge.json --data "$DATA/diabetes_progression.csv" \
	--out rmetrics.json >/dev/null 2>>train.err
expect_exit 0 "a regression gate" "$BIN/mlci-gate" --metrics rmetrics.json \
	--rule 'r2 >= 0.4' --rule 'rmse <= 100' --rule 'mae < 100' --out rgate.json \
	--openmetrics rmetrics.txt
check "regression OpenMetrics has rmse" grep -q '^mlci_metric{name="rmse"} ' rmetrics.txt
