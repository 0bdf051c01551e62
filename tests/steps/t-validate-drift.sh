# mlci-validate-data --reference: drift and skew against a stored data
# report, and the label checks. Expected values come from the raw files
# through scipy (tests/ref/scipy_refdrift.py -> tests/ref/refdrift.json,
# compared by tests/ref/refdrift_compare.py): exact where the sketches
# are, within the stated rank error past the caps.
export SOURCE_DATE_EPOCH=1700000000
unset CI_NODE_INDEX CI_NODE_TOTAL
V=$BIN/mlci-validate-data
P=mlci-validate-data
REF=$TOP/tests/ref
EXP=$REF/refdrift.json
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
ADULT="--columns $COLS --trim --label income"
cmpr() { /usr/bin/python3 "$REF/refdrift_compare.py" "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
schema_ok() { /usr/bin/python3 "$TOP/tests/check_schema.py" "$@"; }

# compare NAME REPORT PAIR: the report's drift agrees with scipy
compare() {
	if d=$(cmpr "$2" "$EXP" "$3" 2>$T/dev); then ok "$1"
	else not_ok "$1" "$(echo "$d" | head -5 | tr '\n' ';')"; fi
}

# ---- real pair: adult.data (training) vs adult.test ----
expect_exit 0 "adult: the training data's report" "$V" --data "$DATA/adult.data.csv" $ADULT --out adult-ref.json
expect_exit 0 "adult.test against adult.data: no drift, exit 0" \
	"$V" --data "$DATA/adult.test.csv" --skip-rows 1 $ADULT --label-suffix . \
	--reference adult-ref.json --out adult-test.json
grep -q "^$P: $DATA/adult.test.csv: 16281 rows, 15 columns, 0 errors, 1 warning, drift 0 of 14 columns (0%): pass$" $T/out \
	&& ok "the summary line gives the drift share" || not_ok "summary line" "$(cat $T/out)"
compare "adult: every figure agrees with scipy (fnlwgt within its rank error)" adult-test.json adult
json_is adult-test.json '[c["name"] for c in j["drift"]["columns"] if c.get("rank_error", 0) > 0]' \
	"['fnlwgt']" "adult: only fnlwgt (21648 values) is compared from KLL sketches"
json_is adult-test.json '[(i["role"], i["path"], i["sha256"]) for i in j["inputs"] if i["role"] == "reference"]' \
	"[('reference', 'adult-ref.json', '$(sha adult-ref.json)')]" "the reference's path and sha256 are an input"
json_is adult-test.json 'j["drift"]["reference"]["sha256"], j["drift"]["reference"]["rows"], j["drift"]["settings"]["alpha"], j["drift"]["settings"]["psi"]' \
	"('$(sha adult-ref.json)', 32561, 0.05, 0.25)" "the drift object names the reference and the settings"
json_is adult-test.json 'j["drift"]["label"]["column"], j["drift"]["label"]["kind"], [c["status"] for c in j["drift"]["label"]["classes"]]' \
	"('income', 'classes', ['ok', 'ok'])" "adult: the label's class balance holds"
json_is adult-test.json '"income" in [c["name"] for c in j["drift"]["columns"]]' "False" "the label is not a feature"
json_is adult-test.json '[(c["missing_rate"], c["reference_missing_rate"]) for c in j["drift"]["columns"] if c["name"] == "workclass"] == [(x["missing_rate"], y["missing_rate"]) for x in j["columns"] for y in json.load(open("adult-ref.json"))["columns"] if x["name"] == y["name"] == "workclass"]' \
	"True" "each column's missing rate beside the reference's"
check "the report with drift validates against shared/schemas" schema_ok adult-test.json

# ---- identical data: nothing drifts ----
expect_exit 0 "adult.data against its own report" "$V" --data "$DATA/adult.data.csv" $ADULT \
	--reference adult-ref.json --out same.json
json_is same.json 'j["drift"]["drifted"], j["drift"]["compared"], j["drift"]["share"], {c["statistic"] for c in j["drift"]["columns"] if c["test"] == "ks"}, max(c["psi"] for c in j["drift"]["columns"]), max(c["effect"] for c in j["drift"]["columns"])' \
	"(0, 14, 0.0, {0.0}, 0.0, 0.0)" "identical data: nothing drifts, every statistic 0"
json_is same.json '[a["code"] for a in j["anomalies"] if "drift" in a["code"] or "label" in a["code"]]' "[]" \
	"identical data: no drift or label anomaly"

# ---- a shards-merged reference gives the whole file's result ----
for k in 1 2 3; do
	"$V" --data "$DATA/adult.data.csv" $ADULT --shard $k/3 --out part$k.json >/dev/null 2>&1
done
expect_exit 0 "merge the training data's shards into a reference" "$V" --merge part1.json part2.json part3.json --out adult-merged.json
expect_exit 0 "adult.test against the merged reference" \
	"$V" --data "$DATA/adult.test.csv" --skip-rows 1 $ADULT --label-suffix . \
	--reference adult-merged.json --out adult-test-m.json
compare "merged reference: agrees with scipy as well" adult-test-m.json adult
/usr/bin/python3 - adult-test.json adult-test-m.json >$T/cmp 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(p))["drift"] for p in sys.argv[1:3])
bad = []
for x, y in zip(a["columns"], b["columns"]):
    if x.get("rank_error", 0) == 0:
        if x != y:
            bad.append("%s differs" % x["name"])
    else:
        eps = x["rank_error"]
        if abs(x["statistic"] - y["statistic"]) > 2 * eps or x["drifted"] != y["drifted"]:
            bad.append("%s: D %r vs %r" % (x["name"], x["statistic"], y["statistic"]))
for k in ("drifted", "compared", "share", "label", "tested"):
    if a[k] != b[k]:
        bad.append(k)
print("; ".join(bad))
sys.exit(1 if bad else 0)
PY
[ $? = 0 ] && ok "merged reference: exact columns identical to the whole-file reference's, sketched within the rank error" \
	|| not_ok "merged vs whole reference" "$(cat $T/cmp)"

# ---- synthetic pairs (seeded numpy, tests/ref/drift_*.csv.gz) ----
for p in small large; do
	expect_exit 0 "$p: the reference report" "$V" --data "$REF/drift_${p}_ref.csv.gz" --label y --out $p-ref.json
	expect_exit 1 "$p: shifted data: dataset_drift makes the exit 1" \
		"$V" --data "$REF/drift_${p}_cur.csv.gz" --label y --reference $p-ref.json --out $p-cur.json
	grep -q "drift 4 of 6 columns (67%): fail$" $T/out && ok "$p: the summary line's drift share" \
		|| not_ok "$p: summary" "$(cat $T/out)"
	compare "$p: every figure, q-value and decision agrees with scipy" $p-cur.json $p
	json_is $p-cur.json '[(a["code"], a["severity"], a["count"]) for a in j["anomalies"] if a["code"] == "dataset_drift"]' \
		"[('dataset_drift', 'error', 4)]" "$p: one dataset_drift error"
	json_is $p-cur.json 'sorted((a["column"], a["severity"]) for a in j["anomalies"] if a["code"] == "drift")' \
		"[('c_shift', 'warning'), ('k', 'warning'), ('x_scale', 'warning'), ('x_shift', 'warning')]" \
		"$p: a drift warning per drifted column"
done
json_is small-cur.json '{c["judged_by"] for c in j["drift"]["columns"]}, {c["rank_error"] for c in j["drift"]["columns"] if "rank_error" in c}' \
	"({'p_value'}, {0.0})" "small: exact sketches, judged by BH q-values"
json_is large-cur.json 'sorted(c["name"] for c in j["drift"]["columns"] if c.get("rank_error", 0) > 0), {c["judged_by"] for c in j["drift"]["columns"]}' \
	"(['x_same', 'x_scale', 'x_shift'], {'effect'})" "large: real columns from KLL sketches, judged by effect size"
json_is small-cur.json '[a["column"] for a in j["anomalies"] if a["code"] == "label_shift"], j["drift"]["label"]["test"]' \
	"(['y'], 'chi2')" "small: the label's class shares moved (label_shift) and are tested"
check "synthetic reports validate against shared/schemas" schema_ok small-cur.json large-cur.json
zcat "$REF/drift_large_ref.csv.gz" >large-ref.csv	# shards are byte ranges: plain text
for k in 1 2 3; do
	"$V" --data large-ref.csv --label y --shard $k/3 --out lpart$k.json >/dev/null 2>&1
done
"$V" --merge lpart1.json lpart2.json lpart3.json --out large-merged.json >/dev/null 2>&1
expect_exit 1 "large: against the merged shards' reference" \
	"$V" --data "$REF/drift_large_cur.csv.gz" --label y --reference large-merged.json --out large-cur-m.json
compare "large, merged KLL reference: within the rank error of scipy's exact figures" large-cur-m.json large

# ---- real pair: the two halves of flights_200k, a numeric target ----
head -n 100001 "$DATA/flights_200k.csv" >f1.csv
{ head -n 1 "$DATA/flights_200k.csv"; tail -n 100000 "$DATA/flights_200k.csv"; } >f2.csv
expect_exit 0 "flights: first half's report" "$V" --data f1.csv --label delay --out f1.json
expect_exit 0 "flights: second half against it (1 of 2 drifted: not above 0.5)" \
	"$V" --data f2.csv --label delay --reference f1.json --out f2.json
compare "flights: every figure agrees with scipy; the target's drift too" f2.json flights
json_is f2.json 'j["drift"]["label"]["kind"], [a["column"] for a in j["anomalies"] if a["code"] == "label_drift"]' \
	"('target', ['delay'])" "flights: a numeric target gets the numeric test (label_drift)"
expect_exit 1 "flights: --max-drift-share 0.4 makes the same share an error" \
	"$V" --data f2.csv --label delay --reference f1.json --max-drift-share 0.4 --out f2b.json

# ---- thresholds: global and per column ----
expect_exit 1 "per-column thresholds and --max-drift-share 1 (a column's severity=error fails)" \
	"$V" --data "$REF/drift_small_cur.csv.gz" --label y --reference small-ref.json \
	--drift-threshold 'x_shift:off' --drift-threshold 'k:severity=info,alpha=1e-9' \
	--drift-threshold 'c_shift:severity=error' --max-drift-share 1 --out thr.json
json_is thr.json '[c["compared"] for c in j["drift"]["columns"] if c["name"] == "x_shift"], [c["drifted"] for c in j["drift"]["columns"] if c["name"] == "k"]' \
	"([False], [False])" "COL:off skips a column; a column's alpha decides it"
json_is thr.json 'sorted((a["column"], a["severity"]) for a in j["anomalies"] if a["code"] == "drift"), j["verdict"]' \
	"([('c_shift', 'error'), ('x_scale', 'warning')], 'fail')" "a column's severity=error fails the data"
json_is thr.json 'j["drift"]["settings"]["columns"][1], j["drift"]["settings"]["max_share"]' \
	"({'alpha': 1e-09, 'column': 'k', 'severity': 'info'}, 1.0)" "the settings used are in the report"
expect_exit 0 "MLCI_ variables set the thresholds too" env MLCI_REFERENCE=small-ref.json MLCI_MAX_DRIFT_SHARE=0.7 \
	"$V" --data "$REF/drift_small_cur.csv.gz" --label y --out env.json
json_is env.json 'j["drift"]["settings"]["max_share"], j["drift"]["dataset_drift"]' "(0.7, False)" "from the environment"
expect_exit 0 "--drift-severity info" "$V" --data "$REF/drift_large_cur.csv.gz" --label y \
	--reference large-ref.json --drift-severity info --max-drift-share 1 --drift-psi 100 --drift-wasserstein 100 --drift-js 100 --out big.json
json_is big.json 'j["drift"]["drifted"], j["drift"]["compared"], {a["code"] for a in j["anomalies"]}' "(0, 6, {'label_shift'})" \
	"thresholds past every effect: nothing drifts (the label's shares still moved)"
for bad in 'x_shift' ':psi=1' 'x_shift:psi=-1' 'x_shift:psi=1,' 'x_shift:alpha=0' 'x_shift:bogus=1' 'x_shift:severity=fatal'; do
	expect_exit 64 "a bad --drift-threshold '$bad' is a usage error" \
		"$V" --data "$REF/drift_small_cur.csv.gz" --reference small-ref.json --drift-threshold "$bad" --out u.json
done
err_is "^$P: --drift-threshold 'x_shift:severity=fatal': expected" "a bad threshold is named"
expect_exit 64 "a threshold for a column the reference lacks" "$V" --data "$REF/drift_small_cur.csv.gz" \
	--reference small-ref.json --drift-threshold 'nope:psi=1' --out u.json
err_is "no column 'nope'" "the unknown column is named"
expect_exit 64 "--drift-alpha 0" "$V" --data "$REF/drift_small_cur.csv.gz" --reference small-ref.json --drift-alpha 0 --out u.json
expect_exit 64 "--max-drift-share 2" "$V" --data "$REF/drift_small_cur.csv.gz" --reference small-ref.json --max-drift-share 2 --out u.json
expect_exit 64 "--drift-threshold without --reference" "$V" --data "$REF/drift_small_cur.csv.gz" --drift-threshold 'k:off' --out u.json
expect_exit 64 "--reference with --shard" "$V" --data "$REF/drift_small_cur.csv.gz" --reference small-ref.json --shard 1/2 --out u.json
expect_exit 64 "--out over the reference" "$V" --data "$REF/drift_small_cur.csv.gz" --reference small-ref.json --out small-ref.json
absent u.json "no output after a usage error"

# ---- --merge of the current data's shards, with --reference ----
zcat "$REF/drift_small_cur.csv.gz" >small-cur.csv
for k in 1 2; do
	"$V" --data small-cur.csv --label y --shard $k/2 --out cpart$k.json >/dev/null 2>&1
done
expect_exit 1 "--merge with --reference" "$V" --merge cpart1.json cpart2.json --reference small-ref.json --out small-cur-m.json
compare "the merged current data agrees with scipy" small-cur-m.json small

# ---- labels against the reference ----
/usr/bin/python3 - "$REF/drift_small_ref.csv.gz" <<'PY'
import gzip, sys
rows = gzip.open(sys.argv[1], "rt").read().splitlines()
head, body = rows[0], rows[1:]
with open("newclass.csv", "w") as f:	# class D the reference never had
    f.write("\n".join([head] + body[:300] + [r.rsplit(",", 1)[0] + ",D" for r in body[300:320]]) + "\n")
with open("noclass.csv", "w") as f:	# class C gone
    f.write("\n".join([head] + [r for r in body if not r.endswith(",C")]) + "\n")
with open("retyped.csv", "w") as f:	# k (integer) now holds words
    f.write("\n".join([head] + [",".join(r.split(",")[:3] + ["n%s" % r.split(",")[3]] + r.split(",")[4:]) for r in body]) + "\n")
PY
expect_exit 1 "a label class the reference never had is an error" \
	"$V" --data newclass.csv --label y --reference small-ref.json --out nc.json
json_is nc.json '[(a["severity"], a["count"], a["message"]) for a in j["anomalies"] if a["code"] == "label_unseen_in_reference"]' \
	"[('error', 20, \"1 label value the reference never had: 'D'\")]" "label_unseen_in_reference names the class and counts its rows"
json_is nc.json '[c["status"] for c in j["drift"]["label"]["classes"] if c["value"] == "D"], j["drift"]["dataset_drift"]' \
	"(['unseen_in_reference'], False)" "the unseen class is in the label section; the same rows do not drift"
expect_exit 0 "a label class gone is a warning" "$V" --data noclass.csv --label y --reference small-ref.json --out gone.json
json_is gone.json '[(a["column"], a["severity"], a["message"] == "label class \x27C\x27 (%.1f%% of the reference) does not occur" % (100 * [c["reference_share"] for c in j["drift"]["label"]["classes"] if c["value"] == "C"][0])) for a in j["anomalies"] if a["code"] == "label_class_missing"], j["verdict"]' \
	"([('y', 'warning', True)], 'pass')" "label_class_missing (a warning)"
json_is gone.json '[c["count"] for c in j["drift"]["label"]["classes"] if c["value"] == "C"]' "[0]" "the gone class has count 0"
expect_exit 0 "a column whose type changed: said, not compared" "$V" --data retyped.csv --label y --reference small-ref.json --out rt.json
json_is rt.json '[(a["code"], a["column"], a["message"]) for a in j["anomalies"] if a["code"] == "reference_type_mismatch"]' \
	"[('reference_type_mismatch', 'k', 'type string here, integer in the reference: not compared for drift')]" "reference_type_mismatch"
json_is rt.json '[(c["compared"], c["reference_type"], c["why"]) for c in j["drift"]["columns"] if c["name"] == "k"]' \
	"[(False, 'integer', \"the type differs from the reference's\")]" "the column's drift entry says why"
"$V" --data small-cur.csv --label y --infer-schema lab.schema.json --out lab0.json >/dev/null 2>&1
cut -d, -f1-6 small-cur.csv >nolabel.csv
expect_exit 1 "a schema's label missing from the data: still label_column_missing" \
	"$V" --data nolabel.csv --schema lab.schema.json --reference small-ref.json --out nl.json
json_is nl.json '[a["code"] for a in j["anomalies"] if "label" in a["code"]], j["drift"]["label"]["compared"], j["drift"]["label"]["why"]' \
	"(['label_column_missing'], False, 'no such column here')" "the label section says why it is not compared"
expect_exit 1 "data without the label and no --label (inference data)" \
	"$V" --data nolabel.csv --reference small-ref.json --out nl2.json
json_is nl2.json '"label" in j["drift"], j["drift"]["only_in_reference"], j["drift"]["compared"]' \
	"(False, [], 6)" "the reference's label is not a missing feature"
expect_exit 65 "label missing from the data (--label) still an error" \
	"$V" --data "$REF/drift_small_cur.csv.gz" --label nolabel --reference small-ref.json --out u.json
absent u.json "no output"

# a column of 5000 distinct numbers, then words: its frequencies count
# only from the first word on; the report is still a valid reference
/usr/bin/python3 -c '
with open("mixed.csv", "w") as f:
    f.write("m,c\n")
    for i in range(6000):
        f.write("%s,%s\n" % (i if i < 5000 else "w%d" % i, "ab"[i % 2]))
'
expect_exit 0 "a report with partial frequencies" "$V" --data mixed.csv --out mixed.json
expect_exit 0 "is a reference all the same" "$V" --data mixed.csv --reference mixed.json --out mixed2.json
json_is mixed2.json '[(c["name"], c["compared"]) for c in j["drift"]["columns"]], j["drift"]["drifted"]' \
	"([('m', False), ('c', True)], 0)" "the column without exact frequencies is not compared; the rest is"

# ---- bad references ----
printf '{"kind": "mlci.data-report", "schema_version": 1,\n "rows": [1,' >notjson.json
expect_exit 65 "a reference that is not JSON" "$V" --data "$REF/drift_small_cur.csv.gz" --reference notjson.json --out o.json
err_is "^$P: notjson.json:2:" "not JSON: one line naming the file, line and column"
"$BIN/mlci-train" --data "$DATA/iris.csv" --label species --model logistic --out model.json >/dev/null 2>&1
expect_exit 65 "a model.json as the reference" "$V" --data "$REF/drift_small_cur.csv.gz" --reference model.json --out o.json
err_is "^$P: model.json: expected an artifact of kind 'mlci.data-report', found 'mlci.model'$" "a model: one line naming the file"
expect_exit 65 "a shard's partial report as the reference" "$V" --data "$REF/drift_small_cur.csv.gz" --reference lpart2.json --out o.json
err_is "^$P: lpart2.json: a shard's partial report \(shard 2 of 3\)" "a partial report: one line naming the file"
sed 's/"schema_version": 1/"schema_version": 99/' small-ref.json >v99.json
expect_exit 65 "a reference of an unknown schema_version" "$V" --data "$REF/drift_small_cur.csv.gz" --reference v99.json --out o.json
err_is "^$P: v99.json: mlci.data-report schema_version 99 is not supported" "unknown version: one line naming the file"
/usr/bin/python3 -c 'import json; j = json.load(open("small-ref.json")); j["columns"][1]["sketch"]["frequencies"]["counts"][0] += 1; json.dump(j, open("badcount.json", "w"))'
expect_exit 65 "a reference whose sketch does not add up" "$V" --data "$REF/drift_small_cur.csv.gz" --reference badcount.json --out o.json
err_is "^$P: badcount.json: malformed data report: column 2 \('x_shift'\): the frequencies do not add up" "a malformed column: named"
/usr/bin/python3 -c 'import json; j = json.load(open("large-ref.json")); j["columns"][0]["sketch"]["kll"]["levels"] = "x"; json.dump(j, open("badkll.json", "w"))'
expect_exit 65 "a reference with a broken KLL sketch" "$V" --data "$REF/drift_small_cur.csv.gz" --reference badkll.json --out o.json
err_is "^$P: badkll.json: malformed data report: column 1 \('x_same'\)" "a broken sketch: named"
/usr/bin/python3 -c 'import json; j = json.load(open("small-ref.json")); f = [c for c in j["columns"] if c["name"] == "c_same"][0]["sketch"]["frequencies"]; f["values"][1] = f["values"][0]; json.dump(j, open("dup.json", "w"))'
expect_exit 65 "a reference listing a category twice, found before the data is read" \
	"$V" --data nowhere.csv --reference dup.json --out o.json
err_is "^$P: dup.json: malformed data report: column 'c_same': .*listed twice" "a category twice: named"
expect_exit 66 "a missing reference" "$V" --data "$REF/drift_small_cur.csv.gz" --reference nowhere.json --out o.json
err_is "^$P: nowhere.json: " "missing: one line naming the file"
absent o.json "no output written on any of these errors"

# personal-data columns: the reports keep none of their values, so they
# are listed as not compared, saying why; --pii off compares them
/usr/bin/python3 -c '
import random
r = random.Random(1)
em = ["ann@example.com", "bob@example.org", "cy@example.net", "dee@example.com", "ed@example.io"]
with open("pii.csv", "w") as f:
    f.write("email,x,y\n")
    for i in range(300):
        f.write("%s,%d,%d\n" % (r.choice(em), r.randint(0, 9), r.randint(0, 1)))'
"$BIN/mlci-validate-data" --data pii.csv --label y --out pref.json >/dev/null
expect_exit 0 "a personal-data column in the reference: exit 0" "$BIN/mlci-validate-data" --data pii.csv --label y --reference pref.json --out pcur.json
json_is pcur.json '[(c["name"], c["compared"], c["why"].split(":")[0]) for c in j["drift"]["columns"]]' \
	"[('email', False, 'personal data'), ('x', True, 'KS p 1, q 1 > alpha 0.05')]" "personal data: not compared, and why"
"$BIN/mlci-validate-data" --data pii.csv --label y --pii off --out pref2.json >/dev/null
expect_exit 0 "--pii off on both sides: compared" "$BIN/mlci-validate-data" --data pii.csv --label y --pii off --reference pref2.json --out pcur2.json
json_is pcur2.json '[(c["name"], c["compared"], c["drifted"]) for c in j["drift"]["columns"]]' \
	"[('email', True, False), ('x', True, False)]" "--pii off: the column is compared (no drift on the same data)"

# a drift option without --reference would be ignored: refused instead
expect_exit 64 "--drift-psi without --reference: 64" "$BIN/mlci-validate-data" --data pii.csv --drift-psi 0.3 --out x.json
err_is "^mlci-validate-data: the drift options .* need --reference REPORT$" "--drift-psi without --reference: one line"
absent x.json "--drift-psi without --reference: no report"

# the HTML profile shows drift per feature: the share, a row per column
# (drifted first) and the verdict on each column's card; it renders
expect_exit 1 "flights halves with --html" "$V" --data f2.csv --label delay --reference f1.json \
	--max-drift-share 0.4 --out fh.json --html fh.html
/usr/bin/python3 - fh.json fh.html <<'PY' && ok "HTML: the drift section lists every compared column, drifted first, with the report's verdicts" \
	|| not_ok "HTML: the drift section lists every compared column, drifted first, with the report's verdicts"
import json, re, sys
j = json.load(open(sys.argv[1])); page = open(sys.argv[2]).read()
sec = page[page.index('<h2 id="drift">'):]
sec = sec[:sec.index("</table>")]
rows = re.findall(r'<a href="#col-([^"]+)">.*?<td>(drifted|ok|not compared)</td></tr>', sec)
want = [(c["name"], "drifted" if c["drifted"] else "ok" if c["compared"] else "not compared") for c in j["drift"]["columns"]]
want = [w for w in want if w[1] == "drifted"] + [w for w in want if w[1] != "drifted"]
assert rows == want, (rows, want)
assert "%d of %d compared columns drifted" % (j["drift"]["drifted"], j["drift"]["compared"]) in sec
sys.exit(0)
PY
if command -v chromium >/dev/null 2>&1; then
	cols=$(/usr/bin/python3 -c 'import json; print(" ".join(c["name"] for c in json.load(open("fh.json"))["columns"]))')
	# shellcheck disable=SC2086
	if out=$(sh "$TOP/tests/html_check.sh" fh.html $cols 2>&1); then ok "HTML with drift renders in Chromium"
	else not_ok "HTML with drift renders in Chromium" "$out"; fi
else
	echo "# SKIP HTML render check: chromium is not installed (ci/install-deps installs it)"
fi

# a reference with no feature column in common is another data set's:
# 65 naming it, no report (not "drift 0 of 0 columns: pass")
"$V" --data "$DATA/iris.csv" --out iris-ref.json >/dev/null 2>&1
expect_exit 65 "a reference with no column in common: 65" "$V" --data "$DATA/penguins.csv" --reference iris-ref.json --out pg.json
err_is "^mlci-validate-data: iris-ref\.json: no feature column in common with the data" "no column in common: one line naming the reference"
absent pg.json "no column in common: no report"
