#!/usr/bin/python3
"""The peer a user would otherwise run: pandas + scikit-learn, timed in-process
on the same file and with the same preprocessing as mlci (mean imputation and
standardisation of numeric columns, most-frequent imputation and one-hot of
string columns).

usage: bench-peer.py TASK TRAIN.csv LABEL [--test CSV] [--columns A,B,..]
                     [--skip-rows N] [--test-skip-rows N] [--label-suffix S]
                     [--n-estimators N] [--max-depth D] [--jobs J]
                     [--cv K] [--perm-repeats R] [--hidden H] [--batch B] [--epochs E]
  TASK: validate | logistic | ridge | linear | lasso | elasticnet | tree | forest | mlp
        | hgb | xgb
  (tree: DecisionTreeClassifier(max_depth, random_state=0) on the dense encoding;
   forest: RandomForestClassifier(n_estimators, max_depth, n_jobs=J,
  random_state=0) on the dense encoding; lasso, elasticnet: Lasso(alpha=1),
  ElasticNet(alpha=1, l1_ratio=0.5). --cv K: cross_validate over
  (Stratified)KFold(K) with the same metrics as mlci-train --cv before the
  fit; --perm-repeats R: permutation_importance on the training data after
  it; mlp: MLPClassifier with one hidden layer of H ReLU units, adam,
  batch_size B, E epochs with tol=0 and n_iter_no_change=E so it runs them
  all, random_state=0; its fit is timed alone, after the preprocessing, as
  epoch_s = fit seconds / E;
  hgb: HistGradientBoostingClassifier with max_iter N (--n-estimators),
  learning_rate 0.1, max_leaf_nodes 31, early stopping off, on J OpenMP
  threads, numeric columns standardised with missing values left NaN; xgb:
  xgboost's XGBClassifier, tree_method hist, the same number of trees,
  learning rate 0.1, 31 leaves grown loss-guided without a depth limit,
  255 bins)
Prints one JSON object: wall seconds for import, read, fit, predict, the
process total, and the quality figures (accuracy and log loss, or rmse and r2)."""
import json, sys, time
t0 = time.perf_counter()
import argparse
import numpy as np, pandas as pd

p = argparse.ArgumentParser()
p.add_argument("task"); p.add_argument("csv"); p.add_argument("label")
p.add_argument("--test"); p.add_argument("--columns")
p.add_argument("--skip-rows", type=int, default=0)
p.add_argument("--test-skip-rows", type=int, default=0)
p.add_argument("--label-suffix", default="")
p.add_argument("--n-estimators", type=int, default=100)
p.add_argument("--max-depth", type=int, default=None)
p.add_argument("--jobs", type=int, default=1)
p.add_argument("--cv", type=int, default=0)
p.add_argument("--perm-repeats", type=int, default=0)
p.add_argument("--hidden", type=int, default=64)
p.add_argument("--batch", type=int, default=200)
p.add_argument("--epochs", type=int, default=10)
a = p.parse_args()
NA = ["", "NA", "N/A", "NaN", "null", "?"]

def read(path, skip):
    kw = dict(na_values=NA, keep_default_na=False, skipinitialspace=True, skiprows=skip)
    if a.columns:
        kw.update(header=None, names=a.columns.split(","))
    return pd.read_csv(path, **kw)

out = {"task": a.task}
if a.task == "validate":
    t_imp = time.perf_counter() - t0
    t = time.perf_counter(); df = read(a.csv, a.skip_rows); t_read = time.perf_counter() - t
    t = time.perf_counter()
    df.describe(include="all"); df.isna().sum(); dups = int(df.duplicated().sum())
    out.update(import_s=t_imp, read_s=t_read, stats_s=time.perf_counter() - t,
               rows=len(df), duplicates=dups, total_s=time.perf_counter() - t0)
    print(json.dumps(out)); sys.exit(0)

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
if a.task in ("hgb", "xgb"):
    from threadpoolctl import threadpool_limits
    threadpool_limits(a.jobs, "openmp")
if a.task == "xgb":
    import xgboost
t_imp = time.perf_counter() - t0

t = time.perf_counter()
df = read(a.csv, a.skip_rows)
dt = read(a.test, a.test_skip_rows) if a.test else df
t_read = time.perf_counter() - t
for d in (df, dt):
    if a.label_suffix and d[a.label].dtype == object:
        d[a.label] = d[a.label].str.removesuffix(a.label_suffix)
y = df.pop(a.label); yt = dt.pop(a.label) if dt is not df else y
num = [c for c in df.columns if df[c].dtype != object]
cat = [c for c in df.columns if df[c].dtype == object]
pre = ColumnTransformer([
    ("num", make_pipeline(StandardScaler()) if a.task in ("hgb", "xgb") else
     make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), num),
    ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                          OneHotEncoder(handle_unknown="ignore")), cat)],
    sparse_threshold=0 if a.task in ("tree", "forest", "mlp", "hgb", "xgb") else 0.3)
model = {"logistic": lambda: LogisticRegression(C=1.0, max_iter=1000),
         "ridge": lambda: Ridge(alpha=1.0),
         "linear": lambda: LinearRegression(),
         "lasso": lambda: Lasso(alpha=1.0),
         "elasticnet": lambda: ElasticNet(alpha=1.0, l1_ratio=0.5),
         "tree": lambda: DecisionTreeClassifier(max_depth=a.max_depth, random_state=0),
         "forest": lambda: RandomForestClassifier(
             n_estimators=a.n_estimators, max_depth=a.max_depth,
             n_jobs=a.jobs, random_state=0),
         "mlp": lambda: MLPClassifier(
             hidden_layer_sizes=(a.hidden,), batch_size=a.batch,
             max_iter=a.epochs, tol=0, n_iter_no_change=a.epochs,
             random_state=0),
         "hgb": lambda: HistGradientBoostingClassifier(
             max_iter=a.n_estimators, learning_rate=0.1, max_leaf_nodes=31,
             early_stopping=False, random_state=0),
         "xgb": lambda: xgboost.XGBClassifier(
             tree_method="hist", n_estimators=a.n_estimators, learning_rate=0.1,
             max_leaves=31, grow_policy="lossguide", max_depth=0, max_bin=255,
             n_jobs=a.jobs, random_state=0)}[a.task]()
m = make_pipeline(pre, model)
if a.task == "xgb":    # xgboost wants class indexes
    classes = sorted(set(y.astype(str)))
    y = y.astype(str).map({c: i for i, c in enumerate(classes)})
    yt = yt.astype(str).map({c: i for i, c in enumerate(classes)})
classify = a.task in ("logistic", "tree", "forest", "mlp", "hgb", "xgb")
if a.cv:
    t = time.perf_counter()
    sc = ["accuracy", "f1_macro", "neg_log_loss"] + (["roc_auc"] if y.nunique() == 2 else []) \
        if classify else ["neg_mean_squared_error", "neg_root_mean_squared_error",
                          "neg_mean_absolute_error", "r2"]
    cv = cross_validate(m, df, y, scoring=sc,
                        cv=(StratifiedKFold if classify else KFold)(n_splits=a.cv))
    out["cv_s"] = time.perf_counter() - t
    out["cv_mean"] = {k: float(np.mean(v)) for k, v in cv.items() if k.startswith("test_")}
if a.task == "mlp":
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    warnings.simplefilter("ignore", ConvergenceWarning)
    Z = pre.fit_transform(df, y)
    t = time.perf_counter(); model.fit(Z, y); t_fit = time.perf_counter() - t
    out["epochs"] = int(model.n_iter_)
    out["epoch_s"] = t_fit / model.n_iter_
else:
    t = time.perf_counter(); m.fit(df, y); t_fit = time.perf_counter() - t
if a.perm_repeats:
    t = time.perf_counter()
    permutation_importance(m, df, y, n_repeats=a.perm_repeats, random_state=0)
    out["perm_s"] = time.perf_counter() - t
t = time.perf_counter(); pred = m.predict(dt); t_pred = time.perf_counter() - t
out.update(import_s=t_imp, read_s=t_read, fit_s=t_fit, predict_s=t_pred, rows=len(df))
if classify:
    out["accuracy"] = float(accuracy_score(yt, pred))
    out["log_loss"] = float(log_loss(yt, m.predict_proba(dt), labels=m.classes_))
else:
    out["rmse"] = float(np.sqrt(mean_squared_error(yt, pred)))
    out["r2"] = float(r2_score(yt, pred))
out["total_s"] = time.perf_counter() - t0
print(json.dumps(out))
