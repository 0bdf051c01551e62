# Label values at evaluation time: missing ones are skipped and counted;
# values the model never saw are scored as classes of their own (sklearn
# would include them in its label set) with warnings; when none is a class
# of the model (adult.test's "<=50K." without --label-suffix) it is an
# error, not an accuracy of 0.
PY=/usr/bin/python3
CHECK=$TOP/tests/ref/sklearn_check_predictions.py
BC=$DATA/breast_cancer.csv

agree() {	# agree METRICS PRED STDOUT TITLE
	if out=$($PY "$CHECK" "$1" "$2" "$3" 2>&1); then ok "$4"; else not_ok "$4" "$out"; fi
}

expect_exit 0 "train logistic on breast_cancer" \
	"$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic --out model.json

# rows 2 and 7 lose their label, rows 3-6 get values the model never saw,
# one of them needing RFC 4180 quotes in predictions.csv
$PY - "$BC" <<'PYEOF' >odd.csv
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
w = csv.writer(sys.stdout, lineterminator="\n")
new = {2: "", 7: "NA", 3: "unknown", 4: "unknown", 5: 'x,y "q"', 6: "unknown"}
for i, r in enumerate(rows):
    if i in new:
        r[-1] = new[i]
    w.writerow(r)
PYEOF
expect_exit 0 "evaluate with missing and unseen labels" \
	"$BIN/mlci-evaluate" --model model.json --data odd.csv --out odd.json --predictions odd.pred.csv
cp "$T/out" odd.stdout; cp "$T/err" odd.stderr
json_is odd.json 'j["n_rows"], j["n_skipped"]' "(567, 2)" "two missing labels skipped"
json_is odd.json 'j["confusion_matrix"]["labels"]' "['benign', 'malignant', 'unknown', 'x,y \"q\"']" "unseen values are classes after the model's, in byte order"
json_is odd.json 'j["per_class"]["unknown"]["support"], j["per_class"]["unknown"]["recall"], j["per_class"]["unknown"]["precision"]' "(3, 0.0, 0.0)" "an unseen class is never predicted: recall and precision 0"
json_is odd.json '[(w.split(chr(39))[1], w.split("(")[1].split(")")[0]) for w in j["warnings"] if "is not a class of the model" in w]' "[('unknown', '3 rows'), ('x,y \"q\"', '1 row')]" "each unseen value warned, with its row count"
json_is odd.json 'j["metrics"]["roc_auc"], j["metrics"]["average_precision"], j["metrics"]["brier_score"], any(w.startswith("roc_auc is undefined: the labels hold values without a score column") for w in j["warnings"])' "(None, None, None, True)" "roc_auc, average_precision, brier_score null (no longer binary), warned"
if grep -c "warning:" odd.stderr | grep -qx 8; then ok "warnings printed on stderr"; else not_ok "warnings printed on stderr" "$(cat odd.stderr)"; fi
if grep -q '^4,"x,y ""q""",' odd.pred.csv; then ok "predictions.csv quotes a label with a comma and quotes"
else not_ok "predictions.csv quotes a label with a comma and quotes" "$(sed -n 5p odd.pred.csv)"; fi
agree odd.json odd.pred.csv odd.stdout "metrics with unseen labels agree with scikit-learn (log_loss: p = 0 for them)"

# every label unknown -> 65 naming the file, no output
sed '2,$s/,\(benign\|malignant\)$/,\1./' "$BC" >dotted.csv
expect_exit 65 "no label value is a class of the model" \
	"$BIN/mlci-evaluate" --model model.json --data dotted.csv --out d.json --predictions d.csv
err_is "^mlci-evaluate: dotted\.csv: none of the 569 label values in column 'diagnosis' is a class of the model \(first: '(benign|malignant)\.'\); wrong file, or missing --label-suffix\?$" "the error says why and hints at --label-suffix"
absent d.json "no metrics.json left"
absent d.csv "no predictions.csv left"
expect_exit 0 "--label-suffix strips the dot" \
	"$BIN/mlci-evaluate" --model model.json --data dotted.csv --label-suffix . --out d.json
json_is d.json 'j["n_rows"], j["warnings"]' "(569, [])" "with --label-suffix every label is known"

# the real case: train on adult.data, evaluate on adult.test
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
expect_exit 0 "adult: train logistic" "$BIN/mlci-train" --data "$DATA/adult.data.csv" \
	--columns "$COLS" --trim --label income --model logistic --out adult.json
expect_exit 65 "adult.test without --label-suffix" "$BIN/mlci-evaluate" --model adult.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 --columns "$COLS" --trim --out adult.metrics.json
err_is "missing --label-suffix" "adult.test: the error hints at --label-suffix"
absent adult.metrics.json "adult.test: nothing written on error"
MLCI_LABEL_SUFFIX=. expect_exit 0 "adult.test with MLCI_LABEL_SUFFIX=." "$BIN/mlci-evaluate" \
	--model adult.json --data "$DATA/adult.test.csv" --skip-rows 1 --columns "$COLS" --trim \
	--out adult.metrics.json --predictions adult.pred.csv
cp "$T/out" adult.stdout
json_is adult.metrics.json 'j["n_rows"], j["confusion_matrix"]["labels"], j["metrics"]["accuracy"] > 0.84' "(16281, ['<=50K', '>50K'], True)" "adult.test: 16281 rows scored, accuracy above 0.84"
agree adult.metrics.json adult.pred.csv adult.stdout "adult.test: metrics and report agree with scikit-learn"

check "metrics.json with unseen labels validates against mlci/metrics.schema.json" \
	$PY "$TOP/tests/check_schema.py" odd.json d.json adult.metrics.json

# feature categories the model never saw (a leading blank) are named in a
# warning, counted, with the first value and its line
"$BIN/mlci-train" --data "$DATA/penguins.csv" --label Species --model tree --out pt.json >/dev/null 2>&1
sed 's/,MALE$/, MALE/' "$DATA/penguins.csv" >pshift.csv
want_n=$(grep -c ', MALE$' pshift.csv)
expect_exit 0 "evaluate data whose Sex values gained a leading blank" "$BIN/mlci-evaluate" \
	--model pt.json --data pshift.csv --out pe.json
err_is "^mlci-evaluate: warning: column 'Sex': $want_n rows hold a category the model was not trained on \(the first ' MALE', line [0-9]+\), encoded as none of its categories$" "... warns once, with the count"
json_is pe.json 'sum("category the model was not trained on" in w for w in j["warnings"])' "1" "... and keeps the warning in metrics.json"
