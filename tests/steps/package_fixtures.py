#!/usr/bin/python3
"""Write stand-in pipeline artifacts for the mlci-package/deploy step tests.

These are test INPUTS, not expected values: valid mlci envelopes (and a
model.json that mlci-evaluate would load, as mlci-package requires) whose
sha256 lineage chains (data.csv -> model.json -> metrics.json -> gate.json,
data-report.json on the same data.csv), so packaging can be tested without
depending on mlci-train/evaluate/gate.

usage: package_fixtures.py OUTDIR [--verdict pass|fail] [--decision D] [--seed N]
       [--break metrics|gate|data-report] [--git COMMIT] [--intervals]
  --break X     writes X with a wrong upstream sha256 (a broken lineage)
  --seed N      changes the model's contents (a different model, same shape)
  --git COMMIT  gives every artifact a git block with this commit
  --intervals   gives metrics.json bootstrap intervals
"""
import argparse
import hashlib
import json
import os


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


GIT = None


def envelope(kind, inputs):
    e = {
        "kind": kind,
        "schema_version": 1,
        "producer": {"name": "package_fixtures.py", "version": "0"},
        "created": "2024-01-01T00:00:00Z",
        "inputs": inputs,
    }
    if GIT:
        e["git"] = {"commit": GIT, "branch": "main", "ref": "main", "dirty": False}
    return e


def write(path, obj):
    with open(path, "w") as f:
        f.write(json.dumps(obj, sort_keys=True, indent=2) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--verdict", default="pass")
    ap.add_argument("--decision", help="gate.json's decision (absent unless given)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--break", dest="broken", default=None,
                    choices=["metrics", "gate", "data-report"])
    ap.add_argument("--git", default=None)
    ap.add_argument("--intervals", action="store_true")
    a = ap.parse_args()
    global GIT
    GIT = a.git
    os.makedirs(a.out, exist_ok=True)
    p = lambda name: os.path.join(a.out, name)
    bogus = "0" * 64

    with open(p("data.csv"), "w") as f:
        f.write("x1,x2,y\n1,2,a\n3,4,b\n5,6,a\n")
    data_sha = sha(p("data.csv"))

    write(p("schema.json"), dict(envelope("mlci.schema", []), columns=[
        {"name": "x1", "type": "integer"}, {"name": "x2", "type": "integer"},
        {"name": "y", "type": "string"}]))

    dr_data = bogus if a.broken == "data-report" else data_sha
    write(p("data-report.json"), dict(
        envelope("mlci.data-report", [
            {"role": "data", "path": "data.csv", "sha256": dr_data},
            {"role": "schema", "path": "schema.json", "sha256": sha(p("schema.json"))}]),
        columns=[], anomalies=[], rows=3, verdict="pass"))

    write(p("model.json"), dict(
        envelope("mlci.model", [{"role": "data", "path": "data.csv", "sha256": data_sha}]),
        task="classification", label="y", classes=["a", "b"], features=["x1", "x2"],
        preprocessing={
            "columns": [
                {"name": "x1", "type": "numeric", "mean": 3.0, "impute": 3.0,
                 "scale": 1.632993161855452},
                {"name": "x2", "type": "numeric", "mean": 4.0, "impute": 4.0,
                 "scale": 1.632993161855452}],
            "n_outputs": 2, "outputs": ["x1", "x2"]},
        model={"type": "logistic", "params": {"C": 1.0},
               "coefficients": [[0.5 + a.seed, -0.25]], "intercepts": [-0.1]},
        training={"iterations": 3, "converged": True}, data_sha256=data_sha))

    m_model = bogus if a.broken == "metrics" else sha(p("model.json"))
    write(p("metrics.json"), dict(
        envelope("mlci.metrics", [
            {"role": "model", "path": "model.json", "sha256": m_model},
            {"role": "data", "path": "data.csv", "sha256": data_sha}]),
        task="classification", n_rows=3, metrics={"accuracy": 0.75, "f1_macro": 0.7},
        **({"intervals": {"accuracy": {"low": 0.5, "high": 1.0, "resamples": 200},
                          "f1_macro": {"low": 0.4, "high": 1.0, "resamples": 198}},
            "bootstrap": {"method": "percentile", "resamples": 200, "seed": 7,
                          "level": 0.95}} if a.intervals else {})))

    g_metrics = bogus if a.broken == "gate" else sha(p("metrics.json"))
    write(p("gate.json"), dict(
        envelope("mlci.gate", [{"role": "metrics", "path": "metrics.json",
                                "sha256": g_metrics}]),
        verdict=a.verdict,
        **({"decision": a.decision} if a.decision else {}),
        rules=[{"rule": "accuracy >= 0.7", "metric": "accuracy", "op": ">=",
                "threshold": 0.7, "value": 0.75,
                "status": "pass" if a.verdict == "pass" else "fail"}]))


if __name__ == "__main__":
    main()
