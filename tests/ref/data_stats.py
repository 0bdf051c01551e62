#!/usr/bin/python3
"""Reference column statistics for mlci-validate-data, computed by pandas.

Reads real files from tests/data with the same reader settings mlci is
given (see FILES: the mlci options and the matching pandas arguments),
and writes tests/ref/data_stats.json:

  { FILE_KEY: { "args": [mlci options], "rows": N, "duplicate_rows": N,
                "columns": { NAME: { "numeric": bool, "count", "missing",
                                     "distinct", and for numeric columns
                                     "mean", "std" (ddof=1), "min", "max";
                                     for other columns "top": [[value, count]...] } } } }

The missing-value tokens are mlci's defaults exactly (empty, NA, N/A,
NaN, null, ?), not pandas' longer default list. Run from the repository
root:  /usr/bin/python3 tests/ref/data_stats.py
"""
import json
import math
import os
import sys

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
NA = ["", "NA", "N/A", "NaN", "null", "?"]
ADULT = ("age,workclass,fnlwgt,education,education_num,marital_status,"
         "occupation,relationship,race,sex,capital_gain,capital_loss,"
         "hours_per_week,native_country,income")

# key: (file, mlci options, pandas read_csv arguments)
FILES = {
    "adult.data": ("adult.data.csv", ["--columns", ADULT, "--trim"],
                   dict(names=ADULT.split(","), header=None,
                        skipinitialspace=True)),
    "adult.test": ("adult.test.csv",
                   ["--columns", ADULT, "--trim", "--skip-rows", "1"],
                   dict(names=ADULT.split(","), header=None,
                        skipinitialspace=True, skiprows=1)),
    "titanic": ("titanic.csv", [], {}),
    "student_mat": ("student_mat.csv", [], {}),
    "penguins": ("penguins.csv", [], {}),
    "breast_cancer": ("breast_cancer.csv", [], {}),
    "seattle_weather": ("seattle_weather.csv", [], {}),
}


def num(v):
    v = float(v)
    return None if math.isnan(v) else v


def column(s):
    n = int(s.count())
    out = {"count": n, "missing": int(s.isna().sum()),
           "distinct": int(s.nunique())}
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    out["numeric"] = bool(numeric)
    if numeric:
        out.update(mean=num(s.mean()), std=num(s.std(ddof=1)),
                   min=num(s.min()), max=num(s.max()))
    else:
        vc = s.dropna().astype(str).value_counts()
        # most frequent first, ties by value (byte order), as mlci does
        items = sorted(vc.items(), key=lambda kv: (-kv[1], kv[0].encode()))
        out["top"] = [[k, int(c)] for k, c in items[:10]]
    return out


def main():
    ref = {}
    for key, (name, args, kw) in FILES.items():
        df = pd.read_csv(os.path.join(DATA, name), keep_default_na=False,
                         na_values=NA, skip_blank_lines=True, **kw)
        ref[key] = {
            "file": name,
            "args": args,
            "rows": int(len(df)),
            "duplicate_rows": int(df.duplicated().sum()),
            "columns": {c: column(df[c]) for c in df.columns},
        }
    out = os.path.join(HERE, "data_stats.json")
    with open(out, "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", out, "(pandas", pd.__version__ + ")", file=sys.stderr)


if __name__ == "__main__":
    main()
