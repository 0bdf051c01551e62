#!/usr/bin/python3
"""Reference values for mlci-train --search-method grid: scikit-learn's
GridSearchCV over the same grid, on the same folds (StratifiedKFold(5) for
classes, KFold(5) for values, no shuffle), with mlci's preprocessing
fitted per fold (sklearn_cv.py's transformer, in a Pipeline).

Cases: LogisticRegression over C in logspace(-3, 2, 6) on breast_cancer
(newton-cg fitted to the optimum, scoring accuracy and neg_log_loss);
Ridge over alpha in logspace(-2, 3, 6) on diabetes_progression (r2 and
neg_mean_squared_error). For each: every grid point's mean test scores
(signs flipped back for the neg_ ones) and the best point by the first
score (GridSearchCV's best_index_: ties go to the first).

Usage: tests/ref/sklearn_search.py [OUT]  (default tests/ref/search.json);
tests/steps/t-train-search.sh compares mlci with it.
"""
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import Pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sklearn_cv import read, transformer  # noqa: E402


def grid_case(df, label, est, param, values, splitter, scoring):
    y = df[label]
    X = df.drop(columns=[label])
    pipe = Pipeline([("prep", transformer(X)), ("model", est)])
    gs = GridSearchCV(pipe, {"model__" + param: list(values)},
                      cv=list(splitter.split(X, y)), scoring=scoring,
                      refit=next(iter(scoring)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gs.fit(X, y)
    res = gs.cv_results_
    points = []
    for i, v in enumerate(values):
        points.append({"value": float(v),
                       "mean": {m: (-1 if s.startswith("neg_") else 1) *
                                float(res["mean_test_" + m][i])
                                for m, s in scoring.items()}})
    return {"param": param, "points": points, "best_index": int(gs.best_index_)}


def main():
    dest = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "search.json")
    bc = read("breast_cancer.csv")
    diabetes = read("diabetes_progression.csv")
    cases = {
        "breast_cancer_logistic_C": grid_case(
            bc, "diagnosis",
            LogisticRegression(solver="newton-cg", max_iter=1000, tol=1e-10),
            "C", np.logspace(-3, 2, 6), StratifiedKFold(n_splits=5),
            {"accuracy": "accuracy", "log_loss": "neg_log_loss"}),
        "diabetes_ridge_alpha": grid_case(
            diabetes, "progression", Ridge(), "alpha", np.logspace(-2, 3, 6),
            KFold(n_splits=5), {"r2": "r2", "mse": "neg_mean_squared_error"}),
    }
    doc = {"generator": "tests/ref/sklearn_search.py",
           "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__},
           "cases": cases}
    with open(dest, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
