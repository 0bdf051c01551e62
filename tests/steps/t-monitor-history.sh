# mlci-monitor --history: every tracked figure judged over the earlier
# runs by robust z and by an EWMA chart. Histories are generated from the
# figures of a real run (adult.test against adult.data) by
# tests/ref/monitor_series.py, which also recomputes every z and EWMA
# figure with numpy/statistics and lists what it flags.
export SOURCE_DATE_EPOCH=1700000000
M=$BIN/mlci-monitor
REF=$TOP/tests/ref
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
series() { /usr/bin/python3 "$REF/monitor_series.py" "$@"; }
schema_ok() { /usr/bin/python3 "$TOP/tests/check_schema.py" "$@"; }
lines() { wc -l <"$1" | tr -d ' '; }

"$BIN/mlci-validate-data" --data "$DATA/adult.data.csv" --columns $COLS --trim \
	--label income --out ref.json >/dev/null
/usr/bin/python3 "$REF/monitor_live.py" "$DATA/adult.test.csv" - .

# ---- the first run: no history yet ----
expect_exit 0 "first run: a missing history is an empty one" \
	"$M" --reference ref.json --live live.csv --out first.json --history h.jsonl
grep -q "0 history anomalies over 0 runs: ok$" "$T/out" && ok "first run: summary counts 0 runs" \
	|| not_ok "first run: summary counts 0 runs" "$(cat "$T/out")"
json_is first.json 'sorted({f["judged"] for f in j["history"]["figures"]})' "[False]" \
	"first run: no figure is judged without history"
json_is first.json '(j["history"]["runs"], len(j["history"]["figures"]))' "(0, 31)" \
	"first run: drift share, 14 features x (psi, effect), prediction x 2 tracked"
[ "$(lines h.jsonl)" = 1 ] && ok "first run: one history line appended" \
	|| not_ok "first run: one history line appended" "$(lines h.jsonl) lines"
json_is first.json '[f["value"] for f in j["history"]["figures"] if f.get("feature") == "age" and f["figure"] == "psi"] == [c["psi"] for c in j["drift"]["columns"] if c["name"] == "age"]' \
	True "first run: the tracked age PSI is the drift object's"

# ---- generated histories of 40 runs ----
for kind in jump slide stable; do
	series history $kind first.json $kind.jsonl
	cp $kind.jsonl $kind.orig
done
run_kind() {
	kind=$1 code=$2
	expect_exit $code "$kind: exit $code" \
		"$M" --reference ref.json --live live.csv --out $kind.json --history $kind.jsonl
	if series check $kind.json $kind.jsonl >$kind.flags 2>$kind.err; then
		ok "$kind: every z, median, scale, EWMA, center, sigma and limit agrees with numpy"
	else
		not_ok "$kind: every z and EWMA figure agrees with numpy" "$(head -c 400 $kind.err)"
	fi
	[ "$(lines $kind.jsonl)" = 41 ] && head -40 $kind.jsonl | cmp -s - $kind.orig &&
		ok "$kind: the run's line appended, the history otherwise untouched" ||
		not_ok "$kind: the run's line appended" "$(lines $kind.jsonl) lines"
	schema_ok $kind.json >/dev/null && ok "$kind: monitor.json valid" ||
		not_ok "$kind: monitor.json valid" "$(schema_ok $kind.json 2>&1 | head -3)"
}
run_kind jump 1
grep -q "^feature/age/psi z" jump.flags && ok "jump: the age PSI's jump is caught by the robust z" \
	|| not_ok "jump: caught by z" "$(head -5 jump.flags)"
json_is jump.json '[a["code"] for a in j["anomalies"]][:1] + j["alarms"][:1]' \
	"['history_anomaly', 'history_anomaly']" "jump: history_anomaly is an alarm"
json_is jump.json 'len([a for a in j["anomalies"] if a["code"] == "history_anomaly"]) == j["history"]["anomalies"] == len([f for f in j["history"]["figures"] if f["anomaly"]]) > 20' \
	True "jump: one anomaly per flagged figure"

run_kind slide 1
if grep -q " ewma$" slide.flags && ! grep -q " z" slide.flags; then
	ok "slide: the slow rise is caught by the EWMA, not by the robust z ($(lines slide.flags) figures)"
else
	not_ok "slide: EWMA but not z" "$(head -5 slide.flags)"
fi
json_is slide.json '[(f["z_anomaly"], f["ewma_anomaly"], abs(f["z"]) < 3.5) for f in j["history"]["figures"] if f.get("feature") == "age" and f["figure"] == "psi"]' \
	"[(False, True, True)]" "slide: age PSI |z| below 3.5, EWMA out of its limits"

run_kind stable 0
[ ! -s stable.flags ] && ok "stable: a noisy stable series flags nothing" \
	|| not_ok "stable: nothing flagged" "$(head -3 stable.flags)"
json_is stable.json 'sum(f["judged"] for f in j["history"]["figures"])' 30 \
	"stable: 30 figures judged (the drift share, 0 throughout, is constant: not judged)"

# ---- options ----
head -5 stable.orig >short.jsonl
expect_exit 0 "short history: exit 0" \
	"$M" --reference ref.json --live live.csv --out short.json --history short.jsonl
json_is short.json 'sorted({f["judged"] for f in j["history"]["figures"]})' "[False]" \
	"short history: fewer than 10 values: not judged"
head -5 stable.orig >short.jsonl
"$M" --reference ref.json --live live.csv --out short5.json --history short.jsonl \
	--min-history 5 >/dev/null 2>&1
json_is short5.json '(j["history"]["min_history"], sum(f["judged"] for f in j["history"]["figures"]))' \
	"(5, 30)" "--min-history 5 on a 5-run history: judged"
if series check short5.json short.jsonl >/dev/null 2>s5.err; then ok "--min-history 5: numpy agrees"
else not_ok "--min-history 5: numpy agrees" "$(head -c 300 s5.err)"; fi
cp slide.orig slide2.jsonl
expect_exit 0 "--ewma-l 1000 lets the slide through" \
	"$M" --reference ref.json --live live.csv --out slide2.json --history slide2.jsonl --ewma-l 1000
cp jump.orig jump2.jsonl
expect_exit 1 "--z 1e6 with the jump: the EWMA still sees it" \
	"$M" --reference ref.json --live live.csv --out jump2.json --history jump2.jsonl --z 1e6
json_is jump2.json 'sum(f["z_anomaly"] for f in j["history"]["figures"]), sum(f["ewma_anomaly"] for f in j["history"]["figures"]) > 0' \
	"(0, True)" "--z 1e6: no z anomaly, EWMA ones"
if series check jump2.json jump2.jsonl >/dev/null 2>jump2.err; then ok "--z / --ewma-lambda settings reach the checks (numpy agrees)"
else not_ok "--z settings" "$(head -c 300 jump2.err)"; fi
cp stable.orig stable3.jsonl
expect_exit 0 "--ewma-lambda 0.5" \
	"$M" --reference ref.json --live live.csv --out stable3.json --history stable3.jsonl --ewma-lambda 0.5
if series check stable3.json stable3.jsonl >/dev/null 2>s3.err; then ok "--ewma-lambda 0.5: numpy agrees"
else not_ok "--ewma-lambda 0.5: numpy agrees" "$(head -c 300 s3.err)"; fi
no_nan "no NaN in any monitor.json" first.json jump.json slide.json stable.json short.json
