#!/bin/bash
# Regenerate the seed corpora in tests/fuzz/corpus/<target>/ from slices of
# tests/data and from artifacts the real binaries write (a small pipeline
# run in a scratch directory). The corpora are committed; run this again
# after an artifact format changes:
#
#   tests/fuzz/make-seeds.sh [BIN]     (BIN: directory of mlci-*, default bin)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(cd "${1:-$top/bin}" && pwd)
DATA=$top/tests/data
C=$top/tests/fuzz/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1700000000
cd "$work"

for t in csv stream frame_stream artifact schema model rules gate archive tar package; do
	rm -rf "${C:?}/$t"; mkdir -p "$C/$t"
done

# ---- CSV: the first byte picks the reader options (see fuzz_csv.c) ----
seed_csv() {	# NAME OPTBYTE(octal) LINES FILE [skip]
	{ printf "\\$2"; head -n "$3" "$4"; } >"$C/csv/$1"
}
seed_csv iris 000 12 "$DATA/iris.csv"
seed_csv breast_cancer 000 4 "$DATA/breast_cancer.csv"
seed_csv diabetes 000 10 "$DATA/diabetes_progression.csv"
seed_csv flights 000 20 "$DATA/flights_200k.csv"
seed_csv penguins 200 12 "$DATA/penguins.csv"		# NA list "NA,-"
seed_csv seattle 000 12 "$DATA/seattle_weather.csv"
seed_csv student 000 6 "$DATA/student_mat.csv"
seed_csv titanic 000 12 "$DATA/titanic.csv"
seed_csv wine 000 8 "$DATA/wine.csv"
seed_csv adult_data 314 8 "$DATA/adult.data.csv"	# trim, adult's --columns
seed_csv adult_test 334 8 "$DATA/adult.test.csv"	# ... and --skip-rows 1
seed_csv abalone 210 10 "$DATA/abalone.data"		# abalone's --columns
{ printf '\001'; head -n 8 "$DATA/iris.csv" | tr , ';'; } >"$C/csv/iris_semicolon"
{ printf '\002'; head -n 8 "$DATA/iris.csv" | tr , '\t'; } >"$C/csv/iris_tab"
{ printf '\000'; head -n 6 "$DATA/iris.csv" | sed 's/$/\r/'; } >"$C/csv/iris_crlf"
printf '\000\357\273\277a,"b ""q""",c\n1,"x,\ny",\n2,,"z"\n' >"$C/csv/quoted_bom"
printf '\004 a , b \n 1 , "2 " \n' >"$C/csv/trim"
printf '\010"1","2"\n"3","4"\n' >"$C/csv/headerless"

# ---- stream: the CSV seeds again, behind a second byte (see fuzz_stream.c):
# chunk sizes 8 and 32, JSON Lines, gzip ----
for f in iris titanic penguins quoted_bom adult_test iris_crlf headerless; do
	{ head -c 1 "$C/csv/$f"; printf '\007'; tail -c +2 "$C/csv/$f"; } >"$C/stream/$f"
done
{ head -c 1 "$C/csv/iris"; printf '\237'; tail -c +2 "$C/csv/iris"; } >"$C/stream/iris_gzip"
{ head -c 1 "$C/csv/student"; printf '\037'; tail -c +2 "$C/csv/student"; } >"$C/stream/student_32"
{ printf '\000\107'; head -n 6 "$DATA/iris.csv" | python3 -c '
import csv, json, sys
r = csv.DictReader(sys.stdin)
for row in r:
    print(json.dumps(row))'; printf '{"a": 1, "b": null, "c": [1, {"d": true}], "e": 1.0}\n\n{"a": "x"}\n'; } >"$C/stream/jsonl"
{ printf '\000\307'; printf '{"a": 1}\n{"a": 2.5e3}\n'; } >"$C/stream/jsonl_gzip"

# ---- frame_stream: byte 0 the block size (bits 0-5, plus one) and the
# label column (bit 6: the last), then the file (see fuzz_frame_stream.c) ----
FS=$C/frame_stream
{ printf '\007'; head -n 12 "$DATA/iris.csv"; } >"$FS/iris"
{ printf '\103'; head -n 10 "$DATA/titanic.csv"; } >"$FS/titanic"
{ printf '\012'; head -n 12 "$DATA/penguins.csv"; } >"$FS/penguins"
{ printf '\105'; head -n 8 "$DATA/diabetes_progression.csv"; } >"$FS/diabetes"
{ printf '\003'; printf 'a,"b\nc",y\n1,"x\ny",0\n2,,1\n3,"q""r",0\n4,5,1\n'; } >"$FS/quoted"
{ printf '\102'; printf 'a,b,y\n1,2,0\n3,4,1\n5,x,0\n7,8\n'; } >"$FS/late_ragged"

# ---- a small pipeline for real artifacts ----
# small slices keep each seed a few KB (a data report grows with the data)
awk 'NR == 1 || NR % 10 == 2' "$DATA/iris.csv" >iris.csv	# 15 rows, 3 classes
awk 'NR == 1 || NR % 25 == 2' "$DATA/penguins.csv" >penguins.csv
python3 -c '
import csv, sys
r = list(csv.reader(open(sys.argv[1])))
w = csv.writer(open("titanic.csv", "w"), lineterminator="\n")
for row in r[:40]:
    w.writerow([row[i] for i in (1, 2, 4, 5, 11)])' "$DATA/titanic.csv"
head -n 61 "$DATA/breast_cancer.csv" >bc.csv
head -n 30 "$DATA/diabetes_progression.csv" | cut -d, -f1-4,11 >diab.csv
V() { "$BIN/mlci-validate-data" "$@" >/dev/null; }
V --data iris.csv --label species --infer-schema iris.schema.json --out iris.report.json
V --data penguins.csv --label Species --infer-schema penguins.schema.json --out penguins.report.json
V --data titanic.csv --label Survived --infer-schema titanic.schema.json --out titanic.report.json
V --data diab.csv --infer-schema diab.schema.json --out diab.report.json
"$BIN/mlci-train" --data iris.csv --label species --model logistic --out iris.model.json >/dev/null
"$BIN/mlci-train" --data bc.csv --label diagnosis --features "mean radius,mean texture,mean area" \
	--model logistic --out bc.model.json >/dev/null
"$BIN/mlci-train" --data diab.csv --label progression --model linear --out diab.model.json >/dev/null
"$BIN/mlci-train" --data diab.csv --label progression --model ridge --param alpha=2 \
	--features age,sex,bmi --out ridge.model.json >/dev/null
"$BIN/mlci-train" --data titanic.csv --label Survived --features Pclass,Sex,Age,Embarked \
	--model logistic --out titanic.model.json >/dev/null
"$BIN/mlci-train" --data penguins.csv --label Species --features Island,"Beak Length (mm)",Sex \
	--model logistic --out penguins.model.json >/dev/null
E() { "$BIN/mlci-evaluate" "$@" >/dev/null; }
E --model iris.model.json --data iris.csv --out iris.metrics.json
E --model bc.model.json --data bc.csv --out bc.metrics.json
E --model diab.model.json --data diab.csv --out diab.metrics.json
E --model titanic.model.json --data titanic.csv --out titanic.metrics.json
printf 'accuracy >= 0.5\nf1_macro >= baseline - 0.05\n' >iris.rules
printf 'rmse <= baseline * 1.05\nr2 >= 0.1 # explained\n' >diab.rules
printf 'accuracy >= 0.80\nroc_auc >= 0.85\nlog_loss <= 0.40\n' >bc.rules
"$BIN/mlci-gate" --metrics iris.metrics.json --baseline iris.metrics.json --rules iris.rules --out iris.gate.json >/dev/null
"$BIN/mlci-gate" --metrics diab.metrics.json --baseline diab.metrics.json --rules diab.rules --out diab.gate.json >/dev/null
"$BIN/mlci-gate" --metrics bc.metrics.json --rules bc.rules --out bc.gate.json >/dev/null || true
"$BIN/mlci-package" --model iris.model.json --metrics iris.metrics.json --gate iris.gate.json \
	--data-report iris.report.json --schema iris.schema.json --name iris --version 1.0.0 --out-dir dist >/dev/null
"$BIN/mlci-package" --model diab.model.json --metrics diab.metrics.json --gate diab.gate.json \
	--name diab --version 0.1+b --out-dir dist2 >/dev/null
"$BIN/mlci-package" --model titanic.model.json --name titanic --version 2 --out-dir dist3 >/dev/null
"$BIN/mlci-package" --model iris.model.json --metrics iris.metrics.json --gate iris.gate.json \
	--schema iris.schema.json --name iris-small --version 1 --out-dir dist4 >/dev/null
"$BIN/mlci-deploy" --package dist/iris-1.0.0.tar.gz --to "dir://$work/reg" --channel prod --out iris.deploy.json >/dev/null

# ---- JSON artifacts ----
for f in *.json dist/package.json reg/iris/channels/prod.json; do
	cp "$f" "$C/artifact/$(echo "$f" | tr / _)"
done
cp ./*.schema.json "$C/schema/"
cp ./*.model.json "$C/model/"

# ---- rules ----
cp "$top/templates/gate.rules" iris.rules diab.rules bc.rules "$C/rules/"
printf 'accuracy >= 0.9' >"$C/rules/one"
printf 'f1_macro >= (baseline - 0.01) * -2 / .5e1\n# c\n\nrmse != 1E-3 # x\n' >"$C/rules/expr"
printf 'slice[sex="Female"].recall >= 0.7\n' >"$C/rules/future_tokens"
printf '\xef\xbb\xbfmae < 3\r\nr2 == 0.5\r\n' >"$C/rules/bom_crlf"

# ---- gate: RULES \n--\n METRICS \n--\n BASELINE ----
gate_seed() { { cat "$2"; printf '\n--\n'; cat "$3"; printf '\n--\n'; cat "$4"; } >"$C/gate/$1"; }
gate_seed iris iris.rules iris.metrics.json iris.metrics.json
gate_seed diab diab.rules diab.metrics.json diab.metrics.json
gate_seed bc bc.rules bc.metrics.json bc.metrics.json
gate_seed titanic "$top/templates/gate.rules" titanic.metrics.json bc.metrics.json
cp iris.metrics.json "$C/gate/iris_metrics_only"

# ---- archives: the packages as written, and their tar streams ----
for d in dist2 dist3 dist4; do	# dist's data report makes it too big
	for t in "$d"/*.tar.gz; do
		b=$(basename "$t" .tar.gz)
		cp "$t" "$C/archive/$b.tar.gz"
		# the tar stream up to its end-of-archive marker (no record padding)
		gzip -dc "$t" | python3 -c 'import sys; d = sys.stdin.buffer.read().rstrip(b"\0"); n = -(-len(d) // 512) * 512 + 1024; sys.stdout.buffer.write(d.ljust(n, b"\0"))' >"$C/tar/$b.tar"
	done
done
mkdir -p tree/a/b && echo x >tree/a/b/f && echo y >tree/top
tar --format=ustar -b 1 -cf "$C/tar/gnutar_ustar.tar" -C tree a top
tar --format=ustar -czf "$C/archive/gnutar_ustar.tar.gz" -C tree a top
# a package's tar stream in a zstd frame (as --compression zstd writes)
set -- dist2/*.tar.gz
gzip -dc "$1" | zstd -q -c >"$C/archive/package.tar.zst"

# ---- packages: MANIFEST \n--\n MODEL \n--\n METRICS \n--\n GATE \n--\n DATA-REPORT \n--\n SCHEMA ----
pkg_seed() {	# NAME TARBALL
	rm -rf x && mkdir x && tar -xzf "$2" -C x
	local d; d=$(echo x/*)
	{
		cat "$d/manifest.json"
		for f in model.json metrics.json gate.json data-report.json schema.json; do
			[ -f "$d/$f" ] || break
			printf '\n--\n'; cat "$d/$f"
		done
	} >"$C/package/$1"
}
pkg_seed iris dist/iris-1.0.0.tar.gz
pkg_seed diab dist2/diab-0.1+b.tar.gz
pkg_seed titanic dist3/titanic-2.tar.gz

# JSON seeds minified (a few KB each), but for two kept as written
python3 - "$C" <<'PY'
import json, os, sys
c = sys.argv[1]
keep = {"iris.model.json", "iris.schema.json"}
for d in ("artifact", "schema", "model"):
    for f in os.listdir(os.path.join(c, d)):
        p = os.path.join(c, d, f)
        if f in keep and d != "artifact":
            continue
        j = json.load(open(p))
        open(p, "w").write(json.dumps(j, separators=(",", ":"), sort_keys=True))
for f in os.listdir(os.path.join(c, "package")):
    p = os.path.join(c, "package", f)
    parts = open(p).read().split("\n--\n")
    parts = [json.dumps(json.loads(x), separators=(",", ":"), sort_keys=True) for x in parts]
    open(p, "w").write("\n--\n".join(parts))
PY

# the response targets: answers as the servers send them
"$top/tests/fuzz/make-resp-seeds.sh"

for t in "$C"/*; do
	echo "$(basename "$t"): $(ls "$t" | wc -l) files, $(du -sk "$t" | cut -f1) KB"
done
