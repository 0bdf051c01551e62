# mlci-evaluate on a real binary task: train logistic on breast_cancer.csv,
# evaluate, and recompute every metric with scikit-learn from mlci's own
# predictions.csv (1e-12); the printed report must be sklearn's, byte for
# byte.
PY=/usr/bin/python3
CHECK=$TOP/tests/ref/sklearn_check_predictions.py
BC=$DATA/breast_cancer.csv
export SOURCE_DATE_EPOCH=1700000000

expect_exit 0 "train logistic on breast_cancer" \
	"$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic --out model.json
expect_exit 0 "evaluate on breast_cancer" \
	"$BIN/mlci-evaluate" --model model.json --data "$BC" --out metrics.json --predictions pred.csv
cp "$T/out" stdout.txt
if [ ! -s "$T/err" ]; then ok "no warnings on a clean run"; else not_ok "no warnings on a clean run" "$(cat "$T/err")"; fi

json_is metrics.json 'j["kind"], j["schema_version"], j["task"]' "('mlci.metrics', 1, 'classification')" "kind, version, task"
json_is metrics.json 'j["n_rows"], j["n_skipped"], j["label"]' "(569, 0, 'diagnosis')" "n_rows, n_skipped, label"
json_is metrics.json 'sorted(j["metrics"])' "['accuracy', 'average_precision', 'balanced_accuracy', 'brier_score', 'cohen_kappa', 'ece', 'f1_macro', 'f1_micro', 'f1_weighted', 'log_loss', 'mcc', 'precision_macro', 'precision_micro', 'precision_weighted', 'recall_macro', 'recall_micro', 'recall_weighted', 'roc_auc']" "every binary classification metric"
json_is metrics.json 'j["confusion_matrix"]["labels"], sum(map(sum, j["confusion_matrix"]["matrix"]))' "(['benign', 'malignant'], 569)" "confusion matrix over the model's classes"
json_is metrics.json 'sorted(j["per_class"]["malignant"])' "['f1', 'precision', 'recall', 'support']" "per-class entries"
json_is metrics.json 'j["warnings"]' "[]" "no warnings recorded"
msha=$(sha256sum model.json | cut -d' ' -f1)
dsha=$(sha256sum "$BC" | cut -d' ' -f1)
json_is metrics.json '[(i["role"], i["sha256"]) for i in j["inputs"]]' "[('model', '$msha'), ('data', '$dsha')]" "inputs: model and data with their sha256"
json_is metrics.json 'j["created"]' "2023-11-14T22:13:20Z" "created honours SOURCE_DATE_EPOCH"

if [ "$(head -n 1 pred.csv)" = "key,label,prediction,proba_benign,proba_malignant" ]; then ok "predictions.csv header"
else not_ok "predictions.csv header" "$(head -n 1 pred.csv)"; fi
if [ "$(wc -l <pred.csv)" -eq 570 ] && [ "$(sed -n 2p pred.csv | cut -d, -f1)" = 0 ]; then ok "one prediction per row, 0-based row index"
else not_ok "one prediction per row, 0-based row index"; fi

if out=$($PY "$CHECK" metrics.json pred.csv stdout.txt 2>&1); then ok "metrics and report agree with scikit-learn on mlci's predictions"
else not_ok "metrics and report agree with scikit-learn on mlci's predictions" "$out"; fi

# the summary line carries the same accuracy as metrics.json
acc=$($PY -c 'import json; print(json.load(open("metrics.json"))["metrics"]["accuracy"])')
if grep -q "accuracy $($PY -c "print('%.4f' % $acc)")" stdout.txt && tail -n 1 stdout.txt | grep -q "wrote metrics.json and pred.csv"; then ok "summary line names the outputs"
else not_ok "summary line names the outputs" "$(tail -n 1 stdout.txt)"; fi

# --json prints the artifact itself; environment variables stand in for flags
MLCI_MODEL=model.json MLCI_DATA=$BC expect_exit 0 "MLCI_MODEL/MLCI_DATA and --json" \
	"$BIN/mlci-evaluate" --out m2.json --json
if $PY -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open("m2.json")); sys.exit(a != b)' "$T/out"; then ok "--json prints metrics.json"
else not_ok "--json prints metrics.json"; fi
cp metrics.json first.json; cp pred.csv first.csv
expect_exit 0 "evaluate again" \
	"$BIN/mlci-evaluate" --model model.json --data "$BC" --out metrics.json --predictions pred.csv
if cmp -s first.json metrics.json && cmp -s first.csv pred.csv; then ok "a rerun writes byte-identical metrics.json and predictions"
else not_ok "a rerun writes byte-identical metrics.json and predictions" "$(diff first.json metrics.json | head -5)"
fi
psha=$(sha256sum pred.csv | cut -d' ' -f1)
json_is metrics.json 'j["predictions"]' "{'key': 'row', 'path': 'pred.csv', 'rows': 569, 'sha256': '$psha'}" "metrics.json records the predictions file and its sha256"
json_is m2.json '"predictions" in j' "False" "no predictions entry without --predictions"

# a subset where only one class occurs: roc_auc is undefined -> null
# with a warning, never NaN; the other metrics still match sklearn
{ head -n 1 "$BC"; grep ',benign$' "$BC" | head -n 40; } >benign.csv
expect_exit 0 "evaluate on benign rows only" \
	"$BIN/mlci-evaluate" --model model.json --data benign.csv --out m3.json --predictions p3.csv
cp "$T/out" stdout3.txt
json_is m3.json 'j["metrics"]["roc_auc"], any(w.startswith("roc_auc is undefined: only one class") for w in j["warnings"])' "(None, True)" "one class present: roc_auc null, warned"
if grep -q "warning: roc_auc is undefined" "$T/err"; then ok "the warning is printed on stderr"; else not_ok "the warning is printed on stderr" "$(cat "$T/err")"; fi
no_nan "no NaN anywhere" m3.json
if out=$($PY "$CHECK" m3.json p3.csv stdout3.txt 2>&1); then ok "single-class metrics agree with scikit-learn"
else not_ok "single-class metrics agree with scikit-learn" "$out"; fi

# every metrics.json written here validates against shared/schemas
check "metrics.json files validate against mlci/metrics.schema.json" \
	$PY "$TOP/tests/check_schema.py" metrics.json m2.json m3.json

# --bootstrap on a model's evaluation: an interval beside every metric,
# the same for the same seed
expect_exit 0 "--bootstrap 100 --seed 3" "$BIN/mlci-evaluate" --model model.json --data "$BC" \
	--out boot.json --bootstrap 100 --seed 3
expect_exit 0 "again with the same seed" "$BIN/mlci-evaluate" --model model.json --data "$BC" \
	--out boot2.json --bootstrap 100 --seed 3
check "the same seed gives byte-identical intervals" cmp -s boot.json boot2.json
json_is boot.json 'sorted(j["intervals"]) == sorted(j["metrics"]), all(i["resamples"] == 100 for i in j["intervals"].values())' "(True, True)" "every metric has an interval from 100 resamples"
json_is boot.json 'all(i["low"] <= i["high"] for i in j["intervals"].values()), j["intervals"]["accuracy"]["low"] <= j["metrics"]["accuracy"] <= j["intervals"]["accuracy"]["high"]' "(True, True)" "intervals are ordered and hold the accuracy"
check "bootstrap metrics.json validates" $PY "$TOP/tests/check_schema.py" boot.json
