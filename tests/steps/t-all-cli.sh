# Every step: --help on stdout with exit 0, --version, an unknown option is
# a one-line usage error (64), and a required option missing is 64.
for s in validate-data train evaluate gate package deploy; do
	exe=$BIN/mlci-$s
	if [ ! -x "$exe" ]; then not_ok "mlci-$s exists"; continue; fi
	expect_exit 0 "mlci-$s --help exits 0" "$exe" --help
	if grep -q "^usage: mlci-$s" "$T/out" && [ ! -s "$T/err" ]; then ok "mlci-$s --help prints usage on stdout"
	else not_ok "mlci-$s --help prints usage on stdout"; fi
	expect_exit 0 "mlci-$s --version exits 0" "$exe" --version
	if grep -Eq "^mlci-$s [0-9]+\.[0-9]+\.[0-9]+$" "$T/out"; then ok "mlci-$s --version prints a version"
	else not_ok "mlci-$s --version prints a version" "$(cat "$T/out")"; fi
	expect_exit 64 "mlci-$s rejects an unknown option" "$exe" --no-such-option
	err_is "^mlci-$s: unknown option '--no-such-option'" "mlci-$s: unknown option error is one line"
	expect_exit 64 "mlci-$s without its required options is a usage error" "$exe"
	err_is "^mlci-$s: .*required" "mlci-$s: missing option error is one line"
done

# A variable MLCI_<NAME> stands in for --name, and a flag beats it.
MLCI_DATA=$T/nope.csv expect_exit 66 "MLCI_DATA is read as --data" \
	"$BIN/mlci-validate-data" --out "$T/r.json"
err_is "nope\.csv" "the variable's file is the one named"
MLCI_DATA=$T/nope.csv expect_exit 66 "--data beats MLCI_DATA" \
	"$BIN/mlci-validate-data" --data "$T/other.csv" --out "$T/r.json"
err_is "other\.csv" "the flag's file is the one named"

# A step's own variable keeps apart options that share a name: --model is
# an algorithm to mlci-train and a file to mlci-evaluate.
MLCI_MODEL=logistic MLCI_EVALUATE_MODEL=$T/no-model.json expect_exit 66 \
	"MLCI_EVALUATE_MODEL beats MLCI_MODEL for mlci-evaluate" \
	"$BIN/mlci-evaluate" --data "$DATA/iris.csv" --out "$T/m.json"
err_is "no-model\.json" "the step's variable is the one used"
MLCI_MODEL=logistic MLCI_EVALUATE_MODEL=$T/no-model.json expect_exit 0 \
	"while mlci-train still reads MLCI_MODEL" \
	"$BIN/mlci-train" --data "$DATA/iris.csv" --label species --out "$T/m.json"

# a control character in a file name cannot split the error line
nl_name=$(printf 'no\nsuch.csv')
expect_exit 66 "a missing file whose name holds a newline" "$BIN/mlci-train" --data "$nl_name" \
	--label y --model tree --out nl.json
err_is "^mlci-train: no\?such\.csv: cannot open: " "... is still one line"
