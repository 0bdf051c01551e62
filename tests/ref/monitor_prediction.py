#!/usr/bin/python3
"""Check monitor.json's prediction drift against scipy, from the raw files.

usage: monitor_prediction.py MONITOR_JSON LIVE.csv REFERENCE_CSV COLUMN [SKIP SUFFIX]

The live CSV's 'prediction' column against COLUMN of REFERENCE_CSV (the
training data with a header, or a predictions file), SKIP leading lines
skipped and spaces trimmed; SUFFIX dropped from the reference values.
Recomputes the class counts, the chi-square test of homogeneity
(scipy.stats.chi2_contingency, correction=False), the Jensen-Shannon
distance (scipy.spatial.distance.jensenshannon, base 2), PSI over the
classes with +0.5 smoothing per class, and each class's shares, and exits
1 (printing the differences) unless monitor.json agrees to 1e-9.
"""
import csv, json, math, sys
import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency

mon, live, refp, col = sys.argv[1:5]
skip = int(sys.argv[5]) if len(sys.argv) > 5 else 0
suffix = sys.argv[6] if len(sys.argv) > 6 else ""
names = sys.argv[7].split(",") if len(sys.argv) > 7 else None


def counts(path, column, skip=0, suffix="", names=None):
    with open(path, newline="") as f:
        for _ in range(skip):
            f.readline()
        r = csv.reader(f)
        head = names or [h.strip() for h in next(r)]
        k = head.index(column)
        c = {}
        for row in r:
            if not row:
                continue
            v = row[k].strip()
            if suffix and v.endswith(suffix):
                v = v[: -len(suffix)]
            c[v] = c.get(v, 0) + 1
    return c


cur = counts(live, "prediction")
ref = counts(refp, col, skip, suffix, names)
classes = sorted(set(cur) | set(ref))
rc = np.array([ref.get(k, 0) for k in classes], float)
cc = np.array([cur.get(k, 0) for k in classes], float)
stat, p, dof, _ = chi2_contingency(np.array([rc, cc]), correction=False)
js = jensenshannon(rc / rc.sum(), cc / cc.sum(), base=2)
a = 0.5
pr = (rc + a) / (rc.sum() + a * len(classes))
pc = (cc + a) / (cc.sum() + a * len(classes))
psi = float(np.sum((pc - pr) * np.log(pc / pr)))

m = json.load(open(mon))["prediction"]
bad = []


def close(name, got, want):
    if not (abs(got - want) <= 1e-12 + 1e-9 * abs(want)):
        bad.append("%s: %r, scipy %r" % (name, got, want))


close("statistic", m["statistic"], stat)
close("p_value", m["p_value"], p)
close("dof", m["dof"], dof)
close("js", m["js"], js)
close("psi", m["psi"], psi)
close("n", m["n"], cc.sum())
close("n_reference", m["n_reference"], rc.sum())
got = {c["value"]: c for c in m["classes"]}
if sorted(got) != classes:
    bad.append("classes %r, expected %r" % (sorted(got), classes))
else:
    for i, k in enumerate(classes):
        close(k + " share", got[k]["share"], cc[i] / cc.sum())
        close(k + " reference_share", got[k]["reference_share"], rc[i] / rc.sum())
for b in bad:
    print(b)
print("stat %.6g p %.3g js %.6g psi %.6g" % (stat, p, js, psi), file=sys.stderr)
sys.exit(1 if bad else 0)
