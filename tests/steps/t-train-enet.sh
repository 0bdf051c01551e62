# mlci-train --model lasso / elasticnet against scikit-learn's Lasso and
# ElasticNet. The reference values in tests/ref/enet.json come from
# tests/ref/sklearn_enet.py: the same held-out split (data row i is a test
# row when i % 3 == 2), the same preprocessing fitted on the training part,
# the same hyperparameters. Per case: mlci's held-out MSE (mlci-evaluate)
# within 1e-4 relative of scikit-learn's, the coefficients within 1e-6 of
# the largest, the same iteration count and convergence verdict (and a
# warning on stderr and in training.warnings when not converged). Then:
# bad hyperparameters are usage errors; a perfectly collinear design is
# fine for lasso and a warning for linear; the artifacts match the schema.
PY=/usr/bin/python3
TR=$BIN/mlci-train
EV=$BIN/mlci-evaluate
REF=$TOP/tests/ref/enet.json
ABALONE_COLS=sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings

# split FILE NAME HEADER(1|0): NAME-train.csv and NAME-test.csv
split() {
	awk -v h="$3" -v tr="$2-train.csv" -v te="$2-test.csv" '
		h && NR == 1 { print > tr; print > te; next }
		{ i = NR - 1 - h; if (i % 3 == 2) print > te; else print > tr }' "$1"
}
split "$DATA/diabetes_progression.csv" diabetes 1
split "$DATA/abalone.data" abalone 0
split "$DATA/flights_200k.csv" flights 1
# diabetes with a copy of bmi (column 3) as a last column
awk -F, -v OFS=, 'NR == 1 { print $0, "bmi_copy"; next } { print $0, $3 }' \
	"$DATA/diabetes_progression.csv" >collinear.csv
split collinear.csv collinear 1

args() {	# DATASET: training options | test options
	case $1 in
	diabetes|collinear) echo "--data $1-train.csv --label progression|--data $1-test.csv" ;;
	abalone) echo "--data abalone-train.csv --columns $ABALONE_COLS --label rings|--data abalone-test.csv --columns $ABALONE_COLS" ;;
	flights) echo "--data flights-train.csv --label delay|--data flights-test.csv" ;;
	esac
}

# One line per case: NAME DATASET FAMILY PARAMS...
$PY - "$REF" >cases.txt <<'EOF'
import json, sys
for n, c in sorted(json.load(open(sys.argv[1]))["cases"].items()):
    ps = " ".join("--param %s=%r" % kv for kv in sorted(c["params"].items()))
    print(n, c["data"], c["family"], ps)
EOF
check "the reference lists the cases" test -s cases.txt

while read -r case ds fam params; do
	a=$(args "$ds")
	# shellcheck disable=SC2086
	if "$TR" ${a%%|*} --model "$fam" $params --out "$case.json" >"$case.out" 2>"$case.err" &&
	   "$EV" --model "$case.json" ${a#*|} --out "$case-met.json" >/dev/null 2>>"$case.err"; then
		ok "$case: trained and evaluated"
	else
		not_ok "$case: trained and evaluated" "$(head -c 400 "$case.err")"
	fi
done <cases.txt

$PY - "$REF" >compare.txt 2>&1 <<'EOF'
import json, os, sys
import numpy as np

def report(ok, name, detail=""):
    print(("PASS %s" if ok else "FAIL %s: " + detail.replace("%", "%%")) % name)

for case, r in sorted(json.load(open(sys.argv[1]))["cases"].items()):
    if not os.path.exists(case + "-met.json"):
        continue
    m = json.load(open(case + ".json"))
    t = m["training"]
    mse = json.load(open(case + "-met.json"))["metrics"]["mse"]
    rel = abs(mse - r["test_mse"]) / r["test_mse"]
    report(rel <= 1e-4, case + ": held-out MSE within 1e-4 of sklearn's",
           "%.10g vs %.10g" % (mse, r["test_mse"]))
    W = np.array(m["model"]["coefficients"][0]); Wr = np.array(r["coefficients"])
    dw = abs(W - Wr).max() if W.shape == Wr.shape else float("inf")
    report(dw <= 1e-6 * max(1.0, abs(Wr).max()),
           case + ": coefficients within 1e-6 of sklearn's", "max diff %.3g" % dw)
    report(abs(m["model"]["intercepts"][0] - r["intercept"]) <= 1e-6 * max(1.0, abs(r["intercept"])),
           case + ": intercept", "%r vs %r" % (m["model"]["intercepts"][0], r["intercept"]))
    report(t["iterations"] == r["n_iter"] and t["converged"] == r["converged"],
           case + ": iterations and convergence as sklearn's",
           "%d %s vs %d %s" % (t["iterations"], t["converged"], r["n_iter"], r["converged"]))
    report(t["n_nonzero"] == r["n_nonzero"], case + ": non-zero coefficients",
           "%d vs %d" % (t["n_nonzero"], r["n_nonzero"]))
    if r["converged"]:
        report(t["dual_gap"] < t["dual_gap_tol"], case + ": duality gap below the tolerance")
    warned = "did not converge" in open(case + ".err").read()
    report(warned == (not r["converged"]) and ("warnings" in t) == (not r["converged"]),
           case + ": a convergence warning exactly when sklearn warns",
           "stderr %s, training.warnings %s" % (warned, t.get("warnings")))
    print("INFO %s: held-out mse %.8g (sklearn %.8g, rel %.1e), %d iterations, gap %.3g"
          % (case, mse, r["test_mse"], rel, t["iterations"], t["dual_gap"]))
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

# bad hyperparameters: one-line usage errors, no output
D="--data diabetes-train.csv --label progression"
for bad in "lasso alpha=-1" "elasticnet alpha=-0.5" "elasticnet l1_ratio=1.5" \
	   "elasticnet l1_ratio=-0.1" "lasso l1_ratio=0.5" "lasso max_iter=0" \
	   "lasso tol=-1" "elasticnet alpha=abc"; do
	# shellcheck disable=SC2086
	expect_exit 64 "--model ${bad% *} --param ${bad#* }: usage error" \
		"$TR" $D --model ${bad% *} --param "${bad#* }" --out bad.json
	err_is "^mlci-train: --param ${bad#* }: " "--param ${bad#* }: one line naming it"
	absent bad.json "--param ${bad#* }: no output"
done
expect_exit 64 "lasso is regression only" "$TR" $D --model lasso --task classification --out bad.json

# alpha=0: least squares by coordinate descent, with scikit-learn's advice
expect_exit 0 "lasso alpha=0 fits" "$TR" $D --model lasso --param alpha=0 --out a0.json
check "alpha=0 warns that linear solves it exactly" grep -q "warning: .*alpha=0 is least squares, which --model linear solves exactly" err

# perfectly collinear features: lasso fits, linear warns (minimum norm)
expect_exit 0 "collinear: lasso fits" "$TR" --data collinear.csv --label progression \
	--model lasso --out col-lasso.json
check "collinear: lasso prints no warning" test ! -s err
expect_exit 0 "collinear: linear fits" "$TR" --data collinear.csv --label progression \
	--model linear --out col-linear.json
check "collinear: linear warns on stderr that the design is rank-deficient" \
	grep -q "warning: the design matrix is rank-deficient (rank 10 of 11" err
json_is col-linear.json 'j["training"]["rank"], len(j["training"]["warnings"])' "(10, 1)" \
	"collinear: linear records the rank and the warning"
expect_exit 0 "abalone: linear on one-hot columns fits" "$TR" $(args abalone | cut -d'|' -f1) \
	--model linear --out ab-linear.json
check "abalone: a one-hot block's own rank loss is no warning" test ! -s err

if [ -e "$TOP/shared/schemas/model.schema.json" ]; then
	# shellcheck disable=SC2046
	check "model.json validates against model.schema.json" \
		$PY "$TOP/tests/check_schema.py" $(cut -d' ' -f1 cases.txt | sed 's/$/.json/') \
		col-lasso.json col-linear.json a0.json
fi
