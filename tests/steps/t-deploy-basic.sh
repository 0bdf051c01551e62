# mlci-deploy: publish to a dir:// registry, redeploy as a no-op, move a
# channel and record the previous version.
FX="$TOP/tests/steps/package_fixtures.py"
/usr/bin/python3 "$FX" v1
/usr/bin/python3 "$FX" v2 --seed 2
mkdir p1 p2
export SOURCE_DATE_EPOCH=1700000000
"$BIN/mlci-package" --model v1/model.json --metrics v1/metrics.json --gate v1/gate.json --name demo --version 1.0 --out-dir p1 >/dev/null
"$BIN/mlci-package" --model v2/model.json --metrics v2/metrics.json --gate v2/gate.json --name demo --version 2.0 --out-dir p2 >/dev/null
unset SOURCE_DATE_EPOCH
REG=$T/reg
sha() { sha256sum "$1" | cut -d' ' -f1; }
s1=$(sha p1/demo-1.0.tar.gz); s2=$(sha p2/demo-2.0.tar.gz)

expect_exit 0 "--help" "$BIN/mlci-deploy" --help
check "--help documents the layout" grep -q 'channels/CHANNEL.json' "$T/out"

expect_exit 0 "first deploy" "$BIN/mlci-deploy" --package p1/demo-1.0.tar.gz --to "dir://$REG" --channel prod --out d1.json
check "summary" grep -q "^created demo 1.0 at $REG/demo/1.0; channel prod moved$" "$T/out"
check "stored tarball is the package, byte for byte" cmp p1/demo-1.0.tar.gz "$REG/demo/1.0/demo-1.0.tar.gz"
mkdir x && tar xzf p1/demo-1.0.tar.gz -C x
check "manifest.json stored beside it" cmp x/demo-1.0/manifest.json "$REG/demo/1.0/manifest.json"
check "version files are read-only" sh -c "[ \"\$(stat -c %a '$REG/demo/1.0/demo-1.0.tar.gz')\" = 444 ]"
check "no staging directory left" sh -c "! ls -A '$REG/demo' | grep -q tmp"
json_is d1.json 'j["kind"], j["schema_version"], j["action"], j["name"], j["version"]' "('mlci.deploy', 1, 'created', 'demo', '1.0')" "deploy.json basics"
json_is d1.json 'j["target"], j["channel"], j["previous"]' "('dir://$REG', 'prod', None)" "deploy.json target, channel, no previous"
json_is d1.json 'j["sha256"]' "$s1" "deploy.json sha256 is the tarball's"
json_is d1.json '[(i["role"], i["path"], i["sha256"]) for i in j["inputs"]]' "[('package', 'p1/demo-1.0.tar.gz', '$s1')]" "deploy.json input role package"
c=$REG/demo/channels/prod.json
json_is $c 'j["kind"], j["name"], j["channel"], j["version"], j["sha256"], j["previous"]' "('mlci.channel', 'demo', 'prod', '1.0', '$s1', None)" "channel points at 1.0"
check "channel has an updated time" grep -q '"updated": "20' $c
check "history: publish + channel" sh -c "[ \$(wc -l < '$REG/demo/history.jsonl') = 2 ]"

cp $c c-before.json
expect_exit 0 "same package again" "$BIN/mlci-deploy" --package p1/demo-1.0.tar.gz --to "dir://$REG" --channel prod --out d1b.json
check "reported as unchanged" grep -q "^unchanged demo 1.0 .*channel prod unchanged$" "$T/out"
json_is d1b.json 'j["action"], j["channel_action"]' "('unchanged', 'unchanged')" "deploy.json says unchanged"
check "channel file untouched" cmp c-before.json $c
check "no history line for a no-op" sh -c "[ \$(wc -l < '$REG/demo/history.jsonl') = 2 ]"

expect_exit 0 "second version" "$BIN/mlci-deploy" --package p2/demo-2.0.tar.gz --to "dir://$REG" --channel prod --out d2.json
check "summary names the previous version" grep -q "channel prod moved (previous 1.0)$" "$T/out"
json_is $c 'j["version"], j["sha256"]' "('2.0', '$s2')" "channel points at 2.0"
json_is $c 'j["previous"]' "{'sha256': '$s1', 'version': '1.0'}" "channel records 1.0 as previous"
json_is d2.json 'j["previous"]["version"], j["previous"]["sha256"], j["action"]' "('1.0', '$s1', 'created')" "deploy.json previous version"
check "1.0 still there" cmp p1/demo-1.0.tar.gz "$REG/demo/1.0/demo-1.0.tar.gz"
check "history: 4 lines" sh -c "[ \$(wc -l < '$REG/demo/history.jsonl') = 4 ]"
check "each history line is JSON" /usr/bin/python3 -c '
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
assert [l["event"] for l in ls] == ["publish", "channel", "publish", "channel"], ls
assert ls[3]["previous"] == "1.0" and ls[3]["version"] == "2.0"' "$REG/demo/history.jsonl"

expect_exit 0 "deploy from package.json" "$BIN/mlci-deploy" --package p1/package.json --to "dir://$REG" --channel staging --out d3.json
json_is d3.json 'j["action"], j["channel"], j["previous"], j["sha256"]' "('unchanged', 'staging', None, '$s1')" "package.json resolves to its tarball"
json_is "$REG/demo/channels/staging.json" 'j["version"]' "1.0" "a second channel"

expect_exit 0 "no channel" "$BIN/mlci-deploy" --package p2/demo-2.0.tar.gz --to "dir://$REG/" --out d4.json
json_is d4.json 'j["channel"], j["channel_action"], j["previous"], j["action"]' "(None, None, None, 'unchanged')" "no channel, nothing moved"

expect_exit 0 "options from MLCI_* variables, --json" env MLCI_PACKAGE=p2/demo-2.0.tar.gz MLCI_TO="dir://$T/reg2" MLCI_CHANNEL=prod MLCI_OUT=d5.json "$BIN/mlci-deploy" --json
check "--json prints deploy.json" cmp "$T/out" d5.json
check "into the registry named by MLCI_TO" test -f reg2/demo/2.0/demo-2.0.tar.gz

check "deploy.json and channel files validate against their JSON Schemas" \
	/usr/bin/python3 "$TOP/tests/check_schema.py" d1.json d1b.json d2.json d3.json d4.json d5.json \
	"$REG/demo/channels/prod.json" "$REG/demo/channels/staging.json"
