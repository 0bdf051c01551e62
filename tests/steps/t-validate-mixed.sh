# Mixed types in a column: a column of numbers with a few stray text
# values is read as text, and said so (mixed_types, a warning naming the
# first stray value); against a schema the same values are a type
# mismatch (an error at line:col). Counts from pandas' to_numeric.
V=$BIN/mlci-validate-data
PY=/usr/bin/python3
# pandas: non-missing values that are not numbers, with mlci's NA tokens
stray() { $PY -c '
import sys, pandas as pd
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False, na_values=["", "NA", "N/A", "NaN", "null", "?"])
s = df[sys.argv[2]].dropna()
bad = s[pd.to_numeric(s, errors="coerce").isna()]
print(len(bad), len(s), bad.iloc[0] if len(bad) else "", int(bad.index[0]) + 2 if len(bad) else 0)' "$@"; }

$PY -c '
import random
r = random.Random(3)
with open("mixed.csv", "w") as f:
    f.write("price,name,qty\n")
    for i in range(200):
        v = "%.2f" % (r.random() * 100)
        if i in (17, 53, 120):
            v = ["unknown", "12,5", "abc"][(17, 53, 120).index(i)]
        f.write("\"%s\",item%d,%d\n" % (v, i % 7, r.randint(1, 9)))'
read -r nbad n first line <<<"$(stray mixed.csv price)"
expect_exit 0 "stray text in a numeric column: a warning, exit 0" "$V" --data mixed.csv --out r.json
json_is r.json '[(a["severity"], a["column"], a["count"]) for a in j["anomalies"] if a["code"] == "mixed_types"]' \
	"[('warning', 'price', $nbad)]" "mixed_types: the count of stray values, as pandas ($nbad of $n)"
json_is r.json '[a["message"] for a in j["anomalies"] if a["code"] == "mixed_types"][0]' \
	"column 'price' is mostly numbers ($((n - nbad)) of $n values), so it was read as text for $nbad that are not (first '$first' at line $line, column 1)" \
	"mixed_types: the first stray value and where it is"
json_is r.json '[c["type"] for c in j["columns"]]' "['string', 'string', 'integer']" "the column is read as text"
# titanic's tickets: numbers and prefixed ticket codes
read -r tbad tn tfirst tline <<<"$(stray "$DATA/titanic.csv" Ticket)"
"$V" --data "$DATA/titanic.csv" --pii off --out t.json >/dev/null
json_is t.json '[(a["column"], a["count"]) for a in j["anomalies"] if a["code"] == "mixed_types"]' \
	"[('Ticket', $tbad)]" "titanic: Ticket mixes numbers and codes ($tbad of $tn not numbers, as pandas)"
# against a schema that says number: a type mismatch, an error at line:col
"$V" --data mixed.csv --out r0.json --infer-schema s.json >/dev/null
$PY -c 'import json; s = json.load(open("s.json")); s["columns"][0]["type"] = "number"; s["columns"][0].pop("categories", None); json.dump(s, open("s2.json", "w"))'
expect_exit 1 "against a numeric schema column: exit 1" "$V" --data mixed.csv --schema s2.json --out r2.json
json_is r2.json '[a["message"] for a in j["anomalies"] if a["code"] == "type_mismatch"]' \
	"[\"column 'price': $nbad values are not number (first '$first' at line $line, column 1)\"]" \
	"against a schema: type_mismatch names the first stray value's line and column"
json_is r2.json '[a["code"] for a in j["anomalies"] if a["code"] == "mixed_types"]' "[]" \
	"against a schema: no mixed_types as well"
# a column mostly of text with a few numbers is just text
$PY -c '
with open("texty.csv", "w") as f:
    f.write("code\n")
    for i in range(100):
        f.write(("%d" % i) if i % 10 == 0 else "c%d" % i)
        f.write("\n")'
"$V" --data texty.csv --out r3.json >/dev/null
json_is r3.json '[a["code"] for a in j["anomalies"] if a["code"] == "mixed_types"]' "[]" "mostly text: no mixed_types"

# a distinct count estimated by HyperLogLog is never above the count of
# values (100,000 distinct integers: the raw estimate is 100,983)
/usr/bin/python3 -c 'print("x"); [print(i) for i in range(100000)]' >seq.csv
expect_exit 0 "100,000 distinct integers" "$V" --data seq.csv --out seq.json
json_is seq.json '[(c["count"], c["distinct"] <= c["count"], c["distinct"] > 99000) for c in j["columns"]]' "[(100000, True, True)]" "estimated distinct: at most the count, near it"

# integers beyond 2^53 (snowflake IDs) are distinct by their exact value,
# as pandas' int64 counts them; one whose double is exactly it is that
# double's value (2^53 + 2 and 9007199254740994.0 are one)
/usr/bin/python3 -c 'print("id,v"); [print(f"{1234567890123456000 + i},{i % 3}") for i in range(100)]' >snow.csv
printf 'x\n9007199254740992\n9007199254740993\n9007199254740994\n9007199254740993\n' >big53.csv
for f in snow.csv big53.csv; do
	expect_exit 0 "$f: integers beyond 2^53" "$V" --data $f --out $f.json
	want=$($PY -c 'import sys, pandas as pd; df = pd.read_csv(sys.argv[1]); print([int(df[c].nunique()) for c in df.columns])' $f)
	json_is $f.json '[c["distinct"] for c in j["columns"]]' "$want" "$f: distinct counts as pandas' nunique ($want)"
done
json_is snow.csv.json '[a["code"] for a in j["anomalies"] if a["code"] == "constant_column"]' "[]" "snowflake IDs: not a constant column"
# with a decimal among them pandas reads floats (2^53 + 1 rounds to 2^53);
# mlci keeps the values apart: 2^53, 2^53 + 1 and 2^53 + 2 (= its .0)
printf 'x\n9007199254740992\n9007199254740993\n9007199254740994\n9007199254740994.0\n' >big53f.csv
expect_exit 0 "integers beyond 2^53 and a decimal" "$V" --data big53f.csv --out big53f.json
json_is big53f.json '[c["distinct"] for c in j["columns"]]' "[3]" "2^53 + 2 and its .0 are one value, 2^53 + 1 another"
/usr/bin/python3 -c 'print("id"); [print(2**60 + 3 * i) for i in range(100000)]' >snow2.csv
"$V" --data snow2.csv --threads 1 --out snow2-1.json >/dev/null 2>&1
"$V" --data snow2.csv --threads 2 --out snow2-2.json >/dev/null 2>&1
json_is snow2-1.json '[c["distinct"] > 98000 for c in j["columns"]]' "[True]" "100,000 IDs beyond 2^60: estimated near 100,000"
json_is snow2-1.json 'j["columns"] == json.load(open("snow2-2.json"))["columns"]' "True" "IDs beyond 2^53: the same on two threads"
