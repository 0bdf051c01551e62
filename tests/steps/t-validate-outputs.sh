# mlci-validate-data --html, --codequality, --junit: rendered from the
# report and written with it, all or none. JUnit against the Ant and
# Jenkins xunit XSDs (tests/schemas/), Code Quality field by field as
# GitLab documents it, the HTML rendered by headless Chromium
# (tests/html_check.sh), and the GitLab template wires the reports in.
V="$BIN/mlci-validate-data"
XSD="$TOP/tests/schemas"
export SOURCE_DATE_EPOCH=1700000000

expect_exit 1 "titanic with every output" "$V" --data "$DATA/titanic.csv" --label Survived \
	--max-missing 0.5 --out r.json --html p.html --codequality cq.json --junit j.xml --json
cp "$T/out" stdout.json
check "--json prints the report written" cmp stdout.json r.json

# JUnit
check "JUnit valid under the Ant schema" xmllint --noout --schema "$XSD/junit-ant.xsd" j.xml
check "JUnit valid under the Jenkins xunit schema" xmllint --noout --schema "$XSD/junit-jenkins-xunit.xsd" j.xml
check "JUnit timestamp from SOURCE_DATE_EPOCH" grep -q 'timestamp="2023-11-14T22:13:20"' j.xml
/usr/bin/python3 - r.json j.xml <<'PY' && ok "JUnit: one case per check, the failures are the error anomalies" || not_ok "JUnit: one case per check, the failures are the error anomalies"
import json, sys, xml.etree.ElementTree as ET
r = json.load(open(sys.argv[1]))
suite = ET.parse(sys.argv[2]).getroot().find("testsuite")
cases = suite.findall("testcase")
names = [c.get("name") for c in cases]
want = ["columns", "rows", "label"] + ["column " + c["name"] for c in r["columns"]]
failed = sorted(c.get("name") for c in cases if c.find("failure") is not None)
def check(a):
    return "column " + a["column"] if a.get("column") and a["code"] not in ("missing_label", "unseen_label") else "label"
errs = sorted({check(a) for a in r["anomalies"] if a["severity"] == "error"})
ok = (names == want and failed == errs and int(suite.get("tests")) == len(cases)
      and int(suite.get("failures")) == len(failed) and len(set(names)) == len(names))
sys.exit(0 if ok else 1)
PY
check "JUnit lists the warnings in system-out" grep -q 'warning: ' j.xml

# Code Quality: a JSON array, one finding per anomaly, GitLab's fields
# cq_ok REPORT CQ DATA: the Code Quality file against its report
cq_ok() {
	/usr/bin/python3 - "$@" <<'PY'
import hashlib, json, sys
r, cq, path = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
sev = {"error": "critical", "warning": "minor", "info": "info"}
assert isinstance(cq, list) and len(cq) == len(r["anomalies"])
for f, a in zip(cq, r["anomalies"]):
    assert set(f) == {"description", "check_name", "fingerprint", "severity", "location"}, f
    assert f["description"] == a["message"]
    assert f["check_name"] == "mlci.data." + a["code"]
    assert f["severity"] == sev[a["severity"]] and f["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert f["location"]["path"] == path and set(f["location"]) == {"path", "lines"}
    assert f["location"]["lines"]["begin"] == a.get("line", 1) >= 1
    key = "%s\n%s\n%s" % (path, a["code"], a.get("column", ""))
    assert f["fingerprint"] == hashlib.sha256(key.encode()).hexdigest()
assert len({f["fingerprint"] for f in cq}) == len(cq)
PY
}
check "Code Quality: every field as GitLab documents it" cq_ok r.json cq.json "$DATA/titanic.csv"

# HTML, rendered by Chromium (the CI installs it: ci/install-deps)
cols=$(/usr/bin/python3 -c 'import json; print(" ".join(c["name"] for c in json.load(open("r.json"))["columns"]))')
if command -v chromium >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	if out=$(sh "$TOP/tests/html_check.sh" p.html $cols 2>&1); then ok "HTML renders in Chromium with a card per column"
	else not_ok "HTML renders in Chromium with a card per column" "$out"; fi
else
	echo "# SKIP HTML render check: chromium is not installed (ci/install-deps installs it)"
fi
check "HTML is self-contained (no script, no external file)" sh -c '! grep -Eqi "<script|src=\"http|href=\"http" p.html'
json_is r.json 'all(("<td>%s</td>" % a["code"]) in open("p.html").read() for a in j["anomalies"])' "True" "HTML lists every anomaly"

# reruns are byte-identical (SOURCE_DATE_EPOCH)
expect_exit 1 "rerun" "$V" --data "$DATA/titanic.csv" --label Survived --max-missing 0.5 \
	--out r2.json --html p2.html --codequality cq2.json --junit j2.xml
check "rerun: the same HTML" cmp p.html p2.html
check "rerun: the same Code Quality" cmp cq.json cq2.json
check "rerun: the same JUnit" cmp j.xml j2.xml

# leakage and personal data reach the reports: the constructed pair
expect_exit 1 "leakage into the reports" "$V" --data "$TOP/tests/ref/leak_train.csv" \
	--against "$TOP/tests/ref/leak_test.csv" --label Survived --out l.json --junit l.xml --codequality l.cq --html l.html
check "leakage JUnit valid (Ant)" xmllint --noout --schema "$XSD/junit-ant.xsd" l.xml
check "leakage JUnit valid (xunit)" xmllint --noout --schema "$XSD/junit-jenkins-xunit.xsd" l.xml
check "JUnit: the shared rows fail the rows check" grep -q '<failure type="mlci.data.shared_rows"' l.xml
check "JUnit: the perfect predictor fails its column" sh -c 'grep -A1 "testcase name=\"column Deck\"" l.xml | grep -q mlci.data.perfect_predictor'
check "leakage Code Quality: every field as GitLab documents it" cq_ok l.json l.cq "$TOP/tests/ref/leak_train.csv"
json_is l.json '[a["line"] for a in j["anomalies"] if a["code"] == "shared_rows"] == [j["leakage"]["rows"]["examples"][0]["data_line"]]' \
	"True" "the shared rows point at the first example's line"
json_is l.cq 'sorted({f["check_name"] for f in j} & {"mlci.data.shared_rows", "mlci.data.perfect_predictor", "mlci.data.id_column", "mlci.data.pii"})' \
	"['mlci.data.id_column', 'mlci.data.perfect_predictor', 'mlci.data.pii', 'mlci.data.shared_rows']" "Code Quality carries the leakage and pii findings"
json_is l.json '"<tr><td>whole rows</td><td>%(data_rows)d</td><td>%(distinct)d</td><td>%(against_rows)d</td>" % j["leakage"]["rows"] in open("l.html").read()' \
	"True" "HTML: the leakage section has the report's shared rows"
json_is l.json '"perfect predictors of the label: " + ", ".join(p["column"] for p in j["leakage"]["perfect_predictors"]) in open("l.html").read()' \
	"True" "HTML: the leakage section names the perfect predictors"
if command -v chromium >/dev/null 2>&1; then
	if out=$(sh "$TOP/tests/html_check.sh" l.html Deck Name 2>&1); then ok "leakage HTML renders"; else not_ok "leakage HTML renders" "$out"; fi
fi

# all or none: an output that cannot be created leaves no other
expect_exit 73 "an output in a missing directory" "$V" --data "$DATA/iris.csv" --out n.json \
	--html n.html --codequality n.cq --junit nodir/n.xml
err_is "nodir/n.xml" "the output that failed is named"
absent n.json "no report when another output fails"
absent n.html "no HTML when another output fails"
absent n.cq "no Code Quality when another output fails"
mkdir adir
expect_exit 73 "an output that is a directory" "$V" --data "$DATA/iris.csv" --out d.json --html d.html --junit adir
absent d.json "no report when the JUnit path is a directory"
absent d.html "no HTML when the JUnit path is a directory"
mkdir ro && chmod 555 ro
if [ -w ro ]; then echo "# SKIP read-only directory check: running as root"
else
	expect_exit 73 "an output in a read-only directory" "$V" --data "$DATA/iris.csv" --out o.json --html ro/o.html
	absent o.json "no report when the HTML cannot be written"
fi
# paths: an output over an input, two outputs on one path
cp "$DATA/iris.csv" in.csv
expect_exit 64 "--html over the data" "$V" --data in.csv --out x.json --html in.csv
err_is "--html 'in.csv' would overwrite the --data input" "--html over --data refused"
check "the data is untouched" cmp in.csv "$DATA/iris.csv"
expect_exit 64 "--junit and --codequality on one path" "$V" --data in.csv --out x.json --junit same --codequality same
err_is "same" "two outputs on one path refused"
absent x.json "no report on refused paths"
expect_exit 64 "--html with --shard" "$V" --data in.csv --shard 1/2 --out x.json --html x.html
err_is "--html needs every row" "--html refused on a shard"
# from a merge: the same as the whole file's
for k in 1 2; do
	expect_exit 0 "titanic shard $k/2" "$V" --data "$DATA/titanic.csv" --label Survived --max-missing 0.5 \
		--shard "$k/2" --out "part$k.json"
done
expect_exit 1 "merge with every output" "$V" --merge part1.json part2.json --out mr.json \
	--html mp.html --codequality mcq.json --junit mj.xml
check "merge: JUnit valid (Ant)" xmllint --noout --schema "$XSD/junit-ant.xsd" mj.xml
json_is mcq.json '[(f["check_name"], f["severity"]) for f in j]' \
	"$(/usr/bin/python3 -c 'import json; print([(f["check_name"], f["severity"]) for f in json.load(open("cq.json"))])')" \
	"merge: the same Code Quality findings"

# the GitLab template exposes the reports
/usr/bin/python3 - "$TOP/templates/gitlab/mlci.gitlab-ci.yml" <<'PY' && ok "GitLab template: validate job reports codequality and junit" || not_ok "GitLab template: validate job reports codequality and junit"
import sys, yaml
job = yaml.safe_load(open(sys.argv[1]))["mlci-validate"]
script = " ".join(job["script"])
rep = job["artifacts"]["reports"]
assert job["artifacts"]["when"] == "always"
for opt, key in (("--codequality", "codequality"), ("--junit", "junit")):
    assert ("%s %s" % (opt, rep[key])) in script, (opt, rep[key])
assert "--html" in script and job["artifacts"].get("expose_as")
PY

# a write that fails says why (the first failed write's reason, whatever
# happened after it), and the other outputs are not left behind
if [ -w /dev/full ]; then
	expect_exit 74 "--out /dev/full with other outputs: 74" "$V" --data "$DATA/iris.csv" --out /dev/full --junit full.xml --html full.html
	err_is "^mlci-validate-data: /dev/full: cannot write: No space left on device$" "/dev/full: the reason is the write's"
	absent full.xml "/dev/full: no JUnit file"
	absent full.html "/dev/full: no HTML file"
	expect_exit 74 "--html /dev/full: 74" "$V" --data "$DATA/iris.csv" --out full.json --html /dev/full
	err_is "^mlci-validate-data: /dev/full: cannot write: No space left on device$" "--html /dev/full: the reason given"
	absent full.json "--html /dev/full: no report"
	expect_exit 74 "mlci-train --out /dev/full: 74" "$BIN/mlci-train" --data "$DATA/iris.csv" --label species --model tree --out /dev/full
	err_is "^mlci-train: /dev/full: cannot write: No space left on device$" "mlci-train: the reason given"
fi

# what goes to standard output counts too: a --json report or a summary
# lost to a full disk is 74 with one line, not a success
if [ -w /dev/full ]; then
	expect_exit 74 "--json to a full stdout: 74" sh -c "'$V' --data '$DATA/iris.csv' --json --out /dev/null >/dev/full"
	err_is "^mlci-validate-data: standard output: cannot write" "full stdout: one line saying so"
	expect_exit 74 "mlci-train's summary to a full stdout: 74" sh -c "'$BIN/mlci-train' --data '$DATA/iris.csv' --label species --model tree --out st.json >/dev/full"
	err_is "^mlci-train: standard output: cannot write: No space left on device$" "mlci-train: full stdout, the reason"
	expect_exit 74 "mlci-evaluate --predictions /dev/full: 74" "$BIN/mlci-evaluate" --model st.json --data "$DATA/iris.csv" --out ev.json --predictions /dev/full
	err_is "^mlci-evaluate: /dev/full: cannot write: No space left on device$" "mlci-evaluate: the reason given"
	absent ev.json "mlci-evaluate: no metrics left behind"
fi
