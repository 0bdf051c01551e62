#!/usr/bin/python3
"""Reference values for mlci-train's multilayer perceptron (shared/mlp.c),
from scikit-learn's MLPClassifier / MLPRegressor, on the real datasets in
tests/data.

Held-out split and preprocessing as in sklearn_trees.py: data row i
(0-based, after the header) is a test row when i % 3 == 2, else a
training row; numeric columns SimpleImputer(mean) + StandardScaler, others
SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown=ignore).
adult trains on a subsample of adult.data.csv (rows i % 4 == 0, to keep
the step test quick) and tests on all of adult.test.csv.

Models: solver adam, activation relu, the hyperparameters recorded per
case (the same go to mlci-train as --param). The initial weights come
from numpy's random generator in scikit-learn and from mlci's own in
mlci, so single runs differ by their draw: the reference is the mean over
random_state 0..SEEDS-1 of the held-out accuracy (classification) or RMSE
(regression); the step test compares it with mlci's mean over as many
--seed values.

Usage: tests/ref/sklearn_mlp.py [OUT]  (default: tests/ref/mlp.json).
tests/steps/t-train-mlp.sh compares mlci with it.
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
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
ADULT_COLS = ("age,workclass,fnlwgt,education,education_num,marital_status,"
              "occupation,relationship,race,sex,capital_gain,capital_loss,"
              "hours_per_week,native_country,income").split(",")
ABALONE_COLS = ("sex,length,diameter,height,whole_weight,shucked_weight,"
                "viscera_weight,shell_weight,rings").split(",")
SEEDS = 5
NA = ["", "NA", "N/A", "NaN", "null", "?"]

# the configuration a user tries first: one hidden layer of 64 ReLU
# units, Adam at 0.01, batches of 32, 100 epochs
FIRST = {"hidden_layer_sizes": [64], "learning_rate_init": 0.01,
         "batch_size": 32, "max_iter": 100}

CASES = {
    "breast_cancer": dict(FIRST),
    "breast_cancer_deep": {"hidden_layer_sizes": [64, 32], "max_iter": 200},
    "penguins": dict(FIRST),
    "wine": dict(FIRST),
    "adult": {"hidden_layer_sizes": [64], "learning_rate_init": 0.001,
              "batch_size": 200, "max_iter": 40},
    "adult_early": {"hidden_layer_sizes": [32], "learning_rate_init": 0.01,
                    "batch_size": 100, "max_iter": 100, "early_stopping": True},
    "diabetes": dict(FIRST),
    "abalone": dict(FIRST),
}


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
    adult = adult[np.arange(len(adult)) % 4 == 0].reset_index(drop=True)
    adult_test = read("adult.test.csv", header=None, names=ADULT_COLS,
                      skipinitialspace=True, skiprows=1)
    adult_test["income"] = adult_test["income"].str.rstrip(".")
    out = {"adult": (adult, adult_test, "income", True)}
    out["adult_early"] = out["adult"]
    for name, f, label, cls, kw in [
            ("breast_cancer", "breast_cancer.csv", "diagnosis", True, {}),
            ("penguins", "penguins.csv", "Species", True, {}),
            ("wine", "wine.csv", "cultivar", True, {}),
            ("diabetes", "diabetes_progression.csv", "progression", False, {}),
            ("abalone", "abalone.data", "rings", False,
             {"header": None, "names": ABALONE_COLS})]:
        tr, te = split(read(f, **kw))
        out[name] = (tr, te, label, cls)
    out["breast_cancer_deep"] = out["breast_cancer"]
    return out


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "mlp.json")
    data = datasets()
    cases = {}
    for name, params in sorted(CASES.items()):
        tr, te, label, cls = data[name]
        Xtr, Xte = tr.drop(columns=[label]), te.drop(columns=[label])
        ytr, yte = tr[label], te[label]
        if cls:
            ytr, yte = ytr.astype(str), yte.astype(str)
        ct = transformer(Xtr)
        Ztr, Zte = ct.fit_transform(Xtr), ct.transform(Xte)
        scores, iters = [], []
        for s in range(SEEDS):
            kw = dict(params)
            kw["hidden_layer_sizes"] = tuple(kw["hidden_layer_sizes"])
            est = (MLPClassifier if cls else MLPRegressor)(
                solver="adam", activation="relu", random_state=s, **kw)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est.fit(Ztr, ytr)
            pred = est.predict(Zte)
            if cls:
                scores.append(float(accuracy_score(yte, pred)))
            else:
                scores.append(float(np.sqrt(mean_squared_error(yte, pred))))
            iters.append(int(est.n_iter_))
        dname = name.split("_deep")[0].split("_early")[0]
        cases[name] = {
            "data": dname, "task": "classification" if cls else "regression",
            "params": params, "seeds": SEEDS,
            "metric": "accuracy" if cls else "rmse",
            "value": float(np.mean(scores)), "values": scores,
            "n_iter": iters, "n_train": int(len(tr)), "n_test": int(len(te)),
        }
        print("%s: %s %.4f (%s) epochs %s" % (
            name, cases[name]["metric"], np.mean(scores),
            " ".join("%.4f" % v for v in scores), iters), file=sys.stderr)
    out = {"sklearn_version": sklearn.__version__,
           "split": "test when row % 3 == 2; adult: train on rows % 4 == 0 of adult.data.csv, test on adult.test.csv",
           "cases": cases}
    with open(out_path, "w") as fp:
        json.dump(out, fp, indent=1, sort_keys=True)
        fp.write("\n")


if __name__ == "__main__":
    main()
