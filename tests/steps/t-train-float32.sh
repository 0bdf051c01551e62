# mlci-train --dtype float32: a plain fit of logistic, linear, ridge,
# tree, forest, hgb or mlp streams its numbers into single floats (half
# the memory of the default doubles; trees and forests keep only their
# columns, a quarter). Trees and forests on single floats are checked
# against scikit-learn in t-train-trees.sh; here: their thresholds meet
# inputs rounded as they were (evaluate on the training file gives the
# training accuracy), any thread count gives the same bytes, and a pipe
# gives the file's model. The fit agrees with the float64 one (itself checked
# against scikit-learn in t-train-sklearn.sh and t-train-hgb.sh) to
# float precision: the convex models' training loss within 1e-6
# relative, mlp's within 1e-3, hgb's held-out accuracy within 1 point. The same file read
# through a pipe (read whole) gives the same model; the option is refused
# where it does not apply.
export SOURCE_DATE_EPOCH=1700000000
PY=/usr/bin/python3
TR=$BIN/mlci-train
ADULT_COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income

# fit MODEL DATA LABEL NAME [ARGS...]: float64 and float32 fits
fit() {
	m=$1 d=$2 l=$3 n=$4
	shift 4
	expect_exit 0 "$n: float64 $m" "$TR" --data "$d" --label "$l" --model "$m" "$@" \
		--dtype float64 --out "$n-64.json"
	expect_exit 0 "$n: float32 $m" "$TR" --data "$d" --label "$l" --model "$m" "$@" \
		--dtype float32 --out "$n-32.json"
}

# relative difference of the training losses (objective, log loss or mse)
close() {
	n=$1 key=$2 tol=$3
	got=$($PY - "$n-64.json" "$n-32.json" "$key" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ka = a["training"]["loss"][sys.argv[3]]
kb = b["training"]["loss"][sys.argv[3]]
print("%.3g" % (abs(ka - kb) / abs(ka)), b["training"].get("dtype"), "dtype" in a["training"])
EOF
)
	set -- $got
	if [ "$2" = float32 ] && [ "$3" = False ] && $PY -c "import sys; sys.exit(not float('$1') <= $tol)"; then
		ok "$n: $key within $tol relative of float64's ($1); training.dtype float32"
	else
		not_ok "$n: $key within $tol relative of float64's" "got $got"
	fi
}

fit logistic "$DATA/breast_cancer.csv" diagnosis bc
close bc log_loss 1e-6
fit logistic "$DATA/iris.csv" species iris
close iris log_loss 1e-6
fit ridge "$DATA/diabetes_progression.csv" progression dia --param alpha=1
close dia mse 1e-6
fit linear "$DATA/diabetes_progression.csv" progression lin
close lin mse 1e-6
fit logistic "$DATA/adult.data.csv" income adult --columns $ADULT_COLS --trim
close adult log_loss 1e-6

# hgb: held-out accuracy on adult.test within a point of float64's
fit hgb "$DATA/adult.data.csv" income ah --columns $ADULT_COLS --trim
for b in 64 32; do
	expect_exit 0 "adult hgb float$b: evaluate" "$BIN/mlci-evaluate" --model "ah-$b.json" \
		--data "$DATA/adult.test.csv" --columns $ADULT_COLS --skip-rows 1 --trim \
		--label-suffix . --out "ah-$b-m.json"
done
got=$($PY -c '
import json
a = json.load(open("ah-64-m.json"))["metrics"]["accuracy"]
b = json.load(open("ah-32-m.json"))["metrics"]["accuracy"]
print(a, b, abs(a - b) <= 0.01)')
case $got in
*True) ok "adult hgb: float32 accuracy within 1 point of float64's ($got)" ;;
*) not_ok "adult hgb: float32 accuracy within 1 point of float64's" "$got" ;;
esac
# mlp (the reference configuration, fewer epochs): Adam follows the
# same path to within float precision
fit mlp "$DATA/breast_cancer.csv" diagnosis mbc --param hidden_layer_sizes=64 \
	--param learning_rate_init=0.01 --param max_iter=50
close mbc log_loss 1e-3
fit mlp "$DATA/diabetes_progression.csv" progression mdi --param hidden_layer_sizes=64 \
	--param learning_rate_init=0.01 --param max_iter=50
close mdi mse 1e-3

fit hgb "$DATA/diabetes_progression.csv" progression dh
json_is dh-32.json 'j["training"]["dtype"], j["model"]["type"]' "('float32', 'hgb')" "hgb regression in float32"

# the same numbers, read whole through a pipe: the same model
expect_exit 0 "float32 from a pipe" sh -c 'cat "$1" | "$2" --data /dev/stdin --label diagnosis \
	--model logistic --dtype float32 --out pipe-32.json' sh "$DATA/breast_cancer.csv" "$TR"
check "the pipe's model is the file's (but for the path)" sh -c \
	'grep -v "\"path\":" pipe-32.json >a && grep -v "\"path\":" bc-32.json >b && cmp -s a b'
expect_exit 0 "hgb float32 from a pipe" sh -c 'cat "$1" | "$2" --data /dev/stdin --label progression \
	--model hgb --dtype float32 --out pipe-h32.json' sh "$DATA/diabetes_progression.csv" "$TR"
check "hgb: the pipe's model is the file's" sh -c \
	'grep -v "\"path\":" pipe-h32.json >a && grep -v "\"path\":" dh-32.json >b && cmp -s a b'
# values a single float cannot hold as deviations: read whole, same fit
printf 'a,b,y\n1e39,1,0\n2e39,2,1\n3e39,2,0\n5e39,1,1\n' >huge.csv
expect_exit 0 "values past float range train" "$TR" --data huge.csv --label y \
	--model logistic --dtype float32 --out huge.json
expect_exit 0 "... and through a pipe" sh -c 'cat huge.csv | "$1" --data /dev/stdin --label y \
	--model logistic --dtype float32 --out huge-p.json' sh "$TR"
check "... the same model both ways" sh -c \
	'grep -v "\"path\":" huge.json >a && grep -v "\"path\":" huge-p.json >b && cmp -s a b'
no_nan "... no NaN in it" huge.json

# trees and forests: every value rounded to a single float at the
# thresholds too (an input between two floats goes where its float went)
fit tree "$DATA/adult.data.csv" income at --columns $ADULT_COLS --trim --param max_depth=12
fit forest "$DATA/breast_cancer.csv" diagnosis fb --param n_estimators=30 --seed 4
json_is at-32.json 'j["training"]["dtype"], j["model"]["input_dtype"], "input_dtype" in json.load(open("at-64.json"))["model"]' \
	"('float32', 'float32', False)" "tree: training.dtype and model.input_dtype float32 (float64: neither)"
json_is fb-32.json 'j["model"]["input_dtype"]' float32 "forest: model.input_dtype float32"
# --dtype auto, the default: single floats for a forest's plain fit,
# doubles for every other family and with --cv, --search or permutation
# importance (where single floats are refused)
expect_exit 0 "forest, no --dtype" "$TR" --data "$DATA/breast_cancer.csv" --label diagnosis \
	--model forest --param n_estimators=30 --seed 4 --out fb-auto.json
check "... is the float32 forest, byte for byte" cmp fb-auto.json fb-32.json
expect_exit 0 "forest, --dtype auto" "$TR" --data "$DATA/breast_cancer.csv" --label diagnosis \
	--model forest --param n_estimators=30 --seed 4 --dtype auto --out fb-auto2.json
check "... the same" cmp fb-auto2.json fb-32.json
expect_exit 0 "forest with --cv 3, no --dtype" "$TR" --data "$DATA/breast_cancer.csv" --label diagnosis \
	--model forest --param n_estimators=5 --cv 3 --out fb-cv.json
json_is fb-cv.json '"dtype" in j["training"], "input_dtype" in j["model"]' "(False, False)" "... in doubles"
expect_exit 0 "tree, no --dtype" "$TR" --data "$DATA/adult.data.csv" --columns $ADULT_COLS --trim \
	--label income --model tree --param max_depth=12 --out at-auto.json
check "... is the float64 tree, byte for byte" cmp at-auto.json at-64.json
for n in at fb; do
	case $n in
	at) set -- --data "$DATA/adult.data.csv" --columns $ADULT_COLS --trim ;;
	fb) set -- --data "$DATA/breast_cancer.csv" ;;
	esac
	expect_exit 0 "$n float32: evaluate on the training file" "$BIN/mlci-evaluate" --model "$n-32.json" \
		"$@" --out "$n-32-m.json"
	got=$($PY -c '
import json, sys
t = json.load(open(sys.argv[1]))["training"]["accuracy"]
m = json.load(open(sys.argv[2]))["metrics"]["accuracy"]
print(t == m, t, m)' "$n-32.json" "$n-32-m.json")
	case $got in
	True*) ok "$n float32: evaluate's accuracy is the training accuracy ($got)" ;;
	*) not_ok "$n float32: evaluate's accuracy is the training accuracy" "$got" ;;
	esac
done
# values closer together than a single float's step once encoded:
# prediction must encode them as the fit did (the deviation rounded to a
# float, scaled, rounded again), not round the double encoding once, or
# rows on either side of a threshold between neighbouring floats change
# sides (an earlier build: training accuracy 0.9999, evaluate 0.9998)
$PY -c '
import random
random.seed(7)
print("x,y")
for i in range(10000):
    print("%r,%s" % (1000 + random.random() * 0.01, "ab"[random.random() < 0.5]))' >dense.csv
for m in tree forest; do
	ps=; [ $m = forest ] && ps="--param n_estimators=5"
	# shellcheck disable=SC2086
	expect_exit 0 "dense values: $m float32" "$TR" --data dense.csv --label y --model $m \
		$ps --dtype float32 --out "dense-$m.json"
	expect_exit 0 "dense values: $m evaluate" "$BIN/mlci-evaluate" --model "dense-$m.json" \
		--data dense.csv --out "dense-$m-m.json"
	json_is "dense-$m.json" 'j["training"]["accuracy"] == json.load(open("dense-'$m'-m.json"))["metrics"]["accuracy"] < 1' \
		True "dense values: $m float32 evaluate's accuracy is the training accuracy"
done
for t in 1 2 3; do
	expect_exit 0 "forest float32, --threads $t" "$TR" --data "$DATA/wine.csv" --label cultivar \
		--model forest --param n_estimators=20 --seed 3 --dtype float32 --threads $t --out "fw-t$t.json"
done
check "forest float32: 1, 2 and 3 threads give the same bytes" \
	sh -c 'cmp fw-t1.json fw-t2.json && cmp fw-t1.json fw-t3.json'
expect_exit 0 "forest float32 from a pipe" sh -c 'cat "$1" | "$2" --data /dev/stdin --label diagnosis \
	--model forest --param n_estimators=30 --seed 4 --dtype float32 --out pipe-f32.json' \
	sh "$DATA/breast_cancer.csv" "$TR"
check "forest: the pipe's model is the file's" sh -c \
	'grep -v "\"path\":" pipe-f32.json >a && grep -v "\"path\":" fb-32.json >b && cmp -s a b'
# a model file with another input_dtype: one line, 65
sed 's/"input_dtype": "float32"/"input_dtype": "float16"/' fb-32.json >fb-bad.json
expect_exit 65 "input_dtype float16 is refused" "$BIN/mlci-evaluate" --model fb-bad.json \
	--data "$DATA/breast_cancer.csv" --out x-m.json
err_is 'fb-bad.json: model.input_dtype must be "float32" or "float64"$' "names the field"
absent x-m.json "no metrics"

# refused where it does not apply: 64, one line, no model
expect_exit 64 "--dtype float16" "$TR" --data "$DATA/iris.csv" --label species \
	--model logistic --dtype float16 --out x.json
err_is "^mlci-train: --dtype 'float16': expected auto, float64 or float32$" "names the bad dtype"
expect_exit 64 "--dtype float32 for lasso" "$TR" --data "$DATA/diabetes_progression.csv" \
	--label progression --model lasso --dtype float32 --out x.json
err_is "^mlci-train: --dtype float32 is for logistic, linear, ridge, tree, forest, hgb and mlp, not lasso$" "names the families"
expect_exit 64 "--dtype float32 with --cv" "$TR" --data "$DATA/iris.csv" --label species \
	--model logistic --dtype float32 --cv 3 --out x.json
err_is "^mlci-train: --dtype float32 is for a plain fit: not with --cv$" "not with --cv"
expect_exit 64 "--dtype float32 with permutation importance" "$TR" --data "$DATA/iris.csv" \
	--label species --model logistic --dtype float32 --importance permutation --out x.json
err_is "^mlci-train: --dtype float32 is for a plain fit: not with --importance permutation$" \
	"not with permutation importance"
absent x.json "no model after the refusals"
expect_exit 0 "--dtype float64 is the default" "$TR" --data "$DATA/breast_cancer.csv" \
	--label diagnosis --model logistic --dtype float64 --out bc-64b.json
check "... byte for byte" cmp -s bc-64.json bc-64b.json

check "every model validates against its JSON Schema" $PY "$TOP/tests/check_schema.py" \
	bc-32.json iris-32.json dia-32.json lin-32.json adult-32.json ah-32.json dh-32.json huge.json \
	mbc-32.json mdi-32.json at-32.json fb-32.json
