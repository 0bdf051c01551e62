#!/usr/bin/python3
"""Reference counts for the schema constraints "pattern" and "unique",
computed by pandas (Series.str.contains with Python's re, which agrees
with POSIX extended regular expressions on the patterns used here) on
real files from tests/data, read with mlci's missing-value tokens.

Writes tests/ref/constraints.json:
  { CASE: { "file", "args": [mlci options], "column", "pattern" | "unique",
            "bad": values not matching / repeating an earlier value,
            "first": [line, value] of the first non-matching value } }

Run from the repository root:  /usr/bin/python3 tests/ref/constraints.py
"""
import json
import os
import warnings

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
NA = ["", "NA", "N/A", "NaN", "null", "?"]
ADULT = ("age,workclass,fnlwgt,education,education_num,marital_status,"
         "occupation,relationship,race,sex,capital_gain,capital_loss,"
         "hours_per_week,native_country,income")

def titanic():
    return pd.read_csv(os.path.join(DATA, "titanic.csv"), dtype=str,
                       keep_default_na=False, na_values=NA), [], 2

def adult():
    # mlci: --columns ... --trim; the file has no header, so line = row + 1
    df = pd.read_csv(os.path.join(DATA, "adult.data.csv"), dtype=str,
                     header=None, names=ADULT.split(","), skipinitialspace=True,
                     keep_default_na=False, na_values=NA)
    df = df.dropna(how="all")
    return df, ["--columns", ADULT, "--trim"], 1

CASES = {
    # ticket numbers: digits, optionally after a prefix such as "A/5"
    "titanic_ticket": (titanic, "Ticket", "pattern", r"^([A-Z./0-9 ]+ )?[0-9]+$"),
    "titanic_cabin": (titanic, "Cabin", "pattern", r"^[A-G][0-9]+( [A-G][0-9]+)*$"),
    "titanic_name_ok": (titanic, "Name", "pattern", r", (Mr|Mrs|Miss|Master|Dr|Rev|[A-Z][a-z]+)\."),
    "adult_education": (adult, "education", "pattern", r"^[A-Z][a-z]*(-[A-Za-z0-9]+)*$"),
    "titanic_id": (titanic, "PassengerId", "unique", None),
    "titanic_ticket_unique": (titanic, "Ticket", "unique", None),
    "titanic_cabin_unique": (titanic, "Cabin", "unique", None),
    "adult_fnlwgt_unique": (adult, "fnlwgt", "unique", None),
}

# groups are for alternation here, not extraction
warnings.filterwarnings("ignore", "This pattern is interpreted")
out = {}
for name, (load, col, kind, pat) in CASES.items():
    df, args, first_line = load()
    s = df[col].dropna()
    case = {"file": "titanic.csv" if load is titanic else "adult.data.csv",
            "args": args, "column": col}
    if kind == "pattern":
        ok = s.str.contains(pat, regex=True)
        bad = s[~ok]
        case["pattern"] = pat
        case["bad"] = int(len(bad))
        if len(bad):
            case["first"] = [int(bad.index[0]) + first_line, bad.iloc[0]]
    else:
        case["unique"] = True
        case["bad"] = int(s.duplicated().sum())
    out[name] = case

with open(os.path.join(HERE, "constraints.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
