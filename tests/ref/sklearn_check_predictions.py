#!/usr/bin/python3
"""Recompute mlci-evaluate's metrics with scikit-learn from its own
predictions.csv, and compare them with its metrics.json (to 1e-12) and
its printed classification report (byte for byte).

Usage: sklearn_check_predictions.py METRICS.json PREDICTIONS.csv [STDOUT]

predictions.csv: key, label, prediction, proba_<class>... (classifiers;
the proba columns are the classes with scores, in order; a file without
them has no score metrics). An undefined metric is null in metrics.json;
here it is None where scikit-learn raises or returns NaN. The label set is
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


def score_checks(cmp, met, classes, unseen, y, yp, proba):
    yt = np.array(y, dtype=object)
    n = len(y)
    ext = np.hstack([proba, np.zeros((n, len(unseen)))])
    cmp("log_loss", met["log_loss"], skm.log_loss(yt, ext, labels=classes + unseen))
    k = len(classes)
    ok = not unseen and all(v in classes for v in yp)
    if k == 2:
        auc = ap = brier = None
        if ok:
            pos = np.array([v == classes[1] for v in y])
            if len(set(y)) == 2:
                auc = skm.roc_auc_score(pos, proba[:, 1])
            ap = skm.average_precision_score(pos, proba[:, 1])
            brier = skm.brier_score_loss(yt, proba[:, 1], pos_label=classes[1])
        cmp("roc_auc", met.get("roc_auc"), auc)
        cmp("average_precision", met.get("average_precision"), ap)
        cmp("brier_score", met.get("brier_score"), brier)
    else:
        macro = weighted = ap = brier = None
        if ok:
            from sklearn.preprocessing import label_binarize
            onehot = label_binarize(yt, classes=classes).astype(float)
            try:
                macro = skm.roc_auc_score(yt, proba, multi_class="ovr", average="macro", labels=classes)
                weighted = skm.roc_auc_score(yt, proba, multi_class="ovr", average="weighted", labels=classes)
            except ValueError:
                pass
            ap = skm.average_precision_score(onehot, proba, average="macro")
            brier = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
        cmp("roc_auc_ovr_macro", met.get("roc_auc_ovr_macro"), macro)
        cmp("roc_auc_ovr_weighted", met.get("roc_auc_ovr_weighted"), weighted)
        cmp("average_precision_macro", met.get("average_precision_macro"), ap)
        cmp("brier_score", met.get("brier_score"), brier)
    # expected calibration error: top label, 10 equal-width bins (numpy)
    if all(v in classes for v in yp):
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
        cmp("ece", met.get("ece"), ece)


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
        mape = skm.mean_absolute_percentage_error(y, p)
        cmp("mape", met["mape"] / mape if mape > 1 else met["mape"], 1.0 if mape > 1 else mape)
        cmp("median_absolute_error", met["median_absolute_error"], skm.median_absolute_error(y, p))
        cmp("explained_variance", met["explained_variance"], skm.explained_variance_score(y, p))
        cmp("max_error", met["max_error"], skm.max_error(y, p))
    else:
        classes = [h[len("proba_"):] for h in header[3:]]
        y = [r[1] for r in rows]
        yp = [r[2] for r in rows]
        proba = np.array([[float(v) for v in r[3:]] for r in rows])
        unseen = sorted((set(y) | set(yp)) - set(classes))
        present = set(y) | set(yp)
        labels = [c for c in classes if c in present] + unseen
        if not classes:
            # no scores (--scored without --score-columns): the classes are
            # sorted as mlci-train sorts them (numerically when all are
            # numbers); take that order from the confusion matrix
            labels = doc["confusion_matrix"]["labels"]
            if sorted(labels) != sorted(present):
                bad.append("labels %r, expected %r" % (labels, sorted(present)))
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
        cmp("mcc", met["mcc"], skm.matthews_corrcoef(yt, ypa))
        kappa = skm.cohen_kappa_score(yt, ypa)
        cmp("cohen_kappa", met["cohen_kappa"], None if np.isnan(kappa) else kappa)
        if classes:
            score_checks(cmp, met, classes, unseen, y, yp, proba)
        else:
            for k in ("log_loss", "roc_auc", "brier_score", "ece", "average_precision",
                      "roc_auc_ovr_macro", "average_precision_macro"):
                if k in met:
                    bad.append("%s present without scores" % k)
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
