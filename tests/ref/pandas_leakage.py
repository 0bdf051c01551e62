#!/usr/bin/python3
"""Reference figures for shared/leakage.c, computed with pandas.

For pairs of real files: how many rows of the second file also appear in
the first (all common columns, and features only without the label),
counting every such row of the second file, and for each column of the
first file whether it predicts the label perfectly (every value comes with
a single label, at least two labels, fewer distinct values than half the
rows; mlci-validate-data also wants at least 20 such rows: "perfect_20").
Missing values are pandas NaN, which merge() matches to each other as mlci
matches missing cells.

For mlci-validate-data --data A --against B (tests/steps/t-validate-leakage.sh)
also, over the columns both have ("rows") and those less the label
("feature_rows"): "data_rows", the rows of A that occur in B;
"against_rows", the rows of B that occur in A; "distinct", the distinct
rows in both; and "id_columns": A's integer or string columns (not the
label) with a different value in every row, with how many of their values
occur in B's column of that name. The constructed pair
tests/ref/leak_train.csv / leak_test.csv is written here too: titanic's
first 600 rows plus a planted column that is a function of the label
("Deck", ten values), and as the test split the other 291 rows, 15 rows
copied from the training rows (one of them twice) and one training row
with its label flipped. Writes tests/ref/leakage.json."""
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

def overlap(a, b, cols):
    da, db = a[cols].drop_duplicates(), b[cols].drop_duplicates()
    return {"data_rows": shared(b, a, cols), "against_rows": shared(a, b, cols),
            "distinct": int(len(da.merge(db, how="inner", on=cols)))}

def mlci_type(s):
    v = s.dropna()
    if len(v) and v.str.fullmatch(r"[+-]?[0-9]+").all():
        return "integer"
    try:
        v.astype(float)
        return "number" if len(v) else "string"
    except ValueError:
        return "string"

def id_columns(a, b, label):
    out = {}
    for c in a.columns:
        v = a[c]
        if c == label or len(a) < 20 or v.isna().any() or v.nunique() != len(a):
            continue
        if mlci_type(v) not in ("integer", "string"):
            continue
        out[c] = (int(len(set(v) & set(b[c].dropna()))) if c in b.columns else None)
    return out

def leak_case(a, b, label, names):
    common = [c for c in a.columns if c in b.columns]
    feats = [c for c in common if c != label]
    r = {"names": names, "label": label, "rows": overlap(a, b, common),
         "id_columns": id_columns(a, b, label),
         "perfect_20": {c: v and int(a[[c, label]].dropna().shape[0]) >= 20
                        for c, v in perfect(a, label).items()}}
    if label in common:
        r["feature_rows"] = overlap(a, b, feats)
    return r

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
              "perfect": perfect(train, "income"), "_test": test})
t = read("titanic.csv")
cases.append({"a": "titanic.csv", "b": "titanic.csv", "label": "Survived",
              "shared_rows": shared(t, t, list(t.columns)),
              "shared_feature_rows": shared(t, t, [c for c in t.columns if c != "Survived"]),
              "self_shared_rows": shared(t, t, list(t.columns)),
              "perfect": perfect(t, "Survived")})
# the constructed pair
t = read("titanic.csv")
train = t.iloc[:600].copy()
train["Deck"] = ["D%d" % (int(y) * 5 + i % 5) for i, y in enumerate(train["Survived"])]
test = t.iloc[600:].copy()
test["Deck"] = ["D%d" % (i % 10) for i in range(len(test))]
planted = train.iloc[list(range(10, 25)) + [12]].copy()
flipped = train.iloc[[30]].copy()
flipped["Survived"] = str(1 - int(flipped["Survived"].iloc[0]))
test = pd.concat([test, planted, flipped], ignore_index=True)
def write(df, name):
    df.to_csv(os.path.join(here, name), index=False)
    return pd.read_csv(os.path.join(here, name), na_values=NA, keep_default_na=False, dtype=str)
train, test = write(train, "leak_train.csv"), write(test, "leak_test.csv")
pairs = {
    "adult": leak_case(read("adult.data.csv", header=None, names=ADULT, skipinitialspace=True),
                       cases[0]["_test"], "income", ["adult.data.csv", "adult.test.csv"]),
    "adult_reversed": leak_case(cases[0]["_test"],
                                read("adult.data.csv", header=None, names=ADULT,
                                     skipinitialspace=True),
                                "income", ["adult.test.csv", "adult.data.csv"]),
    "constructed": leak_case(train, test, "Survived", ["leak_train.csv", "leak_test.csv"]),
    "titanic_self": leak_case(t, t, "Survived", ["titanic.csv", "titanic.csv"]),
}
for c in cases:
    c.pop("_test", None)
json.dump({"pandas": pd.__version__, "cases": cases, "pairs": pairs},
          open(os.path.join(here, "leakage.json"), "w"), indent=1, sort_keys=True)
