#!/usr/bin/python3
"""Reference values for mlci-train --cv (shared/cv.c): per-fold metrics
from scikit-learn's cross_validate on the same folds, and the folds
themselves.

Folds: KFold(n_splits=k) or StratifiedKFold(n_splits=k), shuffle=False,
on the rows in file order (stratified for classifiers, as mlci's
--cv-stratify auto).

Each fold fits a Pipeline of mlci's preprocessing (as sklearn_models.py:
numeric columns SimpleImputer(mean) + StandardScaler, others
SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown=ignore)) and
the model, so the preprocessing is fitted on the training folds only.
Models: LogisticRegression(C=1, newton-cg fitted to the optimum, as in
sklearn_models.py), LinearRegression, Ridge(alpha=1), Lasso(alpha=1),
DecisionTreeClassifier/Regressor (the regressor with max_depth=3; mean
over random_state 0..9, since ties between splits depend on it). Scores: accuracy, f1_macro, neg_log_loss,
roc_auc (binary) or roc_auc_ovr (3+ classes); neg_mean_squared_error,
neg_root_mean_squared_error, neg_mean_absolute_error, r2 (signs flipped
back). The mean and std over the folds use numpy's defaults (ddof 0).

Beside the cases, "assignments" records for label columns of several
datasets each row's test fold under KFold and StratifiedKFold for several
k (the label as codes by first appearance: any codes do, the folds depend
only on which rows share a class; codes and folds as space-separated
numbers); tests/unit/test_cv.c checks cv_assign
against them row for row.

Usage: tests/ref/sklearn_cv.py [OUT]  (default: tests/ref/cv.json).
tests/steps/t-train-cv.sh compares mlci with it.
"""
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
NA = ["", "NA", "N/A", "NaN", "null", "?"]
TREE_SEEDS = 10


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


def model(family, classifier, nclasses, seed=0, params=None):
    if family == "logistic":
        return LogisticRegression(C=1.0, solver="newton-cg", max_iter=1000,
                                  tol=1e-10 if nclasses == 2 else 1e-8)
    if family == "linear":
        return LinearRegression()
    if family == "ridge":
        return Ridge(alpha=1.0)
    if family == "lasso":
        return Lasso(alpha=1.0)
    if family == "tree":
        return (DecisionTreeClassifier if classifier else
                DecisionTreeRegressor)(random_state=seed, **(params or {}))
    raise ValueError(family)


def case(data, df, label, family, k, stratify=None, classifier=None,
         params=None):
    y = df[label]
    X = df.drop(columns=[label])
    if classifier is None:
        classifier = family == "logistic" or family == "tree"
    if stratify is None:
        stratify = classifier
    if classifier:
        y = y.astype(str) if y.dtype == object else y
        scoring = {"accuracy": "accuracy", "f1_macro": "f1_macro",
                   "log_loss": "neg_log_loss"}
        if y.nunique() == 2:
            scoring["roc_auc"] = "roc_auc"
        else:
            scoring["roc_auc_ovr_macro"] = "roc_auc_ovr"
    else:
        scoring = {"mse": "neg_mean_squared_error",
                   "rmse": "neg_root_mean_squared_error",
                   "mae": "neg_mean_absolute_error", "r2": "r2"}
    splitter = (StratifiedKFold if stratify else KFold)(n_splits=k)
    folds = list(splitter.split(X, y))
    seeds = range(TREE_SEEDS) if family == "tree" else [0]
    per_seed = []
    for s in seeds:
        pipe = Pipeline([("prep", transformer(X)),
                         ("model", model(family, classifier, y.nunique(), s,
                                         params))])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = cross_validate(pipe, X, y, cv=folds, scoring=scoring)
        per_seed.append({m: [(-1 if scoring[m].startswith("neg_") else 1) * float(v)
                             for v in res["test_" + m]] for m in scoring})
    metrics = {m: [float(np.mean([ps[m][i] for ps in per_seed]))
                   for i in range(k)] for m in scoring}
    return {"data": data, "label": label, "family": family, "k": k,
            "params": params or {},
            "stratified": bool(stratify), "task": "classification" if classifier
            else "regression", "seeds": len(seeds),
            "folds": [{"n_train": int(len(tr)), "n_test": int(len(te)),
                       "metrics": {m: metrics[m][i] for m in scoring}}
                      for i, (tr, te) in enumerate(folds)],
            "mean": {m: float(np.mean(metrics[m])) for m in scoring},
            "std": {m: float(np.std(metrics[m])) for m in scoring}}


def assignments(name, y, ks):
    codes = {}
    yc = [codes.setdefault(v, len(codes)) for v in y]
    out = {"data": name, "y": " ".join(map(str, yc)), "kfold": {},
           "stratified": {}}
    for k in ks:
        for key, sp in (("kfold", KFold(n_splits=k)),
                        ("stratified", StratifiedKFold(n_splits=k))):
            fold = np.full(len(yc), -1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for i, (_, te) in enumerate(sp.split(np.zeros(len(yc)), yc)):
                    fold[te] = i
            out[key][str(k)] = " ".join(map(str, fold))
    return out


def main():
    dest = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "cv.json")
    bc = read("breast_cancer.csv")
    wine = read("wine.csv")
    diabetes = read("diabetes_progression.csv")
    titanic = read("titanic.csv").drop(columns=["PassengerId", "Name",
                                                "Ticket", "Cabin"])
    cases = {
        "breast_cancer_logistic_5": case("breast_cancer", bc, "diagnosis", "logistic", 5),
        "breast_cancer_logistic_10_plain": case("breast_cancer", bc, "diagnosis",
                                                "logistic", 10, stratify=False),
        "breast_cancer_tree_5": case("breast_cancer", bc, "diagnosis", "tree", 5),
        "wine_logistic_5": case("wine", wine, "cultivar", "logistic", 5),
        "wine_logistic_3": case("wine", wine, "cultivar", "logistic", 3),
        "wine_tree_5": case("wine", wine, "cultivar", "tree", 5),
        "titanic_logistic_5": case("titanic", titanic, "Survived", "logistic", 5),
        "diabetes_linear_5": case("diabetes", diabetes, "progression", "linear", 5),
        "diabetes_ridge_5": case("diabetes", diabetes, "progression", "ridge", 5),
        "diabetes_lasso_5": case("diabetes", diabetes, "progression", "lasso", 5),
        "diabetes_lasso_7": case("diabetes", diabetes, "progression", "lasso", 7),
        "diabetes_tree_5": case("diabetes", diabetes, "progression", "tree", 5,
                                classifier=False, params={"max_depth": 3}),
    }
    abalone = read("abalone.data", header=None)
    assign = [
        assignments("wine.cultivar", wine["cultivar"], [2, 3, 5, 10]),
        assignments("titanic.Survived", titanic["Survived"], [3, 5, 10]),
        assignments("penguins.Species", read("penguins.csv")["Species"], [4, 7]),
        assignments("abalone.rings", abalone[8], [3, 10]),
    ]
    doc = {"generator": "tests/ref/sklearn_cv.py", "assignments": assign,
           "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__,
                        "pandas": pd.__version__},
           "cases": cases}
    with open(dest, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
