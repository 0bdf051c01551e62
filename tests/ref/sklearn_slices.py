#!/usr/bin/python3
"""Recompute mlci-evaluate's per-slice metrics with scikit-learn and
pandas, and compare them with the slices of its metrics.json (to 1e-9).

Usage: sklearn_slices.py METRICS.json PREDICTIONS.csv DATA.csv
                         [--skip-rows N] [--columns A,B,...]

PREDICTIONS.csv is mlci-evaluate's --predictions file (key = the 0-based
data row, label, prediction, proba_<class>...); DATA.csv the evaluated
file, read here with pandas (blanks after separators skipped, pandas'
default missing-value tokens and '?'), from which the slice columns are
taken: row KEY of DATA is prediction row KEY. For every slicing in
metrics.json the slices are recomputed with pandas' groupby (missing
values a group of their own, dropna=False) and compared: the same value
combinations, row counts and small flags, and every metric of every
slice that has metrics. Classification only (binary or multiclass, every
label a class with a score column).
Prints one line per mismatch; exits 1 if there is any.
"""
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

TOL = 1e-9


def slice_metrics(classes, y, yp, proba):
    """Every metric mlci computes for a classifier, on one slice."""
    yt, ypa = np.array(y, dtype=object), np.array(yp, dtype=object)
    present = set(y) | set(yp)
    labels = [c for c in classes if c in present]
    m = {
        "accuracy": skm.accuracy_score(yt, ypa),
        "balanced_accuracy": skm.balanced_accuracy_score(yt, ypa),
    }
    for avg in ("micro", "macro", "weighted"):
        pr, rc, f1, _ = skm.precision_recall_fscore_support(yt, ypa, labels=labels, average=avg)
        m["precision_" + avg], m["recall_" + avg], m["f1_" + avg] = pr, rc, f1
    m["mcc"] = skm.matthews_corrcoef(yt, ypa)
    kappa = skm.cohen_kappa_score(yt, ypa)
    m["cohen_kappa"] = None if np.isnan(kappa) else kappa
    m["log_loss"] = skm.log_loss(yt, proba, labels=classes)
    n = len(y)
    if len(classes) == 2:
        pos = np.array([v == classes[1] for v in y])
        m["roc_auc"] = skm.roc_auc_score(pos, proba[:, 1]) if len(set(y)) == 2 else None
        m["average_precision"] = skm.average_precision_score(pos, proba[:, 1])
        m["brier_score"] = skm.brier_score_loss(pos, proba[:, 1])
    else:
        onehot = label_binarize(yt, classes=classes).astype(float)
        try:
            m["roc_auc_ovr_macro"] = skm.roc_auc_score(yt, proba, multi_class="ovr", average="macro", labels=classes)
            m["roc_auc_ovr_weighted"] = skm.roc_auc_score(yt, proba, multi_class="ovr", average="weighted", labels=classes)
        except ValueError:
            m["roc_auc_ovr_macro"] = m["roc_auc_ovr_weighted"] = None
        m["average_precision_macro"] = skm.average_precision_score(onehot, proba, average="macro")
        m["brier_score"] = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
    pred = np.array([classes.index(v) for v in yp])
    conf = proba[np.arange(n), pred]
    hit = np.array([a == b for a, b in zip(y, yp)], dtype=float)
    b = np.minimum(np.floor(conf * 10), 9).astype(int)
    ece = 0.0
    for i in range(10):
        sel = b == i
        nb = int(sel.sum())
        if nb:
            ece += (nb / n) * abs(hit[sel].sum() / nb - conf[sel].sum() / nb)
    m["ece"] = ece
    return {k: (None if v is None else float(v)) for k, v in m.items()}


def main():
    mpath, ppath, dpath = sys.argv[1:4]
    args = sys.argv[4:]
    skip, names = 0, None
    while args:
        if args[0] == "--skip-rows":
            skip = int(args[1])
        elif args[0] == "--columns":
            names = args[1].split(",")
        args = args[2:]
    doc = json.load(open(mpath, encoding="utf-8"))
    pred = pd.read_csv(ppath, dtype=str, keep_default_na=False)
    data = pd.read_csv(dpath, skiprows=skip, header=None if names else 0, names=names,
                       dtype=str, skipinitialspace=True, na_values=["?"])
    classes = [h[len("proba_"):] for h in pred.columns[3:]]
    rows = data.iloc[pred["key"].astype(int).to_numpy()].reset_index(drop=True)
    min_size = doc["slicing"]["min_size"]
    got = {}
    for s in doc["slices"]:
        got[tuple(sorted(s["by"].items(), key=lambda kv: kv[0]))] = s
    bad = []
    warnings.simplefilter("ignore")
    want_keys = set()
    for by in doc["slicing"]["by"]:
        for vals, grp in rows.groupby(list(by), dropna=False, sort=False):
            idx = grp.index
            if not isinstance(vals, tuple):
                vals = (vals,)
            key = tuple(sorted(((c, None if isinstance(v, float) and math.isnan(v) else v)
                                for c, v in zip(by, vals)), key=lambda kv: kv[0]))
            want_keys.add(key)
            s = got.get(key)
            if s is None:
                bad.append("slice %r missing" % (key,))
                continue
            idx = np.array(sorted(idx))
            if s["n"] != len(idx):
                bad.append("slice %r: n %d, pandas %d" % (key, s["n"], len(idx)))
            if s["small"] != (len(idx) < min_size):
                bad.append("slice %r: small %r with %d rows" % (key, s["small"], len(idx)))
            if s["small"]:
                if "metrics" in s:
                    bad.append("small slice %r has metrics" % (key,))
                continue
            sub = pred.iloc[idx]
            proba = sub.iloc[:, 3:].astype(float).to_numpy()
            want = slice_metrics(classes, list(sub["label"]), list(sub["prediction"]), proba)
            for k, v in want.items():
                g = s["metrics"].get(k, "absent")
                if v is None or g is None or g == "absent":
                    if g is not v:
                        bad.append("slice %r %s: mlci %r, sklearn %r" % (key, k, g, v))
                elif not abs(g - v) <= TOL:
                    bad.append("slice %r %s: mlci %.17g, sklearn %.17g" % (key, k, g, v))
            for k in s["metrics"]:
                if k not in want:
                    bad.append("slice %r: %s not in the reference" % (key, k))
    for key in got:
        if key not in want_keys:
            bad.append("slice %r is not in the data" % (key,))
    for b in bad:
        print(b)
    if not bad:
        print("ok: %d slices agree with scikit-learn" % len(got))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
