# mlci-package: a broken chain of hashes or an artifact of the wrong kind
# is refused (65) with one line naming both files, and nothing is written.
FX="$TOP/tests/steps/package_fixtures.py"
/usr/bin/python3 "$FX" fx
/usr/bin/python3 "$FX" other --seed 1
/usr/bin/python3 "$FX" bm --break metrics
/usr/bin/python3 "$FX" bg --break gate
/usr/bin/python3 "$FX" bd --break data-report
mkdir dist
P="$BIN/mlci-package"
none_written() { check "$1: nothing written" sh -c '[ -z "$(ls -A dist)" ]'; }

expect_exit 65 "metrics evaluated on another model" "$P" --model other/model.json --metrics fx/metrics.json --name d --version 1 --out-dir dist
err_is '^mlci-package: fx/metrics\.json: lineage: records model sha256 [0-9a-f]{12}\.\.\., but other/model\.json has [0-9a-f]{12}' "message names metrics.json and model.json"
none_written "other model"
expect_exit 65 "metrics recording a wrong model sha256" "$P" --model bm/model.json --metrics bm/metrics.json --name d --version 1 --out-dir dist
err_is 'bm/metrics\.json: lineage: .*bm/model\.json' "names both files"
expect_exit 65 "gate judged on other metrics" "$P" --model bg/model.json --metrics bg/metrics.json --gate bg/gate.json --name d --version 1 --out-dir dist
err_is '^mlci-package: bg/gate\.json: lineage: records metrics sha256 .* but bg/metrics\.json has' "names gate.json and metrics.json"
none_written "gate"
expect_exit 65 "gate from one run, metrics from another" "$P" --model other/model.json --metrics other/metrics.json --gate fx/gate.json --name d --version 1 --out-dir dist
err_is 'fx/gate\.json: lineage: .*other/metrics\.json' "names both files"
expect_exit 65 "data report on other data" "$P" --model bd/model.json --data-report bd/data-report.json --name d --version 1 --out-dir dist
err_is '^mlci-package: bd/data-report\.json: lineage: records data sha256 .* but the training data of bd/model\.json has' "names data-report.json and model.json"
none_written "data report"
expect_exit 0 "a consistent chain passes" "$P" --model fx/model.json --metrics fx/metrics.json --gate fx/gate.json --data-report fx/data-report.json --schema fx/schema.json --name d --version 1 --out-dir dist

rm -f dist/*
expect_exit 65 "a metrics file given as --model" "$P" --model fx/metrics.json --name d --version 1 --out-dir dist
err_is "^mlci-package: fx/metrics\.json: expected an artifact of kind 'mlci\.model', found 'mlci\.metrics'" "wrong kind named"
expect_exit 65 "a gate given as --metrics" "$P" --model fx/model.json --metrics fx/gate.json --name d --version 1 --out-dir dist
err_is "fx/gate\.json: expected an artifact of kind 'mlci\.metrics'" "wrong kind named"
expect_exit 65 "a model given as --data-report" "$P" --model fx/model.json --data-report fx/model.json --name d --version 1 --out-dir dist
expect_exit 65 "a model given as --schema" "$P" --model fx/model.json --schema fx/model.json --name d --version 1 --out-dir dist
sed 's/"schema_version": 1/"schema_version": 99/' fx/model.json >v99.json
expect_exit 65 "a model schema_version this build does not know" "$P" --model v99.json --name d --version 1 --out-dir dist
err_is 'v99\.json: mlci\.model schema_version 99 is not supported' "version named"
printf '{"kind": "mlci.model",\n  "schema_version": 1,,\n}\n' >bad.json
expect_exit 65 "invalid JSON" "$P" --model bad.json --name d --version 1 --out-dir dist
err_is '^mlci-package: bad\.json:2:[0-9]+: invalid JSON' "line and column given"
none_written "wrong kinds"
