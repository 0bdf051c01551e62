#!/usr/bin/python3
"""Reference values for mlci's paired tests (shared/paired.c), computed
independently of mlci's formulas:

  McNemar, margin 0: scipy.stats.binomtest on the discordant rows.
  McNemar, margin != 0 (Tango's score test): the restricted maximum-
    likelihood estimate found numerically (scipy.optimize.minimize_scalar
    on the multinomial log-likelihood, polished by brentq on its
    derivative; not the closed form mlci uses), and
    the interval by root finding (scipy.optimize.brentq).
  DeLong: the placement values from their definition (every positive
    against every negative, ties 1/2: O(m n)), then DeLong's variance of
    the difference of two correlated AUCs; the AUCs are also checked
    against sklearn.metrics.roc_auc_score.
  Paired bootstrap: mlci's resamples replayed (splitmix64, index =
    (r * n) >> 64, shared/scored.h), the metric from scikit-learn on both
    models, numpy's default quantiles.
  Holm: from its definition on a fixed list of p-values.

Writes tests/ref/paired.json (or OUT). Usage: paired_tests.py [OUT]

  paired_tests.py --check GATE.json CAND.csv BASE.csv
recomputes every paired rule of an mlci gate.json from the two
predictions files (binary classifiers: key,label,prediction,proba_A,proba_B;
regressors: key,label,prediction, rules over rmse, mae, r2 or
median_absolute_error)
with the functions below and prints one line per mismatch (exit 1 if any).
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy import optimize, stats
from sklearn import metrics as skm

M64 = (1 << 64) - 1
Z80 = stats.norm.ppf(0.8)


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & M64

    def index(self, n):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return ((z ^ (z >> 31)) * n) >> 64


def tango_z(b, c, n, delta):
    """Score statistic with the restricted MLE found numerically."""
    s = n - b - c
    lo, hi = max(0.0, -delta), (1 - delta) / 2

    def nll(q):
        t = 0.0
        for cnt, p in ((b, q + delta), (c, q), (s, 1 - 2 * q - delta)):
            if cnt:
                t -= cnt * np.log(max(p, 1e-300))
        return t
    q = optimize.minimize_scalar(nll, bounds=(lo, hi), method="bounded",
                                 options={"xatol": 1e-14}).x

    # polish: the root of the score equation (the log-likelihood's
    # derivative) near the minimiser, to machine precision
    def dll(x):
        return b / (x + delta) + c / x - 2 * s / (1 - 2 * x - delta)
    a_, b_ = max(lo, q * (1 - 1e-4)) + 1e-15, min(hi, q * (1 + 1e-4) + 1e-12) - 1e-15
    if b and c and s and dll(a_) * dll(b_) < 0:
        q = optimize.brentq(dll, a_, b_, xtol=1e-16, rtol=8.9e-16)
    v = (2 * q + delta - delta * delta) / n
    d = (b - c) / n
    return (d - delta) / np.sqrt(v)


def mcnemar(cand_ok, base_ok, delta0, higher, alpha):
    b = int(np.sum(cand_ok & ~base_ok))
    c = int(np.sum(~cand_ok & base_ok))
    n = len(cand_ok)
    d = (b - c) / n
    if delta0 == 0:
        m = b + c
        up = stats.binomtest(b, m, 0.5, alternative="greater").pvalue if m else 1.0
        down = stats.binomtest(b, m, 0.5, alternative="less").pvalue if m else 1.0
        method = "mcnemar-exact"
    else:
        z = tango_z(b, c, n, delta0)
        up, down = stats.norm.sf(z), stats.norm.cdf(z)
        method = "mcnemar-score"
    zc = stats.norm.ppf(1 - alpha)
    low = optimize.brentq(lambda x: tango_z(b, c, n, x) - zc, -1 + 1e-9, d - 1e-12, xtol=1e-13)
    high = optimize.brentq(lambda x: tango_z(b, c, n, x) + zc, d + 1e-12, 1 - 1e-9, xtol=1e-13)
    se = np.sqrt(((b + c) / n - d * d) / n)
    return {"method": method, "diff": d, "low": low, "high": high,
            "p_value": up if higher else down, "p_inferior": down if higher else up,
            "se": se, "mde": (zc + Z80) * se, "only_candidate": b, "only_baseline": c}


def placements(pos, s):
    x, y = s[pos], s[~pos]
    psi = (x[:, None] > y[None, :]).astype(float) + 0.5 * (x[:, None] == y[None, :])
    return psi.mean(axis=1), psi.mean(axis=0)


def delong(pos, sc, sb, delta0, higher, alpha):
    c10, c01 = placements(pos, sc)
    b10, b01 = placements(pos, sb)
    auc_c, auc_b = c10.mean(), b10.mean()
    assert abs(auc_c - skm.roc_auc_score(pos, sc)) < 1e-12
    assert abs(auc_b - skm.roc_auc_score(pos, sb)) < 1e-12
    s10 = np.cov(np.vstack([c10, b10]))
    s01 = np.cov(np.vstack([c01, b01]))
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / len(c10) + \
          (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / len(c01)
    se = np.sqrt(var)
    d = auc_c - auc_b
    z = (d - delta0) / se
    zc = stats.norm.ppf(1 - alpha)
    up, down = stats.norm.sf(z), stats.norm.cdf(z)
    return {"method": "delong", "diff": d, "low": d - zc * se, "high": d + zc * se,
            "p_value": up if higher else down, "p_inferior": down if higher else up,
            "se": se, "mde": (zc + Z80) * se, "auc_candidate": auc_c, "auc_baseline": auc_b}


def boot(y, pc, pb, metric, B, seed, delta0, higher, alpha):
    """pc, pb: the positive class's scores; predictions at 0.5."""
    n = len(y)

    def value(idx, p):
        yy = y[idx]
        pp = p[idx]
        if metric == "f1_macro":
            return skm.f1_score(yy, (pp >= 0.5).astype(int), average="macro",
                                labels=sorted(set(yy) | set((pp >= 0.5).astype(int))))
        if metric == "log_loss":
            return skm.log_loss(yy, np.column_stack([1 - pp, pp]), labels=[0, 1])
        raise ValueError(metric)
    full = np.arange(n)
    d = value(full, pc) - value(full, pb)
    rng = SplitMix64(seed)
    ds = []
    for _ in range(B):
        idx = np.array([rng.index(n) for _ in range(n)])
        ds.append(value(idx, pc) - value(idx, pb))
    ds = np.sort(np.array(ds))
    le, ge = int(np.sum(ds <= delta0)), int(np.sum(ds >= delta0))
    se = float(np.std(ds, ddof=1))
    zc = stats.norm.ppf(1 - alpha)
    return {"method": "paired-bootstrap", "diff": d,
            "low": float(np.quantile(ds, alpha)), "high": float(np.quantile(ds, 1 - alpha)),
            "p_value": (1 + (le if higher else ge)) / (B + 1),
            "p_inferior": (1 + (ge if higher else le)) / (B + 1),
            "se": se, "mde": (zc + Z80) * se, "resamples": B}


def holm(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: (p[i], i))
    out = [0.0] * m
    for rank, i in enumerate(order):
        out[i] = min(1.0, max(min(1.0, (m - j) * p[order[j]]) for j in range(rank + 1)))
    return out


def main():
    rng = np.random.default_rng(4242)
    n = 240
    y = rng.integers(0, 2, n)
    signal = (y - 0.5)
    sc = 1 / (1 + np.exp(-(2.2 * signal + rng.normal(0, 0.9, n))))
    sb = 1 / (1 + np.exp(-(2.0 * signal + rng.normal(0, 0.9, n))))
    sc, sb = np.round(sc, 3), np.round(sb, 3)   # ties on purpose
    pos = y == 1
    cand_ok = (sc >= 0.5) == pos
    base_ok = (sb >= 0.5) == pos
    # a small sample: exact binomial with few discordant rows
    small = slice(0, 25)
    tests = []
    for delta0, higher, alpha in ((0.0, True, 0.05), (-0.02, True, 0.05), (-0.05, True, 0.1),
                                  (0.02, False, 0.05)):
        tests.append({"kind": "mcnemar", "delta0": delta0, "higher": higher, "alpha": alpha,
                      "rows": "all", "expected": mcnemar(cand_ok, base_ok, delta0, higher, alpha)})
    tests.append({"kind": "mcnemar", "delta0": 0.0, "higher": True, "alpha": 0.05, "rows": "small",
                  "expected": mcnemar(cand_ok[small], base_ok[small], 0.0, True, 0.05)})
    for delta0, higher, alpha in ((0.0, True, 0.05), (-0.02, True, 0.05), (0.01, False, 0.025)):
        tests.append({"kind": "delong", "delta0": delta0, "higher": higher, "alpha": alpha,
                      "rows": "all", "expected": delong(pos, sc, sb, delta0, higher, alpha)})
    for metric, delta0, higher in (("f1_macro", -0.02, True), ("log_loss", 0.02, False)):
        tests.append({"kind": "bootstrap", "metric": metric, "delta0": delta0, "higher": higher,
                      "alpha": 0.05, "rows": "all", "B": 300, "seed": 11,
                      "expected": boot(y, sc, sb, metric, 300, 11, delta0, higher, 0.05)})
    pvals = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04]
    doc = {"generator": "tests/ref/paired_tests.py", "scipy_version": scipy.__version__,
           "numpy_version": np.__version__,
           "y": y.tolist(), "score_candidate": sc.tolist(), "score_baseline": sb.tolist(),
           "small_rows": 25, "tests": tests,
           "holm": {"p": pvals, "adjusted": holm(pvals)}}
    for t in tests:
        t["expected"] = {k: (float(v) if isinstance(v, (float, np.floating)) else v)
                         for k, v in t["expected"].items()}
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "paired.json")
    with open(out, "w") as fp:
        json.dump(doc, fp, indent=1, sort_keys=True)
        fp.write("\n")


def read_pred(path):
    import csv
    with open(path, newline="", encoding="utf-8") as fp:
        rows = list(csv.reader(fp))
    header, rows = rows[0], rows[1:]
    classes = [h[len("proba_"):] for h in header[3:]]
    return {r[0]: (r[1], r[2], [float(v) for v in r[3:]]) for r in rows}, classes, [r[0] for r in rows]


def check_regression(gate, cand, base, order):
    y = np.array([float(cand[k][0]) for k in order])
    pc = np.array([float(cand[k][1]) for k in order])
    pb = np.array([float(base[k][1]) for k in order])
    settings = gate["paired"]
    alpha, B, seed = settings["alpha"], settings["bootstrap"], settings["seed"]
    fns = {"rmse": lambda a, b: skm.mean_squared_error(a, b, squared=False),
           "mae": skm.mean_absolute_error, "r2": skm.r2_score,
           "median_absolute_error": skm.median_absolute_error}
    bad, pvals, idx = [], [], []
    n = len(y)
    for i, r in enumerate(gate["rules"]):
        if "paired" not in r:
            continue
        f = fns[r["metric"]]
        higher = r["op"] in (">=", ">")
        d0 = r["threshold"] - r["baseline"]
        d = f(y, pc) - f(y, pb)
        rng = SplitMix64(seed)
        ds = []
        for _ in range(B):
            ix = np.array([rng.index(n) for _ in range(n)])
            ds.append(f(y[ix], pc[ix]) - f(y[ix], pb[ix]))
        ds = np.sort(np.array(ds))
        le, ge = int(np.sum(ds <= d0)), int(np.sum(ds >= d0))
        e = {"difference": d, "p_value": (1 + (le if higher else ge)) / (B + 1),
             "p_inferior": (1 + (ge if higher else le)) / (B + 1),
             "mde": (stats.norm.ppf(1 - alpha) + Z80) * float(np.std(ds, ddof=1))}
        pt = r["paired"]
        for k, tol in (("difference", 1e-9), ("p_value", 1e-12), ("p_inferior", 1e-12), ("mde", 1e-9)):
            if abs(e[k] - pt[k]) > tol:
                bad.append("%s %s: mlci %r, reference %r" % (r["rule"], k, pt[k], e[k]))
        for k, q in (("low", alpha), ("high", 1 - alpha)):
            if abs(float(np.quantile(ds, q)) - pt["interval"][k]) > 1e-9:
                bad.append("%s %s: mlci %r, reference %r" % (r["rule"], k, pt["interval"][k],
                                                             float(np.quantile(ds, q))))
        pvals.append(e["p_value"])
        idx.append(i)
    for a, i in zip(holm(pvals), idx):
        r = gate["rules"][i]
        if abs(a - r["paired"]["p_adjusted"]) > 1e-12:
            bad.append("%s p_adjusted %r vs %r" % (r["rule"], r["paired"]["p_adjusted"], a))
    return bad


def check(gate_path, cand_path, base_path):
    gate = json.load(open(gate_path))
    cand, classes, order = read_pred(cand_path)
    base, bclasses, _ = read_pred(base_path)
    if not classes:
        bad = check_regression(gate, cand, base, order)
        for b in bad:
            print(b)
        sys.exit(1 if bad else 0)
    assert classes == bclasses and len(classes) == 2
    y = np.array([int(cand[k][0] == classes[1]) for k in order])
    sc = np.array([cand[k][2][1] for k in order])
    sb = np.array([base[k][2][1] for k in order])
    pc = np.array([int(cand[k][1] == classes[1]) for k in order])
    pb = np.array([int(base[k][1] == classes[1]) for k in order])
    settings = gate["paired"]
    alpha, B, seed = settings["alpha"], settings["bootstrap"], settings["seed"]
    bad = []
    pvals, idx = [], []
    for i, r in enumerate(gate["rules"]):
        if "paired" not in r:
            continue
        pt = r["paired"]
        higher = r["op"] in (">=", ">")
        d0 = r["threshold"] - r["baseline"]
        if r["metric"] == "accuracy":
            e = mcnemar(pc == y, pb == y, d0, higher, alpha)
        elif r["metric"] == "roc_auc":
            e = delong(y == 1, sc, sb, d0, higher, alpha)
        else:
            # the bootstrap reference thresholds at argmax; here the
            # prediction columns are used, as mlci does
            e = boot_pred(y, pc, pb, sc, sb, r["metric"], B, seed, d0, higher, alpha)
        for k_ref, k_gate, tol in (("diff", "difference", 1e-12), ("p_value", "p_value", 1e-9),
                                   ("p_inferior", "p_inferior", 1e-9), ("mde", "mde", 1e-8)):
            if abs(e[k_ref] - pt[k_gate]) > tol:
                bad.append("%s %s: mlci %r, reference %r" % (r["rule"], k_gate, pt[k_gate], e[k_ref]))
        for k in ("low", "high"):
            if abs(e[k] - pt["interval"][k]) > 1e-8:
                bad.append("%s %s: mlci %r, reference %r" % (r["rule"], k, pt["interval"][k], e[k]))
        if e["method"] != pt["method"]:
            bad.append("%s method %s vs %s" % (r["rule"], pt["method"], e["method"]))
        pvals.append(e["p_value"])
        idx.append(i)
    adj = holm(pvals)
    for a, i in zip(adj, idx):
        r = gate["rules"][i]
        if abs(a - r["paired"]["p_adjusted"]) > 1e-9:
            bad.append("%s p_adjusted %r vs %r" % (r["rule"], r["paired"]["p_adjusted"], a))
        want = "pass" if a <= alpha else "fail" if r["paired"]["p_inferior"] <= alpha else "inconclusive"
        if r["status"] != want:
            bad.append("%s status %s, expected %s" % (r["rule"], r["status"], want))
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


def boot_pred(y, pc, pb, sc, sb, metric, B, seed, delta0, higher, alpha):
    n = len(y)

    def value(idx, pred, s):
        yy, pp, ss = y[idx], pred[idx], s[idx]
        if metric == "f1_macro":
            return skm.f1_score(yy, pp, average="macro", labels=sorted(set(yy) | set(pp)))
        if metric == "log_loss":
            return skm.log_loss(yy, np.column_stack([1 - ss, ss]), labels=[0, 1])
        if metric == "brier_score":
            return skm.brier_score_loss(yy, ss)
        raise ValueError(metric)
    full = np.arange(n)
    d = value(full, pc, sc) - value(full, pb, sb)
    rng = SplitMix64(seed)
    ds = []
    for _ in range(B):
        idx = np.array([rng.index(n) for _ in range(n)])
        ds.append(value(idx, pc, sc) - value(idx, pb, sb))
    ds = np.sort(np.array(ds))
    le, ge = int(np.sum(ds <= delta0)), int(np.sum(ds >= delta0))
    se = float(np.std(ds, ddof=1))
    zc = stats.norm.ppf(1 - alpha)
    return {"method": "paired-bootstrap", "diff": d,
            "low": float(np.quantile(ds, alpha)), "high": float(np.quantile(ds, 1 - alpha)),
            "p_value": (1 + (le if higher else ge)) / (B + 1),
            "p_inferior": (1 + (ge if higher else le)) / (B + 1),
            "se": se, "mde": (zc + Z80) * se}


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
