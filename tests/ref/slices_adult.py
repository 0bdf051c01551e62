#!/usr/bin/python3
"""Per-slice reference metrics on the UCI Adult test split, from scikit-learn.

The predictions are a fixed scoring rule of the test split's own columns
(no fitted model, so they are the same on every machine):
    score = 1 / (1 + exp(-(0.35 (education_num - 10) + 0.04 (age - 38)
                           + 0.03 (hours_per_week - 40)
                           + 2.5 [capital_gain > 5000] - 1.2)))
and the predicted class is >50K when score >= 0.5.

Usage:
  slices_adult.py OUTDIR
      writes OUTDIR/slices_adult_scored.csv (sex, race, workclass,
      native_country, income, pred, score; missing values empty) and
      OUTDIR/slices_adult.json: for each slicing of SLICINGS, every slice
      (pandas groupby, missing values a group of their own) with its row
      count and, from 30 rows on, every metric mlci-evaluate computes
      (tests/ref/sklearn_slices.py's slice_metrics).
  slices_adult.py --check METRICS.json REF.json
      compares mlci-evaluate --scored's slices with the reference (1e-9);
      prints one line per mismatch, exits 1 if there is any.
"""
import json
import math
import os
import sys

import numpy as np
import pandas as pd
import sklearn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_slices import slice_metrics  # noqa: E402

COLS = ("age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,"
        "race,sex,capital_gain,capital_loss,hours_per_week,native_country,income").split(",")
SLICINGS = [["sex"], ["sex", "race"], ["workclass"], ["native_country"]]
MIN_SIZE = 30
TOL = 1e-9
CLASSES = ["<=50K", ">50K"]


def key_of(by):
    return "|".join("%s=%s" % (c, "\x00" if v is None else v) for c, v in sorted(by.items()))


def generate(outdir):
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(here, "..", "data", "adult.test.csv")
    d = pd.read_csv(data, skiprows=1, header=None, names=COLS, dtype=str,
                    skipinitialspace=True, na_values=["?"], keep_default_na=False)
    d["income"] = d["income"].str.rstrip(".")
    num = {c: d[c].astype(float).to_numpy() for c in ("age", "education_num", "hours_per_week", "capital_gain")}
    z = (0.35 * (num["education_num"] - 10) + 0.04 * (num["age"] - 38) + 0.03 * (num["hours_per_week"] - 40)
         + 2.5 * (num["capital_gain"] > 5000) - 1.2)
    score = 1.0 / (1.0 + np.exp(-z))
    pred = np.where(score >= 0.5, CLASSES[1], CLASSES[0])
    out = pd.DataFrame({"sex": d["sex"], "race": d["race"], "workclass": d["workclass"],
                        "native_country": d["native_country"], "income": d["income"],
                        "pred": pred, "score": [repr(float(s)) for s in score]})
    out.to_csv(os.path.join(outdir, "slices_adult_scored.csv"), index=False, na_rep="")
    proba = np.column_stack([1.0 - score, score])
    warnings_off()
    slices = []
    for by in SLICINGS:
        for vals, grp in out.groupby(by, dropna=False, sort=False):
            if not isinstance(vals, tuple):
                vals = (vals,)
            key = {c: (None if isinstance(v, float) and math.isnan(v) else v) for c, v in zip(by, vals)}
            idx = grp.index.to_numpy()
            s = {"by": key, "n": int(len(idx)), "small": bool(len(idx) < MIN_SIZE)}
            if not s["small"]:
                s["metrics"] = slice_metrics(CLASSES, list(out["income"].iloc[idx]),
                                             list(out["pred"].iloc[idx]), proba[idx])
            slices.append(s)
    slices.sort(key=lambda s: key_of(s["by"]))
    ref = {"sklearn_version": sklearn.__version__, "min_size": MIN_SIZE, "slicings": SLICINGS,
           "slices": slices}
    with open(os.path.join(outdir, "slices_adult.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")


def warnings_off():
    import warnings
    warnings.simplefilter("ignore")


def check(mpath, rpath):
    doc = json.load(open(mpath, encoding="utf-8"))
    ref = json.load(open(rpath, encoding="utf-8"))
    got = {key_of(s["by"]): s for s in doc["slices"]}
    bad = []
    if doc["slicing"]["min_size"] != ref["min_size"]:
        bad.append("min_size %r, the reference %r" % (doc["slicing"]["min_size"], ref["min_size"]))
    for r in ref["slices"]:
        k = key_of(r["by"])
        s = got.pop(k, None)
        if s is None:
            bad.append("slice %r missing" % r["by"])
            continue
        if (s["n"], s["small"]) != (r["n"], r["small"]):
            bad.append("slice %r: n %d small %r, the reference %d %r" % (r["by"], s["n"], s["small"], r["n"], r["small"]))
        for m, v in r.get("metrics", {}).items():
            g = s.get("metrics", {}).get(m, "absent")
            if v is None or g is None or g == "absent":
                if g is not v:
                    bad.append("slice %r %s: mlci %r, sklearn %r" % (r["by"], m, g, v))
            elif not abs(g - v) <= TOL:
                bad.append("slice %r %s: mlci %.17g, sklearn %.17g" % (r["by"], m, g, v))
        if sorted(s.get("metrics", {})) != sorted(r.get("metrics", {})):
            bad.append("slice %r: metrics %r, the reference %r" % (r["by"], sorted(s.get("metrics", {})), sorted(r.get("metrics", {}))))
    for k, s in got.items():
        bad.append("slice %r is not in the reference" % s["by"])
    for b in bad:
        print(b)
    if not bad:
        print("ok: %d slices agree with the reference" % len(ref["slices"]))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    generate(sys.argv[1])
