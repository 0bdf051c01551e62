#!/usr/bin/python3
"""Reference figures for mlci-monitor's history checks and push encoding.

usage: monitor_series.py > tests/ref/monitor_series.json
       monitor_series.py history KIND MONITOR_JSON OUT.jsonl
       monitor_series.py check MONITOR_JSON HISTORY.jsonl

The first form writes the unit tests' cases (tests/unit/test_monitor.c):
series with the robust z-score (Iglewicz-Hoaglin, 0.6745 (x - median) /
MAD; 1.253314 x the mean absolute deviation when MAD is 0) and the EWMA
chart (center the window's mean, sigma its average moving range / 1.128;
E_0 = mean, E_t = lam v_t + (1 - lam) E_{t-1} over the window and x; limit
L sigma sqrt(lam / (2 - lam) (1 - (1 - lam)^(2T)))), computed here with
numpy and statistics, and the Pushgateway encodings (base64.urlsafe_b64encode,
urllib.parse.quote).

'history' writes a history file of 40 earlier runs for every figure the
run in MONITOR_JSON tracked (its history.figures, from a run with an empty
history), each run's value a pattern of the figure's current value x:
  jump    x / 10 with 5% noise: the current run is a jump
  slide   a slow linear rise from 0.3 x to x with 2% noise
  stable  x with 5% noise
(numpy's default_rng, seeded per kind).

'check' recomputes every figure's z and EWMA from HISTORY.jsonl and the
values in MONITOR_JSON, prints the flagged figures (scope/feature/figure
and which check) one per line, and exits 1 if any figure's z, median,
scale, EWMA, center, sigma or limit differs from MONITOR_JSON's by more
than 1e-9 relative (1e-12 absolute), or its flags differ.
"""
import base64, json, math, statistics, sys, urllib.parse
import numpy as np

WINDOW = 50


def robust_z(w, x):
    w = np.asarray(w, dtype=float)
    if len(w) == 0:
        return None
    med = float(np.median(w))
    mad = float(np.median(np.abs(w - med)))
    if mad > 0:
        scale = mad
    else:
        mean_ad = float(np.mean(np.abs(w - med)))
        if mean_ad == 0:
            return {"median": med, "scale": None, "z": None}
        scale = 0.6745 * 1.253314 * mean_ad
    return {"median": med, "scale": scale, "z": 0.6745 * (x - med) / scale}


def ewma(v, lam, L):
    w = v[:-1]
    mu = statistics.fmean(w)
    sigma = float(np.mean(np.abs(np.diff(w)))) / 1.128
    e = mu
    for y in v:
        e = lam * y + (1 - lam) * e
    t = len(v)
    limit = L * sigma * math.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
    return {"center": mu, "sigma": sigma, "ewma": e, "limit": limit, "t": t}


def cases():
    rng = np.random.default_rng(20261203)
    out = {"series": [], "base64url": [], "segments": []}
    series = {
        "jump": list(0.05 + 0.002 * rng.standard_normal(30)) + [0.09],
        "slide": [0.05 + 0.0015 * i + 0.0005 * g
                  for i, g in enumerate(rng.standard_normal(41))],
        "noise": list(0.05 + 0.002 * rng.standard_normal(41)),
        "mad_zero": [1.0] * 8 + [1.5, 2.0, 3.0, 1.0, 1.0, 1.0, 1.0, 2.0],
        "constant": [0.25] * 20,
        "short_odd": [3.0, 1.0, 2.0, 10.0],
        "two": [1.0, 2.0],
    }
    for name, s in series.items():
        w, x = s[:-1], s[-1]
        z = robust_z(w, x)
        e = ewma(s, 0.2, 3.0) if len(s) >= 3 else None
        out["series"].append({"name": name, "window": w, "x": x, "z": z,
                              "ewma": e})
    for b in [b"", b"a", b"ab", b"abc", b"abcd", b"a/b",
              "\u00e9t\u00e9/2026".encode(), b"\xff\xfe\xfd\xfb"]:
        out["base64url"].append({"hex": b.hex(),
                                 "b64": base64.urlsafe_b64encode(b).decode()})
    for v in ["prod", "eu-west 1", "a/b", "", "x%y", "caf\u00e9"]:
        if v == "":
            seg = "/env@base64/="
        elif "/" in v:
            seg = "/env@base64/" + base64.urlsafe_b64encode(v.encode()).decode()
        else:
            seg = "/env/" + urllib.parse.quote(v.encode(), safe="-._~")
        out["segments"].append({"name": "env", "value": v, "path": seg})
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


def key(f):
    return (f["scope"], f.get("feature"), f["figure"])


def history(kind, mon, out):
    m = json.load(open(mon))
    figs = m["history"]["figures"]
    seed = {"jump": 1, "slide": 2, "stable": 3}[kind]
    rng = np.random.default_rng(seed)
    n = 40
    vals = {}
    for f in figs:
        x = f["value"]
        if kind == "jump":
            v = x / 10 * (1 + 0.05 * rng.standard_normal(n))
        elif kind == "slide":
            v = x * (0.3 + 0.7 * np.arange(n) / n) * (1 + 0.02 * rng.standard_normal(n))
        else:
            v = x * (1 + 0.05 * rng.standard_normal(n))
        vals[key(f)] = [float(y) for y in v]
    with open(out, "w") as fp:
        for i in range(n):
            line = {"version": 1, "timestamp": "2026-01-01T00:%02d:00Z" % i,
                    "rows": 1000, "features": {}, "prediction": None}
            for (scope, feat, fig), v in vals.items():
                if scope == "dataset":
                    line[fig] = v[i]
                elif scope == "prediction":
                    line["prediction"] = line["prediction"] or {}
                    line["prediction"][fig] = v[i]
                else:
                    line["features"].setdefault(feat, {})[fig] = v[i]
            line.setdefault("drift_share", 0.0)
            fp.write(json.dumps(line) + "\n")


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-12 + 1e-9 * abs(b)


def check(mon, hist):
    m = json.load(open(mon))
    h = m["history"]
    lines = [json.loads(l) for l in open(hist) if l.strip()]
    # the run's own line was appended after monitor.json: leave it out
    lines = lines[:h["runs"]]
    bad = 0
    for f in h["figures"]:
        scope, feat, fig = key(f)
        vs = []
        for l in lines:
            if scope == "dataset":
                y = l.get(fig)
            elif scope == "prediction":
                y = (l.get("prediction") or {}).get(fig)
            else:
                y = l["features"].get(feat, {}).get(fig)
            if isinstance(y, (int, float)):
                vs.append(float(y))
        w = vs[-WINDOW:]
        x = f["value"]
        if len(w) < h["min_history"]:
            ok = not f["judged"] and f["z"] is None
        else:
            z = robust_z(w, x)
            e = ewma(w + [x], h["ewma_lambda"], h["ewma_l"])
            zflag = z["z"] is not None and abs(z["z"]) > h["z"]
            eflag = e["sigma"] > 0 and abs(e["ewma"] - e["center"]) > e["limit"]
            judged = z["z"] is not None or e["sigma"] > 0
            ok = (f["judged"] == judged and close(f["z"], z["z"]) and
                  close(f["median"], z["median"]) and close(f["scale"], z["scale"]) and
                  close(f["center"], e["center"]) and close(f["sigma"], e["sigma"]) and
                  (e["sigma"] == 0 or (close(f["ewma"], e["ewma"]) and
                                       close(f["limit"], e["limit"]))) and
                  f["z_anomaly"] == zflag and f["ewma_anomaly"] == eflag)
            if zflag or eflag:
                print("%s/%s/%s %s" % (scope, feat or "", fig,
                                       "+".join(n for n, b in (("z", zflag), ("ewma", eflag)) if b)))
        if not ok:
            print("MISMATCH %s/%s/%s: %s" % (scope, feat or "", fig, json.dumps(f)),
                  file=sys.stderr)
            bad = 1
    sys.exit(bad)


if __name__ == "__main__":
    if len(sys.argv) == 1:
        cases()
    elif sys.argv[1] == "history":
        history(*sys.argv[2:5])
    elif sys.argv[1] == "check":
        check(*sys.argv[2:4])
    else:
        sys.exit(__doc__)
