#!/usr/bin/python3
"""Reference values for mlci-train's models (shared/linmodel.c, preprocess.c),
from scikit-learn, on the real datasets in tests/data.

The preprocessing is built from scikit-learn's own transformers, one
pipeline per input column (so outputs stay in input-column order, as mlci
lays them out):
  numeric column (pandas reads it as a number):
      SimpleImputer(strategy="mean") -> StandardScaler()   (population std)
  other columns:
      SimpleImputer(strategy="most_frequent") ->
      OneHotEncoder(handle_unknown="ignore")   (categories sorted)
Models, fitted to the true optimum (tight tolerances, unlike sklearn's
defaults):
  logistic: LogisticRegression(C=1.0, solver="newton-cg", tol=1e-10
            (1e-8 for 3+ classes)): binary, or multinomial softmax for 3+
            classes. (The default lbfgs stops on scipy's ftol before the
            optimum: coefficients off by ~1e-4.) The objective is
            0.5*||w||^2 + C*sum(log loss), intercepts unpenalised.
            Multinomial intercepts are reported shifted to sum to zero (the
            softmax is unchanged; mlci reports them that way).
  linear:   LinearRegression()
  ridge:    Ridge(alpha=1.0)
  (on diabetes, label progression, and on breast_cancer with diagnosis
  recoded 1 = malignant, 0 = benign); linear also on two ill-conditioned
  variants of diabetes (near()): a last column "near" = bmi + bp + eps * k,
  k = (37 r) mod 11 - 5 for data row r from 0, written with %.10g, for eps
  1e-5 and 1e-6 (condition numbers about 1.5e6 and 1.5e7 once scaled);
  t-train-sklearn.sh writes the same files with awk
For each case the output records the preprocessing (means, scales,
categories, imputed values), coefficients, intercepts, the training loss
(mean log loss or mse) and objective, training accuracy or r2,
predictions (predict_proba or predict) for a few rows, and for adult the
accuracy on adult.test.csv.

Usage: tests/ref/sklearn_models.py [OUT]  (default: tests/ref/models.json
beside this script). tests/steps/t-train-sklearn.sh compares mlci-train's
model.json with it.
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
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
ADULT_COLS = ("age,workclass,fnlwgt,education,education_num,marital_status,"
              "occupation,relationship,race,sex,capital_gain,capital_loss,"
              "hours_per_week,native_country,income").split(",")
ROWS = [0, 1, 2, 50, 100, -1]  # rows whose predictions are recorded


def read(name, **kw):
    # mlci's default missing tokens: empty, NA, N/A, NaN, null, ?
    return pd.read_csv(os.path.join(DATA, name), keep_default_na=False,
                       na_values=["", "NA", "N/A", "NaN", "null", "?"], **kw)


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


def describe(ct, X):
    cols = []
    for name, pipe, _ in ct.transformers_:
        if name == "remainder":
            continue
        imp = pipe.named_steps["impute"].statistics_[0]
        if "scale" in pipe.named_steps:
            sc = pipe.named_steps["scale"]
            cols.append({"name": name, "type": "numeric",
                         "mean": float(sc.mean_[0]), "scale": float(sc.scale_[0]),
                         "impute": float(imp)})
        else:
            cats = [str(v) for v in pipe.named_steps["onehot"].categories_[0]]
            cols.append({"name": name, "type": "categorical",
                         "categories": cats, "impute": str(imp)})
    return cols


def near(df, eps):
    out = df.copy()
    k = (np.arange(len(df)) * 37) % 11 - 5
    out["near"] = [float("%.10g" % v) for v in (df["bmi"] + df["bp"]) + eps * k]
    return out


def fit_case(name, df, label, kind, drop=(), test=None):
    y = df[label]
    X = df.drop(columns=[label, *drop])
    ct = transformer(X)
    Z = ct.fit_transform(X)
    out = {"data": name, "label": label, "model": kind,
           "features": list(X.columns), "preprocessing": describe(ct, X),
           "n_rows": int(Z.shape[0]), "n_features_out": int(Z.shape[1])}
    rows = [r % len(df) for r in ROWS]
    out["rows"] = rows
    if kind == "logistic":
        C = 1.0
        yl = y.astype(str) if y.dtype == object else y
        # newton-cg reaches the optimum where lbfgs (scipy's default
        # ftol) stops early; past 1e-8 the multinomial line search
        # runs into rounding, so it gets that tolerance
        tol = 1e-10 if y.nunique() == 2 else 1e-8
        # (a "line search failed" at the last step, from rounding at the
        # optimum, is recorded in the output rather than printed)
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            m = LogisticRegression(C=C, solver="newton-cg", tol=tol,
                                   max_iter=1000).fit(Z, yl)
        out["sklearn_warnings"] = sorted({str(w.message) for w in warned})
        P = m.predict_proba(Z)
        coef = m.coef_.copy()
        ic = m.intercept_.copy()
        if len(m.classes_) > 2:
            ic -= ic.mean()
        ll = log_loss(yl, P, labels=m.classes_)
        out.update({
            "classes": [str(c) for c in m.classes_],
            "params": {"C": C},
            "coefficients": coef.tolist(), "intercepts": ic.tolist(),
            "log_loss": ll,
            "objective": 0.5 * float((coef ** 2).sum()) + C * ll * len(yl),
            "accuracy": accuracy_score(yl, m.predict(Z)),
            "n_iter": int(m.n_iter_[0]), "solver": "newton-cg", "tol": tol,
            "proba": P[rows].tolist()})
        if test is not None:
            yt = test[label].astype(str)
            out["test_accuracy"] = accuracy_score(
                yt, m.predict(ct.transform(test.drop(columns=[label, *drop]))))
            out["test_rows"] = int(len(test))
    else:
        m = (Ridge(alpha=1.0) if kind == "ridge" else LinearRegression()).fit(Z, y)
        pred = m.predict(Z)
        mse = mean_squared_error(y, pred)
        out.update({
            "params": {"alpha": 1.0} if kind == "ridge" else {},
            "coefficients": [m.coef_.tolist()], "intercepts": [float(m.intercept_)],
            "mse": mse, "r2": r2_score(y, pred),
            "objective": mse * len(y) + (1.0 * float((m.coef_ ** 2).sum())
                                          if kind == "ridge" else 0.0),
            "predictions": pred[rows].tolist()})
    return out


def main():
    dest = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "models.json")
    adult = read("adult.data.csv", header=None, names=ADULT_COLS,
                 skipinitialspace=True)
    adult_test = read("adult.test.csv", header=None, names=ADULT_COLS,
                      skipinitialspace=True, skiprows=1)
    adult_test["income"] = adult_test["income"].str.rstrip(".")
    diabetes = read("diabetes_progression.csv")
    # breast_cancer as a regression target: diagnosis 1 (malignant) / 0
    # (benign); t-train-sklearn.sh writes the same file with sed
    bc01 = read("breast_cancer.csv")
    bc01["diagnosis"] = (bc01["diagnosis"] == "malignant").astype(float)
    cases = {
        "breast_cancer_logistic": fit_case("breast_cancer.csv",
                                           read("breast_cancer.csv"),
                                           "diagnosis", "logistic"),
        "iris_logistic": fit_case("iris.csv", read("iris.csv"), "species",
                                  "logistic"),
        "wine_logistic": fit_case("wine.csv", read("wine.csv"), "cultivar",
                                  "logistic"),
        "diabetes_linear": fit_case("diabetes_progression.csv", diabetes,
                                    "progression", "linear"),
        "diabetes_near5_linear": fit_case("diabetes_progression.csv + near (1e-5)",
                                          near(diabetes, 1e-5), "progression",
                                          "linear"),
        "diabetes_near6_linear": fit_case("diabetes_progression.csv + near (1e-6)",
                                          near(diabetes, 1e-6), "progression",
                                          "linear"),
        "diabetes_ridge": fit_case("diabetes_progression.csv", diabetes,
                                   "progression", "ridge"),
        "breast_cancer_linear": fit_case("breast_cancer.csv (diagnosis 1/0)",
                                         bc01, "diagnosis", "linear"),
        "breast_cancer_ridge": fit_case("breast_cancer.csv (diagnosis 1/0)",
                                        bc01, "diagnosis", "ridge"),
        "titanic_logistic": fit_case("titanic.csv", read("titanic.csv"),
                                     "Survived", "logistic",
                                     drop=("PassengerId", "Name", "Ticket",
                                           "Cabin")),
        "adult_logistic": fit_case("adult.data.csv", adult, "income",
                                   "logistic", test=adult_test),
    }
    doc = {"generator": "tests/ref/sklearn_models.py",
           "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__,
                        "pandas": pd.__version__},
           "cases": cases}
    with open(dest, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
