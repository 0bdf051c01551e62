# mlci-monitor on bad input: usage errors (64), missing inputs (66),
# malformed CSV, reports and history lines (65, naming file and line),
# each a one-line message and no monitor.json or history line left.
export SOURCE_DATE_EPOCH=1700000000
M=$BIN/mlci-monitor
REF=$TOP/tests/ref
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income

"$BIN/mlci-validate-data" --data "$DATA/adult.data.csv" --columns $COLS --trim \
	--label income --out ref.json >/dev/null
/usr/bin/python3 "$REF/monitor_live.py" "$DATA/adult.test.csv" - .
head -50 live.csv >live50.csv

# ---- the step's command line ----
expect_exit 0 "--help exits 0" "$M" --help
grep -q "^usage: mlci-monitor --reference REPORT --live FILE.csv --out monitor.json" "$T/out" &&
	[ ! -s "$T/err" ] && ok "--help prints usage on stdout" || not_ok "--help prints usage"
for f in --reference --live --out --reference-predictions --history --z --ewma-lambda \
	--ewma-l --min-history --pushgateway --job --label --print-metrics --drift-alpha \
	--max-drift-share --drift-threshold; do
	grep -q -- "^  $f " "$T/out" || { not_ok "--help lists $f"; continue; }
done
ok "--help lists every option"
grep -q "75" "$T/out" && grep -q "@base64" "$T/out" && ok "--help documents exit 75 and the @base64 form" \
	|| not_ok "--help documents exit 75"
expect_exit 0 "--version" "$M" --version
expect_exit 64 "no options: 64" "$M"
err_is "^mlci-monitor: --reference is required" "missing --reference: one line"
expect_exit 64 "no --live: 64" "$M" --reference ref.json --out m.json
err_is "^mlci-monitor: --live is required" "missing --live: one line"
expect_exit 64 "no --out: 64" "$M" --reference ref.json --live live50.csv
expect_exit 64 "unknown option: 64" "$M" --reference ref.json --live live50.csv --out m.json --nope
expect_exit 64 "a positional argument: 64" "$M" --reference ref.json --live live50.csv --out m.json extra
expect_exit 64 "--z 0: 64" "$M" --reference ref.json --live live50.csv --out m.json --z 0
err_is "^mlci-monitor: --z: expected a number > 0$" "--z 0: one line"
expect_exit 64 "--z abc: 64" "$M" --reference ref.json --live live50.csv --out m.json --z abc
expect_exit 64 "--ewma-lambda 1.5: 64" "$M" --reference ref.json --live live50.csv --out m.json --ewma-lambda 1.5
expect_exit 64 "--ewma-lambda 0: 64" "$M" --reference ref.json --live live50.csv --out m.json --ewma-lambda 0
expect_exit 64 "--ewma-l -1: 64" "$M" --reference ref.json --live live50.csv --out m.json --ewma-l -1
expect_exit 64 "--min-history 2: 64" "$M" --reference ref.json --live live50.csv --out m.json --min-history 2
expect_exit 64 "--min-history 50: 64" "$M" --reference ref.json --live live50.csv --out m.json --min-history 50
expect_exit 64 "--drift-alpha 2: 64" "$M" --reference ref.json --live live50.csv --out m.json --drift-alpha 2
expect_exit 64 "--drift-severity fatal: 64" "$M" --reference ref.json --live live50.csv --out m.json --drift-severity fatal
expect_exit 64 "--drift-threshold for a column the reference lacks: 64" \
	"$M" --reference ref.json --live live50.csv --out m.json --drift-threshold nosuch:off
expect_exit 64 "--threads -2: 64" "$M" --reference ref.json --live live50.csv --out m.json --threads -2
expect_exit 64 "--out naming the live file: 64" "$M" --reference ref.json --live live50.csv --out live50.csv
err_is "would overwrite" "--out over an input: one line"
expect_exit 64 "--history naming the reference: 64" "$M" --reference ref.json --live live50.csv --out m.json --history ref.json
expect_exit 64 "--history and --out the same file: 64" "$M" --reference ref.json --live live50.csv --out m.json --history m.json
MLCI_LABEL=income expect_exit 0 "MLCI_LABEL (the other steps' label column) is not a grouping label" \
	"$M" --reference ref.json --live live50.csv --out env.json
MLCI_MONITOR_LABEL=env=prod expect_exit 64 "MLCI_MONITOR_LABEL is (and needs --pushgateway)" \
	"$M" --reference ref.json --live live50.csv --out env2.json
absent m.json "no monitor.json after usage errors"

# ---- missing inputs ----
expect_exit 66 "a missing live file: 66" "$M" --reference ref.json --live nope.csv --out m.json
err_is "nope\.csv" "the missing live file is named"
expect_exit 66 "a missing reference: 66" "$M" --reference nope.json --live live50.csv --out m.json
err_is "nope\.json" "the missing reference is named"
expect_exit 66 "a missing --reference-predictions: 66" \
	"$M" --reference ref.json --live live50.csv --out m.json --reference-predictions nope.csv
err_is "nope\.csv" "the missing predictions file is named"
expect_exit 73 "an output in a missing directory: 73" \
	"$M" --reference ref.json --live live50.csv --out no/such/dir/m.json
expect_exit 73 "a history in a missing directory: 73 before anything is written" \
	"$M" --reference ref.json --live live50.csv --out m.json --history no/such/h.jsonl
err_is "^mlci-monitor: no/such/h\.jsonl: cannot create the history" "the history named"
absent m.json "no monitor.json after missing inputs"

# ---- malformed inputs ----
{ head -20 live.csv; echo '37,Private,1,HS-grad,9,"Never-married'; } >badquote.csv
expect_exit 65 "an unterminated quote in the live CSV: 65" "$M" --reference ref.json --live badquote.csv --out m.json
err_is "^mlci-monitor: badquote\.csv:21(:[0-9]+)?: " "the bad CSV's file and line"
cut -d, -f1-14 live50.csv >nopred.csv
expect_exit 65 "live data without a prediction column: 65" "$M" --reference ref.json --live nopred.csv --out m.json
err_is "^mlci-monitor: nopred\.csv: no 'prediction' column" "no prediction column: one line naming the file"
printf '' >empty.csv
expect_exit 65 "an empty live file: 65" "$M" --reference ref.json --live empty.csv --out m.json
err_is "empty\.csv" "the empty file is named"
printf '{"kind": "mlci.model"' >trunc.json
expect_exit 65 "a reference that is not JSON: 65" "$M" --reference trunc.json --live live50.csv --out m.json
err_is "^mlci-monitor: trunc\.json:1:[0-9]+: " "the bad reference's line and column"
/usr/bin/python3 -c 'import json; j=json.load(open("ref.json")); j["kind"]="mlci.metrics"; json.dump(j, open("metrics.json", "w"))'
expect_exit 65 "a reference of another kind: 65" "$M" --reference metrics.json --live live50.csv --out m.json
err_is "metrics\.json" "the wrong-kind reference is named"
cut -d, -f1-3 live50.csv >preds-nopred.csv
expect_exit 65 "--reference-predictions without a prediction column: 65" \
	"$M" --reference ref.json --live live50.csv --out m.json --reference-predictions preds-nopred.csv
err_is "^mlci-monitor: preds-nopred\.csv: no 'prediction' column" "named"
"$M" --reference ref.json --live live50.csv --out first.json --history good.jsonl >/dev/null
cp good.jsonl h1.jsonl
echo '{"version": 1, "drift_share": 0.1' >>h1.jsonl
cp h1.jsonl h1.orig
expect_exit 65 "a history line that is not JSON: 65" \
	"$M" --reference ref.json --live live50.csv --out m.json --history h1.jsonl
err_is "^mlci-monitor: h1\.jsonl:2: not a JSON line" "the bad history line's file and line"
cmp -s h1.jsonl h1.orig && ok "the bad history is left as it was" || not_ok "the bad history is left as it was"
{ cat good.jsonl; echo; echo '{"version": 2, "drift_share": 0, "features": {}}'; } >h2.jsonl
expect_exit 65 "a history line of another version: 65" \
	"$M" --reference ref.json --live live50.csv --out m.json --history h2.jsonl
err_is "^mlci-monitor: h2\.jsonl:3: not a monitor history line" "line 3 (blank lines counted)"
echo '[1, 2]' >h3.jsonl
expect_exit 65 "a history line that is not an object: 65" \
	"$M" --reference ref.json --live live50.csv --out m.json --history h3.jsonl
mkdir hdir
expect_exit 66 "a history that is a directory: 66" \
	"$M" --reference ref.json --live live50.csv --out m.json --history hdir
absent m.json "no monitor.json after malformed inputs"
printf '%s' "$(cat good.jsonl)" >nonl.jsonl
expect_exit 0 "a history whose last line has no newline is read" \
	"$M" --reference ref.json --live live50.csv --out nonl.json --history nonl.jsonl
json_is nonl.json 'j["history"]["runs"]' 1 "the unterminated line counts"
/usr/bin/python3 -c 'import json,sys; l=open("nonl.jsonl").read().split("\n"); assert l[-1] == "" and len(l) == 3; [json.loads(x) for x in l[:2]]' \
	&& ok "the next line is appended after a newline of its own" || not_ok "append after an unterminated line" "$(cat nonl.jsonl | head -c 300)"
