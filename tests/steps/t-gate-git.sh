# mlci-gate with baselines kept in git: git:REF:PATH (a committed
# metrics.json) and git:REF (a note in refs/notes/mlci written by
# --record), paired rules over the predictions stored the same way,
# fetching into a shallow clone, --history noise bands, and the outcomes
# without a usable baseline. Real repositories built with the git CLI.
PY=/usr/bin/python3
BC=$DATA/breast_cancer.csv
export SOURCE_DATE_EPOCH=1700000000
export HOME=$T GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$T/.gitconfig
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
# step tests may run inside a checkout: no repository above the scratch dir
export GIT_CEILING_DIRECTORIES=$(dirname "$T")
git config --global user.name "mlci test"
git config --global user.email "test@example.com"
git config --global init.defaultBranch main
git config --global advice.detachedHead false

# mk_metrics FILE NAME=JSON...: an mlci.metrics envelope (input fixture).
mk_metrics() {
	$PY - "$@" <<'PY'
import json, sys
out, kv = sys.argv[1], sys.argv[2:]
m = {k: json.loads(v) for k, v in (a.split("=", 1) for a in kv)}
art = {"kind": "mlci.metrics", "schema_version": 1,
       "producer": {"name": "fixture", "version": "0"},
       "created": "2024-01-01T00:00:00Z", "inputs": [],
       "task": "classification", "label": "y", "n_rows": 50, "n_skipped": 0,
       "metrics": m, "warnings": []}
with open(out, "w") as f:
    json.dump(art, f, indent=2, sort_keys=True)
PY
}
G=$BIN/mlci-gate
C=$T/cand
mkdir -p "$C"
mk_metrics "$C/cur.json" accuracy=0.86 f1_macro=0.80 log_loss=0.30

# ---- git:REF:PATH, a committed metrics.json ----
git init -q --bare remote.git
git clone -q remote.git work 2>/dev/null
cd work || exit 1
mkdir -p models/m
mk_metrics models/m/metrics.json accuracy=0.85 f1_macro=0.81 log_loss=0.31
git add models && git commit -qm "baseline metrics"
c1=$(git rev-parse HEAD)
mk_metrics models/m/metrics.json accuracy=0.95 f1_macro=0.95 log_loss=0.10
before=$(sha256sum models/m/metrics.json | cut -d' ' -f1)
idx0=$(sha256sum .git/index | cut -d' ' -f1)

expect_exit 0 "git:REF:PATH reads the committed file, not the working tree" "$G" --metrics "$C/cur.json" \
	--baseline "git:HEAD:models/m/metrics.json" --rule 'accuracy >= baseline' \
	--rule 'f1_macro >= baseline - 0.02' --out "$C/g1.json"
json_is "$C/g1.json" '[r["baseline"] for r in j["rules"]]' "[0.85, 0.81]" "the baseline values are the committed ones"
json_is "$C/g1.json" 'j["baseline"]' "{'commit': '$c1', 'fetched': False, 'found': True, 'from': 'tree', 'path': 'models/m/metrics.json', 'ref': 'HEAD', 'source': 'git', 'spec': 'git:HEAD:models/m/metrics.json'}" "gate.json records where the baseline came from"
sha=$(git show HEAD:models/m/metrics.json | sha256sum | cut -d' ' -f1)
json_is "$C/g1.json" '[(i["role"], i["path"], i["sha256"]) for i in j["inputs"]][1]' "('baseline', 'git:HEAD:models/m/metrics.json', '$sha')" "the baseline input: its spec and the blob's sha256"
expect_exit 1 "a committed baseline can fail the gate" "$G" --metrics "$C/cur.json" \
	--baseline "git:$c1:models/m/metrics.json" --rule 'log_loss <= baseline * 0.9' --out "$C/g2.json"
check "git:REF:PATH leaves the working tree alone" test "$(sha256sum models/m/metrics.json | cut -d' ' -f1)" = "$before"
check "... and the index" test "$(sha256sum .git/index | cut -d' ' -f1)" = "$idx0"
git checkout -q models/m/metrics.json

# ---- --record and git:REF ----
git push -q origin main 2>/dev/null
git status --porcelain >/dev/null	# let git refresh its index first
idx_before=$(sha256sum .git/index | cut -d' ' -f1)
expect_exit 0 "--record writes the note" "$G" --record --metrics models/m/metrics.json
check "--record says what it did" grep -q "^mlci-gate: recorded models/m/metrics.json as the note of ${c1:0:12} in refs/notes/mlci" "$T/out"
check "the note is there for git" sh -c "git notes --ref=mlci show HEAD | grep -q '\"kind\": \"mlci.baseline-note\"'"
notes1=$(git rev-parse refs/notes/mlci)
expect_exit 0 "--record again with the same metrics" "$G" --record --metrics models/m/metrics.json
check "an identical note is kept: no new notes commit" test "$(git rev-parse refs/notes/mlci)" = "$notes1"
check "... and said so" grep -q "^mlci-gate: kept " "$T/out"
mk_metrics "$T/m2.json" accuracy=0.84 f1_macro=0.81 log_loss=0.31
expect_exit 0 "--record replaces the note of that commit" "$G" --record --metrics "$T/m2.json"
check "... and said so" grep -q "^mlci-gate: replaced with " "$T/out"
check "--record leaves the index file as it was" test "$(sha256sum .git/index | cut -d' ' -f1)" = "$idx_before"
check "... and the working tree clean" sh -c 'test -z "$(git status --porcelain)"'
check "one note per commit" test "$(git notes --ref=mlci list | wc -l)" -eq 1
git notes --ref=mlci show HEAD >"$T/note.json"
json_is "$T/note.json" 'j["metrics"] == json.load(open("'"$T"'/m2.json"))' "True" "the note holds the newer metrics artifact as it was"
expect_exit 0 "git:REF reads the note" "$G" --metrics "$C/cur.json" --baseline git:main \
	--rule 'accuracy >= baseline' --out "$C/g3.json"
json_is "$C/g3.json" '[r["baseline"] for r in j["rules"]], j["baseline"]["from"], j["baseline"]["commit"]' "([0.84], 'refs/notes/mlci', '$c1')" "the note's metrics are the baseline"
expect_exit 1 "--record with rules and --out gates, then records (the gate's exit)" "$G" --record \
	--metrics "$T/m2.json" --rule 'accuracy >= 0.9' --out "$C/rec.json"
check "... both happened" sh -c "grep -q '^mlci-gate: FAIL' '$T/out' && grep -q '^mlci-gate: kept ' '$T/out' && test -f '$C/rec.json'"
expect_exit 0 "--record-ref annotates another commit" "$G" --record --metrics "$T/m2.json" --record-ref "$c1"
expect_exit 66 "--record-ref that names nothing: 66" "$G" --record --metrics "$T/m2.json" --record-ref no-such-ref
err_is "^mlci-gate: --record-ref 'no-such-ref' does not name a commit here" "... with the ref in the message"
expect_exit 66 "--record of a missing metrics file: 66" "$G" --record --metrics nope.json

# ---- paired rules over predictions from git ----
train() { "$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic --out "$@" >/dev/null; }
train "$T/base.model.json"
train "$T/cand.model.json" --param C=0.05
mkdir -p eval
"$BIN/mlci-evaluate" --model "$T/base.model.json" --data "$BC" --out eval/metrics.json --predictions eval/predictions.csv >/dev/null
"$BIN/mlci-evaluate" --model "$T/cand.model.json" --data "$BC" --out "$C/pc.json" --predictions "$C/pc.pred.csv" >/dev/null
cp eval/metrics.json eval/predictions.csv "$T/"
git add eval && git commit -qm "evaluation" && c2=$(git rev-parse HEAD)
cat >"$T/paired.rules" <<'R'
accuracy >= baseline - 0.02 paired
roc_auc >= baseline - 0.01 paired
f1_macro >= baseline - 0.02 paired
R
expect_exit 0 "paired rules against the files on disk (the reference run)" "$G" --metrics "$C/pc.json" \
	--baseline "$T/metrics.json" --rules "$T/paired.rules" --bootstrap 300 --out "$C/pf.json"
expect_exit 0 "--record stores the predictions with the metrics" "$G" --record --metrics eval/metrics.json
check "... and says so" grep -q "eval/metrics.json and its predictions as the note of ${c2:0:12}" "$T/out"
git notes --ref=mlci show HEAD >"$T/note2.json"
psize=$(wc -c <eval/predictions.csv)
json_is "$T/note2.json" 'j["predictions"]["encoding"], j["predictions"]["bytes"], j["predictions"]["path"]' "('gzip+base64', $psize, 'eval/predictions.csv')" "the predictions are in the note, gzip+base64"
json_is "$T/note2.json" 'len(j["predictions"]["data"]) < '"$psize" "True" "... compressed below the file's size"
check "the note validates against its schema" $PY "$TOP/tests/check_schema.py" "$T/note2.json"
# the same verdict and evidence from the note and from the tree
for spec in git:HEAD git:HEAD:eval/metrics.json; do
	expect_exit 0 "paired rules over $spec" "$G" --metrics "$C/pc.json" --baseline "$spec" \
		--rules "$T/paired.rules" --bootstrap 300 --out "$C/pg.json"
	json_is "$C/pg.json" '[(r["status"], r["paired"]) for r in j["rules"]] == [(r["status"], r["paired"]) for r in json.load(open("'"$C"'/pf.json"))["rules"]]' "True" "$spec: the same tests, statuses and figures as from the files"
	psha=$(sha256sum eval/predictions.csv | cut -d' ' -f1)
	json_is "$C/pg.json" '[i["sha256"] for i in j["inputs"] if i["role"] == "baseline_predictions"]' "['$psha']" "$spec: the baseline predictions' sha256 is the file's"
done
json_is "$C/pg.json" '[i["path"] for i in j["inputs"] if i["role"] == "baseline_predictions"]' "['git:HEAD:eval/predictions.csv']" "the predictions are named by their git spec"
expect_exit 0 "paired rules over the note again" "$G" --metrics "$C/pc.json" --baseline git:HEAD \
	--rules "$T/paired.rules" --bootstrap 300 --out "$C/pn2.json"
msha=$(sha256sum eval/metrics.json | cut -d' ' -f1)
json_is "$C/pn2.json" '[i["sha256"] for i in j["inputs"] if i["role"] == "baseline"]' "['$msha']" "a note's metrics hash as the metrics.json mlci-evaluate wrote"
check "no temporary predictions file left behind" sh -c "! ls \"${TMPDIR:-/tmp}\" | grep -q '^mlci-baseline-'"
expect_exit 66 "a paired rule over a note recorded without predictions: 66" "$G" --metrics "$C/pc.json" \
	--baseline "git:$c1" --rule 'accuracy >= baseline - 0.02 paired' --out "$C/pn.json"
err_is "no predictions recorded beside its metrics \(give --baseline-predictions FILE\)" "... naming the fix"

# ---- outcomes without a usable baseline ----
git checkout -q -b feature
echo x >x && git add x && git commit -qm "no note here" && c3=$(git rev-parse HEAD)
expect_exit 3 "a commit without a note: rules over baseline are inconclusive" "$G" --metrics "$C/cur.json" \
	--baseline git:feature --rule 'accuracy >= baseline' --rule 'accuracy >= 0.5' --out "$C/n1.json" \
	--junit "$C/n1.xml" --markdown "$C/n1.md"
check "the summary line gives the reason" grep -q "^mlci-gate: INCONCLUSIVE: 1 of 2 rules inconclusive: accuracy >= baseline (no baseline: feature (${c3:0:12}) has no note in refs/notes/mlci)" "$T/out"
json_is "$C/n1.json" '[(r["status"], r.get("reason")) for r in j["rules"]]' "[('inconclusive', 'no baseline: feature (${c3:0:12}) has no note in refs/notes/mlci'), ('pass', None)]" "... with the reason; other rules still judged"
json_is "$C/n1.json" 'j["baseline"]["found"], j["baseline"]["reason"]' "(False, 'no baseline: feature (${c3:0:12}) has no note in refs/notes/mlci')" "gate.json: baseline not found, and why"
check "JUnit: skipped with the reason" grep -q '<skipped message="inconclusive: no baseline: feature' "$C/n1.xml"
check "Markdown: the reason as the evidence" grep -qF '| `accuracy >= baseline` | `accuracy` | 0.86 | n/a |  | n/a | ⚠️ inconclusive | no baseline: feature' "$C/n1.md"
expect_exit 0 "--inconclusive pass lets a first run through" "$G" --metrics "$C/cur.json" \
	--baseline git:feature --rule 'accuracy >= baseline' --inconclusive pass --out "$C/n2.json"
expect_exit 3 "a path missing from the tree: no baseline" "$G" --metrics "$C/cur.json" \
	--baseline git:feature:models/other/metrics.json --rule 'accuracy >= baseline' --out "$C/n3.json"
json_is "$C/n3.json" 'j["rules"][0]["reason"]' "no baseline: feature has no models/other/metrics.json at ${c3:0:12}" "... with the reason"
mk_metrics "$C/new.json" accuracy=0.86 f1_macro=0.80 log_loss=0.30 brier=0.1
expect_exit 3 "a metric new in the candidate: inconclusive" "$G" --metrics "$C/new.json" \
	--baseline git:main:models/m/metrics.json --rule 'brier <= baseline' --rule 'accuracy >= baseline' --out "$C/n4.json"
json_is "$C/n4.json" '[(r["status"], r.get("reason")) for r in j["rules"]]' "[('inconclusive', \"no baseline: 'brier' is a new metric (not in git:main:models/m/metrics.json)\"), ('pass', None)]" "... saying it is new"
mk_metrics "$C/lost.json" accuracy=0.86 log_loss=0.30
expect_exit 1 "a metric the candidate lost: the rule fails" "$G" --metrics "$C/lost.json" \
	--baseline git:main:models/m/metrics.json --rule 'f1_macro >= baseline - 0.01' --out "$C/n5.json" --junit "$C/n5.xml" \
	--dotenv "$C/n5.env" --openmetrics "$C/n5.txt"
check "dotenv: no value for the lost metric" sh -c "grep -qx 'MLCI_GATE_FAILED=1' '$C/n5.env' && ! grep -q '^MLCI_F1_MACRO=' '$C/n5.env'"
out=$(promtool check metrics <"$C/n5.txt" 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then ok "OpenMetrics with a lost metric accepted by promtool"; else not_ok "OpenMetrics with a lost metric accepted by promtool" "$out"; fi
json_is "$C/n5.json" '[(r["status"], r["value"], r["baseline"], r.get("reason")) for r in j["rules"]]' "[('fail', None, 0.81, \"metric 'f1_macro' is in the baseline (0.81) but missing from the candidate's $C/lost.json\")]" "... saying the metric is missing"
check "JUnit: a failure with that message" grep -q "<failure type=\"mlci.gate.rule\" message=\"fail: metric &apos;f1_macro&apos; is in the baseline" "$C/n5.xml"
expect_exit 65 "a metric in neither: still the unknown-metric error" "$G" --metrics "$C/lost.json" \
	--baseline git:main:models/m/metrics.json --rule 'acuracy >= baseline' --out "$C/n6.json"
err_is "unknown metric 'acuracy'.*did you mean 'accuracy'" "... with the suggestion"
# a baseline of zero: relative rules compare with 0 (within 1e-12)
mk_metrics zero.json accuracy=1 rmse=0
git add zero.json && git commit -qm zero
mk_metrics "$C/z0.json" accuracy=1 rmse=0
mk_metrics "$C/z1.json" accuracy=1 rmse=0.001
expect_exit 0 "baseline 0: rmse <= baseline * 1.05 passes for 0" "$G" --metrics "$C/z0.json" \
	--baseline git:HEAD:zero.json --rule 'rmse <= baseline * 1.05' --out "$C/z0g.json"
expect_exit 1 "baseline 0: rmse <= baseline * 1.05 fails for anything above 0" "$G" --metrics "$C/z1.json" \
	--baseline git:HEAD:zero.json --rule 'rmse <= baseline * 1.05' --out "$C/z1g.json"
json_is "$C/z1g.json" 'j["rules"][0]["threshold"], j["rules"][0]["baseline"]' "(0.0, 0.0)" "... the threshold is 0"
expect_exit 64 "baseline 0 as a divisor: the rule's division-by-zero error (64 for --rule)" "$G" --metrics "$C/z1.json" \
	--baseline git:HEAD:zero.json --rule 'rmse <= 1 / baseline' --out "$C/z2g.json"
# NaN in a metrics file is not JSON: 65 naming the file
printf '{"kind": "mlci.metrics", "schema_version": 1, "metrics": {"accuracy": NaN}}\n' >nan.json
git add nan.json && git commit -qm nan
expect_exit 65 "NaN in the baseline's committed metrics: 65" "$G" --metrics "$C/cur.json" \
	--baseline git:HEAD:nan.json --rule 'accuracy >= baseline' --out "$C/nan.json"
err_is "^mlci-gate: git:HEAD:nan\.json:1:[0-9]+: invalid JSON" "... naming git:REF:PATH, line and column"
cp nan.json "$C/nan-cur.json"
expect_exit 65 "NaN in the candidate's metrics: 65" "$G" --metrics "$C/nan-cur.json" \
	--rule 'accuracy >= 0.5' --out "$C/nan2.json"
err_is "nan-cur\.json:1:[0-9]+: invalid JSON" "... naming the file"
absent "$C/nan.json" "no gate.json after a bad baseline"
expect_exit 66 "a ref that exists nowhere: 66" "$G" --metrics "$C/cur.json" \
	--baseline git:no-such-branch:metrics.json --rule 'accuracy >= baseline' --out "$C/x.json"
err_is "^mlci-gate: baseline ref 'no-such-branch' is neither in this repository nor on remote 'origin'$" "... naming the ref and the remote"
expect_exit 64 "git: without a ref: 64" "$G" --metrics "$C/cur.json" --baseline git: \
	--rule 'accuracy >= baseline' --out "$C/x.json"
(cd "$T" && expect_exit 66 "a git baseline outside a repository: 66" "$G" --metrics "$C/cur.json" \
	--baseline git:main --rule 'accuracy >= baseline' --out "$C/x.json")

# ---- a shallow clone fetches what it lacks ----
git checkout -q main
git push -q origin main refs/notes/mlci 2>/dev/null
git checkout -q -b release "$c1"
echo r >r && git add r && git commit -qm release && c4=$(git rev-parse HEAD)
"$G" --record --metrics "$T/m2.json" >/dev/null
git push -q origin release refs/notes/mlci 2>/dev/null
git branch -q old "$c1" && git push -q origin old 2>/dev/null
git tag -a -m "model v1" v1 "$c1" && git push -q origin v1 2>/dev/null
git checkout -q main
cd "$T" || exit 1
git clone -q --depth 1 --no-tags "file://$T/remote.git" shallow 2>/dev/null
cd shallow || exit 1
check "the clone is shallow, without notes" sh -c 'test -f .git/shallow && ! git rev-parse -q --verify refs/notes/mlci'
expect_exit 0 "git:origin/main in a shallow clone: the notes ref is fetched" "$G" --metrics "$C/pc.json" \
	--baseline git:origin/main --rules "$T/paired.rules" --bootstrap 300 --out "$C/s1.json"
json_is "$C/s1.json" 'j["baseline"]["fetched"], j["baseline"]["found"]' "(True, True)" "... recorded as fetched"
json_is "$C/s1.json" '[(r["status"], r["paired"]) for r in j["rules"]] == [(r["status"], r["paired"]) for r in json.load(open("'"$C"'/pf.json"))["rules"]]' "True" "... the paired rules as from the files"
check "refs/notes/mlci is now here" git rev-parse -q --verify refs/notes/mlci
expect_exit 0 "a branch the clone lacks is fetched" "$G" --metrics "$C/cur.json" \
	--baseline git:origin/release --rule 'accuracy >= baseline' --out "$C/s2.json"
json_is "$C/s2.json" 'j["baseline"]["commit"], j["baseline"]["fetched"], j["rules"][0]["baseline"]' "('$c4', True, 0.84)" "... and its note read"
expect_exit 0 "a branch behind the shallow boundary is fetched" "$G" --metrics "$C/cur.json" \
	--baseline git:old:models/m/metrics.json --rule 'accuracy >= baseline' --out "$C/s3.json"
json_is "$C/s3.json" 'j["baseline"]["commit"], j["rules"][0]["baseline"]' "('$c1', 0.85)" "... and its file read"
expect_exit 0 "an annotated tag the clone lacks is fetched and peeled" "$G" --metrics "$C/cur.json" \
	--baseline git:v1:models/m/metrics.json --rule 'accuracy >= baseline' --out "$C/s3t.json"
json_is "$C/s3t.json" 'j["baseline"]["commit"], j["rules"][0]["baseline"]' "('$c1', 0.85)" "... to its commit"
expect_exit 66 "a ref the remote does not have: 66" "$G" --metrics "$C/cur.json" \
	--baseline git:origin/nope --rule 'accuracy >= baseline' --out "$C/s4.json"
err_is "^mlci-gate: baseline ref 'origin/nope' is neither in this repository nor on remote 'origin'$" "... naming both"
git remote add dead "http://user:s3cret@127.0.0.1:9/repo.git"
expect_exit 75 "an unreachable remote: 75 after the retries" "$G" --metrics "$C/cur.json" \
	--baseline git:dead/main:models/m/metrics.json --baseline-remote dead --rule 'accuracy >= baseline' --out "$C/s5.json"
err_is "^mlci-gate: remote 'dead' unreachable after 3 tries: " "... naming the remote"
check "... and never the password in its URL" sh -c "! grep -q s3cret '$T/err'"
git remote add gone "file://$T/no-such-repo.git"
expect_exit 66 "a remote whose repository does not exist: 66, at once (not a network failure)" "$G" --metrics "$C/cur.json" \
	--baseline git:gone/main --baseline-remote gone --rule 'accuracy >= baseline' --out "$C/s5b.json"
err_is "^mlci-gate: cannot read remote 'gone': " "... naming the remote"
expect_exit 66 "no such remote: 66" "$G" --metrics "$C/cur.json" \
	--baseline git:other/main --baseline-remote other --rule 'accuracy >= baseline' --out "$C/s6.json"
# (libgit2's file:// transport sends more than was asked, so this clone
# gets its notes from git itself, to keep its history shallow)
cd "$T" || exit 1
git clone -q --depth 1 --no-tags "file://$T/remote.git" shallow3 2>/dev/null
cd shallow3 && git fetch -q --depth 1 origin refs/notes/mlci:refs/notes/mlci
# --history past the shallow boundary: the rest of the ref's history comes
# from the remote; the notes read are those git lists along it
"$G" --metrics "$C/cur.json" --baseline git:origin/main --history 5 \
	--rule 'accuracy >= 0' --out "$C/sh0.json" >/dev/null 2>&1
fp=$(git --git-dir="$T/remote.git" log --first-parent --format=%H main)
annotated=$(for c in $fp; do git --git-dir="$T/remote.git" notes --ref=mlci list "$c" >/dev/null 2>&1 && echo "$c"; done | head -5 | tr '\n' ' ')
json_is "$C/sh0.json" '" ".join(j["history"]["commits"]) + " ", j["history"]["truncated"]' "('$annotated', False)" "--history in a shallow clone reads past its boundary: the notes along the remote's first parents"
git remote set-url origin "file://$T/no-such-repo.git"
expect_exit 3 "... and stops there when the remote cannot give the rest" "$G" --metrics "$C/cur.json" \
	--baseline git:origin/main --history 5 --rule 'accuracy >= band.low' --out "$C/sh.json"
json_is "$C/sh.json" 'j["history"]["walked"], j["history"]["truncated"], j["rules"][0]["status"]' "(1, True, 'inconclusive')" "... saying it was truncated"
git remote set-url origin "file://$T/remote.git"
# a branch whose commit is an ancestor of the clone's (the remote may take
# the clone to have it: then it comes through a temporary repository)
expect_exit 0 "a commit behind the shallow boundary is fetched and read" "$G" --metrics "$C/cur.json" \
	--baseline git:old:models/m/metrics.json --rule 'accuracy >= baseline' --out "$C/sb.json"
json_is "$C/sb.json" 'j["baseline"]["commit"], j["baseline"]["fetched"], j["rules"][0]["baseline"]' "('$c1', True, 0.85)" "... its file, at its commit"
check "... no temporary repository left behind" sh -c "! ls \"\${TMPDIR:-/tmp}\" | grep -q '^mlci-fetch-'"
cd "$T" || exit 1
git init -q --bare empty.git
git clone -q --depth 1 "file://$T/remote.git" shallow2 2>/dev/null
cd shallow2 && git remote set-url origin "file://$T/empty.git"
expect_exit 3 "a remote without refs/notes/mlci: no baseline yet (a first run)" "$G" --metrics "$C/cur.json" \
	--baseline git:HEAD --rule 'accuracy >= baseline' --out "$C/s7.json"
json_is "$C/s7.json" 'j["rules"][0]["reason"]' "no baseline: no refs/notes/mlci here or on remote 'origin' (nothing recorded yet: mlci-gate --record)" "... with the reason"

# ---- --history: noise bands over the recorded notes ----
cd "$T/work" || exit 1
git checkout -q main
i=0
for acc in 0.80 0.83 0.81 0.86 0.82; do
	i=$((i + 1))
	echo "$i" >h && git add h && git commit -qm "h$i"
	mk_metrics "$T/h$i.json" accuracy=$acc rmse=0.$((20 + i)) only_once=$( [ $i -eq 5 ] && echo 1 || echo null )
	"$G" --record --metrics "$T/h$i.json" >/dev/null
done
git checkout -q -b side HEAD~1 && echo s >s && git add s && git commit -qm side && git checkout -q main
git merge -q --no-ff -m merge side 2>/dev/null
mk_metrics "$T/hm.json" accuracy=0.5 rmse=0.9
git notes --ref=mlci list >/dev/null
"$G" --record --metrics "$T/hm.json" --record-ref side >/dev/null
mk_metrics "$C/hc.json" accuracy=0.84 rmse=0.254 only_once=1
expect_exit 0 "--history 4: rules over band.low and band.high" "$G" --metrics "$C/hc.json" \
	--baseline git:main --history 4 --rule 'accuracy >= band.low' --rule 'rmse <= band.high * 1.02' \
	--out "$C/h1.json" --junit "$C/h1.xml" --markdown "$C/h1.md"
# the band recomputed from the notes git itself lists along the first parents
git log --first-parent --format=%H main >"$T/fp.txt"
$PY - "$T/fp.txt" "$C/h1.json" 4 >"$T/band-check.txt" 2>&1 <<'PY'
import json, statistics, subprocess, sys
commits = open(sys.argv[1]).read().split()
gate, n = json.load(open(sys.argv[2])), int(sys.argv[3])
vals, used = {}, []
for c in commits:
    r = subprocess.run(["git", "notes", "--ref=mlci", "show", c], capture_output=True, text=True)
    if r.returncode:
        continue
    used.append(c)
    for k, v in json.loads(r.stdout)["metrics"]["metrics"].items():
        if isinstance(v, (int, float)):
            vals.setdefault(k, []).append(v)
    if len(used) == n:
        break
h = gate["history"]
assert h["commits"] == used, (h["commits"], used)
for k, b in h["bands"].items():
    v = vals.get(k, [])
    assert b["n"] == len(v), (k, b, v)
    if len(v) >= 2:
        assert b["low"] == min(v) and b["high"] == max(v), (k, b, v)
        assert abs(b["mean"] - statistics.mean(v)) < 1e-12, (k, b)
        assert abs(b["sd"] - statistics.stdev(v)) < 1e-12, (k, b)
        pos = "below" if b["value"] < min(v) else "above" if b["value"] > max(v) else "within"
        assert b["position"] == pos, (k, b)
    else:
        assert b["position"] is None and "low" not in b, (k, b)
print("ok")
PY
if grep -qx ok "$T/band-check.txt"; then ok "each band is the min, max, mean and sd (Python statistics) of the last 4 first-parent notes"
else not_ok "each band is the min, max, mean and sd (Python statistics) of the last 4 first-parent notes" "$(cat "$T/band-check.txt")"; fi
json_is "$C/h1.json" 'j["history"]["notes"], j["history"]["requested"], j["history"]["truncated"]' "(4, 4, False)" "history: 4 notes of 4 asked"
json_is "$C/h1.json" 'j["history"]["bands"]["accuracy"]["position"], j["history"]["bands"]["rmse"]["position"]' "('within', 'above')" "where the candidate falls in each band"
check "Markdown: the band table" grep -qF '| `accuracy` | 0.84 | 0.81 | 0.83 | 0.86 | 0.0216025 | 4 | within |' "$C/h1.md"
check "JUnit: the band lines in system-out" grep -q '^band: accuracy = 0.84 within \[0.81, 0.86\], mean 0.83, sd 0.0216025, n 4$' "$C/h1.xml"
check "JUnit: the history property" grep -q '<property name="mlci.history" value="4 notes along main"/>' "$C/h1.xml"
check "JUnit valid (Ant)" xmllint --noout --schema "$TOP/tests/schemas/junit-ant.xsd" "$C/h1.xml"
expect_exit 1 "a candidate below the band fails" "$G" --metrics "$C/hc.json" --baseline git:main \
	--history 4 --rule 'accuracy >= band.high' --out "$C/h2.json"
expect_exit 3 "a band of one value is undefined: inconclusive" "$G" --metrics "$C/hc.json" \
	--baseline git:main --history 4 --rule 'only_once >= band.low' --rule 'accuracy >= band.low' --out "$C/h3.json"
json_is "$C/h3.json" '[(r["status"], r.get("reason")) for r in j["rules"]]' "[('inconclusive', \"no noise band for 'only_once': 1 recorded value in the last 4 notes along main (at least 2 needed)\"), ('pass', None)]" "... with the reason"
git checkout -q --orphan lonely && git commit -qm lonely && git checkout -q main
expect_exit 3 "--history-ref without notes: inconclusive" "$G" --metrics "$C/hc.json" \
	--history 3 --history-ref lonely --rule 'accuracy >= band.low' --out "$C/h4.json"
json_is "$C/h4.json" 'j["history"]["notes"]' "0" "... zero notes found"
expect_exit 64 "a band rule without --history: 64" "$G" --metrics "$C/hc.json" \
	--rule 'accuracy >= band.low' --out "$C/h5.json"
expect_exit 64 "--history without a git ref to walk: 64" "$G" --metrics "$C/hc.json" \
	--history 3 --rule 'accuracy >= band.low' --out "$C/h6.json"
check "gate.json files validate against the schema" $PY "$TOP/tests/check_schema.py" \
	"$C/g1.json" "$C/g3.json" "$C/pg.json" "$C/n1.json" "$C/n4.json" "$C/n5.json" "$C/s1.json" \
	"$C/s7.json" "$C/h1.json" "$C/h3.json" "$C/h4.json"

# ---- the same over git's own protocol (as https is: negotiated) ----
# libgit2 1.5 cannot negotiate from a shallow clone: the notes and a
# commit behind the boundary come through a temporary repository.
cd "$T" || exit 1
port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
git daemon --export-all --base-path="$T" --listen=127.0.0.1 --port="$port" --reuseaddr "$T" >/dev/null 2>&1 &
daemon=$!
trap 'kill "$daemon" 2>/dev/null' EXIT
up=0
for _ in $(seq 50); do
	if git ls-remote "git://127.0.0.1:$port/remote.git" >/dev/null 2>&1; then up=1; break; fi
	sleep 0.1
done
if [ "$up" = 1 ]; then ok "git daemon serves the remote"; else not_ok "git daemon serves the remote" "port $port"; fi
git clone -q --depth 1 --no-tags "git://127.0.0.1:$port/remote.git" gd 2>/dev/null
cd gd || exit 1
expect_exit 1 "git://, shallow: the notes ref is fetched" "$G" --metrics "$C/cur.json" \
	--baseline git:origin/main --rule 'accuracy >= baseline' --out "$C/d1.json"
json_is "$C/d1.json" 'j["baseline"]["found"], j["baseline"]["fetched"], j["rules"][0]["baseline"] == json.load(open("'"$T"'/metrics.json"))["metrics"]["accuracy"]' "(True, True, True)" "... and the note read (the evaluation's accuracy)"
check "... refs/notes/mlci is now here" git rev-parse -q --verify refs/notes/mlci
"$G" --metrics "$C/cur.json" --baseline git:origin/main --history 5 \
	--rule 'accuracy >= 0' --out "$C/dh.json" >/dev/null 2>&1
fp=$(git --git-dir="$T/remote.git" log --first-parent --format=%H main)
annotated=$(for c in $fp; do git --git-dir="$T/remote.git" notes --ref=mlci list "$c" >/dev/null 2>&1 && echo "$c"; done | head -5 | tr '\n' ' ')
json_is "$C/dh.json" '" ".join(j["history"]["commits"]) + " ", j["history"]["truncated"]' "('$annotated', False)" "git://, shallow: --history reads past the boundary"
expect_exit 0 "git://, shallow: a commit behind the boundary is read" "$G" --metrics "$C/cur.json" \
	--baseline git:old:models/m/metrics.json --rule 'accuracy >= baseline' --out "$C/d2.json"
json_is "$C/d2.json" 'j["baseline"]["commit"], j["rules"][0]["baseline"]' "('$c1', 0.85)" "... at its commit"
check "... no temporary repository left behind" sh -c "! ls \"${TMPDIR:-/tmp}\" | grep -q '^mlci-fetch-'"
cd "$T" && git clone -q --depth 1 --no-tags "git://127.0.0.1:$port/remote.git" gd2 2>/dev/null
cd gd2 || exit 1
before_notes=$(git --git-dir="$T/remote.git" notes --ref=mlci list | wc -l)
expect_exit 0 "git://, shallow: --record fetches the notes recorded before" "$G" --record --metrics "$T/m2.json"
check "... and keeps them beside the new one" test "$(git notes --ref=mlci list | wc -l)" -ge "$before_notes"
kill "$daemon" 2>/dev/null
wait "$daemon" 2>/dev/null
trap - EXIT
