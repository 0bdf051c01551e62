# mlci-package: a failed gate is refused (exit 1) unless
# --allow-failed-gate, which the manifest records.
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" fx --verdict fail
mkdir dist
args=(--model fx/model.json --metrics fx/metrics.json --gate fx/gate.json --name demo --version 1 --out-dir dist)

expect_exit 1 "failed gate refused" "$BIN/mlci-package" "${args[@]}"
err_is "^mlci-package: fx/gate\.json: gate verdict is 'fail': refusing to package \(--allow-failed-gate overrides\)$" "one line naming the gate"
check "nothing written" sh -c '[ -z "$(ls -A dist)" ]'

expect_exit 0 "allowed with --allow-failed-gate" "$BIN/mlci-package" "${args[@]}" --allow-failed-gate
check "summary says so" grep -q 'failed gate allowed' "$T/out"
err_is "warning: packaged despite gate verdict 'fail'" "a warning on stderr"
json_is dist/package.json 'j["manifest"]["lineage"]["gate_verdict"], j["manifest"]["lineage"]["allow_failed_gate"]' "('fail', True)" "manifest records the override"
mkdir x && tar xzf dist/demo-1.tar.gz -C x
json_is x/demo-1/manifest.json 'j["lineage"]["allow_failed_gate"]' "True" "the manifest inside the tarball too"

rm -f dist/*
expect_exit 0 "MLCI_ALLOW_FAILED_GATE=1 works too" env MLCI_ALLOW_FAILED_GATE=1 "$BIN/mlci-package" "${args[@]}"
rm -f dist/*
expect_exit 1 "MLCI_ALLOW_FAILED_GATE=0 does not" env MLCI_ALLOW_FAILED_GATE=0 "$BIN/mlci-package" "${args[@]}"

/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" inc --verdict inconclusive
expect_exit 1 "an inconclusive gate is not a pass" "$BIN/mlci-package" --model inc/model.json --metrics inc/metrics.json --gate inc/gate.json --name demo --version 1 --out-dir dist
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" incp --verdict inconclusive --decision pass
expect_exit 0 "an inconclusive gate its decision passed (--inconclusive pass) is packaged" "$BIN/mlci-package" \
	--model incp/model.json --metrics incp/metrics.json --gate incp/gate.json --name demo --version 1 --out-dir dist-incp
json_is dist-incp/package.json 'j["manifest"]["lineage"]["gate_verdict"], j["manifest"]["lineage"]["allow_failed_gate"]' "('inconclusive', False)" "the manifest keeps the verdict, no override"
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" incf --verdict inconclusive --decision inconclusive
expect_exit 1 "an inconclusive decision is still refused" "$BIN/mlci-package" --model incf/model.json --metrics incf/metrics.json --gate incf/gate.json --name demo --version 1 --out-dir dist
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" weird --verdict maybe
expect_exit 65 "an unknown verdict is malformed input" "$BIN/mlci-package" --model weird/model.json --metrics weird/metrics.json --gate weird/gate.json --name demo --version 1 --out-dir dist --allow-failed-gate
err_is "weird/gate\.json: unknown gate verdict 'maybe'" "verdict named"

/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" ok
expect_exit 0 "a passing gate with the flag" "$BIN/mlci-package" --model ok/model.json --metrics ok/metrics.json --gate ok/gate.json --name demo --version 1 --out-dir dist --allow-failed-gate
json_is dist/package.json 'j["manifest"]["lineage"]["allow_failed_gate"]' "False" "no override recorded when none was needed"
