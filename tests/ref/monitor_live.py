#!/usr/bin/python3
"""Live-data fixtures for the mlci-monitor tests, from the real adult files.

usage: monitor_live.py ADULT_TEST PREDICTIONS OUTDIR

ADULT_TEST is tests/data/adult.test.csv (no header, a junk first line,
spaces after commas); PREDICTIONS is mlci-evaluate --predictions on it
(key = the 0-based data row), or '-' to take each row's true label
(without adult.test's trailing '.') as its prediction. Writes, as mlci-serve --log-requests does
(a header of the feature columns, then 'prediction'):
  live.csv     the test rows as they are, with the model's predictions
  shifted.csv  the same rows shifted: ages +15 years, hours x 1.5,
               capital gain x 3 + 1000, capital loss x 3 + 500,
               education_num + 3, fnlwgt x 2, every other row's
               native_country Mexico and sex flipped, and the predictions
               flipped for a third of the rows: most columns drift
  head.csv     the first 400 rows of live.csv (a small sample)
"""
import csv, os, sys

COLS = ["age", "workclass", "fnlwgt", "education", "education_num",
        "marital_status", "occupation", "relationship", "race", "sex",
        "capital_gain", "capital_loss", "hours_per_week", "native_country"]

src, preds, out = sys.argv[1:4]
with open(src) as f:
    lines = f.read().splitlines()[1:]
rows = [[c.strip() for c in l.split(",")] for l in lines if l.strip()]
if preds == "-":
    pr = {i: r[14].rstrip(".") for i, r in enumerate(rows)}
else:
    with open(preds) as f:
        pr = {int(r["key"]): r["prediction"] for r in csv.DictReader(f)}
assert len(pr) == len(rows), (len(pr), len(rows))

def write(path, rs):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLS + ["prediction"])
        w.writerows(rs)

live = [r[:14] + [pr[i]] for i, r in enumerate(rows)]
write(os.path.join(out, "live.csv"), live)
write(os.path.join(out, "head.csv"), live[:400])
shifted = []
for i, r in enumerate(live):
    s = list(r)
    s[0] = str(int(s[0]) + 15)
    s[2] = str(int(s[2]) * 2)
    s[4] = str(int(s[4]) + 3)
    s[10] = str(int(s[10]) * 3 + 1000)
    s[11] = str(int(s[11]) * 3 + 500)
    s[12] = str(int(int(s[12]) * 1.5))
    if i % 2 == 0:
        s[13] = "Mexico"
        s[9] = "Female" if s[9] == "Male" else "Male"
    if i % 3 == 0:
        s[14] = ">50K" if s[14] == "<=50K" else "<=50K"
    shifted.append(s)
write(os.path.join(out, "shifted.csv"), shifted)
