# mlci-validate-data --schema-diff on schemas that mlci-validate-data inferred from real
# files (and hand-edited copies of them): the table, the verdict and exit
# code (1 on any breaking change), the artifact, and one-line errors.
S() { "$BIN/mlci-validate-data" --schema-diff "$@"; }
P=mlci-validate-data
V=$BIN/mlci-validate-data
PY=/usr/bin/python3
export SOURCE_DATE_EPOCH=1700000000
ADULT=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income

# out_is TEXT NAME: stdout of the last expect_exit is exactly TEXT
out_is() {
	if [ "$(cat "$T/out")" = "$1" ]; then ok "$2"
	else not_ok "$2" "stdout: $(head -c 600 "$T/out")"; fi
}
# edit IN OUT PYTHON: apply a python statement to the schema j
edit() { $PY -c 'import json,sys; j=json.load(open(sys.argv[1])); c={x["name"]: x for x in j["columns"]}; exec(sys.argv[3]); json.dump(j, open(sys.argv[2], "w"), indent=1)' "$1" "$2" "$3"; }

# ---- the command line ----
expect_exit 0 "--help exits 0" S --help
if grep -q "^ *$P --schema-diff OLD NEW" "$T/out" && [ ! -s "$T/err" ]; then ok "--help prints usage on stdout"
else not_ok "--help prints usage on stdout"; fi
expect_exit 0 "--version exits 0" S --version
grep -Eq "^$P [0-9]+\.[0-9]+\.[0-9]+$" "$T/out" && ok "--version prints a version" || not_ok "--version prints a version"
expect_exit 64 "an unknown option is a usage error" S --no-such-option
err_is "^$P: unknown option '--no-such-option'" "unknown option: one line"
expect_exit 64 "no schemas: usage error" S
err_is "^$P: --schema-diff needs OLD and NEW" "no schemas: one line saying what is required"
expect_exit 64 "one schema: usage error" S a.json
err_is "^$P: --schema-diff needs OLD and NEW" "one schema: one line"
expect_exit 64 "--schema-diff with --data: usage error" S a.json b.json --data x.csv
err_is "^$P: --schema-diff compares two schemas: it takes no --data" "--schema-diff with --data: one line"
expect_exit 64 "three schemas: usage error" S a.json b.json c.json
err_is "^$P: unexpected argument 'c.json'" "three schemas: one line"

# ---- iris, and iris without virginica ----
"$V" --data "$DATA/iris.csv" --label species --infer-schema iris.json --out r.json >/dev/null
awk -F, '$5 != "virginica"' "$DATA/iris.csv" >iris2.csv
"$V" --data iris2.csv --label species --infer-schema iris2.json --out r2.json >/dev/null
expect_exit 1 "iris: a category removed is breaking (exit 1)" S iris.json iris2.json
out_is "change            column             old → new        verdict
max_lowered       sepal length (cm)  7.9 → 7          breaking
max_lowered       petal length (cm)  6.9 → 5.1        breaking
max_lowered       petal width (cm)   2.5 → 1.8        breaking
category_removed  species            'virginica' → -  breaking
$P: iris.json → iris2.json: 4 changes, 4 breaking, 0 additive: breaking" \
	"iris: the table (maxima lowered with virginica gone) and summary"
[ ! -s "$T/err" ] && ok "iris: nothing on stderr" || not_ok "iris: nothing on stderr" "$(cat "$T/err")"
expect_exit 0 "iris reversed: only additive changes (exit 0)" S iris2.json iris.json --out d.json
grep -q "^$P: iris2.json → iris.json: 4 changes, 0 breaking, 4 additive: additive (d.json)$" "$T/out" \
	&& ok "reversed: summary names the artifact" || not_ok "reversed: summary names the artifact" "$(cat "$T/out")"
json_is d.json '[(c["kind"], c["column"], c["old"], c["new"], c["breaking"]) for c in j["changes"]]' \
	"[('max_raised', 'sepal length (cm)', '7', '7.9', False), ('max_raised', 'petal length (cm)', '5.1', '6.9', False), ('max_raised', 'petal width (cm)', '1.8', '2.5', False), ('category_added', 'species', None, \"'virginica'\", False)]" \
	"reversed: the artifact's changes"
json_is d.json 'j["kind"], j["verdict"], j["counts"]' \
	"('mlci.schema-diff', 'additive', {'additive': 4, 'breaking': 0, 'changes': 4})" "reversed: kind, verdict, counts"
json_is d.json '[(i["role"], i["path"]) for i in j["inputs"]]' "[('baseline', 'iris2.json'), ('schema', 'iris.json')]" \
	"inputs: OLD is the baseline, NEW the schema"
json_is d.json 'j["inputs"][0]["sha256"] == __import__("hashlib").sha256(open("iris2.json","rb").read()).hexdigest()' True \
	"inputs: the sha256 of the file read"
if [ -x "$PY" ] && $PY -c 'import jsonschema' 2>/dev/null; then
	check "the artifact validates against shared/schemas" $PY "$TOP/tests/check_schema.py" d.json
fi
expect_exit 1 "--json prints the artifact" S iris.json iris2.json --json
json_is "$T/out" 'j["verdict"], [c["kind"] for c in j["changes"]][-1]' "('breaking', 'category_removed')" "--json: the verdict and changes"
S iris.json iris2.json --json >j1.json; sleep 1; S iris.json iris2.json --json >j2.json
cmp -s j1.json j2.json && ok "--json output is reproducible (SOURCE_DATE_EPOCH)" || not_ok "--json output is reproducible"
expect_exit 0 "a schema against itself: no changes" S iris.json iris.json
out_is "no changes
$P: iris.json → iris.json: 0 changes, 0 breaking, 0 additive: unchanged" "no changes: the table says so"

# ---- adult, and adult without fnlwgt ----
"$V" --data "$DATA/adult.data.csv" --columns "$ADULT" --trim --label income --infer-schema adult.json --out r.json >/dev/null
cut -d, -f1-2,4- "$DATA/adult.data.csv" >adult-nofnlwgt.csv
"$V" --data adult-nofnlwgt.csv --columns "$(echo "$ADULT" | sed 's/fnlwgt,//')" --trim --label income \
	--infer-schema adult2.json --out r.json >/dev/null
expect_exit 1 "adult: a column removed is breaking" S adult.json adult2.json
out_is "change          column  old → new              verdict
column_removed  fnlwgt  integer, required → -  breaking
$P: adult.json → adult2.json: 1 change, 1 breaking, 0 additive: breaking" "adult: column_removed"
expect_exit 1 "adult: a required column added is breaking" S adult2.json adult.json
grep -q "^column_added  fnlwgt  - → integer, required  breaking$" "$T/out" && ok "adult: column_added, required" \
	|| not_ok "adult: column_added, required" "$(cat "$T/out")"
edit adult.json nullable-fnlwgt.json 'c["fnlwgt"]["nullable"] = True'
expect_exit 1 "adult: a nullable column added is breaking too" S adult2.json nullable-fnlwgt.json --out n.json
json_is n.json '[(c["kind"], c["column"], c["breaking"]) for c in j["changes"]]' "[('column_added', 'fnlwgt', True)]" \
	"adult: column_added, nullable"
# the verdict agrees with the checker: the data that passed the old
# schema fails the new one, for the added column alone
expect_exit 0 "adult without fnlwgt passes its own schema" "$V" --data adult-nofnlwgt.csv \
	--columns "$(echo "$ADULT" | sed 's/fnlwgt,//')" --trim --label income --schema adult2.json --out c.json
expect_exit 1 "... and fails the schema with fnlwgt added (nullable)" "$V" --data adult-nofnlwgt.csv \
	--columns "$(echo "$ADULT" | sed 's/fnlwgt,//')" --trim --label income --schema nullable-fnlwgt.json --out c.json
json_is c.json '[(a["code"], a["column"]) for a in j["anomalies"] if a["severity"] == "error"]' "[('missing_column', 'fnlwgt')]" \
	"the only error is missing_column fnlwgt"

# a rename: same type and range under a new name
edit adult.json renamed.json 'c["age"]["name"] = "age_years"'
expect_exit 1 "a renamed column is breaking" S adult.json renamed.json
grep -q "^column_renamed?  age     age → age_years  breaking$" "$T/out" && ok "a rename is reported once, as renamed?" \
	|| not_ok "a rename is reported once, as renamed?" "$(cat "$T/out")"

# ---- hand edits: each direction of each kind ----
kinds() { json_is "$1" '[(c["kind"], c["column"], c["old"], c["new"], c["breaking"]) for c in j["changes"]]' "$2" "$3"; }
edit adult.json t1.json 'c["age"]["type"] = "number"'
expect_exit 0 "integer → number: widened, exit 0" S adult.json t1.json --out k.json
kinds k.json "[('type_widened', 'age', 'integer', 'number', False)]" "type_widened"
expect_exit 1 "number → integer: narrowed, exit 1" S t1.json adult.json --out k.json
kinds k.json "[('type_narrowed', 'age', 'number', 'integer', True)]" "type_narrowed"
edit adult.json t2.json 'c["workclass"]["type"] = "string"; c["age"]["min"] = 18; c["age"]["max"] = 95'
expect_exit 1 "min raised, max raised: breaking" S adult.json t2.json --out k.json
kinds k.json "[('min_raised', 'age', '17', '18', True), ('max_raised', 'age', '90', '95', False)]" "min_raised and max_raised"
edit adult.json t3.json 'c["education"]["categories"].remove("Doctorate"); c["race"]["categories"].append("Zzz")'
expect_exit 1 "a category removed and one added" S adult.json t3.json --out k.json
kinds k.json "[('category_removed', 'education', \"'Doctorate'\", None, True), ('category_added', 'race', None, \"'Zzz'\", False)]" \
	"category_removed and category_added"
edit adult.json t4.json 'j["domain"] = "enforced"'
expect_exit 1 "domain observed → enforced: breaking" S adult.json t4.json --out k.json
kinds k.json "[('domain_enforced', None, 'observed', 'enforced', True)]" "domain_enforced"
expect_exit 0 "domain enforced → observed: additive" S t4.json adult.json
edit adult.json t5.json 'c["workclass"]["nullable"] = False'
expect_exit 1 "nullable → required: breaking" S adult.json t5.json --out k.json
kinds k.json "[('became_required', 'workclass', 'nullable', 'required', True)]" "became_required"
expect_exit 0 "required → nullable: additive" S t5.json adult.json
edit adult.json t6.json 'c["workclass"]["max_missing"] = 0.1'
expect_exit 1 "a missing-value limit on a nullable column: breaking" S adult.json t6.json --out k.json
kinds k.json "[('max_missing_lowered', 'workclass', 'none (nullable)', '0.1', True)]" "max_missing_lowered"
edit adult.json t7.json 'j["label"] = "sex"'
expect_exit 1 "another label: breaking" S adult.json t7.json --out k.json
kinds k.json "[('label_changed', None, \"'income'\", \"'sex'\", True)]" "label_changed"
edit adult.json t8.json 'del c["native_country"]["categories"]'
expect_exit 0 "categories dropped: additive" S adult.json t8.json --out k.json
kinds k.json "[('categories_unrestricted', 'native_country', '41 categories', 'any', False)]" "categories_unrestricted"
expect_exit 1 "categories added to an open column: breaking" S t8.json adult.json

# ---- bad input: one line, the documented code, no output ----
expect_exit 66 "a missing schema: 66" S adult.json no-such.json --out e.json
err_is "^$P: no-such\.json: cannot open: No such file or directory$" "missing: one line naming the file"
absent e.json "missing: no output"
expect_exit 65 "a data report instead of a schema: 65" S r.json adult.json --out e.json
err_is "^$P: r\.json: expected an artifact of kind 'mlci\.schema', found 'mlci\.data-report'$" "wrong kind: one line"
absent e.json "wrong kind: no output"
printf '{"kind": "mlci.schema",\n "schema_version": 1,\n "columns": [}\n' >broken.json
expect_exit 65 "malformed JSON: 65" S adult.json broken.json --out e.json
err_is "^$P: broken\.json:3:[0-9]+: " "malformed JSON: file:line:col"
absent e.json "malformed JSON: no output"
edit adult.json badtype.json 'c["age"]["type"] = "decimal"'
expect_exit 65 "an unknown type: 65" S badtype.json adult.json --out e.json
err_is "^$P: badtype\.json: schema column 1 \('age'\): \"type\" must be" "unknown type: names the column"
absent e.json "unknown type: no output"
edit adult.json v2.json 'j["schema_version"] = 2'
expect_exit 65 "a newer schema version: 65" S adult.json v2.json
err_is "^$P: v2\.json: .*version" "newer version: one line"
cp adult.json keep.json
expect_exit 64 "--out over an input: 64" S adult.json keep.json --out keep.json
err_is "^$P: --out 'keep\.json' would overwrite the NEW input$" "--out over an input: one line"
cmp -s adult.json keep.json && ok "the input is intact" || not_ok "the input is intact"
expect_exit 73 "--out in a missing directory: 73" S adult.json t1.json --out no/dir/d.json
err_is "^$P: no/dir/d\.json: " "cannot create: one line naming it"
MLCI_VALIDATE_DATA_OUT=env.json expect_exit 0 "MLCI_VALIDATE_DATA_OUT stands in for --out" S adult.json t1.json
[ -s env.json ] && ok "the variable's file is written" || not_ok "the variable's file is written"
