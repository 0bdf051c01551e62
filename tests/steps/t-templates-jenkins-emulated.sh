# The Jenkins templates, emulated: no Jenkins server runs here, so
# tests/jenkins/emulate.groovy (Debian's groovy) parses the Jenkinsfile and
# the shared library's vars/*.groovy and runs the declarative pipeline's sh
# steps for real, in order, against a fixture repository, tracking each
# stage's result as Jenkins would. Checked: the steps run in the
# Jenkinsfile's order, a passing pipeline deploys, exit 3 marks the gate
# stage UNSTABLE, a failing gate is a FAILURE that skips what follows, exit
# 75 is retried, and the library steps map codes the same way.

EMU=$TOP/tests/jenkins/emulate.groovy
JT=$TOP/templates/jenkins
if ! command -v groovy >/dev/null; then
	not_ok "groovy is installed (ci/install-deps)"
	return 0 2>/dev/null || exit 0
fi

# fixture DIR JENKINSFILE: a checkout holding breast_cancer split 3:1 into
# data/train.csv and data/test.csv, a gate.rules and JENKINSFILE with its
# environment block set for that data, pushed to a bare origin
fixture() {
	rm -rf "$1" "$1.origin"
	git init -q --bare "$1.origin"
	mkdir -p "$1/data" && (cd "$1" && git init -q -b main &&
		head -n 1 "$DATA/breast_cancer.csv" >data/train.csv &&
		head -n 1 "$DATA/breast_cancer.csv" >data/test.csv &&
		tail -n +2 "$DATA/breast_cancer.csv" | awk 'NR % 4 != 0' >>data/train.csv &&
		tail -n +2 "$DATA/breast_cancer.csv" | awk 'NR % 4 == 0' >>data/test.csv &&
		printf 'accuracy >= 0.90\nroc_auc >= 0.95\n' >gate.rules &&
		sed -e "s/MLCI_LABEL = 'label'/MLCI_LABEL = 'diagnosis'/" \
			-e "s/MLCI_PACKAGE_NAME = 'model'/MLCI_PACKAGE_NAME = 'bc'/" \
			-e "s,dir:///srv/mlci-registry,dir://$1.registry," "$2" >Jenkinsfile &&
		git add -A && git -c user.name=fixture -c user.email=fixture@example.com commit -qm fixture &&
		git remote add origin "$1.origin" && git push -q origin main)
}

# the emulator, compiled once (it then starts in half the time) and run
# with groovy's own jars
expect_exit 0 "the emulator compiles (groovyc)" groovyc -d "$T/emu" "$EMU"
GLIB=$(dirname "$(readlink -f "$(command -v groovy)")")/../lib
if [ -f "$T/emu/emulate.class" ] && ls "$GLIB"/groovy-*.jar >/dev/null 2>&1; then
	RUN_EMU="java -cp $GLIB/*:$T/emu emulate"
else
	RUN_EMU="groovy $EMU"
fi

# emulate DIR LOG [VARS] [ENV...]: run DIR's Jenkinsfile
emulate() {
	d=$1; log=$2; vars=$3; shift 3
	(cd "$d" && env PATH="$T/shim:$BIN:$PATH" GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com \
		GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com SOURCE_DATE_EPOCH=1700000000 "$@" \
		$RUN_EMU Jenkinsfile $vars) >"$log" 2>&1
	echo $? >"$log.rc"
}
# results LOG: "stage=RESULT ... build=RESULT"
results() { sed -nE 's/^\[result\] (stage )?([^:]+): ([A-Z]+).*/\2=\3/p' "$1" | tr '\n' ' ' | sed 's/ $//'; }
results_are() {
	got=$(results "$1")
	if [ "$got" = "$2" ]; then ok "$3"; else not_ok "$3" "got: $got; $(grep -E '^(ERROR|emulate)' "$1" | head -n 3)"; fi
}
mkdir -p "$T/shim"

# ---- the Jenkinsfile on main: every stage, deployed ----
fixture "$T/pass" "$JT/Jenkinsfile"
emulate "$T/pass" "$T/pass.log" "" BRANCH_NAME=main BUILD_NUMBER=7
results_are "$T/pass.log" "validate=SUCCESS train=SUCCESS evaluate=SUCCESS gate=SUCCESS record=SUCCESS package=SUCCESS deploy=SUCCESS build=SUCCESS" \
	"Jenkinsfile on main: every stage succeeds"
check "... the emulator exits 0" grep -qx 0 "$T/pass.log.rc"
# the sh steps ran in the Jenkinsfile's order: the first word of each
got=$(sed -nE 's/^\[sh\] [a-z]+: ([^ ]+).*/\1/p' "$T/pass.log" | tr '\n' ' ')
if [ "$got" = "mkdir mlci-validate-data mlci-train mlci-evaluate mlci-gate for mlci-package mlci-package mlci-deploy " ]; then
	ok "Jenkinsfile: the sh steps run in order"; else not_ok "Jenkinsfile: the sh steps run in order" "$got"; fi
check "Jenkinsfile: the JUnit reports were published (validate, gate)" test "$(grep -c '^\[junit\] 1 file(s), [1-9][0-9]* tests, 0 failed' "$T/pass.log")" -eq 2
check "Jenkinsfile: the record stage pushed the metrics note to origin" git --git-dir "$T/pass.origin" rev-parse -q --verify refs/notes/mlci
json_is "$T/pass.registry/bc/channels/staging.json" 'j["version"]' "7" "Jenkinsfile: BUILD_NUMBER 7 deployed to the staging channel"
expect_exit 0 "Jenkinsfile: the deployed package verifies" "$BIN/mlci-package" --verify "$T/pass.registry/bc/7/bc-7.tar.gz"
check "Jenkinsfile: the artifacts were archived" grep -q '^\[archive\] [1-9][0-9]* file(s)' "$T/pass.log"

# ---- a branch build whose gate is inconclusive (a rule over a baseline
# nothing recorded): exit 3 makes the gate stage UNSTABLE; mlci-package
# refuses the unproven model; record and deploy are main-only ----
fixture "$T/inc" "$JT/Jenkinsfile"
emulate "$T/inc" "$T/inc.log" "" BRANCH_NAME=feature MLCI_GATE_BASELINE=git:origin/main \
	"MLCI_GATE_RULE=accuracy >= baseline - 0.01"
results_are "$T/inc.log" "validate=SUCCESS train=SUCCESS evaluate=SUCCESS gate=UNSTABLE record=SKIPPED package=FAILURE deploy=SKIPPED build=FAILURE" \
	"inconclusive gate: exit 3 makes the gate stage UNSTABLE"
check "... with mlci-gate's inconclusive verdict logged" grep -q 'mlci-gate: inconclusive (exit 3)' "$T/inc.log"
json_is "$T/inc/mlci-out/gate.json" 'j["verdict"]' "inconclusive" "inconclusive gate: gate.json says so"

# ---- a failing gate: FAILURE, the JUnit report shows the failed rule,
# the stages after it are skipped, nothing deployed ----
fixture "$T/fail" "$JT/Jenkinsfile"
(cd "$T/fail" && printf 'accuracy >= 0.999\n' >gate.rules)
emulate "$T/fail" "$T/fail.log" "" BRANCH_NAME=main
results_are "$T/fail.log" "validate=SUCCESS train=SUCCESS evaluate=SUCCESS gate=FAILURE record=SKIPPED package=SKIPPED deploy=SKIPPED build=FAILURE" \
	"failing gate: FAILURE, later stages skipped"
check "failing gate: the JUnit report shows one failed rule" grep -q '^\[junit\] 1 file(s), 1 tests, 1 failed' "$T/fail.log"
check "failing gate: the emulator exits 1" grep -qx 1 "$T/fail.log.rc"
check "failing gate: nothing deployed" test ! -e "$T/fail.registry"

# ---- exit 75 is retried: a registry lock held once ----
cat >"$T/shim/mlci-deploy" <<EOF
#!/bin/sh
# held once: the first call is a temporary failure
if [ ! -e "$T/deploy-tried" ]; then : >"$T/deploy-tried"; echo "mlci-deploy: lock held" >&2; exit 75; fi
exec "$BIN/mlci-deploy" "\$@"
EOF
chmod +x "$T/shim/mlci-deploy"
fixture "$T/retry" "$JT/Jenkinsfile"
emulate "$T/retry" "$T/retry.log" "" BRANCH_NAME=main BUILD_NUMBER=8
results_are "$T/retry.log" "validate=SUCCESS train=SUCCESS evaluate=SUCCESS gate=SUCCESS record=SUCCESS package=SUCCESS deploy=SUCCESS build=SUCCESS" \
	"exit 75 from deploy: retried, the build succeeds"
check "... after one retry" test "$(grep -c '^\[sh\] deploy: mlci-deploy' "$T/retry.log")" -eq 2
json_is "$T/retry.registry/bc/channels/staging.json" 'j["version"]' "8" "... and 8 is deployed"
rm -f "$T/shim/mlci-deploy"

# ---- the pipeline with the shared library's steps, the training a
# search over 2 parallel branches (mlciSearch) ----
fixture "$T/lib" "$JT/Jenkinsfile-shared"
emulate "$T/lib" "$T/lib.log" "$JT/vars" BRANCH_NAME=main BUILD_NUMBER=9 MLCI_TRAIN_SEARCH='C=0.01..100:log'
results_are "$T/lib.log" "validate=SUCCESS train=SUCCESS evaluate=SUCCESS gate=SUCCESS package=SUCCESS deploy=SUCCESS build=SUCCESS" \
	"Jenkinsfile-shared on main: every stage succeeds"
check "mlciSearch: two parallel branches, each its own shard" \
	test "$(grep -cE '^\[sh\] train: mlci-train .*--shard [12]/2 --out .mlci-out/trials/trials-[12].json.$' "$T/lib.log")" -eq 2
"$BIN/mlci-train" --data "$T/lib/data/train.csv" --label diagnosis --model logistic --search 'C=0.01..100:log' \
	--trials 20 --out "$T/unsharded.json" >/dev/null 2>&1
json_is "$T/lib/mlci-out/model.json" '(j["model"] == json.load(open("'"$T/unsharded.json"'"))["model"], len(j["search"]["results"]))' \
	"(True, 20)" "mlciSearch: --select over both branches gives the unsharded search's model"
check "Jenkinsfile-shared: mlciValidate and mlciGate published their JUnit reports" \
	test "$(grep -c '^\[junit\] 1 file(s), [1-9][0-9]* tests, 0 failed' "$T/lib.log")" -eq 2
expect_exit 0 "Jenkinsfile-shared: the deployed package verifies" "$BIN/mlci-package" --verify "$T/lib.registry/bc/9/bc-9.tar.gz"
fixture "$T/libfail" "$JT/Jenkinsfile-shared"
(cd "$T/libfail" && printf 'accuracy >= 0.999\n' >gate.rules)
emulate "$T/libfail" "$T/libfail.log" "$JT/vars" BRANCH_NAME=main
results_are "$T/libfail.log" "validate=SUCCESS train=SUCCESS evaluate=SUCCESS gate=FAILURE package=SKIPPED deploy=SKIPPED build=FAILURE" \
	"Jenkinsfile-shared: mlciGate fails the build on a failed rule"

# ---- mlciRun's exit-code mapping, step by step ----
mkdir -p "$T/codes"
cat >"$T/codes/Jenkinsfile" <<'EOF'
@Library('mlci') _
pipeline {
    agent any
    stages {
        stage('ok') { steps { mlciRun 'exit 0' } }
        stage('three') { steps { script { env.RC3 = "${mlciRun('exit 3')}" } } }
        stage('flaky') { steps { mlciRun 'if [ -e tried ]; then exit 0; fi; touch tried; exit 75' } }
        stage('one') { steps { mlciRun 'exit 1' } }
        stage('after') { steps { sh 'echo never' } }
    }
    post { failure { echo 'post failure ran' } }
}
EOF
emulate "$T/codes" "$T/codes.log" "$JT/vars"
results_are "$T/codes.log" "ok=SUCCESS three=UNSTABLE flaky=SUCCESS one=FAILURE after=SKIPPED build=FAILURE" \
	"mlciRun: 0 goes on, 3 is UNSTABLE, 75 retried, 1 fails and skips the rest"
check "mlciRun: a retry after exit 75 waits retryDelay" grep -q '^\[sleep\] 10 SECONDS' "$T/codes.log"
check "mlciRun: the build's post failure block ran" grep -qx 'post failure ran' "$T/codes.log"
cat >"$T/codes/Jenkinsfile" <<'EOF'
@Library('mlci') _
pipeline {
    agent any
    stages {
        stage('stuck') { steps { mlciRun(script: 'exit 75', retries: 1, retryDelay: 2) } }
    }
}
EOF
emulate "$T/codes" "$T/codes2.log" "$JT/vars"
results_are "$T/codes2.log" "stuck=FAILURE build=FAILURE" "mlciRun: exit 75 on every try fails in the end"
check "... after 2 tries" test "$(grep -c '^\[sh\] stuck:' "$T/codes2.log")" -eq 2
printf 'pipeline {\n  agent any\n  stages {\n    stage("x") { steps { sh "true" }\n' >"$T/codes/Jenkinsfile"
emulate "$T/codes" "$T/codes3.log" "$JT/vars"
check "a Jenkinsfile that does not parse: exit 2" grep -qx 2 "$T/codes3.log.rc"
