# Every step that reads CSV refuses text that is not UTF-8 the same way
# (65, line:column of the byte, how to convert), and reads classic Mac
# CR-only line ends.
printf 'a,b,y\n1,x,0\n3,caf\xe9,1\n5,x,0\n7,y,1\n9,x,1\n2,caf\xe9,0\n4,y,0\n6,x,1\n' >latin1.csv
msg="^mlci-[a-z-]+: latin1\.csv:3:6: not valid UTF-8 \(byte 0xe9\); convert the file, e\.g\. iconv -f latin1 -t utf-8$"
expect_exit 65 "validate-data refuses Latin-1" "$BIN/mlci-validate-data" --data latin1.csv --out r.json
err_is "$msg" "validate-data: one line with line:col"
absent r.json "validate-data: no report"
expect_exit 65 "train refuses Latin-1" "$BIN/mlci-train" --data latin1.csv --label y --model logistic --out m.json
err_is "$msg" "train: one line with line:col"
absent m.json "train: no model"
iconv -f latin1 -t utf-8 latin1.csv >utf8.csv
expect_exit 0 "the converted file trains" "$BIN/mlci-train" --data utf8.csv --label y --model logistic --out m.json
expect_exit 65 "evaluate refuses Latin-1" "$BIN/mlci-evaluate" --model m.json --data latin1.csv --out x.json
err_is "$msg" "evaluate: one line with line:col"
absent x.json "evaluate: no metrics"
expect_exit 0 "validate-data keeps a UTF-8 category in the schema" \
	"$BIN/mlci-validate-data" --data utf8.csv --out r.json --infer-schema s.json
check "the schema has the category café" grep -q 'café' s.json

printf 'a,b,y\r1,2,0\r3,4,1\r5,6,0\r' >cr.csv
expect_exit 0 "CR-only line ends are read" "$BIN/mlci-validate-data" --data cr.csv --out r.json
json_is r.json 'j["rows"]' 3 "three rows"
