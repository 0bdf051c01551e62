#!/usr/bin/python3
"""Fixed prediction files for mlci-evaluate --scored, and what
scikit-learn (and numpy) compute from them, bootstrap intervals included.

Writes, next to this script (or into OUTDIR):
  scored_binary.csv      id, truth, guess, p_no, p_yes  (two score columns)
  scored_binary1.csv     id, truth, guess, score        (one: the positive class's)
  scored_multi.csv       id, y, yhat, pa, pb, pc        (three classes)
  scored_onecls.csv      id, y, yhat, s                 (one class in y: AUC undefined)
  scored_labels.csv      y, yhat                        (no scores; numeric labels 2, 10, 33)
  scored_reg.csv         id, y, yhat                    (regression)
  scored.json            per file: the options to pass, the expected metrics
                         (None: undefined) and bootstrap intervals

The bootstrap replays mlci's resampling (shared/scored.h): splitmix64
seeded with SEED, resample b draws n indices in turn, index =
(r * n) >> 64; each metric's interval is numpy's default (linear)
quantile at (1 - level)/2 and (1 + level)/2 over the resamples where it
is defined.

Usage: tests/ref/scored_predictions.py [OUTDIR]
"""
import csv
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

M64 = (1 << 64) - 1
BOOT_B = 200
BOOT_SEED = 7
LEVEL = 0.95


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & M64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def index(self, n):
        return (self.next() * n) >> 64


def ece(y, yp, classes, proba):
    pred = np.array([classes.index(v) for v in yp])
    conf = proba[np.arange(len(pred)), pred]
    hit = np.array([a == b for a, b in zip(y, yp)], dtype=float)
    b = np.minimum(np.floor(conf * 10), 9).astype(int)
    e = 0.0
    for i in range(10):
        sel = b == i
        nb = int(sel.sum())
        if nb:
            e += (nb / len(pred)) * abs(hit[sel].sum() / nb - conf[sel].sum() / nb)
    return e


def clf_metrics(y, yp, classes, proba):
    """classes: sorted; proba: n x len(classes) or None."""
    yt, ypa = np.array(y), np.array(yp)
    out = {"accuracy": skm.accuracy_score(yt, ypa),
           "balanced_accuracy": skm.balanced_accuracy_score(yt, ypa),
           "mcc": skm.matthews_corrcoef(yt, ypa)}
    for avg in ("micro", "macro", "weighted"):
        p, r, f, _ = skm.precision_recall_fscore_support(yt, ypa, average=avg)
        out["precision_" + avg], out["recall_" + avg], out["f1_" + avg] = p, r, f
    k = skm.cohen_kappa_score(yt, ypa)
    out["cohen_kappa"] = None if np.isnan(k) else k
    if proba is not None:
        out["log_loss"] = skm.log_loss(yt, proba, labels=classes)
        out["ece"] = ece(y, yp, classes, proba)
        if len(classes) == 2:
            pos = np.array([v == classes[1] for v in y])
            try:
                out["roc_auc"] = skm.roc_auc_score(pos, proba[:, 1])
            except ValueError:
                out["roc_auc"] = None
            out["average_precision"] = skm.average_precision_score(pos, proba[:, 1])
            out["brier_score"] = skm.brier_score_loss(yt, proba[:, 1], pos_label=classes[1])
        else:
            onehot = label_binarize(yt, classes=classes).astype(float)
            try:
                out["roc_auc_ovr_macro"] = skm.roc_auc_score(
                    yt, proba, multi_class="ovr", average="macro", labels=classes)
                out["roc_auc_ovr_weighted"] = skm.roc_auc_score(
                    yt, proba, multi_class="ovr", average="weighted", labels=classes)
            except ValueError:
                out["roc_auc_ovr_macro"] = out["roc_auc_ovr_weighted"] = None
            out["average_precision_macro"] = skm.average_precision_score(
                onehot, proba, average="macro")
            out["brier_score"] = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
    return {k: (None if v is None else float(v)) for k, v in out.items()}


def reg_metrics(y, p):
    y, p = np.asarray(y), np.asarray(p)
    r2 = skm.r2_score(y, p) if len(y) > 1 else float("nan")
    out = {"mse": skm.mean_squared_error(y, p),
           "rmse": skm.mean_squared_error(y, p, squared=False),
           "mae": skm.mean_absolute_error(y, p),
           "r2": None if np.isnan(r2) else r2,
           "mape": skm.mean_absolute_percentage_error(y, p),
           "median_absolute_error": skm.median_absolute_error(y, p),
           "explained_variance": skm.explained_variance_score(y, p),
           "max_error": skm.max_error(y, p)}
    return {k: (None if v is None else float(v)) for k, v in out.items()}


def bootstrap(n, fn, names):
    rng = SplitMix64(BOOT_SEED)
    vals = {k: [] for k in names}
    for _ in range(BOOT_B):
        idx = [rng.index(n) for _ in range(n)]
        m = fn(idx)
        for k in names:
            if m.get(k) is not None:
                vals[k].append(m[k])
    out = {}
    for k in names:
        v = np.array(vals[k])
        out[k] = {"resamples": len(v),
                  "low": float(np.quantile(v, (1 - LEVEL) / 2)) if len(v) else None,
                  "high": float(np.quantile(v, (1 + LEVEL) / 2)) if len(v) else None}
    return out


def write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fp:
        w = csv.writer(fp, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(r)


def num(x):
    return repr(float(x))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rng = np.random.default_rng(20251203)
    cases = {}
    warnings.simplefilter("ignore")

    # binary, two score columns; keys not in row order
    n = 160
    yi = rng.integers(0, 2, n)
    s = np.clip(0.5 + (yi - 0.5) * 0.5 + rng.normal(0, 0.25, n), 0.0, 1.0)
    s = np.round(s, 4)
    classes = ["no", "yes"]
    y = [classes[i] for i in yi]
    yp = [classes[int(v >= 0.5)] for v in s]
    keys = ["r%03d" % ((i * 37) % n) for i in range(n)]
    proba = np.column_stack([1 - s, s])
    write(os.path.join(outdir, "scored_binary.csv"), ["id", "truth", "guess", "p_no", "p_yes"],
          [[keys[i], y[i], yp[i], num(1 - s[i]), num(s[i])] for i in range(n)])
    # the file's p_no is 1 - s as text: read back what mlci reads
    proba = np.column_stack([np.array([float(num(1 - v)) for v in s]), s])
    names = ["accuracy", "f1_macro", "roc_auc", "log_loss", "brier_score", "mcc",
             "average_precision"]
    cases["scored_binary"] = {
        "args": ["--label-column", "truth", "--prediction-column", "guess",
                 "--score-columns", "p_no,p_yes", "--key-column", "id"],
        "metrics": clf_metrics(y, yp, classes, proba),
        "intervals": bootstrap(n, lambda ix: clf_metrics(
            [y[i] for i in ix], [yp[i] for i in ix], classes, proba[ix]), names)}

    # binary, one score column: the positive ("yes") class's score
    write(os.path.join(outdir, "scored_binary1.csv"), ["id", "truth", "guess", "score"],
          [[keys[i], y[i], yp[i], num(s[i])] for i in range(n)])
    proba1 = np.column_stack([1 - s, s])
    cases["scored_binary1"] = {
        "args": ["--label-column", "truth", "--prediction-column", "guess",
                 "--score-columns", "score"],
        "metrics": clf_metrics(y, yp, classes, proba1)}

    # three classes with probabilities
    n = 120
    classes = ["a", "b", "c"]
    yi = rng.integers(0, 3, n)
    pr = np.array([rng.dirichlet(np.ones(3) + 2.5 * np.eye(3)[i]) for i in yi])
    pr = np.round(pr, 6)
    pr[:, 2] = 1 - pr[:, 0] - pr[:, 1]
    pr = np.array([[float(num(v)) for v in row] for row in pr])
    y = [classes[i] for i in yi]
    yp = [classes[int(np.argmax(r))] for r in pr]
    write(os.path.join(outdir, "scored_multi.csv"), ["id", "y", "yhat", "pa", "pb", "pc"],
          [[i, y[i], yp[i]] + [num(v) for v in pr[i]] for i in range(n)])
    cases["scored_multi"] = {
        "args": ["--label-column", "y", "--prediction-column", "yhat",
                 "--score-columns", "pa,pb,pc", "--key-column", "id"],
        "metrics": clf_metrics(y, yp, classes, pr),
        "intervals": bootstrap(n, lambda ix: clf_metrics(
            [y[i] for i in ix], [yp[i] for i in ix], classes, pr[ix]),
            ["accuracy", "roc_auc_ovr_macro", "brier_score", "cohen_kappa"])}

    # one class in the labels: roc_auc undefined; predictions of both
    n = 12
    s1 = np.round(rng.uniform(0, 1, n), 3)
    y = ["pos"] * n
    classes = ["neg", "pos"]
    yp = [classes[int(v >= 0.5)] for v in s1]
    write(os.path.join(outdir, "scored_onecls.csv"), ["id", "y", "yhat", "s"],
          [[i, y[i], yp[i], num(s1[i])] for i in range(n)])
    cases["scored_onecls"] = {
        "args": ["--label-column", "y", "--prediction-column", "yhat", "--score-columns", "s"],
        "metrics": clf_metrics(y, yp, classes, np.column_stack([1 - s1, s1]))}

    # numeric labels without scores: classes sort numerically (2 < 10 < 33)
    n = 30
    vals = ["2", "10", "33"]
    yi = rng.integers(0, 3, n)
    pi = np.where(rng.uniform(0, 1, n) < 0.7, yi, rng.integers(0, 3, n))
    y = [vals[i] for i in yi]
    yp = [vals[i] for i in pi]
    write(os.path.join(outdir, "scored_labels.csv"), ["y", "yhat"], [[y[i], yp[i]] for i in range(n)])
    cases["scored_labels"] = {
        "args": ["--label-column", "y", "--prediction-column", "yhat"],
        "metrics": clf_metrics([int(v) for v in y], [int(v) for v in yp], None, None),
        "labels": ["2", "10", "33"]}

    # regression
    n = 100
    yv = np.round(rng.normal(20, 5, n), 3)
    pv = np.round(yv + rng.normal(0, 2, n), 3)
    write(os.path.join(outdir, "scored_reg.csv"), ["id", "y", "yhat"],
          [["k%d" % i, num(yv[i]), num(pv[i])] for i in range(n)])
    cases["scored_reg"] = {
        "args": ["--task", "regression", "--label-column", "y", "--prediction-column", "yhat",
                 "--key-column", "id"],
        "metrics": reg_metrics(yv, pv),
        "intervals": bootstrap(n, lambda ix: reg_metrics(yv[ix], pv[ix]),
                               ["rmse", "mae", "r2", "median_absolute_error"])}

    doc = {"generator": "tests/ref/scored_predictions.py",
           "sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
           "bootstrap": {"resamples": BOOT_B, "seed": BOOT_SEED, "level": LEVEL},
           "cases": cases}
    with open(os.path.join(outdir, "scored.json"), "w", encoding="utf-8") as fp:
        json.dump(doc, fp, indent=1, sort_keys=True)
        fp.write("\n")


if __name__ == "__main__":
    main()
