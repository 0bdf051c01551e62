#!/usr/bin/python3
"""Reference values for mlci's metrics (shared/metrics.c), from scikit-learn.

Every prediction set below is fixed: literal arrays or arrays drawn from a
numpy Generator with a fixed seed, so the output is the same on every run
with the same numpy/scikit-learn. For each case the script records the
inputs (labels as indices into the sorted label names, probabilities,
regression values) and what scikit-learn computes from them:

  classification: accuracy, balanced_accuracy, per-class precision/recall/
  F1/support, micro/macro/weighted averages, confusion matrix, log_loss
  (labels = the case's label list), roc_auc (binary; None when sklearn
  refuses: a single class present), which UndefinedMetricWarnings sklearn
  raised, and the exact text of classification_report(digits=2) (and digits=4).
  regression: mse, rmse, mae, r2 (None when sklearn returns NaN).

Usage: tests/ref/sklearn_metrics.py [OUT]  (default: tests/ref/sklearn_metrics.json
next to this script). tests/unit/test_metrics.c reads the output and
compares mlci's functions with it to 1e-12 (the report byte for byte).
"""
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning


def clf_case(name, classes, y_true, y_pred, proba=None):
    """classes: the model's classes in sorted order (the probability
    columns); y_true/y_pred: lists of names. The metrics' label set is the
    labels present in y_true or y_pred, as sklearn's unique_labels."""
    classes = list(classes)
    assert classes == sorted(classes), name
    yt = np.array(y_true, dtype=object)
    yp = np.array(y_pred, dtype=object)
    labels = sorted(set(y_true) | set(y_pred))
    exp = {}
    warned = {"precision": False, "recall": False, "balanced_accuracy": False}
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        exp["accuracy"] = skm.accuracy_score(yt, yp)
        exp["balanced_accuracy"] = skm.balanced_accuracy_score(yt, yp)
        for avg in ("micro", "macro", "weighted"):
            p, r, f, _ = skm.precision_recall_fscore_support(yt, yp, average=avg)
            exp["precision_" + avg] = p
            exp["recall_" + avg] = r
            exp["f1_" + avg] = f
        p, r, f, s = skm.precision_recall_fscore_support(yt, yp, average=None,
                                                         labels=labels)
        report = skm.classification_report(yt, yp, digits=2)
        report4 = skm.classification_report(yt, yp, digits=4)
        for x in w:
            msg = str(x.message)
            if issubclass(x.category, UndefinedMetricWarning):
                if msg.startswith("Precision"):
                    warned["precision"] = True
                if msg.startswith("Recall"):
                    warned["recall"] = True
            elif "y_pred contains classes not in y_true" in msg:
                warned["balanced_accuracy"] = True
    exp["per_class"] = {"precision": list(p), "recall": list(r),
                        "f1": list(f), "support": [int(v) for v in s]}
    exp["confusion_matrix"] = skm.confusion_matrix(yt, yp, labels=labels).tolist()
    exp["report"] = report
    exp["report_digits4"] = report4
    exp["warned"] = warned
    case = {"name": name, "task": "classification", "labels": labels,
            "classes": classes,
            "y_true": [labels.index(v) for v in y_true],
            "y_pred": [labels.index(v) for v in y_pred],
            "y_true_class": [classes.index(v) for v in y_true]}
    if proba is not None:
        proba = np.asarray(proba, dtype=np.float64)
        case["proba"] = proba.tolist()
        exp["log_loss"] = skm.log_loss(yt, proba, labels=classes)
        exp["roc_auc"] = None
        if len(classes) == 2:
            try:
                exp["roc_auc"] = skm.roc_auc_score(yt, proba[:, 1])
            except ValueError:
                exp["roc_auc"] = None
        exp.update(score_metrics(classes, yt, yp, proba))
    case["expected"] = {k: (float(v) if isinstance(v, np.floating) else v)
                        for k, v in exp.items()}
    case["expected"]["per_class"] = {k: [float(x) if k != "support" else x for x in v]
                                     for k, v in exp["per_class"].items()}
    return case


def score_metrics(classes, yt, yp, proba):
    """The metrics over scores: one-vs-rest AUC, average precision,
    Brier score, expected calibration error (None where sklearn raises or
    returns NaN; *_warned where it warns)."""
    k = len(classes)
    out = {}
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        if k == 2:
            pos = np.array([v == classes[1] for v in yt])
            out["average_precision"] = float(skm.average_precision_score(pos, proba[:, 1]))
            out["average_precision_warned"] = any("No positive class" in str(x.message) for x in w)
            out["brier_score"] = float(skm.brier_score_loss(yt, proba[:, 1], pos_label=classes[1]))
        else:
            onehot = skm_label_binarize(yt, classes)
            out["average_precision_macro"] = float(skm.average_precision_score(
                onehot, proba, average="macro"))
            out["average_precision_warned"] = any("No positive class" in str(x.message) for x in w)
            # the multiclass Brier score: mean over rows of the summed
            # squared differences (numpy; sklearn 1.2 is binary only)
            out["brier_score"] = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
            try:
                out["roc_auc_ovr_macro"] = float(skm.roc_auc_score(
                    yt, proba, multi_class="ovr", average="macro", labels=classes))
                out["roc_auc_ovr_weighted"] = float(skm.roc_auc_score(
                    yt, proba, multi_class="ovr", average="weighted", labels=classes))
            except ValueError:
                out["roc_auc_ovr_macro"] = out["roc_auc_ovr_weighted"] = None
        out["mcc"] = float(skm.matthews_corrcoef(yt, yp))
        kappa = skm.cohen_kappa_score(yt, yp)
        out["cohen_kappa"] = None if np.isnan(kappa) else float(kappa)
    # expected calibration error, top label, 10 equal-width bins
    # [0, .1), ..., [.9, 1] (shared/metrics.h); numpy
    pred = np.array([classes.index(v) for v in yp])
    conf = proba[np.arange(len(pred)), pred]
    hit = (np.array([classes.index(v) if v in classes else -1 for v in yt]) == pred).astype(float)
    b = np.minimum(np.floor(conf * 10), 9).astype(int)
    ece = 0.0
    for i in range(10):
        sel = b == i
        nb = int(sel.sum())
        if nb:
            ece += (nb / len(pred)) * abs(hit[sel].sum() / nb - conf[sel].sum() / nb)
    out["ece"] = float(ece)
    return out


def skm_label_binarize(yt, classes):
    from sklearn.preprocessing import label_binarize
    return label_binarize(yt, classes=classes).astype(float)


def reg_case(name, y_true, y_pred):
    yt = np.asarray(y_true, dtype=np.float64)
    yp = np.asarray(y_pred, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r2 = skm.r2_score(yt, yp)
    exp = {"mse": skm.mean_squared_error(yt, yp),
           "rmse": skm.mean_squared_error(yt, yp, squared=False),
           "mae": skm.mean_absolute_error(yt, yp),
           "r2": None if np.isnan(r2) else float(r2),
           "mape": skm.mean_absolute_percentage_error(yt, yp),
           "median_absolute_error": skm.median_absolute_error(yt, yp),
           "explained_variance": skm.explained_variance_score(yt, yp),
           "max_error": skm.max_error(yt, yp)}
    return {"name": name, "task": "regression", "y_true": yt.tolist(),
            "y_pred": yp.tolist(),
            "expected": {k: (float(v) if v is not None else None) for k, v in exp.items()}}


def from_proba(labels, proba):
    return [labels[int(i)] for i in np.argmax(proba, axis=1)]


def main():
    rng = np.random.default_rng(20240601)
    cases = []

    # 1. binary with probabilities, correlated with the truth
    labels = ["benign", "malignant"]
    n = 200
    yt_i = rng.integers(0, 2, n)
    score = np.clip(0.5 + (yt_i - 0.5) * 0.4 + rng.normal(0, 0.25, n), 0.001, 0.999)
    proba = np.column_stack([1 - score, score])
    cases.append(clf_case("binary_proba", labels, [labels[i] for i in yt_i],
                          from_proba(labels, proba), proba))

    # 2. multiclass with probabilities (Dirichlet rows leaning to the truth)
    labels = ["setosa", "versicolor", "virginica"]
    n = 150
    yt_i = rng.integers(0, 3, n)
    alpha = np.ones((n, 3)) + 2.5 * np.eye(3)[yt_i]
    proba = np.array([rng.dirichlet(a) for a in alpha])
    cases.append(clf_case("multiclass_proba", labels, [labels[i] for i in yt_i],
                          from_proba(labels, proba), proba))

    # 3. a class that is never predicted: precision ill-defined (set to 0)
    labels = ["a", "b", "c"]
    n = 90
    yt_i = rng.integers(0, 3, n)
    raw = rng.dirichlet([2, 2, 2], n) + 0.6 * np.eye(3)[yt_i]
    raw[:, 2] *= 0.1
    proba = raw / raw.sum(axis=1, keepdims=True)
    yp = from_proba(labels, proba)
    assert "c" not in yp
    cases.append(clf_case("never_predicted", labels, [labels[i] for i in yt_i], yp, proba))

    # 4. a class predicted but absent from y_true: recall ill-defined,
    #    balanced accuracy averages over the classes present in y_true only
    labels = ["cat", "dog", "fish"]
    y_true = ["cat", "cat", "dog", "dog", "dog", "cat", "dog", "cat", "cat", "dog"]
    y_pred = ["cat", "fish", "dog", "cat", "dog", "cat", "fish", "cat", "dog", "dog"]
    proba = [[0.7, 0.2, 0.1], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1], [0.5, 0.4, 0.1],
             [0.3, 0.6, 0.1], [0.9, 0.05, 0.05], [0.1, 0.3, 0.6], [0.6, 0.3, 0.1],
             [0.2, 0.7, 0.1], [0.25, 0.5, 0.25]]
    cases.append(clf_case("predicted_not_true", labels, y_true, y_pred, proba))

    # 5. ties in the scores (AUC with average ranks) and probabilities of
    #    exactly 0 and 1 (log_loss clipping at float64 eps), some of them wrong
    labels = ["neg", "pos"]
    s = [0.0, 0.2, 0.2, 0.2, 0.5, 0.5, 0.5, 0.5, 0.8, 0.8, 1.0, 1.0, 0.2, 0.5, 0.8,
         0.0, 1.0, 0.5, 0.2, 0.8]
    t = ["neg", "neg", "pos", "neg", "pos", "neg", "pos", "neg", "pos", "pos",
         "pos", "neg", "neg", "pos", "neg", "pos", "pos", "neg", "pos", "pos"]
    proba = np.column_stack([1 - np.array(s), np.array(s)])
    cases.append(clf_case("ties", labels, t, from_proba(labels, proba), proba))

    # 6. only one class present in y_true: roc_auc undefined (sklearn raises)
    labels = ["no", "yes"]
    t = ["yes"] * 8
    s = np.array([0.9, 0.8, 0.4, 0.7, 0.95, 0.2, 0.6, 0.55])
    proba = np.column_stack([1 - s, s])
    cases.append(clf_case("single_class", labels, t, from_proba(labels, proba), proba))

    # 7. long and non-ASCII class names: the report's first column widens
    #    (width counts characters, not bytes)
    labels = ["a very long class name", "short", "\u00e9t\u00e9 \u00e0 Z\u00fcrich \u00e9t\u00e9 \u00e9t\u00e9 \u00e9t\u00e9"]
    labels.sort()
    n = 40
    yt_i = rng.integers(0, 3, n)
    proba = np.array([rng.dirichlet(np.ones(3) + 3 * np.eye(3)[i]) for i in yt_i])
    cases.append(clf_case("long_names", labels, [labels[i] for i in yt_i],
                          from_proba(labels, proba), proba))

    # 8. perfect predictions, one row
    cases.append(clf_case("one_row", ["x", "y"], ["y"], ["y"], [[0.25, 0.75]]))

    # 9. many classes, many rows (pairwise summation in numpy's means)
    labels = ["c%02d" % i for i in range(12)]
    n = 600
    yt_i = rng.integers(0, 12, n)
    proba = np.array([rng.dirichlet(np.ones(12) + 4 * np.eye(12)[i]) for i in yt_i])
    cases.append(clf_case("many_classes", labels, [labels[i] for i in yt_i],
                          from_proba(labels, proba), proba))

    # 10. one label everywhere (true and predicted): kappa undefined (NaN
    #     in sklearn), mcc 0, roc_auc undefined
    s = np.array([0.7, 0.9, 0.6, 0.8, 0.55, 0.99])
    proba = np.column_stack([1 - s, s])
    cases.append(clf_case("one_label_everywhere", ["a", "b"], ["b"] * 6, ["b"] * 6, proba))

    # 11. no positive sample: average precision 0 with a warning
    s = np.array([0.1, 0.3, 0.2, 0.6, 0.4, 0.05, 0.3])
    proba = np.column_stack([1 - s, s])
    cases.append(clf_case("no_positive", ["a", "b"], ["a"] * 7,
                          from_proba(["a", "b"], proba), proba))

    # regression
    y = rng.normal(50, 10, 300)
    cases.append(reg_case("regression", y, y + rng.normal(0, 3, 300)))
    cases.append(reg_case("regression_large", rng.normal(0, 1e3, 1000),
                          rng.normal(0, 1e3, 1000)))
    cases.append(reg_case("constant_true_wrong", [3.0] * 6, [3.0, 3.5, 2.0, 3.0, 3.0, 4.0]))
    cases.append(reg_case("constant_true_exact", [3.0] * 6, [3.0] * 6))
    cases.append(reg_case("constant_true_inexact_mean", [0.1] * 10,
                          [0.1, 0.2, 0.0, 0.1, 0.1, 0.1, 0.3, 0.1, 0.1, 0.1]))
    cases.append(reg_case("one_sample", [2.0], [2.5]))
    # a zero among the true values: MAPE divides by DBL_EPSILON, finite
    cases.append(reg_case("zero_true", [0.0, 1.0, -2.0, 4.0, 0.5, 3.0],
                          [0.1, 1.1, -1.0, 4.0, 0.25, 2.0]))
    # an even count for the median, exact predictions but one
    cases.append(reg_case("even_median", [1.0, 2.0, 3.0, 4.0], [1.0, 2.5, 3.0, 3.0]))

    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "sklearn_metrics.json")
    doc = {"generator": "tests/ref/sklearn_metrics.py",
           "sklearn_version": sklearn.__version__,
           "numpy_version": np.__version__,
           "log_loss_eps": float(np.finfo(np.float64).eps),
           "cases": cases}
    with open(out, "w", encoding="utf-8") as fp:
        json.dump(doc, fp, indent=1, ensure_ascii=False, sort_keys=True)
        fp.write("\n")


if __name__ == "__main__":
    main()
