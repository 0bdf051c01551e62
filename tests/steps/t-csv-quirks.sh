# The shared CSV reader's options and quirks, seen through
# mlci-validate-data's report (the same reader train and evaluate use).
export SOURCE_DATE_EPOCH=1700000000
V=$BIN/mlci-validate-data
# col FILE NAME EXPR WANT TEST: EXPR evaluated on column NAME's stats as c
col() { json_is "$1" "(lambda c: ($3))([c for c in j['columns'] if c['name'] == '$2'][0])" "$4" "$5"; }

# RFC 4180: embedded delimiter, doubled quotes, newline inside quotes; CRLF; BOM
printf '\357\273\277id,text,n\r\n1,"a, b",1\r\n2,"say ""hi""",2\r\n3,"two\r\nlines",3\r\n' >rfc.csv
expect_exit 0 "BOM + CRLF + quoting" "$V" --data rfc.csv --out r.json
json_is r.json '[c["name"] for c in j["columns"]], j["rows"]' "(['id', 'text', 'n'], 3)" "BOM stripped from the first name; 3 rows"
col r.json text 'c["top"]' "[{'count': 1, 'value': 'a, b'}, {'count': 1, 'value': 'say \"hi\"'}, {'count': 1, 'value': 'two\\r\\nlines'}]" \
	"embedded comma, doubled quotes, quoted newline"
col r.json n 'c["type"], c["mean"]' "('integer', 2.0)" "last field before CRLF is a number"

# --delimiter tab and ';'
printf 'a\tb\n1,5\tx\n2,5\ty\n' >tab.tsv
expect_exit 0 "--delimiter tab" "$V" --data tab.tsv --delimiter tab --out t.json
col t.json a 'c["type"], [v["value"] for v in c["top"]]' "('string', ['1,5', '2,5'])" "tab-separated: commas are data"
printf 'a;b\n"x;y";1\n' >semi.csv
expect_exit 0 "--delimiter ';'" "$V" --data semi.csv --delimiter ';' --out s.json
col s.json a 'c["top"][0]["value"]' "x;y" "quoted delimiter"
MLCI_DELIMITER=';' expect_exit 0 "MLCI_DELIMITER" "$V" --data semi.csv --out s2.json
check "the variable works as the flag" cmp s.json s2.json

# headerless + --skip-rows + --trim (adult's layout) and blank lines
printf 'junk "not a quote\n1, a ,  x\n\n2,b, "y, z"\n\n' >hl.csv
expect_exit 0 "--columns --skip-rows --trim" "$V" --data hl.csv --columns n,s,t --skip-rows 1 --trim --out h.json
json_is h.json 'j["rows"]' 2 "junk line skipped, blank lines skipped"
col h.json s 'c["top"]' "[{'count': 1, 'value': 'a'}, {'count': 1, 'value': 'b'}]" "--trim strips blanks around fields"
col h.json t 'c["top"]' "[{'count': 1, 'value': 'x'}, {'count': 1, 'value': 'y, z'}]" "--trim allows blanks before a quote"
expect_exit 65 "without --trim a blank before a quote makes it data" "$V" --data hl.csv --columns n,s,t --skip-rows 1 --out h2.json
err_is "^mlci-validate-data: hl\.csv:4:9: row has 4 fields, expected 3$" "... so the quoted comma splits the row"
head -n 2 hl.csv >hl2.csv
expect_exit 0 "without --trim blanks stay" "$V" --data hl2.csv --columns n,s,t --skip-rows 1 --out h3.json
col h3.json s 'c["top"][0]["value"]' " a " "untrimmed value"

# NA tokens: defaults, and --na replacing them
printf 'v\n1\nNA\nN/A\nNaN\nnull\n?\n""\n2\n' >na.csv
expect_exit 0 "default NA tokens" "$V" --data na.csv --out n.json
col n.json v 'c["count"], c["missing"], c["type"]' "(2, 6, 'integer')" "empty, NA, N/A, NaN, null, ? are missing"
expect_exit 0 "--na replaces the list" "$V" --data na.csv --na '?,null' --out n2.json
col n2.json v 'c["count"], c["missing"], c["type"]' "(6, 2, 'string')" "only ? and null are missing now"

# student_mat: quoted numbers are numbers
expect_exit 0 "student_mat" "$V" --data "$DATA/student_mat.csv" --out st.json
col st.json G1 'c["type"], c["min"], c["max"]' "('integer', 3, 19)" "quoted \"5\" reads as a number"
col st.json school 'c["categorical"], c["distinct"]' "(True, 2)" "quoted strings are categorical"

# the sha256 in the report is the file's
json_is st.json 'j["inputs"][0]["sha256"]' "$(sha256sum "$DATA/student_mat.csv" | cut -d' ' -f1)" "sha256 of the bytes read"
