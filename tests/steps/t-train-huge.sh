# Huge (and tiny) finite values: the means and standard deviations of
# mlci-train's preprocessing and of mlci-validate-data's statistics must
# not overflow (a column of 1e200, -1e200, 3e200 was treated as constant:
# scale 1, coefficient 0). Reference: tests/ref/huge_values.json from
# tests/ref/huge_values.py (scikit-learn and pandas on the columns scaled
# by an exact power of two, since both overflow on them as they are).
# Tolerances as t-train-sklearn.sh: means and scales 1e-12 relative,
# coefficients 1e-8.
PY=/usr/bin/python3
REF=$TOP/tests/ref/huge_values.json

for c in big mixed; do
	$PY -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["cases"][sys.argv[2]]["csv"])' \
		"$REF" "$c" >"$c.csv"
	for m in ridge linear; do
		expect_exit 0 "train $m on $c.csv" "$BIN/mlci-train" --data "$c.csv" --label y --model $m --out "$c-$m.json"
	done
	expect_exit 0 "validate-data on $c.csv" "$BIN/mlci-validate-data" --data "$c.csv" --out "$c-report.json"
	expect_exit 0 "evaluate the $c ridge model" "$BIN/mlci-evaluate" --model "$c-ridge.json" --data "$c.csv" --out "$c-metrics.json"
done

$PY - "$REF" >compare.txt 2>&1 <<'EOF'
import json, sys

ref = json.load(open(sys.argv[1]))["cases"]

def report(ok, name, detail=""):
    print(("PASS %s" if ok else "FAIL %s -- %s") % ((name,) if ok else (name, detail)))

def rel(a, b, tol):
    return a is not None and abs(a - b) <= tol * max(abs(b), 1e-300)

for case, r in sorted(ref.items()):
    rep = json.load(open(case + "-report.json"))
    cols = {c["name"]: c for c in rep["columns"]}
    for name, st in sorted(r["stats"].items()):
        c = cols[name]
        ok = rel(c.get("mean"), st["mean"], 1e-12) and rel(c.get("std"), st["std"], 1e-12)
        report(ok, "%s: validate-data mean and std of %s" % (case, name),
               "%r/%r, expected %r/%r" % (c.get("mean"), c.get("std"), st["mean"], st["std"]))
    for kind, mr in sorted(r["models"].items()):
        m = json.load(open("%s-%s.json" % (case, kind)))
        bad = []
        for a, b in zip(m["preprocessing"]["columns"], r["preprocessing"]):
            if a["name"] != b["name"] or not rel(a["mean"], b["mean"], 1e-12) or \
               not rel(a["scale"], b["scale"], 1e-12):
                bad.append("%s: %r/%r, expected %r/%r" % (a["name"], a["mean"], a["scale"],
                                                          b["mean"], b["scale"]))
        report(not bad and len(m["preprocessing"]["columns"]) == len(r["preprocessing"]),
               "%s %s: preprocessing means and scales" % (case, kind), "; ".join(bad))
        W = m["model"]["coefficients"][0]
        top = max(1.0, max(abs(x) for x in mr["coefficients"]))
        ok = len(W) == len(mr["coefficients"]) and all(
            abs(a - b) <= 1e-8 * top for a, b in zip(W, mr["coefficients"]))
        report(ok, "%s %s: coefficients" % (case, kind), "%r, expected %r" % (W, mr["coefficients"]))
        ok = abs(m["model"]["intercepts"][0] - mr["intercept"]) <= 1e-8 * top
        report(ok, "%s %s: intercept" % (case, kind), "%r" % m["model"]["intercepts"])
        ys = [float(l.split(",")[-1]) for l in r["csv"].splitlines()[1:]]
        mse = sum((p - y) ** 2 for p, y in zip(mr["predict"], ys)) / len(ys)
        got = m["training"]["loss"]["mse"]
        report(abs(got - mse) <= 1e-8 * max(1.0, mse), "%s %s: training mse" % (case, kind),
               "%r, expected %r" % (got, mse))
EOF
[ -s compare.txt ] || not_ok "comparison ran" "no output"
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) rest=${line#FAIL }; not_ok "${rest%% -- *}" "${rest#* -- }" ;;
	*) not_ok "comparison script" "$line" ;;
	esac
done <compare.txt

# the tester's case, stated plainly: not a constant column any more
json_is big-ridge.json 'j["preprocessing"]["columns"][0]["scale"] > 1e200 and j["model"]["coefficients"][0][0] > 0.3' True \
	"1e200, -1e200, 3e200: a real scale and a non-zero coefficient"
json_is big-report.json '[c.get("std") for c in j["columns"]][0]' 2e+200 "validate-data: std 2e200"
json_is big-metrics.json 'round(j["metrics"]["r2"], 6)' 0.234375 "evaluate scores the model as trained"
