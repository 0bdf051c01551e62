# mlci-evaluate on bad input: the documented exit code, one line on stderr
# naming the file (and line:col for parse errors), and neither metrics.json
# nor predictions.csv left behind.
PY=/usr/bin/python3
BC=$DATA/breast_cancer.csv
E=$BIN/mlci-evaluate

expect_exit 0 "train logistic on breast_cancer" \
	"$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic --out model.json
expect_exit 0 "train linear on diabetes" "$BIN/mlci-train" --data "$DATA/diabetes_progression.csv" \
	--label progression --model linear --out reg.json

nothing_left() {	# nothing_left TITLE
	absent m.json "$1: no metrics.json"
	absent p.csv "$1: no predictions.csv"
}

# usage
expect_exit 64 "--out is required" "$E" --model model.json --data "$BC"
err_is "^mlci-evaluate: --out is required" "missing --out: one line"
expect_exit 64 "--out and --predictions the same file" "$E" --model model.json --data "$BC" --out m.json --predictions m.json
err_is "^mlci-evaluate: --out and --predictions name the same file 'm\.json'$" "same file: one line"
absent m.json "same file: nothing written"
expect_exit 64 "a bad --delimiter" "$E" --model model.json --data "$BC" --out m.json --delimiter ab
nothing_left "bad delimiter"

# missing inputs: 66
expect_exit 66 "missing model.json" "$E" --model nope.json --data "$BC" --out m.json --predictions p.csv
err_is "^mlci-evaluate: nope\.json: " "missing model: one line naming it"
nothing_left "missing model"
expect_exit 66 "missing data file" "$E" --model model.json --data nope.csv --out m.json --predictions p.csv
err_is "^mlci-evaluate: nope\.csv: " "missing data: one line naming it"
nothing_left "missing data"

# model.json of the wrong kind, the wrong version, or not JSON: 65
expect_exit 0 "make a metrics.json" "$E" --model model.json --data "$BC" --out other.json
expect_exit 65 "a metrics.json given as --model" "$E" --model other.json --data "$BC" --out m.json --predictions p.csv
err_is "^mlci-evaluate: other\.json: expected an artifact of kind 'mlci\.model', found 'mlci\.metrics'$" "wrong kind: one line"
nothing_left "wrong kind"
sed 's/"schema_version": 1,/"schema_version": 99,/' model.json >v99.json
expect_exit 65 "a model.json of schema_version 99" "$E" --model v99.json --data "$BC" --out m.json --predictions p.csv
err_is "^mlci-evaluate: v99\.json: mlci\.model schema_version 99 is not supported" "wrong version: one line"
nothing_left "wrong version"
printf '{"kind": "mlci.model",\n  "schema_version": 1,\n  oops\n}\n' >broken.json
expect_exit 65 "model.json that is not JSON" "$E" --model broken.json --data "$BC" --out m.json --predictions p.csv
err_is "^mlci-evaluate: broken\.json:3:[0-9]+: invalid JSON" "not JSON: line and column"
nothing_left "not JSON"

# the label column (named by the model) absent from the data: 65
cut -d, -f1-30 "$BC" >nolabel.csv
expect_exit 65 "label column absent" "$E" --model model.json --data nolabel.csv --out m.json --predictions p.csv
err_is "^mlci-evaluate: nolabel\.csv: no column 'diagnosis' \(the label of model\.json\)$" "label absent: one line naming file and column"
nothing_left "label absent"

# a non-number in a numeric feature at predict time: 65 file:line:col
awk -F, 'BEGIN{OFS=","} NR==6{$3="abc"} {print}' "$BC" >badnum.csv
col=$(( $(head -n 6 badnum.csv | tail -n 1 | cut -d, -f1-2 | wc -c) + 1 ))
expect_exit 65 "non-numeric feature value" "$E" --model model.json --data badnum.csv --out m.json --predictions p.csv
err_is "^mlci-evaluate: badnum\.csv:6:$col: expected a number in column 'mean perimeter', found 'abc'$" "non-numeric feature: file:line:col"
nothing_left "non-numeric feature"

# a non-number as a regression label: 65 file:line:col
awk -F, 'BEGIN{OFS=","} NR==9{$NF="many"} {print}' "$DATA/diabetes_progression.csv" >badlabel.csv
col=$(( $(sed -n 9p badlabel.csv | wc -c) - 4 ))
expect_exit 65 "non-numeric regression label" "$E" --model reg.json --data badlabel.csv --out m.json --predictions p.csv
err_is "^mlci-evaluate: badlabel\.csv:9:$col: expected a number in column 'progression', found 'many'$" "non-numeric label: file:line:col"
nothing_left "non-numeric label"

# no row has a label: 65
awk -F, 'BEGIN{OFS=","} NR>1{$NF="NA"} {print}' "$BC" >nolabels.csv
expect_exit 65 "no labelled row" "$E" --model model.json --data nolabels.csv --out m.json --predictions p.csv
err_is "^mlci-evaluate: nolabels\.csv: no row has a value in the label column 'diagnosis'$" "no labels: one line"
nothing_left "no labels"

# malformed CSV: empty, header only, ragged, unterminated quote: 65
: >empty.csv
head -n 1 "$BC" >header.csv
{ head -n 3 "$BC"; echo "1,2,3"; } >ragged.csv
{ head -n 3 "$BC"; echo '"17.99,10.38'; } >quote.csv
for f in empty header ragged quote; do
	expect_exit 65 "$f CSV" "$E" --model model.json --data $f.csv --out m.json --predictions p.csv
	err_is "^mlci-evaluate: $f\.csv(:[0-9]+(:[0-9]+)?)?: " "$f CSV: one line naming the file"
	nothing_left "$f CSV"
done

# outputs that cannot be created: 73, and the other output not left
expect_exit 73 "unwritable --out directory" "$E" --model model.json --data "$BC" --out nodir/m.json --predictions p.csv
err_is "^mlci-evaluate: nodir/m\.json: " "unwritable --out: one line naming it"
absent p.csv "unwritable --out: predictions.csv not left"
expect_exit 73 "unwritable --predictions directory" "$E" --model model.json --data "$BC" --out m.json --predictions nodir/p.csv
err_is "^mlci-evaluate: nodir/p\.csv: " "unwritable --predictions: one line naming it"
absent m.json "unwritable --predictions: metrics.json not left"

# an existing output is replaced only on success
echo keep >m.json
expect_exit 65 "failure with an existing metrics.json" "$E" --model other.json --data "$BC" --out m.json
if [ "$(cat m.json)" = keep ]; then ok "a failed run leaves the old metrics.json untouched"; else not_ok "a failed run leaves the old metrics.json untouched"; fi

# an output naming an input is refused before anything is read or written
cp model.json keep.json
expect_exit 64 "--out naming the model" "$E" --model model.json --data "$BC" --out ./model.json
err_is "^mlci-evaluate: --out './model.json' would overwrite the --model input$" "--out naming an input: one line"
if cmp -s model.json keep.json; then ok "the model is untouched"; else not_ok "the model is untouched"; fi
expect_exit 64 "--predictions naming the data" "$E" --model model.json --data "$BC" --out m9.json --predictions "$BC"
absent m9.json "--predictions naming an input: nothing written"

# a label value that is not UTF-8 (a Latin-1 file) cannot become a JSON
# class name: 65 at the line:col of the byte, from the CSV reader
{ head -n 3 "$BC"; sed -n 4p "$BC" | sed 's/,malignant$/,Z\xfcrich/'; } >latin1.csv
col=$(( $(sed -n 4p latin1.csv | wc -c) - 5 ))
expect_exit 65 "a label value that is not UTF-8" "$E" --model model.json --data latin1.csv --out m.json --predictions p.csv
err_is "^mlci-evaluate: latin1\.csv:4:$col: not valid UTF-8 \(byte 0xfc\); convert the file, e.g. iconv -f latin1 -t utf-8$" "not UTF-8: file:line:col"
absent p.csv "not UTF-8: no predictions.csv"
