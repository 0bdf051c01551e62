# mlci-gate with paired rules: two real models' predictions on the same
# rows, every figure recomputed by tests/ref/paired_tests.py (scipy,
# numpy, scikit-learn), pass / fail / inconclusive with their exit codes
# and --inconclusive, the reports, and the bad inputs.
PY=/usr/bin/python3
REF=$TOP/tests/ref/paired_tests.py
BC=$DATA/breast_cancer.csv
XSD=$TOP/tests/schemas
export SOURCE_DATE_EPOCH=1700000000

train() { "$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic --out "$@" >/dev/null; }
evaluate() {	# evaluate MODEL DATA NAME [options]: NAME.json and NAME.pred.csv
	m=$1; d=$2; o=$3; shift 3
	"$BIN/mlci-evaluate" --model "$m" --data "$d" --out "$o.json" --predictions "$o.pred.csv" "$@" >/dev/null
}
train base.model.json
train cand.model.json --param C=0.05
train weak.model.json --features 'mean smoothness,mean symmetry'
evaluate base.model.json "$BC" base
evaluate cand.model.json "$BC" cand
evaluate weak.model.json "$BC" weak

cat >rules.txt <<'R'
accuracy >= baseline - 0.02 paired      # McNemar (Tango's score test)
roc_auc >= baseline - 0.01 paired       # DeLong
f1_macro >= baseline - 0.02 paired      # paired bootstrap
log_loss <= baseline + 0.05 paired      # paired bootstrap, lower is better
R
expect_exit 3 "no rule fails, one is inconclusive: exit 3" "$BIN/mlci-gate" --metrics cand.json \
	--baseline base.json --rules rules.txt --bootstrap 500 --out gate.json --junit junit.xml \
	--markdown gate.md --openmetrics metrics.txt --dotenv gate.env
check "summary line says INCONCLUSIVE" grep -q '^mlci-gate: INCONCLUSIVE: 1 of 4 rules inconclusive: log_loss <= baseline + 0.05 paired (log_loss = ' "$T/out"
json_is gate.json 'j["verdict"], j["decision"], j["counts"]' "('inconclusive', 'inconclusive', {'failed': 0, 'inconclusive': 1, 'passed': 3, 'rules': 4})" "gate.json: verdict, decision, counts"
json_is gate.json '[(r["status"], r["paired"]["method"]) for r in j["rules"]]' \
	"[('pass', 'mcnemar-score'), ('pass', 'delong'), ('pass', 'paired-bootstrap'), ('inconclusive', 'paired-bootstrap')]" "each rule's verdict and test"
json_is gate.json 'j["paired"]' "{'alpha': 0.05, 'bootstrap': 500, 'correction': 'holm', 'inconclusive_as': 'inconclusive', 'seed': 0}" "the settings recorded"
json_is gate.json 'sorted(j["rules"][0]["paired"])' "['alpha', 'difference', 'discordant', 'interval', 'margin', 'mde', 'method', 'n', 'p_adjusted', 'p_inferior', 'p_value']" "evidence: difference, interval, p-value, MDE"
json_is gate.json '[(i["role"], i["sha256"]) for i in j["inputs"]][2:]' \
	"[('predictions', '$(sha256sum cand.pred.csv | cut -d' ' -f1)'), ('baseline_predictions', '$(sha256sum base.pred.csv | cut -d' ' -f1)')]" "both predictions files are inputs, with their sha256"
if out=$($PY "$REF" --check gate.json cand.pred.csv base.pred.csv 2>&1); then ok "every difference, interval, p-value, Holm adjustment and MDE agrees with scipy/numpy/scikit-learn"
else not_ok "every difference, interval, p-value, Holm adjustment and MDE agrees with scipy/numpy/scikit-learn" "$out"; fi
json_is gate.json 'abs(j["rules"][0]["paired"]["difference"] - (j["rules"][0]["value"] - j["rules"][0]["baseline"])) < 1e-12' "True" "the paired difference is value - baseline"

check "JUnit valid (Ant)" xmllint --noout --schema "$XSD/junit-ant.xsd" junit.xml
check "JUnit valid (Jenkins xunit)" xmllint --noout --schema "$XSD/junit-jenkins-xunit.xsd" junit.xml
check "JUnit: the inconclusive rule is skipped" grep -q 'failures="0" errors="0" skipped="1"' junit.xml
check "JUnit: its message has the verdict, interval and p-value" grep -q '<skipped message="inconclusive: log_loss; difference +0.0464[0-9]* \[+0.03[0-9]*, +0.05[0-9]*\] (90%), margin +0.05, p = ' junit.xml
check "JUnit: passing paired rules carry their evidence in system-out" grep -q 'PASS accuracy &gt;= baseline - 0.02 paired (accuracy = 0.980668; difference -0.00702988 \[-0.0163948, +6.56582e-05\] (90%), margin -0.02' junit.xml
check "JUnit records the verdict and decision" grep -q '<property name="mlci.verdict" value="inconclusive"/>' junit.xml
check "Markdown: verdict" grep -q '^\*\*Verdict: inconclusive\*\* — 3 of 4 rules passed, 1 inconclusive' gate.md
check "Markdown: a paired row with its evidence" grep -qF '| `roc_auc >= baseline - 0.01 paired` | `roc_auc` | 0.995878 | 0.98745 | 0.99745 | -0.00157233 | ✅ pass | difference -0.00157233 \[-0.00273876, -0.000405895\] (90%), margin -0.01, p = ' gate.md
check "Markdown: each metric with baseline, delta and verdict" grep -qF '| `log_loss` | 0.0998311 |  | 0.0533919 | +0.0464392 | ⚠️ inconclusive |' gate.md
out=$(promtool check metrics <metrics.txt 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then ok "OpenMetrics accepted by promtool"; else not_ok "OpenMetrics accepted by promtool" "$out"; fi
check "OpenMetrics: the difference's interval" grep -q '^mlci_gate_rule_difference_low{rule="accuracy >= baseline - 0.02 paired"} -0.0163' metrics.txt
check "OpenMetrics: inconclusive gauge" grep -qx 'mlci_gate_inconclusive 1' metrics.txt
check "dotenv: verdict and counts" grep -qx 'MLCI_GATE_INCONCLUSIVE=1' gate.env
check "dotenv: verdict" grep -qx 'MLCI_GATE_VERDICT=inconclusive' gate.env

# --inconclusive maps the verdict for a hard answer; the evidence stays
expect_exit 0 "--inconclusive pass: exit 0" "$BIN/mlci-gate" --metrics cand.json --baseline base.json \
	--rules rules.txt --bootstrap 500 --out g-pass.json --inconclusive pass --junit j-pass.xml
json_is g-pass.json 'j["verdict"], j["decision"]' "('inconclusive', 'pass')" "verdict kept, decision pass"
MLCI_INCONCLUSIVE=fail expect_exit 1 "--inconclusive fail (MLCI_INCONCLUSIVE): exit 1" "$BIN/mlci-gate" --metrics cand.json \
	--baseline base.json --rules rules.txt --bootstrap 500 --out g-fail.json --junit j-fail.xml
check "JUnit with --inconclusive fail: a failure of type mlci.gate.inconclusive" grep -q '<failure type="mlci.gate.inconclusive"' j-fail.xml
check "JUnit with --inconclusive fail valid (Ant)" xmllint --noout --schema "$XSD/junit-ant.xsd" j-fail.xml

# a clearly worse model fails; the same model passes a margin
expect_exit 1 "a worse model fails the paired rule: exit 1" "$BIN/mlci-gate" --metrics weak.json \
	--baseline base.json --rule 'accuracy >= baseline - 0.02 paired' --out g-weak.json
json_is g-weak.json 'j["rules"][0]["status"], j["rules"][0]["paired"]["interval"]["high"] < -0.02' "('fail', True)" "fail: the whole interval is below the margin"
expect_exit 0 "the baseline against itself passes a margin" "$BIN/mlci-gate" --metrics base.json \
	--baseline base.json --rule 'accuracy >= baseline - 0.01 paired' --rule 'roc_auc >= baseline - 0.005 paired' --out g-self.json
expect_exit 3 "... and is inconclusive at margin 0 (no evidence it is better)" "$BIN/mlci-gate" --metrics base.json \
	--baseline base.json --rule 'accuracy >= baseline paired' --out g-self0.json
json_is g-self0.json 'j["rules"][0]["paired"]["method"], j["rules"][0]["paired"]["discordant"], j["rules"][0]["paired"]["p_value"]' \
	"('mcnemar-exact', {'only_baseline': 0, 'only_candidate': 0}, 1.0)" "margin 0: the exact test"
# Holm: with more paired rules each p-value is adjusted upwards
json_is gate.json 'all(r["paired"]["p_adjusted"] >= r["paired"]["p_value"] for r in j["rules"])' "True" "Holm never lowers a p-value"

# determinism: the same inputs, byte-identical outputs
expect_exit 3 "again" "$BIN/mlci-gate" --metrics cand.json --baseline base.json --rules rules.txt \
	--bootstrap 500 --out gate2.json
check "the same seed gives a byte-identical gate.json" cmp -s gate.json gate2.json
check "gate.json files valid against the schema" $PY "$TOP/tests/check_schema.py" gate.json g-pass.json g-fail.json g-weak.json g-self.json g-self0.json

# bad input: one line each, exit codes from the one table
head -n 400 "$BC" >part.csv
evaluate base.model.json part.csv part
expect_exit 65 "predictions of another evaluation set (fewer rows)" "$BIN/mlci-gate" --metrics cand.json \
	--baseline part.json --rule 'accuracy >= baseline - 0.02 paired' --out e.json
err_is "^mlci-gate: part.pred.csv: the predictions are of another evaluation set: 399 rows here, 569 in cand.pred.csv" "names both files"
$PY - "$BC" <<'PYEOF' >keyed.csv
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["id"] + rows[0])
for i, r in enumerate(rows[1:]):
    w.writerow(["p%04d" % i] + r)
PYEOF
evaluate base.model.json keyed.csv keyed --key-column id
expect_exit 65 "predictions of another evaluation set (other keys)" "$BIN/mlci-gate" --metrics cand.json \
	--baseline keyed.json --rule 'accuracy >= baseline - 0.02 paired' --out e.json
err_is "^mlci-gate: keyed.pred.csv: the predictions are of another evaluation set: key '0' of cand.pred.csv is not here" "names the key"
cp base.pred.csv tampered.pred.csv; sed -i '2s/,malignant,/,benign,/' tampered.pred.csv
expect_exit 65 "a predictions file that is not the one metrics.json records" "$BIN/mlci-gate" --metrics cand.json \
	--baseline base.json --baseline-predictions tampered.pred.csv --rule 'accuracy >= baseline - 0.02 paired' --out e.json
err_is "^mlci-gate: tampered.pred.csv: not the predictions base.json was computed from" "says so"
$PY -c 'import json; j = json.load(open("base.json")); del j["predictions"]; json.dump(j, open("nopred.json", "w"))'
expect_exit 64 "a paired rule without the baseline's predictions" "$BIN/mlci-gate" --metrics cand.json \
	--baseline nopred.json --rule 'accuracy >= baseline - 0.02 paired' --out e.json
err_is "^mlci-gate: nopred.json: rule 'accuracy >= baseline - 0.02 paired' \(--rule 'accuracy >= baseline - 0.02 paired'\) is paired: it needs the per-example predictions" "says what is missing"
expect_exit 65 "the same keys with other labels" "$BIN/mlci-gate" --metrics cand.json \
	--baseline nopred.json --baseline-predictions tampered.pred.csv --rule 'accuracy >= baseline - 0.02 paired' --out e.json
err_is "key '0' has label 'benign' here and 'malignant' in cand.pred.csv: not the same evaluation set" "names the key and labels"
sed 's/"accuracy": [0-9.e-]*/"accuracy": NaN/' cand.json >nan.json
expect_exit 65 "a metrics file with NaN" "$BIN/mlci-gate" --metrics nan.json --baseline base.json \
	--rule 'accuracy >= baseline - 0.02 paired' --out e.json
err_is "^mlci-gate: nan.json:[0-9]+:[0-9]+: " "names the file, line and column"
expect_exit 65 "a paired rule with an unknown metric" "$BIN/mlci-gate" --metrics cand.json --baseline base.json \
	--rule 'acuracy >= baseline - 0.02 paired' --out e.json
err_is "unknown metric 'acuracy' in --rule 'acuracy >= baseline - 0.02 paired' \(did you mean 'accuracy'\? " "suggests the known one"
expect_exit 64 "paired without baseline in the rule" "$BIN/mlci-gate" --metrics cand.json \
	--rule 'accuracy >= 0.9 paired' --out e.json
err_is "^mlci-gate: --rule 'accuracy >= 0.9 paired':1:17: 'paired' compares with the baseline" "line:col of 'paired'"
expect_exit 64 "paired with ==" "$BIN/mlci-gate" --metrics cand.json --baseline base.json \
	--rule 'accuracy == baseline paired' --out e.json
err_is "'paired' needs >=, >, <= or <" "says which operators"
expect_exit 64 "something after paired" "$BIN/mlci-gate" --metrics cand.json --baseline base.json \
	--rule 'accuracy >= baseline paired now' --out e.json
err_is "expected the end of the rule after 'paired', found 'now'" "points at it"
printf 'accuracy >= baseline - 0.01 paired\nf1_macro >= baseline paried\n' >bad.rules
expect_exit 65 "a misspelt 'paired' in a rules file" "$BIN/mlci-gate" --metrics cand.json --baseline base.json \
	--rules bad.rules --out e.json
err_is "^mlci-gate: bad.rules:2:22: " "file:line:col"
expect_exit 64 "--alpha out of range" "$BIN/mlci-gate" --metrics cand.json --baseline base.json \
	--rules rules.txt --alpha 0.7 --out e.json
expect_exit 64 "--inconclusive other" "$BIN/mlci-gate" --metrics cand.json --baseline base.json \
	--rules rules.txt --inconclusive maybe --out e.json
err_is "--inconclusive is pass, fail or inconclusive, not 'maybe'" "names the choices"
absent e.json "no gate.json after any of these errors"

# the baseline from elsewhere (another directory): its predictions are
# found next to its metrics.json, under the name it recorded
mkdir -p main-branch && cp base.json base.pred.csv main-branch/
expect_exit 0 "a baseline in another directory finds its predictions beside it" "$BIN/mlci-gate" \
	--metrics cand.json --baseline main-branch/base.json --rule 'accuracy >= baseline - 0.02 paired' --out g-dir.json
json_is g-dir.json '[i["path"] for i in j["inputs"]]' "['cand.json', 'main-branch/base.json', 'cand.pred.csv', 'main-branch/base.pred.csv']" "inputs name the files used"
rm main-branch/base.pred.csv
expect_exit 66 "... and says so when they are not there" "$BIN/mlci-gate" \
	--metrics cand.json --baseline main-branch/base.json --rule 'accuracy >= baseline - 0.02 paired' --out g-dir2.json
err_is "main-branch/base.pred.csv" "names the file it looked for"

# regression: the paired bootstrap of rmse, mae and r2, against numpy and
# scikit-learn replaying the same resamples
DI=$DATA/diabetes_progression.csv
"$BIN/mlci-train" --data "$DI" --label progression --model linear --out lin.model.json >/dev/null
"$BIN/mlci-train" --data "$DI" --label progression --model ridge --param alpha=5 --out ridge.model.json >/dev/null
evaluate lin.model.json "$DI" lin
evaluate ridge.model.json "$DI" ridge
expect_exit 0 "regression: paired rules over rmse, mae, r2" "$BIN/mlci-gate" --metrics ridge.json --baseline lin.json \
	--rule 'rmse <= baseline * 1.05 paired' --rule 'mae <= baseline + 2 paired' --rule 'r2 >= baseline - 0.05 paired' \
	--bootstrap 300 --seed 4 --out g-reg.json
json_is g-reg.json '[(r["status"], r["paired"]["method"]) for r in j["rules"]]' \
	"[('pass', 'paired-bootstrap'), ('pass', 'paired-bootstrap'), ('pass', 'paired-bootstrap')]" "regression rules: bootstrap, verdicts"
if out=$($PY "$REF" --check g-reg.json ridge.pred.csv lin.pred.csv 2>&1); then ok "regression: every figure agrees with numpy/scikit-learn"
else not_ok "regression: every figure agrees with numpy/scikit-learn" "$out"; fi
check "regression gate.json valid against the schema" $PY "$TOP/tests/check_schema.py" g-reg.json

# multiclass: McNemar on accuracy, the paired bootstrap on the one-vs-rest AUC
IR=$DATA/iris.csv
"$BIN/mlci-train" --data "$IR" --label species --model logistic --out ir1.model.json >/dev/null
"$BIN/mlci-train" --data "$IR" --label species --model logistic --param C=0.1 --out ir2.model.json >/dev/null
evaluate ir1.model.json "$IR" ir1
evaluate ir2.model.json "$IR" ir2
"$BIN/mlci-gate" --metrics ir2.json --baseline ir1.json --rule 'accuracy >= baseline - 0.05 paired' \
	--rule 'roc_auc_ovr_macro >= baseline - 0.02 paired' --bootstrap 300 --out g-iris.json >"$T/out" 2>"$T/err"
rc=$?
json_is g-iris.json '[r["paired"]["method"] for r in j["rules"]], {"pass": 0, "fail": 1, "inconclusive": 3}[j["decision"]]' \
	"(['mcnemar-score', 'paired-bootstrap'], $rc)" "multiclass: the tests, and the exit code ($rc) follows the decision"
check "multiclass gate.json valid against the schema" $PY "$TOP/tests/check_schema.py" g-iris.json
