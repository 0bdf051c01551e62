# mlci-evaluate on real regression tasks: mse, rmse, mae, r2 recomputed by
# scikit-learn from mlci's predictions.csv (1e-12); rows whose label is
# missing are skipped and counted.
PY=/usr/bin/python3
CHECK=$TOP/tests/ref/sklearn_check_predictions.py
DI=$DATA/diabetes_progression.csv

agree() {	# agree METRICS PRED TITLE
	if out=$($PY "$CHECK" "$1" "$2" 2>&1); then ok "$3"; else not_ok "$3" "$out"; fi
}

for m in linear ridge; do
	expect_exit 0 "diabetes: train $m" "$BIN/mlci-train" --data "$DI" --label progression \
		--model "$m" --out "$m.json"
	expect_exit 0 "diabetes: evaluate $m" "$BIN/mlci-evaluate" --model "$m.json" --data "$DI" \
		--out "$m.metrics.json" --predictions "$m.pred.csv"
	json_is "$m.metrics.json" 'j["task"], sorted(j["metrics"]), "per_class" in j, j["n_rows"]' \
		"('regression', ['explained_variance', 'mae', 'mape', 'max_error', 'median_absolute_error', 'mse', 'r2', 'rmse'], False, 442)" "diabetes $m: regression metrics only"
	agree "$m.metrics.json" "$m.pred.csv" "diabetes $m: metrics agree with scikit-learn"
	if grep -Eq '^rmse +[0-9.]+$' "$T/out" && tail -n 1 "$T/out" | grep -q "rmse .*r2 "; then ok "diabetes $m: table and summary on stdout"
	else not_ok "diabetes $m: table and summary on stdout" "$(cat "$T/out")"; fi
done
if [ "$(head -n 1 linear.pred.csv)" = "key,label,prediction" ]; then ok "regression predictions.csv header"
else not_ok "regression predictions.csv header" "$(head -n 1 linear.pred.csv)"; fi

# missing labels (empty and NA) are skipped, counted, and left out of
# predictions.csv; the row index still names the data row
awk -F, 'BEGIN{OFS=","} NR==4{$NF=""} NR==11{$NF="NA"} {print}' "$DI" >holes.csv
expect_exit 0 "evaluate with two missing labels" "$BIN/mlci-evaluate" --model linear.json \
	--data holes.csv --out holes.json --predictions holes.pred.csv
json_is holes.json 'j["n_rows"], j["n_skipped"], j["warnings"]' "(440, 2, ['2 rows with a missing label were skipped'])" "missing labels skipped and counted"
if grep -q "warning: 2 rows with a missing label were skipped" "$T/err"; then ok "skipped rows warned on stderr"; else not_ok "skipped rows warned on stderr" "$(cat "$T/err")"; fi
if cut -d, -f1 holes.pred.csv | sed -n '2,12p' | tr '\n' ' ' | grep -q '^0 1 3 4 5 6 7 8 10 11 12 $'; then ok "skipped rows absent from predictions.csv"
else not_ok "skipped rows absent from predictions.csv" "$(cut -d, -f1 holes.pred.csv | sed -n '2,12p' | tr '\n' ' ')"; fi
agree holes.json holes.pred.csv "skipped-row metrics agree with scikit-learn"

# one labelled row: r2 is undefined (sklearn: NaN) -> left out, warned
{ head -n 2 "$DI"; } >one.csv
expect_exit 0 "evaluate on a single row" "$BIN/mlci-evaluate" --model linear.json --data one.csv \
	--out one.json --predictions one.pred.csv
json_is one.json 'j["metrics"]["r2"], j["warnings"]' "(None, ['r2 is undefined: it needs at least two rows; reported as null'])" "one row: r2 null with a warning"
agree one.json one.pred.csv "one-row metrics agree with scikit-learn"

# a headerless file with options: abalone (sex is categorical)
COLS=sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings
expect_exit 0 "abalone: train ridge" "$BIN/mlci-train" --data "$DATA/abalone.data" --columns "$COLS" \
	--label rings --model ridge --out abalone.json
expect_exit 0 "abalone: evaluate with --columns" "$BIN/mlci-evaluate" --model abalone.json \
	--data "$DATA/abalone.data" --columns "$COLS" --out abalone.metrics.json --predictions abalone.pred.csv
agree abalone.metrics.json abalone.pred.csv "abalone: metrics agree with scikit-learn"

check "regression metrics.json files validate against mlci/metrics.schema.json" \
	$PY "$TOP/tests/check_schema.py" linear.metrics.json ridge.metrics.json holes.json one.json abalone.metrics.json
