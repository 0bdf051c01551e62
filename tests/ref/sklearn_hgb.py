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
subsample).

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
from sklearn.preprocessing import OneHotEncoder, StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_trees import datasets, metric  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = 3
PARAMS = {"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 31,
          "min_samples_leaf": 20, "max_bins": 255}
# case name -> (dataset, hyperparameters): the defaults on every dataset,
# and three with other settings
CASES = {name: (name, PARAMS) for name in
         ("breast_cancer", "adult", "penguins", "wine", "diabetes", "abalone")}
CASES["diabetes_shallow"] = ("diabetes", dict(PARAMS, max_depth=3, l2_regularization=1.0,
                                              learning_rate=0.05, max_iter=200))
CASES["abalone_coarse"] = ("abalone", dict(PARAMS, max_leaf_nodes=8, min_samples_leaf=5,
                                           max_bins=32))
CASES["breast_cancer_small"] = ("breast_cancer", dict(PARAMS, max_leaf_nodes=4, min_samples_leaf=5,
                                                     learning_rate=0.3, max_iter=30))


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
    for name, (ds, params) in sorted(CASES.items()):
        tr, te, label, cls = data[ds]
        Xtr, Xte = tr.drop(columns=[label]), te.drop(columns=[label])
        ytr, yte = tr[label], te[label]
        if cls:
            ytr, yte = ytr.astype(str), yte.astype(str)
        ct = transformer(Xtr)
        Ztr, Zte = ct.fit_transform(Xtr), ct.transform(Xte)
        scores, iters = [], []
        for s in range(SEEDS):
            m = (HistGradientBoostingClassifier if cls else HistGradientBoostingRegressor)(
                random_state=s, **params).fit(Ztr, ytr)
            scores.append(metric(cls, yte, m.predict(Zte)))
            iters.append(int(m.n_iter_))
        cases[name] = {"data": ds, "task": "classification" if cls else "regression",
                       "params": params, "seeds": SEEDS,
                       "metric": "accuracy" if cls else "rmse",
                       "value": float(np.mean(scores)), "values": scores,
                       "n_iter": iters, "early_stopping": len(tr) > 10000,
                       "n_train": int(len(tr)), "n_test": int(len(te))}
        print("%s: %s %.4f (%s) n_iter %s" % (name, cases[name]["metric"], np.mean(scores),
                                              " ".join("%.4f" % v for v in scores), iters),
              file=sys.stderr)
    out = {"sklearn_version": sklearn.__version__, "split": "test when row % 3 == 2",
           "cases": cases, "stump": tiny()}
    with open(out_path, "w") as fp:
        json.dump(out, fp, indent=1, sort_keys=True)
        fp.write("\n")


if __name__ == "__main__":
    main()
