# A label column of numbers is read as numbers, as scikit-learn (through
# pandas) reads it: 1 and 1.0 are one class, named by the shorter text,
# with a warning naming each merge; mlci-evaluate matches 1.0 to class 1
# the same way. A label column with any text keeps its texts apart (inf,
# nan and numbers beyond the doubles' range are text, as in a feature
# column). The reference log
# loss and accuracy come from scikit-learn on the same file.
PY=/usr/bin/python3
TR=$BIN/mlci-train
EV=$BIN/mlci-evaluate

# breast_cancer with diagnosis 1 (malignant) / 0 (benign), every third
# row written 1.0 / 0.0
awk -F, -v OFS=, 'NR == 1 { print; next }
	{ one = (NR % 3 == 0) ? "1.0" : "1"; zero = (NR % 3 == 0) ? "0.0" : "0"
	  $NF = ($NF == "malignant") ? one : zero; print }' "$DATA/breast_cancer.csv" >bc-mixed.csv
expect_exit 0 "labels 1, 1.0, 0 and 0.0 train" "$TR" --data bc-mixed.csv --label diagnosis \
	--model logistic --out mixed.json
json_is mixed.json 'j["classes"]' "['0', '1']" "two classes, named by the shorter texts"
err_is "warning: label values that are the same number are one class: '0' = '0.0', '1' = '1.0'$" \
	"a warning on stderr naming every merge"
json_is mixed.json 'j["training"]["warnings"]' \
	"[\"label values that are the same number are one class: '0' = '0.0', '1' = '1.0'\"]" "... and in training.warnings"

# scikit-learn on the same file (pandas reads the column as floats)
$PY - bc-mixed.csv >ref.txt <<'PYEOF'
import sys, warnings
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, accuracy_score
from sklearn.preprocessing import StandardScaler
d = pd.read_csv(sys.argv[1])
y = d.pop("diagnosis")
Z = StandardScaler().fit_transform(d.values)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    m = LogisticRegression(C=1.0, solver="newton-cg", tol=1e-10, max_iter=1000).fit(Z, y)
print(len(m.classes_), repr(log_loss(y, m.predict_proba(Z))), repr(accuracy_score(y, m.predict(Z))))
PYEOF
read -r ncls ll acc <ref.txt
check "scikit-learn also sees two classes" test "$ncls" = 2
json_is mixed.json "abs(j['training']['loss']['log_loss'] - $ll) <= 1e-6" True \
	"training log loss within 1e-6 of scikit-learn's ($ll)"
expect_exit 0 "evaluate on the mixed file" "$EV" --model mixed.json --data bc-mixed.csv --out m.json
json_is m.json "abs(j['metrics']['accuracy'] - $acc) < 1e-12" True \
	"every 1.0 and 0.0 is matched to its class: accuracy as scikit-learn's ($acc)"

# many spellings: as many merges as fit, then a count of the rest
for v in 1 1.0 1.00 1.000 01 001 0001 +1 1e0 10e-1 0.1e1 1.0000 1.00000 00001 1e00 1E0 0 0.0 -0 00; do
	echo "$v"
done | awk 'BEGIN { print "x,y" } { print NR "," $0 }' >many.csv
expect_exit 0 "twenty spellings of 0 and 1 train" "$TR" --data many.csv --label y --model logistic --out many.json
json_is many.json 'j["classes"]' "['0', '1']" "... into two classes"
err_is "one class: '0' = '-0', .* and [0-9]+ more$" "... and the warning counts the merges it has no room for"

# one number written two ways is one class: a single class is an error
printf 'x,y\n1,1\n2,1.0\n3,1.00\n' >one.csv
expect_exit 65 "1, 1.0 and 1.00 are a single class" "$TR" --data one.csv --label y \
	--task classification --model logistic --out one.json
err_is "single class '1'" "... named by the shortest text"
absent one.json "... and no model"

# with any text among the labels, the texts stay apart (as pandas keeps
# an object column)
printf 'x,y\n1,1\n2,1.0\n3,a\n4,1\n5,a\n6,1.0\n' >text.csv
expect_exit 0 "labels 1, 1.0 and a" "$TR" --data text.csv --label y --model logistic --out text.json
json_is text.json 'j["classes"]' "['1', '1.0', 'a']" "three classes: texts are not numbers"

# predictions made elsewhere (--scored): a label written 1.0 and a
# prediction written 1 are the same class, as scikit-learn scores the
# columns pandas reads as numbers
awk -F, 'NR == 1 { print "truth,pred"; next }
	{ t = (NR % 3 == 0) ? "1.0" : "0.0"; p = (NR % 4 == 0) ? "1" : "0"; print t "," p }' \
	"$DATA/iris.csv" >scored.csv
expect_exit 0 "--scored with 1.0 against 1" "$EV" --scored scored.csv --label-column truth \
	--prediction-column pred --out s.json
sacc=$($PY -c 'import sys, pandas as pd
from sklearn.metrics import accuracy_score
d = pd.read_csv(sys.argv[1]); print(repr(accuracy_score(d["truth"], d["pred"])))' scored.csv)
json_is s.json "abs(j['metrics']['accuracy'] - $sacc) < 1e-12" True "accuracy as scikit-learn's ($sacc)"
json_is s.json 'sorted(j["per_class"])' "['0', '1']" "two classes, named by the shorter texts"
