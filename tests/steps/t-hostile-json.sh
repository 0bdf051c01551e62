# Hostile input: JSON nested 100,000 deep, in every kind of artifact a
# step reads (schema, model, metrics and baseline, gate, data report,
# package.json, the manifest and model.json inside a package, a registry
# channel file). jansson refuses nesting beyond JSON_PARSER_MAX_DEPTH
# (2048) with "maximum parsing depth reached": each read must end in that
# one-line 65 error naming the file, with small memory and no output; never
# a crash or a stack overflow. Nesting just under jansson's limit (2000)
# inside an otherwise valid artifact must not break anything either.
LIMIT_MB=${MLCI_HOSTILE_RSS_MB:-200}
# sanitizers and valgrind carry their own memory: allow for it
if ldd "$BIN/mlci-gate" 2>/dev/null | grep -q libasan; then LIMIT_MB=$((LIMIT_MB * 4)); fi
[ -n "${MLCI_VALGRIND:-}" ] && LIMIT_MB=$((LIMIT_MB * 8))

# bounded WANT NAME CMD...: expect_exit, and peak RSS under LIMIT_MB
bounded() {
	want=$1; name=$2; shift 2
	/usr/bin/time -f %M -o "$T/rss" "$@" >"$T/out" 2>"$T/err"
	got=$?
	rss=$(tail -n 1 "$T/rss")
	if [ "$got" -ne "$want" ]; then
		not_ok "$name" "exit $got, expected $want; stderr: $(head -c 400 "$T/err")"
	elif [ "$rss" -gt $((LIMIT_MB * 1024)) ]; then
		not_ok "$name" "peak RSS ${rss} KB over ${LIMIT_MB} MB"
	else
		ok "$name (peak RSS $((rss / 1024)) MB)"
	fi
}

# real artifacts to wrap and to stand beside the hostile ones
export SOURCE_DATE_EPOCH=1700000000
"$BIN/mlci-validate-data" --data "$DATA/iris.csv" --label species \
	--infer-schema schema.json --out report.json >/dev/null
"$BIN/mlci-train" --data "$DATA/iris.csv" --label species --model logistic --out model.json >/dev/null
"$BIN/mlci-evaluate" --model model.json --data "$DATA/iris.csv" --out metrics.json >/dev/null
"$BIN/mlci-gate" --metrics metrics.json --rule 'accuracy >= 0.5' --out gate.json >/dev/null
"$BIN/mlci-package" --model model.json --name iris --version 1 --out-dir dist >/dev/null
check "the real artifacts for this test were made" test -s dist/iris-1.tar.gz

# deep KIND DEPTH OUT: an artifact of KIND whose "x" nests DEPTH deep
# (arrays and objects alternating); KIND "" gives a bare nest.
deep() {
	/usr/bin/python3 - "$@" <<'EOF'
import sys
kind, depth, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
opens = ''.join('[' if i % 2 == 0 else '{"a":' for i in range(depth))
closes = ''.join(']' if i % 2 == 0 else '}' for i in reversed(range(depth)))
nest = opens + closes
with open(out, 'w') as f:
    f.write(nest if not kind else
            '{"kind": "%s", "schema_version": 1, "x": %s}' % (kind, nest))
EOF
}
D=100000
deep mlci.schema $D schema-deep.json
deep mlci.model $D model-deep.json
deep mlci.metrics $D metrics-deep.json
deep mlci.gate $D gate-deep.json
deep mlci.data-report $D report-deep.json
deep mlci.package $D package-deep.json
deep "" $D bare-deep.json
DEPTH_ERR='maximum parsing depth'

bounded 65 "validate-data: a schema nested 100,000 deep" \
	"$BIN/mlci-validate-data" --data "$DATA/iris.csv" --schema schema-deep.json --out r.json
err_is "^mlci-validate-data: schema-deep.json:1:[0-9]+: invalid JSON: $DEPTH_ERR" "validate-data: one line naming the schema"
absent r.json "validate-data: no report left"
bounded 65 "validate-data: a bare 100,000-deep nest as schema" \
	"$BIN/mlci-validate-data" --data "$DATA/iris.csv" --schema bare-deep.json --out r.json
err_is "^mlci-validate-data: bare-deep.json:1:[0-9]+: invalid JSON: $DEPTH_ERR" "validate-data: bare nest, one line"

bounded 65 "evaluate: a model nested 100,000 deep" \
	"$BIN/mlci-evaluate" --model model-deep.json --data "$DATA/iris.csv" --out m.json
err_is "^mlci-evaluate: model-deep.json:1:[0-9]+: invalid JSON: $DEPTH_ERR" "evaluate: one line naming the model"
absent m.json "evaluate: no metrics left"

bounded 65 "gate: metrics nested 100,000 deep" \
	"$BIN/mlci-gate" --metrics metrics-deep.json --rule 'accuracy >= 0.5' --out g.json --junit j.xml
err_is "^mlci-gate: metrics-deep.json:1:[0-9]+: invalid JSON: $DEPTH_ERR" "gate: one line naming the metrics"
absent g.json "gate: no gate.json left"
absent j.xml "gate: no JUnit left"
bounded 65 "gate: a baseline nested 100,000 deep" \
	"$BIN/mlci-gate" --metrics metrics.json --baseline metrics-deep.json \
	--rule 'accuracy >= baseline' --out g.json
err_is "^mlci-gate: metrics-deep.json:1:[0-9]+: invalid JSON: $DEPTH_ERR" "gate: one line naming the baseline"
absent g.json "gate: no gate.json left (baseline)"
printf 'accuracy >= 0.5\n' >rules.txt
bounded 65 "gate: a rules file is not JSON, but deep metrics still fail cleanly with --rules" \
	"$BIN/mlci-gate" --metrics metrics-deep.json --rules rules.txt --out g.json
absent g.json "gate: no gate.json left (rules file)"

for role in model metrics gate data-report schema; do
	case $role in
	model) args="--model model-deep.json" c=model-deep.json ;;
	metrics) args="--model model.json --metrics metrics-deep.json" c=metrics-deep.json ;;
	gate) args="--model model.json --metrics metrics.json --gate gate-deep.json" c=gate-deep.json ;;
	data-report) args="--model model.json --data-report report-deep.json" c=report-deep.json ;;
	schema) args="--model model.json --schema schema-deep.json" c=schema-deep.json ;;
	esac
	# shellcheck disable=SC2086
	bounded 65 "package: --$role nested 100,000 deep" \
		"$BIN/mlci-package" $args --name p --version 1 --out-dir out-$role
	err_is "^mlci-package: $c:1:[0-9]+: invalid JSON: $DEPTH_ERR" "package: one line naming the $role"
	absent out-$role "package: no output directory for a deep $role"
done

bounded 65 "deploy: a package.json nested 100,000 deep" \
	"$BIN/mlci-deploy" --package package-deep.json --to "dir://$T/reg" --out d.json
err_is "^mlci-deploy: package-deep.json:1:[0-9]+: not a package: invalid JSON: $DEPTH_ERR" "deploy: one line naming the package.json"
absent d.json "deploy: no deploy.json left"
absent reg "deploy: the registry was not created"

# a package whose manifest.json / model.json inside is 100,000 deep
repack() {	# WHICH OUT: dist/iris-1.tar.gz with WHICH replaced by a deep nest
	/usr/bin/python3 - "$@" <<'EOF'
import hashlib, io, json, sys, tarfile
which, out = sys.argv[1], sys.argv[2]
d = 100000
deep = ('{"kind": "mlci.%s", "schema_version": 1, "x": ' % ("manifest" if which == "manifest.json" else "model")
        + '[' * d + ']' * d + '}').encode()
src = tarfile.open('dist/iris-1.tar.gz')
files = {m.name: src.extractfile(m).read() for m in src.getmembers() if m.isfile()}
files['iris-1/' + which] = deep
if which == 'model.json':	# keep the manifest's sums right: only the depth is wrong
    man = json.loads(files['iris-1/manifest.json'])
    sha = hashlib.sha256(deep).hexdigest()
    for f in man['files']:
        if f['path'] == 'model.json':
            f['sha256'], f['size'] = sha, len(deep)
    man['lineage']['model_sha256'] = sha
    files['iris-1/manifest.json'] = json.dumps(man).encode()
with tarfile.open(out, 'w:gz', format=tarfile.USTAR_FORMAT) as t:
    for name in ['iris-1'] + sorted(files):
        ti = tarfile.TarInfo(name)
        if name == 'iris-1':
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            t.addfile(ti)
        else:
            ti.size, ti.mode = len(files[name]), 0o644
            t.addfile(ti, io.BytesIO(files[name]))
EOF
}
repack manifest.json deep-manifest.tar.gz
bounded 65 "deploy: a package whose manifest.json is nested 100,000 deep" \
	"$BIN/mlci-deploy" --package deep-manifest.tar.gz --to "dir://$T/reg" --out d.json
err_is "^mlci-deploy: deep-manifest.tar.gz: .*manifest.json.*$DEPTH_ERR" "deploy: one line naming the package and its manifest"
absent d.json "deploy: no deploy.json left (manifest)"
absent reg "deploy: the registry was not created (manifest)"
repack model.json deep-model.tar.gz
bounded 65 "deploy: a package whose model.json is nested 100,000 deep" \
	"$BIN/mlci-deploy" --package deep-model.tar.gz --to "dir://$T/reg" --out d.json
err_is "^mlci-deploy: deep-model.tar.gz: iris-1/model.json:1:[0-9]+: invalid JSON: $DEPTH_ERR" "deploy: one line naming the package and its model.json"
absent d.json "deploy: no deploy.json left (model)"
absent reg "deploy: the registry was not created (model)"

# a registry channel file nested 100,000 deep
expect_exit 0 "deploy: a first deploy makes a channel" \
	"$BIN/mlci-deploy" --package dist/iris-1.tar.gz --to "dir://$T/reg2" --channel prod --out d0.json
deep mlci.channel $D reg2/iris/channels/prod.json
"$BIN/mlci-package" --model model.json --name iris --version 2 --out-dir dist2 >/dev/null
bounded 65 "deploy: a channel file nested 100,000 deep" \
	"$BIN/mlci-deploy" --package dist2/iris-2.tar.gz --to "dir://$T/reg2" --channel prod --out d.json
err_is "^mlci-deploy: .*reg2/iris/channels/prod.json:1:[0-9]+: invalid JSON: $DEPTH_ERR" "deploy: one line naming the channel file"
absent d.json "deploy: no deploy.json left (channel)"
absent reg2/iris/2 "deploy: a broken channel file publishes nothing (version 2 not in the registry)"

# just under jansson's limit, inside otherwise valid artifacts: accepted
# (extra keys are ignored) or refused, but cleanly, and the writers that
# copy JSON (package.json holds the manifest) cope
for c in model metrics gate report schema; do
	/usr/bin/python3 - "$c.json" "$c-2000.json" <<'EOF'
import sys
s = open(sys.argv[1]).read().rstrip()
d = 2000
open(sys.argv[2], 'w').write(s[:-1] + ', "zz": ' + '[' * d + ']' * d + '}\n')
EOF
done
bounded 0 "evaluate: a model with a 2,000-deep extra field" \
	"$BIN/mlci-evaluate" --model model-2000.json --data "$DATA/iris.csv" --out m2.json
bounded 0 "gate: metrics with a 2,000-deep extra field" \
	"$BIN/mlci-gate" --metrics metrics-2000.json --rule 'accuracy >= 0.5' --out g2.json
bounded 0 "validate-data: a schema with a 2,000-deep extra field" \
	"$BIN/mlci-validate-data" --data "$DATA/iris.csv" --schema schema-2000.json --out r2.json

# JSON Lines data (the streaming reader): one line nested 100,000 deep
/usr/bin/python3 -c '
d = 100000
open("deep.jsonl", "w").write("{\"a\": 1}\n{\"a\": " + "[" * d + "]" * d + "}\n")'
bounded 65 "validate-data: a JSON Lines record nested 100,000 deep" \
	"$BIN/mlci-validate-data" --data deep.jsonl --out r.json
err_is "^mlci-validate-data: deep.jsonl:2:[0-9]+: not valid JSON: $DEPTH_ERR" "validate-data: JSON Lines: one line at line 2"
absent r.json "validate-data: JSON Lines: no report left"
