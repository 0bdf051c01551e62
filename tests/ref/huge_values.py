#!/usr/bin/python3
"""Reference values for columns of huge (and tiny) finite numbers, whose
squares overflow (underflow) a double: mlci-validate-data's mean and std
and mlci-train's preprocessing and fits must not overflow on them.

pandas and scikit-learn themselves overflow here (pandas' std of
1e200, -1e200, 3e200 is inf; StandardScaler gives var inf and scale 1,
treating the column as constant), so the reference is computed on each
column divided by a power of two 2^e >= max |x| (np.ldexp: exact), where
nothing overflows, and the location/scale results are multiplied back by
2^e. Standardised features, and so the fitted coefficients, intercepts
and predictions, do not depend on that scaling.

  validate: pandas describe(): mean, std (ddof=1) per numeric column
  train:    SimpleImputer(mean) -> StandardScaler() per column, then
            Ridge(alpha=1.0) and LinearRegression(), as
            tests/ref/sklearn_models.py builds them

Usage: /usr/bin/python3 tests/ref/huge_values.py [OUT]
(default tests/ref/huge_values.json beside this script); the CSV texts
are in the output, so tests/steps/t-train-huge.sh writes the very files
the reference was computed on.
"""
import io
import json
import os
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = {
    # the tester's file: ridge stored scale 1.0 and coefficient 0
    "big": "a,y\n1e200,1\n-1e200,2\n3e200,3\n",
    # several columns: huge, near DBL_MAX (x - mean overflows too),
    # tiny (squares underflow), ordinary
    "mixed": ("a,b,t,n,y\n"
              "1e200,1.7e308,1e-300,1.5,1\n"
              "-1e200,-1.7e308,3e-300,2.5,2\n"
              "3e200,-1.7e308,2e-300,0.5,3\n"
              "2e200,1.7e308,5e-300,4.0,5\n"
              "-3e200,1.0e308,4e-300,3.0,4\n"
              "5e199,-1.2e308,6e-300,1.0,7\n"),
}


def exponent(col):
    big = float(np.max(np.abs(col)))
    return int(np.frexp(big)[1]) if big > 0 else 0


def case(text):
    df = pd.read_csv(io.StringIO(text))
    y = df["y"].to_numpy(float)
    feats = [c for c in df.columns if c != "y"]
    out = {"csv": text, "label": "y", "features": feats, "stats": {},
           "preprocessing": [], "models": {}}
    Z = np.empty((len(df), len(feats)))
    for j, c in enumerate(feats + ["y"]):
        x = df[c].to_numpy(float)
        e = exponent(x)
        s = pd.Series(np.ldexp(x, -e))
        out["stats"][c] = {"mean": float(np.ldexp(s.mean(), e)),
                           "std": float(np.ldexp(s.std(), e)),
                           "pandas_std_unscaled": float(df[c].std())}
        if c == "y":
            continue
        sc = StandardScaler().fit(np.ldexp(x, -e).reshape(-1, 1))
        out["preprocessing"].append({
            "name": c, "mean": float(np.ldexp(sc.mean_[0], e)),
            "scale": float(np.ldexp(sc.scale_[0], e))})
        Z[:, j] = sc.transform(np.ldexp(x, -e).reshape(-1, 1))[:, 0]
    for kind, est in (("ridge", Ridge(alpha=1.0)), ("linear", LinearRegression())):
        m = est.fit(Z, y)
        out["models"][kind] = {"coefficients": m.coef_.tolist(),
                               "intercept": float(m.intercept_),
                               "predict": m.predict(Z).tolist()}
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "huge_values.json")
    ref = {"generator": "tests/ref/huge_values.py",
           "versions": {"pandas": pd.__version__, "numpy": np.__version__,
                        "sklearn": sklearn.__version__},
           "cases": {k: case(v) for k, v in CASES.items()}}
    with open(path, "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
