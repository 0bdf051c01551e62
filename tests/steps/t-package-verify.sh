# mlci-package --verify FILE: every checksum (each entry against
# manifest.json, the tarball against a package.json beside it), the
# lineage inside, the provenance statement's subjects; hostile entries
# (absolute paths, '..', symbolic and hard links, devices, FIFOs) built
# with python's tarfile are refused. Exit 0 when sound, 65 with one line
# naming the entry when not; nothing is written either way.
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" fx
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" broken --break gate
export SOURCE_DATE_EPOCH=1700000000
P="$BIN/mlci-package"
TAMPER="/usr/bin/python3 $TOP/tests/steps/package_tamper.py"
all=(--model fx/model.json --metrics fx/metrics.json --gate fx/gate.json
	--data-report fx/data-report.json --schema fx/schema.json --name demo --version 1.0)
"$P" "${all[@]}" --out-dir g >/dev/null
"$P" "${all[@]}" --out-dir z --compression zstd >/dev/null
check "a gzip and a zstd package" test -s g/demo-1.0.tar.gz -a -s z/demo-1.0.tar.zst
before=$(ls -lR g z | sha256sum)

expect_exit 0 "a sound .tar.gz" "$P" --verify g/demo-1.0.tar.gz
check "one summary line" grep -Eq '^verified demo 1\.0: g/demo-1\.0\.tar\.gz \(8 files, gzip, sha256 [0-9a-f]{64}; unsigned\)$' "$T/out"
check "stderr is empty" test ! -s "$T/err"
expect_exit 0 "a sound .tar.zst" "$P" --verify z/demo-1.0.tar.zst
check "read as zstd" grep -q '8 files, zstd' "$T/out"
expect_exit 0 "its package.json" "$P" --verify g/package.json
expect_exit 0 "--json prints the manifest" "$P" --verify g/demo-1.0.tar.gz --json
json_is "$T/out" 'j["kind"], j["name"]' "('mlci.manifest', 'demo')" "the manifest"
expect_exit 0 "from MLCI_VERIFY" env MLCI_VERIFY=g/demo-1.0.tar.gz "$P"
expect_exit 0 "packaging options are ignored with --verify" env MLCI_MODEL=nope.json "$P" --verify g/demo-1.0.tar.gz
check "--verify wrote nothing" sh -c "[ '$before' = \"\$(ls -lR g z | sha256sum)\" ]"
check "--help documents --verify" sh -c "'$P' --help | grep -q -- '--verify FILE'"

bad() {	# TAG FILE PATTERN: --verify exits 65 with one line matching PATTERN
	expect_exit 65 "$1" "$P" --verify "$2"
	err_is "^mlci-package: $3" "$1: one line naming it"
}
expect_exit 66 "a missing package" "$P" --verify nope.tar.gz
err_is '^mlci-package: nope\.tar\.gz: ' "one line naming it"
echo 'not a package' >junk.tar.gz
bad "not a package" junk.tar.gz 'junk\.tar\.gz: not a package'

# checksums and the lineage
$TAMPER g/demo-1.0.tar.gz flip.tar.gz --flip gate.json
bad "a flipped byte in gate.json" flip.tar.gz "flip\.tar\.gz: demo-1\.0/gate\.json: sha256 [0-9a-f]{12}\.\.\. \([0-9]+ bytes\) does not match the manifest's"
$TAMPER g/demo-1.0.tar.gz flipm.tar.gz --flip manifest.json
bad "a flipped byte in the manifest" flipm.tar.gz 'flipm\.tar\.gz: '
$TAMPER g/demo-1.0.tar.gz drop.tar.gz --drop schema.json
bad "a listed file missing" drop.tar.gz "drop\.tar\.gz: manifest lists 'schema\.json', which the archive does not hold$"
echo extra >extra.txt
$TAMPER g/demo-1.0.tar.gz extra.tar.gz --replace notes.txt=extra.txt
bad "an unlisted file" extra.tar.gz 'extra\.tar\.gz: the archive holds 1 file\(s\) the manifest does not list$'
$TAMPER g/demo-1.0.tar.gz fixed.tar.gz --flip MODEL_CARD.md --fix
expect_exit 0 "an edit made consistent everywhere verifies (only a signature can tell)" "$P" --verify fixed.tar.gz
$TAMPER fixed.tar.gz nosubj.tar.gz --replace provenance.json=g/provenance.json
bad "a statement whose subjects are not the files" nosubj.tar.gz \
	'nosubj\.tar\.gz: demo-1\.0/provenance\.json: subject demo-1\.0/MODEL_CARD\.md: sha256 [0-9a-f]{12}\.\.\. but the file has'
$TAMPER g/demo-1.0.tar.gz lineage.tar.gz --replace gate.json=broken/gate.json --fix
bad "a broken lineage inside" lineage.tar.gz "lineage\.tar\.gz: lineage: gate\.json records metrics sha256 0{12}\.\.\., but metrics\.json has"
echo '{"_type": "https://in-toto.io/Statement/v1", "subject": []}' >st.json
$TAMPER g/demo-1.0.tar.gz st.tar.gz --replace provenance.json=st.json
bad "a statement of another type" st.tar.gz 'st\.tar\.gz: demo-1\.0/provenance\.json: predicateType is not https://slsa\.dev/provenance/v1$'

# the files beside it
cp -r g g2 && cp fixed.tar.gz g2/demo-1.0.tar.gz
bad "a tarball package.json does not describe" g2/demo-1.0.tar.gz 'g2/package\.json: g2/demo-1\.0\.tar\.gz does not match it'
cp -r g g3 && cp z/demo-1.0.tar.zst g3/ && "$P" --model fx/model.json --name other --version 1 --out-dir o >/dev/null
expect_exit 0 "a package.json beside naming another archive is not this one's" "$P" --verify g3/demo-1.0.tar.zst
cp -r g g4 && cp z/provenance.json g4/
bad "a provenance.json beside that is another package's" g4/demo-1.0.tar.gz \
	'g4/provenance\.json: differs from the provenance\.json inside g4/demo-1\.0\.tar\.gz$'
cp -r g g5 && echo '{}' >g5/provenance.intoto.jsonl
bad "a signature beside an unsigned package" g5/package.json \
	'g5/provenance\.intoto\.jsonl: the package g5/package\.json holds no provenance\.intoto\.jsonl$'

# hostile entries, built with python's tarfile
cat >hostile.py <<'EOF'
import gzip, io, subprocess, sys, tarfile
kind, out = sys.argv[1:]
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:", format=tarfile.USTAR_FORMAT) as t:
    d = tarfile.TarInfo("demo-1.0")
    d.type, d.mode = tarfile.DIRTYPE, 0o755
    t.addfile(d)
    body = b'{"kind": "mlci.model"}\n'
    def put(name, **kw):
        i = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(i, k, v)
        t.addfile(i, io.BytesIO(body) if i.isfile() else None)
        if i.isfile():
            pass
    if kind == "absolute":
        i = tarfile.TarInfo("x"); i.size = len(body)
        i.name = "/etc/mlci-model.json"
        t.addfile(i, io.BytesIO(body))
    elif kind == "dotdot":
        i = tarfile.TarInfo("demo-1.0/../../model.json"); i.size = len(body)
        t.addfile(i, io.BytesIO(body))
    elif kind == "symlink":
        put("demo-1.0/model.json", type=tarfile.SYMTYPE, linkname="/etc/passwd")
    elif kind == "hardlink":
        put("demo-1.0/model.json", type=tarfile.LNKTYPE, linkname="demo-1.0/gate.json")
    elif kind == "chardev":
        put("demo-1.0/tty", type=tarfile.CHRTYPE, devmajor=5, devminor=0)
    elif kind == "blockdev":
        put("demo-1.0/sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0)
    elif kind == "fifo":
        put("demo-1.0/pipe", type=tarfile.FIFOTYPE)
tar = buf.getvalue()
if out.endswith(".zst"):
    data = subprocess.run(["zstd", "-cq"], input=tar, stdout=subprocess.PIPE, check=True).stdout
else:
    data = gzip.compress(tar, mtime=0)
open(out, "wb").write(data)
EOF
while read -r kind entry why; do
	/usr/bin/python3 hostile.py $kind $kind.tar.gz
	check "$kind: made" test -s $kind.tar.gz
	bad "$kind entry" $kind.tar.gz "$kind\\.tar\\.gz: refusing entry '$entry': $why\$"
	expect_exit 65 "$kind: deploy refuses it too" "$BIN/mlci-deploy" --package $kind.tar.gz \
		--to "dir://$T/reg" --out d.json
	absent reg "$kind: no registry"
done <<'EOF'
absolute /etc/mlci-model\.json absolute path
dotdot demo-1\.0/\.\./\.\./model\.json '\.' or '\.\.' component
symlink demo-1\.0/model\.json symbolic link entries are not allowed
hardlink demo-1\.0/model\.json hard link entries are not allowed
chardev demo-1\.0/tty device entries are not allowed
blockdev demo-1\.0/sda device entries are not allowed
fifo demo-1\.0/pipe FIFO entries are not allowed
EOF
/usr/bin/python3 hostile.py symlink link.tar.zst
bad "a symlink in a .tar.zst" link.tar.zst "link\\.tar\\.zst: refusing entry 'demo-1\\.0/model\\.json': symbolic link entries are not allowed$"
