# The GitLab templates run for real under gitlab-ci-local (shell executor,
# each job isolated: it sees the git-tracked files and the artifacts of the
# jobs it needs, as on a runner) against fixture repositories built here:
# the CI/CD component with a search fanned out over 2 runners (pass, an
# inconclusive gate, a failing gate) and the include templates with their
# search. Every job's PASS/FAIL/WARN line is checked (gitlab-ci-local's own
# exit status is not trusted with allow_failure: exit_codes), then the
# artifacts and reports, and the package deployed to the registry.
# (gitlab-ci-local does not implement retry:, so retry on exit 75 is only
# checked in the YAML, by t-templates-flags.sh.)
# gitlab-ci-local and Node 22 come from the npm registry
# (ci/install-gitlab-ci-local); without it this test fails.

XSD=$TOP/tests/schemas
GLCI=$("$TOP/ci/install-gitlab-ci-local" 2>"$T/glci-install.err")
if [ -z "$GLCI" ] || [ ! -x "$GLCI/gitlab-ci-local" ]; then
	not_ok "gitlab-ci-local installs from the npm registry" "$(tail -n 5 "$T/glci-install.err")"
	return 0 2>/dev/null || exit 0
fi
ok "gitlab-ci-local installs from the npm registry"
for tool in rsync git xmllint promtool; do
	command -v "$tool" >/dev/null || not_ok "$tool is installed (ci/install-deps)"
done
mkdir -p "$T/home" && printf '[user]\n\tname = fixture\n\temail = fixture@example.com\n' >"$T/home/.gitconfig"

# fixture DIR INCLUDE_YAML: a repository whose .gitlab-ci.yml is
# INCLUDE_YAML, holding templates/, a gate.rules and breast_cancer split
# 3:1 into data/train.csv and data/test.csv, pushed to a bare origin whose
# HEAD is main.
fixture() {
	rm -rf "$1" "$1.origin"
	mkdir -p "$1/data" && git init -q --bare "$1.origin" &&
		(cd "$1" && git init -q -b main &&
			head -n 1 "$DATA/breast_cancer.csv" >data/train.csv &&
			head -n 1 "$DATA/breast_cancer.csv" >data/test.csv &&
			tail -n +2 "$DATA/breast_cancer.csv" | awk 'NR % 4 != 0' >>data/train.csv &&
			tail -n +2 "$DATA/breast_cancer.csv" | awk 'NR % 4 == 0' >>data/test.csv &&
			cp -r "$TOP/templates" templates &&
			printf '# the fixture gate\naccuracy >= 0.90\nroc_auc >= 0.95\n' >gate.rules &&
			printf '%s\n' "$2" >.gitlab-ci.yml &&
			git add -A && git -c user.name=fixture -c user.email=fixture@example.com commit -qm fixture &&
			git remote add origin "$1.origin" && git push -q origin main &&
			git remote set-head origin main)
}

# glci DIR LOG ARGS...: run the pipeline in DIR, its output in LOG; only
# what a runner would have in its environment gets through (and the
# settings of the machine's BLAS, the sanitizers and valgrind)
KEEP=$(env | grep -E '^(OPENBLAS_[A-Z0-9_]*|[AUL]SAN_OPTIONS|VG_LOGDIR|MLCI_VALGRIND)=' | tr '\n' ' ')
glci() {
	d=$1; log=$2; shift 2
	# shellcheck disable=SC2086
	(cd "$d" && env -i PATH="$GLCI:$BIN:/usr/local/bin:/usr/bin:/bin" HOME="$T/home" \
		LANG=C.UTF-8 TMPDIR="${TMPDIR:-/tmp}" SOURCE_DATE_EPOCH=1700000000 $KEEP \
		gitlab-ci-local --home "$T/home" --shell-isolation --force-shell-executor \
		--no-artifacts-to-source --no-color --concurrency 2 "$@") >"$log" 2>&1
}

# jobs_are LOG EXPECTED WHAT: the job results of the pipeline's summary,
# "job=STATUS ..." in order, are EXPECTED
jobs_are() {
	got=$(sed -nE 's/^ (PASS|FAIL|WARN) +(mlci-.*)$/\2=\1/p' "$1" | sed -E 's/ +pre_script=/=/; s/ //g' | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$2" ]; then ok "$3"; else not_ok "$3" "jobs: $got; log: $(grep -Ei '(FAIL|error)' "$1" | head -n 5)"; fi
}

dotenv_ok() { /usr/bin/python3 - "$1" <<'PY'
import re, sys
b = open(sys.argv[1], "rb").read()
assert len(b) < 5120 and not b.startswith(b"\xef\xbb\xbf") and b.endswith(b"\n")
lines = b.decode().split("\n")[:-1]
assert 0 < len(lines) <= 20, len(lines)
for l in lines:
    assert re.fullmatch(r"[A-Za-z0-9_]{1,255}=[A-Za-z0-9._:/@+-]*", l), l
PY
}

# ---- the component: validate, search on 2 runners, select, evaluate,
# gate, package, deploy ----
SEARCH_IN='      search: |
        C=0.01..100:log
      search_method: random
      trials: 6
      runners: 2'
component() { # NAME VERSION REGISTRY: an include of the component
	printf 'include:\n  - local: templates/mlci/template.yml\n    inputs:\n'
	printf '      train_data: data/train.csv\n      test_data: data/test.csv\n      label: diagnosis\n'
	printf '%s\n' "$SEARCH_IN"
	printf '      package_name: %s\n      version: "%s"\n      registry: dir://%s\n' "$1" "$2" "$3"
}
ALLJOBS="mlci-validate=PASS mlci-search:[1/2]=PASS mlci-search:[2/2]=PASS mlci-train=PASS mlci-evaluate=PASS mlci-gate=PASS mlci-package=PASS mlci-deploy=PASS"

fixture "$T/comp" "$(component bc 1.0.0 "$T/registry")"
check "the component fixture is a repository with an origin" test -d "$T/comp/.git"
glci "$T/comp" "$T/comp.log" --list
if grep -q 'mlci-search: \[2/2\]' "$T/comp.log" && grep -q 'mlci-gate .*\[3\]' "$T/comp.log"; then
	ok "component: the job list has the fan-out and the gate allows exit 3"
else not_ok "component: the job list has the fan-out and the gate allows exit 3" "$(head -n 20 "$T/comp.log")"; fi
glci "$T/comp" "$T/comp.log"
jobs_are "$T/comp.log" "$ALLJOBS" "component: every job passes, in order"
A=$T/comp/.gitlab-ci-local/artifacts
tr=$(cd "$A" && find . -path '*/mlci-out/trials/trials-*.json' | sed 's,.*/,,' | sort | tr '\n' ' ')
if [ "$tr" = "trials-1.json trials-2.json " ]; then ok "component: each runner kept its own trials file"
else not_ok "component: each runner kept its own trials file" "$tr"; fi
# the reduce job's model is the one an unsharded search picks
"$BIN/mlci-train" --data "$T/comp/data/train.csv" --label diagnosis --model logistic \
	--search 'C=0.01..100:log' --search-method random --trials 6 --out "$T/unsharded.json" >/dev/null 2>&1
json_is "$A/mlci-train/mlci-out/model.json" \
	'(j["model"] == json.load(open("'"$T/unsharded.json"'"))["model"], j["search"]["best"] == json.load(open("'"$T/unsharded.json"'"))["search"]["best"], len(j["search"]["results"]))' \
	"(True, True, 6)" "component: select over 2 runners gives the unsharded search's model, 6 trials"
check "component: validate's JUnit is valid (Ant)" xmllint --noout --schema "$XSD/junit-ant.xsd" "$A/mlci-validate/mlci-out/data-junit.xml"
check "component: gate's JUnit is valid (Jenkins xunit)" xmllint --noout --schema "$XSD/junit-jenkins-xunit.xsd" "$A/mlci-gate/mlci-out/gate-junit.xml"
json_is "$A/mlci-validate/mlci-out/data-codequality.json" \
	'isinstance(j, list) and all({"description", "check_name", "fingerprint", "severity", "location"} <= set(f) for f in j)' \
	"True" "component: the Code Quality report is a list of findings"
out=$(promtool check metrics <"$A/mlci-gate/mlci-out/metrics.txt" 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then ok "component: the metrics report passes promtool"; else not_ok "component: the metrics report passes promtool" "$out"; fi
check "component: the dotenv report is valid for GitLab" dotenv_ok "$A/mlci-gate/mlci-out/gate.env"
check "component: the gate's dotenv reached the package job" \
	grep -qx 'MLCI_GATE_VERDICT=pass' "$T/comp/.gitlab-ci-local/builds/mlci-package/.gitlab-ci-reports/dotenv/mlci-out/gate.env"
json_is "$A/mlci-gate/mlci-out/gate.json" 'j["verdict"], j["counts"]["rules"]' "('pass', 2)" "component: the gate ran the repository's rules"
json_is "$A/mlci-deploy/mlci-out/deploy.json" '[i["sha256"] for i in j["inputs"] if i["role"] == "package"][0]' \
	"$(sha256sum "$A/mlci-package/mlci-out/dist/package.json" | cut -d' ' -f1)" "component: deploy.json records the package job's package.json"
json_is "$A/mlci-package/mlci-out/dist/package.json" 'j["archive"]["sha256"]' \
	"$(sha256sum "$T/registry/bc/1.0.0/bc-1.0.0.tar.gz" | cut -d' ' -f1)" "component: the registry holds the package job's archive, byte for byte"
json_is "$T/registry/bc/channels/staging.json" 'j["version"]' "1.0.0" "component: the registry's staging channel points at 1.0.0"
expect_exit 0 "component: the deployed package verifies" "$BIN/mlci-package" --verify "$T/registry/bc/1.0.0/bc-1.0.0.tar.gz"
mkdir -p "$T/x" && tar -xzf "$T/registry/bc/1.0.0/bc-1.0.0.tar.gz" -C "$T/x" 2>/dev/null
check "component: the deployed package carries the reduce job's model" \
	cmp "$T/x/bc-1.0.0/model.json" "$A/mlci-train/mlci-out/model.json"
check "component: nothing written into the repository" test -z "$(cd "$T/comp" && git status --porcelain --untracked-files=all -- . ':!.gitlab-ci-local')"

# ---- an inconclusive gate (a rule over a baseline nobody recorded yet):
# exit 3 is allowed, a warning, but mlci-package refuses to package an
# unproven model, so nothing is deployed ----
fixture "$T/inc" "$(component bc 2.0.0 "$T/registry-inc")"
glci "$T/inc" "$T/inc.log" --variable MLCI_GATE_BASELINE=git:origin/main \
	--variable "MLCI_GATE_RULE=accuracy >= baseline - 0.01"
jobs_are "$T/inc.log" "mlci-validate=PASS mlci-search:[1/2]=PASS mlci-search:[2/2]=PASS mlci-train=PASS mlci-evaluate=PASS mlci-gate=WARN mlci-package=FAIL" \
	"inconclusive gate: a warning; the package job refuses it"
json_is "$T/inc/.gitlab-ci-local/artifacts/mlci-gate/mlci-out/gate.json" 'j["verdict"], j["counts"]["rules"]' "('inconclusive', 3)" \
	"inconclusive gate: gate.json says so, over the file's rules and the variable's"
check "inconclusive gate: nothing deployed" test ! -e "$T/registry-inc"
# ---- a failing gate fails the pipeline; nothing is deployed. (GitLab
# does not start the package job after a failed gate; gitlab-ci-local
# 4.75.1 does, with allow_failure: exit_codes on the gate, and then
# mlci-package refuses the failed gate itself.) ----
fixture "$T/fail" "$(component bc 3.0.0 "$T/registry-fail")"
(cd "$T/fail" && printf 'accuracy >= 0.999\n' >gate.rules &&
	git -c user.name=fixture -c user.email=fixture@example.com commit -qam 'a stricter gate')
glci "$T/fail" "$T/fail.log"
jobs_are "$T/fail.log" "mlci-validate=PASS mlci-search:[1/2]=PASS mlci-search:[2/2]=PASS mlci-train=PASS mlci-evaluate=PASS mlci-gate=FAIL mlci-package=FAIL" \
	"failing gate: the gate job fails, nothing is packaged"
json_is "$T/fail/.gitlab-ci-local/artifacts/mlci-gate/mlci-out/gate.json" 'j["verdict"]' "fail" "failing gate: its artifacts are kept (when: always)"
check "failing gate: nothing deployed" test ! -e "$T/registry-fail"

# ---- a merge request pipeline from a branch, without a search: one
# fit, no search jobs, no deploy; a plain branch pipeline runs nothing ----
fixture "$T/mr" "include:
  - local: templates/mlci/template.yml
    inputs:
      label: diagnosis
      package_name: bc
      registry: dir://$T/registry-mr"
(cd "$T/mr" && git checkout -q -b feature)
glci "$T/mr" "$T/mr.log" --variable CI_PIPELINE_SOURCE=merge_request_event
jobs_are "$T/mr.log" "mlci-validate=PASS mlci-train=PASS mlci-evaluate=PASS mlci-gate=PASS mlci-package=PASS" \
	"merge request pipeline without a search: no fan-out, no deploy"
json_is "$T/mr/.gitlab-ci-local/artifacts/mlci-train/mlci-out/model.json" '"search" in j' "False" "... the model is one fit"
check "... nothing deployed" test ! -e "$T/registry-mr"
glci "$T/mr" "$T/branch.log"
jobs_are "$T/branch.log" "" "a branch pipeline (no merge request) runs no mlci job"

# ---- the include templates, with the search template on 4 runners ----
fixture "$T/inc-tpl" "include:
  - local: templates/gitlab/mlci.gitlab-ci.yml
  - local: templates/gitlab/mlci-search.gitlab-ci.yml
variables:
  MLCI_LABEL: diagnosis
  MLCI_ALGORITHM: logistic
  MLCI_TRAIN_SEARCH: C=0.01..100:log
  MLCI_TRAIN_TRIALS: \"8\"
  MLCI_PACKAGE_NAME: bc-include
  MLCI_REGISTRY_URL: dir://$T/registry-include"
glci "$T/inc-tpl" "$T/inc-tpl.log"
jobs_are "$T/inc-tpl.log" "mlci-validate=PASS mlci-train=PASS mlci-search:[1/4]=PASS mlci-search:[2/4]=PASS mlci-search:[3/4]=PASS mlci-search:[4/4]=PASS mlci-evaluate=PASS mlci-gate=PASS mlci-package=PASS mlci-deploy=PASS" \
	"include templates: every job passes (no record job without a push token)"
json_is "$T/inc-tpl/.gitlab-ci-local/artifacts/mlci-train/mlci-out/model.json" 'len(j["search"]["results"])' "8" \
	"include templates: the reduce job selected over all 8 trials"
ver=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$T/registry-include/bc-include/channels/staging.json" 2>/dev/null)
expect_exit 0 "include templates: the deployed package verifies" "$BIN/mlci-package" --verify \
	"$T/registry-include/bc-include/$ver/bc-include-$ver.tar.gz"
