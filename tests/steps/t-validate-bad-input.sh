# mlci-validate-data on bad input: one line on stderr naming the file (and
# line:col where it applies), the documented exit code, and no output left.
V=$BIN/mlci-validate-data
P=mlci-validate-data

printf 'a,b,c\n1,2,3\n4,5\n6,7,8\n' >ragged.csv
expect_exit 65 "ragged row: 65" "$V" --data ragged.csv --out r.json
err_is "^$P: ragged\.csv:3:4: row has 2 fields, expected 3$" "ragged row: file:line:col"
absent r.json "ragged row: no report"

printf 'a,b,c\n1,2,3,4\n' >long.csv
expect_exit 65 "row too long: 65" "$V" --data long.csv --out r.json --infer-schema s.json
err_is "^$P: long\.csv:2:7: row has 4 fields, expected 3$" "row too long: points at the extra field"
absent r.json "row too long: no report"
absent s.json "row too long: no schema"

printf 'name,n\n"ok",1\n"open,2\nx,3\n' >quote.csv
expect_exit 65 "unterminated quote: 65" "$V" --data quote.csv --out r.json
err_is "^$P: quote\.csv:3:1: unterminated quoted field$" "unterminated quote: where it opened"
absent r.json "unterminated quote: no report"

: >empty.csv
expect_exit 65 "empty file: 65" "$V" --data empty.csv --out r.json
err_is "^$P: empty\.csv: empty file$" "empty file: one line"
absent r.json "empty file: no report"

printf 'a,b,c\n' >header.csv
expect_exit 65 "header only: 65" "$V" --data header.csv --out r.json
err_is "^$P: header\.csv: a header row but no data rows$" "header only: one line"
absent r.json "header only: no report"

expect_exit 66 "missing file: 66" "$V" --data no-such.csv --out r.json
err_is "^$P: no-such\.csv: cannot open: No such file or directory$" "missing file: one line"
absent r.json "missing file: no report"

printf 'a,b\n1,2\n' >ok.csv
expect_exit 65 "label column that does not exist: 65" "$V" --data ok.csv --label income --out r.json
err_is "^$P: ok\.csv: no column 'income' \(from --label\); the columns are: a, b$" "no label column: one line naming the file"
absent r.json "no label column: no report"

expect_exit 73 "output in a missing directory: 73" "$V" --data ok.csv --out nodir/r.json
err_is "^$P: nodir/r\.json: " "unwritable output: one line naming it"
absent nodir/r.json "unwritable output: nothing written"
expect_exit 73 "schema output in a missing directory: 73" "$V" --data ok.csv --out r.json --infer-schema nodir/s.json
err_is "^$P: nodir/s\.json: " "unwritable schema: one line naming it"
absent r.json "unwritable schema: the report is not left either"

expect_exit 65 "--columns naming too many columns: 65" "$V" --data ok.csv --columns a,b,c --out r.json
err_is "^$P: ok\.csv:1:4: the first row has 2 fields, but --columns names 3$" "--columns count: line:col"
absent r.json "--columns count: no report"
expect_exit 64 "duplicate names in --columns: 64" "$V" --data ok.csv --columns a,a --out r.json
err_is "^$P: --columns: duplicate column name 'a' \(names 1 and 2\)$" "--columns duplicate: one line"
printf 'a,b,a\n1,2,3\n' >dup.csv
expect_exit 65 "duplicate header names: 65" "$V" --data dup.csv --out r.json
err_is "^$P: dup\.csv:1:5: duplicate column name 'a' \(columns 1 and 3\)$" "duplicate header: line:col"
absent r.json "duplicate header: no report"

printf '"a",b\n"x"y,2\n' >junk.csv
expect_exit 65 "text after a closing quote: 65" "$V" --data junk.csv --out r.json
err_is "^$P: junk\.csv:2:4: unexpected 'y' after a closing quote$" "text after a closing quote: line:col"

# usage errors: 64, nothing written
expect_exit 64 "--schema with --infer-schema: 64" "$V" --data ok.csv --out r.json --schema s.json --infer-schema s2.json
err_is "^$P: give --schema or --infer-schema, not both$" "both schema options: one line"
expect_exit 64 "--max-missing out of range: 64" "$V" --data ok.csv --out r.json --max-missing 1.5
err_is "^$P: --max-missing: expected a rate between 0 and 1$" "--max-missing: one line"
expect_exit 64 "a two-character delimiter: 64" "$V" --data ok.csv --out r.json --delimiter ';;'
err_is "^$P: --delimiter: " "bad delimiter: one line"
expect_exit 64 "negative --skip-rows: 64" "$V" --data ok.csv --out r.json --skip-rows -1
err_is "^$P: --skip-rows: " "bad skip-rows: one line"
expect_exit 64 "--label-suffix without a label: 64" "$V" --data ok.csv --out r.json --label-suffix .
absent r.json "usage errors: no report"

# the schema: missing, not JSON, wrong kind, malformed
expect_exit 66 "missing schema: 66" "$V" --data ok.csv --out r.json --schema nope.json
err_is "^$P: nope\.json: " "missing schema: one line naming it"
printf '{"kind": "mlci.schema", "schema_version": 1,\n "columns": [}\n' >bad.json
expect_exit 65 "schema not JSON: 65" "$V" --data ok.csv --out r.json --schema bad.json
err_is "^$P: bad\.json:2:[0-9]+: " "schema not JSON: line:col"
printf '{"kind": "mlci.model", "schema_version": 1}\n' >model.json
expect_exit 65 "schema of the wrong kind: 65" "$V" --data ok.csv --out r.json --schema model.json
err_is "^$P: model\.json: expected an artifact of kind 'mlci.schema', found 'mlci.model'$" "wrong kind: one line"
printf '{"kind": "mlci.schema", "schema_version": 9, "columns": []}\n' >v9.json
expect_exit 65 "schema of an unknown version: 65" "$V" --data ok.csv --out r.json --schema v9.json
err_is "^$P: v9\.json: mlci.schema schema_version 9 is not supported" "unknown version: one line"
printf '{"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "a", "type": "int"}]}\n' >badtype.json
expect_exit 65 "schema with an unknown type: 65" "$V" --data ok.csv --out r.json --schema badtype.json
err_is "^$P: badtype\.json: schema column 1 \('a'\): \"type\" must be integer, number, boolean or string$" "unknown type: one line"
absent r.json "schema errors: no report"

# schema shapes that would check nothing, or check the wrong thing
printf '{"kind": "mlci.schema", "schema_version": 1, "columns": []}\n' >nocols.json
expect_exit 65 "a schema with no columns: 65" "$V" --data ok.csv --out r.json --schema nocols.json
err_is "^$P: nocols\.json: \"columns\" is empty: a schema must list at least one column$" "no columns: one line naming the file"
printf '{"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "a", "type": "integer"}, {"type": "integer"}]}\n' >noname.json
expect_exit 65 "a column without a name: 65" "$V" --data ok.csv --out r.json --schema noname.json
err_is "^$P: noname\.json: schema column 2: \"name\" is missing or not a non-empty string$" "no name: the column's position"
printf '{"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}, {"name": "a", "type": "string"}]}\n' >dup.json
expect_exit 65 "a column name twice: 65" "$V" --data ok.csv --out r.json --schema dup.json
err_is "^$P: dup\.json: schema column 3 \('a'\): the name appears twice \(also column 1\)$" "duplicate: both positions"
printf '{"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "a", "type": "integer"}, {"name": "b"}]}\n' >notype.json
expect_exit 65 "a column without a type: 65" "$V" --data ok.csv --out r.json --schema notype.json
err_is "^$P: notype\.json: schema column 2 \('b'\): \"type\" must be" "no type: position and name"
printf '{"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "a", "type": "string", "categorys": ["x"]}]}\n' >typo.json
expect_exit 65 "a misspelt key: 65" "$V" --data ok.csv --out r.json --schema typo.json
err_is "^$P: typo\.json: schema column 1 \('a'\): unknown key \"categorys\"" "unknown key named"
printf '{"kind": "mlci.schema", "schema_version": 1, "columns": [{"name": "a", "type": "string", "categories": []}]}\n' >nocat.json
expect_exit 65 "an empty category list: 65" "$V" --data ok.csv --out r.json --schema nocat.json
err_is "^$P: nocat\.json: schema column 1 \('a'\): \"categories\" is empty" "empty categories"
absent r.json "schema shape errors: no report"

# huge rows are refused, not a crash
/usr/bin/python3 -c 'import sys; sys.stdout.write(",".join(["c%d" % i for i in range(100001)]) + "\n")' >wide.csv
expect_exit 65 "more than 100000 fields in a row: 65" "$V" --data wide.csv --out r.json
err_is "^$P: wide\.csv:1:[0-9]+: more than 100000 fields in one row$" "too wide: one line"

printf 'a,b\n1,2\n3,\000\n' >nul.csv
expect_exit 65 "a NUL byte (binary file): 65" "$V" --data nul.csv --out r.json
err_is "^$P: nul\.csv:3:3: a NUL byte: not a text file$" "NUL byte: line:col"
absent r.json "NUL byte: no report"

# a .tsv (or .tab) file without --delimiter is read with tabs, by every
# step; --delimiter still decides when given
tr ',' '\t' <"$DATA/iris.csv" >iris.tsv
expect_exit 0 "a .tsv file" "$V" --data iris.tsv --out tsv.json
json_is tsv.json 'len(j["columns"]), j["rows"]' "(5, 150)" ".tsv: five columns, not one"
gzip -c iris.tsv >iris.tsv.gz
expect_exit 0 "a .tsv.gz file" "$V" --data iris.tsv.gz --out tsvgz.json
json_is tsvgz.json 'len(j["columns"])' "5" ".tsv.gz: tabs too"
expect_exit 0 "--delimiter , on a .tsv file" "$V" --data iris.tsv --delimiter , --out tsv1.json
json_is tsv1.json 'len(j["columns"])' "1" "--delimiter given: it decides"
expect_exit 0 "mlci-train on a .tsv file" "$BIN/mlci-train" --data iris.tsv --label species --model tree --out tsv-model.json
json_is tsv-model.json 'len(j["features"]) if "features" in j else len(j["model"]["features"])' "4" "mlci-train: four features from the .tsv"

# a carriage return alone inside an unquoted field is no text of ours:
# a one-line 65 at its line and column, in every step (CRLF line ends, a
# last CR and CR-only files still read)
printf 'a,b,c\n1,x,2\n3,y,0.31\r7802\n4,z,5\n' >cr.csv
expect_exit 65 "a lone CR in a field: 65" "$V" --data cr.csv --out r.json
err_is "^$P: cr\.csv:3:9: a carriage return \(CR\) inside an unquoted field" "lone CR: line and column"
expect_exit 65 "mlci-train: a lone CR in a field: 65" "$BIN/mlci-train" --data cr.csv --label c --model linear --out r.json
err_is "^mlci-train: cr\.csv:3:9: a carriage return \(CR\) inside an unquoted field" "mlci-train: lone CR: line and column"
absent r.json "lone CR: no output"
printf 'a,b,c\r\n1,x,2\r\n3,y,0.31\r\n4,z,5\r' >crlf.csv
expect_exit 0 "CRLF, a last lone CR: read" "$V" --data crlf.csv --out crlf.json
json_is crlf.json 'j["rows"], [c["type"] for c in j["columns"]]' "(3, ['integer', 'string', 'number'])" "CRLF: three rows, c a number"
printf 'a,b\r1,2\r3,4\r' >mac.csv
expect_exit 0 "CR-only line ends: read" "$V" --data mac.csv --out mac.json
json_is mac.json 'j["rows"]' "2" "CR-only: two rows"

# through a pipe (which cannot be read twice): CR-only line ends are
# found from the first line end, and gzip from its first two bytes; the
# reports equal the file's
/usr/bin/python3 -c "import sys; sys.stdout.write('a,b,c\r' + ''.join('%d,xxxxxxxxxx,%d\r' % (i, i % 7) for i in range(100000)))" >crmac.csv
"$V" --data crmac.csv --out crmac-file.json >/dev/null 2>&1
expect_exit 0 "a CR-only file through a pipe" sh -c "cat crmac.csv | '$V' --data /dev/stdin --out crmac-pipe.json"
json_is crmac-pipe.json 'j["rows"], j["columns"] == json.load(open("crmac-file.json"))["columns"]' "(100000, True)" "CR-only through a pipe: the file's report"
gzip -c "$DATA/iris.csv" >iris-p.csv.gz
"$V" --data "$DATA/iris.csv" --out iris-plain.json >/dev/null 2>&1
expect_exit 0 "gzip through a pipe" sh -c "cat iris-p.csv.gz | '$V' --data /dev/stdin --out iris-pipe.json"
json_is iris-pipe.json 'j["columns"] == json.load(open("iris-plain.json"))["columns"]' "True" "gzip through a pipe: the plain file's columns"
# a producer writing a CR-only line at a time: each read ends on its CR
expect_exit 0 "CR-only lines written one at a time into a pipe" sh -c "(printf 'a,b\r'; sleep 0.2; printf '1,2\r'; sleep 0.2; printf '3,4\r') | '$V' --data /dev/stdin --out crslow.json"
json_is crslow.json 'j["rows"], len(j["columns"])' "(2, 2)" "CR lines one at a time: two rows of two columns"
