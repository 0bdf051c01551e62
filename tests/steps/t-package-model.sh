# mlci-package and mlci-deploy refuse a model.json that mlci-evaluate
# would refuse (the same loader, model_load's checks): a broken model is
# never packaged, and a package holding one (its checksums made
# consistent) is never deployed.
PY=/usr/bin/python3
P="$BIN/mlci-package"
D="$BIN/mlci-deploy"
mkdir dist
empty() { check "$1: nothing written" sh -c '[ -z "$(ls -A dist)" ]'; }

expect_exit 0 "train a model" "$BIN/mlci-train" --data "$DATA/iris.csv" --label species --model logistic --out model.json
# the tester's edit: one coefficient removed from model.coefficients[0]
$PY - <<'EOF'
import json
m = json.load(open("model.json"))
m["model"]["coefficients"][0].pop()
json.dump(m, open("short.json", "w"), indent=2, sort_keys=True)
m = json.load(open("model.json"))
m["preprocessing"]["columns"][0]["scale"] = 0.0
json.dump(m, open("scale0.json", "w"), indent=2, sort_keys=True)
m = json.load(open("model.json"))
m["features"].reverse()
json.dump(m, open("order.json", "w"), indent=2, sort_keys=True)
EOF

expect_exit 65 "mlci-evaluate refuses the shortened model" "$BIN/mlci-evaluate" --model short.json --data "$DATA/iris.csv" --out m.json
err_is '^mlci-evaluate: short\.json: model\.coefficients\[0\] must be an array of 4 numbers$' "evaluate's message"
expect_exit 65 "mlci-package refuses it too" "$P" --model short.json --name iris --version 1 --out-dir dist
err_is '^mlci-package: short\.json: model\.coefficients\[0\] must be an array of 4 numbers$' "the same message, naming the file"
empty "shortened coefficients"
expect_exit 65 "a zero scale" "$P" --model scale0.json --name iris --version 1 --out-dir dist
err_is '^mlci-package: scale0\.json: preprocessing\.columns\[0\]: mean and scale must be finite, scale > 0$' "names the file and the field"
expect_exit 65 "features out of the preprocessing's order" "$P" --model order.json --name iris --version 1 --out-dir dist
err_is '^mlci-package: order\.json: features\[0\] does not match' "names the file"
empty "malformed models"
# what package_fixtures.py used to write: the right kind, no real model
$PY - <<'EOF'
import json
json.dump({"kind": "mlci.model", "schema_version": 1, "inputs": [],
           "task": "classification", "label": "y", "classes": ["a", "b"],
           "features": ["x1", "x2"], "preprocessing": {},
           "model": {"type": "logistic", "coef": [0.5, -0.25]}},
          open("oldfixture.json", "w"))
EOF
expect_exit 65 "a model-kind file that is no model" "$P" --model oldfixture.json --name iris --version 1 --out-dir dist
err_is "^mlci-package: oldfixture\.json: " "names the file"
printf '{"kind": "mlci.model", "schema_version": 1, "task": "classification"}\n' >notmodel.json
expect_exit 65 "a model-kind file with nothing in it" "$P" --model notmodel.json --name iris --version 1 --out-dir dist
err_is "^mlci-package: notmodel\.json: " "names the file"
empty "empty model"

# the good one packages (and evaluates)
expect_exit 0 "the trained model packages" "$P" --model model.json --name iris --version 1 --out-dir dist
check "tarball written" test -f dist/iris-1.tar.gz

# a package whose model.json was swapped for the broken one, with the
# manifest's checksums, sizes and lineage rewritten to match: only the
# model's own validation can tell
$PY - dist/iris-1.tar.gz forged.tar.gz short.json <<'EOF'
import hashlib, io, json, sys, tarfile
src, dst, new = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
sha = hashlib.sha256(new).hexdigest()
with tarfile.open(src) as t:
    ms = [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
with tarfile.open(dst, "w:gz", format=tarfile.USTAR_FORMAT) as out:
    for m, data in ms:
        if m.name.endswith("/model.json"):
            data = new
        if m.name.endswith("/manifest.json"):
            man = json.loads(data)
            for f in man["files"]:
                if f["path"] == "model.json":
                    f["sha256"], f["size"] = sha, len(new)
            man["lineage"]["model_sha256"] = sha
            data = (json.dumps(man, indent=2, sort_keys=True) + "\n").encode()
        if m.isfile():
            m.size = len(data)
            out.addfile(m, io.BytesIO(data))
        else:
            out.addfile(m)
EOF
check "forged package written" test -s forged.tar.gz
REG=$T/reg
expect_exit 65 "mlci-deploy refuses a package with a broken model" "$D" --package forged.tar.gz --to "dir://$REG" --channel prod --out d.json
err_is '^mlci-deploy: forged\.tar\.gz: iris-1/model\.json is not a valid model: model\.coefficients\[0\] must be an array of 4 numbers$' \
	"names the package, the member and the problem"
check "registry not created" test ! -e "$REG"
absent d.json "no deploy.json"
expect_exit 0 "the genuine package deploys" "$D" --package dist/iris-1.tar.gz --to "dir://$REG" --channel prod --out d.json
