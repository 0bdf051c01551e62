# Hostile input: model.json files that claim enormous sizes (10^12 trees,
# outputs, classes, coefficients) or carry huge arrays (10^5 to 10^6
# classes, coefficient rows, columns, categories). The loader must
# check every declared size against what the file really holds, so each
# is a one-line 65 error naming the file, with small memory: never an
# allocation of what the file claims. Through mlci-evaluate (model_load),
# mlci-package (which refuses what evaluate would) and mlci-deploy (a
# package carrying such a model).
LIMIT_MB=${MLCI_HOSTILE_RSS_MB:-200}
if ldd "$BIN/mlci-evaluate" 2>/dev/null | grep -q libasan; then LIMIT_MB=$((LIMIT_MB * 4)); fi
[ -n "${MLCI_VALGRIND:-}" ] && LIMIT_MB=$((LIMIT_MB * 8))

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

export SOURCE_DATE_EPOCH=1700000000
"$BIN/mlci-train" --data "$DATA/iris.csv" --label species --model logistic --out model.json >/dev/null
check "a real model to start from" test -s model.json

# hostile NAME PYTHON: model.json, changed by PYTHON (m is the model), as NAME.json
hostile() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import json, sys
name, change = sys.argv[1], sys.argv[2]
m = json.load(open('model.json'))
p = m['preprocessing']
exec(change)
text = json.dumps(m)
# integers past what Python's json writes as-is
text = text.replace('"@BIG@"', '99999999999999999999999')
open(name + '.json', 'w').write(text)
EOF
}
hostile outputs-1e12 'p["n_outputs"] = 10**12'
hostile outputs-int64 'p["n_outputs"] = 2**63 - 1'
hostile outputs-real 'p["n_outputs"] = 1e12'
hostile outputs-big 'p["n_outputs"] = "@BIG@"'
hostile outputs-negative 'p["n_outputs"] = -1'
hostile classes-1e5 'm["classes"] = ["c%d" % i for i in range(100000)]'
hostile classes-big 'm["classes"] = "@BIG@"'
hostile coef-rows-1e5 'm["model"]["coefficients"] = [[0.0] * 4 for i in range(100000)]'
hostile coef-row-1e6 'm["model"]["coefficients"][0] = [0.0] * 1000000'
hostile intercepts-1e6 'm["model"]["intercepts"] = [0.0] * 1000000'
hostile features-1e6 'm["features"] = ["f%d" % i for i in range(1000000)]'
hostile columns-1e5 'p["columns"] = [dict(p["columns"][0], name="f%d" % i) for i in range(100000)]'
hostile categories-1e6 'p["columns"][0] = {"name": p["columns"][0]["name"], "type": "categorical", "impute": "c0", "categories": ["c%07d" % i for i in range(1000000)]}'
hostile outputs-names-1e6 'p["outputs"] = ["o%d" % i for i in range(1000000)]'
hostile training-claims 'm["training"].update(n_features_out=10**12, n_rows=10**12, n_features_in=10**12)'

cases="outputs-1e12 outputs-int64 outputs-real outputs-big outputs-negative
	classes-1e5 classes-big coef-rows-1e5"
# the 10 MB files take minutes under valgrind, for the same code paths
[ -z "${MLCI_VALGRIND:-}" ] && cases="$cases coef-row-1e6 intercepts-1e6
	features-1e6 columns-1e5 categories-1e6 outputs-names-1e6"
for c in $cases; do
	bounded 65 "evaluate: $c" \
		"$BIN/mlci-evaluate" --model $c.json --data "$DATA/iris.csv" --out m.json
	err_is "^mlci-evaluate: $c.json(:[0-9]+:[0-9]+)?: " "evaluate: $c: one line naming the model"
	absent m.json "evaluate: $c: no metrics left"
done
bounded 65 "package: a model claiming 10^12 outputs" \
	"$BIN/mlci-package" --model outputs-1e12.json --name p --version 1 --out-dir dist
err_is "^mlci-package: outputs-1e12.json: " "package: one line naming the model"
absent dist "package: no output directory"
bounded 65 "package: a model with 10^5 classes" \
	"$BIN/mlci-package" --model classes-1e5.json --name p --version 1 --out-dir dist
absent dist "package: no output directory (classes)"
# real content costs memory in proportion (jansson holds about 8 bytes per
# byte of JSON); past the artifact limit a file is refused unread
printf '{"kind": "mlci.model"' >huge.json
truncate -s 10G huge.json
bounded 65 "evaluate: a 10 GB (sparse) model.json" \
	"$BIN/mlci-evaluate" --model huge.json --data "$DATA/iris.csv" --out m.json
err_is "^mlci-evaluate: huge.json: larger than the 536870912-byte limit$" "evaluate: the size error is one line"
absent m.json "evaluate: no metrics left (10 GB model)"
rm -f huge.json

# sizes the loader does not use are only recorded: the model still works
bounded 0 "evaluate: training statistics claiming 10^12 are only reported" \
	"$BIN/mlci-evaluate" --model training-claims.json --data "$DATA/iris.csv" --out m.json
rm -f m.json

# tree models claiming 10^12 trees: the loaders size everything by the
# "trees" array the file really holds (hgb checks n_iter against it); a
# claim only recorded (the forest's n_estimators, training.n_trees) is
# not used to allocate
"$BIN/mlci-train" --data "$DATA/iris.csv" --label species --model forest --param n_estimators=3 --out forest.json >/dev/null
"$BIN/mlci-train" --data "$DATA/iris.csv" --label species --model hgb --param max_iter=3 --out hgb.json >/dev/null
/usr/bin/python3 - <<'EOF'
import json
h = json.load(open('hgb.json'))
h['model']['n_iter'] = 10**12
json.dump(h, open('hgb-iter-1e12.json', 'w'))
f = json.load(open('forest.json'))
f['model']['params']['n_estimators'] = 10**12
f['training']['n_trees'] = 10**12
json.dump(f, open('forest-claims-1e12.json', 'w'))
EOF
bounded 65 "evaluate: a boosted model claiming 10^12 iterations" \
	"$BIN/mlci-evaluate" --model hgb-iter-1e12.json --data "$DATA/iris.csv" --out m.json
err_is "^mlci-evaluate: hgb-iter-1e12.json: model.trees must hold n_iter " "evaluate: hgb n_iter: one line naming the model"
absent m.json "evaluate: hgb n_iter: no metrics left"
bounded 0 "evaluate: a forest claiming 10^12 trees it does not hold runs its 3" \
	"$BIN/mlci-evaluate" --model forest-claims-1e12.json --data "$DATA/iris.csv" --out m.json
rm -f m.json

# a package carrying a hostile model (sums in the manifest right)
repack() {	# MODEL OUT
	/usr/bin/python3 - "$@" <<'EOF'
import hashlib, io, json, sys, tarfile
model, out = open(sys.argv[1], 'rb').read(), sys.argv[2]
sha = hashlib.sha256(model).hexdigest()
man = {"kind": "mlci.manifest", "schema_version": 1, "name": "p", "version": "1",
       "files": [{"path": "model.json", "role": "model", "sha256": sha, "size": len(model)}],
       "lineage": {"data_sha256": json.loads(model).get("data_sha256"), "model_sha256": sha,
                   "gate_verdict": None, "allow_failed_gate": False}}
files = {"p-1/manifest.json": json.dumps(man).encode(), "p-1/model.json": model}
with tarfile.open(out, 'w:gz', format=tarfile.USTAR_FORMAT) as t:
    ti = tarfile.TarInfo('p-1'); ti.type, ti.mode = tarfile.DIRTYPE, 0o755; t.addfile(ti)
    for name in sorted(files):
        ti = tarfile.TarInfo(name); ti.size, ti.mode = len(files[name]), 0o644
        t.addfile(ti, io.BytesIO(files[name]))
EOF
}
repack model.json good.tar.gz
expect_exit 0 "deploy: the repacked real model deploys (the harness is right)" \
	"$BIN/mlci-deploy" --package good.tar.gz --to "dir://$T/reg0" --out d0.json
for c in outputs-1e12 classes-1e5 coef-rows-1e5; do
	repack $c.json $c.tar.gz
	bounded 65 "deploy: a package whose model $c" \
		"$BIN/mlci-deploy" --package $c.tar.gz --to "dir://$T/reg" --out d.json
	err_is "^mlci-deploy: $c.tar.gz: p-1/model.json is not a valid model: " "deploy: $c: one line"
	absent d.json "deploy: $c: no deploy.json"
	absent reg "deploy: $c: no registry"
done
rm -f ./*-1e5.json ./*-1e6.json ./*.tar.gz	# 60 MB of hostile files
