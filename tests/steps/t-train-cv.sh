# mlci-train --cv K against scikit-learn's cross_validate on the same
# folds. The reference in tests/ref/cv.json comes from
# tests/ref/sklearn_cv.py: KFold / StratifiedKFold without shuffling, a
# Pipeline of the same preprocessing and model per fold. Checks: every
# fold's training and test sizes; convex models (logistic, linear, ridge,
# lasso) agree on every metric of every fold within 1e-4 relative (which
# they cannot unless the folds and the per-fold preprocessing are the
# same); trees' mean accuracy within 1 point (scikit-learn's averaged over
# random_state, which breaks ties), RMSE within 2%; mean and std (ddof 0)
# are those of the folds. Then: --cv-shuffle is deterministic given the
# seed, model.json is the same on 1 and 2 threads, progress goes to stderr,
# bad --cv values are one-line errors with no output, and the artifacts
# match the schema.
PY=/usr/bin/python3
TR=$BIN/mlci-train
REF=$TOP/tests/ref/cv.json
export SOURCE_DATE_EPOCH=1700000000

dataargs() {
	case $1 in
	breast_cancer) echo "--data $DATA/breast_cancer.csv --label diagnosis" ;;
	wine) echo "--data $DATA/wine.csv --label cultivar" ;;
	diabetes) echo "--data $DATA/diabetes_progression.csv --label progression" ;;
	titanic) echo "--data $DATA/titanic.csv --label Survived --exclude PassengerId,Name,Ticket,Cabin" ;;
	esac
}

# NAME DATASET FAMILY K STRATIFIED TASK PARAMS...
$PY - "$REF" >cases.txt <<'EOF'
import json, sys
for n, c in sorted(json.load(open(sys.argv[1]))["cases"].items()):
    ps = " ".join("--param %s=%s" % kv for kv in sorted(c["params"].items()))
    print(n, c["data"], c["family"], c["k"], "on" if c["stratified"] else "off", c["task"], ps)
EOF
check "the reference lists the cases" test -s cases.txt

while read -r case ds fam k strat task params; do
	extra=
	[ "$fam" = tree ] && extra="--task $task"
	[ "$strat" = off ] && [ "$task" = classification ] && extra="$extra --cv-stratify off"
	# shellcheck disable=SC2046,SC2086
	expect_exit 0 "$case: trained with --cv $k" "$TR" $(dataargs "$ds") --model "$fam" \
		--cv "$k" $extra $params --out "$case.json"
	cp "$T/err" "$case.err"
	n=$(grep -c "^mlci-train: cv fold [0-9]*/$k: " "$case.err")
	if [ "$n" -eq "$k" ] && grep -q "^cross-validated over $k " "$T/out"; then
		ok "$case: one progress line per fold on stderr, a summary on stdout"
	else
		not_ok "$case: progress" "$n fold lines; stdout $(head -c 200 "$T/out")"
	fi
done <cases.txt

$PY - "$REF" >compare.txt 2>&1 <<'EOF'
import json, os, sys
import numpy as np

def report(ok, name, detail=""):
    print(("PASS %s" if ok else "FAIL %s: " + detail.replace("%", "%%")) % name)

for case, r in sorted(json.load(open(sys.argv[1]))["cases"].items()):
    if not os.path.exists(case + ".json"):
        continue
    cv = json.load(open(case + ".json")).get("cv", {})
    folds = cv.get("folds", [])
    report(cv.get("k") == r["k"] and cv.get("stratified") == r["stratified"]
           and cv.get("shuffled") is False and len(folds) == r["k"],
           case + ": k, stratified, shuffled", str({k: cv.get(k) for k in ("k", "stratified", "shuffled")}))
    if len(folds) != r["k"]:
        continue
    sizes = [(f["n_train"], f["n_test"]) for f in folds]
    rsizes = [(f["n_train"], f["n_test"]) for f in r["folds"]]
    report(sizes == rsizes, case + ": fold sizes as sklearn's", "%s vs %s" % (sizes, rsizes))
    names = sorted(r["mean"])
    report(all(sorted(f["metrics"]) == names for f in folds), case + ": the metrics",
           str(sorted(folds[0]["metrics"])))
    # mean and std (ddof 0) are the folds'
    bad = []
    for m in names:
        v = np.array([f["metrics"].get(m, np.nan) for f in folds])
        if abs(cv["mean"].get(m, np.nan) - v.mean()) > 1e-12 * max(1, abs(v.mean())) or \
           abs(cv["std"].get(m, np.nan) - v.std()) > 1e-12 * max(1, abs(v.std())):
            bad.append(m)
    report(not bad, case + ": mean and std (ddof 0) over the folds", " ".join(bad))
    if r["family"] != "tree":
        worst, where = 0.0, ""
        for i, (f, g) in enumerate(zip(folds, r["folds"])):
            for m in names:
                a, b = f["metrics"].get(m, np.nan), g["metrics"][m]
                rel = abs(a - b) / max(abs(b), 1e-12)
                if not rel <= worst:
                    worst, where = rel, "fold %d %s: %.12g vs %.12g" % (i + 1, m, a, b)
        report(worst <= 1e-4, case + ": every fold's metrics within 1e-4 of sklearn's",
               "worst %s (rel %.3g)" % (where, worst))
        print("INFO %s: worst relative difference over folds and metrics %.2g" % (case, worst))
    elif r["task"] == "classification":
        a, b = cv["mean"]["accuracy"], r["mean"]["accuracy"]
        report(abs(a - b) <= 0.01, case + ": mean accuracy within 1 point of sklearn's",
               "%.4f vs %.4f" % (a, b))
        print("INFO %s: mean accuracy %.4f, sklearn %.4f" % (case, a, b))
    else:
        a, b = cv["mean"]["rmse"], r["mean"]["rmse"]
        report(abs(a - b) <= 0.02 * b, case + ": mean RMSE within 2% of sklearn's",
               "%.4f vs %.4f" % (a, b))
        print("INFO %s: mean rmse %.4f, sklearn %.4f" % (case, a, b))
EOF
[ -s compare.txt ] || not_ok "the comparison ran"
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "${line#PASS }" ;;
	FAIL\ *) rest=${line#FAIL }; not_ok "${rest%%: *}" "${rest#*: }" ;;
	INFO\ *) echo "# ${line#INFO }" ;;
	*) not_ok "comparison output" "$line" ;;
	esac
done <compare.txt

# --cv-shuffle: deterministic given the seed, another seed other folds
W="--data $DATA/wine.csv --label cultivar --model logistic"
expect_exit 0 "shuffled folds" "$TR" $W --cv 5 --cv-shuffle --out sh1.json
expect_exit 0 "shuffled folds again" "$TR" $W --cv 5 --cv-shuffle --out sh2.json
expect_exit 0 "shuffled folds, another seed" "$TR" $W --cv 5 --cv-shuffle --seed 7 --out sh3.json
check "the same seed gives the same model.json" cmp sh1.json sh2.json
json_is sh1.json 'j["cv"]["shuffled"], j["cv"]["stratified"]' "(True, True)" "shuffled and stratified recorded"
$PY - sh1.json sh3.json wine_logistic_5.json >sh.txt <<'EOF'
import json, sys
a, b, plain = (json.load(open(p))["cv"] for p in sys.argv[1:])
acc = lambda c: [f["metrics"]["log_loss"] for f in c["folds"]]
sizes = lambda c: sorted(f["n_test"] for f in c["folds"])
print(acc(a) != acc(b), acc(a) != acc(plain), sizes(a) == sizes(plain))
EOF
check "another seed, other folds; shuffled folds differ from plain ones, same sizes" \
	grep -qx "True True True" sh.txt

# model.json does not depend on the thread count (forest folds, importance)
F="--data $DATA/breast_cancer.csv --label diagnosis --model forest --param n_estimators=10"
expect_exit 0 "forest --cv 3 on 1 thread" "$TR" $F --cv 3 --cv-shuffle --importance permutation \
	--threads 1 --out th1.json
expect_exit 0 "forest --cv 3 on 2 threads" "$TR" $F --cv 3 --cv-shuffle --importance permutation \
	--threads 2 --out th2.json
check "model.json is byte-identical on 1 and 2 threads" cmp th1.json th2.json

# stratified with fewer rows than folds in a class: a warning, like sklearn
expect_exit 0 "wine --cv 50: a class has 48 rows" "$TR" $W --cv 50 --out w50.json
check "the warning names the least populated class's count" \
	grep -q "warning: --cv: the least populated class has only 48 rows, fewer than the 50 folds" err
json_is w50.json 'len(j["cv"]["warnings"]), len(j["cv"]["folds"])' "(1, 50)" "the warning is in cv.warnings"
check "no warning without the problem" sh -c '! grep -q warning breast_cancer_logistic_5.err wine_logistic_5.err'

# bad values: one line, the documented code, no output
for bad in "64 --cv 1" "64 --cv 0" "64 --cv -3" "64 --cv abc" "65 --cv 179" "65 --cv 100000" \
	   "64 --cv 5 --cv-stratify maybe" "64 --cv-shuffle" "64 --cv-stratify on"; do
	code=${bad%% *}; opts=${bad#* }
	# shellcheck disable=SC2086
	expect_exit "$code" "$opts: exit $code" "$TR" $W $opts --out bad.json
	err_is "^mlci-train: " "$opts: one line"
	absent bad.json "$opts: no output"
done
expect_exit 65 "--cv 100000" "$TR" $W --cv 100000 --out bad.json
err_is "wine.csv: --cv 100000: more folds than the 178 rows" "more folds than rows names the file"
expect_exit 65 "iris --cv 60: more folds than any class has rows" "$TR" --data "$DATA/iris.csv" \
	--label species --model logistic --cv 60 --out bad.json
err_is "iris.csv: --cv 60: more folds than the rows of any class \(at most 50\)" "names the file and the class size"
expect_exit 0 "iris --cv 60 --cv-stratify off: plain folds" "$TR" --data "$DATA/iris.csv" \
	--label species --model logistic --cv 60 --cv-stratify off --out iris60.json
expect_exit 64 "--cv-stratify on for a regression" "$TR" $(dataargs diabetes) --model ridge \
	--cv 5 --cv-stratify on --out bad.json
err_is "stratified folds need classes" "names why"
absent bad.json "no output"

if [ -e "$TOP/shared/schemas/model.schema.json" ]; then
	# shellcheck disable=SC2046
	check "model.json validates against model.schema.json" \
		$PY "$TOP/tests/check_schema.py" $(cut -d' ' -f1 cases.txt | sed 's/$/.json/') \
		sh1.json th1.json w50.json
fi

# plain folds over rows sorted by class: a fold trains on one class only
{ echo "x,y"; for i in 1 2 3 4 5 6; do echo "$i,a"; done; echo "7,b"; echo "8,b"; } >sorted.csv
expect_exit 65 "a fold training on a single class is an error" "$TR" --data sorted.csv --label y \
	--model logistic --cv 4 --cv-stratify off --out bad.json
check "the error names the file and the fold" \
	grep -qx "mlci-train: sorted.csv: cross-validation fold 4: its training rows hold a single class; stratified folds avoid that" err
absent bad.json "no output"
