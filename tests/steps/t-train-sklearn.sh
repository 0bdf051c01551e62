# mlci-train against scikit-learn: the reference values in
# tests/ref/models.json come from tests/ref/sklearn_models.py (same
# preprocessing built from sklearn's SimpleImputer/StandardScaler/
# OneHotEncoder, same regularisation, fitted to the optimum). Tolerances:
# logistic training log loss within 1e-6 (the issue asks 1e-4) and
# coefficients within 1e-3 of the largest; linear/ridge coefficients within
# 1e-8 of the largest (also on two ill-conditioned variants of diabetes, whose
# scaled condition numbers are about 1.5e6 and 1.5e7); the preprocessing's means and scales to 1e-12 relative.
PY=/usr/bin/python3
TR=$BIN/mlci-train
REF=$TOP/tests/ref/models.json
ADULT_COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income

train() {	# train CASE ARGS...
	name=$1; shift
	expect_exit 0 "train $name" "$TR" "$@" --out "$name.json"
}
train breast_cancer_logistic --data "$DATA/breast_cancer.csv" --label diagnosis --model logistic
train iris_logistic --data "$DATA/iris.csv" --label species --model logistic
train wine_logistic --data "$DATA/wine.csv" --label cultivar --model logistic
train titanic_logistic --data "$DATA/titanic.csv" --label Survived --model logistic \
	--exclude PassengerId,Name,Ticket,Cabin
train adult_logistic --data "$DATA/adult.data.csv" --columns "$ADULT_COLS" --trim \
	--label income --model logistic
# its rows are summed in groups fixed by the row count, shared among the
# threads: the same model bits on 1 and 3 threads (and a streamed read in
# small blocks)
for th in 1 3; do
	SOURCE_DATE_EPOCH=1700000000 MLCI_FRAME_BLOCK_SIZE=65536 "$TR" --data "$DATA/adult.data.csv" \
		--columns "$ADULT_COLS" --trim --label income --model logistic --threads $th \
		--out adult-t$th.json >/dev/null 2>&1
done
check "adult logistic: the same model.json on 1 and 3 threads" cmp adult-t1.json adult-t3.json
train diabetes_linear --data "$DATA/diabetes_progression.csv" --label progression --model linear
train diabetes_ridge --data "$DATA/diabetes_progression.csv" --label progression --model ridge
sed 's/,malignant$/,1/; s/,benign$/,0/' "$DATA/breast_cancer.csv" >bc01.csv
train breast_cancer_linear --data bc01.csv --label diagnosis --model linear
train breast_cancer_ridge --data bc01.csv --label diagnosis --model ridge
# ill-conditioned: a column that is nearly bmi + bp (sklearn_models.py's near())
for e in 5 6; do
	awk -F, -v OFS=, -v e=1e-$e 'NR == 1 { print $0, "near"; next }
		{ printf "%s,%.10g\n", $0, $3 + $4 + e * (((NR - 2) * 37) % 11 - 5) }' \
		"$DATA/diabetes_progression.csv" >near$e.csv
	train diabetes_near${e}_linear --data near$e.csv --label progression --model linear
done

# One "PASS name" or "FAIL name: detail" line per comparison.
$PY - "$REF" >compare.txt 2>&1 <<'EOF'
import json, sys
import numpy as np

ref = json.load(open(sys.argv[1]))["cases"]

def report(ok, name, detail=""):
    print(("PASS %s" if ok else "FAIL %s: " + detail.replace("%", "%%")) % name)

for case, r in sorted(ref.items()):
    m = json.load(open(case + ".json"))
    t = m["training"]
    report(m["features"] == r["features"], case + ": features", str(m["features"]))
    report(t["n_features_out"] == r["n_features_out"] and t["n_rows"] == r["n_rows"],
           case + ": sizes", "%d/%d" % (t["n_features_out"], t["n_rows"]))
    # preprocessing, column by column
    bad = []
    for a, b in zip(m["preprocessing"]["columns"], r["preprocessing"]):
        if a["name"] != b["name"] or a["type"] != b["type"]:
            bad.append(a["name"])
        elif a["type"] == "numeric":
            for k in ("mean", "scale", "impute"):
                if abs(a[k] - b[k]) > 1e-12 * max(1.0, abs(b[k])):
                    bad.append("%s.%s %r != %r" % (a["name"], k, a[k], b[k]))
        elif a["categories"] != b["categories"] or a["impute"] != b["impute"]:
            bad.append("%s categories/impute" % a["name"])
    report(not bad and len(m["preprocessing"]["columns"]) == len(r["preprocessing"]),
           case + ": preprocessing matches sklearn's", "; ".join(bad))
    W = np.array(m["model"]["coefficients"]); Wr = np.array(r["coefficients"])
    b = np.array(m["model"]["intercepts"]); br = np.array(r["intercepts"])
    report(W.shape == Wr.shape and b.shape == br.shape, case + ": coefficient shape",
           "%s vs %s" % (W.shape, Wr.shape))
    if W.shape != Wr.shape or b.shape != br.shape:
        continue
    dw, db = abs(W - Wr).max(), abs(b - br).max()
    if m["task"] == "classification":
        report(m["classes"] == r["classes"], case + ": classes", str(m["classes"]))
        ll = t["loss"]["log_loss"]
        report(abs(ll - r["log_loss"]) <= 1e-6, case + ": log loss within 1e-6 of sklearn",
               "%.12g vs %.12g" % (ll, r["log_loss"]))
        scale = max(1.0, abs(Wr).max())
        report(dw <= 1e-3 * scale and db <= 1e-3 * scale,
               case + ": coefficients within 1e-3 of sklearn's",
               "max diff %.3g / %.3g" % (dw, db))
        report(t["loss"]["objective"] <= r["objective"] * (1 + 1e-9),
               case + ": objective at least as low as sklearn's",
               "%.15g vs %.15g" % (t["loss"]["objective"], r["objective"]))
        report(abs(t["accuracy"] - r["accuracy"]) <= 1.0 / r["n_rows"] + 1e-12,
               case + ": training accuracy as sklearn's (to one row)",
               "%.6f vs %.6f" % (t["accuracy"], r["accuracy"]))
        print("INFO %s: mlci log loss %.10f accuracy %.6f; sklearn %.10f %.6f; max coef diff %.2g"
              % (case, ll, t["accuracy"], r["log_loss"], r["accuracy"], dw))
    else:
        scale = max(1.0, abs(Wr).max())
        report(dw <= 1e-8 * scale and db <= 1e-8 * max(1.0, abs(br).max()),
               case + ": coefficients within 1e-8 of sklearn's (relative to the largest)",
               "max diff %.3g / %.3g" % (dw, db))
        report(abs(t["loss"]["mse"] - r["mse"]) <= 1e-9 * r["mse"], case + ": mse",
               "%.15g vs %.15g" % (t["loss"]["mse"], r["mse"]))
        report(abs(t["r2"] - r["r2"]) <= 1e-10, case + ": r2", "%.15g vs %.15g" % (t["r2"], r["r2"]))
        report(abs(t["loss"]["objective"] - r["objective"]) <= 1e-9 * r["objective"],
               case + ": objective", "%.15g vs %.15g" % (t["loss"]["objective"], r["objective"]))
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
