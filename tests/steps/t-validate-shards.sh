# mlci-validate-data --shard K/N and --merge: the merge of N partial
# reports equals the whole file's report (exact figures exactly, the
# sketches within their stated error, checked against pandas/numpy on
# the data by tests/steps/shards_compare.py); gzip and JSON Lines input;
# bad shard specs and bad sets of parts.
export SOURCE_DATE_EPOCH=1700000000
V=$BIN/mlci-validate-data
P=mlci-validate-data
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
ADULT_PD='{"names": ["age","workclass","fnlwgt","education","education_num","marital_status","occupation","relationship","race","sex","capital_gain","capital_loss","hours_per_week","native_country","income"], "header": null, "skipinitialspace": true}'
cmpr() { /usr/bin/python3 "$TOP/tests/steps/shards_compare.py" "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
unset CI_NODE_INDEX CI_NODE_TOTAL

# shards NAME N ARGS...: N partial reports NAMEN.K.json, merged to NAME-N.json
shards() {
	name=$1; n=$2; shift 2
	k=1; parts=""; okk=1
	while [ $k -le $n ]; do
		"$V" "$@" --shard $k/$n --out $name$n.$k.json >$T/sout 2>$T/serr || okk=0
		parts="$parts $name$n.$k.json"
		k=$((k + 1))
	done
	[ $okk = 1 ] && ok "$name: $n shards" || not_ok "$name: $n shards" "$(cat $T/serr)"
	expect_exit 0 "$name: merge of $n" "$V" --merge $parts --out $name-$n.json
}

expect_exit 0 "adult: whole file" "$V" --data "$DATA/adult.data.csv" --columns "$COLS" --trim --label income --out adult.json
expect_exit 0 "flights: whole file" "$V" --data "$DATA/flights_200k.csv" --out flights.json
for n in 2 3 5; do
	shards adult $n --data "$DATA/adult.data.csv" --columns "$COLS" --trim --label income
	if d=$(cmpr adult.json adult-$n.json "$DATA/adult.data.csv" "$ADULT_PD" 2>&1); then
		ok "adult: the merge of $n shards equals the whole file's report"
	else not_ok "adult: merge of $n equals the whole" "$d"; fi
	shards flights $n --data "$DATA/flights_200k.csv"
	if d=$(cmpr flights.json flights-$n.json "$DATA/flights_200k.csv" 2>&1); then
		ok "flights: the merge of $n shards equals the whole file's report"
	else not_ok "flights: merge of $n equals the whole" "$d"; fi
done
"$V" --data "$DATA/adult.data.csv" --columns "$COLS" --trim --shard 3/3 --out x.json >$T/sout 2>&1
grep -q "^$P: $DATA/adult.data.csv: shard 3/3: [0-9]* rows, 15 columns: partial report written" $T/sout \
	&& ok "a shard's summary line" || not_ok "a shard's summary line" "$(cat $T/sout)"
json_is adult-3.json '[(i["role"], i["sha256"]) for i in j["inputs"]][0]' "('data', '$(sha "$DATA/adult.data.csv")')" \
	"the merge records the file's sha256 (read and checked against the shards)"
json_is adult-3.json 'len([i for i in j["inputs"] if i["role"] == "data-report"]), len(j["merged"]["shards"])' "(3, 3)" \
	"the merge lists its parts"
json_is adult3.3.json 'j["partial"]["shard"], j["partial"]["of"], j["partial"]["range"][1] == j["partial"]["file_size"]' \
	"(3, 3, True)" "a partial report names its shard and byte range"
json_is adult.json '[c["name"] for c in j["columns"] if "sketch_error" in c]' \
	"['fnlwgt']" "adult: only fnlwgt (21648 values) has sketched quantiles"
json_is adult.json '[c["distinct"] for c in j["columns"]][2], j["columns"][0]["quantiles"]["p50"], j["sketch_bounds"]["quantile_rank_error"]' \
	"(21648, 37.0, 0.0165)" "exact distinct past the frequency cap; exact median; the stated bound"
check "partial and merged reports validate against shared/schemas" \
	/usr/bin/python3 "$TOP/tests/check_schema.py" adult3.1.json adult-3.json flights-5.json adult.json

# past every exact cap: 60000 rows of distinct reals, a string per row,
# Zipf strings (more than 4096 distinct), a few repeated rows
/usr/bin/python3 - <<'PY'
import numpy as np
rng = np.random.default_rng(3)
n = 60000
x = rng.normal(10, 3, n)
z = (rng.zipf(1.3, n) % 20000)
with open("gen.csv", "w") as f:
    f.write("x,id,z,k\n")
    for i in range(n):
        j = i - 1 if i % 1000 == 999 else i
        f.write("%.9g,id%d,z%d,%d\n" % (x[j], j, z[j], j % 7))
PY
expect_exit 0 "generated: whole file" "$V" --data gen.csv --out gen.json
json_is gen.json 'sorted(c["name"] for c in j["columns"] if "sketch_error" in c), j["duplicate_rows"]' \
	"(['id', 'x', 'z'], 60)" "generated: sketched columns; 60 repeated rows"
for n in 2 3 5; do
	shards gen $n --data gen.csv
	if d=$(cmpr gen.json gen-$n.json gen.csv 2>&1); then
		ok "generated: the merge of $n shards equals the whole, sketches within their error"
	else not_ok "generated: merge of $n" "$d"; fi
done

# a schema's checks run during the pass and merge: adult.test against adult.data's schema
"$V" --data "$DATA/adult.data.csv" --columns "$COLS" --trim --label income --infer-schema schema.json --out s.json >/dev/null 2>&1
expect_exit 0 "adult.test against the schema: whole" "$V" --data "$DATA/adult.test.csv" --skip-rows 1 --columns "$COLS" \
	--trim --label-suffix . --schema schema.json --out test.json
shards test 3 --data "$DATA/adult.test.csv" --skip-rows 1 --columns "$COLS" --trim --label-suffix . --schema schema.json
json_is test-3.json 'j["anomalies"] == json.load(open("test.json"))["anomalies"]' True \
	"merged anomalies equal the whole file's (first out-of-range value's line and column included)"
ADULT_TEST_PD='{"names": ["age","workclass","fnlwgt","education","education_num","marital_status","occupation","relationship","race","sex","capital_gain","capital_loss","hours_per_week","native_country","income"], "header": null, "skipinitialspace": true, "skiprows": 1, "strip": {"income": "."}}'
if d=$(cmpr test.json test-3.json "$DATA/adult.test.csv" "$ADULT_TEST_PD" 2>&1); then
	ok "adult.test: merge of 3 equals the whole"; else not_ok "adult.test: merge equals the whole" "$d"; fi
expect_exit 1 "a merge's verdict is the whole file's (unseen labels fail)" "$V" --merge $(
	for k in 1 2; do "$V" --data "$DATA/adult.test.csv" --skip-rows 1 --columns "$COLS" --trim --schema schema.json \
		--shard $k/2 --out u.$k.json >/dev/null 2>&1; echo u.$k.json; done) --out u.json
json_is u.json '[a["code"] for a in j["anomalies"] if a["severity"] == "error"]' "['unseen_label']" "the merged verdict's error"
expect_exit 0 "--infer-schema from a merge" "$V" --merge adult3.1.json adult3.2.json adult3.3.json --out m.json --infer-schema ms.json
json_is ms.json 'j["columns"] == json.load(open("schema.json"))["columns"]' True "the merge infers the whole file's schema"

# the file not there at merge time: a hash derived from the shards' range hashes
cp "$DATA/iris.csv" iris.csv
for k in 1 2; do "$V" --data iris.csv --shard $k/2 --out i.$k.json >/dev/null 2>&1; done
mv iris.csv iris-moved.csv
expect_exit 0 "merge without the data file" "$V" --merge i.1.json i.2.json --out i.json
json_is i.json '[i["sha256"] for i in j["inputs"] if i["role"] == "data"][0] != "'"$(sha iris-moved.csv)"'", j["merged"]["data_sha256"][:7]' \
	"(True, 'derived')" "a derived sha256, and the report says so"
expect_exit 0 "merge with --data naming the moved file" "$V" --merge i.1.json i.2.json --data iris-moved.csv --out i2.json
json_is i2.json '[i["sha256"] for i in j["inputs"] if i["role"] == "data"][0]' "$(sha iris-moved.csv)" "--data: the file's sha256"
sed 's/^5\.1,/5.2,/' iris-moved.csv >iris.csv
expect_exit 65 "merge against a changed file: 65" "$V" --merge i.1.json i.2.json --out i3.json
err_is "^$P: iris\.csv: bytes [0-9]+ to [0-9]+ are not what shard 1 read" "changed file: one line naming it"
absent i3.json "changed file: no report"

# bad shard specs and bad sets of parts
for s in 3/2 0/2 1/0 x/2 2 1/2/3; do
	expect_exit 64 "--shard $s: 64" "$V" --data "$DATA/iris.csv" --shard $s --out r.json
	err_is "^$P: --shard" "--shard $s: one line"
done
absent r.json "bad shard specs: no report"
expect_exit 64 "--infer-schema with --shard: 64" "$V" --data "$DATA/iris.csv" --shard 1/2 --infer-schema s.json --out r.json
expect_exit 65 "merge with a shard missing: 65" "$V" --merge adult3.1.json adult3.3.json --out r.json
err_is "^$P: --merge: shard 2 of 3 is missing" "missing shard: one line"
expect_exit 65 "merge with a shard twice: 65" "$V" --merge adult3.1.json adult3.2.json adult3.2.json --out r.json
err_is "^$P: adult3\.2\.json: shard 2 of 3 is given twice" "shard twice: one line"
expect_exit 65 "merge of shards of different files: 65" "$V" --merge adult3.1.json adult3.2.json flights3.3.json --out r.json
err_is "^$P: flights3\.3\.json: not from the same run as adult3\.1\.json" "mismatched parts: one line"
expect_exit 65 "merge of a whole report: 65" "$V" --merge adult.json --out r.json
err_is "^$P: adult\.json: not a partial report" "not a partial: one line"
expect_exit 64 "merge with data options: 64" "$V" --merge adult3.1.json --label income --out r.json
expect_exit 64 "--merge without parts: 64" "$V" --merge --out r.json
expect_exit 64 "parts without --merge: 64" "$V" --data "$DATA/iris.csv" --out r.json adult3.1.json
absent r.json "bad merges: no report"

# CI_NODE_INDEX/CI_NODE_TOTAL are the default shard; 'none' reads it whole
CI_NODE_INDEX=2 CI_NODE_TOTAL=3 expect_exit 0 "CI_NODE_INDEX/CI_NODE_TOTAL: a shard" "$V" --data "$DATA/iris.csv" --out ci.json
json_is ci.json 'j["partial"]["shard"], j["partial"]["of"]' "(2, 3)" "the CI node's shard"
CI_NODE_INDEX=3 CI_NODE_TOTAL=2 expect_exit 64 "CI_NODE_INDEX above CI_NODE_TOTAL: 64" "$V" --data "$DATA/iris.csv" --out ci2.json
CI_NODE_INDEX=2 CI_NODE_TOTAL=3 expect_exit 0 "--shard none: the whole file" "$V" --data "$DATA/iris.csv" --shard none --out ci3.json
json_is ci3.json '"partial" in j, j["rows"]' "(False, 150)" "--shard none: a full report"
CI_NODE_INDEX=2 CI_NODE_TOTAL=3 "$V" --data "$DATA/iris.csv" --out ci.json >"$T/out" 2>&1
if grep -q "shard 2/3 (CI_NODE_INDEX/CI_NODE_TOTAL).*--shard none" "$T/out"; then ok "a CI node's shard says where it came from"
else not_ok "a CI node's shard says where it came from" "$(cat "$T/out")"; fi
# a job of one node, or one asking for what needs every row, is not
# sharded by the variables: the verdict stands (setosa as missing fails)
CI_NODE_INDEX=1 CI_NODE_TOTAL=1 expect_exit 1 "CI_NODE_TOTAL=1: the whole file's verdict" "$V" --data "$DATA/iris.csv" --na setosa --label species --out ci4.json
json_is ci4.json '"partial" in j, j["rows"]' "(False, 150)" "CI_NODE_TOTAL=1: a full report"
CI_NODE_INDEX=1 CI_NODE_TOTAL=2 expect_exit 1 "CI variables with --against: the whole file's verdict (every row shared)" "$V" --data "$DATA/iris.csv" --against "$DATA/iris.csv" --pii off --out ci5.json
json_is ci5.json '"partial" in j, j["rows"]' "(False, 150)" "CI variables with --against: a full report"
CI_NODE_INDEX=1 CI_NODE_TOTAL=2 expect_exit 0 "CI variables with --infer-schema: the whole file" "$V" --data "$DATA/iris.csv" --infer-schema ci6s.json --out ci6.json
json_is ci6.json '"partial" in j' "False" "CI variables with --infer-schema: a full report"
expect_exit 64 "an explicit shard with --against: 64" "$V" --data "$DATA/iris.csv" --against "$DATA/iris.csv" --shard 1/2 --out ci7.json

# gzip: streamed; its sha256 is of the compressed bytes; no shards
gzip -c "$DATA/adult.data.csv" >adult.csv.gz
expect_exit 0 "gzip input" "$V" --data adult.csv.gz --columns "$COLS" --trim --label income --out gz.json
json_is gz.json '[c for c in j["columns"]] == [c for c in json.load(open("adult.json"))["columns"]], j["rows"]' \
	"(True, 32561)" "gzip: the same report as the plain file"
json_is gz.json '[i["sha256"] for i in j["inputs"]][0]' "$(sha adult.csv.gz)" "gzip: sha256 of the file as stored"
head -c 300000 adult.csv.gz >cut.csv.gz
expect_exit 65 "truncated gzip: 65" "$V" --data cut.csv.gz --columns "$COLS" --out r.json
err_is "^$P: cut\.csv\.gz: truncated gzip data" "truncated gzip: one line naming the file"
expect_exit 64 "a shard of gzip: 64" "$V" --data adult.csv.gz --columns "$COLS" --shard 1/2 --out r.json
err_is "^$P: adult\.csv\.gz: gzip-compressed input cannot be sharded" "gzip shard: one line"
absent r.json "gzip errors: no report"

# JSON Lines: the same statistics as the CSV
/usr/bin/python3 -c '
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
with open("iris.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps({k: (float(v) if k != "species" else v) for k, v in r.items()}) + "\n")
' "$DATA/iris.csv"
expect_exit 0 "JSON Lines input" "$V" --data iris.jsonl --label species --out jl.json
"$V" --data "$DATA/iris.csv" --label species --out ic.json >/dev/null 2>&1
json_is jl.json '[(c["name"], c["type"], c["count"], c["distinct"], c.get("mean"), c.get("std")) for c in j["columns"]] == [(c["name"], c["type"], c["count"], c["distinct"], c.get("mean"), c.get("std")) for c in json.load(open("ic.json"))["columns"]]' \
	True "JSON Lines: the CSV's columns, types and statistics"
shards jl 3 --data iris.jsonl --label species
json_is jl-3.json 'j["columns"] == json.load(open("jl.json"))["columns"]' True "JSON Lines: the merge of 3 shards equals the whole"
printf '{"a": 1}\n{"a": 2, "b": 3}\n' >extra.jsonl
expect_exit 65 "JSON Lines: a key the first object lacks: 65" "$V" --data extra.jsonl --out r.json
err_is "^$P: extra\.jsonl:2:15: key 'b' is not a column" "JSON Lines: one line at the key"
printf '{"a": 1}\n{"a": tru}\n' >badj.jsonl
expect_exit 65 "JSON Lines: bad JSON: 65" "$V" --data badj.jsonl --out r.json
err_is "^$P: badj\.jsonl:2:[0-9]+: not valid JSON" "bad JSON: line and column"
absent r.json "JSON Lines errors: no report"

# a partial report without "row_keys" comes from a release that keyed
# rows by their text: its duplicate rows cannot be counted with these
"$V" --data "$DATA/iris.csv" --shard 1/2 --out rk1.json >/dev/null 2>&1
"$V" --data "$DATA/iris.csv" --shard 2/2 --out rk2.json >/dev/null 2>&1
/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); del j["partial"]["row_keys"]; json.dump(j, open(sys.argv[2], "w"))' rk2.json rk2old.json
expect_exit 65 "a partial of an older release: 65" "$V" --merge rk1.json rk2old.json --out rk.json
err_is "^$P: rk2old\.json: a partial report of an older release" "older partial: one line naming it"
absent rk.json "older partial: no report"
expect_exit 0 "the same shards of this release merge" "$V" --merge rk1.json rk2.json --out rk.json

# a run with --reference needs every row too: not sharded by the CI
# variables; variables that are empty count as unset, and bad ones are
# named as the variables, not as a --shard the user never gave
"$V" --data "$DATA/iris.csv" --out ref-iris.json >/dev/null 2>&1
CI_NODE_INDEX=1 CI_NODE_TOTAL=2 expect_exit 0 "CI variables with --reference: the whole file" "$V" --data "$DATA/iris.csv" --reference ref-iris.json --out ci8.json
json_is ci8.json '"partial" in j, j["rows"]' "(False, 150)" "CI variables with --reference: a full report"
CI_NODE_INDEX= CI_NODE_TOTAL=2 expect_exit 0 "an empty CI_NODE_INDEX: unset" "$V" --data "$DATA/iris.csv" --out ci9.json
json_is ci9.json '"partial" in j' "False" "an empty CI_NODE_INDEX: the whole file"
CI_NODE_INDEX=0 CI_NODE_TOTAL=2 expect_exit 64 "CI_NODE_INDEX=0: 64" "$V" --data "$DATA/iris.csv" --out ci10.json
err_is "^$P: CI_NODE_INDEX=0, CI_NODE_TOTAL=2: not a shard" "CI_NODE_INDEX=0: the variables named"
expect_exit 64 "--threads -1: 64" "$V" --data "$DATA/iris.csv" --threads -1 --out ci11.json
absent ci11.json "--threads -1: no report"
