#!/usr/bin/python3
"""Compare a merged data report with the whole file's, and both with the
data itself (read by pandas with the same settings).

usage: shards_compare.py WHOLE.json MERGED.json DATA.csv [pandas read_csv
       keyword arguments as JSON, and "strip": {column: suffix}]

Exact figures (rows, duplicates, anomalies, summary, verdict, every
column's count, missing, type, distinct, mean, std, min, max, top values
while exact, and the whole sketch of a column that has no sketch_error)
must be equal; mean and std to 1e-12 relative (merging moments rounds
differently). Figures a column's sketch_error marks as estimated are
checked against the data: quantiles within the stated normalized rank
error, histogram counts within twice it (times n), top counts within the
stated over-count. Exact quantiles and histograms must equal numpy's
(linear quantiles; numpy.histogram's bins). Prints the problems; exits 1
when there are any."""
import json
import math
import sys

import numpy as np
import pandas as pd

whole = json.load(open(sys.argv[1]))
merged = json.load(open(sys.argv[2]))
kw = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
strip = kw.pop("strip", {})	# {column: suffix}: as --label-suffix
df = pd.read_csv(sys.argv[3], keep_default_na=False,
                 na_values=["", "NA", "N/A", "NaN", "null", "?"],
                 skip_blank_lines=True, **kw)
for name, suffix in strip.items():
    df[name] = df[name].map(lambda v: v[:-len(suffix)] if isinstance(v, str)
                            and v.endswith(suffix) else v)
bounds = whole["sketch_bounds"]
eps = bounds["quantile_rank_error"]
bad = []

ENVELOPE = {"created", "producer", "git", "inputs", "merged"}
SKETCHY = {"quantiles", "histogram", "sketch", "sketch_error", "top"}
LEVELS = {"p01": 0.01, "p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75,
          "p95": 0.95, "p99": 0.99}


def close(a, b, rel=1e-12):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


for k in sorted(set(whole) | set(merged)):
    if k in ENVELOPE or k == "columns":
        continue
    if whole.get(k) != merged.get(k):
        bad.append("%s: %r != %r" % (k, whole.get(k), merged.get(k)))

if merged.get("merged", {}).get("data_sha256", "").startswith("the file's"):
    wi = [i for i in whole["inputs"] if i["role"] == "data"][0]
    mi = [i for i in merged["inputs"] if i["role"] == "data"][0]
    if wi["sha256"] != mi["sha256"]:
        bad.append("data sha256 %s != %s" % (wi["sha256"], mi["sha256"]))


def check_estimates(rep, c, name):
    """Sketch-derived figures of column c (of report rep) against data."""
    col = df[c["name"]].dropna()
    se = c.get("sketch_error", {})
    if "quantiles" in c:
        x = np.sort(col.to_numpy(dtype=float))
        n = len(x)
        for key, q in LEVELS.items():
            v = c["quantiles"][key]
            if "quantiles" not in se:
                want = float(np.quantile(x, q))
                if not close(v, want, 1e-12):
                    bad.append("%s %s.%s %r, numpy %r" % (name, c["name"], key, v, want))
                continue
            lo = np.searchsorted(x, v, "left")
            hi = np.searchsorted(x, v, "right")
            t = q * n
            err = 0 if lo <= t <= hi else min(abs(lo - t), abs(hi - t))
            if err > eps * n:
                bad.append("%s %s.%s: rank error %.4f > %.4f" % (name, c["name"], key, err / n, eps))
        h = c["histogram"]
        want, _ = np.histogram(x, bins=np.array(h["edges"]))
        for i, (got, w) in enumerate(zip(h["counts"], want)):
            tol = 0 if "quantiles" not in se else 2 * eps * n
            if abs(got - int(w)) > tol:
                bad.append("%s %s histogram bin %d: %d, numpy %d" % (name, c["name"], i, got, w))
        if sum(h["counts"]) != n:
            bad.append("%s %s histogram: %d values of %d" % (name, c["name"], sum(h["counts"]), n))
    if "top" in c:
        vc = col.astype(str).value_counts()
        over = se.get("frequencies", 0)
        for t in c["top"]:
            true = int(vc.get(t["value"], 0))
            if not (true <= t["count"] <= true + (over if isinstance(over, int) else 0)):
                bad.append("%s %s top %r: %d, true %d" % (name, c["name"], t["value"], t["count"], true))


if len(whole["columns"]) != len(merged["columns"]):
    bad.append("column counts differ")
for a, b in zip(whole["columns"], merged["columns"]):
    for k in sorted(set(a) | set(b)):
        if k in ("mean", "std"):
            if not close(a.get(k), b.get(k)):
                bad.append("%s.%s %r != %r" % (a["name"], k, a.get(k), b.get(k)))
        elif k in SKETCHY:
            continue
        elif a.get(k) != b.get(k):
            bad.append("%s.%s %r != %r" % (a["name"], k, a.get(k), b.get(k)))
    if set(a.get("sketch_error", {})) != set(b.get("sketch_error", {})):
        bad.append("%s: sketch_error %r != %r" % (a["name"], a.get("sketch_error"), b.get("sketch_error")))
    if "sketch_error" not in a:	# all exact: everything equal
        for k in SKETCHY:
            if a.get(k) != b.get(k):
                bad.append("%s.%s differs though exact" % (a["name"], k))
    elif "frequencies" not in a["sketch_error"] and a.get("top") != b.get("top"):
        bad.append("%s.top differs though exact" % a["name"])
    check_estimates(whole, a, "whole")
    check_estimates(merged, b, "merged")

print("; ".join(bad[:10]))
sys.exit(1 if bad else 0)
