# mlci-validate-data --pii: personal data planted in known shares
# (tests/ref/pii_planted.py -> pii_planted.csv/.json, checked by stdnum,
# ipaddress and the email package), flagged with the reference's shares,
# and no raw value of a flagged column in any output: the report, the
# inferred schema, the HTML profile, Code Quality, JUnit and --json stdout;
# the same through --shard/--merge.
V="$BIN/mlci-validate-data"
CSV="$TOP/tests/ref/pii_planted.csv"
REF="$TOP/tests/ref/pii_planted.json"

ref() {
	/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$REF" "$1"
}

# no_raw FILE...: no non-missing value of a flagged column (per the
# reference) occurs in any FILE, as written or JSON-escaped
no_raw() {
	/usr/bin/python3 - "$CSV" "$REF" "$@" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
flagged = json.load(open(sys.argv[2]))["flagged"]
raw = {r[c] for r in rows for c in flagged if r[c]}
bad = []
for f in sys.argv[3:]:
    text = open(f, encoding="utf-8").read()
    bad += ["%s: %s" % (f, v) for v in raw if v in text or json.dumps(v)[1:-1] in text]
print("\n".join(bad[:5]))
sys.exit(1 if bad or not raw else 0)
PY
}

expect_exit 0 "planted personal data: a warning by default" "$V" --data "$CSV" --label label \
	--out r.json --infer-schema s.json --html p.html --codequality cq.json --junit j.xml --json
cp "$T/out" stdout.json
for c in email card iban ip; do
	json_is r.json "[x for x in j['columns'] if x['name'] == '$c'][0]['pii']" \
		"$(ref "dict(sorted(r['columns']['$c'].items()))")" "$c: values, matches, shares and flag as the reference"
done
json_is r.json 'j["pii"]' "$(ref "{'flagged': r['flagged'], 'mode': 'warn', 'threshold': 0.5}")" "the report lists the flagged columns"
json_is r.json '[(x["code"], x["severity"], x["column"], x["count"]) for x in j["anomalies"] if x["code"] == "pii"]' \
	"$(ref "[('pii', 'warning', c, r['columns'][c]['matches'][c]) for c in r['flagged']]")" "one pii warning per flagged column"
json_is r.json '[x for x in j["columns"] if x["name"] == "city"][0].get("pii")' "None" "a column without matches has no pii object"
if out=$(no_raw r.json s.json p.html cq.json j.xml stdout.json); then ok "no raw value of a flagged column in any output"
else not_ok "no raw value of a flagged column in any output" "$out"; fi
# the search does find values: the unflagged ip column's values are there
json_is r.json 'any(t["value"] in open("p.html").read() for t in [x for x in j["columns"] if x["name"] == "ip"][0]["top"])' \
	"True" "an unflagged column's values are shown as they are"
json_is r.json 'sorted({ch for x in j["columns"] if x["name"] in ("email", "card", "iban") for t in x["top"] for ch in t["value"]} - set("x9 .@-+"))' \
	"[]" "flagged columns' top values are masks (x, 9, punctuation)"
json_is r.json 'sorted(x["name"] for x in j["columns"] if "frequencies" in x.get("sketch", {}))' \
	"['city', 'id', 'ip', 'label']" "flagged columns' sketches keep no frequencies"
json_is s.json '[("categories" in c, "min" in c) for c in j["columns"] if c["name"] in ("email", "card", "iban")]' \
	"[(False, False), (False, False), (False, False)]" "the inferred schema keeps no values of a flagged column"
check "report valid under its schema" /usr/bin/python3 "$TOP/tests/check_schema.py" r.json s.json

# --pii fail: the same anomalies as errors, exit 1, every output written
expect_exit 1 "--pii fail: exit 1" "$V" --data "$CSV" --label label --pii fail --out f.json \
	--html f.html --junit f.xml --codequality f.cq
json_is f.json '[(x["severity"], x["column"]) for x in j["anomalies"] if x["code"] == "pii"]' \
	"$(ref "[('error', c) for c in r['flagged']]")" "--pii fail: errors"
json_is f.json 'j["verdict"], j["pii"]["mode"]' "('fail', 'fail')" "--pii fail: the verdict fails"
check "--pii fail: JUnit fails the flagged columns" grep -q 'failure type="mlci.data.pii"' f.xml
if out=$(no_raw f.json f.html f.xml f.cq); then ok "--pii fail: no raw value either"; else not_ok "--pii fail: no raw value either" "$out"; fi
MLCI_PII=fail expect_exit 1 "MLCI_PII=fail" "$V" --data "$CSV" --out fe.json
# --pii off: no tally, values as they are
expect_exit 0 "--pii off" "$V" --data "$CSV" --pii off --out o.json
json_is o.json '"pii" in j, [x.get("pii") for x in j["columns"]] == [None] * 7, [x["code"] for x in j["anomalies"] if x["code"] == "pii"]' \
	"(False, True, [])" "--pii off: no pii in the report"
if no_raw o.json >/dev/null; then not_ok "--pii off keeps the values"; else ok "--pii off keeps the values"; fi
expect_exit 64 "--pii bogus" "$V" --data "$CSV" --pii maybe --out b.json
err_is "--pii: expected fail, warn or off" "a bad --pii is a usage error"
absent b.json "no report on a bad --pii"

# values quoted in messages are masked: a schema with categories the
# e-mail column does not hold, and a type the card column does not fit
/usr/bin/python3 - s.json >schema.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for c in s["columns"]:
    if c["name"] == "email":
        c["categories"] = ["nobody"]
    if c["name"] == "card":
        c["type"] = "integer"
s["domain"] = "enforced"
print(json.dumps(s))
PY
expect_exit 1 "a schema the flagged columns break" "$V" --data "$CSV" --label label --schema schema.json \
	--out m.json --html m.html --junit m.xml --codequality m.cq --json
cp "$T/out" m.stdout
json_is m.json 'sorted(x["code"] for x in j["anomalies"] if x.get("column") in ("email", "card") and x["code"] != "pii")' \
	"['type_mismatch', 'unseen_category']" "unseen_category and type_mismatch on flagged columns"
json_is m.json '[sorted(set(x["message"].split("does not list: ")[1]) - set("x9.@-+, \x27")) for x in j["anomalies"] if x["code"] == "unseen_category"]' \
	"[[]]" "unseen values are listed masked"
json_is m.json '[set(x["message"].split("(first ")[1].split(" at line")[0]) <= set("9 \x27") for x in j["anomalies"] if x["code"] == "type_mismatch"]' \
	"[True]" "the first mistyped value is masked"
if out=$(no_raw m.json m.html m.xml m.cq m.stdout); then ok "messages carry no raw value"; else not_ok "messages carry no raw value" "$out"; fi

# --shard / --merge: the tallies merge to the whole file's
for k in 1 2 3; do
	expect_exit 0 "shard $k/3" "$V" --data "$CSV" --label label --shard "$k/3" --out "part$k.json"
done
expect_exit 0 "merge" "$V" --merge part1.json part2.json part3.json --out merged.json --html merged.html \
	--codequality merged.cq --junit merged.xml --infer-schema merged-schema.json
check "merged: the inferred schema equals the whole file's (but its inputs)" /usr/bin/python3 -c '
import json, sys
a, b = json.load(open("s.json")), json.load(open("merged-schema.json"))
sys.exit(0 if a["columns"] == b["columns"] else 1)'
json_is merged.json '[(x["name"], x.get("pii"), x.get("top")) for x in j["columns"]]' \
	"$(/usr/bin/python3 -c 'import json; j=json.load(open("r.json")); print([(x["name"], x.get("pii"), x.get("top")) for x in j["columns"]])')" \
	"merged: every column's pii and (masked) top values equal the whole file's"
json_is merged.json 'j["pii"], [x for x in j["anomalies"]]' \
	"$(/usr/bin/python3 -c 'import json; j=json.load(open("r.json")); print((j["pii"], [x for x in j["anomalies"]]))')" \
	"merged: the same flags and anomalies"
if out=$(no_raw merged.json merged.html merged.cq merged.xml merged-schema.json); then ok "merged outputs carry no raw value"; else not_ok "merged outputs carry no raw value" "$out"; fi
expect_exit 64 "--pii with --merge is refused" "$V" --merge part1.json part2.json part3.json --pii off --out x.json
err_is "--merge takes the shards' options" "--merge names why"
expect_exit 0 "shard with --pii off" "$V" --data "$CSV" --shard 1/3 --pii off --out off1.json
expect_exit 65 "parts with different --pii do not merge" "$V" --merge off1.json part2.json part3.json --out x.json
err_is "same --pii|not from the same run" "mixed --pii parts: named"
absent x.json "no merged report from mixed parts"

# the reference is reproducible
mkdir -p ref && cp "$TOP/tests/ref/pii_planted.py" "$TOP/tests/ref/pii_values.json" ref/
/usr/bin/python3 ref/pii_planted.py 2>/dev/null
check "reference regenerates identically" cmp ref/pii_planted.json "$REF"
check "planted CSV regenerates identically" cmp ref/pii_planted.csv "$CSV"
