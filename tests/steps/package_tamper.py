#!/usr/bin/python3
"""Alter a package the way an attacker (or a broken copy) would, for the
signing and verification step tests. Independent of mlci: tarfile, gzip,
the zstd and openssl command-line tools.

usage: package_tamper.py IN OUT [--flip MEMBER] [--drop MEMBER]
                         [--replace MEMBER=FILE] [--fix] [--edit-model]
                         [--resign KEY.pem]
       package_tamper.py --openssl-verify PACKAGE PUB.pem
  --flip M        flip one byte in the middle of member M's contents
  --drop M        leave member M out
  --replace M=F   put file F's bytes in member M (added when not there)
  --fix           then bring manifest.json (each file's sha256 and size, the
                  lineage's *_sha256) and provenance.json's subjects in line
                  with the files, so the checks behind them are reached
  --edit-model    change model.json and bring manifest.json's sha256 and
                  size for it, provenance.json's subjects and the envelope's
                  payload in line (the old signature kept), so only the
                  signature can tell
  --resign KEY    sign the (new) provenance.json with KEY (openssl pkeyutl),
                  replacing provenance.intoto.jsonl
  --openssl-verify  check the package's DSSE signature with openssl alone
MEMBER names a file inside the top directory (model.json, ...). OUT keeps
IN's compression (gzip or zstd).
"""
import argparse
import base64
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile


def decompress(raw):
    if raw[:2] == b"\x1f\x8b":
        return gzip.decompress(raw), "gzip"
    if raw[:4] == b"\x28\xb5\x2f\xfd":
        return subprocess.run(["zstd", "-dcq"], input=raw, stdout=subprocess.PIPE,
                              check=True).stdout, "zstd"
    sys.exit("not a gzip or zstd archive")


def compress(tar, how):
    if how == "gzip":
        return gzip.compress(tar, mtime=0)
    return subprocess.run(["zstd", "-cq"], input=tar, stdout=subprocess.PIPE,
                          check=True).stdout


def read_members(raw):
    tar, how = decompress(raw)
    out = []
    with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as t:
        for m in t.getmembers():
            data = t.extractfile(m).read() if m.isfile() else None
            out.append((m, data))
    return out, how


def pae(ptype, body):
    t = ptype.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


def sign(key, message):
    with tempfile.NamedTemporaryFile() as m, tempfile.NamedTemporaryFile() as s:
        m.write(message)
        m.flush()
        subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key, "-rawin",
                        "-in", m.name, "-out", s.name], check=True)
        return open(s.name, "rb").read()


def keyid(key):
    der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"],
                         stdout=subprocess.PIPE, check=True).stdout
    return hashlib.sha256(der).hexdigest()


def dumps(obj):
    """mlci's artifact layout: sorted keys, two-space indent, newline."""
    return (json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def openssl_verify(path, pub):
    members, _ = read_members(open(path, "rb").read())
    env = [d for m, d in members if m.name.endswith("/provenance.intoto.jsonl")]
    if not env:
        sys.exit("unsigned")
    e = json.loads(env[0])
    with tempfile.NamedTemporaryFile() as m, tempfile.NamedTemporaryFile() as s:
        m.write(pae(e["payloadType"], base64.b64decode(e["payload"], validate=True)))
        m.flush()
        s.write(base64.b64decode(e["signatures"][0]["sig"], validate=True))
        s.flush()
        r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pub,
                            "-rawin", "-in", m.name, "-sigfile", s.name],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sys.exit(r.returncode)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--openssl-verify":
        openssl_verify(sys.argv[2], sys.argv[3])
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--flip")
    ap.add_argument("--drop")
    ap.add_argument("--replace", action="append", default=[])
    ap.add_argument("--fix", action="store_true")
    ap.add_argument("--edit-model", action="store_true")
    ap.add_argument("--resign")
    a = ap.parse_args()
    members, how = read_members(open(a.inp, "rb").read())
    top = members[0][0].name.split("/")[0]
    files = {m.name.split("/", 1)[1]: d for m, d in members if m.isfile()}

    if a.flip:
        d = bytearray(files[a.flip])
        d[len(d) // 2] ^= 0x01
        files[a.flip] = bytes(d)
    if a.drop:
        del files[a.drop]
    for r in a.replace:
        name, path = r.split("=", 1)
        files[name] = open(path, "rb").read()
    if a.fix:
        h = lambda b: hashlib.sha256(b).hexdigest()
        man = json.loads(files["manifest.json"])
        for f in man["files"]:
            if f["path"] in files:
                f["sha256"], f["size"] = h(files[f["path"]]), len(files[f["path"]])
        for role, name in (("model", "model.json"), ("metrics", "metrics.json"),
                           ("gate", "gate.json"), ("data_report", "data-report.json"),
                           ("schema", "schema.json")):
            if name in files:
                man["lineage"][role + "_sha256"] = h(files[name])
        files["manifest.json"] = dumps(man)
        if "provenance.json" in files:
            st = json.loads(files["provenance.json"])
            for s in st["subject"]:
                s["digest"]["sha256"] = h(files[s["name"].split("/", 1)[1]])
            files["provenance.json"] = dumps(st)
    if a.edit_model:
        model = json.loads(files["model.json"])
        model["model"]["coefficients"][0][0] += 1.0
        files["model.json"] = dumps(model)
        man = json.loads(files["manifest.json"])
        for f in man["files"]:
            if f["path"] == "model.json":
                f["sha256"] = hashlib.sha256(files["model.json"]).hexdigest()
                f["size"] = len(files["model.json"])
        # the lineage names the model too: keep it consistent
        man["lineage"]["model_sha256"] = hashlib.sha256(files["model.json"]).hexdigest()
        files["manifest.json"] = dumps(man)
        st = json.loads(files["provenance.json"])
        for s in st["subject"]:
            s["digest"]["sha256"] = hashlib.sha256(files[s["name"].split("/", 1)[1]]).hexdigest()
        files["provenance.json"] = dumps(st)
        if "provenance.intoto.jsonl" in files:
            # the envelope carries the new statement, the old signature
            env = json.loads(files["provenance.intoto.jsonl"])
            env["payload"] = base64.b64encode(files["provenance.json"]).decode()
            files["provenance.intoto.jsonl"] = (json.dumps(env, sort_keys=True,
                                                           separators=(",", ":")) + "\n").encode()
    if a.resign:
        body = files["provenance.json"]
        t = "application/vnd.in-toto+json"
        env = {"payload": base64.b64encode(body).decode(), "payloadType": t,
               "signatures": [{"keyid": keyid(a.resign),
                               "sig": base64.b64encode(sign(a.resign, pae(t, body))).decode()}]}
        files["provenance.intoto.jsonl"] = (json.dumps(env, sort_keys=True,
                                                       separators=(",", ":")) + "\n").encode()

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:", format=tarfile.USTAR_FORMAT) as t:
        for m, _ in members:
            if m.isdir():
                t.addfile(m)
        for name in sorted(files):
            info = tarfile.TarInfo(top + "/" + name)
            info.size = len(files[name])
            info.mode = 0o644
            info.mtime = members[0][0].mtime
            info.uname = info.gname = "root"
            t.addfile(info, io.BytesIO(files[name]))
    open(a.out, "wb").write(compress(buf.getvalue(), how))


if __name__ == "__main__":
    main()
