# mlci-package: the provenance statement (in-toto Statement v1, SLSA
# Provenance v1) inside the tarball and beside it, MODEL_CARD.md with its
# card config, and zstd beside gzip; every output byte-reproducible with
# SOURCE_DATE_EPOCH. Inputs are stand-in artifacts from package_fixtures.py.
COMMIT=0123456789abcdef0123456789abcdef01234567
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" fx --git $COMMIT --intervals
export SOURCE_DATE_EPOCH=1700000000
all=(--model fx/model.json --metrics fx/metrics.json --gate fx/gate.json
	--data-report fx/data-report.json --schema fx/schema.json --name demo --version 2.0)
cat >card.txt <<'EOF'
# who may use this model
intended_use: Ranking demo rows for the weekly review.
  Not for decisions about individuals.
limitations: Trained on three rows.
owners: ml-platform, Ada Lovelace
license: Apache-2.0
EOF
cat >card.json <<'EOF'
{"intended_use": "Ranking demo rows for the weekly review.\nNot for decisions about individuals.",
 "limitations": "Trained on three rows.", "owners": ["ml-platform", "Ada Lovelace"],
 "license": "Apache-2.0"}
EOF

for c in gzip zstd; do
	ext=gz; [ $c = zstd ] && ext=zst
	for run in 1 2; do
		expect_exit 0 "$c: package, run $run" env CI_JOB_ID=4242 CI_PIPELINE_ID=99 \
			"$BIN/mlci-package" "${all[@]}" --compression $c --card-config card.txt --out-dir $c$run
	done
	for f in demo-2.0.tar.$ext package.json provenance.json; do
		check "$c: $f byte-identical over two runs" cmp $c'1'/$f $c'2'/$f
	done
	check "$c: the archive is named .tar.$ext" test -s $c'1'/demo-2.0.tar.$ext
	json_is $c'1'/package.json 'j["archive"]["file"], j["archive"]["compression"], j["signature"]' \
		"('demo-2.0.tar.$ext', '$c', None)" "$c: package.json records the archive and no signature"
done
check "gzip and zstd hold the same files" sh -c \
	'[ "$(tar tzf gzip1/demo-2.0.tar.gz)" = "$(zstd -dc zstd1/demo-2.0.tar.zst | tar t)" ]'
check "zstd -t accepts the .tar.zst" zstd -qt zstd1/demo-2.0.tar.zst
mkdir xg xz
check "GNU tar extracts the .tar.gz" tar xzf gzip1/demo-2.0.tar.gz -C xg
check "zstd -d | tar x extracts the .tar.zst" sh -c 'zstd -dc zstd1/demo-2.0.tar.zst | tar x -C xz'
check "the same statement in both but for the compression" sh -c \
	'sed s/zstd/gzip/ xz/demo-2.0/provenance.json | cmp - xg/demo-2.0/provenance.json'
check "the card is the same in both" cmp xg/demo-2.0/MODEL_CARD.md xz/demo-2.0/MODEL_CARD.md
check "provenance.json beside the tarball is the one inside" \
	cmp gzip1/provenance.json xg/demo-2.0/provenance.json
expect_exit 0 "the zstd package verifies" "$BIN/mlci-package" --verify zstd1/demo-2.0.tar.zst
expect_exit 0 "and deploys" "$BIN/mlci-deploy" --package zstd1/demo-2.0.tar.zst \
	--to "dir://$T/reg" --out d.json
check "the registry holds the .tar.zst" cmp zstd1/demo-2.0.tar.zst reg/demo/2.0/demo-2.0.tar.zst
expect_exit 0 "the same .tar.zst again is a no-op" "$BIN/mlci-deploy" --package zstd1/demo-2.0.tar.zst \
	--to "dir://$T/reg" --out d2.json
json_is d2.json 'j["action"]' unchanged "recorded as unchanged"
expect_exit 1 "the .tar.gz of that version: different bytes" "$BIN/mlci-deploy" \
	--package gzip1/demo-2.0.tar.gz --to "dir://$T/reg" --out d3.json
err_is 'version already published with different bytes' "refused as immutable"

# the statement's shape, checked against the files themselves
cat >shape.py <<'EOF'
import hashlib, json, os, sys
x, fx, commit, job = sys.argv[1:5]
top = os.path.join(x, "demo-2.0")
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
st = json.load(open(os.path.join(top, "provenance.json")))
problems = []
def want(cond, what):
    if not cond:
        problems.append(what)
want(st["_type"] == "https://in-toto.io/Statement/v1", "_type")
want(st["predicateType"] == "https://slsa.dev/provenance/v1", "predicateType")
want(set(st) == {"_type", "subject", "predicateType", "predicate"}, "top-level fields")
files = sorted(f for f in os.listdir(top) if f not in ("provenance.json", "provenance.intoto.jsonl"))
want([s["name"] for s in st["subject"]] == ["demo-2.0/" + f for f in files], "subjects are every file, sorted")
for s in st["subject"]:
    want(set(s) == {"name", "digest"} and set(s["digest"]) == {"sha256"}, "subject fields of " + s["name"])
    want(s["digest"]["sha256"] == sha(os.path.join(x, s["name"])), "digest of " + s["name"])
p = st["predicate"]
bd, rd = p["buildDefinition"], p["runDetails"]
want(set(p) == {"buildDefinition", "runDetails"}, "predicate fields")
want(bd["buildType"].startswith("urn:mlci:"), "buildType")
model = json.load(open(os.path.join(fx, "model.json")))
metrics = json.load(open(os.path.join(fx, "metrics.json")))
gate = json.load(open(os.path.join(fx, "gate.json")))
tr = bd["externalParameters"]["training"]
want(tr["model"] == model["model"]["type"] and tr["params"] == model["model"]["params"], "training parameters")
want(tr["label"] == model["label"] and tr["features"] == model["features"], "label and features")
pk = bd["externalParameters"]["package"]
want((pk["name"], pk["version"]) == ("demo", "2.0"), "package parameters")
cl = bd["internalParameters"]["claims"]
want(cl["metrics"]["values"] == metrics["metrics"], "metric claims")
want(cl["metrics"]["intervals"] == metrics["intervals"], "interval claims")
want(cl["gate"]["verdict"] == gate["verdict"], "gate verdict claim")
want([r["rule"] for r in cl["gate"]["rules"]] == [r["rule"] for r in gate["rules"]], "gate rules claim")
deps = {d["name"]: d for d in bd["resolvedDependencies"]}
want(deps["data"]["digest"]["sha256"] == sha(os.path.join(fx, "data.csv")), "data dependency")
want(deps["schema"]["digest"]["sha256"] == sha(os.path.join(fx, "schema.json")), "schema dependency")
want(deps["source"]["digest"] == {"gitCommit": commit}, "source commit")
for d in bd["resolvedDependencies"]:
    want(d.get("digest") or d.get("uri"), "a dependency needs a digest or uri")
want(rd["builder"]["id"].startswith("urn:mlci:"), "builder id")
want(rd["metadata"]["invocationId"] == job, "invocationId")
want(rd["metadata"]["startedOn"] == "2023-11-14T22:13:20Z", "startedOn from SOURCE_DATE_EPOCH")
for q in problems:
    print(q)
sys.exit(1 if problems else 0)
EOF
/usr/bin/python3 shape.py xg fx $COMMIT 4242 >shape.out 2>&1
check "the statement's shape and digests (python)" test ! -s shape.out
[ -s shape.out ] && sed 's/^/#   /' shape.out
check "package.json and the manifest validate against their schemas" \
	/usr/bin/python3 "$TOP/tests/check_schema.py" gzip1/package.json zstd1/package.json \
	xg/demo-2.0/manifest.json xz/demo-2.0/manifest.json

mkdir pipe none
expect_exit 0 "invocationId from CI_PIPELINE_ID without CI_JOB_ID" env -u CI_JOB_ID CI_PIPELINE_ID=77 \
	"$BIN/mlci-package" "${all[@]}" --out-dir pipe
json_is pipe/provenance.json 'j["predicate"]["runDetails"]["metadata"]["invocationId"]' 77 "invocationId is the pipeline's"
expect_exit 0 "neither set" env -u CI_JOB_ID -u CI_PIPELINE_ID "$BIN/mlci-package" "${all[@]}" --out-dir none
json_is none/provenance.json '"invocationId" in j["predicate"]["runDetails"]["metadata"]' False "no invocationId"

# the model card
card=xg/demo-2.0/MODEL_CARD.md
for s in '^# Model card: demo 2.0$' '^- Type: logistic$' '^- Parameters: `C` = 1$' \
	'^Ranking demo rows for the weekly review\.$' '^Not for decisions about individuals\.$' \
	'^- ml-platform$' '^- Ada Lovelace$' '^Apache-2\.0$' '^- Rows: 3$' \
	'^\| accuracy \| 0\.75 \| \[0\.5, 1\] \|$' '^\| f1_macro \| 0\.7 \| \[0\.4, 1\] \|$' \
	'95% bootstrap percentile intervals over 200 resamples' '^- Verdict: \*\*pass\*\*$' \
	'^\| `accuracy >= 0\.7` \| 0\.75 \| 0\.7 \| pass \|$'; do
	check "card: /$s/" grep -Eq -- "$s" $card
done
check "card: model.json's sha256" grep -q "$(sha256sum fx/model.json | cut -d' ' -f1)" $card
check "card: no path of the build machine" sh -c "! grep -q '$T' $card"
mkdir cj
expect_exit 0 "a JSON card config" "$BIN/mlci-package" "${all[@]}" --card-config card.json --out-dir cj
mkdir xj && tar xzf cj/demo-2.0.tar.gz -C xj
check "JSON and key: value configs give the same card" cmp xj/demo-2.0/MODEL_CARD.md $card
mkdir nc && expect_exit 0 "no card config" "$BIN/mlci-package" "${all[@]}" --out-dir nc
mkdir xn && tar xzf nc/demo-2.0.tar.gz -C xn
check "without a config the card says 'Not stated.'" grep -q '^Not stated\.$' xn/demo-2.0/MODEL_CARD.md
json_is nc/package.json '[f["path"] for f in j["manifest"]["files"] if f["role"] == "model-card"]' \
	"['MODEL_CARD.md']" "the manifest lists the card"

printf 'intended_use: x\nmaintainer: me\n' >bad-card.txt
expect_exit 65 "an unknown card key" "$BIN/mlci-package" "${all[@]}" --card-config bad-card.txt --out-dir bc
err_is "^mlci-package: bad-card\.txt:2:1: unknown key 'maintainer'" "one line naming file and line"
printf 'license: MIT\nlicense: BSD\n' >twice.txt
expect_exit 65 "a key given twice" "$BIN/mlci-package" "${all[@]}" --card-config twice.txt --out-dir bc
err_is "^mlci-package: twice\.txt:2:1: 'license' is given twice$" "names the line"
echo '{"owners": 3}' >bad.json
expect_exit 65 "owners of the wrong type" "$BIN/mlci-package" "${all[@]}" --card-config bad.json --out-dir bc
err_is "^mlci-package: bad\.json: 'owners' must be a string or an array of strings$" "one line"
expect_exit 66 "a missing card config" "$BIN/mlci-package" "${all[@]}" --card-config nope.txt --out-dir bc
err_is "^mlci-package: nope\.txt: " "one line naming it"
expect_exit 64 "--compression must be gzip or zstd" "$BIN/mlci-package" "${all[@]}" --compression xz --out-dir bc
err_is "^mlci-package: --compression must be gzip or zstd, not 'xz'$" "one line"
absent bc "no output directory after a refusal"
