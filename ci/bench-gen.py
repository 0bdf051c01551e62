#!/usr/bin/python3
"""Write a synthetic, deterministic benchmark CSV (the files make bench
times mlci and the Python peers on).

usage: gen.py KIND ROWS COLS OUT.csv [--seed N] [--missing FRAC] [--categorical K]
  KIND: classification | regression
The label column is `y` (last). With --categorical K, K extra string columns
(`cat0`..) with 2-50 levels are added. With --missing FRAC, that fraction of
feature cells is left empty. Needs Debian's python3-numpy (and python3-sklearn
for classification)."""
import argparse, sys
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("kind", choices=["classification", "regression"])
p.add_argument("rows", type=int); p.add_argument("cols", type=int); p.add_argument("out")
p.add_argument("--seed", type=int, default=7)
p.add_argument("--missing", type=float, default=0.0)
p.add_argument("--categorical", type=int, default=0)
a = p.parse_args()
rng = np.random.default_rng(a.seed)
if a.kind == "classification":
    from sklearn.datasets import make_classification
    X, y = make_classification(n_samples=a.rows, n_features=a.cols,
                               n_informative=max(2, a.cols // 3), random_state=a.seed)
else:
    X = rng.standard_normal((a.rows, a.cols))
    w = rng.standard_normal(a.cols)
    y = X @ w + 0.1 * rng.standard_normal(a.rows)
names = [f"x{i}" for i in range(a.cols)]
cats = []
for k in range(a.categorical):
    levels = int(rng.integers(2, 51))
    cats.append(np.array([f"L{v}" for v in range(levels)])[rng.integers(0, levels, a.rows)])
    names.append(f"cat{k}")
with open(a.out, "w") as f:
    f.write(",".join(names + ["y"]) + "\n")
    chunk = 100000
    for s in range(0, a.rows, chunk):
        e = min(a.rows, s + chunk)
        block = [[f"{v:.6g}" for v in row] for row in X[s:e]]
        if a.missing > 0:
            mask = rng.random((e - s, a.cols)) < a.missing
            for i, j in zip(*np.nonzero(mask)):
                block[i][j] = ""
        lines = []
        for i, row in enumerate(block):
            extra = [c[s + i] for c in cats]
            lab = str(int(y[s + i])) if a.kind == "classification" else f"{y[s + i]:.6g}"
            lines.append(",".join(row + extra + [lab]))
        f.write("\n".join(lines) + "\n")
