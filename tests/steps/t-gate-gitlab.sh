# mlci-gate and the GitLab API, against tests/gitlab_server.py on
# 127.0.0.1: --baseline gitlab (path and query encoding, which token header,
# 404, 401, bounded retries then 75, timeouts, cut answers, redirects to
# another host) and the sticky merge request note (posted once, then edited
# in place, found across pages). Tokens are random and must appear in no
# output, stdout or stderr.
PY=/usr/bin/python3
export SOURCE_DATE_EPOCH=1700000000
for v in CI_API_V4_URL CI_SERVER_URL CI_PROJECT_ID CI_JOB_TOKEN MLCI_GITLAB_TOKEN \
	CI_MERGE_REQUEST_IID CI_MERGE_REQUEST_TARGET_BRANCH_NAME CI_DEFAULT_BRANCH \
	CI_JOB_NAME MLCI_MR_NOTE MLCI_BASELINE MLCI_HTTP_RETRY_DELAY_MS \
	http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY; do
	unset "$v"
done
JT="jt$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
PT="pt$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
SRV=$T/srv
FIX=$SRV/root
LOG=$SRV/requests.jsonl
SEEN=$T/seen	# every stdout and stderr of the runs, for the token check
mkdir -p "$FIX" "$T/w"
: >"$SEEN"

# A baseline as a real evaluate job leaves it: mlci-out/metrics.json and
# mlci-out/predictions.csv, under branch release/2024.1, job "eval: [1/2]".
BC=$DATA/breast_cancer.csv
( cd "$T/w" && mkdir -p mlci-out &&
  "$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic --out base.model.json &&
  "$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic --param C=0.05 --out cand.model.json &&
  "$BIN/mlci-evaluate" --model base.model.json --data "$BC" --out mlci-out/metrics.json \
	--predictions mlci-out/predictions.csv &&
  "$BIN/mlci-evaluate" --model cand.model.json --data "$BC" --out cand.json \
	--predictions cand.pred.csv ) >/dev/null 2>&1 || not_ok "fixtures: train and evaluate two models"
JOBDIR="$FIX/42/artifacts/release/2024.1/eval: [1/2]"
mkdir -p "$JOBDIR" "$FIX/42/notes"
cp -r "$T/w/mlci-out" "$JOBDIR/"
cp "$T/w/cand.json" "$T/w/cand.pred.csv" "$T"
# The merge request has 120 notes by others (two pages of 100), among them a
# system note and a reply that quote the marker: neither is ours.
$PY - "$FIX/42/notes/7.json" <<'PY'
import json, sys
notes = [{"id": i, "body": "comment %d" % i, "system": False} for i in range(1, 121)]
notes[10]["body"] = "<!-- mlci-gate:mlci-gate -->\nchanged the description"
notes[10]["system"] = True
notes[20]["body"] = "> <!-- mlci-gate:mlci-gate -->\n> old report"
json.dump(notes, open(sys.argv[1], "w"))
PY

GITLAB_SERVER_JOB_TOKEN=$JT GITLAB_SERVER_PRIVATE_TOKEN=$PT \
	$PY "$TOP/tests/gitlab_server.py" --root "$FIX" --port-file "$SRV/port" --log "$LOG" \
	>"$SRV/server.out" 2>&1 &
SPID=$!
trap 'kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null' EXIT
for _ in $(seq 100); do [ -s "$SRV/port" ] && break; sleep 0.1; done
PORT=$(cat "$SRV/port" 2>/dev/null)
[ -n "$PORT" ] && ok "the test server is listening" || not_ok "the test server is listening" "$(cat "$SRV/server.out")"
API=http://127.0.0.1:$PORT/api/v4

# faults JSON: set the server's faults (and reset its request counter)
faults() {
	$PY -c 'import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")).read()' \
		"http://127.0.0.1:$PORT/_control" "$1"
}
# log_is EXPR EXPECTED NAME: EXPR over L, the requests logged since the last clear
log_is() {
	got=$($PY -c 'import json, sys; L = [json.loads(l) for l in open(sys.argv[1])]; print(eval(sys.argv[2]))' "$LOG" "$1" 2>&1)
	if [ "$got" = "$2" ]; then ok "$3"; else not_ok "$3" "$1 = $got, expected $2"; fi
}
clear_log() { : >"$LOG"; }
# gate CODE NAME VAR=VALUE... -- ARGS...: mlci-gate in the CI environment
gate() {
	code=$1; what=$2; shift 2
	vars=()
	while [ "$1" != "--" ]; do vars+=("$1"); shift; done
	shift
	expect_exit "$code" "$what" env CI_API_V4_URL="$API" CI_PROJECT_ID=42 \
		MLCI_HTTP_RETRY_DELAY_MS=10 "${vars[@]}" "$BIN/mlci-gate" --metrics cand.json "$@"
	cat "$T/out" "$T/err" >>"$SEEN"
}
MR=(CI_MERGE_REQUEST_TARGET_BRANCH_NAME=release/2024.1)
JOB=(--baseline gitlab --baseline-job 'eval: [1/2]')

# ---- the baseline ----
clear_log
gate 0 "--baseline gitlab with point and paired rules" "${MR[@]}" CI_JOB_TOKEN="$JT" -- \
	"${JOB[@]}" --rule 'accuracy >= baseline - 0.05' --rule 'accuracy >= baseline - 0.05 paired' \
	--out gate.json --markdown gate.md
log_is '[(r["method"], r["path"]) for r in L]' \
	"[('GET', '/api/v4/projects/42/jobs/artifacts/release%2F2024.1/raw/mlci-out/metrics.json'), ('GET', '/api/v4/projects/42/jobs/artifacts/release%2F2024.1/raw/mlci-out/predictions.csv')]" \
	"the branch's slash is encoded as %2F, the artifact path's are kept; the predictions come from beside metrics.json"
log_is '[r["query"] for r in L]' "['job=eval%3A%20%5B1%2F2%5D', 'job=eval%3A%20%5B1%2F2%5D']" \
	"the job name is percent-encoded in the query"
log_is '[(r["headers"].get("JOB-TOKEN") == "'"$JT"'", "PRIVATE-TOKEN" in r["headers"]) for r in L]' \
	"[(True, False), (True, False)]" "CI_JOB_TOKEN goes in the JOB-TOKEN header, alone"
check "the baseline is saved beside --out" cmp baseline/metrics.json "$JOBDIR/mlci-out/metrics.json"
check "with its predictions" cmp baseline/predictions.csv "$JOBDIR/mlci-out/predictions.csv"
json_is gate.json '[(i["role"], i["path"]) for i in j["inputs"]]' \
	"[('metrics', 'cand.json'), ('baseline', 'baseline/metrics.json'), ('predictions', 'cand.pred.csv'), ('baseline_predictions', 'baseline/predictions.csv')]" \
	"gate.json records the downloaded baseline as its input"
json_is gate.json 'j["inputs"][1]["sha256"]' "$(sha256sum "$JOBDIR/mlci-out/metrics.json" | cut -d' ' -f1)" "with its sha256"
json_is gate.json '[r["status"] for r in j["rules"]]' "['pass', 'pass']" "both rules judged against it"

clear_log
gate 0 "--baseline-branch beats the target branch; --baseline-dir" "${MR[@]}" MLCI_GITLAB_TOKEN="$PT" -- \
	"${JOB[@]}" --baseline-branch release/2024.1 --baseline-dir bl2 \
	--rule 'accuracy >= baseline - 0.05' --out gate2.json
log_is '[(r["headers"].get("PRIVATE-TOKEN") == "'"$PT"'", "JOB-TOKEN" in r["headers"]) for r in L]' \
	"[(True, False)]" "without CI_JOB_TOKEN, MLCI_GITLAB_TOKEN goes in the PRIVATE-TOKEN header; point rules fetch no predictions"
check "saved in --baseline-dir" test -f bl2/metrics.json
mkdir -p "$FIX/42/artifacts/main/mlci-evaluate/mlci-out"
cp "$JOBDIR/mlci-out/metrics.json" "$FIX/42/artifacts/main/mlci-evaluate/mlci-out/"
clear_log
gate 0 "defaults: CI_DEFAULT_BRANCH, job mlci-evaluate, mlci-out/metrics.json" \
	CI_DEFAULT_BRANCH=main CI_JOB_TOKEN="$JT" -- --baseline gitlab \
	--rule 'accuracy >= baseline - 0.05' --out sub/gate3.json
log_is '[(r["path"], r["query"]) for r in L]' \
	"[('/api/v4/projects/42/jobs/artifacts/main/raw/mlci-out/metrics.json', 'job=mlci-evaluate')]" "the default job and path"
check "the default directory is baseline/ beside --out" test -f sub/baseline/metrics.json

gate 3 "no such job on the branch: 404 is no baseline, as for git (inconclusive)" "${MR[@]}" CI_JOB_TOKEN="$JT" -- \
	--baseline gitlab --baseline-job nope --rule 'accuracy >= baseline' --rule 'accuracy >= 0.5' --out g404.json
json_is g404.json '[(r["status"], r.get("reason", "")[:12]) for r in j["rules"]]' "[('inconclusive', 'no baseline:'), ('pass', '')]" \
	"rules over the baseline are inconclusive with the reason, the others judged"
json_is g404.json '(j["baseline"]["source"], j["baseline"]["found"], "HTTP 404" in j["baseline"]["reason"], "***" in j["baseline"]["reason"])' \
	"('gitlab', False, True, True)" "gate.json says the GitLab baseline was not found, the URL's query redacted"
check "gate.json validates against its schema, with or without the GitLab baseline" \
	/usr/bin/python3 "$TOP/tests/check_schema.py" gate.json g404.json
gate 0 "--inconclusive pass lets a first merge request through" "${MR[@]}" CI_JOB_TOKEN="$JT" -- \
	--baseline gitlab --baseline-job nope --rule 'accuracy >= baseline' --inconclusive pass --out g404b.json
clear_log
gate 3 "a project given by path" "${MR[@]}" CI_JOB_TOKEN="$JT" CI_PROJECT_ID=ml/adult -- \
	"${JOB[@]}" --rule 'accuracy >= baseline' --out gpath.json
log_is '[r["path"] for r in L]' "['/api/v4/projects/ml%2Fadult/jobs/artifacts/release%2F2024.1/raw/mlci-out/metrics.json']" \
	"is sent as one encoded segment"
gate 66 "a refused token: 401 is 66" "${MR[@]}" CI_JOB_TOKEN=wrong-token -- \
	"${JOB[@]}" --rule 'accuracy >= baseline' --out g401.json
err_is "HTTP 401: the token was refused \(JOB-TOKEN from CI_JOB_TOKEN\)$" "the 401 error says which header, not the token"
check "the refused token is not printed" bash -c "! grep -q wrong-token '$T/err'"
absent g401.json "no gate.json after a 401"
gate 64 "--baseline gitlab outside GitLab CI is a usage error" CI_API_V4_URL= -- \
	"${JOB[@]}" --rule 'accuracy >= baseline' --out g64.json
err_is "CI_API_V4_URL or CI_SERVER_URL is not set" "it names the variables"
gate 64 "--baseline gitlab without any branch" CI_JOB_TOKEN="$JT" -- \
	"${JOB[@]}" --rule 'accuracy >= baseline' --out g64.json
err_is "needs a branch" "it says a branch is needed"

clear_log
gate 66 "a missing --metrics file is found before any request" "${MR[@]}" CI_JOB_TOKEN="$JT" -- \
	"${JOB[@]}" --metrics no-such.json --rule 'accuracy >= baseline' --out gnm.json
log_is 'len(L)' 0 "no request made"

# ---- temporary failures: bounded retries, then 75 ----
faults '{"fail_first": 2, "fail_status": 502}'
clear_log
gate 0 "two 502s, then the file: retried" "${MR[@]}" CI_JOB_TOKEN="$JT" -- \
	"${JOB[@]}" --rule 'accuracy >= baseline - 0.05' --out gr.json
log_is 'len(L)' 3 "three attempts for the one file"
faults '{"fail_first": 100, "fail_status": 503}'
clear_log
rm -rf baseline
gate 75 "a server that keeps failing: 75 after the retries" "${MR[@]}" CI_JOB_TOKEN="$JT" -- \
	"${JOB[@]}" --rule 'accuracy >= baseline - 0.05' --out g75.json
log_is 'len(L)' 3 "exactly three attempts, no more"
err_is "HTTP 503, after 3 attempts$" "the error says how many attempts"
absent g75.json "no gate.json after a temporary failure"
absent baseline/metrics.json "nor a baseline"
faults '{"delay": 3}'
clear_log
gate 75 "a server too slow for --http-timeout: 75" "${MR[@]}" CI_JOB_TOKEN="$JT" -- \
	"${JOB[@]}" --http-timeout 0.3 --rule 'accuracy >= baseline - 0.05' --out gslow.json
log_is 'len(L)' 3 "each slow attempt is given up and retried, three in all"
err_is "after 3 attempts$" "one line"
faults '{"short": true}'
gate 75 "answers cut short by a dropped connection: retried, then 75" "${MR[@]}" CI_JOB_TOKEN="$JT" -- \
	"${JOB[@]}" --rule 'accuracy >= baseline - 0.05' --out gshort.json
faults '{"truncate": true}'
gate 65 "a complete answer holding truncated JSON: 65" "${MR[@]}" CI_JOB_TOKEN="$JT" -- \
	"${JOB[@]}" --rule 'accuracy >= baseline - 0.05' --out gtrunc.json
err_is "metrics\.json\?job=\*\*\*:[0-9]+:[0-9]+: not valid JSON" "the error names the URL, line and column"
absent gtrunc.json "no gate.json after a truncated baseline"
absent baseline/metrics.json "nor a baseline file"
faults '{}'
DEAD=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
gate 75 "connection refused: 75" "${MR[@]}" CI_JOB_TOKEN="$JT" CI_API_V4_URL="http://127.0.0.1:$DEAD/api/v4" -- \
	"${JOB[@]}" --rule 'accuracy >= baseline - 0.05' --out gdead.json
err_is "127\.0\.0\.1:$DEAD.*after 3 attempts$" "the error names the server"

# a redirect to another host (object storage) is followed without the token
faults '{"redirect": true}'
clear_log
gate 0 "a redirect to another origin is followed" "${MR[@]}" CI_JOB_TOKEN="$JT" -- \
	"${JOB[@]}" --rule 'accuracy >= baseline - 0.05' --out gredir.json
log_is '[(r["path"].split("/")[1], "JOB-TOKEN" in r["headers"] or "PRIVATE-TOKEN" in r["headers"]) for r in L]' \
	"[('api', True), ('_storage', False)]" "the token goes to the API only, not to the other host"
faults '{}'

# ---- the merge request note ----
NOTE=(CI_MERGE_REQUEST_IID=7 MLCI_GITLAB_TOKEN="$PT")
clear_log
gate 1 "first run in a merge request: the verdict stands" "${NOTE[@]}" -- \
	--rule 'accuracy >= 0.99' --out n1.json --markdown n1.md
log_is '[(r["method"], r["path"], r["query"]) for r in L]' \
	"[('GET', '/api/v4/projects/42/merge_requests/7/notes', 'per_page=100&page=1&sort=asc&order_by=created_at'), ('GET', '/api/v4/projects/42/merge_requests/7/notes', 'per_page=100&page=2&sort=asc&order_by=created_at'), ('POST', '/api/v4/projects/42/merge_requests/7/notes', '')]" \
	"both pages listed (X-Next-Page followed), no note of ours, so one POST"
log_is 'all(r["headers"].get("PRIVATE-TOKEN") == "'"$PT"'" and "JOB-TOKEN" not in r["headers"] for r in L)' True \
	"notes use the PRIVATE-TOKEN header"
log_is 'json.loads(L[-1]["body"])["body"].split("\n")[0]' '<!-- mlci-gate:mlci-gate -->' "the note starts with the hidden marker"
log_is 'json.loads(L[-1]["body"])["body"].split("\n", 1)[1] == open("n1.md").read()' True "then the Markdown report, as --markdown wrote it"
check "stderr says the note was posted" grep -q '^mlci-gate: merge request note posted (note 1001)$' "$T/err"
clear_log
gate 0 "second run: same note" "${NOTE[@]}" CI_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567 \
	CI_JOB_URL=https://gitlab.example.com/ml/adult/-/jobs/99 -- \
	--rule 'accuracy >= 0.5' --out n2.json --markdown n2.md
log_is '[(r["method"], r["path"].rsplit("/", 1)[1], r["query"].split("&")[1] if r["query"] else "") for r in L]' \
	"[('GET', 'notes', 'page=1'), ('GET', 'notes', 'page=2'), ('PUT', '1001', '')]" \
	"the marker found on page 2, the note edited in place (PUT, same id)"
log_is 'json.loads(L[-1]["body"])["body"].split("\n", 1)[1] == open("n2.md").read() + "\n<sub>mlci-gate \u00b7 commit 0123456789ab \u00b7 [job](https://gitlab.example.com/ml/adult/-/jobs/99)</sub>\n"' True \
	"with the new report, then the commit and the job"
check "stderr says the note was updated" grep -q '^mlci-gate: merge request note updated (note 1001)$' "$T/err"
clear_log
gate 0 "another key makes another note" "${NOTE[@]}" CI_JOB_NAME="gate: [2/2]" \
	CI_JOB_URL='javascript:alert(1)' CI_COMMIT_SHA='abc](x)' -- \
	--rule 'accuracy >= 0.5' --out n3.json --markdown n3.md
log_is 'json.loads(L[-1]["body"])["body"].split("\n", 1)[1] == open("n3.md").read()' True \
	"a job URL or commit that is not plain is left out of the note"
log_is '[r["method"] for r in L][-1], json.loads(L[-1]["body"])["body"].split("\n")[0]' \
	"('POST', '<!-- mlci-gate:gate: [2/2] -->')" "CI_JOB_NAME is the default key"
clear_log
gate 0 "a job token alone posts no note (auto)" CI_MERGE_REQUEST_IID=7 CI_JOB_TOKEN="$JT" -- \
	--rule 'accuracy >= 0.5' --out n4.json
log_is 'len(L)' 0 "no request at all"
check "and says nothing" test ! -s "$T/err"
gate 64 "--mr-note required without an access token: 64" CI_MERGE_REQUEST_IID=7 CI_JOB_TOKEN="$JT" -- \
	--mr-note required --rule 'accuracy >= 0.5' --out n5.json
absent n5.json "before any output"
clear_log
gate 0 "--mr-note off posts nothing" "${NOTE[@]}" -- --mr-note off --rule 'accuracy >= 0.5' --out n6.json
log_is 'len(L)' 0 "no request"
faults '{"status": 500}'
gate 1 "a note that cannot be posted is a warning: the verdict's exit code stays" "${NOTE[@]}" -- \
	--rule 'accuracy >= 0.99' --out n7.json
err_is "^mlci-gate: warning: merge request note not posted: .*HTTP 500, after 3 attempts$" "one warning line"
check "gate.json is written" test -f n7.json
gate 75 "with --mr-note required, the failure is the exit code" "${NOTE[@]}" -- \
	--mr-note required --rule 'accuracy >= 0.99' --out n8.json
faults '{"status": 401}'
gate 66 "a refused access token with --mr-note required: 66" "${NOTE[@]}" -- \
	--mr-note required --rule 'accuracy >= 0.99' --out n9.json
err_is "HTTP 401: the token was refused \(PRIVATE-TOKEN from MLCI_GITLAB_TOKEN\)$" "it names the header and variable"
faults '{"truncate": true}'
gate 0 "a cut list of notes is a warning" "${NOTE[@]}" -- --rule 'accuracy >= 0.5' --out n10.json
err_is "warning: merge request note not posted: .*/merge_requests/7/notes\?per_page=\*\*\*&page=\*\*\*.*:1:[0-9]+: not valid JSON" "naming the page's URL, line and column"
faults '{}'
# set_notes PYTHON-EXPR: replace the merge request's notes
set_notes() {
	$PY -c 'import json, sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1], data=json.dumps(eval(sys.argv[2])).encode(), method="POST")).read()' \
		"http://127.0.0.1:$PORT/_control/notes" "$1"
}
set_notes '[{"id": i, "body": "x" * 100000, "system": False} for i in range(1, 101)]'
clear_log
gate 0 "a page of notes over 8 MiB is refused: a warning" "${NOTE[@]}" -- --rule 'accuracy >= 0.5' --out n12.json
err_is "warning: merge request note not posted: .*: the response is larger than 8388608 bytes$" "it says the answer is too large"
log_is '[r["method"] for r in L]' "['GET']" "and posts nothing"
set_notes '[]'
clear_log
gate 0 "an empty merge request: one page, one POST" "${NOTE[@]}" -- --rule 'accuracy >= 0.5' --out n11.json
log_is '[r["method"] for r in L]' "['GET', 'POST']" "no page after the last"

# ---- no token anywhere ----
if grep -rlF -e "$JT" -e "$PT" "$T" --exclude-dir=srv >/dev/null 2>&1; then
	not_ok "the tokens appear in no output, stdout or stderr" "$(grep -rlF -e "$JT" -e "$PT" "$T" --exclude-dir=srv | head -5)"
else
	ok "the tokens appear in no output, stdout or stderr"
fi
check "the runs' stdout and stderr were kept for that check" test -s "$SEEN"
