# Every CI template parses (python3-yaml), names only options its mlci
# steps have (each mlci-STEP --flag in every template, checked against
# that step's --help by tests/templates_flags.py), and runs the whole
# pipeline; the GitLab component's spec is well-formed: every input
# described, typed values, defaults within options and regex, every input
# used and every use declared.

PY=/usr/bin/python3
TF=$TOP/tests/templates_flags.py

for f in gitlab/mlci.gitlab-ci.yml gitlab/mlci-search.gitlab-ci.yml mlci/template.yml \
	github/action.yml circleci/config.yml; do
	check "$f parses as YAML" $PY -c 'import sys, yaml; assert all(d is not None for d in yaml.safe_load_all(open(sys.argv[1])))' "$TOP/templates/$f"
done

n=$($PY "$TF" "$TOP/templates" | wc -l)
if [ "$n" -gt 150 ]; then ok "the templates use $n step options"; else not_ok "the templates use $n step options" "too few found"; fi
expect_exit 0 "every mlci-STEP --flag in every template is in that step's --help" $PY "$TF" "$TOP/templates" "$BIN"
[ -s "$T/out" ] && not_ok "... none unknown" "$(head -n 5 "$T/out")"
# each template runs every step
for f in gitlab/mlci.gitlab-ci.yml mlci/template.yml github/action.yml circleci/config.yml \
	jenkins/Jenkinsfile jenkins/Jenkinsfile-shared; do
	# Jenkinsfile-shared runs some through the library's steps
	steps=$($PY "$TF" "$TOP/templates" | awk -v f="$f" '$1 == f || (f ~ /-shared$/ && $1 ~ /^jenkins\/vars\//) {print $2}' | sort -u | tr '\n' ' ')
	if [ "$steps" = "mlci-deploy mlci-evaluate mlci-gate mlci-package mlci-train mlci-validate-data " ]; then
		ok "$f runs all six steps"; else not_ok "$f runs all six steps" "$steps"; fi
done
# the search fan-out templates shard and select
for f in gitlab/mlci-search.gitlab-ci.yml mlci/template.yml circleci/config.yml; do
	got=$($PY "$TF" "$TOP/templates" | awk -v f="$f" '$1 == f && $2 == "mlci-train" {print $3}' | grep -cE '^--(shard|select)$')
	[ "$f" = gitlab/mlci-search.gitlab-ci.yml ] && got=$((got + 1)) # its runners take --shard from CI_NODE_*
	if [ "$got" -eq 2 ]; then ok "$f fans the search out and selects"; else not_ok "$f fans the search out and selects"; fi
done

# the checker finds a flag that does not exist, in YAML and in groovy
mkdir -p bad/jenkins
printf 'job:\n  script:\n    - mlci-train --data x.csv --no-such-flag 1 && mlci-gate --metrics m.json\n' >bad/a.yml
printf "stage('x') { steps { sh 'mlci-gate --metrics m.json --bogus' } }\n" >bad/jenkins/Jenkinsfile
expect_exit 1 "the checker refuses unknown flags" $PY "$TF" bad "$BIN"
if grep -q 'a.yml: mlci-train has no --no-such-flag' "$T/out" && grep -q 'Jenkinsfile: mlci-gate has no --bogus' "$T/out" &&
	[ "$(wc -l <"$T/out")" -eq 2 ]; then ok "... naming each, with its step"; else not_ok "... naming each, with its step" "$(cat "$T/out")"; fi

# the component's spec
$PY - "$TOP/templates/mlci/template.yml" <<'PY' >spec.out 2>&1 && ok "the component's spec: inputs described, typed, used" || not_ok "the component's spec: inputs described, typed, used" "$(tail -n 3 spec.out)"
import re, sys, yaml
text = open(sys.argv[1]).read()
head, body = text.split("\n---\n", 1)
spec = yaml.safe_load(head)["spec"]["inputs"]
jobs = yaml.safe_load(body)
for k, v in spec.items():
    assert v.get("description"), k
    assert "default" in v, k
    t = v.get("type", "string")
    assert t in ("string", "number", "boolean", "array"), (k, t)
    if t == "number":
        assert isinstance(v["default"], (int, float)), k
    if "options" in v:
        assert v["default"] in v["options"], k
    if "regex" in v:
        assert re.search(v["regex"], str(v["default"])), (k, v["regex"])
used = set(re.findall(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]", body))
assert used == set(spec), (sorted(used ^ set(spec)))
assert "$[[" not in head
# the jobs: merge request rules, retry on 75, the gate allows 3, reports
base = jobs[".mlci-component"]
assert base["retry"] == {"max": 2, "exit_codes": [75]}, base["retry"]
assert any('merge_request_event' in r.get("if", "") for r in base["rules"])
assert jobs["mlci-gate"]["allow_failure"] == {"exit_codes": [3]}
assert set(jobs["mlci-gate"]["artifacts"]["reports"]) == {"junit", "metrics", "dotenv"}
assert set(jobs["mlci-validate"]["artifacts"]["reports"]) == {"junit", "codequality"}
assert jobs["mlci-search"]["parallel"] == "$[[ inputs.runners ]]"
assert jobs["mlci-deploy"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
for j in jobs.values():
    for p in [r for r in j.get("artifacts", {}).get("reports", {}).values()]:
        assert p in j["artifacts"]["paths"] or any(p.startswith(x) for x in j["artifacts"]["paths"]), p
PY
# the include template: the same exit-code handling
$PY - "$TOP/templates/gitlab/mlci.gitlab-ci.yml" <<'PY' && ok "the include template: merge request rules, retry 75, the gate allows 3" || not_ok "the include template: merge request rules, retry 75, the gate allows 3"
import sys, yaml
t = yaml.safe_load(open(sys.argv[1]))
assert t[".mlci"]["retry"] == {"max": 2, "exit_codes": [75]}
assert any('merge_request_event' in r.get("if", "") for r in t[".mlci"]["rules"])
assert t["mlci-gate"]["allow_failure"] == {"exit_codes": [3]}
PY
