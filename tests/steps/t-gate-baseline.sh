# mlci-gate: rules over a baseline, and the documented tolerance
# (1e-12 + 1e-9 * max(|value|, |threshold|)) in both directions.

# mk_metrics FILE TASK NAME=JSON...: an mlci.metrics envelope (input fixture).
mk_metrics() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
out, task, kv = sys.argv[1], sys.argv[2], sys.argv[3:]
m = {k: json.loads(v) for k, v in (a.split("=", 1) for a in kv)}
art = {"kind": "mlci.metrics", "schema_version": 1,
       "producer": {"name": "fixture", "version": "0"},
       "created": "2024-01-01T00:00:00Z", "inputs": [],
       "task": task, "label": "y", "n_rows": 50, "n_skipped": 0,
       "metrics": m, "warnings": []}
with open(out, "w") as f:
    json.dump(art, f, indent=2, sort_keys=True)
PY
}

XSD=$TOP/tests/schemas

mk_metrics cur.json regression rmse=2.0 mae=1.5 r2=0.81 mse=4.0
mk_metrics base.json regression rmse=1.95 mae=1.6 r2=0.8 mse=3.8

cat >rules.txt <<'R'
rmse <= baseline * 1.05
mae <= baseline
r2 >= baseline - 0.01
mse < 5   # an absolute rule beside the baseline ones
R
expect_exit 0 "baseline rules pass" "$BIN/mlci-gate" --metrics cur.json \
	--baseline base.json --rules rules.txt --out gate.json --junit junit.xml \
	--markdown gate.md --openmetrics metrics.txt --dotenv gate.env
json_is gate.json '[i["role"] for i in j["inputs"]]' "['metrics', 'baseline']" "inputs: metrics and baseline"
sha=$(sha256sum base.json | cut -d' ' -f1)
json_is gate.json 'j["inputs"][1]["sha256"]' "$sha" "baseline sha256 recorded"
json_is gate.json '[r.get("baseline") for r in j["rules"]]' "[1.95, 1.6, 0.8, None]" "baseline value per baseline rule"
json_is gate.json '[round(r["threshold"], 12) for r in j["rules"]]' "[2.0475, 1.6, 0.79, 5.0]" "thresholds computed from the baseline"
json_is gate.json '[round(r["delta"], 12) for r in j["rules"]]' "[0.05, -0.1, 0.01, -1.0]" "delta: value - baseline, or value - threshold"
check "JUnit with a baseline valid (Ant)" xmllint --noout --schema "$XSD/junit-ant.xsd" junit.xml
check "JUnit names the baseline" grep -q '<property name="mlci.baseline" value="base.json"/>' junit.xml
check "Markdown shows the baseline" grep -qF '| `rmse <= baseline * 1.05` | `rmse` | 2 | 2.0475 | 1.95 | +0.05 | ✅ pass |' gate.md
out=$(promtool check metrics <metrics.txt 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then ok "OpenMetrics accepted by promtool"; else not_ok "OpenMetrics accepted by promtool" "$out"; fi

expect_exit 1 "a regression past the baseline fails" "$BIN/mlci-gate" --metrics cur.json \
	--baseline base.json --rule 'rmse <= baseline * 1.01' --out gate2.json --junit junit2.xml
check "the failure text shows the baseline" grep -q '^baseline:  1.95$' junit2.xml
check "the failure text shows the delta against the baseline" grep -q '^delta:     +0.05 (value - baseline)$' junit2.xml

# Tolerance: 0.3 >= 0.1 + 0.2 (0.30000000000000004) passes ...
mk_metrics t-cur.json classification accuracy=0.3 sum=0.30000000000000004 low=0.2999999
mk_metrics t-base.json classification accuracy=0.1 sum=0.1 low=0.1
expect_exit 0 "0.3 >= baseline(0.1) + 0.2 passes within the tolerance" "$BIN/mlci-gate" \
	--metrics t-cur.json --baseline t-base.json --rule 'accuracy >= baseline + 0.2' --out t1.json
expect_exit 0 "0.1 + 0.2 <= 0.3 passes within the tolerance" "$BIN/mlci-gate" \
	--metrics t-cur.json --rule 'sum <= 0.3' --rule 'sum == 0.3' --out t2.json
expect_exit 1 "0.1 + 0.2 > 0.3 does not pass" "$BIN/mlci-gate" \
	--metrics t-cur.json --rule 'sum > 0.3' --out t3.json
# ... while a value truly below still fails.
expect_exit 1 "0.2999999 >= baseline + 0.2 fails" "$BIN/mlci-gate" \
	--metrics t-cur.json --baseline t-base.json --rule 'low >= baseline + 0.2' --out t4.json
expect_exit 1 "0.2999999 >= 0.3 fails" "$BIN/mlci-gate" \
	--metrics t-cur.json --rule 'low >= 0.3' --out t5.json
json_is t5.json 'j["tolerance"]' "{'absolute': 1e-12, 'relative': 1e-09}" "gate.json records the tolerance"

# Rules from a file and from --rule together: the file's first.
expect_exit 0 "--rules and --rule together" "$BIN/mlci-gate" --metrics cur.json \
	--baseline base.json --rules rules.txt --rule 'r2 > 0.5' --out both.json
json_is both.json '[r["rule"] for r in j["rules"]][3:]' "['mse < 5', 'r2 > 0.5']" "file rules, then --rule"
check "gate.json files with baselines valid against the schema" \
	/usr/bin/python3 "$TOP/tests/check_schema.py" gate.json gate2.json t1.json t5.json both.json
