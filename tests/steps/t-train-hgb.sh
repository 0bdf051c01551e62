# mlci-train --model hgb against scikit-learn's HistGradientBoosting*. The
# reference values in tests/ref/hgb.json come from tests/ref/sklearn_hgb.py:
# the split of sklearn_trees.py (data row i is a test row when i % 3 == 2;
# adult tests on adult.test.csv), numeric columns standardised with missing
# values left as NaN, scikit-learn's default hyperparameters (early
# stopping on for adult), string columns one-hot (--param
# categorical=onehot) or, the "_native" cases, native categorical splits
# against categorical_features (early stopping off). mlci's held-out
# accuracy must be within 1 point of scikit-learn's, its RMSE within 2%
# (the mean over --seed 0..2, as the reference is over random_state
# 0..2). Then: the root split of a two-leaf tree on a tiny set is
# scikit-learn's, numeric and categorical (the categories sent left,
# missing and unseen categories); bad parameters (64), a single class
# (65), an all-missing feature, NaN and inf cells, more categories than
# max_bins, the same bytes whatever --threads, early stopping stopping on
# noise, the schema, hostile categorical nodes.
PY=/usr/bin/python3
TR=$BIN/mlci-train
EV=$BIN/mlci-evaluate
REF=$TOP/tests/ref/hgb.json
ADULT_COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
ABALONE_COLS=sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings
export SOURCE_DATE_EPOCH=1700000000

split() {	# split FILE NAME HEADER(1|0): NAME-train.csv and NAME-test.csv
	awk -v h="$3" -v tr="$2-train.csv" -v te="$2-test.csv" '
		h && NR == 1 { print > tr; print > te; next }
		{ i = NR - 1 - h; if (i % 3 == 2) print > te; else print > tr }' "$1"
}
split "$DATA/breast_cancer.csv" breast_cancer 1
split "$DATA/penguins.csv" penguins 1
split "$DATA/wine.csv" wine 1
split "$DATA/diabetes_progression.csv" diabetes 1
split "$DATA/abalone.data" abalone 0

args() {	# the training options, '|', the test options
	case $1 in
	adult) echo "--data $DATA/adult.data.csv --columns $ADULT_COLS --trim --label income|--data $DATA/adult.test.csv --columns $ADULT_COLS --trim --skip-rows 1 --label-suffix ." ;;
	abalone) echo "--data abalone-train.csv --columns $ABALONE_COLS --label rings|--data abalone-test.csv --columns $ABALONE_COLS" ;;
	breast_cancer) echo "--data breast_cancer-train.csv --label diagnosis|--data breast_cancer-test.csv" ;;
	penguins) echo "--data penguins-train.csv --label Species|--data penguins-test.csv" ;;
	wine) echo "--data wine-train.csv --label cultivar|--data wine-test.csv" ;;
	diabetes) echo "--data diabetes-train.csv --label progression|--data diabetes-test.csv" ;;
	esac
}

$PY - "$REF" >cases.txt <<'PYEOF'
import json, sys
ref = json.load(open(sys.argv[1]))
for name, c in sorted(ref["cases"].items()):
    ps = " ".join("--param %s=%s" % (k, str(v).lower() if isinstance(v, bool) else v)
                  for k, v in sorted(c["params"].items()))
    print(name, c["data"], c["seeds"], ps, "--param categorical=%s" % c["categorical"])
PYEOF
check "the reference lists the cases" test -s cases.txt
: >scores.txt
while read -r cn ds seeds params; do
	a=$(args "$ds"); trargs=${a%%|*}; teargs=${a#*|}
	s=0; fail=
	while [ $s -lt "$seeds" ]; do
		# shellcheck disable=SC2086
		if ! "$TR" $trargs --model hgb $params --seed $s --out "$cn-$s.json" >/dev/null 2>"$cn.err" ||
		   ! "$EV" --model "$cn-$s.json" $teargs --out "$cn-$s-met.json" >/dev/null 2>>"$cn.err"; then
			fail=1
			break
		fi
		s=$((s + 1))
	done
	if [ -n "$fail" ]; then
		not_ok "$cn: train and evaluate" "$(head -c 400 "$cn.err")"
		continue
	fi
	ok "$cn: trained and evaluated ($seeds seeds)"
	echo "$cn $seeds" >>scores.txt
done <cases.txt

$PY - "$REF" >compare.txt 2>&1 <<'PYEOF'
import json, sys
ref = json.load(open(sys.argv[1]))
for line in open("scores.txt"):
    ds, seeds = line.split()
    r = ref["cases"][ds]
    vals = [json.load(open("%s-%d-met.json" % (ds, s)))["metrics"][r["metric"]]
            for s in range(int(seeds))]
    got = sum(vals) / len(vals)
    ref_v = r["value"]
    if r["metric"] == "accuracy":
        good = abs(got - ref_v) <= 0.01
        what = "held-out accuracy within 1 point of sklearn's"
    else:
        good = abs(got - ref_v) <= 0.02 * ref_v
        what = "held-out RMSE within 2% of sklearn's"
    print("%s %s: %s" % ("PASS" if good else "FAIL", ds, what) +
          ("" if good else ": mlci %.4f, sklearn %.4f" % (got, ref_v)))
    print("INFO %s: %s mlci %.4f sklearn %.4f" % (ds, r["metric"], got, ref_v))
    if "log_loss" in r:
        ll = [json.load(open("%s-%d-met.json" % (ds, s)))["metrics"]["log_loss"]
              for s in range(int(seeds))]
        print("INFO %s: log_loss mlci %.4f sklearn %.4f" % (ds, sum(ll) / len(ll), r["log_loss"]))
    m = json.load(open("%s-0.json" % ds))
    cols = m["preprocessing"]["columns"]
    native = [c["name"] for c in cols if c.get("encoding") == "ordinal"]
    strs = [c["name"] for c in cols if c["type"] == "categorical"]
    want = strs if r["categorical"] == "native" else []
    print("%s %s: string columns %s" % ("PASS" if native == want else "FAIL", ds,
          "native" if want else "one-hot") + ("" if native == want else ": %s" % native))
    rec = m["model"]["params"].get("categorical")
    print("%s %s: model.json records categorical=%s" % (
        "PASS" if rec == r["categorical"] else "FAIL", ds, rec))
    es = m["training"]["early_stopping"]
    print("%s %s: early stopping %s, as sklearn's auto" % (
        "PASS" if es == r["early_stopping"] else "FAIL", ds, "on" if es else "off"))
    imp = m["model"]["feature_importances"]
    print("%s %s: gain importances sum to 1" % (
        "PASS" if abs(sum(imp) - 1) < 1e-9 and min(imp) >= 0 else "FAIL", ds))
PYEOF

# the tiny set: one iteration of a two-leaf tree is sklearn's
# ref_params CASE: the reference case's hyperparameters as --param flags
ref_params() {
	$PY -c 'import json,sys; s=json.load(open(sys.argv[1]))[sys.argv[2]]; print(" ".join("--param %s=%s" % (k, str(v).lower()) for k, v in sorted(s["params"].items())))' "$REF" "$1"
}
st=$(ref_params stump)
# shellcheck disable=SC2086
expect_exit 0 "the tiny set trains" "$TR" --data "$TOP/tests/ref/hgb_tiny.csv" --label y --model hgb $st --out tiny.json
expect_exit 0 "... and predicts" "$EV" --model tiny.json --data "$TOP/tests/ref/hgb_tiny.csv" --out tiny-met.json --predictions tiny-pred.csv
$PY - "$REF" >>compare.txt 2>&1 <<'PYEOF'
import csv, json, sys
r = json.load(open(sys.argv[1]))["stump"]
m = json.load(open("tiny.json"))
t = m["model"]["trees"][0]
f = t["feature"][0]
col = m["preprocessing"]["columns"][f] if f >= 0 else None
good = col is not None and col["name"] == r["feature"] and t["n_nodes"] == 3
print("%s tiny: the root splits on sklearn's feature" % ("PASS" if good else "FAIL") +
      ("" if good else ": %r" % t))
if good:
    raw = t["threshold"][0] * col["scale"] + col["mean"]
    print("%s tiny: threshold %.9g (raw) is sklearn's %.9g" % (
        "PASS" if abs(raw - r["threshold_raw"]) < 1e-9 else "FAIL", raw, r["threshold_raw"]))
    print("%s tiny: missing values go %s, as sklearn's" % (
        "PASS" if bool(t["missing_left"][0]) == r["missing_go_to_left"] else "FAIL",
        "left" if t["missing_left"][0] else "right"))
    leaves = [v for v, ff in zip(t["value"], t["feature"]) if ff < 0]
    close = len(leaves) == 2 and all(abs(a - b) < 1e-6 for a, b in zip(leaves, r["leaf_values"]))
    print("%s tiny: leaf values %s are sklearn's %s (to float32)" % ("PASS" if close else "FAIL", leaves, r["leaf_values"]))
    base = m["model"]["baseline"][0]
    print("%s tiny: the baseline is the mean" % ("PASS" if abs(base - r["baseline"]) < 1e-12 else "FAIL"))
    rows = list(csv.DictReader(open("tiny-pred.csv")))
    key = [k for k in rows[0] if k not in ("row",)][-1]
    pred = [float(x[key]) for x in rows]
    close = len(pred) == len(r["predictions"]) and all(abs(a - b) < 1e-6 for a, b in zip(pred, r["predictions"]))
    print("%s tiny: predictions are sklearn's" % ("PASS" if close else "FAIL") +
          ("" if close else ": %s vs %s" % (pred, r["predictions"])))
PYEOF
# the tiny categorical set: the root's categories, missing values, unseen
# categories are sklearn's
sc=$(ref_params stump_cat)
# shellcheck disable=SC2086
expect_exit 0 "the tiny categorical set trains" "$TR" --data "$TOP/tests/ref/hgb_tiny_cat.csv" --label y --model hgb $sc --out tinyc.json
expect_exit 0 "... predicts its rows" "$EV" --model tinyc.json --data "$TOP/tests/ref/hgb_tiny_cat.csv" --out tinyc-met.json --predictions tinyc-pred.csv
expect_exit 0 "... and rows with a missing and an unseen category" "$EV" --model tinyc.json \
	--data "$TOP/tests/ref/hgb_tiny_cat_probe.csv" --out tinyc-pmet.json --predictions tinyc-probe.csv
$PY - "$REF" >>compare.txt 2>&1 <<'PYEOF'
import csv, json, sys
r = json.load(open(sys.argv[1]))["stump_cat"]
m = json.load(open("tinyc.json"))
t = m["model"]["trees"][0]
f = t["feature"][0]
col = m["preprocessing"]["columns"][f] if f >= 0 else None
good = (col is not None and col["name"] == r["feature"] and col.get("encoding") == "ordinal"
        and t["n_nodes"] == 3 and "left_categories" in t and r["is_categorical"])
print("%s tiny categorical: the root splits on sklearn's categorical feature" % ("PASS" if good else "FAIL") +
      ("" if good else ": %r" % t))
if good:
    left = [col["categories"][k] for k in t["left_categories"][0]]
    print("%s tiny categorical: categories %s go left, as sklearn's" % (
        "PASS" if left == r["left_categories"] else "FAIL", left) +
        ("" if left == r["left_categories"] else ": sklearn %s" % r["left_categories"]))
    print("%s tiny categorical: missing values go %s, as sklearn's" % (
        "PASS" if bool(t["missing_left"][0]) == r["missing_go_to_left"] else "FAIL",
        "left" if t["missing_left"][0] else "right"))
    print("%s tiny categorical: leaves have no categories" % (
        "PASS" if t["left_categories"][1:] == [None, None] else "FAIL"))
def preds(name):
    rows = list(csv.DictReader(open(name)))
    key = [k for k in rows[0] if k not in ("row",)][-1]
    return [float(x[key]) for x in rows]
for what, name, want in (("training rows", "tinyc-pred.csv", r["predictions"]),
                         ("a missing and an unseen category", "tinyc-probe.csv", r["probe_predictions"])):
    got = preds(name)
    close = len(got) == len(want) and all(abs(a - b) < 1e-6 for a, b in zip(got, want))
    print("%s tiny categorical: predictions on %s are sklearn's" % ("PASS" if close else "FAIL", what) +
          ("" if close else ": %s vs %s" % (got, want)))
PYEOF
[ -s compare.txt ] || not_ok "the comparisons ran"
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "${line#PASS }" ;;
	FAIL\ *) rest=${line#FAIL }; not_ok "${rest%%: *}" "${rest#*: }" ;;
	INFO\ *) echo "# ${line#INFO }" ;;
	*) not_ok "comparison output" "$line" ;;
	esac
done <compare.txt

# bad parameters: 64, one line, no model left
for p in learning_rate=0 learning_rate=-1 learning_rate=abc max_iter=0 max_iter=1.5 \
	max_leaf_nodes=1 max_depth=0 min_samples_leaf=0 l2_regularization=-1 max_bins=1 \
	max_bins=256 early_stopping=maybe validation_fraction=0 validation_fraction=1 \
	n_iter_no_change=0 tol=-1 categorical=maybe categorical= n_estimators=10; do
	expect_exit 64 "--param $p" "$TR" --data wine-train.csv --label cultivar --model hgb --param "$p" --out bad.json
	err_is "^mlci-train: --param $p: " "--param $p: one line"
done
absent bad.json "no model left by a bad parameter"
err_is "model 'hgb' has no parameter 'n_estimators' \(it takes: categorical, early_stopping, " "an unknown key names the keys"

# a validation fraction that leaves no training rows: 65, as scikit-learn
# refuses it (ceil(0.999 * n) is every row)
expect_exit 65 "validation_fraction 0.999 of a small file" "$TR" --data wine-train.csv --label cultivar \
	--model hgb --param early_stopping=true --param validation_fraction=0.999 --out vf.json
err_is "^mlci-train: validation_fraction 0.999 of [0-9]+ rows leaves none to train on" "... says so in one line"
absent vf.json "... and leaves no model"

# a single class: 65
awk -F, 'NR == 1 || $NF == 0' wine-train.csv >one-class.csv
expect_exit 65 "a single class" "$TR" --data one-class.csv --label cultivar --model hgb --task classification --out one.json
err_is "single class" "... says so"
absent one.json "... and leaves no model"

# an all-missing feature, NaN cells, and a column with inf (not a number:
# categorical) train and predict
awk -F, 'BEGIN { OFS = "," } NR == 1 { print "empty", "infcol", $0; next }
	{ v = (NR % 7 == 0) ? "NaN" : $1; $1 = v; print "", (NR % 5 == 0 ? "inf" : NR % 3), $0 }' \
	breast_cancer-train.csv >odd-train.csv
awk -F, 'BEGIN { OFS = "," } NR == 1 { print "empty", "infcol", $0; next }
	{ $2 = ""; print "", "-inf", $0 }' breast_cancer-test.csv >odd-test.csv
expect_exit 0 "an all-missing feature, NaN and inf cells train" "$TR" --data odd-train.csv --label diagnosis \
	--model hgb --param max_iter=20 --out odd.json
json_is odd.json 'j["preprocessing"]["missing"], [c["type"] for c in j["preprocessing"]["columns"][:2]]' \
	"('nan', ['numeric', 'categorical'])" "missing values stay NaN (recorded); inf makes a column categorical"
json_is odd.json 'j["model"]["feature_importances"][0]' 0.0 "the all-missing feature is never split on"
json_is odd.json 'any(f == 2 and m == 1 for t in j["model"]["trees"] for f, m in zip(t["feature"], t["missing_left"]) if f >= 0) or all(f != 2 for t in j["model"]["trees"] for f in t["feature"])' True \
	"a feature with NaN in training learns where NaN goes"
expect_exit 0 "... and predict rows with NaN where training had none" "$EV" --model odd.json --data odd-test.csv \
	--out odd-met.json --predictions odd-pred.csv
json_is odd-met.json 'j["metrics"]["accuracy"] > 0.8' True "... sensibly"

# the same bytes whatever --threads (early stopping on: adult; multiclass)
for t in 1 2 3; do
	expect_exit 0 "adult, --threads $t" "$TR" --data "$DATA/adult.data.csv" --columns "$ADULT_COLS" --trim \
		--label income --model hgb --param max_iter=30 --seed 4 --threads $t --out adult-t$t.json
	expect_exit 0 "penguins, --threads $t" "$TR" --data penguins-train.csv --label Species --model hgb \
		--param max_iter=30 --param early_stopping=true --seed 4 --threads $t --out pg-t$t.json
done
check "adult: 1, 2 and 3 threads give the same bytes" sh -c 'cmp adult-t1.json adult-t2.json && cmp adult-t1.json adult-t3.json'
check "penguins: 1, 2 and 3 threads give the same bytes" sh -c 'cmp pg-t1.json pg-t2.json && cmp pg-t1.json pg-t3.json'
json_is adult-t1.json 'sum(c.get("encoding") == "ordinal" for c in j["preprocessing"]["columns"]), any("left_categories" in t for t in j["model"]["trees"])' \
	"(8, True)" "adult: native by default, 8 categorical columns, categorical splits in the trees"
for t in 1 2; do
	expect_exit 0 "adult one-hot, --threads $t" "$TR" --data "$DATA/adult.data.csv" --columns "$ADULT_COLS" --trim \
		--label income --model hgb --param max_iter=20 --param categorical=onehot --seed 4 --threads $t --out adult-oh-t$t.json
done
check "adult one-hot: 1 and 2 threads give the same bytes" cmp adult-oh-t1.json adult-oh-t2.json
json_is adult-oh-t1.json '[c.get("encoding") for c in j["preprocessing"]["columns"]].count(None), j["model"]["params"]["categorical"], any("left_categories" in t for t in j["model"]["trees"])' \
	"(14, 'onehot', False)" "... one-hot as before: no ordinal column, no categorical node"

# more categories than max_bins: that column one-hot, with a warning (the
# others native); scikit-learn refuses such a column
$PY -c '
import random
r = random.Random(5)
print("big,small,x,y")
for i in range(3000):
    print("k%d,%s,%.3f,%s" % (r.randrange(300), r.choice("pqr"), r.random(), r.choice("01")))' >wide.csv
expect_exit 0 "300 categories train" "$TR" --data wide.csv --label y --model hgb --param max_iter=5 --out wide.json
err_is "warning: column 'big' has 300 categories, more than max_bins \(255\): one-hot encoded" "... with a warning naming the column"
json_is wide.json '[c.get("encoding") for c in j["preprocessing"]["columns"]], j["preprocessing"]["n_outputs"], j["training"]["warnings"][0][:20]' \
	"([None, 'ordinal', None], 302, \"column 'big' has 300\")" "... that column one-hot, the other native; the warning recorded"
expect_exit 0 "... predicts" "$EV" --model wide.json --data wide.csv --out wide-met.json
expect_exit 0 "max_bins=3 sends a 3-category column native" "$TR" --data wide.csv --label y --model hgb \
	--param max_iter=5 --param max_bins=3 --exclude big --out wide3.json
json_is wide3.json '[c.get("encoding") for c in j["preprocessing"]["columns"]], "warnings" in j["training"]' \
	"(['ordinal', None], False)" "... without a warning"
expect_exit 0 "max_bins=2: one-hot, warned" "$TR" --data wide.csv --label y --model hgb \
	--param max_iter=5 --param max_bins=2 --exclude big --out wide2.json
json_is wide2.json '[c.get("encoding") for c in j["preprocessing"]["columns"]], j["preprocessing"]["n_outputs"], j["training"]["warnings"]' \
	"([None, None], 4, [\"column 'small' has 3 categories, more than max_bins (2): one-hot encoded\"])" "... the 3 categories one-hot, said in training.warnings"
expect_exit 0 "another seed" "$TR" --data "$DATA/adult.data.csv" --columns "$ADULT_COLS" --trim \
	--label income --model hgb --param max_iter=30 --seed 5 --threads 2 --out adult-s5.json
check "... draws other validation rows" sh -c '! cmp -s adult-t1.json adult-s5.json'
json_is adult-t1.json 'j["training"]["n_validation"], len(j["training"]["train_loss"]) == len(j["training"]["validation_loss"]) == j["training"]["n_iter_run"] + 1' \
	"(3257, True)" "10% held out (ceil); loss curves from the baseline on"

# early stopping stops on noise: labels independent of the features
$PY -c '
import random
r = random.Random(3)
print("a,b,c,y")
for i in range(12000):
    print("%.4f,%.4f,%d,%s" % (r.random(), r.gauss(0, 1), r.randrange(9), r.choice("xy")))' >noise.csv
expect_exit 0 "noise trains" "$TR" --data noise.csv --label y --model hgb --progress-interval 0 --out noise.json
json_is noise.json 'j["training"]["early_stopping"], j["training"]["n_iter_run"] < 100, j["model"]["n_iter"] <= j["training"]["n_iter_run"], len(j["model"]["trees"]) == j["model"]["n_iter"]' \
	"(True, True, True, True)" "early stopping (auto: 12000 rows) stops before max_iter and keeps the best iteration"
check "progress on stderr: iterations done" grep -Eq '^mlci-train: [0-9]+/100 iterations, ' "$T/err"
expect_exit 0 "early_stopping=false runs every iteration" "$TR" --data noise.csv --label y --model hgb \
	--param early_stopping=false --param max_iter=15 --out noise-all.json
json_is noise-all.json 'j["model"]["n_iter"], "validation_loss" in j["training"], len(j["training"]["train_loss"])' \
	"(15, False, 16)" "... and records the training loss only"
json_is noise-all.json 'all(a >= b for a, b in zip(j["training"]["train_loss"], j["training"]["train_loss"][1:]))' True \
	"the training loss never rises"

# the rest of the pipeline, and the schema
expect_exit 0 "package an hgb model" "$BIN/mlci-package" --model diabetes-0.json --name diabetes-hgb \
	--version 1 --out-dir dist
check "every artifact validates against its JSON Schema" \
	$PY "$TOP/tests/check_schema.py" adult-0.json penguins-0.json diabetes-0.json odd.json noise.json \
	tiny.json tinyc.json wide.json adult-t1.json adult-oh-t1.json dist/package.json

# hostile models: one 65 line naming the file
$PY - <<'PYEOF'
import json
m = json.load(open("wine-0.json"))
def w(name, f):
    j = json.loads(json.dumps(m)); f(j); open(name + ".json", "w").write(json.dumps(j))
w("h-child", lambda j: j["model"]["trees"][0]["left"].__setitem__(0, 0))
w("h-feature", lambda j: j["model"]["trees"][0]["feature"].__setitem__(0, 999))
w("h-count", lambda j: j["model"].__setitem__("n_iter", 7))
w("h-baseline", lambda j: j["model"].__setitem__("baseline", [0.0]))
w("h-missing", lambda j: j["model"]["trees"][1]["missing_left"].__setitem__(0, 2))
w("h-prep", lambda j: j["preprocessing"].__setitem__("missing", "zero"))
m = json.load(open("pg-t1.json"))
ti = next(i for i, t in enumerate(m["model"]["trees"]) if "left_categories" in t)
ni = next(i for i, c in enumerate(m["model"]["trees"][ti]["left_categories"]) if c is not None)
def lc(f):
    return lambda j: f(j["model"]["trees"][ti]["left_categories"])
w("h-catlen", lc(lambda a: a.pop()))
w("h-catrange", lc(lambda a: a[ni].append(99)))
w("h-catorder", lc(lambda a: a.__setitem__(ni, a[ni][::-1] + a[ni][:1])))
w("h-catleaf", lc(lambda a: a.__setitem__(len(a) - 1, [0])))
w("h-catnum", lambda j: j["model"]["trees"][ti]["feature"].__setitem__(ni, 1))
w("h-encoding", lambda j: j["preprocessing"]["columns"][0].__setitem__("encoding", "binary"))
w("h-outname", lambda j: j["preprocessing"]["columns"][0].pop("encoding"))
PYEOF
for c in h-child h-feature h-count h-baseline h-missing h-prep; do
	expect_exit 65 "evaluate refuses $c" "$EV" --model $c.json --data wine-test.csv --out hm.json
	err_is "^mlci-evaluate: $c.json: " "$c: one line naming the model"
done
for c in h-catlen h-catrange h-catorder h-catleaf h-catnum h-encoding h-outname; do
	expect_exit 65 "evaluate refuses $c" "$EV" --model $c.json --data penguins-test.csv --out hm.json
	err_is "^mlci-evaluate: $c.json: " "$c: one line naming the model"
done
