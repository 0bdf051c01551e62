# mlci-validate-data against hand-written schemas: every anomaly kind,
# its severity and count, and the exit code that follows from them.
V=$BIN/mlci-validate-data
an() { json_is "$1" '[(a["code"], a["severity"], a.get("column"), a.get("count")) for a in j["anomalies"]]' "$2" "$3"; }

cat >data.csv <<'CSV'
id,age,color,score,flag,extra,const,h,y
1,30,red,1.5,true,x,k,1,yes
2,40,blue,2.5,false,x,k,2,no
3,abc,green,,true,y,k,3,yes
4,50,red,3.5,TRUE,z,k,11,
4,50,red,3.5,TRUE,z,k,11,
CSV
cat >schema.json <<'JSON'
{"kind": "mlci.schema", "schema_version": 1, "label": "y",
 "columns": [
  {"name": "id", "type": "integer"},
  {"name": "age", "type": "integer", "min": 0, "max": 120},
  {"name": "color", "type": "string", "categories": ["red", "blue"]},
  {"name": "score", "type": "number", "nullable": false},
  {"name": "flag", "type": "boolean"},
  {"name": "const", "type": "string"},
  {"name": "h", "type": "integer", "min": 0, "max": 10},
  {"name": "gone", "type": "number"},
  {"name": "y", "type": "string", "categories": ["no", "yes"]}
 ]}
JSON
expect_exit 1 "errors against the schema: exit 1" "$V" --data data.csv --schema schema.json --out r.json
grep -q "^mlci-validate-data: data.csv: 5 rows, 9 columns, 6 errors, 3 warnings: fail$" "$T/out" \
	&& ok "summary counts errors and warnings" || not_ok "summary counts errors and warnings" "$(cat "$T/out")"
an r.json "[('missing_column', 'error', 'gone', None), ('type_mismatch', 'error', 'age', 1), ('unseen_category', 'error', 'color', 1), ('missing_over_limit', 'error', 'score', 1), ('extra_column', 'warning', 'extra', None), ('constant_column', 'warning', 'const', 5), ('out_of_range', 'error', 'h', 2), ('missing_label', 'error', 'y', 2), ('duplicate_rows', 'warning', None, 1)]" \
	"each anomaly with its severity and count (enforced schema)"
json_is r.json '[a["message"] for a in j["anomalies"] if a["code"] == "type_mismatch"][0]' \
	"column 'age': 1 value is not integer (first 'abc' at line 4, column 3)" "type mismatch names the value, line and column"
json_is r.json '[a["message"] for a in j["anomalies"] if a["code"] == "unseen_category"][0]' \
	"column 'color': 1 row with a category the schema does not list: 'green'" "unseen category lists the values"
json_is r.json '[a["message"] for a in j["anomalies"] if a["code"] == "missing_over_limit"][0]' \
	"column 'score': 1 missing value (20%), over the limit of 0% (not nullable)" "missing rate message"
json_is r.json 'j["verdict"], j["summary"]' "('fail', {'errors': 6, 'infos': 0, 'warnings': 3})" "verdict fail"
json_is r.json '[c["type"] for c in j["columns"]]' \
	"['integer', 'string', 'string', 'number', 'boolean', 'string', 'string', 'integer', 'string']" \
	"inferred types (TRUE is boolean; one bad value makes a column string)"

# an observed domain turns range and category violations into warnings
sed 's/"label": "y",/"label": "y", "domain": "observed",/' schema.json >observed.json
expect_exit 1 "observed domain: the other errors remain" "$V" --data data.csv --schema observed.json --out r2.json
json_is r2.json '[(a["code"], a["severity"]) for a in j["anomalies"] if a["code"] in ("out_of_range", "unseen_category")]' \
	"[('unseen_category', 'warning'), ('out_of_range', 'warning')]" "observed: out of range and unseen category are warnings"
# and a column can enforce its own
sed 's/"max": 10}/"max": 10, "domain": "enforced"}/' observed.json >mixed.json
expect_exit 1 "per-column domain" "$V" --data data.csv --schema mixed.json --out r3.json
json_is r3.json '[(a["code"], a["severity"]) for a in j["anomalies"] if a["code"] in ("out_of_range", "unseen_category")]' \
	"[('unseen_category', 'warning'), ('out_of_range', 'error')]" "a column's domain beats the schema's"

# a clean file against the same schema passes
cat >clean.csv <<'CSV'
id,age,color,score,flag,const,h,gone,y
1,30,red,1.5,true,k,1,0.5,yes
2,40,blue,2.5,false,l,2,0.7,no
CSV
expect_exit 0 "clean data passes" "$V" --data clean.csv --schema schema.json --out ok.json
an ok.json "[]" "no anomalies"
json_is ok.json 'j["verdict"]' pass "verdict pass"

# the schema's label column missing from the data
cut -d, -f1-8 clean.csv >nolabel.csv
expect_exit 1 "schema label absent from the data" "$V" --data nolabel.csv --schema schema.json --out nl.json
an nl.json "[('label_column_missing', 'error', 'y', None)]" "label_column_missing, not also missing_column"

# --max-missing without a schema; identifier-like and empty columns
expect_exit 1 "titanic --max-missing 0.5: Cabin fails" "$V" --data "$DATA/titanic.csv" --max-missing 0.5 --out t.json
an t.json "[('all_distinct', 'info', 'PassengerId', 891), ('all_distinct', 'info', 'Name', 891), ('mixed_types', 'warning', 'Ticket', 230), ('missing_over_limit', 'error', 'Cabin', 687), ('pii', 'warning', 'Name', 888)]" \
	"titanic: Cabin 77% missing over 50%; ID-like columns are info; Ticket mixes numbers and codes; names are personal data"
expect_exit 0 "titanic --max-missing 0.8 passes" "$V" --data "$DATA/titanic.csv" --max-missing 0.8 --out t2.json
printf 'a,b\n1,\n2,\n' >emptycol.csv
expect_exit 0 "an empty column is a warning" "$V" --data emptycol.csv --out e.json
an e.json "[('all_missing', 'warning', 'b', 2)]" "all_missing"
json_is e.json 'j["columns"][1]' \
	"{'categorical': False, 'count': 0, 'distinct': 0, 'missing': 2, 'missing_rate': 1.0, 'name': 'b', 'type': 'string'}" \
	"an empty column's statistics"
