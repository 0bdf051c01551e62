# Secrets are never printed, logged or written: plant a token in every
# variable a CI system keeps credentials in, in the git remote, and in the
# registry URLs a user might type, run the whole pipeline with every
# output (and failing runs that print errors), then grep every file and
# every captured stdout/stderr for the token.
export SOURCE_DATE_EPOCH=1700000000
TOKEN="plnt$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export CI=true GITLAB_CI=true CI_JOB_TOKEN=$TOKEN GITLAB_TOKEN=$TOKEN \
	CI_REGISTRY_PASSWORD=$TOKEN CI_DEPLOY_PASSWORD=$TOKEN MLCI_TOKEN=$TOKEN \
	MLCI_DEPLOY_TOKEN=$TOKEN MLCI_GITLAB_TOKEN=$TOKEN AWS_SECRET_ACCESS_KEY=$TOKEN AWS_SESSION_TOKEN=$TOKEN \
	GITHUB_TOKEN=$TOKEN JENKINS_API_TOKEN=$TOKEN \
	CI_REPOSITORY_URL="https://gitlab-ci-token:$TOKEN@gitlab.example.com/ml/adult.git"
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
R=(--columns "$COLS" --trim)
LOG=$T/logs; mkdir -p "$LOG"
n=0
# run NAME CMD...: run CMD in the repository, keeping its stdout and stderr
run() {
	n=$((n + 1)); name=$1; shift
	( cd "$T/repo" && "$@" ) >"$LOG/$n.out" 2>"$LOG/$n.err"
	echo "$?" >"$LOG/$n.rc"
}

# a repository whose remote carries the token (as a CI checkout's does)
mkdir -p repo && cd repo || exit 1
git init -q . && git config user.email ci@example.com && git config user.name ci
git remote add origin "https://oauth2:$TOKEN@gitlab.example.com/ml/adult.git"
cp "$DATA/adult.data.csv" "$DATA/adult.test.csv" "$TOP/templates/gate.rules" .
git add . && git commit -qm data
cd "$T" || exit 1

run validate "$BIN/mlci-validate-data" --data adult.data.csv "${R[@]}" --label income \
	--infer-schema schema.json --out data-report.json
run validate-json "$BIN/mlci-validate-data" --data adult.test.csv --skip-rows 1 "${R[@]}" \
	--label income --label-suffix . --schema schema.json --out test-report.json --json
run train "$BIN/mlci-train" --data adult.data.csv "${R[@]}" --label income --model logistic --out model.json
run evaluate "$BIN/mlci-evaluate" --model model.json --data adult.test.csv --skip-rows 1 "${R[@]}" \
	--label-suffix . --out metrics.json --predictions predictions.csv
run gate "$BIN/mlci-gate" --metrics metrics.json --rules gate.rules --out gate.json \
	--junit junit.xml --markdown gate.md --openmetrics metrics.txt --dotenv gate.env
run package "$BIN/mlci-package" --model model.json --metrics metrics.json --gate gate.json \
	--data-report data-report.json --schema schema.json --name adult --version 1.0.0 --out-dir dist
run deploy "$BIN/mlci-deploy" --package dist/adult-1.0.0.tar.gz --to "dir://$T/registry" \
	--channel staging --out deploy.json
# credentials typed into registry URLs, and runs that fail (the https one
# on a loopback port nothing listens on: refused, no retry, 75)
DEAD=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
run deploy-https env -u https_proxy -u HTTPS_PROXY -u all_proxy -u ALL_PROXY "$BIN/mlci-deploy" \
	--package dist/adult-1.0.0.tar.gz --retries 0 \
	--to "https://deploy:$TOKEN@127.0.0.1:$DEAD/models" --out d2.json
run deploy-user "$BIN/mlci-deploy" --package dist/adult-1.0.0.tar.gz \
	--to "https://$TOKEN@registry.example.com/models?private_token=$TOKEN" --out d3.json
run deploy-query "$BIN/mlci-deploy" --package dist/adult-1.0.0.tar.gz \
	--to "dir://$T/registry2?token=$TOKEN" --channel production --out d4.json
run deploy-unknown "$BIN/mlci-deploy" --package dist/adult-1.0.0.tar.gz \
	--to "sftp://ci:$TOKEN@host/x" --out d5.json
run deploy-relative "$BIN/mlci-deploy" --package dist/adult-1.0.0.tar.gz \
	--to "dir://ci:$TOKEN@relative/x" --out d6.json
run gate-env "$BIN/mlci-gate" --metrics metrics.json --rule 'accuracy >= 0.99' --out g2.json --junit j2.xml

rc_of() { cat "$LOG/$1.rc"; }
[ "$(rc_of 1)$(rc_of 3)$(rc_of 4)$(rc_of 5)$(rc_of 6)$(rc_of 7)" = 000000 ] \
	&& ok "the pipeline ran (validate, train, evaluate, gate, package, deploy)" \
	|| not_ok "the pipeline ran" "exit codes: $(cat "$LOG"/*.rc | tr '\n' ' ')"
[ "$(rc_of 8)$(rc_of 9)$(rc_of 10)$(rc_of 11)$(rc_of 12)$(rc_of 13)" = 75646464641 ] \
	&& ok "the unreachable registry failed (75), the bad URLs (64), the failing gate (1)" \
	|| not_ok "the bad registry URLs failed" "$(for i in $(seq 1 "$n"); do printf '%s ' "$(rc_of "$i")"; done)"
grep -q "deploy:\*\*\*@127.0.0.1:$DEAD" "$LOG/8.err" && ok "the URL in the message keeps its host, not its password" \
	|| not_ok "the URL in the message keeps its host, not its password" "$(cat "$LOG/8.err")"
json_is repo/deploy.json 'j["kind"], j["git"]["dirty"] is not None' "('mlci.deploy', True)" "deploy.json written, with the git provenance"

# every file the steps wrote, every stdout and stderr: no token
files=$(cd "$T" && find repo -path repo/.git -prune -o -type f -print | grep -v '^repo/adult\.\(data\|test\)\.csv$\|^repo/gate\.rules$'; find logs registry registry2 -type f 2>/dev/null)
count=$(echo "$files" | wc -l)
[ "$count" -gt 20 ] && ok "outputs to search: $count files" || not_ok "outputs to search" "only $count files"
# the package's members too
mkdir -p unpacked && tar -xzf repo/dist/adult-1.0.0.tar.gz -C unpacked 2>/dev/null
found=$(cd "$T" && grep -rl -- "$TOKEN" $files unpacked 2>/dev/null)
[ -z "$found" ] && ok "the planted token appears in no output, log or package member" \
	|| not_ok "the planted token appears in no output, log or package member" "found in: $found"
# and it is really there to be found (the test can see it where it was planted)
grep -q -- "$TOKEN" repo/.git/config && ok "the token was planted (git remote)" || not_ok "the token was planted"
