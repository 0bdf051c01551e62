# Hostile input: a million columns. The CSV reader caps a row at 100000
# fields (csv.h), so a header (or a row) of 10^6 fields is a one-line 65
# error at the field past the cap, for every step that reads CSV, with
# small memory and no output. 10^5 columns, the most there may be, still
# work (the data report of 10^5 columns is large: its memory is checked
# against a looser bound).
LIMIT_MB=${MLCI_HOSTILE_RSS_MB:-200}
if ldd "$BIN/mlci-train" 2>/dev/null | grep -q libasan; then LIMIT_MB=$((LIMIT_MB * 4)); fi
[ -n "${MLCI_VALGRIND:-}" ] && LIMIT_MB=$((LIMIT_MB * 8))

bounded() {	# WANT NAME CMD...: expect_exit, peak RSS under $LIMIT_MB
	want=$1; name=$2; shift 2
	/usr/bin/time -f %M -o "$T/rss" "$@" >"$T/out" 2>"$T/err"
	got=$?
	rss=$(tail -n 1 "$T/rss")
	if [ "$got" -ne "$want" ]; then
		not_ok "$name" "exit $got, expected $want; stderr: $(head -c 400 "$T/err")"
	elif [ "$rss" -gt $((LIMIT_MB * 1024)) ]; then
		not_ok "$name" "peak RSS ${rss} KB over ${LIMIT_MB} MB"
	else
		ok "$name (peak RSS $((rss / 1024)) MB)"
	fi
}

export SOURCE_DATE_EPOCH=1700000000
"$BIN/mlci-train" --data "$DATA/iris.csv" --label species --model logistic --out model.json >/dev/null
/usr/bin/python3 - <<'EOF'
n = 1000000
with open('header-1e6.csv', 'w') as f:
    f.write(','.join('c%d' % i for i in range(n)) + '\n')
    f.write(','.join('1' for i in range(n)) + '\n')
with open('row-1e6.csv', 'w') as f:
    f.write('a,b\n1,2\n' + ','.join('1' for i in range(n)) + '\n')
with open('quoted-1e6.csv', 'w') as f:	# quoted empty names: no shortcut
    f.write(','.join('""' for i in range(n)) + '\n1\n')
with open('cols-1e5.csv', 'w') as f:
    n = 100000
    f.write(','.join('c%d' % i for i in range(n)) + '\n')
    f.write(','.join(str(i % 7) for i in range(n)) + '\n')
    f.write(','.join(str(i % 5) for i in range(n)) + '\n')
EOF

for c in header-1e6 row-1e6; do
	case $c in header-1e6) at='1:688891' ;; row-1e6) at='3:200001' ;; esac
	bounded 65 "validate-data: $c" "$BIN/mlci-validate-data" --data $c.csv --out r.json --infer-schema s.json
	err_is "^mlci-validate-data: $c.csv:$at: more than 100000 fields in one row$" "validate-data: $c: one line at the field past the cap"
	absent r.json "validate-data: $c: no report"
	absent s.json "validate-data: $c: no schema"
	bounded 65 "train: $c" "$BIN/mlci-train" --data $c.csv --label c0 --model linear --out m.json
	err_is "^mlci-train: $c.csv:$at: more than 100000 fields in one row$" "train: $c: one line"
	absent m.json "train: $c: no model"
	bounded 65 "evaluate: $c" "$BIN/mlci-evaluate" --model model.json --data $c.csv --out e.json --predictions p.csv
	err_is "^mlci-evaluate: $c.csv:$at: more than 100000 fields in one row$" "evaluate: $c: one line"
	absent e.json "evaluate: $c: no metrics"
	absent p.csv "evaluate: $c: no predictions"
done
bounded 65 "validate-data: 10^6 quoted empty column names" \
	"$BIN/mlci-validate-data" --data quoted-1e6.csv --out r.json
err_is "^mlci-validate-data: quoted-1e6.csv:1:[0-9]+: " "validate-data: quoted names: one line"
absent r.json "validate-data: quoted names: no report"

# 20000 names on the command line (an argument is at most 128 KiB) for a
# two-column file: a ragged row, not a crash
names=$(/usr/bin/python3 -c 'print(",".join("c%d" % i for i in range(20000)))')
printf '1,2\n3,4\n' >two.csv
bounded 65 "validate-data: --columns with 20000 names for a 2-column file" \
	"$BIN/mlci-validate-data" --data two.csv --columns "$names" --out r.json
err_is "^mlci-validate-data: two.csv:1(:[0-9]+)?: " "validate-data: --columns: one line"
absent r.json "validate-data: --columns: no report"

# the most columns there may be: they work; the report holds 10^5 columns
# (minutes under valgrind: skipped there)
[ -n "${MLCI_VALGRIND:-}" ] && { rm -f ./*-1e6.csv cols-1e5.csv; return 0; }
LIMIT_MB=$((LIMIT_MB * 4)) bounded 0 "validate-data: 10^5 columns (the cap) work" \
	"$BIN/mlci-validate-data" --data cols-1e5.csv --out r.json --infer-schema s.json
json_is r.json 'len(j["columns"])' 100000 "validate-data: all 10^5 columns reported"
rm -f r.json s.json
bounded 0 "train: 10^5 feature columns work" \
	"$BIN/mlci-train" --data cols-1e5.csv --label c0 --model linear --out m.json
json_is m.json 'len(j["features"])' 99999 "train: 99999 features"
rm -f header-1e6.csv row-1e6.csv quoted-1e6.csv cols-1e5.csv r.json s.json m.json
