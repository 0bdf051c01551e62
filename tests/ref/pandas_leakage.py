#!/usr/bin/python3
"""Reference figures for shared/leakage.c, computed with pandas.

For pairs of real files: how many rows of the second file also appear in
the first (all common columns, and features only without the label),
counting every such row of the second file, and for each column of the
first file whether it predicts the label perfectly (every value comes with
a single label, at least two labels, fewer distinct values than half the
rows). Missing values are pandas NaN, which merge() matches to each other
as mlci matches missing cells. Writes tests/ref/leakage.json."""
import json, os
import pandas as pd

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "data")
NA = ["", "NA", "N/A", "NaN", "null", "?"]
ADULT = ("age,workclass,fnlwgt,education,education_num,marital_status,occupation,"
         "relationship,race,sex,capital_gain,capital_loss,hours_per_week,"
         "native_country,income").split(",")

def read(name, **kw):
    return pd.read_csv(os.path.join(data, name), na_values=NA, keep_default_na=False,
                       dtype=str, **kw)

def shared(a, b, cols):
    keys = a[cols].drop_duplicates()
    return int(len(b[cols].merge(keys, how="inner", on=cols)))

def perfect(df, label):
    out = {}
    y = df[label]
    for c in df.columns:
        if c == label:
            continue
        d = df[[c, label]].dropna()
        if d.empty:
            out[c] = False
            continue
        per_value = d.groupby(c)[label].nunique()
        out[c] = bool(per_value.max() == 1 and d[label].nunique() >= 2
                      and d[c].nunique() * 2 < len(d))
    return out

cases = []
train = read("adult.data.csv", header=None, names=ADULT, skipinitialspace=True)
test = read("adult.test.csv", header=None, names=ADULT, skipinitialspace=True, skiprows=1)
test["income"] = test["income"].str.removesuffix(".")
feats = ADULT[:-1]
cases.append({"a": "adult.data.csv", "b": "adult.test.csv", "label": "income",
              "shared_rows": shared(train, test, ADULT),
              "shared_feature_rows": shared(train, test, feats),
              "self_shared_rows": shared(train, train, ADULT),
              "perfect": perfect(train, "income")})
t = read("titanic.csv")
cases.append({"a": "titanic.csv", "b": "titanic.csv", "label": "Survived",
              "shared_rows": shared(t, t, list(t.columns)),
              "shared_feature_rows": shared(t, t, [c for c in t.columns if c != "Survived"]),
              "self_shared_rows": shared(t, t, list(t.columns)),
              "perfect": perfect(t, "Survived")})
json.dump({"pandas": pd.__version__, "cases": cases},
          open(os.path.join(here, "leakage.json"), "w"), indent=1, sort_keys=True)
