#!/usr/bin/python3
"""Compare an mlci metrics.json with a case of tests/ref/scored.json
(written by scored_predictions.py): every expected metric to 1e-12
(relative beyond 1; None must be null), and with --intervals also each
expected bootstrap interval and its resample count.

Usage: compare_metrics.py METRICS.json REF.json CASE [--intervals]
Prints one line per mismatch; exits 1 if there is any."""
import json
import sys

TOL = 1e-12


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOL * max(1.0, abs(b))


def main():
    doc = json.load(open(sys.argv[1]))
    case = json.load(open(sys.argv[2]))["cases"][sys.argv[3]]
    bad = []
    met = doc["metrics"]
    for k, v in case["metrics"].items():
        if k not in met:
            bad.append("%s missing" % k)
        elif not close(met[k], v):
            bad.append("%s: mlci %r, sklearn %r" % (k, met[k], v))
    for k in met:
        if k not in case["metrics"]:
            bad.append("%s: mlci has it, the reference not" % k)
    if "labels" in case and doc["confusion_matrix"]["labels"] != case["labels"]:
        bad.append("labels %r, expected %r" % (doc["confusion_matrix"]["labels"], case["labels"]))
    if "--intervals" in sys.argv:
        for k, iv in case["intervals"].items():
            got = doc.get("intervals", {}).get(k)
            if got is None:
                bad.append("interval of %s missing" % k)
                continue
            for f in ("low", "high"):
                if not close(got[f], iv[f]):
                    bad.append("%s %s: mlci %r, numpy %r" % (k, f, got[f], iv[f]))
            if got["resamples"] != iv["resamples"]:
                bad.append("%s resamples: %d vs %d" % (k, got["resamples"], iv["resamples"]))
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
