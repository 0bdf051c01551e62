# mlci-train --model tree / forest against scikit-learn. The reference
# values in tests/ref/trees.json come from tests/ref/sklearn_trees.py: the
# same held-out split (data row i is a test row when i % 3 == 2; adult
# tests on adult.test.csv), the same preprocessing and hyperparameters.
# mlci's held-out accuracy (from mlci-evaluate) must be within 1 point of
# scikit-learn's, its RMSE within 2%; forests compare means over the same
# number of seeds (10, adult 3), trees mlci's one deterministic tree with
# scikit-learn's mean over random_state (which breaks ties). Exact checks: max_depth=1 stumps pick
# scikit-learn's feature and threshold; unlimited trees fit data without
# duplicate rows exactly. Then: forests are byte-identical whatever
# --threads; progress goes to stderr only; trees and forests go through
# evaluate, gate, package and deploy; the artifacts match their schemas.
PY=/usr/bin/python3
TR=$BIN/mlci-train
EV=$BIN/mlci-evaluate
REF=$TOP/tests/ref/trees.json
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

# args DATASET: the data options and label for training, then a '|',
# then those for the test file
args() {
	case $1 in
	adult) echo "--data $DATA/adult.data.csv --columns $ADULT_COLS --trim --label income|--data $DATA/adult.test.csv --columns $ADULT_COLS --trim --skip-rows 1 --label-suffix ." ;;
	abalone) echo "--data abalone-train.csv --columns $ABALONE_COLS --label rings|--data abalone-test.csv --columns $ABALONE_COLS" ;;
	breast_cancer) echo "--data breast_cancer-train.csv --label diagnosis|--data breast_cancer-test.csv" ;;
	penguins) echo "--data penguins-train.csv --label Species|--data penguins-test.csv" ;;
	wine) echo "--data wine-train.csv --label cultivar|--data wine-test.csv" ;;
	diabetes) echo "--data diabetes-train.csv --label progression|--data diabetes-test.csv" ;;
	esac
}

# One line per case: NAME DATASET FAMILY SEEDS PARAMS... (from the reference)
$PY - "$REF" >cases.txt <<'EOF'
import json, sys
for name, c in sorted(json.load(open(sys.argv[1]))["cases"].items()):
    ps = []
    for k, v in sorted(c["params"].items()):
        ps.append("--param %s=%s" % (k, "none" if v is None else v))
    # a tree with all features is deterministic: one fit
    seeds = c["seeds"] if c["family"] == "forest" else 1
    print(name, c["data"], c["family"], seeds, " ".join(ps))
EOF
check "the reference lists the cases" test -s cases.txt
# and each again on single floats (--dtype float32: scikit-learn's own
# dtype for trees; each node sorts its values instead of presorting)
awk '{ $1 = $1 "@f32"; print }' cases.txt >cases32.txt && cat cases32.txt >>cases.txt
# under valgrind (minutes per adult forest): the trees and two forests
if [ -n "${MLCI_VALGRIND:-}" ]; then
	grep -E '_tree(@f32)? |^(breast_cancer|diabetes)_forest ' cases.txt >cases.vg && mv cases.vg cases.txt
fi

: >scores.txt
while read -r name ds fam seeds params; do
	a=$(args "$ds"); trargs=${a%%|*}; teargs=${a#*|}
	# (the doubles named: a forest's default, auto, is single floats)
	case $name in *@f32) trargs="$trargs --dtype float32" ;; *) trargs="$trargs --dtype float64" ;; esac
	s=0; fail=
	while [ $s -lt "$seeds" ]; do
		# shellcheck disable=SC2086
		if ! "$TR" $trargs --model "$fam" $params --seed $s --out "$name-$s.json" >/dev/null 2>"$name.err" ||
		   ! "$EV" --model "$name-$s.json" $teargs --out "$name-$s-met.json" >/dev/null 2>>"$name.err"; then
			fail=1
			break
		fi
		s=$((s + 1))
	done
	if [ -n "$fail" ]; then
		not_ok "$name: train and evaluate" "$(head -c 400 "$name.err")"
		continue
	fi
	ok "$name: trained and evaluated ($seeds seed(s))"
	echo "$name $seeds" >>scores.txt
done <cases.txt

$PY - "$REF" >compare.txt 2>&1 <<'EOF'
import json, sys
ref = json.load(open(sys.argv[1]))
for line in open("scores.txt"):
    name, seeds = line.split()
    r = ref["cases"][name.split("@")[0]]
    vals = []
    for s in range(int(seeds)):
        m = json.load(open("%s-%d-met.json" % (name, s)))["metrics"]
        vals.append(m[r["metric"]])
    got = sum(vals) / len(vals)
    want = r["value"]
    if r["metric"] == "accuracy":
        ok = abs(got - want) <= 0.01
        what = "held-out accuracy within 1 point of sklearn's"
    else:
        ok = abs(got - want) <= 0.02 * want
        what = "held-out RMSE within 2% of sklearn's"
    print("%s %s: %s" % ("PASS" if ok else "FAIL", name, what) +
          ("" if ok else ": mlci %.4f, sklearn %.4f" % (got, want)))
    print("INFO %s: %s mlci %.4f sklearn %.4f (%d seed(s))" % (name, r["metric"], got, want, len(vals)))
    if r["family"] == "tree" and r["same_tree_every_seed"]:
        imp = json.load(open("%s-0.json" % name))["model"]["feature_importances"]
        d = max(abs(a - b) for a, b in zip(imp, r["feature_importances"]))
        ok = len(imp) == len(r["feature_importances"]) and d <= 1e-9
        print("%s %s: feature importances are sklearn's (no ties)" % ("PASS" if ok else "FAIL", name) +
              ("" if ok else ": max difference %.3g" % d))
EOF

# stumps: max_depth=1 picks sklearn's feature and threshold
for ds in breast_cancer wine diabetes abalone; do
	a=$(args "$ds"); trargs=${a%%|*}
	# shellcheck disable=SC2086
	expect_exit 0 "$ds: a stump trains" "$TR" $trargs --model tree --param max_depth=1 --out "stump-$ds.json"
done
$PY - "$REF" >>compare.txt 2>&1 <<'EOF'
import json, sys
ref = json.load(open(sys.argv[1]))
for ds, r in sorted(ref["stumps"].items()):
    m = json.load(open("stump-%s.json" % ds))
    t = m["model"]["tree"]
    p = m["preprocessing"]
    f = t["feature"][0]
    out = p["outputs"][f] if f >= 0 else None
    col = next((c for c in p["columns"] if c["name"] == out), None)
    ok = out == r["feature"] and col is not None and t["n_nodes"] == 3
    print("%s %s stump: splits on sklearn's feature" % ("PASS" if ok else "FAIL", ds) +
          ("" if ok else ": mlci %s, sklearn %s" % (out, r["feature"])))
    if not ok:
        continue
    raw = t["threshold"][0] * col["scale"] + col["mean"]
    # the same rows each side: strictly between the two raw values
    # around the threshold; and the midpoint to float32 rounding
    side = r["value_below"] < raw < r["value_above"]
    close = abs(raw - r["threshold_raw"]) <= 1e-6 * max(1.0, abs(r["threshold_raw"]))
    print("%s %s stump: threshold %.9g (raw) is sklearn's %.9g" %
          ("PASS" if side and close else "FAIL", ds, raw, r["threshold_raw"]))
    imp = m["model"]["feature_importances"]
    j = m["features"].index(r["feature"])
    print("%s %s stump: all importance on that feature" %
          ("PASS" if abs(imp[j] - 1) < 1e-12 and abs(sum(imp) - 1) < 1e-12 else "FAIL", ds))
EOF

# unlimited trees on data without duplicate feature rows fit exactly
for ds in breast_cancer wine penguins; do
	a=$(args "$ds"); trargs=${a%%|*}
	# shellcheck disable=SC2086
	expect_exit 0 "$ds: an unlimited tree trains" "$TR" $trargs --model tree --out "full-$ds.json"
done
$PY - "$REF" >>compare.txt 2>&1 <<'EOF'
import json, sys
ref = json.load(open(sys.argv[1]))
for ds, r in sorted(ref["unlimited"].items()):
    m = json.load(open("full-%s.json" % ds))
    acc = m["training"]["accuracy"]
    ok = not r["duplicate_rows"] and acc == 1.0 and r["train_accuracy"] == 1.0
    print("%s %s: an unlimited tree's training accuracy is 1.0 (no duplicate rows)" %
          ("PASS" if ok else "FAIL", ds) + ("" if ok else ": %r" % acc))
    print("INFO %s unlimited tree: mlci %d leaves depth %d; sklearn %d leaves depth %d" %
          (ds, m["training"]["n_leaves"], m["training"]["depth"], r["n_leaves"], r["depth"]))
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

# the same model.json whatever the number of threads
for t in 1 2 3; do
	expect_exit 0 "forest, --threads $t" "$TR" --data breast_cancer-train.csv --label diagnosis \
		--model forest --param n_estimators=25 --seed 7 --threads $t --out "bc-t$t.json"
	expect_exit 0 "regression forest, --threads $t" "$TR" --data diabetes-train.csv \
		--label progression --model forest --param n_estimators=20 --param max_features=0.5 \
		--seed 3 --threads $t --out "db-t$t.json"
done
check "classification forest: 1, 2 and 3 threads give the same bytes" \
	sh -c 'cmp bc-t1.json bc-t2.json && cmp bc-t1.json bc-t3.json'
check "regression forest: 1, 2 and 3 threads give the same bytes" \
	sh -c 'cmp db-t1.json db-t2.json && cmp db-t1.json db-t3.json'
# past one chunk of the scoring pass (512 rows): the chunks' sums are
# added in order, so any thread count gives the same r2 and out-of-bag
# score, and the training r2 is evaluate's on the same rows
for t in 1 2 3; do
	expect_exit 0 "abalone regression forest, --threads $t" "$TR" --data abalone-train.csv \
		--columns $ABALONE_COLS --label rings --model forest --param n_estimators=12 \
		--param max_depth=8 --seed 5 --threads $t --out "ab-t$t.json"
done
check "abalone regression forest: 1, 2 and 3 threads give the same bytes" \
	sh -c 'cmp ab-t1.json ab-t2.json && cmp ab-t1.json ab-t3.json'
expect_exit 0 "abalone forest: evaluate on its training rows" "$EV" --model ab-t1.json \
	--data abalone-train.csv --columns $ABALONE_COLS --out ab-m.json
json_is ab-t1.json 'abs(j["training"]["r2"] - json.load(open("ab-m.json"))["metrics"]["r2"]) < 1e-12 and 0 < j["training"]["oob_score"] < j["training"]["r2"]' \
	True "abalone forest: training r2 is evaluate's, the out-of-bag score below it"
expect_exit 0 "MLCI_THREADS sets --threads" env MLCI_THREADS=2 "$TR" --data breast_cancer-train.csv \
	--label diagnosis --model forest --param n_estimators=25 --seed 7 --out bc-env.json
check "... to the same bytes" cmp bc-t1.json bc-env.json
expect_exit 0 "another seed" "$TR" --data breast_cancer-train.csv --label diagnosis \
	--model forest --param n_estimators=25 --seed 8 --out bc-s8.json
check "another seed grows other trees" sh -c '! cmp -s bc-t1.json bc-s8.json'
json_is bc-t1.json 'j["training"]["oob_rows"] > 0 and 0.85 < j["training"]["oob_score"] <= 1' True \
	"the out-of-bag score is recorded"
json_is bc-t1.json 'len(j["model"]["trees"]) == 25 and abs(sum(j["model"]["feature_importances"]) - 1) < 1e-9' True \
	"25 trees; importances sum to 1"
json_is db-t1.json 'j["training"]["max_features"]' 5 "max_features=0.5 of 10 features is 5"

# --task: numeric labels
expect_exit 0 "integer labels with 3 values: classification (auto)" "$TR" --data wine-train.csv \
	--label cultivar --model tree --param max_depth=2 --out wine-auto.json
json_is wine-auto.json 'j["task"], j["classes"]' "('classification', ['0', '1', '2'])" "wine's cultivar is a class"
expect_exit 0 "--task regression overrides it" "$TR" --data wine-train.csv \
	--label cultivar --model tree --task regression --param max_depth=2 --out wine-reg.json
json_is wine-reg.json 'j["task"], j["model"]["params"]["criterion"]' "('regression', 'squared_error')" "a regression tree"
json_is diabetes_tree-0.json 'j["task"]' regression "many integer values: regression"
expect_exit 64 "a classification criterion on a regression" "$TR" --data diabetes-train.csv \
	--label progression --model tree --param criterion=gini --out x.json
err_is "^mlci-train: --param criterion=gini is for classification; the label makes this a regression task" "one line"
expect_exit 64 "--task for a linear model that cannot" "$TR" --data diabetes-train.csv \
	--label progression --model linear --task classification --out x.json
expect_exit 64 "unknown tree parameter" "$TR" --data wine-train.csv --label cultivar --model tree \
	--param n_estimators=3 --out x.json
err_is "^mlci-train: --param n_estimators=3: model 'tree' has no parameter 'n_estimators' \(it takes: criterion, max_depth, max_features, min_samples_leaf, min_samples_split\)$" "names the keys"
for p in max_depth=0 max_depth=1.5 min_samples_leaf=0 min_samples_split=1 max_features=0 \
	max_features=1.5 max_features=cube criterion=mae; do
	expect_exit 64 "--param $p" "$TR" --data wine-train.csv --label cultivar --model tree --param "$p" --out x.json
	err_is "^mlci-train: --param $p: " "--param $p: one line"
done
expect_exit 64 "--threads -1" "$TR" --data wine-train.csv --label cultivar --model forest --threads -1 --out x.json
absent x.json "no model left by a usage error"
expect_exit 0 "entropy" "$TR" --data wine-train.csv --label cultivar --model tree \
	--param criterion=entropy --param max_features=sqrt --seed 1 --out wine-ent.json
json_is wine-ent.json 'j["model"]["params"]["criterion"], j["training"]["max_features"]' "('entropy', 3)" "criterion and sqrt(13) recorded"
# scikit-learn's name for entropy: the same model
expect_exit 0 "criterion=log_loss" "$TR" --data wine-train.csv --label cultivar --model tree \
	--param criterion=log_loss --param max_features=sqrt --seed 1 --out wine-ll.json
check "log_loss is entropy: the same model" cmp <(grep -v '"created"' wine-ent.json) <(grep -v '"created"' wine-ll.json)

# progress: stderr only, plain lines when stderr is not a terminal
DEPTH=16
[ -n "${MLCI_VALGRIND:-}" ] && DEPTH=6
expect_exit 0 "a long forest fit" "$TR" --data "$DATA/adult.data.csv" --columns "$ADULT_COLS" --trim \
	--label income --model forest --param n_estimators=40 --param max_depth=$DEPTH --threads 2 \
	--progress-interval 0 --out adult-forest.json
check "progress on stderr: trees done, elapsed, estimate" grep -Eq '^mlci-train: [0-9]+/40 trees, [0-9.]+ s elapsed, ~[0-9]+ s left$' "$T/err"
check "the last progress line says 40/40" grep -q '^mlci-train: 40/40 trees' "$T/err"
check "stdout is the one summary line" sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q "^trained forest" "$1"' _ "$T/out"
expect_exit 0 "progress under GitLab CI" env GITLAB_CI=true "$TR" --data wine-train.csv --label cultivar \
	--model forest --param n_estimators=5 --threads 1 --progress-interval 0 --out wine-gl.json
check "... in a collapsed section" sh -c 'grep -q "section_start:[0-9]*:mlci_train_progress\[collapsed=true\]" "$1" &&
	grep -q "5/5 trees" "$1" && tail -n 1 "$1" | grep -q "section_end:[0-9]*:mlci_train_progress"' _ "$T/err"
expect_exit 0 "a quick fit" "$TR" --data wine-train.csv --label cultivar --model forest \
	--param n_estimators=5 --out wine-quiet.json
check "... prints no progress" sh -c '[ ! -s "$1" ]' _ "$T/err"

# the rest of the pipeline through the model interface
expect_exit 0 "evaluate the forest on adult.test" "$EV" --model adult-forest.json --data "$DATA/adult.test.csv" \
	--columns "$ADULT_COLS" --trim --skip-rows 1 --label-suffix . --out adult-met.json --predictions adult-pred.csv
expect_exit 0 "gate" "$BIN/mlci-gate" --metrics adult-met.json --rules "$TOP/templates/gate.rules" --out gate.json
expect_exit 0 "package the forest" "$BIN/mlci-package" --model adult-forest.json --metrics adult-met.json \
	--gate gate.json --name adult-forest --version 1.0.0 --out-dir dist
expect_exit 0 "deploy it" "$BIN/mlci-deploy" --package dist/adult-forest-1.0.0.tar.gz \
	--to "dir://$T/registry" --channel staging --out deploy.json
expect_exit 0 "package a regression tree" "$BIN/mlci-package" --model diabetes_tree-0.json \
	--name diabetes-tree --version 1 --out-dir dist2
check "every artifact validates against its JSON Schema" \
	$PY "$TOP/tests/check_schema.py" adult-forest.json adult-met.json gate.json dist/package.json \
	deploy.json diabetes_tree-0.json bc-t1.json stump-wine.json wine-ent.json

# hostile tree and forest models: every size is checked against the
# file's own arrays before allocating, every index before use; one 65
# line naming the file, in small memory
hostile() {	# hostile NAME BASE PYTHON: BASE.json changed by PYTHON (m) into NAME.json
	$PY - "$1" "$2" "$3" <<'PYEOF'
import json, sys
name, base, change = sys.argv[1:4]
m = json.load(open(base + ".json"))
t = m["model"].get("tree")
exec(change)
open(name + ".json", "w").write(json.dumps(m).replace('"@BIG@"', '99999999999999999999999'))
PYEOF
}
hostile nodes-1e12 stump-wine 't["n_nodes"] = 10**12'
hostile nodes-big stump-wine 't["n_nodes"] = "@BIG@"'
hostile nodes-negative stump-wine 't["n_nodes"] = -3'
hostile child-out stump-wine 't["left"][0] = 10**9'
hostile child-back stump-wine 't["right"][0] = 0'
hostile child-shared stump-wine 't["right"][0] = t["left"][0]'
hostile feature-out stump-wine 't["feature"][0] = m["preprocessing"]["n_outputs"]'
hostile threshold-nan stump-wine 't["threshold"][0] = "NaN"'
hostile value-1e6 stump-wine 't["value"][1] = [0.0] * 1000000'
hostile value-zero stump-wine 't["value"][1] = [0.0, 0.0, 0.0]'
hostile value-negative stump-wine 't["value"][2] = [3.0, -1.0, 0.0]'
hostile arrays-1e6 stump-wine 't["left"] = [-1] * 1000000'
hostile no-tree stump-wine 'del m["model"]["tree"]'
hostile importances-short stump-wine 'm["model"]["feature_importances"].pop()'
hostile trees-too-many bc-t1 'm["model"]["trees"] = [dict(n_nodes=1, feature=[-1], threshold=[0], left=[-1], right=[-1], value=[[1, 0]])] * 100001'
hostile trees-empty bc-t1 'm["model"]["trees"] = []'
hostile trees-one-bad bc-t1 'm["model"]["trees"][24]["feature"][0] = -7'
LIMIT_MB=${MLCI_HOSTILE_RSS_MB:-200}
if ldd "$EV" 2>/dev/null | grep -q libasan; then LIMIT_MB=$((LIMIT_MB * 4)); fi
for c in nodes-1e12 nodes-big nodes-negative child-out child-back child-shared feature-out \
	threshold-nan value-1e6 value-zero value-negative arrays-1e6 no-tree importances-short trees-too-many \
	trees-empty trees-one-bad; do
	case $c in trees-*) d=breast_cancer-test.csv ;; *) d=wine-test.csv ;; esac
	/usr/bin/time -f %M -o rss "$EV" --model $c.json --data $d --out hm.json >"$T/out" 2>"$T/err"
	got=$?
	rss=$(tail -n 1 rss)
	if [ "$got" -ne 65 ]; then not_ok "evaluate refuses $c with 65" "exit $got: $(head -c 300 "$T/err")"
	elif [ "$rss" -gt $((LIMIT_MB * 1024)) ]; then not_ok "evaluate refuses $c in small memory" "peak RSS $rss KB"
	else ok "evaluate refuses $c with 65 (peak RSS $((rss / 1024)) MB)"; fi
	err_is "^mlci-evaluate: $c.json(:[0-9]+:[0-9]+)?: " "$c: one line naming the model"
	absent hm.json "$c: no metrics left"
done
expect_exit 65 "mlci-package refuses a broken tree too" "$BIN/mlci-package" --model child-out.json \
	--name x --version 1 --out-dir dist3
err_is "^mlci-package: child-out.json: model.tree node 0: children must be" "the loader's message"
