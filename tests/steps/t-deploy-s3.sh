# mlci-deploy to s3://: publish, no-op, refusal, channel and history
# against a local S3 stand-in that checks every request's SigV4 signature
# (tests/s3_server.py, its checker first run on AWS's test vectors).
FX="$TOP/tests/steps/package_fixtures.py"
S3="$TOP/tests/s3_server.py"
/usr/bin/python3 "$FX" v1
/usr/bin/python3 "$FX" v2 --seed 2
mkdir p1 p2 pb
export SOURCE_DATE_EPOCH=1700000000
"$BIN/mlci-package" --model v1/model.json --metrics v1/metrics.json --gate v1/gate.json --name demo --version 1.0 --out-dir p1 >/dev/null
"$BIN/mlci-package" --model v2/model.json --metrics v2/metrics.json --gate v2/gate.json --name demo --version 2.0 --out-dir p2 >/dev/null
SOURCE_DATE_EPOCH=1600000000 "$BIN/mlci-package" --model v1/model.json --metrics v1/metrics.json --gate v1/gate.json --name demo --version 1.0 --out-dir pb >/dev/null
unset SOURCE_DATE_EPOCH
sha() { sha256sum "$1" | cut -d' ' -f1; }
s1=$(sha p1/demo-1.0.tar.gz); s2=$(sha p2/demo-2.0.tar.gz)
D="$BIN/mlci-deploy"

check "the server's SigV4 checker reproduces AWS's test suite" /usr/bin/python3 "$S3" --self-test "$DATA/sigv4"

KEY=AKIDMLCITEST0001
SECRET=mlciS3secretKEYnotForPrinting0123456789
mkdir -p s3/models
S3_SERVER_ACCESS_KEY=$KEY S3_SERVER_SECRET_KEY=$SECRET /usr/bin/python3 "$S3" --root s3 \
	--port-file port --log log --region eu-west-1 & srv=$!
srv2=
trap 'kill $srv $srv2 2>/dev/null' EXIT
for i in $(seq 1 50); do [ -s port ] && break; sleep 0.1; done
EP=http://127.0.0.1:$(cat port)
control() { /usr/bin/python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_control", data=sys.argv[2].encode(), method="POST"))' "$EP" "$1"; }
export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET AWS_REGION=eu-west-1 MLCI_HTTP_RETRY_DELAY_MS=10
unset AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 MLCI_S3_ENDPOINT \
	http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
TO=s3://models/reg
O=s3/models/reg/demo
# requests logged since line $1 of the log, as "METHOD KEY STATUS"
since() { tail -n +"$(( $1 + 1 ))" log | /usr/bin/python3 -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l); h = dict((k.lower(), v) for k, v in r["headers"].items())
    print(r["method"], r["path"], r["status"], h.get("if-none-match", "-"), h.get("if-match", "-"))'; }

expect_exit 0 "first deploy" "$D" --package p1/demo-1.0.tar.gz --to $TO --s3-endpoint "$EP" --channel prod --out d1.json
check "summary names the object" grep -q "^created demo 1.0 at s3://models/reg/demo/1.0/demo-1.0.tar.gz; channel prod moved$" "$T/out"
check "stored tarball is the package, byte for byte" cmp p1/demo-1.0.tar.gz $O/1.0/demo-1.0.tar.gz
mkdir x && tar xzf p1/demo-1.0.tar.gz -C x
check "manifest.json stored beside it" cmp x/demo-1.0/manifest.json $O/1.0/manifest.json
json_is d1.json 'j["action"], j["target"], j["location"], j["channel_action"]' "('created', 's3://models/reg', 's3://models/reg/demo/1.0/demo-1.0.tar.gz', 'moved')" "deploy.json"
json_is $O/channels/prod.json 'j["kind"], j["name"], j["channel"], j["version"], j["sha256"], j["previous"]' "('mlci.channel', 'demo', 'prod', '1.0', '$s1', None)" "channel points at 1.0"
check "history: publish + channel" sh -c "[ \$(wc -l < $O/history.jsonl) = 2 ]"
check "every request was signed and accepted" sh -c "! grep -q '\"status\": 403' log"
since 0 >r1
check "the version is written with If-None-Match: *" grep -q '^PUT /models/reg/demo/1.0/demo-1.0.tar.gz 200 \* -$' r1
check "and read back after" sh -c "grep -A1 '^PUT /models/reg/demo/1.0/demo-1.0.tar.gz 200' r1 | grep -q '^GET /models/reg/demo/1.0/demo-1.0.tar.gz 200'"
check "path-style, signed for the region" /usr/bin/python3 -c '
import json, sys
for l in open("log"):
    r = json.loads(l); a = r["headers"]["Authorization"]
    assert "/eu-west-1/s3/aws4_request" in a and r["headers"]["Host"].startswith("127.0.0.1:"), a
    assert r["headers"]["x-amz-content-sha256"] == r["body_sha256"]'
check "the secret is never sent" sh -c "! grep -q '$SECRET' log"

n=$(wc -l < log)
expect_exit 0 "same package again" "$D" --package p1/demo-1.0.tar.gz --to $TO --s3-endpoint "$EP" --channel prod --out d1b.json
json_is d1b.json 'j["action"], j["channel_action"]' "('unchanged', 'unchanged')" "unchanged"
since $n >r2
check "read only for a no-op" sh -c "[ -s r2 ] && ! grep -q '^PUT' r2"
check "no history line for a no-op" sh -c "[ \$(wc -l < $O/history.jsonl) = 2 ]"

n=$(wc -l < log)
expect_exit 0 "second version (endpoint from AWS_ENDPOINT_URL)" env AWS_ENDPOINT_URL="$EP" "$D" --package p2/demo-2.0.tar.gz --to $TO/ --channel prod --out d2.json
check "summary names the previous version" grep -q "channel prod moved (previous 1.0)$" "$T/out"
json_is $O/channels/prod.json 'j["version"], j["previous"]' "('2.0', {'sha256': '$s1', 'version': '1.0'})" "channel records 1.0 as previous"
since $n >r3
check "the channel and the history are replaced with If-Match" sh -c "grep -q '^PUT /models/reg/demo/channels/prod.json 200 - \"' r3 && grep -q '^PUT /models/reg/demo/history.jsonl 200 - \"' r3"
check "history: the same events as a dir:// registry" /usr/bin/python3 -c '
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
assert [l["event"] for l in ls] == ["publish", "channel", "publish", "channel"], ls
assert ls[3]["previous"] == "1.0" and ls[3]["version"] == "2.0" and ls[2]["sha256"] == sys.argv[2]
assert sorted(ls[1]) == ["channel", "event", "name", "previous", "sha256", "time", "version"], ls[1]' $O/history.jsonl "$s2"

cp $O/channels/prod.json chan.json; cp $O/history.jsonl hist
n=$(wc -l < log)
expect_exit 1 "other bytes under the same version are refused" "$D" --package pb/demo-1.0.tar.gz --to $TO --s3-endpoint "$EP" --channel prod --out d3.json
err_is "^mlci-deploy: s3://models/reg/demo/1\.0/demo-1\.0\.tar\.gz: version already published with different bytes .*versions are immutable$" "says why"
since $n >r4
check "nothing written" sh -c "[ -s r4 ] && ! grep -q '^PUT' r4"
check "stored bytes, channel and history unchanged" sh -c "cmp p1/demo-1.0.tar.gz $O/1.0/demo-1.0.tar.gz && cmp chan.json $O/channels/prod.json && cmp hist $O/history.jsonl"
absent d3.json "no deploy.json"

check "deploy.json and channel files validate against their JSON Schemas" \
	/usr/bin/python3 "$TOP/tests/check_schema.py" d1.json d1b.json d2.json $O/channels/prod.json

expect_exit 66 "a wrong secret" env AWS_SECRET_ACCESS_KEY=wrong-secret-value-0000 "$D" --package p1/demo-1.0.tar.gz --to $TO --s3-endpoint "$EP" --out d4.json
err_is "^mlci-deploy: s3://models/reg/demo/1\.0/demo-1\.0\.tar\.gz: HTTP 403 SignatureDoesNotMatch: the credentials were refused" "names S3's error code"
check "no secret or signature in the message" sh -c "! grep -Eq 'wrong-secret|$SECRET|Signature=|[0-9a-f]{64}' '$T/err'"
absent d4.json "no deploy.json"
expect_exit 66 "an unknown access key" env AWS_ACCESS_KEY_ID=AKIDNOSUCHKEY "$D" --package p1/demo-1.0.tar.gz --to $TO --s3-endpoint "$EP" --out d4.json
err_is "HTTP 403 InvalidAccessKeyId" "named"
expect_exit 64 "no credentials" env -u AWS_SECRET_ACCESS_KEY "$D" --package p1/demo-1.0.tar.gz --to $TO --s3-endpoint "$EP" --out d4.json
err_is "needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY$" "says which variables"
expect_exit 66 "a bucket that does not exist" "$D" --package p1/demo-1.0.tar.gz --to s3://nosuchbucket/x --s3-endpoint "$EP" --out d4.json
err_is "^mlci-deploy: s3://nosuchbucket: HTTP 404 NoSuchBucket: no such bucket$" "named"
expect_exit 64 "not a bucket name" "$D" --package p1/demo-1.0.tar.gz --to s3://Bad_Bucket/x --s3-endpoint "$EP" --out d4.json
expect_exit 64 "an endpoint that is not http(s)" "$D" --package p1/demo-1.0.tar.gz --to $TO --s3-endpoint ftp://x --out d4.json

control '{"fail_first": 2}'
expect_exit 0 "two 503s are tried again" "$D" --package p1/demo-1.0.tar.gz --to $TO --s3-endpoint "$EP" --out d5.json
control '{"status": 503}'
expect_exit 75 "a server that keeps answering 503" "$D" --package p1/demo-1.0.tar.gz --to $TO --s3-endpoint "$EP" --out d6.json
err_is "HTTP 503, after 4 attempts$" "tried 4 times (--retries 3, the default)"
expect_exit 75 "--retries 1" "$D" --package p1/demo-1.0.tar.gz --to $TO --s3-endpoint "$EP" --retries 1 --out d6.json
err_is "HTTP 503, after 2 attempts$" "tried twice"
expect_exit 75 "--retries 0" "$D" --package p1/demo-1.0.tar.gz --to $TO --s3-endpoint "$EP" --retries 0 --out d6.json
err_is "HTTP 503, after 1 attempt$" "tried once"
control '{}'

TOK=FQoGZXIvYXdzEXAMPLEsessionTOKEN/abc+def==
mkdir -p s3t/models
S3_SERVER_ACCESS_KEY=$KEY S3_SERVER_SECRET_KEY=$SECRET S3_SERVER_SESSION_TOKEN=$TOK /usr/bin/python3 "$S3" \
	--root s3t --port-file port2 --log log2 --region eu-west-1 & srv2=$!
for i in $(seq 1 50); do [ -s port2 ] && break; sleep 0.1; done
EP2=http://127.0.0.1:$(cat port2)
expect_exit 0 "temporary credentials: AWS_SESSION_TOKEN" env AWS_SESSION_TOKEN=$TOK "$D" --package p1/demo-1.0.tar.gz --to s3://models --s3-endpoint "$EP2" --out d7.json
check "stored at the bucket's root without a prefix" cmp p1/demo-1.0.tar.gz s3t/models/demo/1.0/demo-1.0.tar.gz
check "the token is sent as a signed x-amz-security-token" /usr/bin/python3 -c '
import json, sys
for l in open("log2"):
    h = dict((k.lower(), v) for k, v in json.loads(l)["headers"].items())
    assert h["x-amz-security-token"] == sys.argv[1] and "x-amz-security-token" in h["authorization"], h' "$TOK"
expect_exit 66 "the same without the session token" "$D" --package p1/demo-1.0.tar.gz --to s3://models --s3-endpoint "$EP2" --out d8.json
err_is "HTTP 403 InvalidToken: the credentials were refused" "named"
kill $srv2; wait $srv2 2>/dev/null
kill $srv; wait $srv 2>/dev/null
expect_exit 75 "the server is down" "$D" --package p1/demo-1.0.tar.gz --to $TO --s3-endpoint "$EP" --out d6.json
err_is "^mlci-deploy: s3://models/reg/demo/1\.0/demo-1\.0\.tar\.gz: .*after 4 attempts$" "a temporary failure"
absent d6.json "no deploy.json"
# every file the runs left (deploy.json, the objects, the captured output),
# but the servers' logs of the requests (a session token is sent, so
# log2 holds it): neither the secret key nor the session token
check "the secret key and the session token are in no file written" sh -c \
	'! grep -rlF -e "$1" -e "$2" --exclude=log --exclude=log2 .' sh "$SECRET" "$TOK"
