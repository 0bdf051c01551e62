# Hostile input through a pipe (/dev/stdin, a process substitution): the
# steps that read a CSV whole into memory (frame_load: train, evaluate,
# and mlci-gate's predictions files) take at most 1 GiB of it. A pipe has no size to look
# at, so it is read in doubling steps and dropped one read past the
# limit: a one-line 65 naming the file, memory within the limit, no
# output. MLCI_CSV_MAX_BYTES (tests only: it can lower the limit, never
# raise it) brings the limit down to a few MiB, so an endless pipe shows
# that without a GiB of input. mlci-validate-data streams: a pipe of any
# size is read record by record (t-hostile-line.sh has its record cap).
LIMIT_MB=${MLCI_HOSTILE_RSS_MB:-200}
if ldd "$BIN/mlci-train" 2>/dev/null | grep -q libasan; then LIMIT_MB=$((LIMIT_MB * 4)); fi
[ -n "${MLCI_VALGRIND:-}" ] && LIMIT_MB=$((LIMIT_MB * 8))

# bounded WANT NAME CMD...: expect_exit, peak RSS under LIMIT_MB, within 120 s
bounded() {
	want=$1; name=$2; shift 2
	timeout 120 /usr/bin/time -f %M -o "$T/rss" "$@" >"$T/out" 2>"$T/err"
	got=$?
	rss=$(tail -n 1 "$T/rss" 2>/dev/null); rss=${rss:-0}
	if [ "$got" -ne "$want" ]; then
		not_ok "$name" "exit $got, expected $want; stderr: $(head -c 400 "$T/err")"
	elif [ "$rss" -gt $((LIMIT_MB * 1024)) ]; then
		not_ok "$name" "peak RSS ${rss} KB over ${LIMIT_MB} MB"
	else
		ok "$name (peak RSS $((rss / 1024)) MB)"
	fi
}

export SOURCE_DATE_EPOCH=1700000000
IRIS=$DATA/iris.csv
size=$(wc -c <"$IRIS")
"$BIN/mlci-train" --data "$IRIS" --label species --model logistic --out model.json >/dev/null
check "a real model to evaluate with" test -s model.json

# the limit is exact: a pipe of exactly that many bytes is read, one more is not
expect_exit 0 "train: a pipe of exactly the limit" sh -c \
	'cat "$1" | MLCI_CSV_MAX_BYTES=$2 "$3/mlci-train" --data /dev/stdin --label species --model logistic --out m0.json' \
	sh "$IRIS" "$size" "$BIN"
check "train: the model from the pipe is the model from the file (but for its path)" sh -c \
	'grep -v "\"path\":" m0.json >a && grep -v "\"path\":" model.json >b && cmp -s a b && [ "$(wc -l <a)" -gt 10 ]'
expect_exit 65 "train: a pipe one byte over the limit" sh -c \
	'cat "$1" | MLCI_CSV_MAX_BYTES=$2 "$3/mlci-train" --data /dev/stdin --label species --model logistic --out m1.json' \
	sh "$IRIS" "$((size - 1))" "$BIN"
err_is "^mlci-train: /dev/stdin: more than $((size - 1)) bytes from a pipe, the limit for a CSV read whole into memory \(stopped reading there\)$" \
	"train: one line naming /dev/stdin and the limit"
absent m1.json "train: no model"
# a regular file over the limit is refused by its size, before reading
# (by a fit that reads its data whole: cross-validation)
expect_exit 65 "train: a file one byte over the limit" env MLCI_CSV_MAX_BYTES=$((size - 1)) \
	"$BIN/mlci-train" --data "$IRIS" --label species --model logistic --cv 3 --out m1.json
err_is "^mlci-train: [^:]*iris\.csv: larger than $((size - 1)) bytes, the limit for a CSV read whole into memory$" \
	"train: file: one line naming it"
# a plain fit streams a regular file (twice): no such limit
expect_exit 0 "train: a plain fit streams a file over the whole-read limit" \
	env MLCI_CSV_MAX_BYTES=$((size - 1)) \
	"$BIN/mlci-train" --data "$IRIS" --label species --model logistic --out streamed.json
check "train: the same model as with no limit" cmp -s streamed.json model.json
# the variable lowers the limit, nothing else: nonsense leaves the 1 GiB
for v in 0 -5 lots 99999999999999999999; do
	expect_exit 0 "train: MLCI_CSV_MAX_BYTES=$v keeps the 1 GiB limit" sh -c \
		'cat "$1" | MLCI_CSV_MAX_BYTES=$2 "$3/mlci-train" --data /dev/stdin --label species --model logistic --out m2.json' \
		sh "$IRIS" "$v" "$BIN"
done

# endless pipes: the step stops at the limit (8 MiB here), its memory
# bounded by it, not by what the pipe would go on to send
export MLCI_CSV_MAX_BYTES=$((8 << 20))
bounded 65 "train: an endless pipe (stdin)" sh -c \
	'{ echo a,b; yes 1,2; } | "$1/mlci-train" --data /dev/stdin --label b --model linear --out m3.json' sh "$BIN"
err_is "^mlci-train: /dev/stdin: more than 8388608 bytes from a pipe, the limit for a CSV read whole into memory \(stopped reading there\)$" \
	"train: endless pipe: one line"
absent m3.json "train: endless pipe: no model"
bounded 65 "evaluate: an endless process substitution" bash -c \
	'"$1/mlci-evaluate" --model model.json --data <(cat "$2"; yes 5.1,3.5,1.4,0.2,setosa) --out e.json --predictions p.csv' \
	bash "$BIN" "$IRIS"
err_is "^mlci-evaluate: /dev/fd/[0-9]+: more than 8388608 bytes from a pipe, the limit for a CSV read whole into memory \(stopped reading there\)$" \
	"evaluate: endless pipe: one line naming the descriptor"
absent e.json "evaluate: no metrics"
absent p.csv "evaluate: no predictions"
# one long line, no newline at all: the same limit
bounded 65 "train: a pipe of one endless line" sh -c \
	'{ printf "a,b\n1,"; yes x | tr -d "\n"; } | "$1/mlci-train" --data /dev/stdin --label b --model linear --out m3.json' sh "$BIN"
err_is "^mlci-train: /dev/stdin: more than 8388608 bytes from a pipe" "train: endless line: one line"
bounded 65 "train: an endless device" "$BIN/mlci-train" --data /dev/zero --label b --model linear --out m3.json
err_is "^mlci-train: /dev/zero: more than 8388608 bytes from this device, the limit" "train: device: one line naming it"

# mlci-validate-data does not read the file whole: the same limit does not
# apply, a pipe longer than it is validated (24 MiB of rows here)
bounded 0 "validate-data: a pipe longer than the limit streams" bash -c \
	'"$1/mlci-validate-data" --data <(echo a,b; yes 1,2 | head -c $((24 << 20))) --out r.json' bash "$BIN"
json_is r.json 'j["rows"]' $(( (24 << 20) / 4 )) "validate-data: every row counted"
unset MLCI_CSV_MAX_BYTES
