# The stability demonstration: one model configuration (logistic, C=1)
# trained on twelve bootstrap resamples of one training split (seeds 1 to
# 12) and gated against the model trained on the whole split, on the same
# held-out rows of breast_cancer.csv. Models that differ only by the
# resampling seed are equally good, so a gate should not flip between
# them: the point-estimate gate `accuracy >= baseline` does (it passes
# some seeds and fails others), while the paired gate
# `accuracy >= baseline - 0.02 paired` never fails and gives the same
# verdict for the two seeds where the point gate disagrees.
PY=/usr/bin/python3
export SOURCE_DATE_EPOCH=1700000000

$PY - "$DATA/breast_cancer.csv" <<'PYEOF'
import csv, sys
import numpy as np
rows = list(csv.reader(open(sys.argv[1], newline="")))
h, rows = rows[0], rows[1:]
perm = np.random.default_rng(5).permutation(len(rows))
test = [rows[i] for i in perm[:230]]
train = [rows[i] for i in perm[230:]]
def w(name, rr):
    with open(name, "w", newline="") as f:
        cw = csv.writer(f, lineterminator="\n"); cw.writerow(h); cw.writerows(rr)
w("train.csv", train); w("test.csv", test)
for s in range(1, 13):
    idx = np.random.default_rng(s).integers(0, len(train), len(train))
    w("train.s%d.csv" % s, [train[i] for i in idx])
PYEOF
"$BIN/mlci-train" --data train.csv --label diagnosis --model logistic --out base.model.json >/dev/null
"$BIN/mlci-evaluate" --model base.model.json --data test.csv --out base.json --predictions base.pred.csv >/dev/null
for s in $(seq 1 12); do
	"$BIN/mlci-train" --data train.s$s.csv --label diagnosis --model logistic --out m$s.json >/dev/null
	"$BIN/mlci-evaluate" --model m$s.json --data test.csv --out c$s.json --predictions c$s.pred.csv >/dev/null
	"$BIN/mlci-gate" --metrics c$s.json --baseline base.json --rule 'accuracy >= baseline' --out point$s.json >/dev/null
	echo "$s $?" >>point.rc
	"$BIN/mlci-gate" --metrics c$s.json --baseline base.json --rule 'accuracy >= baseline - 0.02 paired' \
		--out paired$s.json >/dev/null
	echo "$s $?" >>paired.rc
done
# the figure: per seed accuracy, the point gate's and the paired gate's verdicts
$PY - <<'PYEOF' >figure.txt
import json
for s in range(1, 13):
    p = json.load(open("point%d.json" % s))["rules"][0]
    q = json.load(open("paired%d.json" % s))["rules"][0]
    t = q["paired"]
    print("# seed %2d: accuracy %.4f (baseline %.4f)  point gate %-4s  paired gate %-12s difference %+.4f [%+.4f, %+.4f], p = %.3f"
          % (s, p["value"], p["baseline"], p["status"], q["status"], t["difference"],
             t["interval"]["low"], t["interval"]["high"], t["p_adjusted"]))
PYEOF
cat figure.txt
point_pass=$(awk '$2 == 0' point.rc | wc -l); point_fail=$(awk '$2 == 1' point.rc | wc -l)
paired_fail=$(awk '$2 == 1' paired.rc | wc -l)
if [ "$point_pass" -ge 1 ] && [ "$point_fail" -ge 1 ]; then ok "the point-estimate gate flips between seeds ($point_pass pass, $point_fail fail of 12)"
else not_ok "the point-estimate gate flips between seeds" "$point_pass pass, $point_fail fail"; fi
if [ "$paired_fail" -eq 0 ] && ! awk '$2 != 0 && $2 != 3' paired.rc | grep -q .; then ok "the paired gate never fails a resampled training (exit 0 or 3 every time)"
else not_ok "the paired gate never fails a resampled training" "$(cat paired.rc)"; fi
# two seeds where the point gate disagrees, the paired gate agrees
pair=$(join point.rc paired.rc | awk '$2 == 0 { p[$3] = $1 } $2 == 1 { f[$3] = $1 } END { for (k in p) if (k in f) { print p[k], f[k]; exit } }')
if [ -n "$pair" ]; then
	set -- $pair
	v=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["rules"][0]["status"])' "paired$1.json")
	ok "seeds $1 and $2: point gate pass then fail, paired gate $v both times"
	json_is paired$1.json 'j["rules"][0]["status"] == json.load(open("paired'$2'.json"))["rules"][0]["status"]' "True" "the paired verdicts of seeds $1 and $2 are the same"
else
	not_ok "two seeds where the point gate flips and the paired gate does not" "$(join point.rc paired.rc | tr '\n' ';')"
fi
check "gate.json files valid against the schema" $PY "$TOP/tests/check_schema.py" paired1.json point1.json
