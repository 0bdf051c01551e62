# mlci-deploy: a package that fails its checks is refused before anything
# is written to the registry; conflicts, bad targets, a held lock.
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" fx
mkdir p pb
SOURCE_DATE_EPOCH=1700000000 "$BIN/mlci-package" --model fx/model.json --metrics fx/metrics.json --gate fx/gate.json --name demo --version 1.0 --out-dir p >/dev/null
SOURCE_DATE_EPOCH=1600000000 "$BIN/mlci-package" --model fx/model.json --metrics fx/metrics.json --gate fx/gate.json --name demo --version 1.0 --out-dir pb >/dev/null
D="$BIN/mlci-deploy"
REG=$T/reg
untouched() { check "$1: registry not created" test ! -e "$REG"; absent d.json "$1: no deploy.json"; }

# rewrite the tarball: python's tarfile, ustar, with EDIT applied to the members
retar() { /usr/bin/python3 - "$@" <<'PY'
import io, sys, tarfile
src, dst, edit = sys.argv[1], sys.argv[2], sys.argv[3]
ms = [(m, tarfile.open(src).extractfile(m.name).read() if m.isfile() else None)
      for m in tarfile.open(src).getmembers()]
with tarfile.open(dst, "w:gz", format=tarfile.USTAR_FORMAT) as out:
    for m, data in ms:
        if edit == "model" and m.name.endswith("/model.json"):
            data = data.replace(b'"logistic"', b'"LOGISTIC"')
        if edit == "extra" and m.name.endswith("/gate.json"):
            x = tarfile.TarInfo(m.name.rsplit("/", 1)[0] + "/extra.txt"); x.size = 2
            out.addfile(x, io.BytesIO(b"hi"))
        if edit == "drop" and m.name.endswith("/metrics.json"):
            continue
        if edit == "forge" and m.name.endswith("/metrics.json"):
            data = open("other/metrics.json", "rb").read()
        if edit == "forge" and m.name.endswith("/manifest.json"):
            import hashlib, json
            man = json.loads(data); new = open("other/metrics.json", "rb").read()
            sha = hashlib.sha256(new).hexdigest()
            for f in man["files"]:
                if f["path"] == "metrics.json": f["sha256"], f["size"] = sha, len(new)
            man["lineage"]["metrics_sha256"] = sha
            data = (json.dumps(man, indent=2, sort_keys=True) + "\n").encode()
        if m.isfile():
            m.size = len(data); out.addfile(m, io.BytesIO(data))
        else:
            out.addfile(m)
    if edit == "symlink":
        s = tarfile.TarInfo("demo-1.0/link"); s.type = tarfile.SYMTYPE; s.linkname = "/etc/passwd"
        out.addfile(s)
    if edit == "dotdot":
        x = tarfile.TarInfo("demo-1.0/../../evil"); x.size = 1
        out.addfile(x, io.BytesIO(b"x"))
    if edit == "absolute":
        x = tarfile.TarInfo("/tmp/evil"); x.size = 1
        out.addfile(x, io.BytesIO(b"x"))
PY
}
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" other --seed 1
for e in model extra drop forge symlink dotdot absolute; do retar p/demo-1.0.tar.gz bad-$e.tar.gz $e; done

expect_exit 65 "a member's bytes changed" "$D" --package bad-model.tar.gz --to "dir://$REG" --channel prod --out d.json
err_is '^mlci-deploy: bad-model\.tar\.gz: demo-1\.0/model\.json: sha256 [0-9a-f]{12}\.\.\. \([0-9]+ bytes\) does not match the manifest' "names the package and the file"
untouched "tampered member"
expect_exit 65 "a file the manifest does not list" "$D" --package bad-extra.tar.gz --to "dir://$REG" --out d.json
err_is 'bad-extra\.tar\.gz: the archive holds 1 file\(s\) the manifest does not list' "extra file named"
expect_exit 65 "a listed file missing" "$D" --package bad-drop.tar.gz --to "dir://$REG" --out d.json
err_is "bad-drop\.tar\.gz: manifest lists 'metrics\.json', which the archive does not hold" "missing file named"
expect_exit 65 "consistent checksums, but metrics of another model" "$D" --package bad-forge.tar.gz --to "dir://$REG" --out d.json
err_is '^mlci-deploy: bad-forge\.tar\.gz: lineage: metrics\.json records model sha256 .* but model\.json has' "the lineage inside is checked too"
expect_exit 65 "a symlink entry" "$D" --package bad-symlink.tar.gz --to "dir://$REG" --out d.json
err_is "bad-symlink\.tar\.gz: refusing entry 'demo-1\.0/link': symbolic link entries are not allowed" "refused, naming the entry"
expect_exit 65 "a .. entry" "$D" --package bad-dotdot.tar.gz --to "dir://$REG" --out d.json
err_is "bad-dotdot\.tar\.gz: refusing entry 'demo-1\.0/\.\./\.\./evil'" "refused"
expect_exit 65 "an absolute entry" "$D" --package bad-absolute.tar.gz --to "dir://$REG" --out d.json
err_is "absolute path" "refused"
head -c 700 p/demo-1.0.tar.gz >trunc.tar.gz
expect_exit 65 "a truncated package" "$D" --package trunc.tar.gz --to "dir://$REG" --out d.json
err_is '^mlci-deploy: trunc\.tar\.gz: truncated gzip stream$' "refused"
cp p/demo-1.0.tar.gz flip.tar.gz
printf '\377' | dd of=flip.tar.gz bs=1 seek=400 conv=notrunc 2>/dev/null
expect_exit 65 "a flipped byte" "$D" --package flip.tar.gz --to "dir://$REG" --out d.json
mkdir pj && cp p/package.json pj/ && cp pb/demo-1.0.tar.gz pj/
expect_exit 65 "package.json whose tarball does not match" "$D" --package pj/package.json --to "dir://$REG" --out d.json
err_is '^mlci-deploy: pj/package\.json: pj/demo-1\.0\.tar\.gz does not match it' "names both"
expect_exit 65 "not a package" "$D" --package fx/model.json --to "dir://$REG" --out d.json
expect_exit 66 "missing package" "$D" --package nope.tar.gz --to "dir://$REG" --out d.json
err_is '^mlci-deploy: nope\.tar\.gz: cannot open' "names the file"
untouched "all refusals"

expect_exit 64 "s3:// without credentials" env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$D" --package p/demo-1.0.tar.gz --to s3://bucket/models --out d.json
err_is '^mlci-deploy: --to s3://bucket/models: an s3:// registry needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY$' "clear message"
expect_exit 64 "unknown scheme" "$D" --package p/demo-1.0.tar.gz --to ftp://x/y --out d.json
err_is "unknown registry scheme 'ftp'" "named"
expect_exit 64 "a bare path" "$D" --package p/demo-1.0.tar.gz --to "$REG" --out d.json
expect_exit 64 "a relative dir:// path" "$D" --package p/demo-1.0.tar.gz --to dir://reg --out d.json
expect_exit 64 "a bad channel name" "$D" --package p/demo-1.0.tar.gz --to "dir://$REG" --channel ../x --out d.json
expect_exit 64 "no --to" "$D" --package p/demo-1.0.tar.gz --out d.json
expect_exit 64 "no --out" "$D" --package p/demo-1.0.tar.gz --to "dir://$REG"
expect_exit 73 "deploy.json in a directory that does not exist" "$D" --package p/demo-1.0.tar.gz --to "dir://$REG" --out no/such/d.json
err_is '^mlci-deploy: no/such/d\.json: cannot create' "names the output"
untouched "usage errors"

expect_exit 0 "a good deploy" "$D" --package p/demo-1.0.tar.gz --to "dir://$REG" --channel prod --out d.json
cp "$REG/demo/channels/prod.json" chan.json; cp "$REG/demo/history.jsonl" hist
expect_exit 1 "other bytes under the same version are refused" "$D" --package pb/demo-1.0.tar.gz --to "dir://$REG" --channel prod --out d2.json
err_is "^mlci-deploy: $REG/demo/1\.0: version already published with different bytes .*versions are immutable$" "says why"
check "stored bytes unchanged" cmp p/demo-1.0.tar.gz "$REG/demo/1.0/demo-1.0.tar.gz"
check "channel unchanged" cmp chan.json "$REG/demo/channels/prod.json"
check "history unchanged" cmp hist "$REG/demo/history.jsonl"
absent d2.json "no deploy.json for a refused deploy"

# hold the registry lock from another process (killed below by its pid)
/usr/bin/python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(30)' \
	"$REG/demo/.lock" locked & holder=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e locked ] && break; sleep 0.2; done
if [ -e locked ]; then
	expect_exit 75 "lock held past --lock-timeout" "$D" --package p/demo-1.0.tar.gz --to "dir://$REG" --out d3.json --lock-timeout 0.5
	err_is "^mlci-deploy: $REG/demo/\.lock: held by another deploy; gave up after 0\.5 s$" "names the lock"
	absent d3.json "no deploy.json"
	kill $holder; wait $holder 2>/dev/null
	expect_exit 0 "works once the lock is free" "$D" --package p/demo-1.0.tar.gz --to "dir://$REG" --out d3.json --lock-timeout 2
else
	not_ok "could not take the lock from a helper process"
	kill $holder
fi
