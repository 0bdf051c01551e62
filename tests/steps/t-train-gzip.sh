# mlci-train and mlci-evaluate read a gzip-compressed CSV (every member
# of it) whole: the same model as from the plain file, the file's sha256
# that of its bytes as stored (as mlci-validate-data records it), and a
# one-line 65 naming the file for a truncated stream, bytes after its
# end, or text over the limit for a CSV read whole.
export SOURCE_DATE_EPOCH=1700000000
BC=$DATA/breast_cancer.csv
P=mlci-train
sha() { sha256sum "$1" | cut -d' ' -f1; }

gzip -c "$BC" >bc.csv.gz
expect_exit 0 "train on gzip" "$BIN/mlci-train" --data bc.csv.gz --label diagnosis --model logistic --out gz.json
expect_exit 0 "train on the plain file" "$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic --out plain.json
json_is gz.json 'j["model"] == json.load(open("plain.json"))["model"]' "True" "gzip: the plain file's model"
json_is gz.json '[i["sha256"] for i in j["inputs"] if i["role"] == "data"][0]' "$(sha bc.csv.gz)" "gzip: sha256 of the file as stored"

# two members, as cat a.gz b.gz makes: one file
head -n 200 "$BC" | gzip -c >two.csv.gz
tail -n +201 "$BC" | gzip -c >>two.csv.gz
expect_exit 0 "train on two gzip members" "$BIN/mlci-train" --data two.csv.gz --label diagnosis --model logistic --out two.json
json_is two.json 'j["model"] == json.load(open("plain.json"))["model"]' "True" "two members: the plain file's model"

expect_exit 0 "evaluate gzip data" "$BIN/mlci-evaluate" --model gz.json --data bc.csv.gz --out ev-gz.json
expect_exit 0 "evaluate the plain file" "$BIN/mlci-evaluate" --model gz.json --data "$BC" --out ev-plain.json
json_is ev-gz.json 'j["metrics"] == json.load(open("ev-plain.json"))["metrics"]' "True" "evaluate: gzip and plain give the same metrics"

head -c 3000 bc.csv.gz >cut.csv.gz
expect_exit 65 "truncated gzip: 65" "$BIN/mlci-train" --data cut.csv.gz --label diagnosis --model logistic --out r.json
err_is "^$P: cut\.csv\.gz: truncated gzip data" "truncated gzip: one line naming the file"
{ cat bc.csv.gz; printf 'x'; } >tail.csv.gz
expect_exit 65 "bytes after the gzip data: 65" "$BIN/mlci-train" --data tail.csv.gz --label diagnosis --model logistic --out r.json
err_is "^$P: tail\.csv\.gz: bytes after the end of the gzip data" "trailing bytes: one line naming the file"
expect_exit 65 "validate-data: bytes after the gzip data: 65" "$BIN/mlci-validate-data" --data tail.csv.gz --out r.json
err_is "^mlci-validate-data: tail\.csv\.gz: bytes after the end of the gzip data" "validate-data: trailing bytes named as such"
{ printf '\037\213'; head -c 100 /dev/zero; } >bad.csv.gz
expect_exit 65 "not gzip after the magic: 65" "$BIN/mlci-train" --data bad.csv.gz --label diagnosis --model logistic --out r.json
err_is "^$P: bad\.csv\.gz: not valid gzip data" "corrupt gzip: one line"
MLCI_CSV_MAX_BYTES=100000 expect_exit 65 "gzip text over the limit: 65" "$BIN/mlci-train" --data bc.csv.gz --label diagnosis --model logistic --out r.json
err_is "^$P: bc\.csv\.gz: more than 100000 bytes of text in the gzip data" "over the limit: one line"
absent r.json "gzip errors: no model"

# JSON Lines is mlci-validate-data's alone: a clear 65, not a CSV error
printf '{"a":1,"y":0}\n{"a":2,"y":1}\n' >t.jsonl
expect_exit 65 "train on JSON Lines: 65" "$BIN/mlci-train" --data t.jsonl --label y --model tree --out r.json
err_is "^$P: t\.jsonl: a JSON Lines file \(by its name\): this step reads CSV" "JSON Lines: one line saying so"
expect_exit 65 "evaluate on JSON Lines: 65" "$BIN/mlci-evaluate" --model gz.json --data t.jsonl --out r.json
absent r.json "JSON Lines: no output"

# a gzip bomb (a line of gigabytes from a few MB) stops at 16 MiB of one
# line, not at the 1 GiB limit; a CR-only file's lines count as lines
/usr/bin/python3 -c '
import zlib
c = zlib.compressobj(9, zlib.DEFLATED, 31)
with open("bomb.csv.gz", "wb") as f:
    f.write(c.compress(b"a,b\n1,"))
    for _ in range(64):
        f.write(c.compress(b"x" * (1 << 20)))
    f.write(c.flush())
'
expect_exit 65 "a 64 MiB line behind gzip: 65" /usr/bin/time -f %M -o rss.txt "$BIN/mlci-train" --data bomb.csv.gz --label b --model tree --out r.json
err_is "^$P: bomb\.csv\.gz: a line longer than 16777216 bytes \(16 MiB\) in the gzip data" "the bomb: one line saying so"
if [ "$(tail -n 1 rss.txt)" -lt 200000 ]; then ok "the bomb: stopped early (peak $(( $(tail -n 1 rss.txt) / 1024 )) MB)"; else not_ok "the bomb: peak RSS $(tail -n 1 rss.txt) KB"; fi
/usr/bin/python3 -c '
import gzip
rows = ["a,b"] + ["%d,%d" % (i, 2 * i) for i in range(2000000)]
open("mac.csv.gz", "wb").write(gzip.compress(("\r".join(rows) + "\r").encode()))
'
expect_exit 0 "a CR-only gzip file of 2,000,000 rows" "$BIN/mlci-train" --data mac.csv.gz --label b --model linear --out mac.json
json_is mac.json 'j["training"]["n_rows"]' "2000000" "CR-only gzip: every row"
