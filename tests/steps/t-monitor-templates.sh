# The Grafana dashboard (templates/grafana/mlci-monitor.json) and the
# scheduled GitLab job (templates/gitlab/mlci-monitor.gitlab-ci.yml):
# the dashboard parses, every query is valid PromQL (promtool check rules)
# and names only metrics mlci-monitor emits or mlci-serve's two; the
# template parses (python3-yaml), runs only on a schedule, and its script
# uses only mlci-monitor's flags, run here for real.
export SOURCE_DATE_EPOCH=1700000000
M=$BIN/mlci-monitor
REF=$TOP/tests/ref
DASH=$TOP/templates/grafana/mlci-monitor.json
TPL=$TOP/templates/gitlab/mlci-monitor.gitlab-ci.yml
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income

"$BIN/mlci-validate-data" --data "$DATA/adult.data.csv" --columns $COLS --trim \
	--label income --out ref.json >/dev/null
/usr/bin/python3 "$REF/monitor_live.py" "$DATA/adult.test.csv" - .
# every metric mlci-monitor emits: a run with a history, predictions and
# p-values (the small sample), and the shifted run
"$M" --reference ref.json --live head.csv --out a.json --history h.jsonl --print-metrics >m1.txt 2>/dev/null
"$M" --reference ref.json --live shifted.csv --out b.json --print-metrics >m2.txt 2>/dev/null
cat m1.txt m2.txt | sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' | sort -u >emitted.txt
[ "$(wc -l <emitted.txt)" -ge 15 ] && ok "mlci-monitor emits $(wc -l <emitted.txt) metrics" \
	|| not_ok "metrics emitted" "$(cat emitted.txt)"

# ---- the dashboard ----
if /usr/bin/python3 - "$DASH" emitted.txt >dash.out 2>&1 <<'PYEOF'
import json, re, sys
dash = json.load(open(sys.argv[1]))
emitted = set(open(sys.argv[2]).read().split())
serve = {"mlci_serve_requests_total"} | {"mlci_serve_request_duration_seconds" + s
                                         for s in ("_bucket", "_sum", "_count")}
exprs = []
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("expr", "definition") and isinstance(x, str):
                exprs.append(x)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(dash)
keywords = {"by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "le"}
bad, used = [], set()
for e in exprs:
    s = re.sub(r'label_values\(([^,)]*)(,[^)]*)?\)', r'\1', e)  # Grafana's
    s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', s)          # strings
    s = re.sub(r'\{[^}]*\}', '', s)                      # label matchers
    s = re.sub(r'\b(by|without)\s*\([^)]*\)', '', s)     # grouping
    s = re.sub(r'\[[^\]]*\]', '', s)                     # ranges
    for m in re.finditer(r'[a-zA-Z_:][a-zA-Z0-9_:]*', s):
        tok = m.group(0)
        rest = s[m.end():].lstrip()
        if rest.startswith("(") or tok in keywords:
            continue                                     # a function
        used.add(tok)
        if tok not in emitted and tok not in serve:
            bad.append("%s (in %s)" % (tok, e))
ids = [p["id"] for p in dash["panels"]]
assert len(ids) == len(set(ids)), "panel ids repeat"
assert all("gridPos" in p for p in dash["panels"])
print(len(exprs), "queries,", len(used), "metrics:", " ".join(sorted(used)))
for b in bad:
    print("not emitted:", b)
missing = sorted(emitted - used)
print("not shown:", " ".join(missing))
sys.exit(1 if bad or not (used & serve) else 0)
PYEOF
then ok "the dashboard queries only mlci-monitor's metrics and mlci-serve's two ($(head -1 dash.out | cut -d, -f1-2))"
else not_ok "dashboard metric names" "$(head -5 dash.out)"; fi
grep -q "^not shown: *$" dash.out && ok "every metric mlci-monitor emits is on the dashboard" \
	|| not_ok "every metric on the dashboard" "$(grep '^not shown' dash.out)"
# every query is valid PromQL: as recording rules for promtool
/usr/bin/python3 - "$DASH" >rules.yml <<'PYEOF'
import json, sys
dash = json.load(open(sys.argv[1]))
exprs = []
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "expr":
                exprs.append(x)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(dash)
print("groups:\n  - name: dashboard\n    rules:")
for i, e in enumerate(exprs):
    e = e.replace("$__rate_interval", "5m").replace("$job", ".*")
    print("      - record: dashboard:query%d\n        expr: %s" % (i, json.dumps(e)))
PYEOF
if promtool check rules rules.yml >promtool.out 2>&1; then ok "every dashboard query is valid PromQL (promtool check rules)"
else not_ok "dashboard PromQL" "$(head -5 promtool.out)"; fi

# ---- the GitLab template ----
if /usr/bin/python3 - "$TPL" >tpl.out 2>&1 <<'PYEOF'
import shlex, sys, yaml
t = yaml.safe_load(open(sys.argv[1]))
job = t["mlci-monitor"]
assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}], job["rules"]
assert job["stage"] in t["stages"]
cmd = [s for s in job["script"] if s.startswith("mlci-monitor ")]
assert len(cmd) == 1, cmd
for tok in shlex.split(cmd[0]):
    if tok.startswith("--"):
        print(tok)
used = set()
import re
for s in job["script"]:
    used |= set(re.findall(r'\$\{?([A-Z_][A-Z0-9_]*)', s))
for v in sorted(used):
    assert v in t["variables"] or v.startswith("CI_"), "undefined variable " + v
PYEOF
then ok "the template parses; its job runs on schedules only; its variables are defined"
else not_ok "the template parses" "$(tail -3 tpl.out)"; fi
"$M" --help >help.txt
bad=""
for f in $(cat tpl.out); do grep -q -- "^  $f " help.txt || bad="$bad $f"; done
[ -z "$bad" ] && [ -s tpl.out ] && ok "the template uses only mlci-monitor's flags ($(tr '\n' ' ' <tpl.out))" \
	|| not_ok "template flags" "unknown:$bad"
# run the template's script as the runner would, against local files and
# a Pushgateway that is not there: exit 75, the outputs kept
/usr/bin/python3 -c 'import sys, yaml; print("\n".join(yaml.safe_load(open(sys.argv[1]))["mlci-monitor"]["script"]))' "$TPL" >script.sh
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PATH=$BIN:$PATH MLCI_MONITOR_REFERENCE=ref.json MLCI_MONITOR_LIVE=live.csv \
	MLCI_MONITOR_PUSHGATEWAY=http://127.0.0.1:$PORT MLCI_MONITOR_JOB=mlci-monitor \
	MLCI_MONITOR_ENVIRONMENT=test CI_PROJECT_PATH=group/project MLCI_LABEL=income \
	expect_exit 75 "the template's script runs: exit 75 with no Pushgateway" bash -e script.sh
json_is mlci-monitor/monitor.json '(j["push"]["labels"], j["push"]["ok"], j["history"]["runs"])' \
	"({'environment': 'test', 'project': 'group/project'}, False, 0)" \
	"the script's monitor.json: grouping labels environment and project, history kept"
[ "$(wc -l <mlci-monitor/history.jsonl)" -eq 1 ] && ok "the script's history line" \
	|| not_ok "the script's history line"
