# mlci-deploy to gitlab://: GitLab's generic package registry, against
# tests/gitlab_server.py on 127.0.0.1: publish (each upload's file_sha256
# checked), no-op, refusal, channel and history, which token header, 401
# and 403, retries then 75, a server that is down. Tokens must appear in
# no output.
FX="$TOP/tests/steps/package_fixtures.py"
PY=/usr/bin/python3
for v in CI_API_V4_URL CI_SERVER_URL CI_PROJECT_ID CI_JOB_TOKEN MLCI_GITLAB_TOKEN \
	MLCI_HTTP_RETRY_DELAY_MS http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY; do
	unset "$v"
done
$PY "$FX" v1
$PY "$FX" v2 --seed 2
mkdir p1 p2 pb
export SOURCE_DATE_EPOCH=1700000000
"$BIN/mlci-package" --model v1/model.json --metrics v1/metrics.json --gate v1/gate.json --name demo --version 1.0 --out-dir p1 >/dev/null
"$BIN/mlci-package" --model v2/model.json --metrics v2/metrics.json --gate v2/gate.json --name demo --version 2.0 --out-dir p2 >/dev/null
SOURCE_DATE_EPOCH=1600000000 "$BIN/mlci-package" --model v1/model.json --metrics v1/metrics.json --gate v1/gate.json --name demo --version 1.0 --out-dir pb >/dev/null
unset SOURCE_DATE_EPOCH
sha() { sha256sum "$1" | cut -d' ' -f1; }
s1=$(sha p1/demo-1.0.tar.gz)
D="$BIN/mlci-deploy"
JT="jt$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
PT="pt$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
mkdir root
GITLAB_SERVER_JOB_TOKEN=$JT GITLAB_SERVER_PRIVATE_TOKEN=$PT $PY "$TOP/tests/gitlab_server.py" \
	--root root --port-file port --log log & srv=$!
trap 'kill $srv 2>/dev/null' EXIT
for i in $(seq 1 50); do [ -s port ] && break; sleep 0.1; done
API=http://127.0.0.1:$(cat port)/api/v4
control() { $PY -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST"))' "${API%/api/v4}/_control" "$1"; }
export CI_API_V4_URL=$API CI_PROJECT_ID=42 CI_JOB_TOKEN=$JT MLCI_HTTP_RETRY_DELAY_MS=10
G=root/42/packages/demo
: >seen
run() { expect_exit "$@"; cat "$T/out" "$T/err" >>seen; }
# requests logged since line $1, as "METHOD PATH?QUERY TOKEN-HEADER"
since() { tail -n +"$(( $1 + 1 ))" log | $PY -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l); h = r["headers"]
    t = "JOB-TOKEN" if "JOB-TOKEN" in h else "PRIVATE-TOKEN" if "PRIVATE-TOKEN" in h else "-"
    print(r["method"], r["path"] + ("?" + r["query"] if r["query"] else ""), t)'; }

run 0 "first deploy to gitlab:// (the project of CI_PROJECT_ID)" "$D" --package p1/demo-1.0.tar.gz --to gitlab:// --channel prod --out d1.json
check "summary names the package file" grep -q "^created demo 1.0 at $API/projects/42/packages/generic/demo/1.0/demo-1.0.tar.gz; channel prod moved$" "$T/out"
check "stored file is the package, byte for byte" cmp p1/demo-1.0.tar.gz $G/1.0/demo-1.0.tar.gz
mkdir x && tar xzf p1/demo-1.0.tar.gz -C x
check "manifest.json stored in the same package version" cmp x/demo-1.0/manifest.json $G/1.0/manifest.json
json_is d1.json 'j["action"], j["target"], j["channel_action"]' "('created', 'gitlab://', 'moved')" "deploy.json"
json_is $G/channels/prod.json 'j["kind"], j["channel"], j["version"], j["sha256"], j["previous"]' "('mlci.channel', 'prod', '1.0', '$s1', None)" "channel file in version 'channels'"
check "history: publish + channel" sh -c "[ \$(wc -l < $G/channels/history.jsonl) = 2 ]"
since 0 >r1
check "uploads ask for the package file (file_sha256)" grep -q '^PUT /api/v4/projects/42/packages/generic/demo/1.0/demo-1.0.tar.gz?select=package_file JOB-TOKEN$' r1
check "every request sends the job token" sh -c "! grep -qv ' JOB-TOKEN$' r1"

n=$(wc -l < log)
run 0 "same package again, gitlab://42" "$D" --package p1/demo-1.0.tar.gz --to gitlab://42 --channel prod --out d1b.json
json_is d1b.json 'j["action"], j["channel_action"]' "('unchanged', 'unchanged')" "unchanged"
since $n >r2
check "read only for a no-op" sh -c "[ -s r2 ] && ! grep -q '^PUT' r2"

n=$(wc -l < log)
run 0 "second version, a project path and MLCI_GITLAB_TOKEN" env -u CI_JOB_TOKEN MLCI_GITLAB_TOKEN=$PT "$D" --package p2/demo-2.0.tar.gz --to gitlab://group/models --channel prod --out d2.json
since $n >r3
check "the path is one encoded segment, the access token a PRIVATE-TOKEN" grep -q '^PUT /api/v4/projects/group%2Fmodels/packages/generic/demo/2.0/demo-2.0.tar.gz?select=package_file PRIVATE-TOKEN$' r3
cp -r "root/group/models" gm
run 0 "second version into project 42" "$D" --package p2/demo-2.0.tar.gz --to gitlab:// --channel prod --out d3.json
check "summary names the previous version" grep -q "channel prod moved (previous 1.0)$" "$T/out"
json_is $G/channels/prod.json 'j["version"], j["previous"]' "('2.0', {'sha256': '$s1', 'version': '1.0'})" "channel records 1.0 as previous"
check "history: the same events as a dir:// registry" $PY -c '
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
assert [l["event"] for l in ls] == ["publish", "channel", "publish", "channel"], ls
assert ls[3]["previous"] == "1.0" and ls[3]["version"] == "2.0"
assert sorted(ls[1]) == ["channel", "event", "name", "previous", "sha256", "time", "version"], ls[1]' $G/channels/history.jsonl

cp $G/channels/prod.json chan.json; cp $G/channels/history.jsonl hist
n=$(wc -l < log)
run 1 "other bytes under the same version are refused" "$D" --package pb/demo-1.0.tar.gz --to gitlab:// --channel prod --out d4.json
err_is "^mlci-deploy: $API/projects/42/packages/generic/demo/1\.0/demo-1\.0\.tar\.gz: version already published with different bytes .*versions are immutable$" "says why"
since $n >r4
check "nothing uploaded" sh -c "[ -s r4 ] && ! grep -q '^PUT' r4"
check "stored bytes, channel and history unchanged" sh -c "cmp p1/demo-1.0.tar.gz $G/1.0/demo-1.0.tar.gz && cmp chan.json $G/channels/prod.json && cmp hist $G/channels/history.jsonl"
absent d4.json "no deploy.json"
check "deploy.json and channel files validate against their JSON Schemas" \
	$PY "$TOP/tests/check_schema.py" d1.json d1b.json d2.json d3.json $G/channels/prod.json

control '{"redirect": true}'
run 0 "downloads redirected to another origin" "$D" --package p1/demo-1.0.tar.gz --to gitlab:// --out d5.json
check "object storage is asked without the token" sh -c "tail -n 3 log | grep -q '/_storage/' && ! tail -n 3 log | grep '/_storage/' | grep -q TOKEN"
# a relative Location is resolved against the URL that answered it (it
# was followed as it stood, a malformed URL: exit 64)
control '{"redirect": "relative"}'
n=$(wc -l < log)
run 0 "downloads redirected to a relative Location" "$D" --package p1/demo-1.0.tar.gz --to gitlab:// --out d5.json
since $n >r5
check "the file is asked for there, on the API's origin, with the token" grep -q '^GET /_storage/.* JOB-TOKEN$' r5
control '{"wrong_sha": true}'
run 74 "an upload whose file_sha256 is not the bytes sent" "$D" --package p1/demo-1.0.tar.gz --to gitlab://7 --out d5.json
err_is "^mlci-deploy: $API/projects/7/packages/generic/demo/1\.0/demo-1\.0\.tar\.gz: GitLab stored bytes with sha256 [0-9a-f]{12}\.\.\., the upload had [0-9a-f]{12}\.\.\.$" "refused"
control '{"no_duplicates": true}'
run 73 "a project that refuses duplicate packages cannot move a channel" "$D" --package p2/demo-2.0.tar.gz --to gitlab:// --channel staging --out d5.json
err_is "HTTP 400: GitLab refused the upload \(Duplicate package is not allowed\)$" "GitLab's reason"
control '{}'

run 66 "a token GitLab refuses (401)" env CI_JOB_TOKEN=wrong-token-0000 "$D" --package p1/demo-1.0.tar.gz --to gitlab:// --out d6.json
err_is "HTTP 401: the token was refused \(JOB-TOKEN from CI_JOB_TOKEN\)$" "names the header and the variable, not the token"
control '{"status": 403}'
run 66 "a token without permission (403)" "$D" --package p1/demo-1.0.tar.gz --to gitlab:// --out d6.json
err_is "HTTP 403: the token is not allowed to do this" "named"
control '{"fail_first": 2, "fail_status": 502}'
run 0 "two 502s are tried again" "$D" --package p1/demo-1.0.tar.gz --to gitlab:// --out d6.json
control '{"status": 500}'
run 75 "a server that keeps answering 500" "$D" --package p1/demo-1.0.tar.gz --to gitlab:// --out d7.json
err_is "HTTP 500, after 4 attempts$" "tried 4 times (--retries 3, the default)"
control '{}'
run 64 "no token" env -u CI_JOB_TOKEN "$D" --package p1/demo-1.0.tar.gz --to gitlab:// --out d7.json
err_is "needs a token: CI_JOB_TOKEN or MLCI_GITLAB_TOKEN$" "says which variables"
run 64 "no project" env -u CI_PROJECT_ID "$D" --package p1/demo-1.0.tar.gz --to gitlab:// --out d7.json
run 64 "credentials in the URL" "$D" --package p1/demo-1.0.tar.gz --to gitlab://user:pw@42 --out d7.json
kill $srv; wait $srv 2>/dev/null
run 75 "the server is down" "$D" --package p1/demo-1.0.tar.gz --to gitlab:// --out d7.json
err_is "after 4 attempts$" "a temporary failure"
absent d7.json "no deploy.json"
check "no token in any output" sh -c "! grep -qE '$JT|$PT|wrong-token' seen"
