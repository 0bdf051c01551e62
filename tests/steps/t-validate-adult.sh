# mlci-validate-data on adult: infer a schema from adult.data, then check
# adult.test against it (the demo's first step).
export SOURCE_DATE_EPOCH=1700000000
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
V=$BIN/mlci-validate-data
sha() { sha256sum "$1" | cut -d' ' -f1; }

expect_exit 0 "adult.data: infers a schema, passes" \
	"$V" --data "$DATA/adult.data.csv" --columns "$COLS" --trim --label income \
	--infer-schema schema.json --out data-report.json
if [ "$(cat "$T/out")" = "mlci-validate-data: $DATA/adult.data.csv: 32561 rows, 15 columns, 0 errors, 1 warning: pass" ]
then ok "adult.data: one summary line"; else not_ok "adult.data: one summary line" "$(cat "$T/out")"; fi
check "adult.data: nothing on stderr" test ! -s "$T/err"
json_is data-report.json 'j["kind"], j["schema_version"], j["verdict"], j["rows"]' \
	"('mlci.data-report', 1, 'pass', 32561)" "report envelope, verdict and rows"
json_is data-report.json '[(i["role"], i["sha256"]) for i in j["inputs"]]' \
	"[('data', '$(sha "$DATA/adult.data.csv")')]" "report records the data's sha256"
json_is data-report.json '[(a["code"], a["severity"], a.get("count")) for a in j["anomalies"]]' \
	"[('duplicate_rows', 'warning', 24)]" "adult.data: only the 24 duplicate rows (as pandas)"
json_is data-report.json '[c["name"] for c in j["columns"]] == "'"$COLS"'".split(",")' True \
	"report columns in file order"
json_is data-report.json '[(c["name"], c["type"]) for c in j["columns"] if c["type"] != "string"]' \
	"[('age', 'integer'), ('fnlwgt', 'integer'), ('education_num', 'integer'), ('capital_gain', 'integer'), ('capital_loss', 'integer'), ('hours_per_week', 'integer')]" \
	"numeric columns typed integer"
json_is data-report.json '[(c["missing"], c["distinct"], c["top"][0]) for c in j["columns"] if c["name"] == "workclass"][0]' \
	"(1836, 8, {'count': 22696, 'value': 'Private'})" "workclass: '?' is missing; top value"
json_is schema.json 'j["kind"], j["label"], j["domain"], len(j["columns"])' \
	"('mlci.schema', 'income', 'observed', 15)" "schema envelope"
json_is schema.json 'sorted(k for k in j if k in ("created", "git", "inputs", "rows"))' "[]" \
	"schema: no time, commit, inputs or row count (a contract to commit)"
json_is schema.json 'j["columns"][0]' \
	"{'max': 90, 'min': 17, 'name': 'age', 'nullable': False, 'type': 'integer'}" "schema: age"
json_is schema.json 'j["columns"][14]' \
	"{'categories': ['<=50K', '>50K'], 'name': 'income', 'nullable': False, 'type': 'string'}" \
	"schema: the label's classes"
json_is schema.json '[c["name"] for c in j["columns"] if "categories" in c]' \
	"['workclass', 'education', 'marital_status', 'occupation', 'relationship', 'race', 'sex', 'native_country', 'income']" \
	"schema: the low-cardinality strings are categorical"
json_is schema.json '[c["name"] for c in j["columns"] if c["nullable"]]' \
	"['workclass', 'occupation', 'native_country']" "schema: nullable where values are missing"

expect_exit 0 "adult.test against the schema: passes with warnings" \
	"$V" --data "$DATA/adult.test.csv" --skip-rows 1 --columns "$COLS" --trim \
	--label income --label-suffix . --schema schema.json --out test-report.json
grep -q ": 16281 rows, 15 columns, 0 errors, 2 warnings: pass$" "$T/out" && ok "adult.test summary" || not_ok "adult.test summary" "$(cat "$T/out")"
json_is test-report.json '[(a["code"], a["severity"], a.get("column"), a.get("count")) for a in j["anomalies"]]' \
	"[('out_of_range', 'warning', 'fnlwgt', 1), ('duplicate_rows', 'warning', None, 5)]" \
	"adult.test: fnlwgt beyond the observed range is a warning; 5 duplicates"
json_is test-report.json '[a["message"] for a in j["anomalies"]][0]' \
	"column 'fnlwgt': 1 value outside the schema's range [12285, 1484705] (first 1490400 at line 7976, column 14)" \
	"out_of_range message names the value and its line and column"
json_is test-report.json '[i["role"] for i in j["inputs"]], [i["sha256"] for i in j["inputs"]][1]' \
	"(['data', 'schema'], '$(sha schema.json)')" "test report records the schema's sha256"

expect_exit 1 "adult.test without --label-suffix: unseen labels fail" \
	"$V" --data "$DATA/adult.test.csv" --skip-rows 1 --columns "$COLS" --trim \
	--label income --schema schema.json --out fail-report.json
grep -q "columns, 1 error, 2 warnings: fail$" "$T/out" && ok "failing summary line" || not_ok "failing summary line" "$(cat "$T/out")"
json_is fail-report.json '[(a["code"], a["count"], a["message"]) for a in j["anomalies"] if a["severity"] == "error"]' \
	"[('unseen_label', 16281, \"label 'income': 16281 rows with a class the schema does not list: '<=50K.', '>50K.'\")]" \
	"unseen label values are an error"
json_is fail-report.json 'j["verdict"]' fail "a failing report is still written"

# the label comes from the schema when --label is not given
expect_exit 0 "label taken from the schema" \
	"$V" --data "$DATA/adult.test.csv" --skip-rows 1 --columns "$COLS" --trim \
	--label-suffix . --schema schema.json --out r2.json
json_is r2.json 'j["label"]' income "report names the schema's label"

# reproducible with SOURCE_DATE_EPOCH; --json prints the report itself
"$V" --data "$DATA/adult.data.csv" --columns "$COLS" --trim --label income \
	--infer-schema schema2.json --out data-report2.json >/dev/null 2>&1
check "same inputs, same report bytes" cmp data-report.json data-report2.json
check "same inputs, same schema bytes" cmp schema.json schema2.json
# a contract: the same data in another order, at another time, without
# SOURCE_DATE_EPOCH, from another path, infers the same bytes
/usr/bin/python3 -c '
import random, sys
rows = open(sys.argv[1]).read().splitlines()
body = [r for r in rows if r.strip()]
random.Random(7).shuffle(body)
open("shuffled.csv", "w").write("\n".join(body) + "\n")' "$DATA/adult.data.csv"
(unset SOURCE_DATE_EPOCH; "$V" --data shuffled.csv --columns "$COLS" --trim --label income \
	--infer-schema schema3.json --out data-report4.json >/dev/null 2>&1)
check "shuffled rows, no SOURCE_DATE_EPOCH: the same schema bytes" cmp schema.json schema3.json
expect_exit 0 "--json" "$V" --data "$DATA/adult.data.csv" --columns "$COLS" --trim \
	--label income --out data-report3.json --json
check "--json prints the report on stdout" cmp "$T/out" data-report3.json

# every artifact written here validates against its JSON Schema
check "reports and schema validate against shared/schemas" \
	/usr/bin/python3 "$TOP/tests/check_schema.py" data-report.json test-report.json \
	fail-report.json r2.json schema.json
