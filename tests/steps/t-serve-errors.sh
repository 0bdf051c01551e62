# mlci-serve: every malformed request gets a JSON error with the right
# status and the server keeps answering; bad options and inputs exit
# with the documented code and one line.
. "$TOP/tests/steps/serve_lib.sh"
PG=$DATA/penguins.csv
"$BIN/mlci-train" --data $PG --label Species --model logistic --out pg.json >/dev/null
"$BIN/mlci-package" --model pg.json --name pg --version 1 --out-dir p >/dev/null
PKG=p/pg-1.tar.gz
row='"Island": "Biscoe", "Beak Length (mm)": 40.1, "Beak Depth (mm)": 18.0, "Flipper Length (mm)": 190, "Body Mass (g)": 3900'
head1='Island,Beak Length (mm),Beak Depth (mm),Flipper Length (mm),Body Mass (g),Sex'

start_serve s --package $PKG --max-body-bytes 8192 --timeout 2 || not_ok "starts" "$(cat s.err)"
J="--type application/json"
req POST /predict $J --data "{\"rows\": [{$row, \"Sex\": \"MALE\"}]}"; status_is 200 "a good row is 200"
json_is "$T/body" 'j["classes"], sorted(j["predictions"][0]["probabilities"]) == j["classes"]' "(['Adelie', 'Chinstrap', 'Gentoo'], True)" "answer lists the classes and a probability for each"
req POST /predict $J --data "{\"rows\": [{$row, \"Sex\": \"MALE\"}"
error_is 400 '^invalid JSON at line 1, column [0-9]+ \(byte [0-9]+\): ' "truncated JSON: 400 with the position"
req POST /predict $J --data '{"rows": [1,]}'
error_is 400 '^invalid JSON at line 1, column 13 \(byte 13\)' "a stray comma: line, column and byte"
req POST /predict $J --data ''
error_is 400 '^invalid JSON' "an empty body: 400"
req POST /predict $J --data '42'
error_is 400 '^invalid JSON' "a bare number: 400"
req POST /predict $J --data '{"rows": 5}'
error_is 400 '^"rows" is an integer, expected a list of row objects$' "rows not a list: 400"
req POST /predict $J --data '{"data": []}'
error_is 400 "^unknown key 'data'" "an unknown top-level key: 400"
req POST /predict $J --data '{}'
error_is 400 '^no "rows" key' "no rows key: 400"
req POST /predict $J --data '{"rows": []}'
error_is 400 '^no rows to predict$' "no rows: 400"
req POST /predict $J --data '[{}, 3]'
error_is 400 "^rows\\[0\\]: missing column 'Island'" "a row missing a feature: 400 naming it"
req POST /predict $J --data "[{$row, \"Sex\": null}, 3]"
error_is 400 '^rows\[1\] is an integer, expected an object$' "a row that is not an object: 400"
req POST /predict $J --data "[{$row, \"Sex\": \"MALE\", \"colour\": \"red\"}]"
error_is 400 "^rows\\[0\\]: unknown column 'colour'$" "an unknown column: 400 naming it"
req POST /predict $J --data "[{$row, \"Sex\": \"MALE\", \"Species\": \"Adelie\"}]"
status_is 200 "the label column is ignored"
req POST /predict $J --data "[{$row, \"Sex\": 1, \"Island\": \"Dream\"}]"
error_is 400 '^invalid JSON.*duplicate' "a repeated key: 400"
req POST /predict $J --data '[{"Island": "Biscoe", "Beak Length (mm)": "40.1", "Beak Depth (mm)": 18.0, "Flipper Length (mm)": 190, "Body Mass (g)": 3900, "Sex": null}]'
error_is 400 "^rows\\[0\\]: column 'Beak Length \\(mm\\)' is numeric: expected a number or null, found a string$" "a string in a numeric column: 400"
req POST /predict $J --data '[{"Island": "Biscoe", "Beak Length (mm)": true, "Beak Depth (mm)": 18.0, "Flipper Length (mm)": 190, "Body Mass (g)": 3900, "Sex": null}]'
error_is 400 "is numeric: expected a number or null, found true$" "a boolean: 400"
req POST /predict $J --data "[{$row, \"Sex\": [\"MALE\"]}]"
error_is 400 "^rows\\[0\\]: column 'Sex' is categorical: expected a string or null, found an array$" "an array in a categorical column: 400"
req POST /predict $J --data "[{$row, \"Sex\": null}]"
status_is 200 "null is a missing value"
deep=$(/usr/bin/python3 -c 'print("[" * 3000 + "]" * 3000)')
req POST /predict $J --data "$deep"
error_is 400 '^invalid JSON' "nesting past the parser's depth: 400"
printf '[{"Island": "\377"}]' >bad-utf8.json
req POST /predict $J --file bad-utf8.json
error_is 400 '^invalid JSON' "invalid UTF-8 in JSON: 400"

C="--type text/csv"
req POST /predict $C --data "$(printf '%s\nBiscoe,40.1,18.0,190,3900,MALE\nDream,39,17.5,x1,3800,FEMALE\n' "$head1")"
error_is 400 "^request body:3:15: expected a number in column 'Flipper Length \\(mm\\)', found 'x1'$" "CSV: a bad number with its line and column"
req POST /predict $C --data "$(printf '%s,colour\nBiscoe,40.1,18.0,190,3900,MALE,red\n' "$head1")"
error_is 400 "^unknown column 'colour' in the header$" "CSV: an unknown column"
req POST /predict $C --data "$(printf 'Island,Sex\nBiscoe,MALE\n')"
error_is 400 "^missing column 'Beak Length \\(mm\\)' in the header$" "CSV: a missing column"
req POST /predict $C --data "$(printf '%s\nBiscoe,40.1,18.0\n' "$head1")"
error_is 400 '^request body:2:[0-9]+: row has 3 fields, expected 6$' "CSV: a short row"
req POST /predict $C --data "$head1"
error_is 400 '^request body: a header row but no data rows$' "CSV: a header only"
req POST /predict $C --data ''
error_is 400 '^request body: empty file$' "CSV: an empty body"
printf '%s\nBiscoe,40.1,18.0,190,3900,"MA\n' "$head1" >unterminated.csv
req POST /predict $C --file unterminated.csv
error_is 400 '^request body:2:[0-9]+: ' "CSV: an unterminated quote"

req GET /nope; error_is 404 '^no such path: /nope$' "unknown path: 404"
req GET /predict/x; error_is 404 'no such path' "a path below /predict: 404"
req GET /predict; error_is 405 '^GET /predict: use POST$' "GET /predict: 405"
check "405 says Allow: POST" grep -qx 'POST' "$T/allow"
req POST /metrics --data 'x'; error_is 405 '^POST /metrics: use GET$' "POST /metrics: 405"
check "405 says Allow: GET, HEAD" grep -qx 'GET, HEAD' "$T/allow"
req DELETE /health; error_is 405 'use GET' "DELETE /health: 405"
head -c 9000 /dev/zero | tr '\0' ' ' >big.json
req POST /predict $J --file big.json
error_is 413 '^request body of 9000 bytes, over the limit of 8192$' "a body past --max-body-bytes: 413"
req POST /predict $J --file big.json --chunked
error_is 413 'over the limit of 8192 bytes' "a chunked body past the limit: 413"
req POST /predict $J --data "[{$row, \"Sex\": \"FEMALE\"}]"; status_is 200 "still answering after every bad request"
req GET /metrics; cp "$T/body" metrics.txt
check "promtool accepts the metrics" promtool check metrics <metrics.txt
check "400s counted" grep -qx 'mlci_serve_requests_total{path="/predict",status="400"} 24' metrics.txt
check "404s counted under path other" grep -qx 'mlci_serve_requests_total{path="other",status="404"} 2' metrics.txt
check "413s counted" grep -qx 'mlci_serve_requests_total{path="/predict",status="413"} 2' metrics.txt
check "no crash: the server is still running" kill -0 "$SERVE_PID"
check "a connection left half-way is closed after --timeout" sh -c "[ \"\$($CLIENT idle $PORT)\" = closed ]"
req GET /health; status_is 200 "and the server answers the next one"
P1=$PORT

# options and inputs
expect_exit 64 "neither --package nor --registry" "$BIN/mlci-serve"
err_is '^mlci-serve: --package or --registry is required$' "one line for it"
expect_exit 64 "both" "$BIN/mlci-serve" --package $PKG --registry dir:///x --name a --channel b
err_is '^mlci-serve: give --package or --registry, not both$' "one line for that"
expect_exit 0 "--version" "$BIN/mlci-serve" --version
check "--version prints a version" grep -Eq '^mlci-serve [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"
expect_exit 64 "an unknown option" "$BIN/mlci-serve" --no-such-option
err_is "^mlci-serve: unknown option '--no-such-option'" "one line for it"
expect_exit 64 "--registry without --channel" "$BIN/mlci-serve" --registry "dir://$T/reg" --name a
err_is 'needs --name and --channel' "one line naming what is missing"
expect_exit 64 "an s3:// registry" "$BIN/mlci-serve" --registry s3://bucket/x --name a --channel b
expect_exit 64 "--threads 0" "$BIN/mlci-serve" --package $PKG --threads 0
expect_exit 64 "--poll-seconds 0" "$BIN/mlci-serve" --package $PKG --poll-seconds 0
expect_exit 64 "--listen without a port" "$BIN/mlci-serve" --package $PKG --listen 127.0.0.1
err_is "^mlci-serve: --listen '127.0.0.1': expected HOST:PORT$" "one line for it"
expect_exit 64 "--listen with a host name" "$BIN/mlci-serve" --package $PKG --listen example.com:80
expect_exit 75 "an address in use" "$BIN/mlci-serve" --package $PKG --listen 127.0.0.1:$P1
err_is "^mlci-serve: cannot listen on 127.0.0.1:$P1: Address already in use$" "one line naming the address"
expect_exit 66 "a missing package" "$BIN/mlci-serve" --package nope.tar.gz --listen 127.0.0.1:0
err_is 'nope.tar.gz' "one line naming it"
printf 'not a package' >junk.tar.gz
expect_exit 65 "a file that is not a package" "$BIN/mlci-serve" --package junk.tar.gz --listen 127.0.0.1:0
err_is '^mlci-serve: junk.tar.gz: ' "one line naming it"
/usr/bin/python3 - "$PKG" tampered.tar.gz <<'PY'
import gzip, io, sys, tarfile
src = tarfile.open(sys.argv[1])
out = io.BytesIO()
dst = tarfile.open(fileobj=out, mode="w")
for m in src.getmembers():
    data = src.extractfile(m).read() if m.isfile() else None
    if m.name.endswith("/model.json"):
        data = data.replace(b'"Species"', b'"species"')
        m.size = len(data)
    dst.addfile(m, io.BytesIO(data) if data is not None else None)
dst.close()
open(sys.argv[2], "wb").write(gzip.compress(out.getvalue()))
PY
expect_exit 65 "a package whose model.json was altered" "$BIN/mlci-serve" --package tampered.tar.gz --listen 127.0.0.1:0
err_is 'tampered.tar.gz.*model.json' "one line naming the file and the entry"
openssl genpkey -algorithm ed25519 -out k.pem 2>/dev/null
openssl pkey -in k.pem -pubout -out k.pub.pem 2>/dev/null
expect_exit 65 "--verify-key with an unsigned package" "$BIN/mlci-serve" --package $PKG --verify-key k.pub.pem --listen 127.0.0.1:0
expect_exit 64 "--verify-key given a private key" "$BIN/mlci-serve" --package $PKG --verify-key k.pem --listen 127.0.0.1:0
expect_exit 66 "--verify-key missing" "$BIN/mlci-serve" --package $PKG --verify-key none.pem --listen 127.0.0.1:0
expect_exit 73 "--log-requests in a missing directory" "$BIN/mlci-serve" --package $PKG --log-requests no/such/dir/log.csv --listen 127.0.0.1:0
printf 'a,b,prediction\n1,2,x\n' >other.csv
expect_exit 73 "--log-requests holding other columns" "$BIN/mlci-serve" --package $PKG --log-requests other.csv --listen 127.0.0.1:0
err_is "other.csv: holds rows of other columns" "one line naming the file"
check "the other log is untouched" sh -c "[ \"\$(cat other.csv)\" = \"\$(printf 'a,b,prediction\n1,2,x')\" ]"
expect_exit 66 "a registry channel that does not exist" "$BIN/mlci-serve" --registry "dir://$T/reg" --name pg --channel production --listen 127.0.0.1:0
err_is 'channels/production.json' "one line naming the channel file"
stop_serve

# configured from the environment, as the container image does
export MLCI_SERVE_PACKAGE=$PKG
if start_serve envcfg; then ok "MLCI_SERVE_PACKAGE names the package"; else not_ok "MLCI_SERVE_PACKAGE names the package" "$(cat envcfg.err)"; fi
unset MLCI_SERVE_PACKAGE
req GET /ready; status_is 200 "ready from the environment's package"
stop_serve
expect_exit 66 "an empty MLCI_SERVE_PACKAGE counts as not given (--registry wins)" env MLCI_SERVE_PACKAGE= "$BIN/mlci-serve" --registry "dir://$T/reg" --name pg --channel production --listen 127.0.0.1:0
