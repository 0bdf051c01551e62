#!/usr/bin/python3
"""Reference values for mlci-train's lasso and elasticnet models
(shared/linmodel.c, enet_fit), from scikit-learn's Lasso and ElasticNet,
on real datasets in tests/data.

Held-out split (the step test makes the same files with awk, as for the
trees): data row i (0-based, after the header; abalone.data has none)
goes to the test part when i % 3 == 2, else to the training part.

Preprocessing is mlci's, built from scikit-learn's transformers (as in
sklearn_models.py): numeric columns SimpleImputer(mean) + StandardScaler,
others SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown=ignore),
fitted on the training part only. Models: Lasso / ElasticNet with the
recorded alpha, l1_ratio, max_iter and tol (scikit-learn's defaults
otherwise: cyclic coordinate descent from zero, the duality-gap stopping
rule). Recorded per case: coefficients, intercept, iterations, dual gap,
whether scikit-learn warned that it did not converge, training MSE and
the held-out MSE.

The "collinear" cases train on diabetes with a copy of the bmi column
added (bmi_copy, the last column): a perfectly collinear design.

Usage: tests/ref/sklearn_enet.py [OUT]  (default: tests/ref/enet.json).
tests/steps/t-train-enet.sh compares mlci with it.
"""
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import ElasticNet, Lasso
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
ABALONE_COLS = ("sex,length,diameter,height,whole_weight,shucked_weight,"
                "viscera_weight,shell_weight,rings").split(",")
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
    return df[i % 3 != 2], df[i % 3 == 2]


def case(data, df, label, family, **params):
    train, test = split(df)
    ytr, yte = train[label].astype(float), test[label].astype(float)
    Xtr, Xte = train.drop(columns=[label]), test.drop(columns=[label])
    ct = transformer(Xtr)
    Ztr = ct.fit_transform(Xtr)
    Zte = ct.transform(Xte)
    cls = Lasso if family == "lasso" else ElasticNet
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        m = cls(**params).fit(Ztr, ytr)
    conv = [str(w.message) for w in warned
            if issubclass(w.category, ConvergenceWarning)]
    return {"data": data, "label": label, "family": family,
            "params": params,
            "n_train": int(len(train)), "n_test": int(len(test)),
            "coefficients": m.coef_.tolist(),
            "intercept": float(m.intercept_),
            "n_iter": int(m.n_iter_), "dual_gap": float(m.dual_gap_),
            "converged": not conv,
            "n_nonzero": int(np.count_nonzero(m.coef_)),
            "train_mse": mean_squared_error(ytr, m.predict(Ztr)),
            "test_mse": mean_squared_error(yte, m.predict(Zte))}


def main():
    dest = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "enet.json")
    diabetes = read("diabetes_progression.csv")
    abalone = read("abalone.data", header=None, names=ABALONE_COLS)
    flights = read("flights_200k.csv")
    collinear = diabetes.copy()
    collinear.insert(len(collinear.columns), "bmi_copy", collinear["bmi"])
    cases = {
        "diabetes_lasso": case("diabetes", diabetes, "progression", "lasso"),
        "diabetes_lasso_a0.1": case("diabetes", diabetes, "progression",
                                    "lasso", alpha=0.1),
        "diabetes_enet": case("diabetes", diabetes, "progression",
                              "elasticnet"),
        "diabetes_enet_a0.05_r0.8": case("diabetes", diabetes, "progression",
                                         "elasticnet", alpha=0.05,
                                         l1_ratio=0.8),
        "diabetes_enet_r0": case("diabetes", diabetes, "progression",
                                 "elasticnet", alpha=0.5, l1_ratio=0.0),
        "diabetes_lasso_a0.01_iter3": case("diabetes", diabetes,
                                           "progression", "lasso",
                                           alpha=0.01, max_iter=3),
        "abalone_lasso": case("abalone", abalone, "rings", "lasso"),
        "abalone_lasso_a0.01": case("abalone", abalone, "rings", "lasso",
                                    alpha=0.01),
        "abalone_enet_a0.01": case("abalone", abalone, "rings", "elasticnet",
                                   alpha=0.01),
        "flights_lasso": case("flights", flights, "delay", "lasso"),
        "flights_enet_a0.1": case("flights", flights, "delay", "elasticnet",
                                  alpha=0.1, l1_ratio=0.3),
        "collinear_lasso": case("collinear", collinear, "progression",
                                "lasso", alpha=0.1),
        "collinear_enet": case("collinear", collinear, "progression",
                               "elasticnet", alpha=0.1),
    }
    doc = {"generator": "tests/ref/sklearn_enet.py",
           "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__,
                        "pandas": pd.__version__},
           "cases": cases}
    with open(dest, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
