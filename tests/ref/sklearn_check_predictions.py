#!/usr/bin/python3
"""Recompute mlci-evaluate's metrics with scikit-learn from its own
predictions.csv, and compare them with its metrics.json (to 1e-12) and
its printed classification report (byte for byte).

Usage: sklearn_check_predictions.py METRICS.json PREDICTIONS.csv [STDOUT]

predictions.csv: row, label, prediction, proba_<class>... (classifiers;
the proba columns are the model's classes in its order). The label set is
the one mlci documents (shared/evaluate.h): labels occurring in the true
or predicted values, model classes first in model order, then label
values the model does not know in byte order; log_loss is taken over the
model's classes plus the unknown ones (probability 0).
Prints one line per mismatch and exits 1 if there is any.
"""
import csv
import json
import math
import sys
import warnings

import numpy as np
from sklearn import metrics as skm

TOL = 1e-12


def main():
    mpath, ppath = sys.argv[1], sys.argv[2]
    out_text = open(sys.argv[3], encoding="utf-8").read() if len(sys.argv) > 3 else None
    doc = json.load(open(mpath, encoding="utf-8"))
    with open(ppath, newline="", encoding="utf-8") as fp:
        rows = list(csv.reader(fp))
    header, rows = rows[0], rows[1:]
    bad = []

    def cmp(name, got, want):
        if want is None or got is None:
            if want is not got:
                bad.append("%s: mlci %r, sklearn %r" % (name, got, want))
            return
        if not abs(got - want) <= TOL:
            bad.append("%s: mlci %.17g, sklearn %.17g" % (name, got, want))

    if doc["n_rows"] != len(rows):
        bad.append("n_rows %d but %d prediction rows" % (doc["n_rows"], len(rows)))
    met = doc["metrics"]
    warnings.simplefilter("ignore")
    if doc["task"] == "regression":
        y = np.array([float(r[1]) for r in rows])
        p = np.array([float(r[2]) for r in rows])
        cmp("mse", met["mse"], skm.mean_squared_error(y, p))
        cmp("rmse", met["rmse"], skm.mean_squared_error(y, p, squared=False))
        cmp("mae", met["mae"], skm.mean_absolute_error(y, p))
        r2 = skm.r2_score(y, p)
        cmp("r2", met.get("r2"), None if math.isnan(r2) else r2)
    else:
        classes = [h[len("proba_"):] for h in header[3:]]
        y = [r[1] for r in rows]
        yp = [r[2] for r in rows]
        proba = np.array([[float(v) for v in r[3:]] for r in rows])
        unseen = sorted(set(y) - set(classes))
        present = set(y) | set(yp)
        labels = [c for c in classes if c in present] + unseen
        yt, ypa = np.array(y, dtype=object), np.array(yp, dtype=object)
        cmp("accuracy", met["accuracy"], skm.accuracy_score(yt, ypa))
        cmp("balanced_accuracy", met["balanced_accuracy"],
            skm.balanced_accuracy_score(yt, ypa))
        for avg in ("micro", "macro", "weighted"):
            pr, rc, f1, _ = skm.precision_recall_fscore_support(
                yt, ypa, labels=labels, average=avg)
            cmp("precision_" + avg, met["precision_" + avg], pr)
            cmp("recall_" + avg, met["recall_" + avg], rc)
            cmp("f1_" + avg, met["f1_" + avg], f1)
        pr, rc, f1, s = skm.precision_recall_fscore_support(yt, ypa, labels=labels)
        for i, c in enumerate(labels):
            pc = doc["per_class"][c]
            cmp("precision[%s]" % c, pc["precision"], pr[i])
            cmp("recall[%s]" % c, pc["recall"], rc[i])
            cmp("f1[%s]" % c, pc["f1"], f1[i])
            if pc["support"] != s[i]:
                bad.append("support[%s]: %d vs %d" % (c, pc["support"], s[i]))
        cm = doc["confusion_matrix"]
        if cm["labels"] != labels:
            bad.append("confusion labels %r, expected %r" % (cm["labels"], labels))
        if cm["matrix"] != skm.confusion_matrix(yt, ypa, labels=labels).tolist():
            bad.append("confusion matrix differs")
        ext = np.hstack([proba, np.zeros((len(rows), len(unseen)))])
        cmp("log_loss", met["log_loss"],
            skm.log_loss(yt, ext, labels=classes + unseen))
        auc = None
        if len(classes) == 2 and not unseen and len(set(y)) == 2:
            auc = skm.roc_auc_score(np.array([v == classes[1] for v in y]), proba[:, 1])
        cmp("roc_auc", met.get("roc_auc"), auc)
        if out_text is not None:
            report = skm.classification_report(yt, ypa, labels=labels, digits=2)
            if not out_text.startswith(report):
                bad.append("printed report differs from sklearn's:\n%s\nvs\n%s"
                           % (out_text, report))
    for b in bad:
        print(b)
    if not bad:
        print("ok: %s agrees with scikit-learn on %d rows" % (mpath, len(rows)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
