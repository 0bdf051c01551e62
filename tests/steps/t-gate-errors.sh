# mlci-gate: every bad input gets a one-line error, the documented exit
# code, and leaves none of the outputs behind.

# mk_metrics FILE NAME=JSON...: an mlci.metrics envelope (input fixture).
mk_metrics() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
out, kv = sys.argv[1], sys.argv[2:]
m = {k: json.loads(v) for k, v in (a.split("=", 1) for a in kv)}
art = {"kind": "mlci.metrics", "schema_version": 1,
       "producer": {"name": "fixture", "version": "0"},
       "created": "2024-01-01T00:00:00Z", "inputs": [],
       "task": "classification", "label": "y", "n_rows": 10, "n_skipped": 0,
       "metrics": m, "warnings": []}
with open(out, "w") as f:
    json.dump(art, f, indent=2, sort_keys=True)
PY
}

mk_metrics metrics.json accuracy=0.853 f1_macro=0.8 log_loss=0.31 roc_auc=null
mk_metrics base.json accuracy=0.84 f1_macro=0.81

# gate ARGS...: mlci-gate writing every output in $T.
gate() {
	"$BIN/mlci-gate" "$@" --out gate.json --junit junit.xml --markdown gate.md \
		--openmetrics metrics.txt --dotenv gate.env
}

# none_left NAME: no output (or temp file) of gate() is left.
none_left() {
	for f in gate.json junit.xml gate.md metrics.txt gate.env; do
		if [ -e "$f" ] || ls -a | grep -q "^\.$f\.tmp-"; then
			not_ok "$1: no outputs left" "$f exists"; return
		fi
	done
	ok "$1: no outputs left"
}

# Usage errors: 64.
expect_exit 64 "no rules at all" gate --metrics metrics.json
err_is "^mlci-gate: no rules: give --rule EXPR or --rules FILE" "no rules: one line"
none_left "no rules"

expect_exit 64 "--rule with a syntax error" gate --metrics metrics.json --rule 'accuracy >>= 1'
err_is "^mlci-gate: --rule 'accuracy >>= 1':1:10: unknown operator '>>='" "bad --rule names the rule and column"
none_left "bad --rule"

expect_exit 64 "--rule without a threshold" gate --metrics metrics.json --rule 'accuracy >='
err_is "^mlci-gate: --rule 'accuracy >=':1:12: expected a number or 'baseline' after '>='$" "missing threshold: exact message"

expect_exit 64 "an empty --rule" gate --metrics metrics.json --rule ''
err_is "^mlci-gate: --rule '': empty rule" "empty rule: one line"

expect_exit 64 "a baseline rule without --baseline" gate --metrics metrics.json \
	--rule 'f1_macro >= baseline - 0.01'
err_is "^mlci-gate: --rule 'f1_macro >= baseline - 0.01':1: .*--baseline FILE is required" "baseline needed: one line"
none_left "baseline rule without --baseline"

printf 'accuracy >= 0.5\nf1_macro >= baseline\n' >needs-base.txt
expect_exit 64 "a baseline rule in a file without --baseline" gate --metrics metrics.json --rules needs-base.txt
err_is "^mlci-gate: needs-base\.txt:2: rule 'f1_macro >= baseline'" "names the file and line"

expect_exit 64 "missing --metrics" "$BIN/mlci-gate" --rule 'accuracy >= 0.5' --out gate.json
err_is "^mlci-gate: --metrics is required" "missing --metrics: one line"
expect_exit 64 "missing --out" "$BIN/mlci-gate" --metrics metrics.json --rule 'accuracy >= 0.5'
err_is "^mlci-gate: --out is required" "missing --out: one line"

expect_exit 64 "two outputs on one path" "$BIN/mlci-gate" --metrics metrics.json \
	--rule 'accuracy >= 0.5' --out same.out --junit same.out
err_is "^mlci-gate: --out and --junit name the same file 'same\.out'" "same path: one line"
absent same.out "same path: nothing written"

expect_exit 64 "an output over an input" "$BIN/mlci-gate" --metrics metrics.json \
	--rule 'accuracy >= 0.5' --out gate.json --markdown metrics.json
err_is "^mlci-gate: --markdown 'metrics\.json' would overwrite the --metrics input" "output over input: one line"
json_is metrics.json 'j["kind"]' "mlci.metrics" "the input is untouched"
none_left "output over input"

# Malformed inputs: 65.
printf '# gate\naccuracy >= 0.8\nf1 >=\n' >bad-rules.txt
expect_exit 65 "a rules file with a syntax error" gate --metrics metrics.json --rules bad-rules.txt
err_is "^mlci-gate: bad-rules\.txt:3:6: expected a number or 'baseline' after '>='$" "rules file error: file:line:col"
none_left "bad rules file"

printf 'accuracy >= 0.8 0.9\n' >bad2.txt
expect_exit 65 "trailing junk in a rules file" gate --metrics metrics.json --rules bad2.txt
err_is "^mlci-gate: bad2\.txt:1:17: expected an operator or the end of the rule after '0\.8', found '0\.9'$" "trailing junk: column"

printf '# nothing here\n\n' >empty-rules.txt
expect_exit 65 "a rules file without rules" gate --metrics metrics.json --rules empty-rules.txt
err_is "^mlci-gate: empty-rules\.txt: no rules" "no rules in file: one line"

expect_exit 65 "an unknown metric" gate --metrics metrics.json --rule 'acuracy >= 0.5'
err_is "^mlci-gate: metrics\.json: unknown metric 'acuracy' in --rule 'acuracy >= 0\.5' \(did you mean 'accuracy'\? known: accuracy, f1_macro, log_loss\)$" "unknown metric names file, metric and the known ones"
none_left "unknown metric"

printf 'accuracy >= 0.5\nrmse <= 3\n' >r2.txt
expect_exit 65 "an unknown metric from a rules file" gate --metrics metrics.json --rules r2.txt
err_is "^mlci-gate: metrics\.json: unknown metric 'rmse' in r2\.txt:2 " "names the rules file line"

expect_exit 65 "a metric that is undefined (null)" gate --metrics metrics.json --rule 'roc_auc >= 0.5'
err_is "^mlci-gate: metrics\.json: metric 'roc_auc' \(named in --rule 'roc_auc >= 0.5'\) is undefined here \(null; see the warnings in this file\), so no rule can judge it$" "null metric: one line"

# a metric the baseline predates cannot be compared with it: inconclusive
# (exit 3) with the reason, not a malformed input
expect_exit 3 "a metric missing from the baseline: inconclusive" gate --metrics metrics.json \
	--baseline base.json --rule 'log_loss <= baseline * 1.05'
json_is gate.json 'j["rules"][0]["status"], j["rules"][0]["reason"]' "('inconclusive', \"no baseline: 'log_loss' is a new metric (not in base.json)\")" "... with the reason naming the baseline"
rm -f gate.json junit.xml gate.md metrics.txt gate.env

expect_exit 64 "a --rule threshold dividing by zero" gate --metrics metrics.json --rule 'accuracy >= 1 / 0'
err_is "^mlci-gate: --rule 'accuracy >= 1 / 0':1: division by zero" "division by zero: one line"
printf 'accuracy >= 0.5\n\naccuracy >= baseline / (baseline - 0.84)\n' >div.txt
expect_exit 65 "a rules-file threshold dividing by zero" gate --metrics metrics.json \
	--baseline base.json --rules div.txt
err_is "^mlci-gate: div\.txt:3: division by zero" "division by zero in a file: file and line"
none_left "division by zero"

printf '{"kind": "mlci.metrics", "schema_version": 1,\n  "metrics": {"accuracy": 0.9,}}\n' >broken.json
expect_exit 65 "metrics.json that is not JSON" gate --metrics broken.json --rule 'accuracy >= 0.5'
err_is "^mlci-gate: broken\.json:2:[0-9]+: invalid JSON" "bad JSON: file:line:col"
none_left "bad JSON"

printf '{"kind": "mlci.model", "schema_version": 1, "metrics": {}}\n' >model.json
expect_exit 65 "an artifact of the wrong kind" gate --metrics model.json --rule 'accuracy >= 0.5'
err_is "^mlci-gate: model\.json: expected an artifact of kind 'mlci\.metrics', found 'mlci\.model'" "wrong kind: one line"

printf '{"kind": "mlci.metrics", "schema_version": 99, "metrics": {}}\n' >future.json
expect_exit 65 "a schema_version from the future" gate --metrics future.json --rule 'accuracy >= 0.5'
err_is "^mlci-gate: future\.json: mlci\.metrics schema_version 99 is not supported" "unknown version: one line"

printf '{"kind": "mlci.metrics", "schema_version": 1}\n' >nometrics.json
expect_exit 65 "metrics.json without metrics" gate --metrics nometrics.json --rule 'accuracy >= 0.5'
err_is "^mlci-gate: nometrics\.json: field 'metrics' is missing" "missing metrics object: one line"

expect_exit 65 "a baseline of the wrong kind" gate --metrics metrics.json --baseline model.json \
	--rule 'accuracy >= baseline'
err_is "^mlci-gate: model\.json: expected an artifact of kind 'mlci\.metrics'" "baseline wrong kind: one line"

# Missing inputs: 66.
expect_exit 66 "a missing metrics.json" gate --metrics nope.json --rule 'accuracy >= 0.5'
err_is "^mlci-gate: nope\.json: cannot open" "missing metrics: one line naming it"
none_left "missing metrics"
expect_exit 66 "a missing rules file" gate --metrics metrics.json --rules nope.txt
err_is "^mlci-gate: nope\.txt: cannot open" "missing rules file: one line naming it"
expect_exit 66 "a missing baseline" gate --metrics metrics.json --baseline nope-base.json \
	--rule 'accuracy >= baseline'
err_is "^mlci-gate: nope-base\.json: cannot open" "missing baseline: one line naming it"
none_left "missing baseline"

# Outputs that cannot be created: 73, and the others are not left either.
printf 'x' >afile
expect_exit 73 "an output under a file, not a directory" "$BIN/mlci-gate" --metrics metrics.json \
	--rule 'accuracy >= 0.5' --out gate.json --junit junit.xml --dotenv afile/gate.env
err_is "^mlci-gate: afile/gate\.env: cannot create" "unwritable output: one line naming it"
none_left "unwritable output"
expect_exit 73 "an output in a missing directory" "$BIN/mlci-gate" --metrics metrics.json \
	--rule 'accuracy >= 0.5' --out no/such/dir/gate.json --junit junit.xml
err_is "^mlci-gate: no/such/dir/gate\.json: cannot create" "missing directory: one line"
none_left "missing directory"

# A failing verdict is not an error: outputs are written, exit 1.
expect_exit 1 "a failing rule" gate --metrics metrics.json --rule 'accuracy > 0.9'
check "a failing gate still writes gate.json" test -s gate.json
check "a failing gate writes no error" test ! -s "$T/err"
rm -f gate.json junit.xml gate.md metrics.txt gate.env

# MLCI_RULE carries one rule per line; a flag beats the variable.
MLCI_RULE='accuracy >= 0.5
log_loss <= 0.5' expect_exit 0 "rules from MLCI_RULE" gate --metrics metrics.json
json_is gate.json 'len(j["rules"])' "2" "MLCI_RULE gives two rules"
MLCI_RULE='accuracy >= 0.99' expect_exit 0 "--rule beats MLCI_RULE" gate --metrics metrics.json \
	--rule 'accuracy >= 0.5'
json_is gate.json '[r["rule"] for r in j["rules"]]' "['accuracy >= 0.5']" "only the flag's rule"
MLCI_RULE='accuracy >>= 1' expect_exit 64 "a bad rule in MLCI_RULE" gate --metrics metrics.json
err_is "^mlci-gate: --rule 'accuracy >>= 1':1:10: " "a bad MLCI_RULE rule: one line"

# JSON that ends right after a newline: the position is still line:column
printf '{\n"kind": "mlci.metrics",\n' >cut.json
expect_exit 65 "metrics cut after a newline" "$BIN/mlci-gate" --metrics cut.json --rule "accuracy >= 0.5" --out cut-gate.json
err_is "^mlci-gate: cut\.json:3:1: invalid JSON: " "line and column even at the start of a line"
absent cut-gate.json "no gate.json"
