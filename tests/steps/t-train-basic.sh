# mlci-train on the real datasets: every model, the artifact's contents,
# the real-file quirks (adult's headerless ", " file, titanic's IDs and
# missing values), and byte-identical reruns.
export SOURCE_DATE_EPOCH=1700000000
PY=/usr/bin/python3
TR=$BIN/mlci-train
ADULT_COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
sha() { sha256sum "$1" | cut -d' ' -f1; }

# binary logistic on breast_cancer
expect_exit 0 "logistic on breast_cancer" "$TR" --data "$DATA/breast_cancer.csv" \
	--label diagnosis --model logistic --out bc.json
if grep -Eq '^trained logistic on .*breast_cancer\.csv: 569 rows, 30 features \(30 encoded\), 2 classes; converged after [0-9]+ iterations; training log loss 0\.0533[0-9]*, accuracy 0\.98[0-9]* -> bc\.json$' "$T/out" \
	&& [ ! -s "$T/err" ]; then ok "breast_cancer: one summary line on stdout, nothing on stderr"
else not_ok "breast_cancer: one summary line on stdout, nothing on stderr" "$(cat "$T/out" "$T/err")"; fi
json_is bc.json 'j["kind"], j["schema_version"], j["producer"]["name"]' "('mlci.model', 1, 'mlci-train')" "envelope"
json_is bc.json 'j["created"]' "2023-11-14T22:13:20Z" "created honours SOURCE_DATE_EPOCH"
json_is bc.json 'j["task"], j["label"], j["classes"]' "('classification', 'diagnosis', ['benign', 'malignant'])" "task, label, sorted classes"
json_is bc.json 'len(j["features"]), j["features"][0], "diagnosis" in j["features"]' "(30, 'mean radius', False)" "30 features, label not among them"
json_is bc.json '[(i["role"], i["sha256"]) for i in j["inputs"]]' "[('data', '$(sha "$DATA/breast_cancer.csv")')]" "inputs: the data file with its sha256"
json_is bc.json 'j["data_sha256"]' "$(sha "$DATA/breast_cancer.csv")" "data_sha256"
json_is bc.json 'j["model"]["type"], j["model"]["params"]' "('logistic', {'C': 1.0, 'max_iter': 1000, 'tol': 1e-08})" "model type and params"
json_is bc.json 'len(j["model"]["coefficients"]), len(j["model"]["coefficients"][0]), len(j["model"]["intercepts"])' "(1, 30, 1)" "binary: one coefficient row"
json_is bc.json '[j["training"][k] for k in ("converged", "n_rows", "n_features_in", "n_features_out", "seed")], j["training"]["stop"] in ("gtol", "ftol")' "([True, 569, 30, 30, 0], True)" "training summary"
json_is bc.json 'sorted(j["training"]["loss"])' "['log_loss', 'objective']" "training loss: objective and log loss"
json_is bc.json 'set(c["type"] for c in j["preprocessing"]["columns"]), j["preprocessing"]["n_outputs"]' "({'numeric'}, 30)" "all breast_cancer columns numeric"

# multinomial logistic on iris, and --param
expect_exit 0 "logistic on iris (3 classes)" "$TR" --data "$DATA/iris.csv" --label species \
	--model logistic --param C=0.5 --param max_iter=500 --seed 7 --out iris.json
json_is iris.json 'j["classes"], len(j["model"]["coefficients"]), len(j["model"]["intercepts"])' "(['setosa', 'versicolor', 'virginica'], 3, 3)" "multinomial: one row per class"
json_is iris.json 'j["model"]["params"]["C"], j["model"]["params"]["max_iter"], j["training"]["seed"]' "(0.5, 500, 7)" "params and seed recorded"
json_is iris.json 'abs(sum(j["model"]["intercepts"])) < 1e-12' "True" "multinomial intercepts sum to zero"

# integer labels sort numerically
printf 'x,y\n1,10\n2,9\n3,10\n4,2\n5,9\n6,2\n7,10\n' >nums.csv
expect_exit 0 "integer-looking labels" "$TR" --data nums.csv --label y --model logistic --out nums.json
json_is nums.json 'j["classes"]' "['2', '9', '10']" "integer labels sort numerically"

# regression
for m in linear ridge; do
	expect_exit 0 "$m on diabetes" "$TR" --data "$DATA/diabetes_progression.csv" \
		--label progression --model $m --out $m.json
	json_is $m.json 'j["task"], "classes" in j, len(j["model"]["coefficients"][0]), j["training"]["iterations"], j["training"]["stop"]' "('regression', False, 10, 1, 'direct')" "$m: regression fields"
	json_is $m.json 'sorted(j["training"]["loss"]), 0.5 < j["training"]["r2"] < 0.52' "(['mse', 'objective'], True)" "$m: mse and r2"
done
json_is ridge.json 'j["model"]["params"]' "{'alpha': 1.0}" "ridge: alpha recorded"
json_is linear.json 'j["model"]["params"]' "{}" "linear: no params"
grep -q "training mse" "$T/out" && ok "regression summary reports mse" || not_ok "regression summary reports mse" "$(cat "$T/out")"

# titanic: IDs excluded, missing Age and Embarked imputed, Sex/Embarked one-hot
expect_exit 0 "titanic with --exclude" "$TR" --data "$DATA/titanic.csv" --label Survived \
	--exclude PassengerId,Name,Ticket,Cabin --model logistic --out ti.json
json_is ti.json 'j["features"]' "['Pclass', 'Sex', 'Age', 'SibSp', 'Parch', 'Fare', 'Embarked']" "titanic: the features left"
json_is ti.json '[(c["name"], c["type"], c.get("categories"), c["impute"]) for c in j["preprocessing"]["columns"] if c["type"] == "categorical"]' \
	"[('Sex', 'categorical', ['female', 'male'], 'male'), ('Embarked', 'categorical', ['C', 'Q', 'S'], 'S')]" "titanic: categories and most-frequent imputation"
json_is ti.json '[round(c["impute"], 6) for c in j["preprocessing"]["columns"] if c["name"] == "Age"]' "[29.699118]" "titanic: Age imputed with the training mean"
json_is ti.json 'j["preprocessing"]["outputs"]' "['Pclass', 'Sex=female', 'Sex=male', 'Age', 'SibSp', 'Parch', 'Fare', 'Embarked=C', 'Embarked=Q', 'Embarked=S']" "titanic: encoded feature names"
json_is ti.json 'j["classes"]' "['0', '1']" "titanic: classes"
expect_exit 0 "titanic with --features" "$TR" --data "$DATA/titanic.csv" --label Survived \
	--features Sex,Pclass --model logistic --out tf.json
json_is tf.json 'j["features"]' "['Pclass', 'Sex']" "--features keeps data-file order"

# adult: headerless, ", "-separated, '?' missing; seconds, not minutes
start=$(date +%s)
expect_exit 0 "logistic on adult.data" "$TR" --data "$DATA/adult.data.csv" --columns "$ADULT_COLS" \
	--trim --label income --model logistic --out adult.json
secs=$(( $(date +%s) - start ))
if [ "$secs" -le 60 ]; then ok "adult trains in seconds ($secs s)"; else not_ok "adult trains in seconds" "$secs s"; fi
json_is adult.json 'j["classes"], j["training"]["converged"], j["training"]["n_rows"], j["training"]["n_features_out"]' "(['<=50K', '>50K'], True, 32561, 105)" "adult: classes, converged, sizes"
json_is adult.json '[c["name"] for c in j["preprocessing"]["columns"] if c["type"] == "numeric"]' \
	"['age', 'fnlwgt', 'education_num', 'capital_gain', 'capital_loss', 'hours_per_week']" "adult: numeric columns"
json_is adult.json '"?" in [x for c in j["preprocessing"]["columns"] for x in c.get("categories", [])]' "False" "adult: '?' is missing, not a category"
json_is adult.json '0.85 < j["training"]["accuracy"] < 0.86' "True" "adult: training accuracy about 0.852"

# reruns are byte-identical; another SOURCE_DATE_EPOCH changes only 'created'
expect_exit 0 "retrain breast_cancer" "$TR" --data "$DATA/breast_cancer.csv" --label diagnosis --model logistic --out bc2.json
cmp -s bc.json bc2.json && ok "same data+params: byte-identical model.json" || not_ok "same data+params: byte-identical model.json"
expect_exit 0 "retrain adult" "$TR" --data "$DATA/adult.data.csv" --columns "$ADULT_COLS" --trim --label income --model logistic --out adult2.json
cmp -s adult.json adult2.json && ok "adult: byte-identical rerun" || not_ok "adult: byte-identical rerun"
SOURCE_DATE_EPOCH=1800000000 expect_exit 0 "retrain at another time" "$TR" --data "$DATA/breast_cancer.csv" --label diagnosis --model logistic --out bc3.json
if [ "$(grep -v '"created"' bc.json | sha256sum)" = "$(grep -v '"created"' bc3.json | sha256sum)" ] && ! cmp -s bc.json bc3.json
then ok "only 'created' differs at another time"; else not_ok "only 'created' differs at another time"; fi

# environment variables stand in for options
MLCI_DATA=$DATA/iris.csv MLCI_LABEL=species MLCI_MODEL=logistic MLCI_OUT=env.json \
	expect_exit 0 "options from MLCI_* variables" "$TR"
json_is env.json 'j["label"]' "species" "MLCI_LABEL was used"

# the artifact validates against its JSON Schema
if [ -e "$TOP/shared/schemas/model.schema.json" ]; then
	check "model.json validates against model.schema.json" \
		$PY "$TOP/tests/check_schema.py" bc.json iris.json linear.json ridge.json ti.json adult.json
fi

# a numeric column that one value ('inf') makes categorical is trained
# on as categories, with a warning on stderr and in training.warnings
printf 'x,y\n1,0\ninf,1\n3,0\n4,1\n' >inf.csv
expect_exit 0 "a column of numbers and one 'inf' trains" "$BIN/mlci-train" --data inf.csv --label y \
	--model tree --out inf.json
err_is "^mlci-train: warning: column 'x' is categorical: 3 of its 4 values are numbers, but 'inf' \(line 3\) is not a finite number$" "... with a warning naming the value and its line"
json_is inf.json 'j["training"]["warnings"]' \
	"[\"column 'x' is categorical: 3 of its 4 values are numbers, but 'inf' (line 3) is not a finite number\"]" "... kept in model.json"

# a feature column with no value at all trains (it is constant, and the
# model cannot use it) with a warning naming it, streamed or read whole
printf 'a,b,y\n1,,0\n2,,1\n3,,0\n4,,1\n5,,1\n' >empty.csv
expect_exit 0 "a feature with no values trains" "$BIN/mlci-train" --data empty.csv --label y \
	--model logistic --out empty.json
err_is "^mlci-train: warning: column 'b' has no values in the training data: the model cannot use it$" "... with a warning naming it"
json_is empty.json 'j["training"]["warnings"]' \
	"[\"column 'b' has no values in the training data: the model cannot use it\"]" "... kept in model.json"
printf 'a,b,c,y\n1,,,0\n2,,,1\n3,,,0\n4,,,1\n' >empty2.csv
expect_exit 0 "two features with no values, through a pipe" sh -c "cat empty2.csv | '$BIN/mlci-train' --data /dev/stdin --label y --model hgb --out empty2.json"
err_is "^mlci-train: warning: columns 'b', 'c' have no values in the training data: the model cannot use them$" "... one warning naming them"
printf 'x,b,y\n1,,0\ninf,,1\n3,,0\n4,,1\n' >infempty.csv
expect_exit 0 "a stray 'inf' and an empty column" "$BIN/mlci-train" --data infempty.csv --label y \
	--model tree --out infempty.json
json_is infempty.json 'j["training"]["warnings"]' \
	"[\"column 'x' is categorical: 3 of its 4 values are numbers, but 'inf' (line 3) is not a finite number\", \"column 'b' has no values in the training data: the model cannot use it\"]" "... both warnings, each whole"
# many: the names that fit, then a count; a long name cut at a
# character, not inside one (model.json's strings are UTF-8)
$PY -c "
cols = ['x'] + ['empty_%02d_' % i + 'z' * 50 for i in range(6)] + ['y']
print(','.join(cols))
for i in range(20): print(','.join([str(i)] + [''] * 6 + [str(i % 2)]))" >empty6.csv
expect_exit 0 "six features with no values" "$BIN/mlci-train" --data empty6.csv --label y \
	--model tree --out empty6.json
err_is "^mlci-train: warning: columns 'empty_00_z{50}', 'empty_01_z{50}' and 4 more have no values in the training data: the model cannot use them$" "... two named, four counted"
name="a$($PY -c "print('\u00e9' * 40)")"
{ printf 'x,%s,y\n' "$name"; i=1; while [ $i -le 20 ]; do echo "$i,,$((i % 2))"; i=$((i + 1)); done; } >utf8.csv
expect_exit 0 "an empty column with an 81-byte name of two-byte letters" "$BIN/mlci-train" --data utf8.csv \
	--label y --model logistic --out utf8.json
json_is utf8.json 'j["training"]["warnings"]' \
	"[\"column 'a$($PY -c "print('\u00e9' * 29)")' has no values in the training data: the model cannot use it\"]" "... cut to 59 bytes, at a letter"
