# mlci-package and mlci-deploy on real artifacts: breast_cancer through
# mlci-validate-data, mlci-train, mlci-evaluate and mlci-gate.
need() { for s in "$@"; do [ -x "$BIN/mlci-$s" ] || { not_ok "mlci-$s is built"; return 1; }; done; }
if need validate-data train evaluate gate; then
export SOURCE_DATE_EPOCH=1700000000
D=$DATA/breast_cancer.csv
"$BIN/mlci-validate-data" --data "$D" --label diagnosis --out data-report.json >/dev/null
"$BIN/mlci-train" --data "$D" --label diagnosis --model logistic --out model.json >/dev/null
"$BIN/mlci-train" --data "$D" --label diagnosis --model logistic --param C=0.1 --out model-b.json >/dev/null
"$BIN/mlci-evaluate" --model model.json --data "$D" --out metrics.json >/dev/null
"$BIN/mlci-evaluate" --model model-b.json --data "$D" --out metrics-b.json >/dev/null
"$BIN/mlci-gate" --metrics metrics.json --rule 'accuracy >= 0.5' --out gate.json >/dev/null
"$BIN/mlci-gate" --metrics metrics.json --rule 'accuracy >= 1.01' --out gate-fail.json >/dev/null
check "the upstream steps wrote their artifacts" test -s data-report.json -a -s model.json \
	-a -s metrics.json -a -s metrics-b.json -a -s gate.json -a -s gate-fail.json
all=(--model model.json --metrics metrics.json --gate gate.json --data-report data-report.json)

expect_exit 0 "package real artifacts" "$BIN/mlci-package" "${all[@]}" --name bc --version 1.0 --out-dir d1
expect_exit 0 "and again" "$BIN/mlci-package" "${all[@]}" --name bc --version 1.0 --out-dir d2
check "byte-identical with SOURCE_DATE_EPOCH" cmp d1/bc-1.0.tar.gz d2/bc-1.0.tar.gz
check "tar tzf lists the seven files (four artifacts, card, manifest, provenance)" \
	sh -c '[ "$(tar tzf d1/bc-1.0.tar.gz | grep -c "[^/]$")" = 7 ]'
expect_exit 0 "--verify the real package" "$BIN/mlci-package" --verify d1/bc-1.0.tar.gz
check "the card shows the real metrics" sh -c 'tar xzf d1/bc-1.0.tar.gz -O bc-1.0/MODEL_CARD.md | grep -Eq "^\| accuracy \| 0\.[0-9]+ \|"'
check "package.json and the manifest validate against their schemas" sh -c \
	'mkdir x && tar xzf d1/bc-1.0.tar.gz -C x && /usr/bin/python3 "$TOP/tests/check_schema.py" d1/package.json x/bc-1.0/manifest.json'
json_is d1/package.json 'j["manifest"]["lineage"]["data_sha256"]' "$(sha256sum "$D" | cut -d' ' -f1)" "lineage starts at the CSV"

expect_exit 65 "metrics of another model" "$BIN/mlci-package" --model model.json --metrics metrics-b.json --name bc --version 1.0 --out-dir d3
err_is '^mlci-package: metrics-b\.json: lineage: records model sha256 .* but model\.json has' "names both files"
expect_exit 65 "gate on other metrics" "$BIN/mlci-package" --model model-b.json --metrics metrics-b.json --gate gate.json --name bc --version 1.0 --out-dir d3
err_is '^mlci-package: gate\.json: lineage: .* but metrics-b\.json has' "names both files"
check "nothing written for them" test ! -e d3
expect_exit 1 "a real failed gate is refused" "$BIN/mlci-package" --model model.json --metrics metrics.json --gate gate-fail.json --name bc --version 1.0 --out-dir d3
expect_exit 0 "... unless allowed" "$BIN/mlci-package" --model model.json --metrics metrics.json --gate gate-fail.json --name bc --version 1.0-rc --out-dir d3 --allow-failed-gate

expect_exit 0 "deploy" "$BIN/mlci-deploy" --package d1/bc-1.0.tar.gz --to "dir://$T/reg" --channel prod --out deploy.json
expect_exit 0 "deploy the allowed failed-gate package elsewhere" "$BIN/mlci-deploy" --package d3/package.json --to "dir://$T/reg" --channel canary --out deploy-rc.json
expect_exit 0 "redeploy is a no-op" "$BIN/mlci-deploy" --package d2/bc-1.0.tar.gz --to "dir://$T/reg" --channel prod --out deploy2.json
json_is deploy2.json 'j["action"]' "unchanged" "unchanged"
check "deploy.json validates against its schema" /usr/bin/python3 "$TOP/tests/check_schema.py" deploy.json deploy2.json "$T/reg/bc/channels/prod.json"
fi
