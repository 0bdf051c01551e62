# mlci-evaluate on real multiclass tasks, each checked against
# scikit-learn recomputed from mlci's predictions.csv (1e-12, report byte
# for byte): iris (names with spaces and parentheses), wine (integer
# class labels), penguins (missing values), seattle_weather (5 imbalanced
# classes: a class the model never predicts -> zero division warnings).
PY=/usr/bin/python3
CHECK=$TOP/tests/ref/sklearn_check_predictions.py

run() {	# run DATASET LABEL [train options...] (lib.sh owns $name)
	ds=$1; label=$2; shift 2
	expect_exit 0 "$ds: train" "$BIN/mlci-train" --data "$DATA/$ds.csv" \
		--label "$label" --model logistic --out "$ds.model.json" "$@"
	expect_exit 0 "$ds: evaluate" "$BIN/mlci-evaluate" --model "$ds.model.json" \
		--data "$DATA/$ds.csv" --out "$ds.metrics.json" --predictions "$ds.pred.csv"
	cp "$T/out" "$ds.stdout"; cp "$T/err" "$ds.stderr"
	if out=$($PY "$CHECK" "$ds.metrics.json" "$ds.pred.csv" "$ds.stdout" 2>&1); then
		ok "$ds: metrics and report agree with scikit-learn"
	else not_ok "$ds: metrics and report agree with scikit-learn" "$out"; fi
	json_is "$ds.metrics.json" '"roc_auc" in j["metrics"], j["task"]' "(False, 'classification')" "$ds: no roc_auc for a multiclass model"
}

run iris species
json_is iris.metrics.json 'j["confusion_matrix"]["labels"]' "['setosa', 'versicolor', 'virginica']" "iris: labels in class order"
run wine cultivar
json_is wine.metrics.json 'list(j["per_class"]), len(j["confusion_matrix"]["matrix"])' "(['0', '1', '2'], 3)" "wine: integer labels as classes"
run penguins Species
run seattle_weather weather --exclude date
# what the model never predicts is reported as sklearn does: 0 and a warning
never=$($PY -c '
import json; j = json.load(open("seattle_weather.metrics.json"))
print(" ".join(c for c, v in j["per_class"].items() if sum(r[j["confusion_matrix"]["labels"].index(c)] for r in j["confusion_matrix"]["matrix"]) == 0))')
if [ -n "$never" ]; then
	ok "seattle_weather: some class is never predicted ($never)"
	for c in $never; do
		json_is seattle_weather.metrics.json "j['per_class']['$c']['precision'], any(\"precision of class '$c' is ill-defined\" in w for w in j['warnings'])" "(0.0, True)" "seattle_weather: precision of '$c' is 0 with a warning"
		if grep -q "warning: precision of class '$c'" seattle_weather.stderr; then ok "seattle_weather: '$c' warning on stderr"
		else not_ok "seattle_weather: '$c' warning on stderr" "$(cat seattle_weather.stderr)"; fi
	done
else
	not_ok "seattle_weather: some class is never predicted" "the fixture no longer exercises zero division"
fi
no_nan "seattle_weather: no NaN" seattle_weather.metrics.json
