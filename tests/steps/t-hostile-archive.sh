# Hostile input: package archives for mlci-deploy (archive_read
# behind package_open): gzip bombs (10 GiB of zeros in 10 MB, after the
# end-of-archive marker or inside an entry claiming 1 GiB), tar headers
# claiming 8 GiB entries, an entry claiming far more than the stream
# holds, base-256 sizes, 10^5 entries; for zstd, a bomb, a frame asking
# for a 2 GiB window and two frames. (Real content past the 1 GiB
# uncompressed limit costs up to that much memory: test_archive checks
# that limit with a small one.) Decompression stops at the 1 GiB limit or,
# past 16 MiB, at a ratio over 200:1; the tar stream is parsed as it is
# inflated, so memory is what the entries really hold, not what the
# gzip layer expands to. Each: one-line 65 naming the package, peak RSS
# under 200 MB, no deploy.json and no registry left.
LIMIT_MB=${MLCI_HOSTILE_RSS_MB:-200}
if ldd "$BIN/mlci-deploy" 2>/dev/null | grep -q libasan; then LIMIT_MB=$((LIMIT_MB * 4)); fi
[ -n "${MLCI_VALGRIND:-}" ] && LIMIT_MB=$((LIMIT_MB * 8))

bounded() {	# WANT NAME CMD...: expect_exit, peak RSS under LIMIT_MB, within 120 s
	want=$1; name=$2; shift 2
	timeout 120 /usr/bin/time -f %M -o "$T/rss" "$@" >"$T/out" 2>"$T/err"
	got=$?
	rss=$(tail -n 1 "$T/rss" 2>/dev/null); rss=${rss:-0}
	if [ "$got" -ne "$want" ]; then
		not_ok "$name" "exit $got, expected $want; stderr: $(head -c 400 "$T/err")"
	elif [ "$rss" -gt $((LIMIT_MB * 1024)) ]; then
		not_ok "$name" "peak RSS ${rss} KB over ${LIMIT_MB} MB"
	else
		ok "$name (peak RSS $((rss / 1024)) MB)"
	fi
}
deploy() {	# TAG PACKAGE PATTERN: deploy PACKAGE, expect 65 matching PATTERN
	bounded 65 "deploy: $1" "$BIN/mlci-deploy" --package "$2" --to "dir://$T/reg" --out d.json
	err_is "^mlci-deploy: $2: $3" "deploy: $1: one line naming the package"
	absent d.json "deploy: $1: no deploy.json"
	absent reg "deploy: $1: no registry"
}

# GiB of zeros behind a few KB each: a deflate block of 1 MiB of zeros,
# fully flushed, repeats byte for byte; the gzip trailer never comes into
# play (the reader stops at its limit first)
/usr/bin/python3 - <<'EOF'
import struct, zlib

def bomb(path, prefix, gib):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    mib = bytes(1 << 20)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    assert block == again
    with open(path, 'wb') as f:
        f.write(head)
        for _ in range(gib * 1024):
            f.write(block)
        f.write(c.flush())

def header(name, size, size_field=None):
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:108] = b'0000644\0'
    h[108:116] = b'0000000\0'
    h[116:124] = b'0000000\0'
    h[124:136] = size_field if size_field else b'%011o\0' % size
    h[136:148] = b'00000000000\0'
    h[156:157] = b'0'
    h[257:263] = b'ustar\0'
    h[263:265] = b'00'
    h[148:156] = b' ' * 8
    h[148:156] = b'%06o\0 ' % sum(h)
    return bytes(h)

def tgz(path, tar):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, 'wb') as f:
        f.write(c.compress(tar) + c.flush())

# the classic: zeros, which read as an empty tar followed by padding
bomb('zeros.tar.gz', b'', 10)
# an entry that claims 1 GiB - 1 and is followed by zeros
bomb('entry.tar.gz', header('p-1/model.json', (1 << 30) - 1), 2)
# claims
tgz('claim-8g.tar.gz', header('p-1/model.json', 0o77777777777) + bytes(1024))
tgz('claim-short.tar.gz', header('p-1/model.json', 900 << 20) + b'{"kind"' + bytes(1024))
tgz('claim-b256.tar.gz', header('p-1/model.json', 0, b'\x80' + bytes(7) + struct.pack('>I', 1 << 31)) + bytes(1024))
# 10^5 tiny entries
tar = b''.join(header('p-1/f%06d' % i, 0) for i in range(100000)) + bytes(1024)
tgz('entries.tar.gz', tar)
EOF
for b in zeros entry claim-8g claim-short claim-b256 entries; do
	check "the $b package was made" test -s $b.tar.gz
done
ls -l ./*.tar.gz | awk '{print "# " $5, $9}'

BOMB='inflates to over 200 times its compressed size \([0-9]+ bytes from [0-9]+\): refusing a likely gzip bomb$'
deploy "a gzip bomb of 10 GiB of zeros" zeros.tar.gz "$BOMB"
deploy "an entry claiming 1 GiB, then 2 GiB of zeros" entry.tar.gz "$BOMB"
deploy "a header claiming an 8 GiB entry" claim-8g.tar.gz "entry 'p-1/model.json' claims 8589934591 bytes, over the 1073741824-byte limit$"
deploy "a header claiming 900 MiB, 7 bytes there" claim-short.tar.gz "truncated tar: 'p-1/model.json' needs [0-9]+ more bytes$"
deploy "a base-256 size field" claim-b256.tar.gz "bad numeric field in the header of 'p-1/model.json'$"
deploy "10^5 entries" entries.tar.gz "more than 10000 entries$"

# the same bomb behind a package.json whose sum and size match it
/usr/bin/python3 - <<'EOF'
import hashlib, json, os
b = open('zeros.tar.gz', 'rb').read()
json.dump({"kind": "mlci.package", "schema_version": 1,
           "archive": {"file": "zeros.tar.gz", "sha256": hashlib.sha256(b).hexdigest(), "size": len(b)}},
          open('package.json', 'w'))
EOF
deploy "a package.json pointing at a gzip bomb" package.json "$BOMB"
rm -f zeros.tar.gz entry.tar.gz entries.tar.gz

# zstd: the same bomb (2 GiB of zeros in a few hundred KB), a frame that
# asks for a 2 GiB window (refused before any memory is taken), and a
# second frame after the first
head -c $((2 << 30)) /dev/zero | zstd -q -1 -c >zeros.tar.zst
/usr/bin/python3 - <<'EOF'
import struct
# magic, frame header descriptor (no checksum, no content size), window
# descriptor exponent 21 (2^31 bytes), then a raw block of 4 bytes
open("window.tar.zst", "wb").write(b"\x28\xb5\x2f\xfd" + bytes([0x00, 21 << 3])
                                   + struct.pack("<I", (4 << 3) | 1)[:3] + b"abcd")
EOF
check "the zstd bombs were made" test -s zeros.tar.zst -a -s window.tar.zst
ls -l ./*.tar.zst | awk '{print "# " $5, $9}'
deploy "a zstd bomb of 2 GiB of zeros" zeros.tar.zst \
	'inflates to over 200 times its compressed size \([0-9]+ bytes from [0-9]+\): refusing a likely zstd bomb$'
deploy "a zstd frame asking for a 2 GiB window" window.tar.zst 'corrupt zstd data: '
{ cat "$TOP/tests/fuzz/corpus/archive/package.tar.zst"; cat "$TOP/tests/fuzz/corpus/archive/package.tar.zst"; } >two.tar.zst
deploy "two zstd frames" two.tar.zst 'trailing data after the zstd frame$'
rm -f zeros.tar.zst
