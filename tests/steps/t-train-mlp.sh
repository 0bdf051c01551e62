# mlci-train --model mlp against scikit-learn's MLPClassifier/Regressor.
# The reference values in tests/ref/mlp.json come from
# tests/ref/sklearn_mlp.py: the same held-out split (data row i is a test
# row when i % 3 == 2; adult trains on rows i % 4 == 0 of adult.data.csv
# and tests on adult.test.csv), the same preprocessing and
# hyperparameters. The initial weights and shuffles come from different
# random generators, so both sides average over the same number of seeds:
# mlci's mean held-out accuracy must be within 1 point of scikit-learn's,
# its mean RMSE within 2%. Then: bad parameters, a single class, missing
# values, a diverging fit, byte-identical model.json whatever --threads,
# early stopping, the max_iter warning, progress, the pipeline and
# hostile model files.
PY=/usr/bin/python3
TR=$BIN/mlci-train
EV=$BIN/mlci-evaluate
REF=$TOP/tests/ref/mlp.json
ADULT_COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
ABALONE_COLS=sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings
export SOURCE_DATE_EPOCH=1700000000

# split FILE NAME HEADER(1|0): NAME-train.csv and NAME-test.csv
split() {
	awk -v h="$3" -v tr="$2-train.csv" -v te="$2-test.csv" '
		h && NR == 1 { print > tr; print > te; next }
		{ i = NR - 1 - h; if (i % 3 == 2) print > te; else print > tr }' "$1"
}
split "$DATA/breast_cancer.csv" breast_cancer 1
split "$DATA/penguins.csv" penguins 1
split "$DATA/wine.csv" wine 1
split "$DATA/diabetes_progression.csv" diabetes 1
split "$DATA/abalone.data" abalone 0
awk 'NR % 4 == 1' "$DATA/adult.data.csv" >adult-train.csv

args() {
	case $1 in
	adult) echo "--data adult-train.csv --columns $ADULT_COLS --trim --label income|--data $DATA/adult.test.csv --columns $ADULT_COLS --trim --skip-rows 1 --label-suffix ." ;;
	abalone) echo "--data abalone-train.csv --columns $ABALONE_COLS --label rings|--data abalone-test.csv --columns $ABALONE_COLS" ;;
	breast_cancer) echo "--data breast_cancer-train.csv --label diagnosis|--data breast_cancer-test.csv" ;;
	penguins) echo "--data penguins-train.csv --label Species|--data penguins-test.csv" ;;
	wine) echo "--data wine-train.csv --label cultivar|--data wine-test.csv" ;;
	diabetes) echo "--data diabetes-train.csv --label progression|--data diabetes-test.csv" ;;
	esac
}

# One line per case: NAME DATASET SEEDS PARAMS... (from the reference)
$PY - "$REF" >cases.txt <<'EOF'
import json, sys
for name, c in sorted(json.load(open(sys.argv[1]))["cases"].items()):
    ps = []
    for k, v in sorted(c["params"].items()):
        if isinstance(v, list):
            v = ",".join(str(x) for x in v)
        elif isinstance(v, bool):
            v = "true" if v else "false"
        ps.append("--param %s=%s" % (k, v))
    print(name, c["data"], c["seeds"], " ".join(ps))
EOF
check "the reference lists the cases" test -s cases.txt
if [ -n "${MLCI_VALGRIND:-}" ]; then
	grep -E '^(breast_cancer|diabetes|wine) ' cases.txt >cases.vg && mv cases.vg cases.txt
fi

: >scores.txt
while read -r cname ds seeds params; do
	a=$(args "$ds"); trargs=${a%%|*}; teargs=${a#*|}
	s=0; fail=
	while [ $s -lt "$seeds" ]; do
		# shellcheck disable=SC2086
		if ! "$TR" $trargs --model mlp $params --seed $s --out "$cname-$s.json" >/dev/null 2>"$cname.err" ||
		   ! "$EV" --model "$cname-$s.json" $teargs --out "$cname-$s-met.json" >/dev/null 2>>"$cname.err"; then
			fail=1
			break
		fi
		s=$((s + 1))
	done
	if [ -n "$fail" ]; then
		not_ok "$cname: train and evaluate" "$(head -c 400 "$cname.err")"
		continue
	fi
	ok "$cname: trained and evaluated ($seeds seeds)"
	echo "$cname $seeds" >>scores.txt
done <cases.txt

$PY - "$REF" >compare.txt 2>&1 <<'EOF'
import json, sys
ref = json.load(open(sys.argv[1]))
for line in open("scores.txt"):
    cname, seeds = line.split()
    r = ref["cases"][cname]
    vals, iters = [], []
    for s in range(int(seeds)):
        vals.append(json.load(open("%s-%d-met.json" % (cname, s)))["metrics"][r["metric"]])
        iters.append(json.load(open("%s-%d.json" % (cname, s)))["training"]["n_iter"])
    got = sum(vals) / len(vals)
    ref_v = r["value"]
    if r["metric"] == "accuracy":
        ok = abs(got - ref_v) <= 0.01
        what = "mean held-out accuracy within 1 point of sklearn's"
    else:
        ok = abs(got - ref_v) <= 0.02 * ref_v
        what = "mean held-out RMSE within 2% of sklearn's"
    print("%s %s: %s" % ("PASS" if ok else "FAIL", cname, what) +
          ("" if ok else ": mlci %.4f, sklearn %.4f" % (got, ref_v)))
    print("INFO %s: %s mlci %.4f sklearn %.4f (%d seeds); epochs mlci %s sklearn %s" %
          (cname, r["metric"], got, ref_v, len(vals), iters, r["n_iter"]))
EOF
[ -s compare.txt ] || not_ok "the comparisons ran"
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "${line#PASS }" ;;
	FAIL\ *) rest=${line#FAIL }; not_ok "${rest%%: *}" "${rest#*: }" ;;
	INFO\ *) echo "# ${line#INFO }" ;;
	*) not_ok "comparison output" "$line" ;;
	esac
done <compare.txt

# the reference configuration: what a user tries first
FIRST="--param hidden_layer_sizes=64 --param learning_rate_init=0.01 --param batch_size=32 --param max_iter=100"
json_is diabetes-0.json 'j["model"]["params"]["hidden_layer_sizes"], j["model"]["params"]["batch_size"], j["model"]["out_activation"]' \
	"([64], 32, 'identity')" "diabetes: 64 hidden units, batches of 32, a linear output"
json_is diabetes-0.json '[(l["n_in"], l["n_out"], len(l["weights"]), len(l["biases"])) for l in j["model"]["layers"]]' \
	"[(10, 64, 640, 64), (64, 1, 64, 1)]" "diabetes: the layers' shapes"
json_is diabetes-0.json 'len(j["training"]["loss_curve"]) == j["training"]["n_iter"] and j["training"]["loss_curve"][-1] < j["training"]["loss_curve"][0]' \
	True "the loss curve has one loss per epoch, and falls"
json_is breast_cancer-0.json 'j["model"]["out_activation"], j["model"]["layers"][-1]["n_out"]' "('logistic', 1)" \
	"two classes: one logistic output, as scikit-learn"
json_is penguins-0.json 'j["model"]["out_activation"], j["model"]["layers"][-1]["n_out"]' "('softmax', 3)" \
	"three classes: a softmax"
json_is breast_cancer_deep-0.json '[l["n_out"] for l in j["model"]["layers"]]' "[64, 32, 1]" "hidden_layer_sizes=64,32"

# the same model.json whatever the thread count (BLAS included)
for t in 1 2; do
	# shellcheck disable=SC2086
	expect_exit 0 "--threads $t" "$TR" --data abalone-train.csv --columns $ABALONE_COLS --label rings \
		--model mlp $FIRST --param max_iter=5 --seed 4 --threads $t --out "ab-t$t.json"
done
# shellcheck disable=SC2086
expect_exit 0 "OPENBLAS_NUM_THREADS=2" env OPENBLAS_NUM_THREADS=2 "$TR" --data abalone-train.csv \
	--columns $ABALONE_COLS --label rings --model mlp $FIRST --param max_iter=5 --seed 4 --out ab-blas2.json
check "1 and 2 threads give the same bytes" sh -c 'cmp ab-t1.json ab-t2.json && cmp ab-t1.json ab-blas2.json'
# shellcheck disable=SC2086
expect_exit 0 "another seed" "$TR" --data abalone-train.csv --columns $ABALONE_COLS --label rings \
	--model mlp $FIRST --param max_iter=5 --seed 5 --out ab-s5.json
check "another seed starts from other weights" sh -c '! cmp -s ab-t1.json ab-s5.json'

# stopping: max_iter reached warns; early stopping stops on the validation score
json_is ab-t1.json 'j["training"]["converged"], j["training"]["stop"], "warning" in j["training"]' \
	"(False, 'max_iter', True)" "max_iter reached: not converged, with a warning"
check "... and a warning on stderr" grep -q "^mlci-train: warning: stopped (max_iter) before converging" "$T/err"
json_is adult_early-0.json '[(t["stop"], t["converged"], t["n_iter"] < 100, len(t["validation_scores"]) == t["n_iter"], t["best_validation_score"] == max(t["validation_scores"])) for t in [j["training"]]][0]' \
	"('validation', True, True, True, True)" "early stopping: stopped on the validation score, before max_iter"
json_is adult_early-0.json 'j["training"]["n_validation"]' 815 "validation_fraction 0.1 of 8141 rows (rounded up)"
json_is breast_cancer-0.json 'j["training"]["stop"], j["training"]["converged"], "validation_scores" in j["training"]' \
	"('loss', True, False)" "without early stopping: stopped on the training loss"
# shellcheck disable=SC2086
expect_exit 0 "tol=0 runs every epoch" "$TR" --data wine-train.csv --label cultivar --model mlp \
	--param hidden_layer_sizes=8 --param tol=0 --param max_iter=30 --out wine-tol0.json
json_is wine-tol0.json 'j["training"]["n_iter"], j["model"]["params"]["tol"]' "(30, 0.0)" "... 30 of 30"

# progress: epochs on stderr
expect_exit 0 "progress" "$TR" --data wine-train.csv --label cultivar --model mlp --param max_iter=5 \
	--param tol=0 --progress-interval 0 --out wine-prog.json
check "progress lines count epochs, with the loss" grep -Eq '^mlci-train: 5/5 epochs, [0-9.]+ s elapsed, ~[0-9]+ s left, loss [0-9.e+-]+$' "$T/err"
check "... one per epoch" sh -c '[ "$(grep -c " epochs, " "$1")" -eq 5 ]' _ "$T/err"

# bad parameters: 64, one line, no model
for p in hidden_layer_sizes=0 hidden_layer_sizes=64, hidden_layer_sizes=abc hidden_layer_sizes=1.5 \
	learning_rate_init=0 alpha=-1 batch_size=0 max_iter=1.5 max_iter=0 early_stopping=yes \
	validation_fraction=1 validation_fraction=0 beta_1=1 beta_2=-0.1 epsilon=0 tol=-1 n_iter_no_change=0 \
	activation=tanh; do
	expect_exit 64 "--param $p" "$TR" --data wine-train.csv --label cultivar --model mlp --param "$p" --out x.json
	err_is "^mlci-train: --param $p: " "--param $p: one line"
	absent x.json "--param $p: no model"
done
err_is "model 'mlp' has no parameter 'activation' \(it takes: alpha, batch_size, " "the unknown key names the keys"

# bad data: a single class 65; missing values imputed; a diverging fit 65
printf 'a,b,y\n1,2,yes\n3,4,yes\n5,6,yes\n' >one.csv
expect_exit 65 "a single class" "$TR" --data one.csv --label y --model mlp --out x.json
err_is "^mlci-train: one.csv: label column 'y' has a single class 'yes'$" "names the file and the class"
absent x.json "no model from a single class"
$PY - "$DATA/wine.csv" <<'EOF'
import sys
rows = open(sys.argv[1]).read().splitlines()
out = [rows[0]]
for i, r in enumerate(rows[1:]):
    c = r.split(",")
    if i % 7 == 0:
        c[1] = "NaN"
    if i % 11 == 0:
        c[2] = ""
    out.append(",".join(c))
open("wine-nan.csv", "w").write("\n".join(out) + "\n")
EOF
expect_exit 0 "NaN and empty cells in features" "$TR" --data wine-nan.csv --label cultivar --model mlp \
	--param hidden_layer_sizes=16 --out wine-nan.json
json_is wine-nan.json 'all(__import__("math").isfinite(v) for l in j["model"]["layers"] for v in l["weights"] + l["biases"]) and j["training"]["accuracy"] > 0.9' \
	True "... are imputed: a finite model"
# shellcheck disable=SC2086
expect_exit 65 "an exploding learning rate" "$TR" --data diabetes-train.csv --label progression --model mlp \
	--param learning_rate_init=1e300 --out x.json
err_is "^mlci-train: the network diverged in epoch [0-9]+ \(the loss is not finite\); lower --param learning_rate_init" "a clear error"
absent x.json "no NaN model"
expect_exit 65 "too few rows for early stopping" "$TR" --data one.csv --label a --model mlp \
	--param early_stopping=true --param validation_fraction=0.9 --out x.json
absent x.json "no model"

# the pipeline through the model interface
expect_exit 0 "evaluate with predictions" "$EV" --model penguins-0.json --data penguins-test.csv \
	--out pen-met.json --predictions pen-pred.csv
expect_exit 0 "package the network" "$BIN/mlci-package" --model penguins-0.json --metrics pen-met.json \
	--name penguins-mlp --version 1.0.0 --out-dir dist
check "every artifact validates against its JSON Schema" \
	$PY "$TOP/tests/check_schema.py" diabetes-0.json breast_cancer-0.json penguins-0.json \
	adult_early-0.json ab-t1.json wine-nan.json pen-met.json dist/package.json

# hostile network files: one 65 line naming the file
hostile() {	# hostile NAME PYTHON: penguins-0.json changed by PYTHON (m, L = layers)
	$PY - "$1" "$2" <<'PYEOF'
import json, sys
name, change = sys.argv[1:3]
m = json.load(open("penguins-0.json"))
L = m["model"]["layers"]
exec(change)
open(name + ".json", "w").write(json.dumps(m))
PYEOF
}
hostile short-weights 'L[0]["weights"].pop()'
hostile nan-bias 'L[1]["biases"][0] = "NaN"'
hostile wrong-n-in 'L[1]["n_in"] = 63'
hostile huge-layer 'L[0]["n_out"] = 10**12'
hostile wrong-outputs 'L[1]["n_out"] = 2'
hostile wrong-activation 'm["model"]["out_activation"] = "logistic"'
hostile no-layers 'm["model"]["layers"] = []'
hostile too-many 'm["model"]["layers"] = [L[0]] * 40'
for c in short-weights nan-bias wrong-n-in huge-layer wrong-outputs wrong-activation no-layers too-many; do
	expect_exit 65 "evaluate refuses $c" "$EV" --model $c.json --data penguins-test.csv --out hm.json
	err_is "^mlci-evaluate: $c.json: " "$c: one line naming the model"
	absent hm.json "$c: no metrics"
done
