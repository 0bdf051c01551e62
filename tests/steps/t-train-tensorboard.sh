# mlci-train --tensorboard: the training curves as a TensorBoard event
# file, decoded by an independent reader (tests/ref/tfevents_read.py:
# crcmod's CRC-32C and its own protocol-buffer parser).
PY=/usr/bin/python3
RD=$TOP/tests/ref/tfevents_read.py
BC=$DATA/breast_cancer.csv

SOURCE_DATE_EPOCH=1700000000 expect_exit 0 "logistic with --tensorboard trains" \
	"$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic \
	--out "$T/m.json" --tensorboard "$T/tb"
ev=$T/tb/events.out.tfevents.1700000000.mlci-train
check "the event file is named for SOURCE_DATE_EPOCH" test -s "$ev"
check "stdout names the file" grep -q "training curves: [0-9]* points -> .*events.out.tfevents.1700000000.mlci-train" "$T/out"
if "$PY" "$RD" "$ev" >"$T/ev.json" 2>"$T/rd.err"; then ok "every record's framing and CRCs check"
else not_ok "every record's framing and CRCs check" "$(cat "$T/rd.err")"; fi
json_is "$T/ev.json" 'j["file_version"]' "brain.Event:2" "the first event is the file version"
json_is "$T/ev.json" 'set(j["wall_times"])' "{1700000000.0}" "wall time is SOURCE_DATE_EPOCH"
json_is "$T/ev.json" 'sorted(j["series"])' "['train/loss_curve']" "one series: train/loss_curve"
# the points are model.json's loss_curve, as float32, at steps 1..iterations
if "$PY" - "$T/m.json" "$T/ev.json" <<'PYEOF'
import json, struct, sys
t = json.load(open(sys.argv[1]))["training"]
s = json.load(open(sys.argv[2]))["series"]["train/loss_curve"]
c = t["loss_curve"]
assert len(c) == t["iterations"] == len(s) > 5, (len(c), t["iterations"], len(s))
for i, (step, v) in enumerate(s):
    assert step == i + 1, (i, step)
    assert v == struct.unpack("<f", struct.pack("<f", c[i]))[0], (i, v, c[i])
# the objective never rises along accepted L-BFGS steps
assert all(b <= a for a, b in zip(c, c[1:])), c
PYEOF
then ok "points equal training.loss_curve at steps 1..iterations, decreasing"
else not_ok "points equal training.loss_curve at steps 1..iterations, decreasing"; fi

SOURCE_DATE_EPOCH=1700000000 "$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic \
	--out "$T/m2.json" --tensorboard "$T/tb2" >/dev/null 2>&1
check "reruns write the same bytes" cmp "$ev" "$T/tb2/events.out.tfevents.1700000000.mlci-train"

# the reader does check: one flipped payload byte is caught
cp "$ev" "$T/bad"
"$PY" -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[40] ^= 1; open(sys.argv[1], "wb").write(b)' "$T/bad"
expect_exit 1 "a flipped byte fails the CRC check" "$PY" "$RD" "$T/bad"
check "it says which record" grep -q "CRC mismatch" "$T/err"

# multiclass (softmax) records its curve too
SOURCE_DATE_EPOCH=1700000000 expect_exit 0 "multinomial logistic with --tensorboard" \
	"$BIN/mlci-train" --data "$DATA/iris.csv" --label species --model logistic \
	--out "$T/mi.json" --tensorboard "$T/tbi"
"$PY" "$RD" "$T/tbi/events.out.tfevents.1700000000.mlci-train" >"$T/evi.json" 2>/dev/null
json_is "$T/evi.json" 'len(j["series"]["train/loss_curve"]) == json.load(open("'"$T/mi.json"'"))["training"]["iterations"]' "True" "iris: one point per iteration"

# a family without a curve: a warning, model.json, no file
expect_exit 0 "a tree with --tensorboard still trains" \
	"$BIN/mlci-train" --data "$BC" --label diagnosis --model tree --param max_depth=3 \
	--out "$T/t.json" --tensorboard "$T/tbt"
err_is "warning: --model tree records no training curve" "a one-line warning says there is no curve"
check "and no event file" test ! -e "$T/tbt"

# the directory cannot be made: 73, and no model.json
: >"$T/afile"
expect_exit 73 "--tensorboard under a file: exit 73" \
	"$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic \
	--out "$T/m3.json" --tensorboard "$T/afile/tb"
err_is "afile" "the error names the path"
absent "$T/m3.json" "no model.json when the curves cannot be written"

# model.json cannot be written: the event file written before it goes too
expect_exit 73 "--out in a missing directory: exit 73" \
	"$BIN/mlci-train" --data "$BC" --label diagnosis --model logistic \
	--out "$T/nodir/m.json" --tensorboard "$T/tb4"
check "no event file is left behind" sh -c "! ls '$T/tb4'/events.* >/dev/null 2>&1"

# hgb's curves (training and validation loss per iteration) and mlp's
SOURCE_DATE_EPOCH=1700000000 expect_exit 0 "hgb with early stopping and --tensorboard" \
	"$BIN/mlci-train" --data "$BC" --label diagnosis --model hgb --param max_iter=20 \
	--param early_stopping=true --out "$T/h.json" --tensorboard "$T/tbh"
"$PY" "$RD" "$T/tbh/events.out.tfevents.1700000000.mlci-train" >"$T/evh.json" 2>/dev/null
json_is "$T/evh.json" 'sorted(j["series"])' "['train/train_loss', 'train/validation_loss']" "hgb: its training and validation loss"
json_is "$T/evh.json" 'len(j["series"]["train/train_loss"]) == len(json.load(open("'"$T/h.json"'"))["training"]["train_loss"])' "True" "hgb: one point per recorded value"
