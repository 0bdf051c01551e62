# The GitHub Actions composite action and the CircleCI config, emulated:
# neither service can run here, so tests/ci_emulate.py runs their shell
# steps for real, in order, against a fixture repository (the action in
# the checkout; each CircleCI job in a fresh clone, sharing a workspace,
# the search job once per container). Checked: the step and job results,
# the artifacts, the deployed package; a failing gate stops the pipeline;
# an inconclusive one does not package; exit 75 is retried.

PY=/usr/bin/python3
EMU=$TOP/tests/ci_emulate.py

# fixture DIR: breast_cancer split 3:1 into data/train.csv and
# data/test.csv, a gate.rules, committed on main
fixture() {
	rm -rf "$1" && mkdir -p "$1/data" && (cd "$1" && git init -q -b main &&
		head -n 1 "$DATA/breast_cancer.csv" >data/train.csv &&
		head -n 1 "$DATA/breast_cancer.csv" >data/test.csv &&
		tail -n +2 "$DATA/breast_cancer.csv" | awk 'NR % 4 != 0' >>data/train.csv &&
		tail -n +2 "$DATA/breast_cancer.csv" | awk 'NR % 4 == 0' >>data/test.csv &&
		printf 'accuracy >= 0.90\nroc_auc >= 0.95\n' >gate.rules &&
		git add -A && git -c user.name=fixture -c user.email=fixture@example.com commit -qm fixture)
}
# steps_are LOG EXPECTED WHAT: the "[step]"/"[job]" results, in order
steps_are() {
	got=$(sed -nE "s/^\[$4\] (.*): ([a-z]+).*/\1=\2/p" "$1" | tr ' ' '_' | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$2" ]; then ok "$3"; else not_ok "$3" "got: $got; $(grep -E '^(mlci-|ci_emulate)' "$1" | head -n 3)"; fi
}
mkdir -p shim
export MLCI_RETRY_DELAY=0

# ---- GitHub: the composite action ----
GH="--input label=diagnosis --input package-name=bc --input deploy=true"
fixture gh
(cd gh && PATH="$T/shim:$BIN:$PATH" $PY "$EMU" github "$TOP/templates/github/action.yml" $GH \
	--input registry="dir://$T/gh-registry" --run-number 5) >gh.log 2>&1
steps_are gh.log "validate=success train=success evaluate=success gate=success package=success deploy=success" \
	"GitHub action: every step succeeds, in order" step
check "GitHub action: it reports success" grep -qx '\[result\] success' gh.log
check "GitHub action: outputs verdict=pass and the package" grep -qx '\[output\] verdict=pass' gh.log
check "GitHub action: the gate's Markdown went to the job summary" grep -q '^\[summary\] [1-9][0-9]* bytes' gh.log
check "GitHub action: JUnit reports for the data and the gate" test -s gh/mlci-out/data-junit.xml -a -s gh/mlci-out/gate-junit.xml
json_is "$T/gh-registry/bc/channels/staging.json" 'j["version"]' "5" "GitHub action: the run number 5 deployed"
expect_exit 0 "GitHub action: the deployed package verifies" "$BIN/mlci-package" --verify "$T/gh-registry/bc/5/bc-5.tar.gz"

fixture gh-fail
(cd gh-fail && printf 'accuracy >= 0.999\n' >gate.rules &&
	PATH="$T/shim:$BIN:$PATH" $PY "$EMU" github "$TOP/templates/github/action.yml" $GH \
	--input registry="dir://$T/gh-fail-registry") >gh-fail.log 2>&1
steps_are gh-fail.log "validate=success train=success evaluate=success gate=failure package=skipped deploy=skipped" \
	"GitHub action: a failing gate fails the step, nothing after it runs" step
check "GitHub action: ... as an error annotation" grep -q '^::error title=mlci-gate::exit 1' gh-fail.log
check "GitHub action: ... and nothing deployed" test ! -e "$T/gh-fail-registry"

fixture gh-inc
(cd gh-inc && printf 'accuracy >= baseline - 0.01\n' >gate.rules && git remote add origin "$T/gh-inc" &&
	PATH="$T/shim:$BIN:$PATH" $PY "$EMU" github "$TOP/templates/github/action.yml" $GH \
	--input baseline=git:origin/main --input registry="dir://$T/gh-inc-registry") >gh-inc.log 2>&1
steps_are gh-inc.log "validate=success train=success evaluate=success gate=success package=skipped deploy=skipped" \
	"GitHub action: an inconclusive gate (no baseline recorded) warns and packages nothing" step
check "GitHub action: ... as a warning annotation" grep -q '^::warning title=mlci-gate::inconclusive' gh-inc.log
check "GitHub action: ... with verdict=inconclusive" grep -qx '\[output\] verdict=inconclusive' gh-inc.log

# exit 75 retried: a deploy whose first call finds the lock held
cat >shim/mlci-deploy <<EOF
#!/bin/sh
if [ ! -e "$T/deploy-tried" ]; then : >"$T/deploy-tried"; echo "mlci-deploy: lock held" >&2; exit 75; fi
exec "$BIN/mlci-deploy" "\$@"
EOF
chmod +x shim/mlci-deploy
fixture gh-retry
(cd gh-retry && PATH="$T/shim:$BIN:$PATH" $PY "$EMU" github "$TOP/templates/github/action.yml" $GH \
	--input registry="dir://$T/gh-retry-registry" --run-number 6) >gh-retry.log 2>&1
steps_are gh-retry.log "validate=success train=success evaluate=success gate=success package=success deploy=success" \
	"GitHub action: exit 75 from deploy is retried" step
check "GitHub action: ... once" test "$(grep -c 'mlci-deploy: exit 75 (temporary failure), trying again (1 of 2)' gh-retry.log)" -eq 1
rm -f shim/mlci-deploy "$T/deploy-tried"

# ---- CircleCI: the workflow, the search on 2 containers ----
CC="--param label=diagnosis --param runners=2 --param trials=6 --param package_name=bc"
fixture cc
PATH="$T/shim:$BIN:$PATH" $PY "$EMU" circleci "$TOP/templates/circleci/config.yml" --repo cc $CC \
	--param registry="dir://$T/cc-registry" >cc.log 2>&1
steps_are cc.log "validate=success search=success train=success evaluate-gate=success package=success deploy=success" \
	"CircleCI: every job succeeds, in workflow order" job
check "CircleCI: the search ran on both containers" test "$(grep -c '^\[step\] search \[[12]/2\] mlci-train --shard: success' cc.log)" -eq 2
check "CircleCI: the reduce job selected over 6 trials" grep -q 'selected from 6 trials' cc.log
check "CircleCI: the JUnit reports were there to store" test "$(grep -c '^\[store_test_results\] .*: found' cc.log)" -eq 2
ver=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$T/cc-registry/bc/channels/staging.json" 2>/dev/null)
expect_exit 0 "CircleCI: the deployed package ($ver) verifies" "$BIN/mlci-package" --verify "$T/cc-registry/bc/$ver/bc-$ver.tar.gz"
# the same model as one unsharded search
"$BIN/mlci-train" --data cc/data/train.csv --label diagnosis --model logistic --search 'C=0.01..100:log' \
	--trials 6 --out unsharded.json >/dev/null 2>&1
mkdir -p x && tar -xzf "$T/cc-registry/bc/$ver/bc-$ver.tar.gz" -C x
json_is "x/bc-$ver/model.json" 'j["model"] == json.load(open("unsharded.json"))["model"]' "True" \
	"CircleCI: the deployed model is the unsharded search's"

fixture cc-branch
(cd cc-branch && git checkout -q -b feature)
PATH="$T/shim:$BIN:$PATH" $PY "$EMU" circleci "$TOP/templates/circleci/config.yml" --repo cc-branch $CC \
	--branch feature --param registry="dir://$T/cc-branch-registry" >cc-branch.log 2>&1
steps_are cc-branch.log "validate=success search=success train=success evaluate-gate=success package=success deploy=skipped" \
	"CircleCI: deploy runs on main only" job

fixture cc-fail
(cd cc-fail && printf 'accuracy >= 0.999\n' >gate.rules && git -c user.name=f -c user.email=f@example.com commit -qam strict)
PATH="$T/shim:$BIN:$PATH" $PY "$EMU" circleci "$TOP/templates/circleci/config.yml" --repo cc-fail $CC \
	--param registry="dir://$T/cc-fail-registry" >cc-fail.log 2>&1
steps_are cc-fail.log "validate=success search=success train=success evaluate-gate=failure package=not deploy=not" \
	"CircleCI: a failing gate fails its job and blocks the rest" job
check "CircleCI: ... nothing deployed" test ! -e "$T/cc-fail-registry"

fixture cc-inc
(cd cc-inc && printf 'accuracy >= baseline - 0.01\n' >gate.rules && git remote add origin "$T/cc-inc" &&
	git -c user.name=f -c user.email=f@example.com commit -qam baseline)
PATH="$T/shim:$BIN:$PATH" MLCI_GATE_BASELINE=git:origin/main $PY "$EMU" circleci "$TOP/templates/circleci/config.yml" \
	--repo cc-inc $CC --param inconclusive_fails=false --param registry="dir://$T/cc-inc-registry" >cc-inc.log 2>&1
steps_are cc-inc.log "validate=success search=success train=success evaluate-gate=success package=success deploy=success" \
	"CircleCI: an inconclusive gate with inconclusive_fails false: the workflow goes on" job
check "CircleCI: ... the package job halts without packaging" grep -q '^\[step\] package mlci-package: halted' cc-inc.log
check "CircleCI: ... and nothing is deployed" test ! -e "$T/cc-inc-registry"
