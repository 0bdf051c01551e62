# mlci-validate-data --against: rows shared between two splits, identifier
# columns and perfect predictors, against pandas' figures
# (tests/ref/pandas_leakage.py -> tests/ref/leakage.json) on real files
# (adult.data / adult.test) and a constructed pair with planted overlap,
# a planted leaky column and identifier columns (tests/ref/leak_*.csv).
V="$BIN/mlci-validate-data"
REF="$TOP/tests/ref/leakage.json"
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
ADULT=(--columns "$COLS" --trim --label income --label-suffix .)

# ref KEY EXPR: the reference figure (r bound to pairs[KEY])
ref() {
	/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["pairs"][sys.argv[2]]; print(eval(sys.argv[3]))' "$REF" "$1" "$2"
}

# overlap FILE KEY: the report's row and feature-row figures equal pandas'
overlap() {
	for part in rows feature_rows; do
		json_is "$1" "{k: j['leakage']['$part'][k] for k in ('against_rows', 'data_rows', 'distinct')}" \
			"$(ref "$2" "dict(sorted(r['$part'].items()))")" "$2: $part shared with the other split as pandas"
	done
}

# examples FILE DATA AGAINST SKIP_DATA SKIP_AGAINST: every example pair of
# line numbers names two lines that hold the same row
examples() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
rep, a, b, sa, sb = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
la, lb = open(a).read().split("\n"), open(b).read().split("\n")
norm = lambda s: [f.strip().removesuffix(".") for f in s.split(",")]
ex = json.load(open(rep))["leakage"]["rows"]["examples"]
bad = [e for e in ex if norm(la[e["data_line"] - 1]) != norm(lb[e["against_line"] - 1])]
sys.exit(1 if bad or not ex else 0)
PY
}

# ---- adult.data (training) against adult.test ----
expect_exit 1 "adult.data --against adult.test: shared rows fail" "$V" \
	--data "$DATA/adult.data.csv" "${ADULT[@]}" --against "$DATA/adult.test.csv" \
	--against-skip-rows 1 --out a.json
overlap a.json adult
json_is a.json '[(x["code"], x["severity"], x.get("count")) for x in j["anomalies"] if x["code"] in ("shared_rows", "shared_feature_rows")]' \
	"$(ref adult "[('shared_rows', 'error', r['rows']['data_rows']), ('shared_feature_rows', 'warning', r['feature_rows']['data_rows'] - r['rows']['data_rows'])]")" \
	"adult: shared_rows is an error, shared_feature_rows a warning, with pandas' counts"
json_is a.json '[x["code"] for x in j["anomalies"] if x["code"] in ("id_column", "perfect_predictor")]' \
	"$(ref adult "[c for c in r['id_columns']] + [c for c, v in r['perfect_20'].items() if v]")" \
	"adult: no identifier column, no perfect predictor (as pandas)"
json_is a.json 'j["leakage"]["perfect_predictors"], j["leakage"]["id_columns"]' "([], [])" "adult: leakage lists none"
check "adult: the examples' line numbers hold equal rows" examples a.json \
	"$DATA/adult.data.csv" "$DATA/adult.test.csv" 0 1
# the feature rows' examples are rows whose label differs: same features,
# other label (the anomaly for them says "but not the label")
/usr/bin/python3 - a.json "$DATA/adult.data.csv" "$DATA/adult.test.csv" >fex.txt <<'PY'
import json, sys
rep, a, b = sys.argv[1:4]
la, lb = open(a).read().split("\n"), open(b).read().split("\n")
norm = lambda s: [f.strip().removesuffix(".") for f in s.split(",")]
ex = json.load(open(rep))["leakage"]["feature_rows"]["examples"]
ok = [norm(la[e["data_line"] - 1])[:-1] == norm(lb[e["against_line"] - 1])[:-1] and
      norm(la[e["data_line"] - 1])[-1] != norm(lb[e["against_line"] - 1])[-1] for e in ex]
print(len(ex), all(ok))
PY
if [ "$(cat fex.txt)" = "3 True" ]; then ok "adult: the 3 feature rows' examples share the features, not the label"
else not_ok "adult: the 3 feature rows' examples share the features, not the label" "$(cat fex.txt)"; fi
json_is a.json '[x["line"] for x in j["anomalies"] if x["code"] == "shared_feature_rows"] == [j["leakage"]["feature_rows"]["examples"][0]["data_line"]]' "True" "adult: Code Quality points at a label-differing row"
json_is a.json '[i["role"] for i in j["inputs"]]' "['data', 'against']" "the other split is an input"
json_is a.json 'j["leakage"]["rows"]["exact"], j["leakage"]["against_rows"]' "(True, 16281)" "exact, and every row of adult.test read"
json_is a.json '[x for x in j["anomalies"] if x["code"] == "shared_rows"][0]["message"].split(":")[0]' \
	"$(ref adult "'%d rows of the data (%d distinct) also occur in \\'%s\\' (%d of its rows)' % (r['rows']['data_rows'], r['rows']['distinct'], '$DATA/adult.test.csv', r['rows']['against_rows'])")" \
	"adult: the message gives both counts and the distinct rows"
check "adult: the report is valid under its schema" /usr/bin/python3 "$TOP/tests/check_schema.py" a.json

# the other way round: adult.test (junk line, labels with '.') as the data
expect_exit 1 "adult.test --against adult.data" "$V" \
	--data "$DATA/adult.test.csv" --skip-rows 1 "${ADULT[@]}" --against "$DATA/adult.data.csv" \
	--against-skip-rows 0 --out b.json
overlap b.json adult_reversed
check "reversed: the examples' line numbers hold equal rows" examples b.json \
	"$DATA/adult.test.csv" "$DATA/adult.data.csv" 1 0
# through the environment, as CI variables
MLCI_AGAINST="$DATA/adult.test.csv" MLCI_AGAINST_SKIP_ROWS=1 expect_exit 1 "MLCI_AGAINST works" "$V" \
	--data "$DATA/adult.data.csv" "${ADULT[@]}" --out env.json
json_is env.json 'j["leakage"]["rows"]["data_rows"]' "$(ref adult "r['rows']['data_rows']")" "MLCI_AGAINST: same figures"

# ---- the constructed pair ----
TR="$TOP/tests/ref/leak_train.csv"; TE="$TOP/tests/ref/leak_test.csv"
expect_exit 1 "constructed pair fails" "$V" --data "$TR" --against "$TE" --label Survived --out c.json
overlap c.json constructed
json_is c.json '[p["column"] for p in j["leakage"]["perfect_predictors"]]' \
	"$(ref constructed "[c for c, v in r['perfect_20'].items() if v]")" "the planted leaky column is the one perfect predictor"
json_is c.json '[(x["severity"], x["column"]) for x in j["anomalies"] if x["code"] == "perfect_predictor"]' \
	"$(ref constructed "[('error', c) for c, v in r['perfect_20'].items() if v]")" "perfect_predictor is an error naming the column"
json_is c.json 'dict(sorted((e["column"], e["shared_values"]) for e in j["leakage"]["id_columns"]))' \
	"$(ref constructed "dict(sorted(r['id_columns'].items()))")" "identifier columns and their shared values as pandas"
json_is c.json 'sorted((x["severity"], x["column"]) for x in j["anomalies"] if x["code"] == "id_column")' \
	"$(ref constructed "sorted(('warning', c) for c in r['id_columns'])")" "id_column is a warning per identifier column"
json_is c.json '[x["message"] for x in j["anomalies"] if x["code"] == "id_column" and x["column"] == "PassengerId"][0].split("; ")[1]' \
	"$(ref constructed "'%d of its values also occur in the other split (--against)' % r['id_columns']['PassengerId']")" "the id_column message says its values overlap"
json_is c.json 'all(e["exact"] for e in j["leakage"]["id_columns"])' "True" "small columns: exact"
check "constructed: the examples' line numbers hold equal rows" examples c.json "$TR" "$TE" 0 0
# never raw values: every string in "leakage" is a key, a column name or the path
/usr/bin/python3 - c.json "$TR" <<'PY' && ok "leakage holds no value of the data" || not_ok "leakage holds no value of the data"
import csv, json, sys
j = json.load(open(sys.argv[1]))
names = set(next(csv.reader(open(sys.argv[2]))))
vals = set(v for row in csv.reader(open(sys.argv[2])) for v in row if len(v) > 3) - names
def strings(o):
    if isinstance(o, dict):
        for k, v in o.items():
            yield k; yield from strings(v)
    elif isinstance(o, list):
        for v in o: yield from strings(v)
    elif isinstance(o, str):
        yield o
leak = [a["message"] for a in j["anomalies"] if a["code"] in ("shared_rows", "shared_feature_rows", "id_column", "perfect_predictor")]
found = [v for v in vals if any(v in s for s in list(strings(j["leakage"])) + leak)]
sys.exit(1 if found else 0)
PY

# a file against itself: every row
expect_exit 1 "titanic against itself" "$V" --data "$DATA/titanic.csv" --against "$DATA/titanic.csv" \
	--label Survived --out s.json
overlap s.json titanic_self
json_is s.json 'sorted(e["column"] for e in j["leakage"]["id_columns"] if e["shared_values"] == e["distinct"])' \
	"$(ref titanic_self "sorted(r['id_columns'])")" "titanic: its identifiers overlap entirely"

# without a label: no feature rows, no predictors
expect_exit 1 "no label: rows only" "$V" --data "$TR" --against "$TE" --out n.json
json_is n.json '"feature_rows" in j["leakage"], "perfect_predictors" in j["leakage"]' "(False, False)" "no label: no feature_rows, no predictors"
json_is n.json 'j["leakage"]["rows"]["data_rows"]' "$(ref constructed "r['rows']['data_rows']")" "no label: the same shared rows"
# columns matched by name: the other split's columns in another order
/usr/bin/python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
w = csv.writer(open("reordered.csv", "w", newline=""))
for r in rows: w.writerow(r[::-1])' "$TE"
expect_exit 1 "columns in another order" "$V" --data "$TR" --against reordered.csv --label Survived --out o.json
json_is o.json 'j["leakage"]["rows"]["data_rows"], j["leakage"]["columns_compared"][:2]' \
	"($(ref constructed "r['rows']['data_rows']"), ['PassengerId', 'Survived'])" "columns are matched by name, compared in the data's order"
# the other split lacks a column: compared over the columns both have
cut -d, -f1-3 "$DATA/iris.csv" >iris3.csv
expect_exit 1 "a column only in the data" "$V" --data "$DATA/iris.csv" --against iris3.csv --out i.json
json_is i.json 'len(j["leakage"]["columns_compared"]) < len(j["columns"])' "True" "fewer columns compared"
/usr/bin/python3 -c '
import pandas as pd, sys
a = pd.read_csv(sys.argv[1]); b = pd.read_csv("iris3.csv")
c = list(b.columns)
print(len(a[c].merge(b[c].drop_duplicates(), on=c)))' "$DATA/iris.csv" >iris.want
json_is i.json 'j["leakage"]["rows"]["data_rows"]' "$(cat iris.want)" "iris over three columns: the shared rows as pandas"

# past the cap (2,097,152 distinct rows of the other split): a hash
# sample, the figures estimates marked inexact; and an identifier column
# past its exact sample (2,048 values). Not under valgrind (too slow).
if [ -z "${MLCI_VALGRIND:-}" ]; then
	/usr/bin/python3 -c '
with open("big_other.csv", "w") as f:
    f.write("k\n")
    f.write("".join("%d\n" % i for i in range(1, 2400001)))
with open("big_data.csv", "w") as f:
    f.write("k\n")
    f.write("".join("%d\n" % (i * 100) for i in range(1, 20001)))
    f.write("".join("%d\n" % (3000000 + i) for i in range(5000)))'
	/usr/bin/python3 -c '
import pandas as pd
a, b = pd.read_csv("big_data.csv"), pd.read_csv("big_other.csv")
print(len(a.merge(b, on="k")), len(set(a["k"]) & set(b["k"])))' >big.want
	read -r want_rows want_ids <big.want
	expect_exit 1 "2.4 million distinct rows in the other split" "$V" --data big_data.csv --against big_other.csv --out big.json
	json_is big.json 'j["leakage"]["rows"]["exact"], j["leakage"]["id_columns"][0]["exact"]' "(False, False)" "past the caps: estimates, marked inexact"
	json_is big.json 'all(abs(j["leakage"]["rows"][k] - '"$want_rows"') <= 0.05 * '"$want_rows"' for k in ("data_rows", "distinct", "against_rows"))' 		"True" "past the cap: shared rows within 5% of pandas' $want_rows"
	json_is big.json 'abs(j["leakage"]["id_columns"][0]["shared_values"] - '"$want_ids"') <= 0.05 * '"$want_ids" 		"True" "past the sample: shared identifier values within 5% of pandas' $want_ids"
	json_is big.json '[x["message"][:6] for x in j["anomalies"] if x["code"] == "shared_rows"]' "['about ']" "the message says it is an estimate"
	rm -f big_other.csv
fi

# gzip input for the other split: the same figures
gzip -c "$TE" >test.csv.gz
expect_exit 1 "a gzip-compressed --against" "$V" --data "$TR" --against test.csv.gz --label Survived --out gz.json
json_is gz.json 'j["leakage"]["rows"], j["leakage"]["id_columns"]' \
	"$(/usr/bin/python3 -c 'import json; j=json.load(open("c.json")); print((j["leakage"]["rows"], j["leakage"]["id_columns"]))')" "gzip: the same figures"

# ---- errors: one line, the documented code, no output ----
expect_exit 66 "a missing --against file" "$V" --data "$TR" --against nope.csv --out e1.json
err_is "nope.csv" "the missing file is named"
absent e1.json "no report when --against is missing"
printf 'x,y\n1,2\n' >other.csv
expect_exit 65 "no column in common" "$V" --data "$TR" --against other.csv --out e2.json
err_is "other.csv: no column in common" "no column in common: named"
absent e2.json "no report without a common column"
printf 'PassengerId,Survived\n1,0\n2,"1\n' >bad.csv
expect_exit 65 "a malformed --against file" "$V" --data "$TR" --against bad.csv --out e3.json
err_is "bad.csv:3:[0-9]+" "malformed: file, line and column"
absent e3.json "no report from a malformed --against"
expect_exit 64 "--against over the output" "$V" --data "$TR" --against out.json --out out.json
err_is "--against" "the output path that names the input is refused"
expect_exit 64 "--against with --shard" "$V" --data "$TR" --against "$TE" --shard 1/2 --out e4.json
err_is "--against" "--shard refused with --against"
absent e4.json "no partial report with --against"
expect_exit 64 "--against-skip-rows -2" "$V" --data "$TR" --against "$TE" --against-skip-rows -2 --out e5.json
err_is "against-skip-rows" "a negative skip is refused"
expect_exit 64 "--against-skip-rows alone" "$V" --data "$TR" --against-skip-rows 1 --out e6.json
err_is "--against-skip-rows goes with --against" "--against-skip-rows without --against is refused"

# the reference is reproducible: regenerating it gives the committed files
if /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
	mkdir -p ref && cp "$TOP/tests/ref/pandas_leakage.py" ref/ && ln -s "$DATA" data
	/usr/bin/python3 ref/pandas_leakage.py 2>/dev/null
	check "reference regenerates identically" cmp ref/leakage.json "$REF"
	check "constructed pair regenerates identically" cmp ref/leak_test.csv "$TE"
fi

# cells that read as numbers are compared by value, as pandas compares
# a numeric column's values: the test split saved again by pandas with
# SibSp as floats (0 -> 0.0) still shares its 100 rows with the training
# split; the figures are pandas' merge on the default dtypes
/usr/bin/python3 - "$DATA/titanic.csv" <<'PY'
import sys, pandas as pd
df = pd.read_csv(sys.argv[1])
df.iloc[:600].to_csv("ti_tr.csv", index=False)
te = df.iloc[500:].copy()
te["SibSp"] = te["SibSp"].astype(float)
te.to_csv("ti_te.csv", index=False)
a, b = pd.read_csv("ti_tr.csv"), pd.read_csv("ti_te.csv")
cols = list(a.columns)
print(len(a.merge(b[cols].drop_duplicates(), how="inner", on=cols)), file=open("ti_want", "w"))
PY
grep -q '^1\.0,\|,1\.0,' ti_te.csv && ok "the test split holds floats where the training split has integers" ||
	not_ok "the test split holds floats where the training split has integers"
expect_exit 1 "titanic, floats saved by pandas: shared rows found" "$V" --data ti_tr.csv --against ti_te.csv --label Survived --out ti.json
json_is ti.json 'j["leakage"]["rows"]["data_rows"]' "$(cat ti_want)" "the shared rows pandas' merge finds ($(cat ti_want))"
# duplicate rows the same way (NA tokens as mlci's), on one and two threads
printf 'a,b\n1,NA\n1,\n1,?\n1.0,x\n1,x\n"1",x\n01,x\n2,y\n' >d.csv
dwant=$(/usr/bin/python3 -c 'import pandas as pd; print(int(pd.read_csv("d.csv", na_values=["", "NA", "N/A", "NaN", "null", "?"], keep_default_na=False).duplicated().sum()))')
expect_exit 0 "duplicate rows by value" "$V" --data d.csv --out d.json
json_is d.json 'j["duplicate_rows"]' "$dwant" "duplicate rows: pandas' duplicated() ($dwant)"
