# mlci-evaluate --slice-by: every metric per slice of the UCI Adult test
# split, checked against scikit-learn and pandas (tests/ref/sklearn_slices.py
# recomputes each slice from the predictions file and the data), on the
# model path and the --scored path; then mlci-gate's slice rules.
PY=/usr/bin/python3
REFS=$TOP/tests/ref/sklearn_slices.py
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
RD="--columns $COLS --trim"
export SOURCE_DATE_EPOCH=1700000000
have_sk=0
$PY -c 'import sklearn, pandas' 2>/dev/null && have_sk=1

"$BIN/mlci-train" --data "$DATA/adult.data.csv" $RD --label income --model logistic \
	--out model.json >/dev/null 2>&1
expect_exit 0 "evaluate --slice-by sex, sex+race, workclass" "$BIN/mlci-evaluate" --model model.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . --out m.json \
	--predictions p.csv --slice-by sex --slice-by sex,race --slice-by workclass
json_is m.json 'j["slicing"], len(j["slices"])' \
	"({'by': [['sex'], ['sex', 'race'], ['workclass']], 'min_size': 30}, 21)" "slicing recorded; 2 + 10 + 9 slices"
json_is m.json '[s["by"]["workclass"] for s in j["slices"] if list(s["by"]) == ["workclass"]][-1], sum(s["n"] for s in j["slices"] if list(s["by"]) == ["sex"]) == j["n_rows"]' \
	"(None, True)" "missing workclass values are a slice of their own (null, listed last); a slicing covers every row"
json_is m.json '[(s["by"]["workclass"], s["n"], "metrics" in s) for s in j["slices"] if s["small"]]' \
	"[('Never-worked', 3, False), ('Without-pay', 7, False)]" "slices under 30 rows: small, with their size and no metrics"
if [ $have_sk = 1 ]; then
	if out=$($PY "$REFS" m.json p.csv "$DATA/adult.test.csv" --skip-rows 1 --columns $COLS 2>&1); then
		ok "every metric of every slice agrees with scikit-learn (1e-9)"
	else not_ok "every metric of every slice agrees with scikit-learn (1e-9)" "$out"; fi
	check "metrics.json with slices validates" $PY "$TOP/tests/check_schema.py" m.json
fi

expect_exit 0 "--min-slice-size 800" "$BIN/mlci-evaluate" --model model.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . --out m800.json \
	--predictions p800.csv --slice-by race,sex --min-slice-size 800
json_is m800.json 'j["slicing"]["min_size"], sum(s["small"] for s in j["slices"])' "(800, 7)" "7 of the 10 race+sex slices are under 800 rows"
if [ $have_sk = 1 ]; then
	if out=$($PY "$REFS" m800.json p800.csv "$DATA/adult.test.csv" --skip-rows 1 --columns $COLS 2>&1); then
		ok "with --min-slice-size 800: sizes, small flags and metrics agree with pandas and scikit-learn"
	else not_ok "with --min-slice-size 800: sizes, small flags and metrics agree with pandas and scikit-learn" "$out"; fi
fi

# --scored: the slice columns come from the scored file. It is made here
# from mlci's own predictions and the test split, with a column holding
# blanks (country) and one constant column (all).
if [ $have_sk = 1 ]; then
	$PY - "$DATA/adult.test.csv" p.csv scored.csv "$COLS" <<'PY'
import csv, sys
import pandas as pd
d = pd.read_csv(sys.argv[1], skiprows=1, header=None, names=sys.argv[4].split(","), dtype=str,
                skipinitialspace=True, na_values=["?"], keep_default_na=False)
p = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False)
out = pd.DataFrame({"sex": d["sex"], "race": d["race"],
                    "country": d["native_country"].str.replace("-", " "), "all": "x",
                    "y": p["label"], "yhat": p["prediction"], "score": p["proba_>50K"]})
out.to_csv(sys.argv[3], index=False, na_rep="", quoting=csv.QUOTE_MINIMAL)
PY
	expect_exit 0 "evaluate --scored --slice-by" "$BIN/mlci-evaluate" --scored scored.csv \
		--label-column y --prediction-column yhat --score-columns score --out s.json \
		--predictions sp.csv --slice-by sex,race --slice-by country --slice-by all
	if out=$($PY "$REFS" s.json sp.csv scored.csv 2>&1); then
		ok "--scored: every slice agrees with scikit-learn"
	else not_ok "--scored: every slice agrees with scikit-learn" "$out"; fi
	json_is s.json '[s for s in j["slices"] if "all" in s["by"]][0]["metrics"] == j["metrics"]' True \
		"a slice holding every row has exactly the whole set's metrics"
	json_is s.json '[s["n"] for s in j["slices"] if s["by"].get("country") == "United States"]' "[14662]" \
		"values with blanks slice as they are"
fi

# The committed reference (tests/ref/slices_adult.py): per-slice metrics
# that scikit-learn computes for a fixed scoring rule on the test split.
if [ $have_sk = 1 ]; then
	mkdir -p ref
	check "slices_adult.py runs" $PY "$TOP/tests/ref/slices_adult.py" ref
	check "the committed slices_adult.json is the script's output" cmp -s ref/slices_adult.json "$TOP/tests/ref/slices_adult.json"
	expect_exit 0 "evaluate --scored the fixed predictions, four slicings" "$BIN/mlci-evaluate" \
		--scored ref/slices_adult_scored.csv --label-column income --prediction-column pred --score-columns score \
		--slice-by sex --slice-by sex,race --slice-by workclass --slice-by native_country --out ref.json
	if out=$($PY "$TOP/tests/ref/slices_adult.py" --check ref.json "$TOP/tests/ref/slices_adult.json" 2>&1); then
		ok "all 62 slices agree with the committed scikit-learn reference (1e-9)"
	else not_ok "all 62 slices agree with the committed scikit-learn reference (1e-9)" "$out"; fi
fi

# --bootstrap: intervals per slice; the slice of every row gets the
# whole set's intervals, and the same seed gives the same bytes
if [ $have_sk = 1 ]; then
	expect_exit 0 "--scored --slice-by with --bootstrap" "$BIN/mlci-evaluate" --scored scored.csv \
		--label-column y --prediction-column yhat --score-columns score --out b1.json \
		--slice-by sex --slice-by all --bootstrap 40 --seed 5
	"$BIN/mlci-evaluate" --scored scored.csv --label-column y --prediction-column yhat \
		--score-columns score --out b2.json --slice-by sex --slice-by all --bootstrap 40 --seed 5 >/dev/null 2>&1
	check "the same seed gives byte-identical slice intervals" cmp -s b1.json b2.json
	json_is b1.json '[s for s in j["slices"] if "all" in s["by"]][0]["intervals"] == j["intervals"], all(sorted(s["intervals"]) == sorted(k for k, v in s["metrics"].items() if v is not None) for s in j["slices"])' \
		"(True, True)" "every defined slice metric has an interval; the all-rows slice has the whole set's"
	check "bootstrap slices validate" $PY "$TOP/tests/check_schema.py" b1.json s.json
fi

# errors: one line, the documented code, nothing written
expect_exit 65 "--slice-by an unknown column: 65" "$BIN/mlci-evaluate" --model model.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . --out bad.json --slice-by gender
err_is "adult.test.csv: no column 'gender' \(--slice-by\)" "the error names the file and the column"
absent bad.json "no metrics.json after the error"
expect_exit 64 "--slice-by a column twice: 64" "$BIN/mlci-evaluate" --model model.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . --out bad.json --slice-by sex,sex
err_is "names column 'sex' twice" "the error says which"
expect_exit 64 "--min-slice-size 0: 64" "$BIN/mlci-evaluate" --model model.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . --out bad.json --slice-by sex --min-slice-size 0
expect_exit 65 "--slice-by an ID column: too many slices" "$BIN/mlci-evaluate" --model model.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . --out bad.json --slice-by fnlwgt
err_is "more than 1000 slices" "the error says so"
absent bad.json "no metrics.json after the errors"

# ---- mlci-gate over slices ----
fem=$($PY -c 'import json; print([s for s in json.load(open("m.json"))["slices"] if s["by"] == {"sex": "Female"}][0]["metrics"]["recall_macro"])')
lo=$($PY -c "print($fem - 0.01)"); hi=$($PY -c "print($fem + 0.01)")
expect_exit 0 "slice rule passes" "$BIN/mlci-gate" --metrics m.json --out g1.json \
	--rule "slice[sex=Female].recall_macro >= $lo" --rule 'slice[race=White,sex=Male].accuracy >= 0.5' \
	--rule 'slice[sex=Male,race=White].accuracy >= 0.5' --junit g1.xml --markdown g1.md --dotenv g1.env
json_is g1.json '[(r["metric"], r["slice"], r["status"]) for r in j["rules"]][1:], j["rules"][0]["value"]' \
	"([('slice[race=White,sex=Male].accuracy', {'race': 'White', 'sex': 'Male'}, 'pass'), ('slice[sex=Male,race=White].accuracy', {'race': 'White', 'sex': 'Male'}, 'pass')], $fem)" \
	"the rule's value is the slice's metric; keys in any order name the same slice"
expect_exit 1 "slice rule fails" "$BIN/mlci-gate" --metrics m.json --out g2.json \
	--rule "slice[sex=Female].recall_macro >= $hi"
expect_exit 3 "a rule over a small slice is inconclusive" "$BIN/mlci-gate" --metrics m.json --out g3.json \
	--rule 'slice[workclass=Never-worked].accuracy >= 0.5' --junit g3.xml --markdown g3.md --dotenv g3.env
json_is g3.json 'j["rules"][0]["status"], j["rules"][0]["note"], "value" in j["rules"][0]' \
	"('inconclusive', 'the slice has 3 rows, fewer than the minimum slice size 30: no metrics', False)" "with the reason and no value"
check "JUnit: the small slice is skipped, with the reason" grep -q '<skipped message="inconclusive: slice\[workclass=Never-worked\].accuracy; the slice has 3 rows' g3.xml
expect_exit 0 "missing values named null" "$BIN/mlci-gate" --metrics m.json --out g4.json \
	--rule 'slice[workclass=null].accuracy >= 0.5'
json_is g4.json 'j["rules"][0]["slice"]' "{'workclass': None}" "slice[workclass=null] is the missing-value slice"
expect_exit 3 "slices(workclass): one rule per slice" "$BIN/mlci-gate" --metrics m.json --out g5.json \
	--rule 'slices(workclass).accuracy >= 0.5' --junit g5.xml
json_is g5.json '[(r["rule"], r["status"]) for r in j["rules"]][3:5], j["counts"]' \
	"([('slice[workclass=Private].accuracy >= 0.5', 'pass'), ('slice[workclass=Self-emp-inc].accuracy >= 0.5', 'pass')], {'failed': 0, 'inconclusive': 2, 'passed': 7, 'rules': 9})" \
	"expanded over the 9 slices, named as slice rules; the 2 small ones inconclusive"
expect_exit 0 "a slice rule over the baseline" "$BIN/mlci-gate" --metrics m.json --baseline m800.json --out g6.json \
	--rule 'slice[sex=Male,race=White].f1_macro >= baseline - 0.001'
json_is g6.json 'j["rules"][0]["value"] == j["rules"][0]["baseline"]' True "the baseline's value is the same slice's"
expect_exit 3 "a slice small in the baseline only: inconclusive" "$BIN/mlci-gate" --metrics m.json --baseline m800.json \
	--out g8.json --rule 'slice[sex=Female,race=Black].accuracy >= baseline - 0.1'
json_is g8.json '(lambda r: (r["note"], "threshold" in r, r["value"] > 0))(j["rules"][0])' \
	"('in the baseline, the slice has 753 rows, fewer than the minimum slice size 800: no metrics', False, True)" \
	"the note says the baseline's slice is too small; no threshold"
if [ $have_sk = 1 ]; then
	# slicing by the label: each slice holds one class, so its roc_auc is null
	expect_exit 0 "slices by the label" "$BIN/mlci-evaluate" --scored scored.csv --label-column y \
		--prediction-column yhat --score-columns score --out byy.json --slice-by y
	json_is byy.json '[s["metrics"]["roc_auc"] for s in j["slices"]]' "[None, None]" "a metric undefined on a slice is null"
	expect_exit 3 "a rule over a metric null on its slice: inconclusive" "$BIN/mlci-gate" --metrics byy.json --out g9.json \
		--rule 'slice[y=">50K"].roc_auc >= 0.5' --rule 'slice[y=">50K"].recall_macro >= 0.1'
	json_is g9.json '[(r["status"], r.get("note")) for r in j["rules"]]' \
		"[('inconclusive', 'roc_auc is undefined on this slice of 3846 rows (null)'), ('pass', None)]" "with the reason"
fi
if [ $have_sk = 1 ]; then
	expect_exit 0 "a quoted value with a blank" "$BIN/mlci-gate" --metrics s.json --out g7.json \
		--rule 'slice[country="United States"].accuracy >= 0.5' --rule 'slice[ "country" = "Puerto Rico" ].accuracy >= 0.5'
	json_is g7.json '[r["slice"]["country"] for r in j["rules"]]' "['United States', 'Puerto Rico']" "quoted values name their slices"
	check "gate.json with slice rules validates" $PY "$TOP/tests/check_schema.py" g1.json g3.json g4.json g5.json g6.json g7.json g8.json g9.json
fi

expect_exit 65 "unknown slice: 65" "$BIN/mlci-gate" --metrics m.json --out badg.json --rule 'slice[sex=Femal].accuracy >= 0.5'
err_is "m.json: unknown slice in --rule 'slice\[sex=Femal\].accuracy >= 0.5': no rows have these values \(slices: sex=Female; sex=Male\)" "the error names the rule and the known slices"
printf '# slices\nslice[gender=Female].accuracy >= 0.5\n' >r.txt
expect_exit 65 "unknown slice column: 65" "$BIN/mlci-gate" --metrics m.json --out badg.json --rules r.txt
err_is "rule 'slice\[gender=Female\].accuracy >= 0.5' \(r.txt:2\) names slice columns this file is not sliced by \(sliced by: sex; sex,race; workclass\)" "the error names the rule, its line and the slicings"
"$BIN/mlci-evaluate" --model model.json --data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . \
	--out plain.json >/dev/null 2>&1
expect_exit 65 "a slice rule over metrics without slices: 65" "$BIN/mlci-gate" --metrics plain.json --out badg.json \
	--rule 'slices(sex).accuracy >= 0.5'
err_is "plain.json: --rule 'slices\(sex\).accuracy >= 0.5' names a slice, but this file has none \(mlci-evaluate --slice-by sex\)" "the error says how to get slices"
expect_exit 65 "unknown metric in a slice: 65" "$BIN/mlci-gate" --metrics m.json --out badg.json --rule 'slice[sex=Male].acuracy >= 0.5'
err_is "unknown metric 'acuracy' .*did you mean 'accuracy'" "with a suggestion"
expect_exit 64 "a paired slice rule is a syntax error" "$BIN/mlci-gate" --metrics m.json --baseline m800.json --out badg.json \
	--rule 'slice[sex=Male].accuracy >= baseline paired'
err_is "1:38: 'paired' compares two models over the whole evaluation set" "at the column of paired"
expect_exit 64 "an unterminated quoted value: 64" "$BIN/mlci-gate" --metrics m.json --out badg.json --rule 'slice[sex="Male].accuracy >= 0.5'
err_is "1:11: unterminated string in a value" "at the column of the quote"
absent badg.json "no gate.json after the errors"

# a slice rule over a git baseline with nothing recorded: inconclusive,
# with the reason, like a plain metric's
git init -q "$T/repo" && git -C "$T/repo" -c user.email=ci@example.org -c user.name=ci \
	commit -q --allow-empty -m init
(cd "$T/repo" && "$BIN/mlci-gate" --metrics "$T/m.json" --baseline git:HEAD:none/metrics.json \
	--rule 'slice[sex=Female].accuracy >= baseline - 0.1' --rule 'accuracy >= 0.5' \
	--out "$T/gnb.json") >/dev/null 2>&1
json_is "$T/gnb.json" '[(r["status"], (r.get("reason") or "")[:12]) for r in j["rules"]]' \
	"[('inconclusive', 'no baseline:'), ('pass', '')]" "a slice rule without a recorded baseline is inconclusive, with the reason"
