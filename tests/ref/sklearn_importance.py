#!/usr/bin/python3
"""Reference values for mlci-train --importance permutation (shared/cv.c),
from sklearn.inspection.permutation_importance.

Each dataset gets a column of noise, "noise", inserted first: data row i
(0-based) holds ((i * 7919 + 13) % 1009) / 1009, a value unrelated to the
label (the step test writes the same file with awk). The model (mlci's
preprocessing, as in sklearn_models.py, then LogisticRegression fitted to
the optimum with newton-cg, LinearRegression or Lasso) is fitted on all
rows, and permutation_importance(n_repeats=30, random_state=0) computed on
those same rows, with the estimator's default score (accuracy or r2), as
mlci does.

Permutations come from numpy's generator, so mlci cannot reproduce the
values; the step test checks properties instead. Recorded per case: the
mean and std per feature, the ranking, and whether the top three are
separated: each of the gaps between ranks 1-2, 2-3 and 3-4 is over four
standard errors of the difference (std / sqrt(n_repeats) per feature),
so that another generator's permutations give the same order.

Usage: tests/ref/sklearn_importance.py [OUT]  (default:
tests/ref/importance.json). tests/steps/t-train-importance.sh uses it.
"""
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.inspection import permutation_importance
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_cv import read, transformer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPEATS = 30


def with_noise(df):
    i = np.arange(len(df))
    df = df.copy()
    df.insert(0, "noise", ((i * 7919 + 13) % 1009) / 1009.0)
    return df


def case(data, df, label, family):
    X = with_noise(df)
    y = X.pop(label)
    if family == "logistic":
        m = LogisticRegression(C=1.0, solver="newton-cg", max_iter=1000,
                               tol=1e-10 if y.nunique() == 2 else 1e-8)
    elif family == "linear":
        m = LinearRegression()
    else:
        m = Lasso(alpha=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = Pipeline([("prep", transformer(X)), ("model", m)]).fit(X, y)
    r = permutation_importance(pipe, X, y, n_repeats=REPEATS, random_state=0)
    order = [int(j) for j in np.argsort(-r.importances_mean, kind="stable")]
    se = r.importances_std / np.sqrt(REPEATS)

    def apart(a, b):
        return bool(r.importances_mean[a] - r.importances_mean[b] >
                    4 * np.hypot(se[a], se[b]))
    return {"data": data, "label": label, "family": family,
            "n_repeats": REPEATS, "baseline": float(pipe.score(X, y)),
            "importance": {c: {"mean": float(r.importances_mean[j]),
                               "std": float(r.importances_std[j])}
                           for j, c in enumerate(X.columns)},
            "ranking": [X.columns[j] for j in order],
            "top1_separated": apart(order[0], order[1]),
            "top3_separated": all(apart(order[i], order[i + 1]) for i in range(3))}


def main():
    dest = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "importance.json")
    cases = {
        "breast_cancer_logistic": case("breast_cancer", read("breast_cancer.csv"),
                                       "diagnosis", "logistic"),
        "wine_logistic": case("wine", read("wine.csv"), "cultivar", "logistic"),
        "penguins_logistic": case("penguins", read("penguins.csv"), "Species",
                                  "logistic"),
        "diabetes_linear": case("diabetes", read("diabetes_progression.csv"),
                                "progression", "linear"),
        "diabetes_lasso": case("diabetes", read("diabetes_progression.csv"),
                               "progression", "lasso"),
    }
    doc = {"generator": "tests/ref/sklearn_importance.py",
           "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__,
                        "pandas": pd.__version__},
           "cases": cases}
    with open(dest, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
