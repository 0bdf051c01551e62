# mlci-validate-data: the constraints a user edits into a schema,
# "pattern" (POSIX ERE, searched) and "unique", on real files; the counts
# and the first mismatch come from pandas (tests/ref/constraints.py).
V=$BIN/mlci-validate-data
REF=$TOP/tests/ref/constraints.json

cases=$(/usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1])))))' "$REF")
for c in $cases; do
	# the inferred schema, with the case's constraint added by hand
	/usr/bin/python3 - "$REF" "$c" <<'PY' >case.args
import json, sys
c = json.load(open(sys.argv[1]))[sys.argv[2]]
print("\n".join([c["file"]] + c["args"]))
PY
	mapfile -t a <case.args
	# --pii off: titanic's names are personal data, which messages mask
	# (checked below); here the first mismatch is compared with pandas'
	file=${a[0]}; opts=("${a[@]:1}" --pii off)
	"$V" --data "$DATA/$file" "${opts[@]}" --out inf.json --infer-schema s.json >/dev/null
	/usr/bin/python3 - "$REF" "$c" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))[sys.argv[2]]
s = json.load(open("s.json"))
for col in s["columns"]:
    if col["name"] == c["column"]:
        if "pattern" in c:
            col["pattern"] = c["pattern"]
        else:
            col["unique"] = True
json.dump(s, open("s2.json", "w"))
PY
	nbad=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["bad"])' "$REF" "$c")
	code=pattern_mismatch
	grep -q '"unique"' <(/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$REF" "$c") && code=duplicate_values
	if [ "$nbad" -gt 0 ]; then rc=1; else rc=0; fi
	expect_exit "$rc" "$c: exit $rc" "$V" --data "$DATA/$file" "${opts[@]}" --schema s2.json --out r.json
	json_is r.json "[a.get('count') for a in j['anomalies'] if a['code'] == '$code']" \
		"$([ "$nbad" -gt 0 ] && echo "[$nbad]" || echo "[]")" "$c: $code count as pandas ($nbad)"
	if [ "$code" = pattern_mismatch ] && [ "$nbad" -gt 0 ]; then
		first=$(/usr/bin/python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))[sys.argv[2]]["first"]; print("first %r at line %d," % (f[1][:40], f[0]))' "$REF" "$c")
		json_is r.json "\"$first\" in [a['message'] for a in j['anomalies'] if a['code'] == '$code'][0]" True \
			"$c: the first mismatch, where pandas finds it"
	fi
	# a shard-merged run gives the same verdict and counts
	"$V" --data "$DATA/$file" "${opts[@]}" --schema s2.json --shard 1/3 --out p1.json >/dev/null
	"$V" --data "$DATA/$file" "${opts[@]}" --schema s2.json --shard 2/3 --out p2.json >/dev/null
	"$V" --data "$DATA/$file" "${opts[@]}" --schema s2.json --shard 3/3 --out p3.json >/dev/null
	expect_exit "$rc" "$c: merged shards: exit $rc" "$V" --merge p1.json p2.json p3.json --out m.json
	json_is m.json "[a for a in j['anomalies']] == [a for a in __import__('json').load(open('r.json'))['anomalies']]" True \
		"$c: merged shards: the same anomalies"
	rm -f r.json m.json p?.json s.json s2.json inf.json case.args
done

# a flagged personal-data column's values are masked in the message too
/usr/bin/python3 - "$REF" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["titanic_name_ok"]
json.dump({"kind": "mlci.schema", "schema_version": 1, "columns": [
    {"name": "Name", "type": "string", "pattern": c["pattern"]}]}, open("names.json", "w"))
PY
expect_exit 1 "titanic names, --pii warn: the pattern still fails" "$V" --data "$DATA/titanic.csv" --schema names.json --out r.json
json_is r.json "[a['message'] for a in j['anomalies'] if a['code'] == 'pattern_mismatch'][0].count('Countess')" 0 \
	"titanic names, --pii warn: the message does not quote the name"
json_is r.json "'at line 761,' in [a['message'] for a in j['anomalies'] if a['code'] == 'pattern_mismatch'][0]" True \
	"titanic names, --pii warn: the message still says where"
rm -f r.json names.json

# bad constraints: exit 65 naming the file and the column, no report
cat >d.csv <<'CSV'
id,code
1,AB12
2,AB13
CSV
printf '%s' '{"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "id", "type": "integer"}, {"name": "code", "type": "string", "pattern": "([A-Z"}]}' >bad.json
expect_exit 65 "an invalid regular expression: 65" "$V" --data d.csv --schema bad.json --out r.json
err_is "^mlci-validate-data: bad.json: schema column 2 \('code'\): \"pattern\" is not a valid POSIX extended regular expression: .+$" \
	"the regex error names the file and column"
absent r.json "invalid regex: no report"
printf '%s' '{"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "id", "type": "integer", "unique": "yes"}, {"name": "code", "type": "string"}]}' >bad2.json
expect_exit 65 "unique must be a boolean: 65" "$V" --data d.csv --schema bad2.json --out r.json
err_is "^mlci-validate-data: bad2.json: schema column 1 \('id'\): \"unique\" must be true or false$" "unique: names the file and column"
# both constraints hold: exit 0; the schema round-trips through the checker
printf '%s' '{"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "id", "type": "integer", "unique": true}, {"name": "code", "type": "string", "pattern": "^[A-Z]{2}[0-9]{2}$"}]}' >good.json
expect_exit 0 "constraints that hold: exit 0" "$V" --data d.csv --schema good.json --out r.json
json_is r.json "[a['code'] for a in j['anomalies']]" "[]" "constraints that hold: no anomaly"
printf '3,AB12\n3,ab1\n' >>d.csv
expect_exit 1 "a repeated id and a bad code: exit 1" "$V" --data d.csv --schema good.json --out r.json
json_is r.json "sorted((a['code'], a['count']) for a in j['anomalies'] if a['severity'] == 'error')" \
	"[('duplicate_values', 1), ('pattern_mismatch', 1)]" "a repeated id and a bad code: both reported"
json_is r.json "[a['message'] for a in j['anomalies'] if a['code'] == 'pattern_mismatch'][0]" \
	"column 'code': 1 value does not match the pattern '^[A-Z]{2}[0-9]{2}\$' (first 'ab1' at line 5, column 3)" \
	"pattern_mismatch: the value, line and column"
json_is r.json "[a['message'] for a in j['anomalies'] if a['code'] == 'duplicate_values'][0]" \
	"column 'id' must be unique, but 1 value repeats an earlier one (first '3' at line 5, column 1)" \
	"duplicate_values: the first repeat's value, line and column"
json_is r.json "sorted((a['code'], a.get('line'), a.get('col')) for a in j['anomalies'] if a['severity'] == 'error')" \
	"[('duplicate_values', 5, 1), ('pattern_mismatch', 5, 3)]" "both carry line and col (Code Quality's location)"
check "the report with both is valid under data-report.schema.json" /usr/bin/python3 "$TOP/tests/check_schema.py" r.json
"$V" --data d.csv --schema good.json --out r.json --codequality cq.json >/dev/null 2>&1
json_is cq.json "sorted(f['location']['lines']['begin'] for f in j)" "[5, 5]" "Code Quality points at line 5 for both"
# shards: the repeat within a shard is found there and kept by the merge
"$V" --data d.csv --schema good.json --shard 1/2 --out s1.json >/dev/null 2>&1
"$V" --data d.csv --schema good.json --shard 2/2 --out s2.json >/dev/null 2>&1
expect_exit 1 "merged shards: exit 1" "$V" --merge s1.json s2.json --out m.json
json_is m.json "sorted((a['code'], a['count']) for a in j['anomalies'] if a['severity'] == 'error')" \
	"[('duplicate_values', 1), ('pattern_mismatch', 1)]" "merged shards: both found"

# patterns that would make regcomp or regexec take too long are refused;
# a long but ordinary one (a UUID) is not
pat_schema() {
	/usr/bin/python3 -c 'import json,sys; json.dump({"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "id", "type": "integer"}, {"name": "code", "type": "string", "pattern": sys.argv[1]}]}, open(sys.argv[2], "w"))' "$1" "$2"
}
pat_schema '((a{1,100}){1,100}){1,100}' nest.json
rm -f r.json
expect_exit 65 "nested bounded repeats: 65" "$V" --data d.csv --schema nest.json --out r.json
err_is "^mlci-validate-data: nest.json: schema column 2 \('code'\): \"pattern\" is refused: its bounded repeats \(\{m,n\}\) expand too far$" \
	"nested bounded repeats: one line saying why"
pat_schema '^(a+)\1$' backref.json
expect_exit 65 "a back-reference: 65" "$V" --data d.csv --schema backref.json --out r.json
err_is "^mlci-validate-data: backref.json: .*back-references" "a back-reference: one line saying why"
absent r.json "refused patterns: no report"
pat_schema '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' uuid.json
expect_exit 1 "a UUID pattern is accepted (and the codes fail it)" "$V" --data d.csv --schema uuid.json --out r.json
json_is r.json "[(a['code'], a['count']) for a in j['anomalies'] if a['severity'] == 'error']" \
	"[('pattern_mismatch', 4)]" "a UUID pattern: every code fails it"

# a unique column's values compare as everywhere: 7 and 7.0 repeat
printf 'id,code\n7,AB12\n7.0,AB13\n8,AB14\n' >u.csv
printf '%s' '{"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "id", "type": "number", "unique": true}, {"name": "code", "type": "string"}]}' >u.json
expect_exit 1 "7 and 7.0 in a unique column: exit 1" "$V" --data u.csv --schema u.json --out u-r.json
json_is u-r.json "[(a['code'], a['count'], a['line']) for a in j['anomalies'] if a['code'] == 'duplicate_values']" "[('duplicate_values', 1, 3)]" "7.0 repeats 7 (line 3)"
