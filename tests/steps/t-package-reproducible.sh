# mlci-package: with SOURCE_DATE_EPOCH set, the same inputs give the same
# bytes, with fixed tar metadata and gzip header.
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" fx
mkdir a b c d
pkg=("$BIN/mlci-package" --model fx/model.json --metrics fx/metrics.json
	--gate fx/gate.json --data-report fx/data-report.json --name demo --version 1.0)

expect_exit 0 "first run" env SOURCE_DATE_EPOCH=1700000000 "${pkg[@]}" --out-dir a
sleep 1
expect_exit 0 "second run, a second later, elsewhere" env SOURCE_DATE_EPOCH=1700000000 "${pkg[@]}" --out-dir b
check "tarballs are byte-identical" cmp a/demo-1.0.tar.gz b/demo-1.0.tar.gz
check "package.json is byte-identical" cmp a/package.json b/package.json
(cd fx && SOURCE_DATE_EPOCH=1700000000 "$BIN/mlci-package" --model "$T/fx/model.json" \
	--metrics "$T/fx/metrics.json" --gate "$T/fx/gate.json" \
	--data-report "$T/fx/data-report.json" --name demo --version 1.0 --out-dir "$T/c") >/dev/null 2>&1
check "input paths are recorded as given, so other paths differ" sh -c '! cmp -s a/demo-1.0.tar.gz c/demo-1.0.tar.gz'
expect_exit 0 "another SOURCE_DATE_EPOCH" env SOURCE_DATE_EPOCH=1600000000 "${pkg[@]}" --out-dir d
check "another time gives other bytes" sh -c '! cmp -s a/demo-1.0.tar.gz d/demo-1.0.tar.gz'

py() { /usr/bin/python3 -c "$1" a/demo-1.0.tar.gz; }
check "every entry's mtime is SOURCE_DATE_EPOCH" py '
import sys, tarfile
t = tarfile.open(sys.argv[1]); assert all(m.mtime == 1700000000 for m in t.getmembers())'
check "uid/gid 0, owner root/root" py '
import sys, tarfile
t = tarfile.open(sys.argv[1])
assert all((m.uid, m.gid, m.uname, m.gname) == (0, 0, "root", "root") for m in t.getmembers())'
check "modes 0644 files, 0755 directories, nothing else" py '
import sys, tarfile
t = tarfile.open(sys.argv[1])
assert all((m.isfile() and m.mode == 0o644) or (m.isdir() and m.mode == 0o755) for m in t.getmembers())'
check "ustar format" py '
import sys
d = __import__("gzip").open(sys.argv[1]).read(); assert d[257:265] == b"ustar\x0000"'
check "gzip header: no name, mtime 0, OS 3" py '
import sys
h = open(sys.argv[1], "rb").read(10); assert h[3] == 0 and h[4:8] == b"\0\0\0\0" and h[9] == 3, h'
json_is a/package.json 'j["created"]' "2023-11-14T22:13:20Z" "created is SOURCE_DATE_EPOCH"

mkdir now
expect_exit 0 "without SOURCE_DATE_EPOCH" env -u SOURCE_DATE_EPOCH "$BIN/mlci-package" --model fx/model.json --name demo --version 1.0 --out-dir now
check "entries carry the current time" /usr/bin/python3 -c '
import sys, tarfile, time
t = tarfile.open(sys.argv[1]); assert all(abs(m.mtime - time.time()) < 600 for m in t.getmembers())' now/demo-1.0.tar.gz
expect_exit 64 "a bad SOURCE_DATE_EPOCH is a usage error" env SOURCE_DATE_EPOCH=yesterday "${pkg[@]}" --out-dir now
absent now/package.json.tmp "no temporary left"
