# A large forest's model.json is read a tree at a time (model.c's lean
# read: the trees' text left out of the JSON, each parsed on its own).
# MLCI_MODEL_LEAN_BYTES lowers the size it starts at, so a small forest
# takes it: the model predicts the same, and a broken file gets the same
# error, with the same line and column, as the whole-file read gives.
PY=/usr/bin/python3
TR=$BIN/mlci-train
EV=$BIN/mlci-evaluate
export SOURCE_DATE_EPOCH=1700000000
expect_exit 0 "a forest trains" "$TR" --data "$DATA/breast_cancer.csv" --label diagnosis \
	--model forest --param n_estimators=12 --param max_depth=5 --seed 3 --out f.json
LEAN=0; WHOLE=1000000000
MLCI_MODEL_LEAN_BYTES=$LEAN expect_exit 0 "evaluate, lean read" "$EV" --model f.json \
	--data "$DATA/breast_cancer.csv" --predictions p.csv --out m.json
mv p.csv p-lean.csv; mv m.json m-lean.json
MLCI_MODEL_LEAN_BYTES=$WHOLE expect_exit 0 "evaluate, whole read" "$EV" --model f.json \
	--data "$DATA/breast_cancer.csv" --predictions p.csv --out m.json
check "the same predictions" cmp p-lean.csv p.csv
check "the same metrics.json" cmp m-lean.json m.json

# broken files: a bad token inside a tree, a duplicate key in a tree, a
# bad value after the trees, brackets that do not match inside the trees,
# and a tree that is valid JSON but not a tree
$PY - f.json <<'PYEOF'
import re, sys
t = open(sys.argv[1]).read()
i = t.index('"trees": [')
j = t.index('"threshold": [', t.index('"n_nodes"', i) + 1)
k = t.index('\n', j + 20)
cases = {
    "token": t[:k] + " nope" + t[k:],
    "dupkey": t[:j] + '"n_nodes": 3,\n' + t[j:],
    "after": t.replace('"type": "forest"', '"type": forest', 1),
    "brackets": t[:k] + "]]]" + t[k:],
    "nottree": t[:i] + '"trees": [\n{"n_nodes": "x"},' + t[i + len('"trees": ['):],
}
for name, text in cases.items():
    open("bad-%s.json" % name, "w").write(text)
PYEOF
for c in token dupkey after brackets nottree; do
	MLCI_MODEL_LEAN_BYTES=$LEAN "$EV" --model bad-$c.json --data "$DATA/breast_cancer.csv" \
		--out x.json >/dev/null 2>lean-$c.err
	rl=$?
	MLCI_MODEL_LEAN_BYTES=$WHOLE "$EV" --model bad-$c.json --data "$DATA/breast_cancer.csv" \
		--out x.json >/dev/null 2>whole-$c.err
	rw=$?
	check "$c: the same exit code ($rl), 65" test "$rl" = "$rw" -a "$rl" = 65
	check "$c: the same message: $(head -c 120 whole-$c.err)" cmp lean-$c.err whole-$c.err
done
check "a bad token names its line and column" grep -Eq '^mlci-evaluate: bad-token.json:[0-9]+:[0-9]+: invalid JSON' whole-token.err
absent x.json "no metrics from a broken model"
