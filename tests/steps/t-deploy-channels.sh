# mlci-deploy --promote and --rollback on every kind of registry (dir://,
# http:// on nginx WebDAV, s3:// and gitlab:// on the tests' stand-ins):
# channels move without uploading, every move lands in the history, and
# rollbacks step back one release at a time.
FX="$TOP/tests/steps/package_fixtures.py"
PY=/usr/bin/python3
export SOURCE_DATE_EPOCH=1700000000
for v in 1 2 3; do
	$PY "$FX" "v$v" --seed "$v"
	mkdir "p$v"
	"$BIN/mlci-package" --model "v$v/model.json" --metrics "v$v/metrics.json" --gate "v$v/gate.json" \
		--name demo --version "$v.0" --out-dir "p$v" >/dev/null
done
unset SOURCE_DATE_EPOCH
sha() { sha256sum "$1" | cut -d' ' -f1; }
s1=$(sha p1/demo-1.0.tar.gz); s2=$(sha p2/demo-2.0.tar.gz); s3=$(sha p3/demo-3.0.tar.gz)
# hist_is EXPR WANT NAME: EXPR over h, the history's records as a list
# (history.jsonl's lines, or the http registry's NNNNNNNN/event.json in
# order)
hist_is() {
	got=$($PY -c '
import glob, json, os, sys
d = sys.argv[1]
if os.path.isfile(d + "/history.jsonl"):
    h = [json.loads(l) for l in open(d + "/history.jsonl")]
elif os.path.isfile(d + "/channels/history.jsonl"):   # gitlab://
    h = [json.loads(l) for l in open(d + "/channels/history.jsonl")]
else:
    h = [json.load(open(f)) for f in sorted(glob.glob(d + "/history/[0-9]*/event.json"))]
print(eval(sys.argv[2]))' "$H" "$1" 2>&1)
	if [ "$got" = "$2" ]; then ok "$3"; else not_ok "$3" "$1 = $got, expected $2"; fi
}

# scenario URL DIR: the story on the registry at URL, whose files are
# under DIR
scenario() {
	URL=$1; H=$2/demo; LOC=$3
	P=$H/channels/prod.json
	S=$H/channels/staging.json
	rm -rf hist-before *.json
	expect_exit 0 "deploy 1.0 to staging" "$BIN/mlci-deploy" --package p1/demo-1.0.tar.gz --to "$URL" --channel staging --out d1.json
	expect_exit 0 "promote staging to prod" "$BIN/mlci-deploy" --to "$URL" --name demo --promote staging --to-channel prod --out m1.json
	check "summary names the move" grep -q "^promoted demo 1.0 at $LOC/demo/1.0; channel prod moved$" "$T/out"
	json_is $P 'j["version"], j["sha256"], j["previous"]' "('1.0', '$s1', None)" "prod points at staging's 1.0"
	json_is m1.json 'j["action"], j["channel"], j["from_channel"], j["channel_action"], j["version"], j["sha256"], j["previous"], j["inputs"]' \
		"('promoted', 'prod', 'staging', 'moved', '1.0', '$s1', None, [])" "deploy.json of the promote"
	check "deploy.json of a move validates against its schema" $PY "$TOP/tests/check_schema.py" m1.json
	check "no package was uploaded again" sh -c "[ \$(ls '$H' | grep -c '^[0-9]') = 1 ]"
	hist_is '[l["event"] for l in h]' "['publish', 'channel', 'promote']" "history: publish, channel, promote"
	hist_is 'h[-1]["channel"], h[-1]["version"], h[-1]["previous"], h[-1]["from_channel"]' "('prod', '1.0', None, 'staging')" "the promote's history line"

	expect_exit 0 "the same promote again" "$BIN/mlci-deploy" --to "$URL" --name demo --promote staging --to-channel prod --out m1b.json
	json_is m1b.json 'j["channel_action"]' "unchanged" "a promote to where prod already is changes nothing"
	hist_is 'len(h)' 3 "and adds no history line"

	for v in 2 3; do
		expect_exit 0 "deploy $v.0 to staging" "$BIN/mlci-deploy" --package "p$v/demo-$v.0.tar.gz" --to "$URL" --channel staging --out "d$v.json"
		expect_exit 0 "promote $v.0" "$BIN/mlci-deploy" --to "$URL" --name demo --promote staging --to-channel prod --out "m$v.json"
	done
	json_is $P 'j["version"], j["previous"] == {"version": "2.0", "sha256": "'$s2'"}' "('3.0', True)" "prod at 3.0 after 2.0"

	if [ "$2" != "$3" ]; then	# http: a claim a killed writer left empty
		mkdir "$H/history/$(printf %08d $(($(ls -d "$H"/history/[0-9]* | wc -l) + 1)))"
	fi
	expect_exit 0 "roll prod back" "$BIN/mlci-deploy" --to "$URL" --name demo --rollback prod --out r1.json
	check "summary names the rollback" grep -q "^rolled-back demo 2.0 at $LOC/demo/2.0; channel prod moved (previous 3.0)$" "$T/out"
	json_is $P 'j["version"], j["sha256"], j["previous"] == {"version": "1.0", "sha256": "'$s1'"}' "('2.0', '$s2', True)" "prod back at 2.0; its previous is 1.0, not 3.0"
	json_is r1.json 'j["action"], j["version"], j["previous"] == {"version": "3.0", "sha256": "'$s3'"}' "('rolled-back', '2.0', True)" "deploy.json: rolled back from 3.0"
	check "deploy.json of a rollback validates against its schema" $PY "$TOP/tests/check_schema.py" r1.json
	json_is $S 'j["version"]' "3.0" "staging is untouched"
	expect_exit 0 "roll prod back again" "$BIN/mlci-deploy" --to "$URL" --name demo --rollback prod --out r2.json
	json_is $P 'j["version"], j["previous"]' "('1.0', None)" "prod at 1.0, nothing before it"
	cp $P before.json; cp -r $H hist-before
	expect_exit 1 "a third rollback has nowhere to go" "$BIN/mlci-deploy" --to "$URL" --name demo --rollback prod --out r3.json
	err_is "channel 'prod' of 'demo' has no earlier version to roll back to .it points at 1.0." "it says why"
	absent r3.json "no deploy.json"
	check "the channel is untouched" cmp before.json $P
	check "so is the history" diff -r hist-before $H
	# the whole story, in order, from the history
	hist_is '[(l["event"], l["version"], l.get("previous")) for l in h[9:]]' \
		"[('rollback', '2.0', '3.0'), ('rollback', '1.0', '2.0')]" "history: each rollback, from where to where"
	hist_is '[l["event"] for l in h]' \
		"['publish', 'channel', 'promote', 'publish', 'channel', 'promote', 'publish', 'channel', 'promote', 'rollback', 'rollback']" "history events in order"

	# promote again after rolling back: a forward move, so a rollback returns here
	expect_exit 0 "promote staging (3.0) again" "$BIN/mlci-deploy" --to "$URL" --name demo --promote staging --to-channel prod --out m4.json
	json_is $P 'j["version"], j["previous"] == {"version": "1.0", "sha256": "'$s1'"}' "('3.0', True)" "prod at 3.0, previous 1.0 (where it was)"
	expect_exit 0 "and roll back" "$BIN/mlci-deploy" --to "$URL" --name demo --rollback prod --out r4.json
	json_is $P 'j["version"]' "1.0" "back at 1.0"

	# a channel file read back is checked before it is followed: a
	# version that is no version name (it would reach outside the
	# package) is a damaged channel, and nothing moves
	cp $S staging-good.json; cp $P before.json
	$PY -c 'import json, sys
j = json.load(open(sys.argv[1])); j["version"] = "../../x"; json.dump(j, open(sys.argv[1], "w"))' $S
	expect_exit 65 "a channel pointing outside the package" "$BIN/mlci-deploy" --to "$URL" --name demo --promote staging --to-channel prod --out x.json
	err_is "channel 'staging' is damaged: its version '\.\./\.\./x' must not" "it says which channel and why"
	check "prod is untouched" cmp before.json $P
	absent x.json "no deploy.json"
	cp staging-good.json $S
}

REG=$T/reg
scenario "dir://$REG" "$REG" "$REG"
. "$TOP/tests/steps/dav_server.sh"
if dav_start "$T/dav"; then
	scenario "$DAV_URL/reg" "$DAV_ROOT/reg" "$DAV_URL/reg"
	expect_exit 66 "http: an unknown package" "$BIN/mlci-deploy" --to "$DAV_URL/reg" --name nosuch --rollback prod --out x.json
	expect_exit 66 "http: an unknown channel" "$BIN/mlci-deploy" --to "$DAV_URL/reg" --name demo --promote canary --to-channel prod --out x.json
	dav_stop
else
	not_ok "nginx would not start"
fi

# s3:// against the SigV4-checking stand-in, which keeps objects as files
for v in AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 \
	CI_API_V4_URL CI_SERVER_URL CI_PROJECT_ID CI_JOB_TOKEN MLCI_GITLAB_TOKEN \
	http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY; do
	unset "$v"
done
export MLCI_HTTP_RETRY_DELAY_MS=10
mkdir -p s3/models
S3_SERVER_ACCESS_KEY=AKIDCHANNELS01 S3_SERVER_SECRET_KEY=channelsS3secret0123456789 \
	$PY "$TOP/tests/s3_server.py" --root s3 --port-file s3.port --log s3.log & s3srv=$!
JT="jt$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
mkdir gl
GITLAB_SERVER_JOB_TOKEN=$JT GITLAB_SERVER_PRIVATE_TOKEN=unused $PY "$TOP/tests/gitlab_server.py" \
	--root gl --port-file gl.port --log gl.log & glsrv=$!
trap 'kill $s3srv $glsrv 2>/dev/null' EXIT
for i in $(seq 1 50); do [ -s s3.port ] && [ -s gl.port ] && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=AKIDCHANNELS01 AWS_SECRET_ACCESS_KEY=channelsS3secret0123456789 \
	AWS_REGION=us-east-1 MLCI_S3_ENDPOINT=http://127.0.0.1:$(cat s3.port)
scenario "s3://models/reg" "$T/s3/models/reg" "s3://models/reg"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION MLCI_S3_ENDPOINT
export CI_API_V4_URL=http://127.0.0.1:$(cat gl.port)/api/v4 CI_JOB_TOKEN=$JT
scenario "gitlab://42" "$T/gl/42/packages" "$CI_API_V4_URL/projects/42/packages/generic"
unset CI_API_V4_URL CI_JOB_TOKEN
kill $s3srv $glsrv 2>/dev/null

URL="dir://$REG"; LOC=$REG
# what is refused
expect_exit 66 "an unknown package" "$BIN/mlci-deploy" --to "$URL" --name nosuch --rollback prod --out x.json
err_is "no package 'nosuch' in this registry" "it names the package"
expect_exit 66 "an unknown channel" "$BIN/mlci-deploy" --to "$URL" --name demo --promote canary --to-channel prod --out x.json
err_is "package 'demo' has no channel 'canary'" "it names the channel"
expect_exit 64 "promote onto itself" "$BIN/mlci-deploy" --to "$URL" --name demo --promote prod --to-channel prod --out x.json
expect_exit 64 "--promote without --to-channel" "$BIN/mlci-deploy" --to "$URL" --name demo --promote staging --out x.json
expect_exit 64 "--promote with a --package" "$BIN/mlci-deploy" --to "$URL" --name demo --promote staging --to-channel prod \
	--package p1/demo-1.0.tar.gz --out x.json
expect_exit 64 "--promote and --rollback together" "$BIN/mlci-deploy" --to "$URL" --name demo --promote staging --to-channel prod \
	--rollback prod --out x.json
expect_exit 64 "--rollback without --name" "$BIN/mlci-deploy" --to "$URL" --rollback prod --out x.json
expect_exit 64 "--to-channel alone" "$BIN/mlci-deploy" --package p1/demo-1.0.tar.gz --to "$URL" --to-channel prod --out x.json
expect_exit 64 "a bad channel name" "$BIN/mlci-deploy" --to "$URL" --name demo --rollback '../x' --out x.json
expect_exit 64 "s3:// without credentials" env -u AWS_ACCESS_KEY_ID "$BIN/mlci-deploy" --to "s3://bucket/models" --name demo --rollback prod --out x.json
absent x.json "no deploy.json from any refusal"
