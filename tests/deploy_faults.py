#!/usr/bin/python3
"""Many mlci-deploy runs through tests/faultproxy.py, then a check of
every file the WebDAV registry holds, read back directly from the server.

    deploy_faults.py --deploy BIN --packages DIR --proxy URL --direct URL
                     --root DIR --out FIGURES.json [--trials N] [--parallel N]
                     [--seed N] [--deploy-args "..."]

--packages holds NAME-VER.tar.gz files; each trial deploys one of them,
chosen by a seeded generator, to --proxy (the registry through the fault
proxy), with a channel or none; --kills more runs are killed (SIGKILL)
at a random moment, among the others. --root is the server's document root (only
listed, to find every file; each file's bytes are fetched from --direct).

Checked, and counted in FIGURES.json:
  - every run exits 0 or 75; a 75 leaves no deploy.json
  - every version directory holds its tarball and manifest.json, and both
    are the package's bytes; every file in the tarball matches the
    manifest's sha256; provenance files are the package's
  - every history record parses and names a published (name, version,
    sha256); every channel file is an mlci.channel naming a stored version
    by its sha256; no other file is there (staging leftovers are counted)
  - every run that exited 0: its version is stored, a publish record names
    it, and with a channel a channel record names it
"""
import argparse
import concurrent.futures
import hashlib
import io
import json
import os
import random
import re
import shlex
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request


def sha(b):
    return hashlib.sha256(b).hexdigest()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def package_index(d):
    known = {}
    for f in sorted(os.listdir(d)):
        m = re.fullmatch(r"(.+)-([^-]+)\.tar\.gz", f)
        if not m:
            continue
        data = open(os.path.join(d, f), "rb").read()
        members = {}
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            for mem in t.getmembers():
                if mem.isfile():
                    members[mem.name.split("/", 1)[1]] = t.extractfile(mem).read()
        known[(m.group(1), m.group(2))] = {"file": os.path.join(d, f), "sha": sha(data),
                                           "bytes": data, "members": members}
    return known


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deploy", required=True)
    ap.add_argument("--packages", required=True)
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--direct", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", default="trials")
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--deploy-args", default="")
    ap.add_argument("--kills", type=int, default=0,
                    help="more runs, each killed (SIGKILL) after a random 0-0.5 s")
    a = ap.parse_args()

    known = package_index(a.packages)
    keys = sorted(known)
    rng = random.Random(a.seed)
    plan = [(i, rng.choice(keys), rng.choice([None, None, "prod", "staging"]))
            for i in range(a.trials + a.kills)]
    kill_at = {i: rng.random() * 0.5 for i in range(a.trials, a.trials + a.kills)}
    os.makedirs(a.work, exist_ok=True)
    extra = shlex.split(a.deploy_args)

    def run(t):
        i, key, chan = t
        out = os.path.join(a.work, "d%04d.json" % i)
        cmd = [a.deploy, "--package", known[key]["file"], "--to", a.proxy + "/reg",
               "--out", out] + extra + (["--channel", chan] if chan else [])
        if i in kill_at:
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                rc = p.wait(kill_at[i])
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                rc = "killed"
            return i, key, chan, rc, "", out
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return i, key, chan, p.returncode, p.stderr.decode(errors="replace"), out

    start = time.time()
    # the killed runs are spread among the others
    order = plan[:]
    random.Random(a.seed + 1).shuffle(order)
    with concurrent.futures.ThreadPoolExecutor(a.parallel) as ex:
        results = sorted(ex.map(run, order))
    wall = time.time() - start

    problems = []
    fig = {"trials": a.trials, "killed": 0, "exit_0": 0, "exit_75": 0, "exit_other": 0,
           "retries_in_successful_runs": 0, "requests_in_successful_runs": 0,
           "corrupt_entries": 0, "half_written_versions": 0, "staging_leftovers": 0,
           "unexpected_files": 0, "history_records": 0, "recovered_records": 0,
           "versions": 0, "channels": 0, "files_checked": 0, "wall_seconds": round(wall, 1)}
    for i, key, chan, rc, err, out in results:
        if i in kill_at:
            fig["killed"] += rc == "killed"
            continue
        if rc == 0:
            fig["exit_0"] += 1
            d = json.load(open(out))
            fig["retries_in_successful_runs"] += d["transport"]["retries"]
            fig["requests_in_successful_runs"] += d["transport"]["requests"]
        elif rc == 75:
            fig["exit_75"] += 1
            if os.path.exists(out):
                problems.append("trial %d: exit 75 but %s written" % (i, out))
        else:
            fig["exit_other"] += 1
            problems.append("trial %d: exit %d: %s" % (i, rc, err.strip()))

    def corrupt(msg):
        fig["corrupt_entries"] += 1
        problems.append(msg)

    reg = os.path.join(a.root, "reg")
    records = []
    markers = []
    stored = {}
    channels = {}
    for dirpath, dirs, files in os.walk(reg):
        rel_dir = os.path.relpath(dirpath, reg)
        parts = [] if rel_dir == "." else rel_dir.split(os.sep)
        if len(parts) == 2 and parts[1] not in ("history", "channels", ".staging"):
            name, ver = parts
            k = known.get((name, ver))
            tar = "%s-%s.tar.gz" % (name, ver)
            if k is None or tar not in files or "manifest.json" not in files:
                fig["half_written_versions"] += 1
                problems.append("version %s/%s: incomplete or unknown: %s" % (name, ver, files))
        for f in files:
            rel = "/".join(parts + [f])
            if ".staging" in parts:
                fig["staging_leftovers"] += 1
                continue
            data = get(a.direct + "/reg/" + rel)
            fig["files_checked"] += 1
            if data is None:
                corrupt("%s: listed on disk but GET says 404" % rel)
                continue
            m = re.fullmatch(r"([^/]+)/([^/]+)/([^/]+)", rel)
            if m and m.group(2) not in ("history", "channels"):
                name, ver, f2 = m.groups()
                k = known.get((name, ver))
                if k is None:
                    corrupt("%s: a version no package has" % rel)
                elif f2 == "%s-%s.tar.gz" % (name, ver):
                    if sha(data) != k["sha"]:
                        corrupt("%s: sha256 %s, the package's is %s" % (rel, sha(data), k["sha"]))
                    else:
                        stored[(name, ver)] = k["sha"]
                        fig["versions"] += 1
                elif f2 == "manifest.json":
                    if data != k["members"]["manifest.json"]:
                        corrupt("%s: not the package's manifest" % rel)
                    man = json.loads(data)
                    for e in man["files"]:
                        b = k["members"].get(e["path"])
                        if b is None or sha(b) != e["sha256"]:
                            corrupt("%s: %s does not match the manifest" % (rel, e["path"]))
                elif f2 in ("provenance.json", "provenance.intoto.jsonl"):
                    if data != k["members"].get(f2):
                        corrupt("%s: not the package's %s" % (rel, f2))
                else:
                    fig["unexpected_files"] += 1
                    problems.append("%s: unexpected file" % rel)
                continue
            m = re.fullmatch(r"([^/]+)/history/(\d{8})/event\.json", rel)
            if m:
                try:
                    r = json.loads(data)
                    assert data.endswith(b"\n") and data.count(b"\n") == 1
                    assert r["event"] in ("publish", "channel") and r["name"] == m.group(1)
                    k = known[(r["name"], r["version"])]
                    assert r["sha256"] == k["sha"]
                    assert set(r) <= {"event", "time", "name", "version", "sha256",
                                      "channel", "previous", "recovered"}
                    if r["event"] == "channel":
                        assert r["channel"] in ("prod", "staging")
                        assert r["previous"] is None or (r["name"], r["previous"]) in known
                    r["_seq"] = m.group(2)
                    records.append(r)
                    fig["history_records"] += 1
                    fig["recovered_records"] += bool(r.get("recovered"))
                except (ValueError, KeyError, AssertionError) as e:
                    corrupt("%s: bad history record %r (%s)" % (rel, data[:200], e))
                continue
            m = re.fullmatch(r"([^/]+)/history/published/([^/]+)", rel)
            if m:
                if not re.fullmatch(rb"[0-9]{8}\n", data):
                    corrupt("%s: not a record number: %r" % (rel, data[:40]))
                else:
                    markers.append((m.group(1), m.group(2), data.decode().strip(), rel))
                continue
            if re.fullmatch(r"[^/]+/history/next", rel):
                if not re.fullmatch(rb"[0-9]+\n", data):
                    corrupt("%s: not a number: %r" % (rel, data[:40]))
                continue
            m = re.fullmatch(r"([^/]+)/channels/([a-z]+)\.json", rel)
            if m:
                try:
                    c = json.loads(data)
                    assert c["kind"] == "mlci.channel" and c["name"] == m.group(1)
                    assert c["channel"] == m.group(2)
                    channels[(c["name"], c["channel"])] = (c["version"], c["sha256"])
                    fig["channels"] += 1
                except (ValueError, KeyError, AssertionError) as e:
                    corrupt("%s: bad channel file (%s)" % (rel, e))
                continue
            fig["unexpected_files"] += 1
            problems.append("%s: unexpected file" % rel)
    for name, ver, seq, rel in markers:
        if not any(r["_seq"] == seq and r["name"] == name and r["event"] == "publish" and
                   r["version"] == ver for r in records):
            corrupt("%s: names record %s, which is not %s's publish record" % (rel, seq, ver))
    for (name, chan), (ver, s) in channels.items():
        if stored.get((name, ver)) != s:
            corrupt("%s/channels/%s.json: points at %s (%s), which is not stored so" %
                    (name, chan, ver, s[:12]))
    for i, key, chan, rc, err, out in results:
        if rc != 0:
            continue
        name, ver = key
        if stored.get(key) != known[key]["sha"]:
            problems.append("trial %d: exit 0 but %s/%s is not stored" % (i, name, ver))
        if not any(r["event"] == "publish" and (r["name"], r["version"]) == key for r in records):
            problems.append("trial %d: exit 0 but no publish record for %s/%s" % (i, name, ver))
        if chan and not any(r["event"] == "channel" and r["channel"] == chan and
                            (r["name"], r["version"]) == key for r in records):
            problems.append("trial %d: exit 0 but no %s record for %s/%s" % (i, chan, name, ver))
    fig["problems"] = problems[:50]
    fig["problem_count"] = len(problems)
    with open(a.out, "w") as f:
        json.dump(fig, f, indent=1, sort_keys=True)
    for k in ("trials", "killed", "exit_0", "exit_75", "exit_other", "retries_in_successful_runs",
              "requests_in_successful_runs", "versions", "channels", "history_records",
              "recovered_records", "files_checked", "corrupt_entries",
              "half_written_versions", "unexpected_files", "staging_leftovers",
              "wall_seconds"):
        print("# %s: %s" % (k, fig[k]))
    for p in problems[:20]:
        print("# problem: " + p)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
