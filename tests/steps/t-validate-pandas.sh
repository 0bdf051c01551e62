# mlci-validate-data's column statistics equal pandas' on real files.
# Reference: tests/ref/data_stats.json, written by tests/ref/data_stats.py
# (pandas read_csv with the same reader settings; mean, sample std, min,
# max, count, missing, nunique, value counts, duplicated rows).

REF=$TOP/tests/ref/data_stats.json

# compare REPORT KEY: prints the differences, fails when there are any
compare() {
	/usr/bin/python3 - "$1" "$REF" "$2" <<'PY'
import json, math, sys
rep = json.load(open(sys.argv[1]))
ref = json.load(open(sys.argv[2]))[sys.argv[3]]
bad = []
def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
if rep["rows"] != ref["rows"]:
    bad.append("rows %s != %s" % (rep["rows"], ref["rows"]))
if rep["duplicate_rows"] != ref["duplicate_rows"]:
    bad.append("duplicate_rows %s != %s" % (rep["duplicate_rows"], ref["duplicate_rows"]))
cols = {c["name"]: c for c in rep["columns"]}
if sorted(cols) != sorted(ref["columns"]):
    bad.append("column names differ")
for name, want in ref["columns"].items():
    got = cols.get(name)
    if got is None:
        continue
    for k in ("count", "missing", "distinct"):
        if got[k] != want[k]:
            bad.append("%s.%s %s != %s" % (name, k, got[k], want[k]))
    numeric = got["type"] in ("integer", "number")
    if numeric != want["numeric"]:
        bad.append("%s: type %s, pandas numeric=%s" % (name, got["type"], want["numeric"]))
        continue
    if numeric:
        for k in ("mean", "std", "min", "max"):
            if not close(got.get(k), want[k]):
                bad.append("%s.%s %r != %r" % (name, k, got.get(k), want[k]))
    else:
        top = [[t["value"], t["count"]] for t in got.get("top", [])]
        if top != want["top"]:
            bad.append("%s.top %s != %s" % (name, top[:3], want["top"][:3]))
print("; ".join(bad[:8]))
sys.exit(1 if bad else 0)
PY
}

for key in adult.data adult.test titanic student_mat penguins breast_cancer seattle_weather; do
	args=()
	while IFS= read -r -d '' a; do args+=("$a"); done < <(/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))[sys.argv[2]]
sys.stdout.write("\0".join([r["file"]] + r["args"]) + "\0")' "$REF" "$key")
	file=${args[0]}
	# --pii off: the raw values are compared (titanic's names would be masked)
	expect_exit 0 "$key: validates" "$BIN/mlci-validate-data" \
		--data "$DATA/$file" "${args[@]:1}" --pii off --out "$key.json"
	if diff=$(compare "$key.json" "$key" 2>&1); then
		ok "$key: count, missing, mean, std, min, max, distinct, top match pandas"
	else
		not_ok "$key: statistics match pandas" "$diff"
	fi
done

# the reference is reproducible: regenerating it gives the committed file
if /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
	mkdir -p ref && cp "$TOP/tests/ref/data_stats.py" ref/ && ln -s "$DATA" data
	/usr/bin/python3 ref/data_stats.py 2>/dev/null
	check "reference regenerates identically" cmp ref/data_stats.json "$REF"
fi
