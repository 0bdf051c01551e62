# mlci-package: a full package, what the tarball holds, the manifest and
# package.json. Inputs are stand-in artifacts from package_fixtures.py.
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" fx
mkdir dist
sha() { sha256sum "$1" | cut -d' ' -f1; }

expect_exit 0 "--help exits 0" "$BIN/mlci-package" --help
check "--help on stdout lists --out-dir" grep -q -- '--out-dir DIR' "$T/out"
expect_exit 0 "--version alone prints the tool's version" "$BIN/mlci-package" --version
check "version line" grep -Eq '^mlci-package [0-9]' "$T/out"

expect_exit 0 "package every artifact" "$BIN/mlci-package" --model fx/model.json \
	--metrics fx/metrics.json --gate fx/gate.json --data-report fx/data-report.json \
	--schema fx/schema.json --name demo --version 1.2.0 --out-dir dist
check "summary names the tarball" grep -q '^packaged demo 1.2.0: dist/demo-1.2.0.tar.gz (8 files' "$T/out"
check "stderr is empty" test ! -s "$T/err"
check "only the tarball, package.json and provenance.json are written" \
	sh -c '[ "$(ls -A dist | tr "\n" " ")" = "demo-1.2.0.tar.gz package.json provenance.json " ]'
tar tzf dist/demo-1.2.0.tar.gz >list 2>tar.err
check "tar tzf lists it without complaint" test ! -s tar.err
printf '%s\n' demo-1.2.0/ demo-1.2.0/MODEL_CARD.md demo-1.2.0/data-report.json \
	demo-1.2.0/gate.json demo-1.2.0/manifest.json demo-1.2.0/metrics.json \
	demo-1.2.0/model.json demo-1.2.0/provenance.json demo-1.2.0/schema.json >want
check "entries sorted, under NAME-VER/" cmp list want
mkdir x
check "GNU tar extracts it" tar xzf dist/demo-1.2.0.tar.gz -C x
for f in model metrics gate data-report schema; do
	check "$f.json is stored byte for byte" cmp fx/$f.json x/demo-1.2.0/$f.json
done

m=x/demo-1.2.0/manifest.json
json_is $m 'j["kind"], j["schema_version"], j["name"], j["version"]' "('mlci.manifest', 1, 'demo', '1.2.0')" "manifest envelope"
json_is $m '[(f["path"], f["role"]) for f in j["files"]]' "[('model.json', 'model'), ('metrics.json', 'metrics'), ('gate.json', 'gate'), ('data-report.json', 'data-report'), ('schema.json', 'schema'), ('MODEL_CARD.md', 'model-card')]" "manifest lists every file with its role"
for f in model metrics gate data-report schema; do
	json_is $m "[(f['sha256'], f['size']) for f in j['files'] if f['path'] == '$f.json'][0]" \
		"('$(sha fx/$f.json)', $(stat -c %s fx/$f.json))" "manifest sha256 and size of $f.json"
done
json_is $m 'j["lineage"]["model_sha256"]' "$(sha fx/model.json)" "lineage model_sha256"
json_is $m 'j["lineage"]["metrics_sha256"]' "$(sha fx/metrics.json)" "lineage metrics_sha256"
json_is $m 'j["lineage"]["gate_sha256"]' "$(sha fx/gate.json)" "lineage gate_sha256"
json_is $m 'j["lineage"]["data_sha256"]' "$(sha fx/data.csv)" "lineage data_sha256 is the training data's"
json_is $m 'j["lineage"]["gate_verdict"], j["lineage"]["allow_failed_gate"]' "('pass', False)" "lineage gate verdict"
json_is $m '[(i["role"], i["path"]) for i in j["inputs"]][:2]' "[('model', 'fx/model.json'), ('metrics', 'fx/metrics.json')]" "manifest inputs"

p=dist/package.json
json_is $p 'j["kind"], j["name"], j["version"]' "('mlci.package', 'demo', '1.2.0')" "package.json envelope"
json_is $p 'j["archive"]["file"]' "demo-1.2.0.tar.gz" "package.json names the archive"
json_is $p 'j["archive"]["sha256"]' "$(sha dist/demo-1.2.0.tar.gz)" "package.json archive sha256"
json_is $p 'j["archive"]["size"]' "$(stat -c %s dist/demo-1.2.0.tar.gz)" "package.json archive size"
json_is $p 'j["manifest_sha256"]' "$(sha $m)" "package.json manifest sha256"
json_is $p 'j["manifest"]["lineage"]["model_sha256"]' "$(sha fx/model.json)" "package.json carries the manifest"
json_is $p '[i["role"] for i in j["inputs"]]' "['model', 'metrics', 'gate', 'data-report', 'schema']" "package.json inputs"

mkdir only
expect_exit 0 "a model alone can be packaged" "$BIN/mlci-package" --model fx/model.json --name m --version 1 --out-dir only
check "four files: model, card, manifest and provenance" sh -c '[ "$(tar tzf only/m-1.tar.gz | grep -c "[^/]$")" = 4 ]'
json_is only/package.json 'j["manifest"]["lineage"]["gate_verdict"], j["manifest"]["lineage"]["metrics_sha256"]' "(None, None)" "no gate, no metrics in the lineage"

mkdir js
expect_exit 0 "--json" "$BIN/mlci-package" --model fx/model.json --name m --version 1 --out-dir js --json
check "--json prints package.json" cmp "$T/out" js/package.json

mkdir env
expect_exit 0 "options from MLCI_* variables" env MLCI_MODEL=fx/model.json MLCI_NAME=envpkg \
	MLCI_VERSION=3.1 MLCI_OUT_DIR=env "$BIN/mlci-package"
check "named from the environment" test -f env/envpkg-3.1.tar.gz
expect_exit 0 "a flag beats the variable" env MLCI_NAME=envpkg "$BIN/mlci-package" \
	--model fx/model.json --name flagpkg --version=2 --out-dir env
check "named from the flag" test -f env/flagpkg-2.tar.gz

check "package.json and the manifest validate against their JSON Schemas" \
	/usr/bin/python3 "$TOP/tests/check_schema.py" dist/package.json $m only/package.json
