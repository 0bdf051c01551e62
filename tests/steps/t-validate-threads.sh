# mlci-validate-data --threads: a plain CSV file is read in blocks on
# several threads, and the report is byte-identical whatever the thread
# count. MLCI_VALIDATE_BLOCK_SIZE (a test-only variable: the block size
# in bytes) makes a small file many blocks, so that block boundaries
# fall inside quoted fields spanning lines, blank lines and CRLF line
# ends, and columns go past every exact cap (sketches).
export SOURCE_DATE_EPOCH=1700000000
V=$BIN/mlci-validate-data
unset CI_NODE_INDEX CI_NODE_TOTAL MLCI_THREADS

/usr/bin/python3 - <<'PY'
import numpy as np
rng = np.random.default_rng(11)
n = 40000
xs = rng.normal(5, 2, n)
zs = rng.zipf(1.1, n) % 20000
with open("t.csv", "w", newline="") as f:
    f.write("x,id,z,k,note,late,y\n")
    for i in range(n):
        j = i - 1 if i % 997 == 996 else i      # a repeated row now and then
        x = xs[j]
        z = zs[j]
        note = ('"multi\nline, %d"' % (j % 13)) if j % 29 == 0 else \
               ('"say ""%d"""' % (j % 5)) if j % 31 == 0 else "plain%d" % (j % 40)
        late = "oops" if j == 31234 else str(j % 100)
        miss = "" if j % 53 == 0 else "%.9g" % x
        end = "\r\n" if j % 7 == 0 else "\n"
        f.write("%s,id%d,z%d,%d,%s,%s,%d%s" % (miss, j, z, j % 7, note, late, j % 3, end))
        if i % 1000 == 500:
            f.write("\n")                        # a blank line
PY

report() {	# THREADS BLOCK OUT ARGS...: a report with that many threads and blocks
	t=$1; b=$2; o=$3; shift 3
	MLCI_VALIDATE_BLOCK_SIZE=$b "$V" "$@" --threads "$t" --out "$o" >"$o.out" 2>"$o.err"
	echo $? >"$o.rc"
}
same() {	# NAME A B: the runs' reports, output and exit codes are identical
	if { [ ! -e "$2" ] && [ ! -e "$3" ] || cmp -s "$2" "$3"; } &&
	   cmp -s "$2.out" "$3.out" && cmp -s "$2.err" "$3.err" &&
	   cmp -s "$2.rc" "$3.rc"; then ok "$1"
	else not_ok "$1" "$(cat "$2.err" "$3.err" | head -c 300)"; fi
}

report 1 1000000000 one.json --data t.csv --label y
json_is one.json 'j["rows"], sorted(c["name"] for c in j["columns"] if "sketch_error" in c), j["duplicate_rows"]' \
	"(40000, ['id', 'x', 'z'], 40)" "one thread: past the exact caps, repeated rows found"
json_is one.json '[c["type"] for c in j["columns"] if c["name"] == "late"]' "['string']" \
	"a late non-number makes a string column"
sizes="1000 4096 65536" threads="2 3"
if [ "${MLCI_VALGRIND:-0}" = 1 ]; then sizes=4096 threads=2; fi	# its pace
for b in $sizes; do
	for t in $threads; do
		report $t $b r$t-$b.json --data t.csv --label y
		same "--threads $t, blocks of $b bytes: the same report as one thread" one.json r$t-$b.json
	done
done
report 2 37 tiny.json --data t.csv --label y
same "blocks shorter than most records: the same report" one.json tiny.json

# a schema check and an inferred schema
"$V" --data t.csv --label y --infer-schema schema.json --out s0.json >/dev/null 2>&1
report 1 1000000000 c1.json --data t.csv --schema schema.json
report 3 2000 c3.json --data t.csv --schema schema.json
same "a schema check: the same report on 3 threads" c1.json c3.json

# shards read on threads: the same partial reports, and the same merge
for k in 1 2 3; do
	report 1 1000000000 p1.$k.json --data t.csv --label y --shard $k/3
	report 3 3000 p3.$k.json --data t.csv --label y --shard $k/3
	same "shard $k/3: the same partial report on 3 threads" p1.$k.json p3.$k.json
done
"$V" --merge p3.1.json p3.2.json p3.3.json --out merged.json >/dev/null 2>&1 &&
	ok "the threaded shards merge" || not_ok "the threaded shards merge"
json_is merged.json 'j["rows"], j["duplicate_rows"]' "(40000, 40)" "the merge counts every row once"

# errors: the first bad record in file order, at its line and column
cp t.csv bad.csv
printf '1,2,3\n' >>bad.csv
cat t.csv >>bad.csv
report 1 1000000000 e1.json --data bad.csv
report 3 1500 e3.json --data bad.csv
same "a short row: the same error on 3 threads" e1.json e3.json
grep -q "^mlci-validate-data: bad.csv:[0-9]*:[0-9]*: row has 3 fields, expected 7" e3.json.err &&
	ok "the error names the line and column" || not_ok "the error names the line and column" "$(cat e3.json.err)"
cp t.csv enc.csv
printf '1,id,z,1,caf\351,1,1\n' >>enc.csv
printf '1,2\n' >>enc.csv
report 1 1000000000 u1.json --data enc.csv
report 2 1200 u2.json --data enc.csv
same "bad UTF-8 near the end: the same error on 2 threads" u1.json u2.json

# what cannot be split is read on one thread: gzip, a pipe, JSON Lines
gzip -c t.csv >t.csv.gz
report 1 1000000000 g1.json --data t.csv.gz --label y
report 3 1000 g3.json --data t.csv.gz --label y
same "gzip: the same report on 3 threads" g1.json g3.json
MLCI_VALIDATE_BLOCK_SIZE=1000 "$V" --data /dev/stdin --label y --threads 3 --out pipe.json <t.csv >/dev/null 2>&1
json_is pipe.json 'j["rows"], j["columns"] == json.load(open("one.json"))["columns"]' "(40000, True)" \
	"a pipe: the same columns as the file"

# personal data and schema constraints on the threaded path: planted
# e-mails in a column, a pattern and a unique column, on 1, 2 and 3
# threads with small blocks: the same report (tallies, counts, firsts)
/usr/bin/python3 -c '
import random
r = random.Random(5)
with open("pc.csv", "w") as f:
    f.write("id,mail,code,v\n")
    for i in range(6000):
        mail = "user%d@example.org" % r.randint(0, 500) if r.random() < 0.7 else "none"
        code = "AB%04d" % r.randint(0, 9999) if r.random() < 0.99 else "bad-%d" % i
        f.write("%d,%s,%s,%.3f\n" % (i if i != 4000 else 17, mail, code, r.random()))'
printf '%s' '{"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "id", "type": "integer", "unique": true}, {"name": "mail", "type": "string"}, {"name": "code", "type": "string", "pattern": "^AB[0-9]{4}$"}, {"name": "v", "type": "number"}]}' >pc-schema.json
for n in 1 2 3; do
	report $n 4000 pc$n.json --data pc.csv --schema pc-schema.json
done
same "personal data and constraints: the same report on 2 threads" pc1.json pc2.json
same "personal data and constraints: the same report on 3 threads" pc1.json pc3.json
json_is pc2.json 'sorted((a["code"], a.get("column"), a.get("count")) for a in j["anomalies"] if a["code"] in ("pii", "pattern_mismatch", "duplicate_values"))[:2], [c["pii"]["matches"] for c in j["columns"] if c["name"] == "mail"]' \
	"$(/usr/bin/python3 -c '
import csv, re
rows = list(csv.DictReader(open("pc.csv")))
ids = [r["id"] for r in rows]
bad = sum(1 for r in rows if not re.search(r"^AB[0-9]{4}$", r["code"]))
mails = sum(1 for r in rows if "@" in r["mail"])
print(([("duplicate_values", "id", len(ids) - len(set(ids))), ("pattern_mismatch", "code", bad)], [{"email": mails}]))')" \
	"threaded: the repeated id, the pattern mismatches and the e-mail tally, as counted in Python"

# the option
expect_exit 64 "--threads -2: 64" "$V" --data t.csv --threads -2 --out r.json
err_is "^mlci-validate-data: --threads -2: expected 0 \(online CPUs\) to 1024" "--threads -2: one line"
expect_exit 64 "--threads 1025: 64" "$V" --data t.csv --threads 1025 --out r.json
# 0 is the default (online CPUs), as for mlci-train: MLCI_THREADS=0 works
# for every step; above 64 counts as 64
MLCI_THREADS=0 expect_exit 0 "MLCI_THREADS=0: the online CPUs" "$V" --data t.csv --out r0.json
"$V" --data t.csv --threads 1 --out r1.json >/dev/null 2>&1
expect_exit 0 "--threads 200: as 64" "$V" --data t.csv --threads 200 --out r200.json
if cmp -s <(grep -v '"created"' r0.json) <(grep -v '"created"' r1.json) &&
   cmp -s <(grep -v '"created"' r200.json) <(grep -v '"created"' r1.json); then ok "--threads 0 and 200: the one-thread report"
else not_ok "--threads 0 and 200: the one-thread report"; fi
MLCI_THREADS=2 MLCI_VALIDATE_BLOCK_SIZE=5000 "$V" --data t.csv --label y --out env.json >/dev/null 2>&1
cmp -s one.json env.json && ok "MLCI_THREADS: the same report" || not_ok "MLCI_THREADS: the same report"

# ci/gen-big-csv data (64 MB, 128 blocks): the same report on 1 and 8
# threads, and memory bounded on 8 (the bound is for the plain build:
# the sanitizers' shadow memory would be counted too)
if [ "${MLCI_VALGRIND:-0}" = 1 ]; then
	tally; exit 0	# 64 MB at valgrind's pace: minutes; the plain run checks it
fi
"$TOP/ci/gen-big-csv" 64 big.csv
"$V" --data big.csv --threads 1 --out big1.json >/dev/null 2>&1
/usr/bin/time -f %M -o rss "$V" --data big.csv --threads 8 --out big8.json >/dev/null 2>&1
cmp -s big1.json big8.json && ok "64 MB file: the same report on 8 threads" ||
	not_ok "64 MB file: the same report on 8 threads"
rss=$(tail -n 1 rss)
case $BIN in
*asan*|*valgrind*|*fuzz*) ok "peak RSS on 8 threads: $((rss / 1024)) MB (not checked in this build)";;
*) [ "$rss" -lt $((64 * 1024)) ] && ok "peak RSS on 8 threads under 64 MB ($((rss / 1024)) MB)" ||
	not_ok "peak RSS on 8 threads under 64 MB" "$((rss / 1024)) MB";;
esac
rm -f big.csv

# the error reported is the first in the file, whatever the thread count,
# the block size or the reader (a file, a pipe): a ragged row at line
# 30000 comes before bad UTF-8 and a NUL byte further on, in the same read
/usr/bin/python3 - <<'PY'
rows = [b"a,b,c"] + [b"%d,x%d,%d.5" % (i, i % 7, i) for i in range(60000)]
rows[30000] = b"ragged"
rows[30500] = b"1,\xff,2"
rows[31000] = b"1,\x00,2"
open("order.csv", "wb").write(b"\n".join(rows) + b"\n")
PY
first="order\.csv:30001:7: row has 1 fields, expected 3"
for t in 1 2 3; do
	for b in 4096 65536 ""; do
		MLCI_VALIDATE_BLOCK_SIZE=$b expect_exit 65 "order.csv, $t threads, blocks of ${b:-default}: 65" "$V" --data order.csv --threads $t --out ord.json
		err_is "^mlci-validate-data: $first\$" "order.csv, $t threads, blocks of ${b:-default}: the ragged row first"
	done
done
expect_exit 65 "order.csv through a pipe: 65" sh -c "cat order.csv | '$V' --data /dev/stdin --out ord.json"
err_is "^mlci-validate-data: /dev/stdin:30001:7: row has 1 fields" "through a pipe: the ragged row first"
absent ord.json "order.csv: no report"
