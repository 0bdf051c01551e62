# mlci-train --search: grid search against scikit-learn's GridSearchCV on
# the same folds (tests/ref/sklearn_search.py -> search.json), random and
# Bayesian searches, and a search sharded over runners then --select.
PY=/usr/bin/python3
REF=$TOP/tests/ref/search.json
BC=$DATA/breast_cancer.csv
DI=$DATA/diabetes_progression.csv

# ---- grid, checked against GridSearchCV ----
expect_exit 0 "grid over logistic C" "$BIN/mlci-train" --data "$BC" --label diagnosis \
	--model logistic --search 'C=0.001..100:log' --search-method grid --grid-points 6 \
	--out "$T/lg.json"
expect_exit 0 "the same grid scored by log loss" "$BIN/mlci-train" --data "$BC" --label diagnosis \
	--model logistic --search 'C=0.001..100:log' --search-method grid --grid-points 6 \
	--search-metric log_loss --out "$T/lgl.json"
expect_exit 0 "grid over ridge alpha" "$BIN/mlci-train" --data "$DI" --label progression \
	--model ridge --search 'alpha=0.01..1000:log' --search-method grid --grid-points 6 \
	--out "$T/rg.json"
if "$PY" - "$REF" "$T/lg.json" "$T/lgl.json" "$T/rg.json" >"$T/cmp" 2>&1 <<'PYEOF'
import json, sys
ref = json.load(open(sys.argv[1]))["cases"]
def trials(p):
    return json.load(open(p))["search"]
bad = []
def close(a, b, rel):
    return abs(a - b) <= rel * max(1.0, abs(b))
for path, case, metric, tol in ((sys.argv[2], "breast_cancer_logistic_C", "accuracy", None),
                                (sys.argv[3], "breast_cancer_logistic_C", "log_loss", 1e-4),
                                (sys.argv[4], "diabetes_ridge_alpha", "r2", 1e-6)):
    s, c = trials(path), ref[case]
    assert len(s["results"]) == len(c["points"]) == 6, path
    for t, p in zip(s["results"], c["points"]):
        v = t["params"][c["param"]]
        if abs(v - p["value"]) > 1e-12 * p["value"]:
            bad.append("%s: trial %d searched %s=%r, sklearn %r" % (case, t["id"], c["param"], v, p["value"]))
        got, want = t["cv"]["mean"][metric], p["mean"][metric]
        # accuracy: within one row of one fold (1/569 of the mean at most)
        ok = abs(got - want) <= 1.0 / 569 + 1e-12 if tol is None else close(got, want, tol)
        if not ok:
            bad.append("%s %s=%g: %s %r, sklearn %r" % (case, c["param"], v, metric, got, want))
    # the same best point (by the scored metric; log loss is minimised)
    pts = [p["mean"][metric] for p in c["points"]]
    want_best = pts.index(min(pts)) if metric == "log_loss" else pts.index(max(pts))
    if metric == "accuracy":
        want_best = c["best_index"]
    if s["best"]["id"] != want_best:
        bad.append("%s %s: best trial %d, sklearn's %d" % (case, metric, s["best"]["id"], want_best))
    if s["direction"] != ("minimize" if metric == "log_loss" else "maximize"):
        bad.append("%s: direction %s" % (metric, s["direction"]))
print("\n".join(bad) or "all agree")
sys.exit(1 if bad else 0)
PYEOF
then ok "every grid point's cross-validated score agrees with GridSearchCV, and so does the best"
else not_ok "every grid point's cross-validated score agrees with GridSearchCV, and so does the best" "$(head -c 600 "$T/cmp")"; fi
json_is "$T/lg.json" 'j["model"]["params"]["C"]' "1.0" "the refit uses the best C"
json_is "$T/lg.json" '[l for l in open("'"$T/err"'") if "trial 6/6" in l] != []' "True" "progress: one line per trial"

# ---- random: reproducible, in range, one runner's share each ----
SPACE="--search max_depth=1..8:int --search min_samples_leaf=1..20 --search criterion=gini,entropy --search max_features=0.2..1.0:float"
# shellcheck disable=SC2086
expect_exit 0 "random search over a tree" "$BIN/mlci-train" --data "$BC" --label diagnosis \
	--model tree $SPACE --trials 12 --seed 7 --out "$T/rt.json"
# shellcheck disable=SC2086
"$BIN/mlci-train" --data "$BC" --label diagnosis --model tree $SPACE --trials 12 --seed 7 \
	--out "$T/rt2.json" >/dev/null 2>&1
json_is "$T/rt.json" 'j["search"] == json.load(open("'"$T/rt2.json"'"))["search"]' "True" "the same seed gives the same trials"
json_is "$T/rt.json" 'all(1 <= t["params"]["max_depth"] <= 8 and isinstance(t["params"]["max_depth"], int) and 1 <= t["params"]["min_samples_leaf"] <= 20 and t["params"]["criterion"] in ("gini", "entropy") and 0.2 <= t["params"]["max_features"] <= 1 for t in j["search"]["results"])' "True" "every trial lies in the space"
json_is "$T/rt.json" 'len({(t["params"]["max_depth"], t["params"]["min_samples_leaf"]) for t in j["search"]["results"]}) > 6' "True" "the draws differ"
json_is "$T/rt.json" '[t["id"] for t in j["search"]["results"]] == list(range(12))' "True" "trials 0..11 in order"
for k in 1 2 3; do
	# shellcheck disable=SC2086
	expect_exit 0 "runner $k of 3" "$BIN/mlci-train" --data "$BC" --label diagnosis \
		--model tree $SPACE --trials 12 --seed 7 --shard "$k/3" --out "$T/tr$k.json"
done
check "a runner writes a trials artifact" grep -q '"kind": "mlci.trials"' "$T/tr2.json"
json_is "$T/tr2.json" '[t["id"] for t in j["trials"]]' "[1, 4, 7, 10]" "runner 2 of 3 runs trials 1, 4, 7, 10"
check "trials artifacts and searched models validate against their schemas" "$PY" "$TOP/tests/check_schema.py" \
	"$T/tr1.json" "$T/tr2.json" "$T/tr3.json" "$T/rt.json" "$T/lg.json"
# shellcheck disable=SC2086
expect_exit 0 "--select over the three runners" "$BIN/mlci-train" --data "$BC" --label diagnosis \
	--model tree $SPACE --trials 12 --seed 7 --select "$T/tr1.json" "$T/tr2.json" \
	"$T/tr3.json" --out "$T/sel.json"
json_is "$T/sel.json" 'j["model"] == json.load(open("'"$T/rt.json"'"))["model"] and j["search"] == json.load(open("'"$T/rt.json"'"))["search"]' "True" "the selected model and its search are the unsharded run's"
json_is "$T/sel.json" 'sorted(i["role"] for i in j["inputs"])' "['data', 'trials', 'trials', 'trials']" "the trials files are recorded as inputs"
# CI_NODE_INDEX/CI_NODE_TOTAL stand for --shard
# shellcheck disable=SC2086
CI_NODE_INDEX=2 CI_NODE_TOTAL=3 "$BIN/mlci-train" --data "$BC" --label diagnosis \
	--model tree $SPACE --trials 12 --seed 7 --out "$T/ci2.json" >/dev/null 2>&1
json_is "$T/ci2.json" 'j["trials"] == json.load(open("'"$T/tr2.json"'"))["trials"]' "True" "CI_NODE_INDEX=2 CI_NODE_TOTAL=3 is runner 2 of 3"

# what --select refuses
# shellcheck disable=SC2086
expect_exit 65 "a runner missing" "$BIN/mlci-train" --data "$BC" --label diagnosis \
	--model tree $SPACE --trials 12 --seed 7 --select "$T/tr1.json" "$T/tr3.json" --out "$T/x.json"
err_is "runner 2 of 3 are missing" "it names the missing runner"
absent "$T/x.json" "no model.json"
# shellcheck disable=SC2086
expect_exit 65 "a runner twice" "$BIN/mlci-train" --data "$BC" --label diagnosis \
	--model tree $SPACE --trials 12 --seed 7 --select "$T/tr1.json" "$T/tr1.json" "$T/tr2.json" --out "$T/x.json"
err_is "tr1.json: runner 1 of 3 is given twice" "it names the file given twice"
# shellcheck disable=SC2086
expect_exit 65 "trials of another search (seed)" "$BIN/mlci-train" --data "$BC" --label diagnosis \
	--model tree $SPACE --trials 12 --seed 8 --select "$T/tr1.json" "$T/tr2.json" "$T/tr3.json" --out "$T/x.json"
err_is "tr1.json: these trials come from another search" "it names the file"
head -400 "$BC" >"$T/bc-part.csv"
# shellcheck disable=SC2086
expect_exit 65 "trials of other data" "$BIN/mlci-train" --data "$T/bc-part.csv" --label diagnosis \
	--model tree $SPACE --trials 12 --seed 7 --select "$T/tr1.json" "$T/tr2.json" "$T/tr3.json" --out "$T/x.json"
err_is "evaluated on other data" "the data's digest is checked"
for tot in 99999999999999 13 0; do
	$PY -c 'import json,sys; a=json.load(open(sys.argv[1])); a["shard"]["total"]=int(sys.argv[3]); json.dump(a,open(sys.argv[2],"w"))' \
		"$T/tr1.json" "$T/tr-bad.json" "$tot"
	# shellcheck disable=SC2086
	expect_exit 65 "a shard total of $tot (12 trials)" "$BIN/mlci-train" --data "$BC" --label diagnosis \
		--model tree $SPACE --trials 12 --seed 7 --select "$T/tr-bad.json" --out "$T/x.json"
	err_is "tr-bad.json: bad shard {index, total}" "it names the file and the field"
done
expect_exit 65 "a model.json is not a trials file" "$BIN/mlci-train" --data "$BC" --label diagnosis \
	--model tree $SPACE --trials 12 --seed 7 --select "$T/rt.json" --out "$T/x.json"
absent "$T/x.json" "still no model.json"

# ---- Bayesian ----
expect_exit 0 "Bayesian search over ridge alpha" "$BIN/mlci-train" --data "$DI" --label progression \
	--model ridge --search 'alpha=0.001..1000:log' --search-method bayes --trials 10 --out "$T/by.json"
expect_exit 0 "a dense grid over the same range" "$BIN/mlci-train" --data "$DI" --label progression \
	--model ridge --search 'alpha=0.001..1000:log' --search-method grid --grid-points 25 --out "$T/dg.json"
json_is "$T/by.json" 'j["search"]["best"]["score"] >= json.load(open("'"$T/dg.json"'"))["search"]["best"]["score"] - 1e-3' "True" "10 Bayesian trials come within 0.001 r2 of the best of a 25-point grid"
json_is "$T/by.json" 'len({round(t["params"]["alpha"], 12) for t in j["search"]["results"]})' "10" "no point is tried twice"
for k in 1 2; do
	expect_exit 0 "Bayesian runner $k of 2" "$BIN/mlci-train" --data "$DI" --label progression \
		--model ridge --search 'alpha=0.001..1000:log' --search-method bayes --trials 10 \
		--shard "$k/2" --out "$T/bt$k.json"
done
expect_exit 0 "the unsharded search in 2 batches" "$BIN/mlci-train" --data "$DI" --label progression \
	--model ridge --search 'alpha=0.001..1000:log' --search-method bayes --trials 10 \
	--search-batches 2 --out "$T/b2.json"
expect_exit 0 "--select over the Bayesian runners" "$BIN/mlci-train" --data "$DI" --label progression \
	--model ridge --search 'alpha=0.001..1000:log' --search-method bayes --trials 10 \
	--search-batches 2 --select "$T/bt1.json" "$T/bt2.json" --out "$T/bsel.json"
json_is "$T/bsel.json" 'j["model"] == json.load(open("'"$T/b2.json"'"))["model"] and j["search"] == json.load(open("'"$T/b2.json"'"))["search"]' "True" "Bayesian runners select what the 2-batch run picks"
json_is "$T/bt2.json" 'sorted({t["batch"] for t in j["trials"]}), [t["id"] for t in j["trials"]]' "([1], [1, 3, 5, 7, 9])" "runner 2 runs batch 1: trials 1, 3, 5, 7, 9"
expect_exit 64 "a sharded Bayesian search with other batches" "$BIN/mlci-train" --data "$DI" --label progression \
	--model ridge --search 'alpha=0.001..1000:log' --search-method bayes --trials 10 \
	--search-batches 3 --shard 1/2 --out "$T/x.json"

# ---- bad specs and options ----
for spec in 'max_depth=5..3:int' 'C=0..1:log' 'max_depth=1..3:nope' 'max_depth=1.5..3:int' 'criterion=gini,,entropy' 'max_depth' 'x=1..2'; do
	expect_exit 64 "--search '$spec' is refused" "$BIN/mlci-train" --data "$BC" --label diagnosis \
		--model tree --search "$spec" --trials 2 --out "$T/x.json"
	absent "$T/x.json" "no output for '$spec'"
done
expect_exit 64 "a name searched twice" "$BIN/mlci-train" --data "$BC" --label diagnosis --model tree \
	--search max_depth=1..3 --search max_depth=2..4 --out "$T/x.json"
expect_exit 64 "an unknown method" "$BIN/mlci-train" --data "$BC" --label diagnosis --model tree \
	--search max_depth=1..3 --search-method annealing --out "$T/x.json"
expect_exit 64 "a regression metric for classes" "$BIN/mlci-train" --data "$BC" --label diagnosis --model tree \
	--search max_depth=1..3 --search-metric r2 --out "$T/x.json"
expect_exit 64 "a grid too large" "$BIN/mlci-train" --data "$BC" --label diagnosis --model tree \
	--search max_depth=1..1000 --search min_samples_leaf=1..1000 --search-method grid --out "$T/x.json"
expect_exit 64 "--select without --search" "$BIN/mlci-train" --data "$BC" --label diagnosis --model tree \
	--select "$T/tr1.json" --out "$T/x.json"
expect_exit 64 "--shard 3/2" "$BIN/mlci-train" --data "$BC" --label diagnosis --model tree \
	--search max_depth=1..3 --shard 3/2 --out "$T/x.json"
expect_exit 64 "more runners than trials" "$BIN/mlci-train" --data "$BC" --label diagnosis --model tree \
	--search max_depth=1..3 --trials 2 --shard 1/3 --out "$T/x.json"
absent "$T/x.json" "nothing written by the refused runs"

# ---- the GitLab fan-out template, its script lines run as its jobs
# would run them: parallel runners (3 here), then the reduce
# job (GitLab itself cannot run here; the variables stand in for it) ----
TPL=$TOP/templates/gitlab/mlci-search.gitlab-ci.yml
"$PY" - "$TPL" "$T/tpl" <<'PYEOF'
import sys, yaml
t = yaml.safe_load(open(sys.argv[1]))
assert isinstance(t["mlci-search"]["parallel"], int)
assert "mlci-search" in t["mlci-train"]["needs"]
for job in ("mlci-search", "mlci-train"):
    open("%s.%s.sh" % (sys.argv[2], job), "w").write("\n".join(t[job]["script"]) + "\n")
PYEOF
mkdir -p "$T/proj" && cp "$BC" "$T/proj/train.csv"
for k in 1 2 3; do
	(cd "$T/proj" && PATH="$BIN:$PATH" CI_NODE_INDEX=$k CI_NODE_TOTAL=3 \
		MLCI_TRAIN_CSV=train.csv MLCI_LABEL=diagnosis MLCI_ALGORITHM=tree \
		MLCI_TRAIN_SEARCH="$(printf 'max_depth=1..8:int\nmin_samples_leaf=1..20\ncriterion=gini,entropy\nmax_features=0.2..1.0:float')" \
		MLCI_TRAIN_TRIALS=12 MLCI_TRAIN_SEED=7 sh -e "$T/tpl.mlci-search.sh") >"$T/job$k.log" 2>&1
	check "template: search runner $k of 3" test -s "$T/proj/mlci-out/trials/trials-$k.json"
done
(cd "$T/proj" && PATH="$BIN:$PATH" MLCI_TRAIN_CSV=train.csv MLCI_LABEL=diagnosis MLCI_ALGORITHM=tree \
	MLCI_TRAIN_SEARCH="$(printf 'max_depth=1..8:int\nmin_samples_leaf=1..20\ncriterion=gini,entropy\nmax_features=0.2..1.0:float')" \
	MLCI_TRAIN_TRIALS=12 MLCI_TRAIN_SEED=7 sh -e "$T/tpl.mlci-train.sh") >"$T/reduce.log" 2>&1
check "template: the reduce job selects and refits" test -s "$T/proj/mlci-out/model.json"
json_is "$T/proj/mlci-out/model.json" 'j["model"] == json.load(open("'"$T/rt.json"'"))["model"] and j["search"]["best"] == json.load(open("'"$T/rt.json"'"))["search"]["best"]' "True" "template: the fanned-out search picks the unsharded run's model"

# the same search on 1 and 2 threads: the same bytes
for n in 1 2; do
	SOURCE_DATE_EPOCH=1700000000 "$BIN/mlci-train" --data "$BC" --label diagnosis --model forest \
		--param n_estimators=5 --search max_depth=2..6 --search-method bayes --trials 5 \
		--threads $n --out "$T/thr$n.json" >/dev/null 2>&1
done
check "a Bayesian search over a forest gives the same model.json on 1 and 2 threads" cmp "$T/thr1.json" "$T/thr2.json"

# a search over hgb on data with missing values: the folds hand them to
# the family as NaN, as the final fit does (titanic's Age has gaps)
expect_exit 0 "a grid over hgb on titanic (missing ages) cross-validates" "$BIN/mlci-train" \
	--data "$DATA/titanic.csv" --label Survived --exclude PassengerId,Name,Ticket,Cabin \
	--model hgb --search max_leaf_nodes=4,8 --search-method grid --cv 3 --out "$T/hgbs.json"
json_is "$T/hgbs.json" '(j["preprocessing"].get("missing"), len(j["search"]["results"]), all(t["score"] > 0.7 for t in j["search"]["results"]))' "('nan', 2, True)" "... both trials scored, the model keeps missing values as NaN"

# the encoding of string columns as a searched hyperparameter of hgb: each
# trial cross-validates with its own encoding, the refit takes the best
# trial's, and two runners plus --select pick what one run picks
PG="$DATA/penguins.csv"
expect_exit 0 "a grid over hgb's categorical encoding on penguins" "$BIN/mlci-train" \
	--data "$PG" --label Species --model hgb --search categorical=onehot,native \
	--search-method grid --cv 3 --out "$T/pgc.json"
json_is "$T/pgc.json" '(sorted(t["params"]["categorical"] for t in j["search"]["results"]), j["model"]["params"]["categorical"] == j["search"]["best"]["params"]["categorical"], [c.get("encoding", "onehot") for c in j["preprocessing"]["columns"] if c["type"] == "categorical"] == (["ordinal"] * 2 if j["search"]["best"]["params"]["categorical"] == "native" else ["onehot"] * 2))' \
	"(['native', 'onehot'], True, True)" "... both encodings scored; the model is encoded as its best trial"
for k in 1 2; do
	"$BIN/mlci-train" --data "$PG" --label Species --model hgb --search categorical=onehot,native \
		--search-method grid --cv 3 --shard $k/2 --out "$T/pgc-t$k.json" >/dev/null 2>&1
done
expect_exit 0 "... the two runners' trials select" "$BIN/mlci-train" --data "$PG" --label Species \
	--model hgb --search categorical=onehot,native --search-method grid --cv 3 \
	--select "$T/pgc-t1.json" "$T/pgc-t2.json" --out "$T/pgc-sel.json"
json_is "$T/pgc-sel.json" 'j["model"] == json.load(open("'"$T/pgc.json"'"))["model"] and j["preprocessing"] == json.load(open("'"$T/pgc.json"'"))["preprocessing"]' \
	"True" "... and give the unsharded run's model and encoding"

# the space is checked before any trial runs: a value the family refuses,
# a real range over an integer hyperparameter, a metric the label cannot
# have; each a usage error with nothing written
expect_exit 64 "a range reaching a value hgb refuses stops before the trials" "$BIN/mlci-train" \
	--data "$PG" --label Species --model hgb --search max_bins=1..300:int --search-method grid \
	--out "$T/early1.json"
err_is "^mlci-train: --search max_bins: --param max_bins=1: max_bins must be an integer from 2 to 255$" "... naming the spec and the value, before any trial (stderr is that one line)"
absent "$T/early1.json" "... and writes nothing"
expect_exit 64 "a choice hgb does not know" "$BIN/mlci-train" --data "$PG" --label Species \
	--model hgb --search categorical=native,bogus --out "$T/early2.json"
err_is "^mlci-train: --search categorical: --param categorical=bogus: " "... names it"
expect_exit 64 "a real range over an integer hyperparameter" "$BIN/mlci-train" --data "$PG" \
	--label Species --model hgb --search max_bins=2..255:log --out "$T/early3.json"
err_is "an integer one is NAME=LO..HI:int\)$" "... says how to spell an integer range"
expect_exit 64 "roc_auc as the search metric of a three-class label, on a runner" "$BIN/mlci-train" \
	--data "$PG" --label Species --model hgb --search max_leaf_nodes=4..8 --search-metric roc_auc \
	--shard 1/2 --out "$T/early4.json"
err_is "^mlci-train: --search-metric roc_auc: defined for two classes, and the label has 3" "... says why"
absent "$T/early4.json" "... and writes no trials file"

# a Bayesian search fanned out over runners (one batch per runner) and
# selected without restating the batches, as the templates do; --select
# never writes over a trials file it reads
for k in 1 2; do
	CI_NODE_INDEX=$k CI_NODE_TOTAL=2 "$BIN/mlci-train" --data "$BC" --label diagnosis --model tree \
		--search max_depth=2..8:int --search-method bayes --trials 6 --cv 3 \
		--out "$T/bay-$k.json" >/dev/null 2>&1
done
expect_exit 0 "a Bayesian search's runners select without --search-batches" "$BIN/mlci-train" \
	--data "$BC" --label diagnosis --model tree --search max_depth=2..8:int --search-method bayes \
	--trials 6 --cv 3 --select "$T/bay-1.json" "$T/bay-2.json" --out "$T/bay-sel.json"
"$BIN/mlci-train" --data "$BC" --label diagnosis --model tree --search max_depth=2..8:int \
	--search-method bayes --trials 6 --cv 3 --search-batches 2 --out "$T/bay-one.json" >/dev/null 2>&1
json_is "$T/bay-sel.json" 'j["model"] == json.load(open("'"$T/bay-one.json"'"))["model"] and j["search"]["best"] == json.load(open("'"$T/bay-one.json"'"))["search"]["best"]' \
	"True" "... and pick the model one run with a batch per runner picks"
cp "$T/bay-1.json" "$T/bay-1.orig"
expect_exit 64 "--select with --out over one of its trials files" "$BIN/mlci-train" \
	--data "$BC" --label diagnosis --model tree --search max_depth=2..8:int --search-method bayes \
	--trials 6 --cv 3 --select "$T/bay-1.json" "$T/bay-2.json" --out "$T/bay-1.json"
err_is "would overwrite the --select input$" "... is refused"
check "... and the trials file is intact" cmp "$T/bay-1.json" "$T/bay-1.orig"
