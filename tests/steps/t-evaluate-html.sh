# mlci-evaluate --html: the report renders in headless Chromium without
# console errors (tests/html_check.sh), its screenshot is not blank, it has
# a row for every metric and every slice, it loads nothing from outside,
# and the points it plots are those scikit-learn and numpy compute from
# the same predictions (tests/ref/sklearn_curves.py): binary (Adult),
# multiclass (iris) and regression (diabetes).
PY=/usr/bin/python3
CURVES=$TOP/tests/ref/sklearn_curves.py
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
RD="--columns $COLS --trim"
have_sk=0
$PY -c 'import sklearn, pandas' 2>/dev/null && have_sk=1
have_chrome=0
command -v chromium >/dev/null 2>&1 && have_chrome=1

# every metric, operational figure and slice of metrics.json, as the ids
# html_check.sh looks for (col-NAME)
ids() {
	$PY -c 'import json,sys
j = json.load(open(sys.argv[1]))
ids = ["m-" + k for k in j["metrics"]] + ["op-" + k for k in j.get("operational", {}) if k != "method"]
ids += ["slice-%d" % i for i in range(len(j.get("slices", [])))]
print(" ".join(ids + sys.argv[2:]))' "$@"
}

# page_checks NAME PAGE METRICS PREDICTIONS EXTRA-IDS...
page_checks() {
	pc=$1; page=$2; met=$3; pred=$4; shift 4
	if [ $have_chrome = 1 ]; then
		# shellcheck disable=SC2046
		if out=$(sh "$TOP/tests/html_check.sh" "$page" $(ids "$met" "$@") 2>&1); then
			ok "$pc: renders in Chromium, no console errors, a row for every metric and slice"
		else not_ok "$pc: renders in Chromium, no console errors, a row for every metric and slice" "$out"; fi
		if out=$($PY "$TOP/tests/png_nonblank.py" "${page%.html}.png" 2>&1); then ok "$pc: the screenshot is not blank"
		else not_ok "$pc: the screenshot is not blank" "$out"; fi
	else
		ok "$pc: chromium not installed: not rendered (skipped)"
	fi
	if ! grep -Eiq '<(img|link|iframe|object|embed|audio|video)|src=|href=|url\(|@import' "$page" &&
	   [ -z "$(grep -Eio '<script[^>]*>' "$page" | grep -v '^<script type="application/json" id="mlci-curves">$')" ] &&
	   [ -z "$(grep -Eio 'https?://[^" ]*' "$page" | grep -v '^http://www.w3.org/2000/svg$')" ]; then
		ok "$pc: self-contained (no external resource, no executable script)"
	else not_ok "$pc: self-contained (no external resource, no executable script)"; fi
	if [ $have_sk = 1 ]; then
		if out=$($PY "$CURVES" "$page" "$pred" 2>&1); then ok "$pc: the plotted points agree with scikit-learn"
		else not_ok "$pc: the plotted points agree with scikit-learn" "$out"; fi
	fi
}

# binary: Adult, with intervals, slices and operational figures
"$BIN/mlci-train" --data "$DATA/adult.data.csv" $RD --label income --model logistic \
	--out adult.model.json >/dev/null 2>&1
expect_exit 0 "adult: evaluate --html" "$BIN/mlci-evaluate" --model adult.model.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . --out adult.json \
	--predictions adult.pred.csv --html adult.html --slice-by sex,race --slice-by workclass \
	--bootstrap 20 --seed 1 --operational
page_checks adult adult.html adult.json adult.pred.csv roc pr calibration confusion
json_is adult.json 'len(j["slices"])' 19 "adult: 19 slices in metrics.json (all in the page)"
check "adult: intervals shown" grep -q '<th>interval</th>' adult.html
lo=$($PY -c 'import json; print("%.6g" % json.load(open("adult.json"))["intervals"]["accuracy"]["low"])')
check "adult: the accuracy interval's bound is in the page" grep -q "\[$lo, " adult.html
check "adult: a small slice is marked" grep -q 'class="small"><td class="l">workclass=Never-worked' adult.html
check "adult: the missing-value slice is named null" grep -q 'workclass=<i>null</i>' adult.html

# multiclass: iris, one-vs-rest curves per class
"$BIN/mlci-train" --data "$DATA/iris.csv" --label species --model tree --param max_depth=2 \
	--out iris.model.json >/dev/null 2>&1
expect_exit 0 "iris: evaluate --html" "$BIN/mlci-evaluate" --model iris.model.json --data "$DATA/iris.csv" \
	--out iris.json --predictions iris.pred.csv --html iris.html
page_checks iris iris.html iris.json iris.pred.csv roc pr calibration confusion
if [ $have_sk = 1 ]; then
	$PY - iris.html >classes.txt <<'PY'
import json, re, sys
t = open(sys.argv[1], encoding="utf-8").read()
j = json.loads(re.search(r'<script type="application/json" id="mlci-curves">(.*?)</script>', t, re.S).group(1))
print(" ".join(c["class"] for c in j["roc"]), "/", " ".join(c["class"] for c in j["calibration"]))
PY
	check "iris: a curve per class" test "$(cat classes.txt)" = "setosa versicolor virginica / setosa versicolor virginica"
fi

# regression: diabetes, scatter and residuals
"$BIN/mlci-train" --data "$DATA/diabetes_progression.csv" --label progression --model linear \
	--out dia.model.json >/dev/null 2>&1
expect_exit 0 "diabetes: evaluate --html" "$BIN/mlci-evaluate" --model dia.model.json \
	--data "$DATA/diabetes_progression.csv" --out dia.json --predictions dia.pred.csv --html dia.html \
	--slice-by sex
page_checks diabetes dia.html dia.json dia.pred.csv scatter residuals
check "diabetes: no classification charts" sh -c '! grep -q "id=\"col-roc\"\|id=\"col-confusion\"" dia.html'

# larger than the point cap: the scatter keeps every k-th row
if [ $have_sk = 1 ]; then
	$PY - "$DATA/adult.test.csv" big.csv <<'PY'
import sys
import pandas as pd
d = pd.read_csv(sys.argv[1], skiprows=1, header=None, dtype=str, skipinitialspace=True)
pd.DataFrame({"y": d[0].astype(float), "yhat": d[12].astype(float) * 0.5 + 20}).to_csv(sys.argv[2], index=False)
PY
	expect_exit 0 "regression --scored with 16281 rows" "$BIN/mlci-evaluate" --scored big.csv --task regression \
		--label-column y --prediction-column yhat --out big.json --predictions big.pred.csv --html big.html
	if out=$($PY "$CURVES" big.html big.pred.csv 2>&1); then ok "16281 rows: every 9th row plotted (1810 points), as numpy picks them"
	else not_ok "16281 rows: every 9th row plotted (1810 points), as numpy picks them" "$out"; fi
fi

# classification without scores: the confusion matrix, no curves
expect_exit 0 "no scores: evaluate --scored --html" "$BIN/mlci-evaluate" --scored "$TOP/tests/ref/scored_labels.csv" \
	--label-column y --prediction-column yhat --out nos.json --html nos.html
check "no scores: no curves, the confusion matrix" sh -c 'grep -q "No scores: no curves" nos.html && grep -q "id=\"col-confusion\"" nos.html && ! grep -q "id=\"col-roc\"" nos.html'
if [ $have_chrome = 1 ]; then
	# shellcheck disable=SC2046
	if out=$(sh "$TOP/tests/html_check.sh" nos.html $(ids nos.json confusion) 2>&1); then ok "no scores: renders"
	else not_ok "no scores: renders" "$out"; fi
fi

# the page is written with the other outputs, or none of them
expect_exit 64 "--html on --out's path: 64" "$BIN/mlci-evaluate" --model iris.model.json --data "$DATA/iris.csv" \
	--out same.json --html same.json
expect_exit 73 "--html in a missing directory: 73" "$BIN/mlci-evaluate" --model iris.model.json --data "$DATA/iris.csv" \
	--out ok.json --predictions ok.csv --html nodir/r.html
absent ok.json "no metrics.json when the page cannot be written"
absent ok.csv "no predictions.csv either"
