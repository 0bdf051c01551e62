# mlci-validate-data: the label's values are its classes whatever its
# type. An inferred schema records them (up to 4096 distinct values, the
# classes mlci-train allows) and a class the schema does not list is an
# unseen_label error; a regression target records only its range.
V=$BIN/mlci-validate-data
an() { json_is "$1" '[(a["code"], a["severity"], a.get("column"), a.get("count")) for a in j["anomalies"]]' "$2" "$3"; }
label_col() { json_is "$1" "[c for c in j['columns'] if c['name'] == '$2'][0]" "$3" "$4"; }

# wine: an integer label (cultivar 0, 1, 2)
expect_exit 0 "wine: infer a schema with label cultivar" "$V" --data "$DATA/wine.csv" --label cultivar --infer-schema ws.json --out r.json
label_col ws.json cultivar "{'categories': ['0', '1', '2'], 'max': 2, 'min': 0, 'name': 'cultivar', 'nullable': False, 'type': 'integer'}" \
	"the integer label's classes are in the schema"
/usr/bin/python3 - "$DATA/wine.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
k = rows[0].index("cultivar")
for r in rows[1:4]:
    r[k] = "7"
csv.writer(open("wine7.csv", "w", newline=""), lineterminator="\n").writerows(rows)
for r in rows[1:4]:
    r[k] = "1"
csv.writer(open("wine1.csv", "w", newline=""), lineterminator="\n").writerows(rows)
EOF
expect_exit 1 "wine with cultivar 7 in 3 rows fails against the schema" "$V" --data wine7.csv --schema ws.json --out r7.json
grep -q "^mlci-validate-data: wine7.csv: 178 rows, 14 columns, 1 error, 1 warning: fail$" "$T/out" \
	&& ok "summary: 1 error" || not_ok "summary: 1 error" "$(cat "$T/out")"
an r7.json "[('out_of_range', 'warning', 'cultivar', 3), ('unseen_label', 'error', 'cultivar', 3)]" \
	"unseen_label error (and the observed range a warning)"
json_is r7.json '[a["message"] for a in j["anomalies"] if a["code"] == "unseen_label"][0]' \
	"label 'cultivar': 3 rows with a class the schema does not list: '7'" "names the class"
expect_exit 0 "known classes only: passes" "$V" --data wine1.csv --schema ws.json --out r1.json
an r1.json "[]" "no anomalies"
json_is r.json '[c for c in j["columns"] if c["name"] == "cultivar"][0].get("top")' None \
	"an integer label's report keeps the numeric statistics only"

# even a column-level "observed" domain does not soften the label
sed 's/"name": "cultivar",/"name": "cultivar", "domain": "observed",/' ws.json >wso.json
expect_exit 1 "the label's classes are always enforced" "$V" --data wine7.csv --schema wso.json --out r8.json
an r8.json "[('out_of_range', 'warning', 'cultivar', 3), ('unseen_label', 'error', 'cultivar', 3)]" "still an error"

# a boolean label
printf 'x,y\n1,true\n2,false\n3,true\n4,false\n' >b.csv
printf 'x,y\n1,true\n2,maybe\n' >b2.csv
expect_exit 0 "boolean label: infer" "$V" --data b.csv --label y --infer-schema bs.json --out r.json
label_col bs.json y "{'categories': ['false', 'true'], 'name': 'y', 'nullable': False, 'type': 'boolean'}" "boolean classes"
expect_exit 1 "boolean label: a third value fails" "$V" --data b2.csv --schema bs.json --out r.json
json_is r.json '[a["code"] for a in j["anomalies"]]' "['type_mismatch']" "reported as a type mismatch"

# a regression target: diabetes progression (214 distinct floats) records
# only its range, and a new value inside it is fine
expect_exit 0 "diabetes: infer with label progression" "$V" --data "$DATA/diabetes_progression.csv" --label progression --infer-schema dsc.json --out r.json
label_col dsc.json progression "{'max': 346.0, 'min': 25.0, 'name': 'progression', 'nullable': False, 'type': 'number'}" \
	"no categories for a regression target"
sed '2s/,151\.0$/,152.5/' "$DATA/diabetes_progression.csv" >d2.csv
check "the edit took" grep -q ',152\.5$' d2.csv
expect_exit 0 "an unseen progression value inside the range passes" "$V" --data d2.csv --schema dsc.json --out r2.json
an r2.json "[]" "no anomalies"
sed '2s/,151\.0$/,400.0/' "$DATA/diabetes_progression.csv" >d3.csv
expect_exit 0 "outside the observed range: a warning" "$V" --data d3.csv --schema dsc.json --out r3.json
an r3.json "[('out_of_range', 'warning', 'progression', 1)]" "out_of_range warning only"

# a number label with few values (classes written 1.0, 2.0): categories
printf 'x,y\n1,1.0\n2,2.0\n3,1.0\n4,2.0\n5,1.0\n6,2.0\n' >n.csv
expect_exit 0 "few-valued number label: infer" "$V" --data n.csv --label y --infer-schema ns.json --out r.json
label_col ns.json y "{'categories': ['1.0', '2.0'], 'max': 2.0, 'min': 1.0, 'name': 'y', 'nullable': False, 'type': 'number'}" "its classes"

# more than 4096 distinct values: no categories (string label too)
/usr/bin/python3 -c '
import sys
with open("many.csv", "w") as f:
    f.write("x,i,s\n")
    for k in range(5000):
        f.write("%d,%d,s%d\n" % (k % 7, k, k))'
expect_exit 0 "5000 distinct integer labels: infer" "$V" --data many.csv --label i --infer-schema ms.json --out r.json
json_is ms.json '"categories" in [c for c in j["columns"] if c["name"] == "i"][0]' False "no categories past 4096"
expect_exit 0 "5000 distinct string labels: infer" "$V" --data many.csv --label s --infer-schema ms2.json --out r.json
json_is ms2.json '"categories" in [c for c in j["columns"] if c["name"] == "s"][0]' False "a string label neither"
