#!/usr/bin/python3
"""Expected values for mlci-validate-data --reference, computed from the RAW
data files with scipy 1.10 / numpy / pandas.

    /usr/bin/python3 tests/ref/scipy_refdrift.py > tests/ref/refdrift.json

Writes the synthetic pairs first (seeded numpy, gzip without a time stamp):
  tests/ref/drift_small_{ref,cur}.csv.gz  600 / 500 rows: every column
      exact (at most 4096 distinct values), judged by p-value after
      Benjamini-Hochberg; the label's class shares move;
  tests/ref/drift_large_{ref,cur}.csv.gz  10000 / 8000 rows: the real
      columns have more than 4096 distinct values (KLL sketches past the
      cap), judged by effect size.
Then, for every pair (also adult.data vs adult.test, and the two halves of
flights_200k), per column present in both files (the label apart):
  numeric      scipy.stats.ks_2samp statistic, the asymptotic p-value
               kstwobign.sf(sqrt(en) D) (shared/drift.h), wasserstein_distance,
               its normalisation by the reference's population sd, PSI over
               the reference's deciles by the binning and +0.5 smoothing of
               drift.h (the functions of tests/ref/scipy_drift.py);
  categorical  scipy.stats.chi2_contingency(correction=False) on the union
               of categories (with drift.h's pooling of sparse categories:
               scipy_drift.categorical_case), jensenshannon(base=2), PSI,
               and TFDV's L-infinity distance (numpy);
  q-values     Benjamini-Hochberg over the columns with a p-value (only for
               pairs whose columns are all exact: a sketched column's
               p-value comes from D minus the rank error);
  drifted      drift.h's rule with the default thresholds;
and the label section: class shares, the chi-square test of the label
counts, or for a numeric target the numeric figures.
"""
import gzip
import io
import json
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd
import scipy
from scipy import stats
from scipy.spatial import distance

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import scipy_drift as sd  # noqa: E402

NA = ["", "NA", "N/A", "NaN", "null", "?"]
ADULT = ["age", "workclass", "fnlwgt", "education", "education_num",
         "marital_status", "occupation", "relationship", "race", "sex",
         "capital_gain", "capital_loss", "hours_per_week", "native_country",
         "income"]
ALPHA, PSI_T, W_T, JS_T = 0.05, 0.25, 0.1, 0.1
MIN_N, LARGE_N, BINS = 5, 1000, 10


def write_gz(path, df):
    text = df.to_csv(index=False, float_format="%.6g").encode()
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as g:
            g.write(text)


def synth():
    rng = np.random.default_rng(20261203)

    def cats(n, p, names):
        return rng.choice(names, n, p=p)
    for name, nr, nc in (("small", 600, 500), ("large", 10000, 8000)):
        ref = pd.DataFrame({
            "x_same": rng.normal(10, 2, nr),
            "x_shift": rng.normal(0, 1, nr),
            "x_scale": rng.normal(5, 1, nr),
            "k": rng.poisson(3.0, nr),
            "c_same": cats(nr, [0.4, 0.3, 0.2, 0.1], ["a", "b", "c", "d"]),
            "c_shift": cats(nr, [0.5, 0.3, 0.2], ["p", "q", "r"]),
            "y": cats(nr, [0.5, 0.3, 0.2], ["A", "B", "C"]),
        })
        cur = pd.DataFrame({
            "x_same": rng.normal(10, 2, nc),
            "x_shift": rng.normal(0.4, 1, nc),
            "x_scale": rng.normal(5, 1.6, nc),
            "k": rng.poisson(3.6, nc),
            "c_same": cats(nc, [0.4, 0.3, 0.2, 0.1], ["a", "b", "c", "d"]),
            "c_shift": cats(nc, [0.3, 0.35, 0.35], ["p", "q", "r"]),
            "y": cats(nc, [0.33, 0.37, 0.3], ["A", "B", "C"]),
        })
        for side, df in (("ref", ref), ("cur", cur)):
            write_gz(os.path.join(HERE, "drift_%s_%s.csv.gz" % (name, side)), df)


def read(path, **kw):
    strip = kw.pop("strip", None)
    df = pd.read_csv(path, keep_default_na=False, na_values=NA,
                     skip_blank_lines=True, float_precision="round_trip", **kw)
    if strip:
        col, suffix = strip
        df[col] = df[col].map(lambda v: v[:-len(suffix)] if isinstance(v, str)
                              and v.endswith(suffix) else v)
    return df


def is_numeric(s):
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def numeric(a, b):
    x1 = np.sort(a.dropna().to_numpy(dtype=float))
    x2 = np.sort(b.dropna().to_numpy(dtype=float))
    n1, n2 = len(x1), len(x2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = float(stats.ks_2samp(x1, x2).statistic)
    w = float(stats.wasserstein_distance(x1, x2))
    mean, sdv = sd.moments(x1, None)
    big = max(abs(x1[0]), abs(x1[-1]), abs(x2[0]), abs(x2[-1]))
    psi = sd.psi_numeric(x1, None, n1, x2, None, n2, BINS)
    r = {"kind": "numeric", "n_reference": n1, "n": n2, "ks_d": d,
         "ks_p": sd.kolmogorov_p(d, n1, n2) if min(n1, n2) >= MIN_N else None,
         "wasserstein": w, "wasserstein_norm": sd.normalise(w, sdv, float(big)),
         "psi": psi["psi"], "psi_bins": psi["used"],
         "range": float(max(x1[-1], x2[-1]) - min(x1[0], x2[0])),
         "ref_sd": sdv}
    r["test"] = "ks" if r["ks_p"] is not None else None
    r["p"] = r["ks_p"]
    r["effect"] = r["wasserstein_norm"]
    return r


def categorical(a, b):
    va = a.dropna().astype(str).value_counts()
    vb = b.dropna().astype(str).value_counts()
    names = sorted(set(va.index) | set(vb.index))
    ref = [float(va.get(v, 0)) for v in names]
    cur = [float(vb.get(v, 0)) for v in names]
    case = sd.categorical_case("c", ref, cur)
    pick = case["pick"]
    return {"kind": "categorical", "n_reference": sum(ref), "n": sum(cur),
            "values": names, "ref_counts": ref, "cur_counts": cur,
            "test": pick["test"], "statistic": pick["stat"] if pick["test"] else None,
            "p": pick["p"] if pick["test"] else None,
            "dof": pick["dof"], "pooled": pick["pooled"],
            "js": case["js"], "effect": case["js"], "psi": case["psi"],
            "new_categories": sum(1 for v in names if va.get(v, 0) == 0),
            "linf": linf(ref, cur)}


def linf(ref, cur):
    """TFDV's L-infinity distance: the largest change of a category's share."""
    pr = np.array(ref) / sum(ref)
    pc = np.array(cur) / sum(cur)
    return float(np.max(np.abs(pr - pc)))


def looks_categorical(s):
    v = s.dropna()
    k = v.nunique()
    return k <= 50 and 2 * k <= len(v)


def judge(r, q):
    """drift.h / refdrift.h's rule with the default thresholds."""
    if min(r["n_reference"], r["n"]) < MIN_N:
        return False, "none"
    large = r["n_reference"] > LARGE_N and r["n"] > LARGE_N
    if r["test"] is None and not large:
        return False, "none"
    if r["test"] is None or large:
        t = W_T if r["kind"] == "numeric" else JS_T
        return bool(r["effect"] >= t or r["psi"] >= PSI_T), "effect"
    return bool(q <= ALPHA), "p_value"


def label_section(a, b, numeric_target):
    if numeric_target:
        r = numeric(a, b)
        r["drifted"], r["judged_by"] = judge(r, r["p"] if r["p"] is not None else 1)
        return r
    va = a.dropna().astype(str).value_counts()
    vb = b.dropna().astype(str).value_counts()
    names = sorted(set(va.index) | set(vb.index))
    ref = [float(va.get(v, 0)) for v in names]
    cur = [float(vb.get(v, 0)) for v in names]
    case = sd.categorical_case("label", ref, cur)
    nr, nc = sum(ref), sum(cur)
    return {"kind": "classes", "test": case["pick"]["test"],
            "statistic": case["pick"]["stat"], "p": case["pick"]["p"],
            "dof": case["pick"]["dof"], "js": case["js"], "psi": case["psi"],
            "linf": linf(ref, cur),
            "scipy_chi2_unpooled": {"stat": case["chi2_stat"], "p": case["chi2_p"]},
            "classes": {v: {"reference_count": r, "count": c,
                            "reference_share": r / nr, "share": c / nc,
                            "change": c / nc - r / nr}
                        for v, r, c in zip(names, ref, cur)}}


def pair(ref, cur, label, exact):
    cols = {}
    for c in cur.columns:
        if c == label or c not in ref.columns:
            continue
        if is_numeric(ref[c]) and is_numeric(cur[c]):
            cols[c] = numeric(ref[c], cur[c])
        elif not is_numeric(ref[c]) and looks_categorical(ref[c]):
            cols[c] = categorical(ref[c], cur[c])
    names = [c for c in cols if cols[c]["p"] is not None]
    q = sd.bh([cols[c]["p"] for c in names]) if names else []
    qs = dict(zip(names, q))
    for c, r in cols.items():
        r["q"] = qs.get(c) if exact else None
        large = r["n_reference"] > LARGE_N and r["n"] > LARGE_N
        if exact or large or r["test"] is None:
            r["drifted"], r["judged_by"] = judge(r, qs.get(c, 1.0))
    out = {"columns": cols, "exact": exact}
    if exact:
        drifted = sum(1 for r in cols.values() if r["drifted"])
        out["drifted"] = drifted
        out["compared"] = len(cols)
        out["share"] = drifted / len(cols) if cols else 0.0
    if label:
        out["label"] = label_section(ref[label], cur[label],
                                     is_numeric(ref[label]) and
                                     not looks_categorical(ref[label]))
    return out


def load_pair(name):
    """The raw (reference, current) data frames of a pair, as mlci reads
    them (the synthetic files must exist: synth() writes them)."""
    data = os.path.join(TOP, "tests", "data")
    if name in ("small", "large"):
        return tuple(read(os.path.join(HERE, "drift_%s_%s.csv.gz" % (name, side)))
                     for side in ("ref", "cur"))
    if name == "adult":
        a = read(os.path.join(data, "adult.data.csv"), header=None, names=ADULT,
                 skipinitialspace=True)
        b = read(os.path.join(data, "adult.test.csv"), header=None, names=ADULT,
                 skipinitialspace=True, skiprows=1, strip=("income", "."))
        return a, b
    f = read(os.path.join(data, "flights_200k.csv"))
    return f.iloc[:100000], f.iloc[100000:]


PAIRS = {"small": ("y", True), "large": ("y", False), "adult": ("income", False),
         "flights": ("delay", True)}


def main():
    synth()
    out = {"scipy": scipy.__version__,
           "numpy": np.__version__, "pandas": pd.__version__,
           "thresholds": {"alpha": ALPHA, "psi": PSI_T, "wasserstein": W_T,
                          "js": JS_T, "min_n": MIN_N, "large_n": LARGE_N,
                          "bins": BINS},
           "pairs": {}}
    P = out["pairs"]
    for name, (label, exact) in PAIRS.items():
        ref, cur = load_pair(name)
        P[name] = pair(ref, cur, label, exact)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
