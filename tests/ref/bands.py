#!/usr/bin/python3
"""Noise bands (shared/baseline.h) computed with numpy, for test_baseline.c.

Each case: values, and low/high (min/max), mean and sd (sample standard
deviation, ddof=1). Written to tests/ref/bands.json.
"""
import json
import os

import numpy as np

rng = np.random.default_rng(20240601)
cases = [
    [0.81, 0.83, 0.82],
    [2.0, 2.0],
    [1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3, 1e9 + 0.4],
    list(rng.normal(0.85, 0.004, 25)),
    [-3.5, 0.0, 7.25, 1.0, 1.0],
]
out = []
for v in cases:
    a = np.array(v, dtype=float)
    out.append({"values": [float(x) for x in a], "low": float(a.min()),
                "high": float(a.max()), "mean": float(a.mean()),
                "sd": float(a.std(ddof=1))})
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bands.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
