# The committed scikit-learn reference values (tests/ref/sklearn_metrics.json,
# read by tests/unit/test_metrics.c) are what tests/ref/sklearn_metrics.py
# computes with the installed scikit-learn: rerun it and compare.
PY=/usr/bin/python3
if $PY -c 'import sklearn' 2>/dev/null; then
	check "sklearn_metrics.py runs" $PY "$TOP/tests/ref/sklearn_metrics.py" "$T/ref.json"
	if cmp -s "$T/ref.json" "$TOP/tests/ref/sklearn_metrics.json"; then
		ok "the committed sklearn_metrics.json is the script's output"
	else
		not_ok "the committed sklearn_metrics.json is the script's output" \
			"$(diff "$T/ref.json" "$TOP/tests/ref/sklearn_metrics.json" | head -c 400)"
	fi
	json_is "$T/ref.json" 'j["sklearn_version"] != "", j["log_loss_eps"] == 2.0 ** -52' "(True, True)" "the reference records sklearn's version and log_loss eps (float64 epsilon)"
else
	ok "scikit-learn not installed: reference not regenerated (skipped)"
fi

# The fixed prediction files and their reference values
# (tests/ref/scored_predictions.py) regenerate byte for byte.
if $PY -c 'import sklearn' 2>/dev/null; then
	mkdir -p "$T/scored"
	check "scored_predictions.py runs" $PY "$TOP/tests/ref/scored_predictions.py" "$T/scored"
	same=1
	for f in "$T"/scored/*; do
		cmp -s "$f" "$TOP/tests/ref/$(basename "$f")" || same=0
	done
	if [ "$same" = 1 ] && [ "$(ls "$T/scored" | wc -l)" -eq 7 ]; then ok "the committed scored_* files are the script's output"
	else not_ok "the committed scored_* files are the script's output"; fi
fi

# The paired tests' reference values (tests/ref/paired_tests.py, read by
# tests/unit/test_paired.c) regenerate byte for byte.
if $PY -c 'import scipy, sklearn' 2>/dev/null; then
	check "paired_tests.py runs" $PY "$TOP/tests/ref/paired_tests.py" "$T/paired.json"
	check "the committed paired.json is the script's output" cmp -s "$T/paired.json" "$TOP/tests/ref/paired.json"
fi
