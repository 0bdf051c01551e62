#!/usr/bin/python3
"""Check the points plotted in mlci-evaluate's HTML report (the JSON block
<script id="mlci-curves"> of the page) against scikit-learn and numpy
recomputing them from the same run's predictions file.

Usage: sklearn_curves.py PAGE.html PREDICTIONS.csv

Classification (predictions with proba_<class> columns): per class
(binary: the second class only; multiclass: every class, one-vs-rest),
sklearn.metrics.roc_curve, sklearn.metrics.precision_recall_curve and
sklearn.calibration.calibration_curve(n_bins=10), every point to 1e-12.
Regression: the scatter's rows are every k-th prediction row (k the
smallest step giving at most 2000 points) with their actual and
predicted values; the residual histogram is numpy.histogram(actual -
predicted, bins=30).
Prints one line per mismatch; exits 1 if there is any.
"""
import html.parser
import json
import math
import sys

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve, roc_curve

TOL = 1e-12
MAX_POINTS = 2000


class Block(html.parser.HTMLParser):
    text = None
    inside = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.inside = tag == "script" and a.get("id") == "mlci-curves" and a.get("type") == "application/json"

    def handle_data(self, data):
        if self.inside:
            Block.text = (Block.text or "") + data

    def handle_endtag(self, tag):
        self.inside = False


def main():
    page, ppath = sys.argv[1:3]
    p = Block()
    p.feed(open(page, encoding="utf-8").read())
    if Block.text is None:
        print("no mlci-curves block in %s" % page)
        sys.exit(1)
    got = json.loads(Block.text)
    pred = pd.read_csv(ppath, dtype=str, keep_default_na=False)
    bad = []

    def same(what, a, b):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if a.shape != b.shape:
            bad.append("%s: %d points, the reference %d" % (what, a.size, b.size))
        elif not np.all(np.abs(a - b) <= TOL * np.maximum(1.0, np.abs(b))):
            i = int(np.argmax(np.abs(a - b)))
            bad.append("%s: point %d is %.17g, the reference %.17g" % (what, i, a[i], b[i]))

    classes = [h[len("proba_"):] for h in pred.columns[3:]]
    if classes:
        y = pred["label"].to_numpy()
        want = classes[1:] if len(classes) == 2 else classes
        roc = {c["class"]: c for c in got["roc"]}
        pr = {c["class"]: c for c in got["pr"]}
        cal = {c["class"]: c for c in got["calibration"]}
        for c in want:
            pos = (y == c).astype(int)
            s = pred["proba_" + c].astype(float).to_numpy()
            if pos.min() == pos.max():
                if c in roc:
                    bad.append("class %s: a ROC curve without both classes" % c)
                continue
            fpr, tpr, thr = roc_curve(pos, s)
            same("roc[%s].fpr" % c, roc[c]["fpr"], fpr)
            same("roc[%s].tpr" % c, roc[c]["tpr"], tpr)
            same("roc[%s].thresholds" % c, roc[c]["thresholds"], thr)
            prec, rec, thr = precision_recall_curve(pos, s)
            same("pr[%s].precision" % c, pr[c]["precision"], prec)
            same("pr[%s].recall" % c, pr[c]["recall"], rec)
            same("pr[%s].thresholds" % c, pr[c]["thresholds"], thr)
            pt, pp = calibration_curve(pos, s, n_bins=10)
            same("calibration[%s].prob_true" % c, cal[c]["prob_true"], pt)
            same("calibration[%s].prob_pred" % c, cal[c]["prob_pred"], pp)
        if sorted(roc) != sorted(c for c in want if (pred["label"] == c).any() and (pred["label"] != c).any()):
            bad.append("ROC curves for %r, expected %r" % (sorted(roc), want))
    else:
        y = pred["label"].astype(float).to_numpy()
        yp = pred["prediction"].astype(float).to_numpy()
        step = max(1, math.ceil(len(y) / MAX_POINTS))
        rows = np.arange(0, len(y), step)
        same("scatter.rows", got["scatter"]["rows"], rows)
        same("scatter.actual", got["scatter"]["actual"], y[rows])
        same("scatter.predicted", got["scatter"]["predicted"], yp[rows])
        counts, edges = np.histogram(y - yp, bins=30)
        same("residuals.edges", got["residuals"]["edges"], edges)
        same("residuals.counts", got["residuals"]["counts"], counts)
    for b in bad:
        print(b)
    if not bad:
        print("ok: the plotted points agree with scikit-learn and numpy")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
