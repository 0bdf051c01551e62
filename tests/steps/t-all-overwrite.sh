# No step overwrites a file the user gave it, or writes two outputs to one
# path: each refusal is a one-line usage error (64) and the input is intact.
cp "$DATA/breast_cancer.csv" bc.csv
cp bc.csv bc.orig
intact() { if cmp -s "$1" "$2"; then ok "$3"; else not_ok "$3" "$1 was changed"; fi; }

expect_exit 64 "validate-data --out over --data" "$BIN/mlci-validate-data" --data bc.csv --out bc.csv
err_is "^mlci-validate-data: --out 'bc.csv' would overwrite the --data input$" "names the option and the file"
intact bc.csv bc.orig "the CSV is intact"
expect_exit 64 "validate-data --infer-schema over --data (another spelling)" \
	"$BIN/mlci-validate-data" --data bc.csv --out r.json --infer-schema "$T/./bc.csv"
intact bc.csv bc.orig "the CSV is intact"
absent r.json "no report is written either"
expect_exit 64 "validate-data --out and --infer-schema on one path" \
	"$BIN/mlci-validate-data" --data bc.csv --out s.json --infer-schema ./s.json
err_is "^mlci-validate-data: --out and --infer-schema name the same file" "says both options"
expect_exit 0 "a schema to check against" "$BIN/mlci-validate-data" --data bc.csv --out r.json --infer-schema s.json
cp s.json s.orig
expect_exit 64 "validate-data --out over --schema" "$BIN/mlci-validate-data" --data bc.csv --out s.json --schema s.json
intact s.json s.orig "the schema is intact"

ln bc.csv hard.csv
expect_exit 64 "train --out over --data through a hard link" \
	"$BIN/mlci-train" --data bc.csv --label diagnosis --model logistic --out hard.csv
err_is "would overwrite the --data input" "one line"
intact bc.csv bc.orig "the CSV is intact"

expect_exit 0 "a model" "$BIN/mlci-train" --data bc.csv --label diagnosis --model logistic --out m.json
expect_exit 0 "metrics" "$BIN/mlci-evaluate" --model m.json --data bc.csv --out x.json
cp m.json m.orig
expect_exit 64 "evaluate --predictions over --model" \
	"$BIN/mlci-evaluate" --model m.json --data bc.csv --out y.json --predictions m.json
err_is "^mlci-evaluate: --predictions 'm.json' would overwrite the --model input$" "names the file"
intact m.json m.orig "the model is intact"
absent y.json "no metrics are written"

cp x.json package.json
cp x.json x.orig
expect_exit 64 "package's package.json over its --metrics input" \
	"$BIN/mlci-package" --model m.json --metrics package.json --name bc --version 1.0.0 --out-dir .
intact package.json x.orig "the metrics are intact"
absent bc-1.0.0.tar.gz "no archive is written"

expect_exit 0 "a package" "$BIN/mlci-package" --model m.json --metrics x.json --name bc --version 1.0.0 --out-dir dist
cp dist/bc-1.0.0.tar.gz p.orig
expect_exit 64 "deploy --out over --package" \
	"$BIN/mlci-deploy" --package dist/bc-1.0.0.tar.gz --to "dir://$T/reg" --out dist/bc-1.0.0.tar.gz
intact dist/bc-1.0.0.tar.gz p.orig "the package is intact"
if [ ! -e reg ]; then ok "nothing is written to the registry"; else not_ok "nothing is written to the registry"; fi

mkdir adir
expect_exit 73 "an output that is a directory cannot be created (73)" \
	"$BIN/mlci-gate" --metrics x.json --rule 'accuracy >= 0.5' --out adir
err_is "^mlci-gate: adir: cannot create: is a directory$" "one line naming it"

# outputs that are not regular files: a device or a FIFO is written
# through (as a shell's '>' would), never replaced; a symbolic link's file
# is replaced and the link kept; a link to nothing and other kinds refused
if mknod -m 666 fakenull c 1 3 2>/dev/null; then
	expect_exit 0 "train --out a character device" "$BIN/mlci-train" --data bc.csv --label diagnosis \
		--model logistic --out fakenull
	check "... which stays a character device" test -c fakenull
	rm -f fakenull
else
	ok "train --out a character device (skipped: mknod needs root)"
fi
expect_exit 0 "evaluate --out /dev/null" "$BIN/mlci-evaluate" --model m.json --data bc.csv --out /dev/null
check "... leaves /dev/null a device" test -c /dev/null
"$BIN/mlci-train" --data bc.csv --label diagnosis --model logistic --out /dev/stdout 2>/dev/null >stdout.json
json_is stdout.json 'j["kind"]' "mlci.model" "train --out /dev/stdout writes the model to standard output"
mkfifo out.fifo
cat out.fifo >fifo.json &
expect_exit 0 "train --out a FIFO" "$BIN/mlci-train" --data bc.csv --label diagnosis --model logistic --out out.fifo
wait
check "... which stays a FIFO" test -p out.fifo
json_is fifo.json 'j["kind"]' "mlci.model" "... and the reader gets the model"
mkdir -p real
ln -s real/model.json link.json
expect_exit 73 "train --out a symbolic link to nothing" "$BIN/mlci-train" --data bc.csv --label diagnosis \
	--model logistic --out link.json
err_is "^mlci-train: link.json: cannot create: a symbolic link to nothing$" "... is refused"
echo '{}' >real/model.json
expect_exit 0 "train --out a symbolic link to a file" "$BIN/mlci-train" --data bc.csv --label diagnosis \
	--model logistic --out link.json
check "... keeps the link" test -L link.json
json_is real/model.json 'j["kind"]' "mlci.model" "... and replaces the file it points at"
if ls -a real | grep -q 'tmp-'; then not_ok "... with no temporary left beside it" "$(ls -a real)"
else ok "... with no temporary left beside it"; fi
