# The whole pipeline on real data (adult: train on adult.data.csv, evaluate
# on adult.test.csv), checking that every artifact validates against its
# schema, that the artifacts chain by hash, that the reports pass the CI
# systems' own validators, and that packaging is byte-reproducible.
export SOURCE_DATE_EPOCH=1700000000
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
R="--columns $COLS --trim"
sha() { sha256sum "$1" | cut -d' ' -f1; }
# input_sha FILE ROLE: the sha256 an artifact recorded for its input ROLE
input_sha() { /usr/bin/python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print([i["sha256"] for i in a["inputs"] if i["role"]==sys.argv[2]][0])' "$1" "$2"; }
same() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "'$2' != '$3'"; fi; }

expect_exit 0 "validate-data infers a schema from adult.data" \
	"$BIN/mlci-validate-data" --data "$DATA/adult.data.csv" $R --label income \
	--infer-schema schema.json --out data-report.json
expect_exit 0 "validate-data accepts adult.test against that schema" \
	"$BIN/mlci-validate-data" --data "$DATA/adult.test.csv" --skip-rows 1 $R \
	--label income --label-suffix . --schema schema.json --out test-report.json
expect_exit 0 "train logistic on adult.data" \
	"$BIN/mlci-train" --data "$DATA/adult.data.csv" $R --label income \
	--model logistic --out model.json
expect_exit 0 "evaluate on adult.test" \
	"$BIN/mlci-evaluate" --model model.json --data "$DATA/adult.test.csv" \
	--skip-rows 1 $R --label-suffix . --out metrics.json --predictions predictions.csv
expect_exit 0 "gate passes with the example rules" \
	"$BIN/mlci-gate" --metrics metrics.json --rules "$TOP/templates/gate.rules" \
	--out gate.json --junit junit.xml --markdown gate.md \
	--openmetrics metrics.txt --dotenv gate.env
expect_exit 0 "package" \
	"$BIN/mlci-package" --model model.json --metrics metrics.json --gate gate.json \
	--data-report data-report.json --schema schema.json \
	--name adult-income --version 1.0.0 --out-dir dist
expect_exit 0 "deploy to a directory registry" \
	"$BIN/mlci-deploy" --package dist/adult-income-1.0.0.tar.gz \
	--to "dir://$T/registry" --channel staging --out deploy.json

check "every artifact validates against its JSON Schema" \
	/usr/bin/python3 "$TOP/tests/check_schema.py" schema.json data-report.json \
	test-report.json model.json metrics.json gate.json dist/package.json deploy.json
/usr/bin/python3 "$TOP/tests/check_schema.py" schema.json data-report.json \
	test-report.json model.json metrics.json gate.json dist/package.json deploy.json | head -5

# the lineage: data -> model -> metrics -> gate -> package -> deploy
same "model records the training data's sha256" "$(input_sha model.json data)" "$(sha "$DATA/adult.data.csv")"
same "data report describes the same data" "$(input_sha data-report.json data)" "$(sha "$DATA/adult.data.csv")"
same "metrics record the model's sha256" "$(input_sha metrics.json model)" "$(sha model.json)"
same "metrics record the test data's sha256" "$(input_sha metrics.json data)" "$(sha "$DATA/adult.test.csv")"
same "gate records the metrics' sha256" "$(input_sha gate.json metrics)" "$(sha metrics.json)"
same "deploy records the package's sha256" "$(input_sha deploy.json package)" "$(sha dist/adult-income-1.0.0.tar.gz)"
mkdir x && tar -xzf dist/adult-income-1.0.0.tar.gz -C x
for f in model.json metrics.json gate.json data-report.json schema.json; do
	same "package carries $f unchanged" "$(sha x/adult-income-1.0.0/$f)" "$(sha $f)"
done
check "the manifest lists every file with its sha256" /usr/bin/python3 -c '
import json, hashlib, os, sys
d = "x/adult-income-1.0.0"
m = json.load(open(os.path.join(d, "manifest.json")))
files = {f["path"]: f["sha256"] for f in m["files"]}
names = set(os.listdir(d)) - {"manifest.json", "provenance.json"}
assert names == set(files), (names, files)
for p, s in files.items():
    assert hashlib.sha256(open(os.path.join(d, p), "rb").read()).hexdigest() == s, p
'
check "the registry holds the version and the channel points at it" /usr/bin/python3 -c '
import json
c = json.load(open("registry/adult-income/channels/staging.json"))
assert c["version"] == "1.0.0", c
'

# reports checked by the CI systems' own validators
check "junit.xml is valid under the Ant JUnit schema" xmllint --noout --schema "$TOP/tests/schemas/junit-ant.xsd" junit.xml
check "junit.xml is valid under the Jenkins xunit schema" xmllint --noout --schema "$TOP/tests/schemas/junit-jenkins-xunit.xsd" junit.xml
check "metrics.txt passes promtool check metrics" sh -c 'promtool check metrics <metrics.txt'
check "gate.env is a GitLab-valid dotenv" /usr/bin/python3 -c '
import re
b = open("gate.env", "rb").read()
assert len(b) < 5120 and not b.startswith(b"\xef\xbb\xbf") and b.endswith(b"\n")
lines = b.decode().split("\n")[:-1]
assert 0 < len(lines) <= 20
for l in lines:
    assert re.fullmatch(r"[A-Za-z0-9_]{1,255}=[A-Za-z0-9._:/@+-]*", l), l
'

# packaging the same inputs again gives the same bytes
expect_exit 0 "package again into another directory" \
	"$BIN/mlci-package" --model model.json --metrics metrics.json --gate gate.json \
	--data-report data-report.json --schema schema.json \
	--name adult-income --version 1.0.0 --out-dir dist2
check "the two packages are byte-identical" cmp dist/adult-income-1.0.0.tar.gz dist2/adult-income-1.0.0.tar.gz

# deploying the same package again is a no-op success
expect_exit 0 "deploying the same package again succeeds" \
	"$BIN/mlci-deploy" --package dist2/adult-income-1.0.0.tar.gz \
	--to "dir://$T/registry" --channel staging --out deploy2.json

# accuracy close to scikit-learn's with the same preprocessing
check "adult test accuracy within 0.005 of scikit-learn's" /usr/bin/python3 -c '
import json, subprocess, sys
m = json.load(open("metrics.json"))["metrics"]
p = json.loads(subprocess.check_output(["/usr/bin/python3", sys.argv[1], "logistic",
    sys.argv[2] + "/adult.data.csv", "income", "--test", sys.argv[2] + "/adult.test.csv",
    "--columns", sys.argv[3], "--test-skip-rows", "1", "--label-suffix", "."]))
print(m["accuracy"], p["accuracy"], m["log_loss"], p["log_loss"])
assert abs(m["accuracy"] - p["accuracy"]) < 0.005
assert abs(m["log_loss"] - p["log_loss"]) < 0.005
' "$TOP/ci/bench-peer.py" "$DATA" "$COLS"
