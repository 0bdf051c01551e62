# mlci-evaluate --scored: predictions made elsewhere, scored with the same
# metrics; every figure against scikit-learn on fixed prediction files
# (tests/ref/scored_predictions.py wrote them and tests/ref/scored.json),
# the bootstrap intervals against numpy replaying the same resamples, and
# the errors.
PY=/usr/bin/python3
R=$TOP/tests/ref
REF=$R/scored.json
CMP=$R/compare_metrics.py
CHECK=$R/sklearn_check_predictions.py
export SOURCE_DATE_EPOCH=1700000000

args() { $PY -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["cases"][sys.argv[2]]["args"]))' "$REF" "$1"; }

for c in scored_binary scored_binary1 scored_multi scored_onecls scored_labels scored_reg; do
	# shellcheck disable=SC2046
	expect_exit 0 "$c: evaluate --scored" "$BIN/mlci-evaluate" --scored "$R/$c.csv" $(args $c) \
		--out "$c.json" --predictions "$c.pred.csv"
	cp "$T/out" "$c.stdout"; cp "$T/err" "$c.stderr"
	if out=$($PY "$CMP" "$c.json" "$REF" "$c" 2>&1); then ok "$c: every metric agrees with scikit-learn"
	else not_ok "$c: every metric agrees with scikit-learn" "$out"; fi
	if out=$($PY "$CHECK" "$c.json" "$c.pred.csv" "$c.stdout" 2>&1); then ok "$c: its predictions.csv gives the same figures in scikit-learn"
	else not_ok "$c: its predictions.csv gives the same figures in scikit-learn" "$out"; fi
done
json_is scored_binary.json '[(i["role"], i["path"].split("/")[-1]) for i in j["inputs"]], j["label"], j["n_rows"]' "([('scored', 'scored_binary.csv')], 'truth', 160)" "inputs: the scored file alone"
check "keys from --key-column" test "$(sed -n 2p scored_binary.pred.csv | cut -d, -f1)" = r000
json_is scored_binary.json 'j["predictions"]["key"]' "id" "metrics.json names the key column"
check "without --key-column the key is the row number" test "$(sed -n 3p scored_binary1.pred.csv | cut -d, -f1)" = 1
if cmp -s <(cut -d, -f2- scored_binary.pred.csv | tail -n +2) <(cut -d, -f2- scored_binary1.pred.csv | tail -n +2); then
	ok "one score column for two classes reads as [1 - s, s]"
else not_ok "one score column for two classes reads as [1 - s, s]"; fi
json_is scored_onecls.json 'j["metrics"]["roc_auc"], [w for w in j["warnings"] if w.startswith("roc_auc")]' \
	"(None, ['roc_auc is undefined: only one class is present in the labels; reported as null'])" "one class: roc_auc null with a warning"
check "one class: the warning on stderr" grep -q "warning: roc_auc is undefined" scored_onecls.stderr
json_is scored_labels.json 'sorted(j["metrics"]), j["confusion_matrix"]["labels"]' \
	"(['accuracy', 'balanced_accuracy', 'cohen_kappa', 'f1_macro', 'f1_micro', 'f1_weighted', 'mcc', 'precision_macro', 'precision_micro', 'precision_weighted', 'recall_macro', 'recall_micro', 'recall_weighted'], ['2', '10', '33'])" \
	"no scores: no score metrics; numeric classes sort as numbers"
no_nan "no NaN in any metrics.json" ./*.json

# --bootstrap: intervals beside every metric, as numpy computes them from
# the same resamples; deterministic for a seed
for c in scored_binary scored_multi scored_reg; do
	# shellcheck disable=SC2046
	expect_exit 0 "$c: --bootstrap 200 --seed 7" "$BIN/mlci-evaluate" --scored "$R/$c.csv" $(args $c) \
		--out "$c.boot.json" --bootstrap 200 --seed 7
	if out=$($PY "$CMP" "$c.boot.json" "$REF" "$c" --intervals 2>&1); then ok "$c: intervals agree with numpy"
	else not_ok "$c: intervals agree with numpy" "$out"; fi
done
json_is scored_binary.boot.json 'j["bootstrap"], sorted(j["intervals"]) == sorted(j["metrics"])' \
	"({'level': 0.95, 'method': 'percentile', 'resamples': 200, 'seed': 7}, True)" "bootstrap settings recorded; an interval for every metric"
json_is scored_binary.boot.json 'all(i["low"] <= j["metrics"][k] <= i["high"] for k, i in j["intervals"].items() if k != "log_loss")' "True" "each interval holds its value"
# shellcheck disable=SC2046
MLCI_BOOTSTRAP=200 MLCI_SEED=7 expect_exit 0 "the same seed again (from MLCI_BOOTSTRAP, MLCI_SEED)" \
	"$BIN/mlci-evaluate" --scored "$R/scored_binary.csv" $(args scored_binary) --out again.json
check "the same seed gives byte-identical intervals" cmp -s again.json scored_binary.boot.json
# shellcheck disable=SC2046
expect_exit 0 "another seed" "$BIN/mlci-evaluate" --scored "$R/scored_binary.csv" $(args scored_binary) \
	--out other.json --bootstrap 200 --seed 8
json_is other.json 'j["intervals"]["accuracy"] != json.load(open("again.json"))["intervals"]["accuracy"]' "True" "another seed, other resamples"
# shellcheck disable=SC2046
expect_exit 0 "--confidence 0.8" "$BIN/mlci-evaluate" --scored "$R/scored_binary.csv" $(args scored_binary) \
	--out narrow.json --bootstrap 200 --seed 7 --confidence 0.8
json_is narrow.json 'j["intervals"]["accuracy"]["high"] - j["intervals"]["accuracy"]["low"] < json.load(open("again.json"))["intervals"]["accuracy"]["high"] - json.load(open("again.json"))["intervals"]["accuracy"]["low"]' "True" "a lower level, a narrower interval"
check "metrics.json files validate against mlci/metrics.schema.json" \
	$PY "$TOP/tests/check_schema.py" ./*.json

# errors: one line each, nothing left behind
S=$R/scored_binary.csv
expect_exit 64 "--scored with --model" "$BIN/mlci-evaluate" --scored "$S" --model m.json \
	--label-column truth --prediction-column guess --out e.json
err_is "^mlci-evaluate: --scored evaluates a file of predictions: give it without --model and --data$" "names the conflict"
expect_exit 64 "--scored without --prediction-column" "$BIN/mlci-evaluate" --scored "$S" \
	--label-column truth --out e.json
err_is "needs --label-column and --prediction-column" "says what is missing"
expect_exit 65 "a prediction column that is not there" "$BIN/mlci-evaluate" --scored "$S" \
	--label-column truth --prediction-column nope --out e.json
err_is "scored_binary.csv: no column 'nope' \(--prediction-column\)$" "names the file and column"
expect_exit 64 "three score columns for two classes" "$BIN/mlci-evaluate" --scored "$S" \
	--label-column truth --prediction-column guess --score-columns p_no,p_yes,p_no --out e.json
err_is "gives 3 columns for 2 classes" "explains the count"
printf 'y,yhat,s\na,a,0.2\nb,,0.7\n' >hole.csv
expect_exit 65 "a missing prediction" "$BIN/mlci-evaluate" --scored hole.csv \
	--label-column y --prediction-column yhat --score-columns s --out e.json --predictions e.csv
err_is "^mlci-evaluate: hole.csv:3:3: missing prediction in column 'yhat'$" "file:line:col"
absent e.json "no metrics.json after an error"
absent e.csv "no predictions.csv after an error"
printf 'y,yhat,s\na,a,0.2\nb,b,high\n' >badscore.csv
expect_exit 65 "a score that is not a number" "$BIN/mlci-evaluate" --scored badscore.csv \
	--label-column y --prediction-column yhat --score-columns s --out e.json
err_is "badscore.csv:3:5: expected a number in column 's', found 'high'" "file:line:col of the score"
printf 'id,y,yhat\n1,a,a\n2,b,a\n1,b,b\n' >dupkey.csv
expect_exit 65 "a repeated key" "$BIN/mlci-evaluate" --scored dupkey.csv \
	--label-column y --prediction-column yhat --key-column id --out e.json
err_is "key '1' appears more than once in column 'id'" "names the key"
expect_exit 64 "--bootstrap negative" "$BIN/mlci-evaluate" --scored "$S" --label-column truth \
	--prediction-column guess --out e.json --bootstrap -1
expect_exit 64 "--confidence 1" "$BIN/mlci-evaluate" --scored "$S" --label-column truth \
	--prediction-column guess --out e.json --bootstrap 10 --confidence 1
expect_exit 64 "--task neither" "$BIN/mlci-evaluate" --scored "$S" --label-column truth \
	--prediction-column guess --out e.json --task ranking
expect_exit 64 "--score-columns with --task regression" "$BIN/mlci-evaluate" --scored "$R/scored_reg.csv" \
	--task regression --label-column y --prediction-column yhat --score-columns y --out e.json
absent e.json "still no metrics.json"

# scores that are not probabilities: the metrics that need probabilities
# are null with a warning, the others computed; huge values never become
# inf or NaN in a report
printf 'y,yhat,s\na,a,-0.5\nb,b,3\na,b,0.9\nb,a,0.2\n' >wide.csv
expect_exit 0 "scores outside [0, 1]" "$BIN/mlci-evaluate" --scored wide.csv --label-column y \
	--prediction-column yhat --score-columns s --out wide.json --bootstrap 20
json_is wide.json 'j["metrics"]["brier_score"], j["metrics"]["ece"], j["metrics"]["roc_auc"]' "(None, None, 0.75)" "brier_score and ece null, roc_auc ranks any score"
check "the reason is in the warnings" grep -q 'brier_score is undefined: a score is outside \[0, 1\]' "$T/err"
printf 'y,yhat\n1e300,-1e300\n2,3\n' >huge.csv
expect_exit 0 "regression values whose squares overflow" "$BIN/mlci-evaluate" --scored huge.csv --task regression \
	--label-column y --prediction-column yhat --out huge.json --bootstrap 20
json_is huge.json 'j["metrics"]["mse"], j["metrics"]["rmse"], j["metrics"]["max_error"]' "(None, None, 2e+300)" "overflowing metrics are null, the others kept"
check "no NaN or Infinity in the file" sh -c '! grep -Eqi "nan|inf" huge.json wide.json'
check "both validate against the schema" $PY "$TOP/tests/check_schema.py" wide.json huge.json
