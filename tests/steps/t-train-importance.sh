# mlci-train --importance permutation, by its properties against
# sklearn.inspection.permutation_importance (tests/ref/importance.json from
# tests/ref/sklearn_importance.py: the same data with a column of noise
# inserted first, the same model fitted on all rows, importance on those
# rows, 30 repeats). The permutations differ (numpy's generator), so the
# values cannot match; instead: the noise column's importance is nil
# (|mean| < 3 std, or < 0.01); the strongest feature is scikit-learn's
# when scikit-learn's top two are apart by over four standard errors, and
# the top three are in scikit-learn's order when each gap among the top
# four is; the importances cover the input features (not the encoded
# ones). Then: the same seed gives the same bytes, another seed other
# permutations; trees keep their impurity importances; bad options are
# usage errors; the artifacts match the schema.
PY=/usr/bin/python3
TR=$BIN/mlci-train
REF=$TOP/tests/ref/importance.json
export SOURCE_DATE_EPOCH=1700000000

# noise FILE OUT: the noise column first (row i: ((i*7919 + 13) % 1009) / 1009)
noise() {
	awk -F, -v OFS=, 'NR == 1 { print "noise", $0; next }
		{ i = NR - 2; printf "%.17g,%s\n", ((i * 7919 + 13) % 1009) / 1009, $0 }' "$1" >"$2"
}
noise "$DATA/breast_cancer.csv" breast_cancer.csv
noise "$DATA/wine.csv" wine.csv
noise "$DATA/penguins.csv" penguins.csv
noise "$DATA/diabetes_progression.csv" diabetes.csv

$PY - "$REF" >cases.txt <<'EOF'
import json, sys
for n, c in sorted(json.load(open(sys.argv[1]))["cases"].items()):
    print(n, c["data"], c["label"], c["family"], c["n_repeats"])
EOF
check "the reference lists the cases" test -s cases.txt
while read -r case ds label fam reps; do
	expect_exit 0 "$case: trained with --importance permutation" "$TR" --data "$ds.csv" \
		--label "$label" --model "$fam" --importance permutation --importance-repeats "$reps" \
		--out "$case.json"
done <cases.txt

$PY - "$REF" >compare.txt 2>&1 <<'EOF'
import json, os, sys

def report(ok, name, detail=""):
    print(("PASS %s" if ok else "FAIL %s: " + detail.replace("%", "%%")) % name)

for case, r in sorted(json.load(open(sys.argv[1]))["cases"].items()):
    if not os.path.exists(case + ".json"):
        continue
    m = json.load(open(case + ".json"))
    t = m["training"]
    pi = t.get("permutation_importance", {})
    meta = t.get("permutation", {})
    report(sorted(pi) == sorted(m["features"]) == sorted(r["importance"]),
           case + ": one entry per input feature", str(sorted(pi))[:200])
    report(meta.get("repeats") == r["n_repeats"] and meta.get("data") == "training"
           and meta.get("metric") == ("accuracy" if m["task"] == "classification" else "r2"),
           case + ": repeats, data and metric recorded", str(meta))
    report(abs(meta.get("baseline", -1) - r["baseline"]) <= 1e-6,
           case + ": the baseline is sklearn's training score", "%r vs %r" % (meta.get("baseline"), r["baseline"]))
    nz = pi.get("noise", {"mean": 1, "std": 0})
    report(abs(nz["mean"]) < 3 * nz["std"] or abs(nz["mean"]) < 0.01,
           case + ": the noise column's importance is nil", str(nz))
    rank = sorted(pi, key=lambda f: -pi[f]["mean"])
    if r["top1_separated"]:
        report(rank[0] == r["ranking"][0], case + ": the strongest feature is sklearn's",
               "%s vs %s" % (rank[0], r["ranking"][0]))
    if r["top3_separated"]:
        report(rank[:3] == r["ranking"][:3], case + ": the top three in sklearn's order",
               "%s vs %s" % (rank[:3], r["ranking"][:3]))
    print("INFO %s: mlci top 3 %s, sklearn %s; noise %.4f +- %.4f"
          % (case, rank[:3], r["ranking"][:3], nz["mean"], nz["std"]))
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

P="--data penguins.csv --label Species --model logistic --importance permutation"
expect_exit 0 "penguins, seed 0" "$TR" $P --out s0.json
expect_exit 0 "penguins, seed 0 again" "$TR" $P --out s0b.json
expect_exit 0 "penguins, seed 3" "$TR" $P --seed 3 --out s3.json
check "the same seed gives the same bytes" cmp s0.json s0b.json
json_is s0.json 'j["training"]["permutation"]["repeats"]' 5 "5 repeats by default"
check "another seed permutes differently" $PY -c 'import json, sys
a, b = (json.load(open(p))["training"]["permutation_importance"] for p in sys.argv[1:])
sys.exit(a == b)' s0.json s3.json
expect_exit 0 "penguins without --importance" "$TR" --data penguins.csv --label Species \
	--model logistic --out none.json
json_is none.json '"permutation_importance" in j["training"], "permutation" in j["training"]' \
	"(False, False)" "no importance unless asked"

# trees: impurity importance kept, permutation importance added
expect_exit 0 "wine forest with permutation importance" "$TR" --data wine.csv --label cultivar \
	--model forest --param n_estimators=20 --importance permutation --threads 2 --out forest.json
json_is forest.json 'len(j["model"]["feature_importances"]), len(j["training"]["permutation_importance"])' \
	"(14, 14)" "the forest keeps feature_importances beside permutation_importance"
expect_exit 0 "the same forest on 1 thread" "$TR" --data wine.csv --label cultivar \
	--model forest --param n_estimators=20 --importance permutation --threads 1 --out forest1.json
check "byte-identical on 1 and 2 threads" cmp forest.json forest1.json

for bad in "--importance gain" "--importance permutation --importance-repeats 0" \
	   "--importance permutation --importance-repeats -2" "--importance permutation --importance-repeats x"; do
	# shellcheck disable=SC2086
	expect_exit 64 "$bad: usage error" "$TR" --data wine.csv --label cultivar --model logistic $bad --out bad.json
	err_is "^mlci-train: " "$bad: one line"
	absent bad.json "$bad: no output"
done

if [ -e "$TOP/shared/schemas/model.schema.json" ]; then
	# shellcheck disable=SC2046
	check "model.json validates against model.schema.json" \
		$PY "$TOP/tests/check_schema.py" $(cut -d' ' -f1 cases.txt | sed 's/$/.json/') forest.json s0.json
fi
