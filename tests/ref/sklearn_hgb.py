#!/usr/bin/python3
"""Reference values for mlci-train --model hgb (shared/hgb.c), from
scikit-learn's HistGradientBoostingClassifier / Regressor, on the real
datasets in tests/data.

The held-out split and the datasets are those of sklearn_trees.py (data row
i is a test row when i % 3 == 2; adult trains on adult.data.csv and tests
on adult.test.csv). Preprocessing is mlci's for hgb: numeric columns are
standardised (StandardScaler; missing values stay NaN and reach the model,
which learns where they go), other columns SimpleImputer(most_frequent) +
OneHotEncoder(handle_unknown=ignore). The hyperparameters are
scikit-learn's defaults (learning_rate 0.1, max_iter 100, max_leaf_nodes
31, min_samples_leaf 20, max_bins 255, early_stopping auto: on for adult's
32561 rows), and three cases with other max_depth, l2_regularization,
max_leaf_nodes, min_samples_leaf, max_bins, learning_rate and max_iter. Held-out accuracy or RMSE, the mean over random_state 0..2
(it draws the validation rows and, above 200000 rows, the binning
subsample). These cases are mlci's --param categorical=onehot.

The "_native" cases are mlci's native categorical splits (its default for
hgb, --param categorical=native): numeric columns standardised as above,
other columns OrdinalEncoder (categories sorted, a missing value and an
unseen category NaN, which HistGradientBoosting treats as missing) passed
as categorical_features, early stopping off. Held-out accuracy and log
loss (or RMSE).

"stump_cat": the same as "stump" on a categorical column with missing
values (tests/ref/hgb_tiny_cat.csv, written here): the categories the
root sends left, where missing values go, and the predictions on
tests/ref/hgb_tiny_cat_probe.csv (every category, a missing value and an
unseen category).

"stump": on a tiny hand-checkable set (tests/ref/hgb_tiny.csv, written
here) one boosting iteration of a two-leaf tree with learning_rate 1 and
min_samples_leaf 1: the root split's feature, threshold, missing-value
direction and gain and the two leaf values, from the fitted predictor.

Usage: tests/ref/sklearn_hgb.py [OUT]  (default: tests/ref/hgb.json).
tests/steps/t-train-hgb.sh compares mlci with it.
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.metrics import log_loss
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_trees import datasets, metric  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = 3
PARAMS = {"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 31,
          "min_samples_leaf": 20, "max_bins": 255}
# case name -> (dataset, hyperparameters, categorical encoding): the
# defaults on every dataset, and three with other settings, one-hot; the
# datasets with string columns with native categorical splits
CASES = {name: (name, PARAMS, "onehot") for name in
         ("breast_cancer", "adult", "penguins", "wine", "diabetes", "abalone")}
CASES["diabetes_shallow"] = ("diabetes", dict(PARAMS, max_depth=3, l2_regularization=1.0,
                                              learning_rate=0.05, max_iter=200), "onehot")
CASES["abalone_coarse"] = ("abalone", dict(PARAMS, max_leaf_nodes=8, min_samples_leaf=5,
                                           max_bins=32), "onehot")
CASES["breast_cancer_small"] = ("breast_cancer", dict(PARAMS, max_leaf_nodes=4, min_samples_leaf=5,
                                                     learning_rate=0.3, max_iter=30), "onehot")
NATIVE = dict(PARAMS, early_stopping=False)
for ds in ("adult", "penguins", "abalone"):
    CASES[ds + "_native"] = (ds, NATIVE, "native")


def transformer(X):
    parts = []
    for c in X.columns:
        if pd.api.types.is_numeric_dtype(X[c]):
            pipe = Pipeline([("scale", StandardScaler())])
        else:
            pipe = Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                             ("onehot", OneHotEncoder(handle_unknown="ignore",
                                                      sparse_output=False))])
        parts.append((c, pipe, [c]))
    return ColumnTransformer(parts, sparse_threshold=0)


def transformer_native(X):
    """Numeric columns standardised; the others as category indexes (NaN:
    missing or unseen), with the mask of categorical outputs."""
    parts, cat = [], []
    for c in X.columns:
        if pd.api.types.is_numeric_dtype(X[c]):
            parts.append((c, StandardScaler(), [c]))
            cat.append(False)
        else:
            parts.append((c, OrdinalEncoder(handle_unknown="use_encoded_value",
                                            unknown_value=np.nan), [c]))
            cat.append(True)
    return ColumnTransformer(parts, sparse_threshold=0), cat


def tiny_cat():
    """A categorical column with missing values and one numeric column:
    one iteration of a two-leaf tree."""
    path = os.path.join(HERE, "hgb_tiny_cat.csv")
    probe = os.path.join(HERE, "hgb_tiny_cat_probe.csv")
    means = {"a": 1.0, "b": 1.5, "c": 2.0, "d": 6.5, "e": 2.5, "": 7.0}
    rows = []
    for i in range(72):
        c = "abcde"[i % 6] if i % 6 < 5 else ""
        rows.append((c, float(i % 7), means[c] + 0.1 * (i % 5)))
    with open(path, "w") as fp:
        fp.write("c,b,y\n")
        for r in rows:
            fp.write("%s,%s,%s\n" % r)
    with open(probe, "w") as fp:
        fp.write("c,b,y\n")
        for c in ("a", "b", "c", "d", "e", "", "zz"):
            fp.write("%s,3,0\n" % c)
    df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    pr = pd.read_csv(probe, keep_default_na=False, na_values=[""])
    enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)
    Xc = enc.fit_transform(df[["c"]])
    X = np.column_stack([Xc[:, 0], df["b"].to_numpy()])
    P = np.column_stack([enc.transform(pr[["c"]])[:, 0], pr["b"].to_numpy()])
    params = {"max_iter": 1, "max_leaf_nodes": 2, "learning_rate": 1.0,
              "min_samples_leaf": 1, "early_stopping": False}
    m = HistGradientBoostingRegressor(categorical_features=[0], **params).fit(X, df["y"])
    pred = m._predictors[0][0]
    root = pred.nodes[0]
    cats = list(enc.categories_[0])
    left = []
    if root["is_categorical"]:
        bits = pred.raw_left_cat_bitsets[root["bitset_idx"]]
        left = [str(c) for k, c in enumerate(cats)
                if isinstance(c, str) and bits[k // 32] >> (k % 32) & 1]
    return {"file": "hgb_tiny_cat.csv", "probe": "hgb_tiny_cat_probe.csv", "label": "y",
            "params": params, "feature": ["c", "b"][int(root["feature_idx"])],
            "is_categorical": bool(root["is_categorical"]),
            "left_categories": left,
            "missing_go_to_left": bool(root["missing_go_to_left"]),
            "gain": float(root["gain"]),
            "predictions": [float(v) for v in m.predict(X)],
            "probe_predictions": [float(v) for v in m.predict(P)]}


def tiny():
    """Six rows, one feature with a missing value, one without."""
    path = os.path.join(HERE, "hgb_tiny.csv")
    rows = [(1.0, 5.0, 1.0), (2.0, 3.0, 1.5), (3.0, "", 4.0),
            (4.0, 1.0, 4.5), (5.0, 2.0, 8.0), (6.0, 4.0, 9.0)]
    with open(path, "w") as fp:
        fp.write("a,b,y\n")
        for r in rows:
            fp.write(",".join("%s" % v for v in r) + "\n")
    df = pd.read_csv(path)
    X, y = df[["a", "b"]], df["y"]
    m = HistGradientBoostingRegressor(max_iter=1, max_leaf_nodes=2, learning_rate=1.0,
                                      min_samples_leaf=1, early_stopping=False).fit(X, y)
    nodes = m._predictors[0][0].nodes
    root = nodes[0]
    leaves = [float(n["value"]) for n in nodes if n["is_leaf"]]
    return {"file": "hgb_tiny.csv", "label": "y",
            "params": {"max_iter": 1, "max_leaf_nodes": 2, "learning_rate": 1.0,
                       "min_samples_leaf": 1, "early_stopping": False},
            "feature": ["a", "b"][int(root["feature_idx"])],
            "threshold_raw": float(root["num_threshold"]),
            "missing_go_to_left": bool(root["missing_go_to_left"]),
            "gain": float(root["gain"]),
            "baseline": float(m._baseline_prediction.ravel()[0]),
            "leaf_values": leaves,
            "predictions": [float(v) for v in m.predict(X)]}


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "hgb.json")
    data = datasets()
    cases = {}
    for name, (ds, params, enc) in sorted(CASES.items()):
        tr, te, label, cls = data[ds]
        Xtr, Xte = tr.drop(columns=[label]), te.drop(columns=[label])
        ytr, yte = tr[label], te[label]
        if cls:
            ytr, yte = ytr.astype(str), yte.astype(str)
        extra = {}
        if enc == "native":
            ct, cat = transformer_native(Xtr)
            extra["categorical_features"] = cat
        else:
            ct = transformer(Xtr)
        Ztr, Zte = ct.fit_transform(Xtr), ct.transform(Xte)
        scores, iters, losses = [], [], []
        for s in range(SEEDS):
            m = (HistGradientBoostingClassifier if cls else HistGradientBoostingRegressor)(
                random_state=s, **params, **extra).fit(Ztr, ytr)
            scores.append(metric(cls, yte, m.predict(Zte)))
            if cls:
                losses.append(float(log_loss(yte, m.predict_proba(Zte), labels=m.classes_)))
            iters.append(int(m.n_iter_))
        es = params.get("early_stopping", "auto")
        cases[name] = {"data": ds, "task": "classification" if cls else "regression",
                       "params": params, "categorical": enc, "seeds": SEEDS,
                       "metric": "accuracy" if cls else "rmse",
                       "value": float(np.mean(scores)), "values": scores,
                       "n_iter": iters,
                       "early_stopping": len(tr) > 10000 if es == "auto" else es,
                       "n_train": int(len(tr)), "n_test": int(len(te))}
        if losses:
            cases[name]["log_loss"] = float(np.mean(losses))
        print("%s: %s %.4f (%s) n_iter %s" % (name, cases[name]["metric"], np.mean(scores),
                                              " ".join("%.4f" % v for v in scores), iters),
              file=sys.stderr)
    out = {"sklearn_version": sklearn.__version__, "split": "test when row % 3 == 2",
           "cases": cases, "stump": tiny(), "stump_cat": tiny_cat()}
    with open(out_path, "w") as fp:
        json.dump(out, fp, indent=1, sort_keys=True)
        fp.write("\n")


if __name__ == "__main__":
    main()
