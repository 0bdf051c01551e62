#!/usr/bin/python3
"""Reference values for mlci-train's tree and forest models (shared/tree.c,
forest.c), from scikit-learn, on the real datasets in tests/data.

Held-out split (the step test makes the same files with awk): data row i
(0-based, after the header; adult.data.csv has none) goes to the test
part when i % 3 == 2, else to the training part. adult is the exception:
it trains on all of adult.data.csv and tests on adult.test.csv.

Preprocessing is mlci's, built from scikit-learn's transformers (as in
sklearn_models.py): numeric columns SimpleImputer(mean) + StandardScaler,
others SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown=ignore).
(Trees do not need the scaling; it changes no split.)

Models: DecisionTreeClassifier/Regressor and RandomForestClassifier/
Regressor with the hyperparameters recorded per case. The reference is
the mean over random_state 0..9 (0..2 for adult), every score recorded:
a forest's score depends on its random draws, and even a tree with every
feature as a candidate depends on random_state through ties (scikit-learn
visits the features in a random order, and of splits with the same
impurity decrease keeps the first found; on breast_cancer the held-out
accuracy ranges from 0.905 to 0.915 over random_state). The step test
compares a forest with mlci's mean over as many --seed values, a tree
with mlci's one deterministic tree (ties keep the lowest feature index). Held-out metrics: accuracy (classification) or RMSE
(regression).

For trees, the impurity importances per input column (random_state 0),
and whether every random_state grew the same tree: then they are well
defined and the step test compares mlci's with them.

Exact checks, recorded under "stumps": max_depth=1 trees, whose root split
(feature and threshold, in raw units) is unique on these data, and
"unlimited": an unlimited tree's training accuracy on data without
duplicate feature rows (1.0).

Usage: tests/ref/sklearn_trees.py [OUT]  (default: tests/ref/trees.json).
tests/steps/t-train-trees.sh compares mlci with it.
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
ADULT_COLS = ("age,workclass,fnlwgt,education,education_num,marital_status,"
              "occupation,relationship,race,sex,capital_gain,capital_loss,"
              "hours_per_week,native_country,income").split(",")
ABALONE_COLS = ("sex,length,diameter,height,whole_weight,shucked_weight,"
                "viscera_weight,shell_weight,rings").split(",")
SEEDS = 10        # random_state 0..9 (adult: 0..2)
ADULT_SEEDS = 3
NA = ["", "NA", "N/A", "NaN", "null", "?"]


def read(name, **kw):
    return pd.read_csv(os.path.join(DATA, name), keep_default_na=False,
                       na_values=NA, **kw)


def transformer(X):
    parts = []
    for c in X.columns:
        if pd.api.types.is_numeric_dtype(X[c]):
            pipe = Pipeline([("impute", SimpleImputer(strategy="mean")),
                             ("scale", StandardScaler())])
        else:
            pipe = Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                             ("onehot", OneHotEncoder(handle_unknown="ignore",
                                                      sparse_output=False))])
        parts.append((c, pipe, [c]))
    return ColumnTransformer(parts, sparse_threshold=0)


def split(df):
    i = np.arange(len(df))
    return df[i % 3 != 2].reset_index(drop=True), df[i % 3 == 2].reset_index(drop=True)


def datasets():
    adult = read("adult.data.csv", header=None, names=ADULT_COLS,
                 skipinitialspace=True)
    adult_test = read("adult.test.csv", header=None, names=ADULT_COLS,
                      skipinitialspace=True, skiprows=1)
    adult_test["income"] = adult_test["income"].str.rstrip(".")
    out = {"adult": (adult, adult_test, "income", True)}
    for name, f, label, cls, kw in [
            ("breast_cancer", "breast_cancer.csv", "diagnosis", True, {}),
            ("penguins", "penguins.csv", "Species", True, {}),
            ("wine", "wine.csv", "cultivar", True, {}),
            ("diabetes", "diabetes_progression.csv", "progression", False, {}),
            ("abalone", "abalone.data", "rings", False,
             {"header": None, "names": ABALONE_COLS})]:
        tr, te = split(read(f, **kw))
        out[name] = (tr, te, label, cls)
    return out


# hyperparameters per (dataset, family); the same go to mlci-train
CASES = {
    ("breast_cancer", "tree"): {"max_depth": None, "min_samples_leaf": 1},
    ("breast_cancer", "forest"): {"n_estimators": 100, "max_depth": None, "min_samples_leaf": 1},
    ("penguins", "tree"): {"max_depth": None, "min_samples_leaf": 1},
    ("penguins", "forest"): {"n_estimators": 100, "max_depth": None, "min_samples_leaf": 1},
    ("wine", "tree"): {"max_depth": None, "min_samples_leaf": 1},
    ("wine", "forest"): {"n_estimators": 100, "max_depth": None, "min_samples_leaf": 1},
    ("adult", "tree"): {"max_depth": 10, "min_samples_leaf": 5},
    ("adult", "forest"): {"n_estimators": 30, "max_depth": 14, "min_samples_leaf": 2},
    ("diabetes", "tree"): {"max_depth": 4, "min_samples_leaf": 10},
    ("diabetes", "forest"): {"n_estimators": 100, "max_depth": None, "min_samples_leaf": 5},
    ("abalone", "tree"): {"max_depth": 6, "min_samples_leaf": 10},
    ("abalone", "forest"): {"n_estimators": 100, "max_depth": None, "min_samples_leaf": 5},
}


def model(family, cls, params, seed):
    if family == "tree":
        return (DecisionTreeClassifier if cls else DecisionTreeRegressor)(
            random_state=seed, **params)
    # scikit-learn's defaults: max_features sqrt (classes), 1.0 (values)
    return (RandomForestClassifier if cls else RandomForestRegressor)(
        random_state=seed, n_jobs=1, **params)


def column_importances(ct, imp):
    """Encoded-output importances summed per input column, in order."""
    out = []
    names = list(ct.get_feature_names_out())
    for name, _, _ in ct.transformers_:
        if name == "remainder":
            continue
        out.append(float(sum(v for n, v in zip(names, imp)
                             if n.split("__", 1)[0] == name)))
    return out


def metric(cls, y, pred):
    if cls:
        return float(accuracy_score(y, pred))
    return float(np.sqrt(mean_squared_error(y, pred)))


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "trees.json")
    data = datasets()
    cases = {}
    for (name, family), params in sorted(CASES.items()):
        tr, te, label, cls = data[name]
        Xtr, Xte = tr.drop(columns=[label]), te.drop(columns=[label])
        ytr, yte = tr[label], te[label]
        if cls:
            ytr, yte = ytr.astype(str), yte.astype(str)
        ct = transformer(Xtr)
        Ztr, Zte = ct.fit_transform(Xtr), ct.transform(Xte)
        seeds = list(range(ADULT_SEEDS if name == "adult" else SEEDS))
        scores = []
        imps = []
        for s in seeds:
            m = model(family, cls, params, s).fit(Ztr, ytr)
            scores.append(metric(cls, yte, m.predict(Zte)))
            imps.append(column_importances(ct, m.feature_importances_))
        cases["%s_%s" % (name, family)] = {
            "data": name, "family": family, "task": "classification" if cls else "regression",
            "params": params, "seeds": len(seeds),
            "metric": "accuracy" if cls else "rmse",
            "value": float(np.mean(scores)), "values": scores,
            "n_train": int(len(tr)), "n_test": int(len(te)),
        }
        if family == "tree":
            # impurity importances per input column (one-hot outputs
            # summed), and whether every random_state grew the same
            # tree (no ties met: the importances are then well defined)
            c = cases["%s_%s" % (name, family)]
            c["feature_importances"] = imps[0]
            c["same_tree_every_seed"] = all(
                np.allclose(i, imps[0], rtol=0, atol=1e-12) for i in imps)
        print("%s %s: %s %.4f (%s)" % (name, family, cases["%s_%s" % (name, family)]["metric"],
                                       np.mean(scores), " ".join("%.4f" % v for v in scores)),
              file=sys.stderr)

    # stumps: the root split of a max_depth=1 tree, threshold in raw units
    stumps = {}
    for name in ("breast_cancer", "wine", "diabetes", "abalone"):
        tr, te, label, cls = data[name]
        X = tr.drop(columns=[label])
        ct = transformer(X)
        Z = ct.fit_transform(X)
        y = tr[label].astype(str) if cls else tr[label]
        m = (DecisionTreeClassifier if cls else DecisionTreeRegressor)(
            max_depth=1, random_state=0).fit(Z, y)
        f = int(m.tree_.feature[0])
        out_names = list(ct.get_feature_names_out())
        # the encoded output -> its input column, scale and mean
        col = out_names[f].split("__", 1)[0]
        pipe = ct.named_transformers_[col]
        thr = float(m.tree_.threshold[0])
        if "scale" in pipe.named_steps:
            sc = pipe.named_steps["scale"]
            raw = thr * float(sc.scale_[0]) + float(sc.mean_[0])
        else:
            raw = thr
        # the raw values either side of the threshold, so a test can tell
        # a different threshold from float32 rounding
        vals = np.sort(X[col].dropna().unique().astype(float)) if "scale" in pipe.named_steps else None
        below = float(vals[vals <= raw].max()) if vals is not None else None
        above = float(vals[vals > raw].min()) if vals is not None else None
        stumps[name] = {"feature": col, "threshold_raw": raw,
                        "value_below": below, "value_above": above,
                        "n_train": int(len(tr))}
    # unlimited trees on data without duplicate feature rows
    unlimited = {}
    for name in ("breast_cancer", "wine", "penguins"):
        tr, te, label, cls = data[name]
        X = tr.drop(columns=[label])
        dup = bool(X.duplicated().any())
        Z = transformer(X).fit_transform(X)
        m = DecisionTreeClassifier(random_state=0).fit(Z, tr[label].astype(str))
        unlimited[name] = {"duplicate_rows": dup,
                           "train_accuracy": float(m.score(Z, tr[label].astype(str))),
                           "n_leaves": int(m.get_n_leaves()), "depth": int(m.get_depth())}
    out = {"sklearn_version": sklearn.__version__, "split": "test when row % 3 == 2",
           "cases": cases, "stumps": stumps, "unlimited": unlimited}
    with open(out_path, "w") as fp:
        json.dump(out, fp, indent=1, sort_keys=True)
        fp.write("\n")


if __name__ == "__main__":
    main()
