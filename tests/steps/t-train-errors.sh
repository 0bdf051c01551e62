# mlci-train on bad input: the documented exit code, exactly one line on
# stderr naming the file (and line:col for parse errors), and no model.json
# (nor a temporary of it) left behind; an existing model.json is untouched.
TR=$BIN/mlci-train
BC=$DATA/breast_cancer.csv
DB=$DATA/diabetes_progression.csv

# usage: required options, unknown model, bad --param, option conflicts
for o in data label model out; do
	args="--data $BC --label diagnosis --model logistic --out m.json"
	args=$(echo "$args" | sed "s/--$o [^ ]*//")
	expect_exit 64 "--$o is required" "$TR" $args
	err_is "^mlci-train: --$o is required" "missing --$o: one line"
done
absent m.json "missing options: no model.json"
expect_exit 64 "unknown --model" "$TR" --data "$BC" --label diagnosis --model svm --out m.json
err_is "^mlci-train: unknown --model 'svm' \(known: logistic, linear, ridge, lasso, elasticnet, tree, forest[a-z, ]*\)$" "unknown model: one line"
expect_exit 64 "unknown --model is found before reading the data" "$TR" --data nope.csv --label y --model svm --out m.json
for p in C=abc C=-1 C=0 tol=0 max_iter=1.5 max_iter=0 alpha=1 nokey =1 C=; do
	expect_exit 64 "logistic --param $p" "$TR" --data "$BC" --label diagnosis --model logistic --param "$p" --out m.json
	err_is "^mlci-train: --param $p: " "--param $p: one line"
done
expect_exit 64 "ridge --param C=1" "$TR" --data "$DB" --label progression --model ridge --param C=1 --out m.json
err_is "^mlci-train: --param C=1: model 'ridge' has no parameter 'C' \(it takes: alpha\)$" "ridge --param C: one line"
expect_exit 64 "ridge --param alpha=-1" "$TR" --data "$DB" --label progression --model ridge --param alpha=-1 --out m.json
expect_exit 64 "linear takes no params" "$TR" --data "$DB" --label progression --model linear --param alpha=1 --out m.json
err_is "it takes: none" "linear --param: one line"
expect_exit 64 "--features with --exclude" "$TR" --data "$BC" --label diagnosis --model logistic \
	--features "mean radius" --exclude "mean area" --out m.json
err_is "^mlci-train: give --features or --exclude, not both$" "--features with --exclude: one line"
expect_exit 64 "--features naming the label" "$TR" --data "$BC" --label diagnosis --model logistic \
	--features "mean radius,diagnosis" --out m.json
err_is "^mlci-train: --features names the label column 'diagnosis'$" "--features with the label: one line"
expect_exit 64 "--features naming a column twice" "$TR" --data "$BC" --label diagnosis --model logistic \
	--features "mean radius,mean radius" --out m.json
expect_exit 64 "--exclude leaving nothing" "$TR" --data "$DATA/iris.csv" --label species --model logistic \
	--exclude "sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)" --out m.json
err_is "^mlci-train: no feature columns left" "--exclude everything: one line"
expect_exit 64 "a bad --seed" "$TR" --data "$BC" --label diagnosis --model logistic --seed x --out m.json
expect_exit 64 "a bad --delimiter" "$TR" --data "$BC" --label diagnosis --model logistic --delimiter ab --out m.json
SOURCE_DATE_EPOCH=soon expect_exit 64 "a bad SOURCE_DATE_EPOCH" "$TR" --data "$BC" --label diagnosis --model logistic --out m.json
err_is "SOURCE_DATE_EPOCH" "bad SOURCE_DATE_EPOCH: one line"
absent m.json "usage errors: no model.json"

# missing input: 66
expect_exit 66 "missing data file" "$TR" --data nope.csv --label y --model logistic --out m.json
err_is "^mlci-train: nope\.csv: " "missing data: one line naming it"
absent m.json "missing data: no model.json"

# bad data: 65, naming the file
expect_exit 65 "label column that does not exist" "$TR" --data "$BC" --label nope --model logistic --out m.json
err_is "^mlci-train: $BC: no label column 'nope'$" "missing label column: one line naming the data file"
absent m.json "missing label column: no model.json"
expect_exit 65 "--features naming an unknown column" "$TR" --data "$BC" --label diagnosis --model logistic \
	--features "mean radius,nope" --out m.json
err_is "^mlci-train: $BC: no column 'nope' \(named in --features\)$" "unknown --features column: one line"
expect_exit 65 "--exclude naming an unknown column" "$TR" --data "$BC" --label diagnosis --model logistic \
	--exclude nope --out m.json
err_is "^mlci-train: $BC: no column 'nope' \(named in --exclude\)$" "unknown --exclude column: one line"

# a non-numeric label for a regressor: file:line:col of the first bad cell
line2=$(sed -n 2p "$BC")
last=${line2##*,}
col=$(( ${#line2} - ${#last} + 1 ))
expect_exit 65 "ridge on a string label" "$TR" --data "$BC" --label diagnosis --model ridge --out m.json
err_is "^mlci-train: $BC:2:$col: expected a number in column 'diagnosis', found 'malignant'$" "string label for ridge: file:line:col"
absent m.json "string label: no model.json"
expect_exit 65 "linear on a string label" "$TR" --data "$BC" --label diagnosis --model linear --out m.json

# missing label values, a single class, a ragged row, empty and header-only files
printf 'a,y\n1,2\n2,\n3,4\n' >holey.csv
expect_exit 65 "missing label value (regression)" "$TR" --data holey.csv --label y --model linear --out m.json
err_is "^mlci-train: holey\.csv:3:3: missing value in label column 'y'$" "missing label value: file:line:col"
expect_exit 65 "missing label value (classification)" "$TR" --data holey.csv --label y --model logistic --out m.json
err_is "^mlci-train: holey\.csv:3:3: missing value in label column 'y'$" "missing class label: file:line:col"
printf 'a,y\n1,k\n2,k\n' >one.csv
expect_exit 65 "a single class" "$TR" --data one.csv --label y --model logistic --out m.json
err_is "^mlci-train: one\.csv: label column 'y' has a single class 'k'$" "single class: one line"
printf 'a,y\n1,k\n2,j,3\n' >ragged.csv
expect_exit 65 "a ragged row" "$TR" --data ragged.csv --label y --model logistic --out m.json
err_is "^mlci-train: ragged\.csv:3:[0-9]+: " "ragged row: file:line:col"
: >empty.csv
expect_exit 65 "an empty file" "$TR" --data empty.csv --label y --model logistic --out m.json
err_is "^mlci-train: empty\.csv: " "empty file: one line"
printf 'a,y\n' >header.csv
expect_exit 65 "a header-only file" "$TR" --data header.csv --label y --model logistic --out m.json
err_is "^mlci-train: header\.csv: " "header-only file: one line"
printf 'y\n1\n2\n' >nofeat.csv
expect_exit 65 "no feature columns at all" "$TR" --data nofeat.csv --label y --model linear --out m.json
err_is "^mlci-train: nofeat\.csv: no feature columns left" "only a label column: one line"
absent m.json "bad data: no model.json"

# output problems: 73
expect_exit 73 "unwritable output directory" "$TR" --data "$BC" --label diagnosis --model logistic --out no/such/dir/m.json
err_is "^mlci-train: no/such/dir/m\.json: " "unwritable output: one line naming it"

# model.json is only replaced on success
expect_exit 0 "a good model" "$TR" --data "$BC" --label diagnosis --model logistic --out keep.json
before=$(sha256sum keep.json)
expect_exit 65 "a failing retrain over it" "$TR" --data "$BC" --label nope --model logistic --out keep.json
after=$(sha256sum keep.json)
[ "$before" = "$after" ] && ok "a failed run leaves the old model.json untouched" || not_ok "a failed run leaves the old model.json untouched"
ls -a | grep -q '\.tmp-' && not_ok "no temporary files left" "$(ls -a)" || ok "no temporary files left"

# regression labels so large their squares overflow: a clear 65 naming the
# row, for every family (was 70, "out of memory", from a model of infinities)
printf 'x,y\n1,1e308\n2,1.7e308\n3,1.5e308\n4,1e308\n' >lab-huge.csv
for fam in linear ridge lasso tree forest hgb mlp; do
	expect_exit 65 "$fam: regression labels beyond 1e150" "$BIN/mlci-train" --data lab-huge.csv \
		--label y --model $fam --task regression --out lab-huge.json
	err_is "^mlci-train: lab-huge.csv:2:3: label column 'y': 1e\+308 is too large to regress on" "... names the cell"
	absent lab-huge.json "... and writes no model"
done
