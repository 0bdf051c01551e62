#!/usr/bin/python3
"""Compare the "drift" object of an mlci data report with the values
tests/ref/scipy_refdrift.py computed from the raw data.

usage: refdrift_compare.py REPORT.json tests/ref/refdrift.json PAIR

Where a column's sketches are exact (rank_error 0) every figure must agree
with scipy to 1e-9 relative: KS D and p, chi-square statistic, dof and p,
Wasserstein (raw and normalised), Jensen-Shannon, PSI, the q-value when the
pair's columns are all exact, the test chosen, the decision and what it was
judged by. Past the caps (rank_error eps > 0, the sum of both sides' stated
KLL rank errors): |D - D_exact| <= eps; |W1 - W1_exact| <= eps * range of
the values (W1 integrates an ECDF difference each off by its side's rank
error), the normalised one likewise over the reference sd; the p-value is
at least the exact one (it is computed from D - eps: conservative); PSI
over the bin edges the report states (the reference sketch's deciles) must
lie in the interval the raw data allow: each side's count in a bin is the
raw count over those edges within 2 eps n (a bin's mass is the difference
of two CDF values, each within eps n), and PSI's smoothed terms
(pc - pr) ln(pc / pr), jointly convex, take their extremes over that box
at its corners (max) or nearest the diagonal (min); the decision must
agree. Every report's q-values must be the
Benjamini-Hochberg adjustment of its own p-values, and the share its
drifted / compared. Prints the problems and exits 1 when there are any;
prints the largest sketch deviations seen."""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

rep = json.load(open(sys.argv[1]))
exp = json.load(open(sys.argv[2]))["pairs"][sys.argv[3]]
dr = rep["drift"]
cols = {c["name"]: c for c in dr["columns"]}
bad = []
dev = {}
REL = 1e-9


def close(a, b, rel=REL, tiny=1e-12):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=tiny)


def want(name, what, got, exp_v, rel=REL, tiny=1e-12):
    if not close(got, exp_v, rel, tiny):
        bad.append("%s: %s = %r, scipy %r" % (name, what, got, exp_v))


_raw = {}


def raw(pair_name):
    if pair_name not in _raw:
        import scipy_refdrift
        _raw[pair_name] = scipy_refdrift.load_pair(pair_name)
    return _raw[pair_name]


def psi_interval(name, edges, eps, alpha=0.5):
    """The PSI values the raw data allow over these edges, each bin count
    off by at most 2 eps n on either side (see above)."""
    ref, cur = raw(sys.argv[3])
    sides = []
    for df in (ref, cur):
        x = np.sort(df[name].dropna().to_numpy(dtype=float))
        idx = np.searchsorted(np.array(edges), x, side="left")
        cnt = np.bincount(idx, minlength=len(edges) + 1).astype(float)
        sides.append((cnt, float(len(x))))
    (cr, nr), (cc, nc) = sides
    k = len(cr)
    lo = hi = 0.0

    def prob(c, n):
        return (c + alpha) / (n + alpha * k)

    def g(a, b):
        return (a - b) * math.log(a / b)
    for b in range(k):
        er, ec = 2 * eps * nr, 2 * eps * nc
        pr = (prob(max(cr[b] - er, 0), nr), prob(min(cr[b] + er, nr), nr))
        pc = (prob(max(cc[b] - ec, 0), nc), prob(min(cc[b] + ec, nc), nc))
        hi += max(g(a, b2) for a in pc for b2 in pr)
        if pc[1] < pr[0]:
            lo += g(pc[1], pr[0])
        elif pr[1] < pc[0]:
            lo += g(pc[0], pr[1])
    return lo, hi


def bh(p):
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="mergesort")
    v = p[order] * m / np.arange(1, m + 1)
    q = np.minimum(np.minimum.accumulate(v[::-1])[::-1], 1.0)
    out = np.empty(m)
    out[order] = q
    return out


for name, e in exp["columns"].items():
    c = cols.get(name)
    if c is None or not c["compared"]:
        bad.append("%s: not compared (%s)" % (name, c and c.get("why")))
        continue
    for k in ("statistic", "p_value", "effect", "psi"):
        v = c.get(k)
        if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v)):
            bad.append("%s: %s is not finite: %r" % (name, k, v))
    if c["test"] != e["test"]:
        bad.append("%s: test %r, expected %r" % (name, c["test"], e["test"]))
    if "drifted" in e:
        if c["drifted"] != e["drifted"]:
            bad.append("%s: drifted %r, expected %r (%s)" % (name, c["drifted"],
                                                           e["drifted"], c["why"]))
        if c["judged_by"] != e["judged_by"]:
            bad.append("%s: judged by %r, expected %r" % (name, c["judged_by"],
                                                        e["judged_by"]))
    want(name, "n", c["n"], e["n"])
    want(name, "n_reference", c["n_reference"], e["n_reference"])
    if e["kind"] == "categorical":
        if c["type"] not in ("string", "boolean"):
            bad.append("%s: type %s, expected categorical" % (name, c["type"]))
        want(name, "chi-square statistic", c["statistic"], e["statistic"])
        want(name, "chi-square p", c["p_value"], e["p"], tiny=1e-300)
        if e["test"]:
            want(name, "dof", c["dof"], e["dof"])
        want(name, "JS", c["js"], e["js"])
        want(name, "L-infinity", c["linf"], e["linf"])
        want(name, "PSI", c["psi"], e["psi"])
        if c["new_categories"] != e["new_categories"]:
            bad.append("%s: new_categories %r, expected %r" % (
                name, c["new_categories"], e["new_categories"]))
    else:
        eps = c["rank_error"]
        if eps == 0:
            want(name, "KS D", c["statistic"], e["ks_d"])
            want(name, "KS p", c["p_value"], e["ks_p"], tiny=1e-300)
            want(name, "Wasserstein", c["wasserstein"], e["wasserstein"])
            want(name, "normalised Wasserstein", c["wasserstein_norm"],
                 e["wasserstein_norm"])
            want(name, "PSI", c["psi"], e["psi"])
            if c["psi_bins"] != e["psi_bins"]:
                bad.append("%s: psi_bins %r, expected %r" % (name, c["psi_bins"],
                                                           e["psi_bins"]))
        else:
            d = abs(c["statistic"] - e["ks_d"])
            w = abs(c["wasserstein"] - e["wasserstein"])
            wn = abs(c["wasserstein_norm"] - e["wasserstein_norm"])
            dev[name] = {"ks_d": d, "ks_bound": eps, "wasserstein_norm": wn,
                         "wasserstein_norm_bound": eps * e["range"] / e["ref_sd"],
                         "psi": abs(c["psi"] - e["psi"])}
            if d > eps * (1 + 1e-12):
                bad.append("%s: |D - D_exact| = %g > rank error %g" % (name, d, eps))
            if w > eps * e["range"] * (1 + 1e-12):
                bad.append("%s: |W1 - W1_exact| = %g > %g" % (name, w, eps * e["range"]))
            if wn > eps * e["range"] / e["ref_sd"] * (1 + 1e-9):
                bad.append("%s: normalised Wasserstein off by %g" % (name, wn))
            plo, phi = psi_interval(name, c["psi_edges"], eps)
            dev[name]["psi_interval"] = [plo, phi]
            if not plo * (1 - 1e-9) <= c["psi"] <= phi * (1 + 1e-9):
                bad.append("%s: PSI %g outside [%g, %g], what the raw data allow "
                           "over its edges" % (name, c["psi"], plo, phi))
            if e["ks_p"] is not None and c["p_value"] < e["ks_p"] * (1 - 1e-9):
                bad.append("%s: sketched p %g below the exact %g" % (
                    name, c["p_value"], e["ks_p"]))
    if e.get("q") is not None:
        want(name, "q", c["q_value"], e["q"], tiny=1e-300)

tested = [c for c in dr["columns"] if c["compared"] and c.get("p_value") is not None]
if tested:
    q = bh([c["p_value"] for c in tested])
    for c, qv in zip(tested, q):
        if not close(c["q_value"], float(qv), 1e-12, 1e-300):
            bad.append("%s: q %r is not BH of the report's p-values (%r)" % (
                c["name"], c["q_value"], float(qv)))
if len(tested) != dr["tested"]:
    bad.append("tested %r, %d columns have a p-value" % (dr["tested"], len(tested)))
compared = [c for c in dr["columns"] if c["compared"]]
drifted = [c for c in compared if c["drifted"]]
if dr["compared"] != len(compared) or dr["drifted"] != len(drifted) or \
        not close(dr["share"], len(drifted) / len(compared) if compared else 0.0):
    bad.append("share: %r/%r = %r inconsistent" % (dr["drifted"], dr["compared"],
                                                  dr["share"]))
if "share" in exp:
    want("dataset", "share", dr["share"], exp["share"])
    if dr["compared"] != exp["compared"]:
        bad.append("compared %r, expected %r" % (dr["compared"], exp["compared"]))
    if dr["dataset_drift"] != (exp["share"] > dr["settings"]["max_share"]):
        bad.append("dataset_drift %r with share %r" % (dr["dataset_drift"], exp["share"]))

# the label section
L, e = dr.get("label"), exp.get("label")
if e:
    if not L or not L.get("compared"):
        bad.append("label: not compared: %r" % L)
    elif e["kind"] == "classes":
        want("label", "chi-square statistic", L["statistic"], e["statistic"])
        want("label", "chi-square p", L["p_value"], e["p"], tiny=1e-300)
        want("label", "dof", L["dof"], e["dof"])
        want("label", "JS", L["js"], e["js"])
        want("label", "L-infinity", L["linf"], e["linf"])
        want("label", "PSI", L["psi"], e["psi"])
        got = {k["value"]: k for k in L["classes"]}
        if set(got) != set(e["classes"]):
            bad.append("label: classes %r, expected %r" % (sorted(got), sorted(e["classes"])))
        for v, ec in e["classes"].items():
            for k in ("reference_count", "count", "reference_share", "share", "change"):
                if v in got:
                    want("label %s" % v, k, got[v][k], ec[k])
        shifted = sorted(v for v, ec in e["classes"].items()
                         if abs(ec["change"]) > L["max_shift"] and ec["reference_count"] > 0
                         and ec["count"] > 0)
        anom = sorted(a["message"].split("'")[1] for a in rep["anomalies"]
                      if a["code"] == "label_shift")
        if shifted != anom:
            bad.append("label_shift anomalies for %r, expected %r" % (anom, shifted))
    else:
        want("label", "KS D", L["statistic"], e["ks_d"])
        want("label", "KS p", L["p_value"], e["ks_p"], tiny=1e-300)
        want("label", "Wasserstein", L["wasserstein"], e["wasserstein"])
        want("label", "normalised Wasserstein", L["wasserstein_norm"], e["wasserstein_norm"])
        want("label", "PSI", L["psi"], e["psi"])
        if L["drifted"] != e["drifted"]:
            bad.append("label: drifted %r, expected %r" % (L["drifted"], e["drifted"]))

# anomalies: one drift anomaly per drifted column
names = sorted(a["column"] for a in rep["anomalies"] if a["code"] == "drift")
if names != sorted(c["name"] for c in drifted):
    bad.append("drift anomalies for %r, drifted %r" % (names, [c["name"] for c in drifted]))

for b in bad:
    print(b)
if dev:
    print("sketch deviations: " + json.dumps(dev, sort_keys=True), file=sys.stderr)
sys.exit(1 if bad else 0)
