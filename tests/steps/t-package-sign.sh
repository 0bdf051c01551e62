# mlci-package --sign-key, mlci-package --verify --verify-key and
# mlci-deploy --verify-key: an Ed25519 DSSE envelope over the provenance
# statement, checked with openssl alone too; refused (65, one line) when
# unsigned, signed by another key, or with any byte altered; bad key files
# 64/66; the private key never reaches an output.
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" fx
export SOURCE_DATE_EPOCH=1700000000
P="$BIN/mlci-package"
D="$BIN/mlci-deploy"
TAMPER="/usr/bin/python3 $TOP/tests/steps/package_tamper.py"
all=(--model fx/model.json --metrics fx/metrics.json --gate fx/gate.json
	--data-report fx/data-report.json --schema fx/schema.json --name demo --version 1.0)
for k in a b; do
	openssl genpkey -algorithm ed25519 -out $k.pem 2>/dev/null
	openssl pkey -in $k.pem -pubout -out $k.pub.pem
done
check "two Ed25519 key pairs" test -s a.pem -a -s a.pub.pem -a -s b.pem -a -s b.pub.pem
KEYID=$(openssl pkey -in a.pem -pubout -outform DER | sha256sum | cut -d' ' -f1)

expect_exit 0 "package and sign" "$P" "${all[@]}" --out-dir s1 --sign-key a.pem
check "summary names the key" grep -q "signed by key ${KEYID:0:16}\.\.\.$" "$T/out"
check "the envelope is inside the tarball" sh -c 'tar tzf s1/demo-1.0.tar.gz | grep -qx demo-1.0/provenance.intoto.jsonl'
mkdir x && tar xzf s1/demo-1.0.tar.gz -C x
check "and beside it, the same bytes" cmp s1/provenance.intoto.jsonl x/demo-1.0/provenance.intoto.jsonl
json_is s1/package.json 'j["signature"]' "{'algorithm': 'ed25519', 'file': 'provenance.intoto.jsonl', 'keyid': '$KEYID'}" \
	"package.json records the key id (sha256 of the public key's DER)"
check "package.json validates against its schema" /usr/bin/python3 "$TOP/tests/check_schema.py" s1/package.json
e=x/demo-1.0/provenance.intoto.jsonl
json_is $e 'j["payloadType"], len(j["signatures"]), j["signatures"][0]["keyid"]' \
	"('application/vnd.in-toto+json', 1, '$KEYID')" "a DSSE envelope with one signature"
json_is $e '__import__("base64").b64decode(j["payload"]) == open("x/demo-1.0/provenance.json", "rb").read()' True \
	"its payload is provenance.json, byte for byte"
check "one line" sh -c "[ \$(wc -l <$e) = 1 ]"
check "openssl alone verifies the signature over the DSSE PAE" $TAMPER --openssl-verify s1/demo-1.0.tar.gz a.pub.pem
check "and refuses it with the other key" sh -c "! $TAMPER --openssl-verify s1/demo-1.0.tar.gz b.pub.pem"

expect_exit 0 "signed again" "$P" "${all[@]}" --out-dir s2 --sign-key a.pem
for f in demo-1.0.tar.gz package.json provenance.json provenance.intoto.jsonl; do
	check "signed: $f byte-identical over two runs" cmp s1/$f s2/$f
done
expect_exit 0 "zstd, signed" "$P" "${all[@]}" --out-dir sz --sign-key a.pem --compression zstd

# verifying
expect_exit 0 "--verify --verify-key: sound" "$P" --verify s1/demo-1.0.tar.gz --verify-key a.pub.pem
check "says the signature verified" grep -q "signature verified, key ${KEYID:0:16}" "$T/out"
expect_exit 0 "--verify of package.json" "$P" --verify s1/package.json --verify-key a.pub.pem
expect_exit 0 "--verify of the zstd package" "$P" --verify sz/demo-1.0.tar.zst --verify-key a.pub.pem
expect_exit 0 "deploy --verify-key" "$D" --package s1/demo-1.0.tar.gz --to "dir://$T/reg" \
	--verify-key a.pub.pem --out d.json
json_is d.json 'j["signature"]' "{'keyid': '$KEYID', 'verified': True}" "deploy.json records the verified key"
check "the registry keeps the statement and its signature beside the tarball" sh -c \
	'cmp reg/demo/1.0/provenance.json x/demo-1.0/provenance.json && cmp reg/demo/1.0/provenance.intoto.jsonl x/demo-1.0/provenance.intoto.jsonl'
check "deploy.json validates against its schema" /usr/bin/python3 "$TOP/tests/check_schema.py" d.json
expect_exit 0 "deploy without --verify-key" "$D" --package sz/demo-1.0.tar.zst --to "dir://$T/reg2" --out d2.json
json_is d2.json 'j["signature"]["verified"]' False "signed, not verified"

refused() {	# TAG FILE PATTERN: --verify and deploy, with a.pub.pem, both refuse FILE
	expect_exit 65 "$1: --verify refuses" "$P" --verify "$2" --verify-key a.pub.pem
	err_is "^mlci-package: $2: $3" "$1: --verify: one line"
	expect_exit 65 "$1: deploy refuses" "$D" --package "$2" --to "dir://$T/r-$1" \
		--verify-key a.pub.pem --out "d-$1.json"
	err_is "^mlci-deploy: $2: $3" "$1: deploy: one line"
	absent "r-$1" "$1: no registry written"
	absent "d-$1.json" "$1: no deploy.json"
}

# unsigned
mkdir u && "$P" "${all[@]}" --out-dir u >/dev/null
refused unsigned u/demo-1.0.tar.gz 'the package is not signed \(no demo-1\.0/provenance\.intoto\.jsonl\), and a\.pub\.pem requires a signature$'
expect_exit 0 "unsigned, without a key: sound" "$P" --verify u/demo-1.0.tar.gz
check "and says so" grep -q 'unsigned)$' "$T/out"
# signed by another key
mkdir o && "$P" "${all[@]}" --out-dir o --sign-key b.pem >/dev/null
refused other-key o/demo-1.0.tar.gz 'demo-1\.0/provenance\.intoto\.jsonl: signed by key [0-9a-f]{16}\.\.\., not by a\.pub\.pem \(key [0-9a-f]{16}\.\.\.\)$'
# the signature stripped
$TAMPER s1/demo-1.0.tar.gz stripped.tar.gz --drop provenance.intoto.jsonl
refused stripped stripped.tar.gz 'the package is not signed'
# a byte flipped inside an entry
$TAMPER s1/demo-1.0.tar.gz flipped.tar.gz --flip model.json
refused flipped flipped.tar.gz 'demo-1\.0/model\.json: sha256 [0-9a-f]{12}\.\.\. \([0-9]+ bytes\) does not match the manifest'"'"'s'
$TAMPER s1/demo-1.0.tar.gz flipped-st.tar.gz --flip provenance.json
refused flipped-statement flipped-st.tar.gz 'demo-1\.0/provenance\.'
$TAMPER s1/demo-1.0.tar.gz flipped-env.tar.gz --flip provenance.intoto.jsonl
refused flipped-envelope flipped-env.tar.gz 'demo-1\.0/provenance\.intoto\.jsonl: '
$TAMPER sz/demo-1.0.tar.zst flipped.tar.zst --flip MODEL_CARD.md
refused flipped-zstd flipped.tar.zst 'demo-1\.0/MODEL_CARD\.md: sha256 .* does not match the manifest'
# the model changed, with manifest and statement made consistent: only
# the signature can tell
mkdir m && "$P" --model fx/model.json --name demo --version 1.0 --out-dir m --sign-key a.pem >/dev/null
$TAMPER m/demo-1.0.tar.gz edited.tar.gz --edit-model
expect_exit 0 "the edited package is consistent without a key" "$P" --verify edited.tar.gz
refused edited edited.tar.gz 'demo-1\.0/provenance\.intoto\.jsonl: the signature does not verify with a\.pub\.pem: the signed statement or the signature was altered$'
# the files and statement edited consistently, the original envelope kept
cat >swap.py <<'EOF'
import io, gzip, sys, tarfile
src, other, name, out = sys.argv[1:]
o = tarfile.open(other)
new = o.extractfile(o.getmember(name)).read()
buf = io.BytesIO()
with tarfile.open(src) as t, tarfile.open(fileobj=buf, mode="w:", format=tarfile.USTAR_FORMAT) as w:
    for m in t.getmembers():
        data = t.extractfile(m).read() if m.isfile() else b""
        if m.name == name:
            data = new
            m.size = len(new)
        w.addfile(m, io.BytesIO(data) if m.isfile() else None)
open(out, "wb").write(gzip.compress(buf.getvalue(), mtime=0))
EOF
/usr/bin/python3 swap.py edited.tar.gz m/demo-1.0.tar.gz demo-1.0/provenance.intoto.jsonl swapped.tar.gz
expect_exit 65 "a statement that is not the envelope's payload, even without a key" "$P" --verify swapped.tar.gz
err_is '^mlci-package: swapped\.tar\.gz: demo-1\.0/provenance\.intoto\.jsonl: the signed statement is not demo-1\.0/provenance\.json$' "one line" 
# ... and re-signed with another key (openssl): verifies with that key only
$TAMPER m/demo-1.0.tar.gz resigned.tar.gz --edit-model --resign b.pem
refused resigned resigned.tar.gz 'demo-1\.0/provenance\.intoto\.jsonl: signed by key [0-9a-f]{16}\.\.\., not by a\.pub\.pem'
expect_exit 0 "the re-signed package verifies with the other key (mlci reads openssl's DSSE)" \
	"$P" --verify resigned.tar.gz --verify-key b.pub.pem
# a stale beside file
cp -r s1 s3 && cp sz/provenance.json s3/provenance.json
expect_exit 65 "a provenance.json beside that is not the one inside" "$P" --verify s3/demo-1.0.tar.gz
err_is '^mlci-package: s3/provenance\.json: differs from the provenance\.json inside s3/demo-1\.0\.tar\.gz$' "one line naming it"

# bad key files
printf 'not a key\n' >junk.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:secret -out enc.pem 2>/dev/null
expect_exit 66 "a missing --sign-key" "$P" "${all[@]}" --out-dir k1 --sign-key nope.pem
err_is '^mlci-package: nope\.pem: ' "one line naming it"
expect_exit 64 "a --sign-key that is not a key" "$P" "${all[@]}" --out-dir k1 --sign-key junk.pem
err_is '^mlci-package: junk\.pem: --sign-key is not an Ed25519 private key' "one line"
expect_exit 64 "an EC key" "$P" "${all[@]}" --out-dir k1 --sign-key ec.pem
err_is '^mlci-package: ec\.pem: --sign-key is not an Ed25519 private key .*: another algorithm$' "says why"
expect_exit 64 "an encrypted key, refused without a prompt" "$P" "${all[@]}" --out-dir k1 --sign-key enc.pem </dev/null
err_is 'encrypted keys are not supported$' "says why"
expect_exit 64 "the public key as --sign-key" "$P" "${all[@]}" --out-dir k1 --sign-key a.pub.pem
err_is 'it holds a public key$' "says why"
expect_exit 64 "the private key as --verify-key" "$P" --verify s1/demo-1.0.tar.gz --verify-key a.pem
err_is '^mlci-package: a\.pem: --verify-key is not an Ed25519 public key .*it holds a private key' "says why"
expect_exit 64 "deploy: the private key as --verify-key" "$D" --package s1/demo-1.0.tar.gz \
	--to "dir://$T/rk" --verify-key a.pem --out dk.json
expect_exit 66 "deploy: a missing --verify-key" "$D" --package s1/demo-1.0.tar.gz \
	--to "dir://$T/rk" --verify-key nope.pem --out dk.json
absent k1 "no output directory after a bad key"
absent rk "no registry after a bad key"
expect_exit 64 "--out-dir's envelope must not replace the key" "$P" "${all[@]}" --out-dir . \
	--sign-key provenance.intoto.jsonl
err_is "would overwrite the --sign-key input" "names the clash"
expect_exit 64 "MLCI_SIGN_KEY holding the key itself, not a file name" env MLCI_SIGN_KEY="$(cat a.pem)" \
	"$P" "${all[@]}" --out-dir k1
err_is '^mlci-package: --sign-key holds key material, not a file name \(in CI, use a variable of type File\)$' \
	"refused without echoing it"
check "the key material is not in the message" sh -c "! grep -q BEGIN '$T/err'"
expect_exit 0 "MLCI_SIGN_KEY naming the file signs" env MLCI_SIGN_KEY=a.pem "$P" "${all[@]}" --out-dir k2
check "signed from the variable" test -s k2/provenance.intoto.jsonl
expect_exit 0 "MLCI_VERIFY_KEY is read by deploy, and ignored by package" env MLCI_VERIFY_KEY=a.pub.pem \
	MLCI_SIGN_KEY=a.pem "$P" "${all[@]}" --out-dir k3
expect_exit 65 "MLCI_VERIFY_KEY makes deploy refuse an unsigned package" env MLCI_VERIFY_KEY=a.pub.pem \
	"$D" --package u/demo-1.0.tar.gz --to "dir://$T/rk" --out dk.json
absent k1 "no output directory after key material given as a path"

# the private key reaches no output
body=$(grep -v '^-----' a.pem | tr -d '\n')
seed=$(openssl pkey -in a.pem -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n')
check "the key's PEM body is in no output" sh -c "! grep -rqF -- '$body' s1 x d.json reg"
cat >seed.py <<'EOF'
import gzip, os, sys
seed = bytes.fromhex(sys.argv[1])
for root in sys.argv[2:]:
    for d, _, fs in os.walk(root):
        for f in fs:
            b = open(os.path.join(d, f), "rb").read()
            if b[:2] == b"\x1f\x8b":
                b = gzip.decompress(b)
            if seed in b:
                sys.exit("%s holds the private key" % os.path.join(d, f))
EOF
check "the key's 32-byte seed is in no output (tarball decompressed)" /usr/bin/python3 seed.py "$seed" s1 x reg
check "stdout and stderr of the signing run held no key" sh -c "! grep -qF -- '$body' '$T/out' '$T/err'"
