# mlci-gate: a passing and a failing gate, gate.json's content, and the
# JUnit (both XSDs), Markdown, OpenMetrics (promtool) and dotenv reports.

# mk_metrics FILE NAME=JSON...: an mlci.metrics envelope holding those
# metrics (an input fixture; mlci-evaluate writes the real ones).
mk_metrics() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
out, kv = sys.argv[1], sys.argv[2:]
m = {k: json.loads(v) for k, v in (a.split("=", 1) for a in kv)}
art = {"kind": "mlci.metrics", "schema_version": 1,
       "producer": {"name": "fixture", "version": "0"},
       "created": "2024-01-01T00:00:00Z",
       "inputs": [{"role": "model", "path": "model.json", "sha256": "0" * 64},
                  {"role": "data", "path": "test.csv", "sha256": "1" * 64}],
       "task": "classification", "label": "y", "n_rows": 100, "n_skipped": 0,
       "metrics": m, "warnings": [],
       "per_class": {}, "confusion_matrix": {"labels": [], "matrix": []}}
with open(out, "w") as f:
    json.dump(art, f, indent=2, sort_keys=True)
PY
}

XSD=$TOP/tests/schemas

# dotenv_ok FILE: GitLab's dotenv rules, line by line.
dotenv_ok() {
	f=$1
	[ -s "$f" ] || return 1
	[ "$(wc -c <"$f")" -lt 5120 ] || return 1
	[ "$(wc -l <"$f")" -le 20 ] || return 1
	[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || return 1
	! grep -q $'\r' "$f" || return 1
	head -c 3 "$f" | grep -q $'^\xEF\xBB\xBF' && return 1
	while IFS= read -r line; do
		printf '%s\n' "$line" | grep -Eq '^[A-Za-z0-9_]{1,255}=[A-Za-z0-9._:/@+-]*$' || return 1
	done <"$f"
}

# promtool_ok FILE: promtool accepts it with nothing to say.
promtool_ok() {
	out=$(promtool check metrics <"$1" 2>&1) && [ -z "$out" ]
}

mk_metrics metrics.json accuracy=0.853 balanced_accuracy=0.78 f1_macro=0.8 \
	log_loss=0.31 roc_auc=0.9 precision_macro=0.81 recall_macro=0.79

cat >rules.txt <<'R'
# gate for the fixture model
accuracy >= 0.85        # absolute floor
log_loss <= 0.35

f1_macro > 0.7
R

export SOURCE_DATE_EPOCH=1700000000
expect_exit 0 "a passing gate exits 0" "$BIN/mlci-gate" --metrics metrics.json \
	--rules rules.txt --out gate.json --junit junit.xml --markdown gate.md \
	--openmetrics metrics.txt --dotenv gate.env
if [ "$(wc -l <"$T/out")" -eq 1 ] && grep -q 'PASS: 3 of 3 rules passed' "$T/out"; then
	ok "one summary line on stdout"; else not_ok "one summary line on stdout" "$(cat "$T/out")"; fi
check "nothing on stderr" test ! -s "$T/err"
json_is gate.json 'j["kind"], j["schema_version"], j["verdict"]' "('mlci.gate', 1, 'pass')" "gate.json envelope and verdict"
json_is gate.json 'j["counts"]' "{'failed': 0, 'inconclusive': 0, 'passed': 3, 'rules': 3}" "gate.json counts"
json_is gate.json '[(r["rule"], r["metric"], r["op"], r["status"]) for r in j["rules"]]' \
	"[('accuracy >= 0.85', 'accuracy', '>=', 'pass'), ('log_loss <= 0.35', 'log_loss', '<=', 'pass'), ('f1_macro > 0.7', 'f1_macro', '>', 'pass')]" \
	"gate.json rules in file order, comments stripped"
json_is gate.json '[(r["value"], r["threshold"], round(r["delta"], 12)) for r in j["rules"]]' \
	"[(0.853, 0.85, 0.003), (0.31, 0.35, -0.04), (0.8, 0.7, 0.1)]" "gate.json values, thresholds, deltas"
json_is gate.json '[i["role"] for i in j["inputs"]]' "['metrics']" "gate.json input role metrics"
sha=$(sha256sum metrics.json | cut -d' ' -f1)
json_is gate.json 'j["inputs"][0]["sha256"]' "$sha" "gate.json records metrics.json's sha256"
json_is gate.json '"baseline" in j["rules"][0]' "False" "no baseline field without a baseline"
json_is gate.json 'j["created"]' "2023-11-14T22:13:20Z" "created honours SOURCE_DATE_EPOCH"

check "JUnit valid under the Ant schema" xmllint --noout --schema "$XSD/junit-ant.xsd" junit.xml
check "JUnit valid under the Jenkins xunit schema" xmllint --noout --schema "$XSD/junit-jenkins-xunit.xsd" junit.xml
check "JUnit timestamp from SOURCE_DATE_EPOCH" grep -q 'timestamp="2023-11-14T22:13:20"' junit.xml
check "JUnit: 3 tests, 0 failures" grep -q 'tests="3" failures="0" errors="0" skipped="0"' junit.xml
check "JUnit: one testcase per rule" test "$(grep -c '<testcase ' junit.xml)" -eq 3
check "JUnit escapes the rules" grep -q '<testcase name="log_loss &lt;= 0.35" classname="mlci-gate"' junit.xml
check "OpenMetrics accepted by promtool" promtool_ok metrics.txt
check "OpenMetrics ends with # EOF" test "$(tail -n 1 metrics.txt)" = "# EOF"
check "OpenMetrics has every metric" grep -qx 'mlci_metric{name="recall_macro"} 0.79' metrics.txt
check "OpenMetrics rule gauge" grep -qx 'mlci_gate_rule_pass{rule="accuracy >= 0.85"} 1' metrics.txt
check "OpenMetrics verdict gauge" grep -qx 'mlci_gate_passed 1' metrics.txt
check "OpenMetrics has no timestamps" test -z "$(grep -v '^#' metrics.txt | sed 's/{.*}//' | awk 'NF != 2')"
check "dotenv valid for GitLab" dotenv_ok gate.env
check "dotenv verdict" grep -qx 'MLCI_GATE_VERDICT=pass' gate.env
check "dotenv failed count" grep -qx 'MLCI_GATE_FAILED=0' gate.env
check "dotenv metric" grep -qx 'MLCI_ACCURACY=0.853' gate.env
check "dotenv: rules' metrics first" test "$(sed -n 6,8p gate.env | cut -d= -f1 | tr '\n' ' ')" = "MLCI_ACCURACY MLCI_LOG_LOSS MLCI_F1_MACRO "
check "Markdown verdict line" grep -q '^\*\*Verdict: pass\*\*' gate.md
check "Markdown table header" grep -qx '| rule | metric | value | threshold | baseline | delta | status | evidence |' gate.md
check "Markdown row" grep -qF '| `accuracy >= 0.85` | `accuracy` | 0.853 | 0.85 |  | +0.003 | ✅ pass |' gate.md

# Reruns are byte-identical with SOURCE_DATE_EPOCH.
mkdir again
cp metrics.json rules.txt again/
(cd again && "$BIN/mlci-gate" --metrics metrics.json --rules rules.txt \
	--out gate.json --junit junit.xml --markdown gate.md \
	--openmetrics metrics.txt --dotenv gate.env >/dev/null 2>&1)
for f in gate.json junit.xml gate.md metrics.txt gate.env; do
	check "rerun gives the same $f" cmp -s "$f" "again/$f"
done

# A failing gate: exit 1, all outputs still written, failures explained.
expect_exit 1 "a failing gate exits 1" "$BIN/mlci-gate" --metrics metrics.json \
	--rule 'accuracy >= 0.9' --rule 'roc_auc >= 0.85' --rule 'accuracy >= 0.9' \
	--out fail.json --junit fail.xml --markdown fail.md \
	--openmetrics fail.txt --dotenv fail.env
if [ "$(wc -l <"$T/out")" -eq 1 ] && grep -q 'FAIL: 2 of 3 rules failed: accuracy >= 0.9 (accuracy = 0.853)' "$T/out"; then
	ok "failing summary names the failed rule"; else not_ok "failing summary names the failed rule" "$(cat "$T/out")"; fi
json_is fail.json 'j["verdict"], [r["status"] for r in j["rules"]]' "('fail', ['fail', 'pass', 'fail'])" "gate.json records the failure"
check "failing JUnit valid (Ant)" xmllint --noout --schema "$XSD/junit-ant.xsd" fail.xml
check "failing JUnit valid (xunit)" xmllint --noout --schema "$XSD/junit-jenkins-xunit.xsd" fail.xml
check "JUnit counts the failures" grep -q 'tests="3" failures="2"' fail.xml
check "JUnit failure message" grep -q '<failure type="mlci.gate.rule" message="accuracy is 0.853, expected &gt;= 0.9">' fail.xml
check "JUnit failure text: value vs threshold" grep -q '^threshold: 0.9$' fail.xml
check "JUnit test names are unique" test "$(grep -o '<testcase name="[^"]*"' fail.xml | sort | uniq -d | wc -l)" -eq 0
check "repeated rule gets a suffixed name" grep -q '<testcase name="accuracy &gt;= 0.9 (2)"' fail.xml
check "failing OpenMetrics accepted by promtool" promtool_ok fail.txt
check "OpenMetrics failed rule is 0" grep -qx 'mlci_gate_rule_pass{rule="accuracy >= 0.9"} 0' fail.txt
check "OpenMetrics repeated rule has its own series" grep -qx 'mlci_gate_rule_pass{rule="accuracy >= 0.9 (2)"} 0' fail.txt
check "OpenMetrics verdict 0" grep -qx 'mlci_gate_passed 0' fail.txt
check "failing dotenv valid" dotenv_ok fail.env
check "dotenv verdict fail" grep -qx 'MLCI_GATE_VERDICT=fail' fail.env
check "dotenv failed 2" grep -qx 'MLCI_GATE_FAILED=2' fail.env
check "gate.json files valid against shared/schemas/gate.schema.json" \
	/usr/bin/python3 "$TOP/tests/check_schema.py" gate.json fail.json
check "Markdown failing row" grep -qF '| `accuracy >= 0.9` | `accuracy` | 0.853 | 0.9 |  | -0.047 | ❌ fail |' fail.md

# --json prints the artifact instead of the summary.
expect_exit 0 "--json exits 0 on a pass" "$BIN/mlci-gate" --metrics metrics.json \
	--rule 'accuracy >= 0.5' --out j.json --json
check "--json prints gate.json" cmp -s "$T/out" j.json

# Many metrics: the dotenv stays within GitLab's 20 lines.
args=""
for i in $(seq 1 40); do args="$args m$i=0.$i"; done
# shellcheck disable=SC2086
mk_metrics many.json $args
expect_exit 0 "a gate over 40 metrics" "$BIN/mlci-gate" --metrics many.json \
	--rule 'm7 > 0' --out many-gate.json --dotenv many.env --openmetrics many.txt
check "dotenv capped at 20 lines" test "$(wc -l <many.env)" -eq 20
check "capped dotenv still valid" dotenv_ok many.env
check "dotenv keeps the rule's metric" grep -qx 'MLCI_M7=0.7' many.env
check "OpenMetrics lists all 40 metrics" test "$(grep -c '^mlci_metric{' many.txt)" -eq 40
check "40-metric OpenMetrics accepted by promtool" promtool_ok many.txt

# Metric names that need escaping in every format.
mk_metrics odd.json 'a"b\c=0.5' 'x&y<z>=1' 'spa ce#1=2' 'ok=1'
expect_exit 0 "odd metric names" "$BIN/mlci-gate" --metrics odd.json \
	--rule 'ok >= 0' --out odd-gate.json --junit odd.xml --openmetrics odd.txt \
	--dotenv odd.env --markdown odd.md
check "odd names: OpenMetrics accepted by promtool" promtool_ok odd.txt
check "odd names: label value escaped" grep -qxF 'mlci_metric{name="a\"b\\c"} 0.5' odd.txt
check "odd names: '#' kept out of label values" grep -qxF 'mlci_metric{name="spa ce_1"} 2' odd.txt
check "odd names: dotenv valid" dotenv_ok odd.env
check "odd names: dotenv key sanitised" grep -qx 'MLCI_X_Y_Z_=1' odd.env
check "odd names: JUnit valid (Ant)" xmllint --noout --schema "$XSD/junit-ant.xsd" odd.xml
