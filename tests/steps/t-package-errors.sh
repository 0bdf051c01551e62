# mlci-package: usage errors (64), missing inputs (66), outputs that
# cannot be created (73); never a partial output. (--out-dir is created
# when missing; mlci-deploy's tests cover --out in a missing directory.)
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" fx
mkdir dist
P="$BIN/mlci-package"
ok_args=(--model fx/model.json --metrics fx/metrics.json)
empty() { check "$1: nothing written" sh -c '[ -z "$(ls -A dist)" ]'; }

expect_exit 64 "no --model" "$P" --name d --version 1 --out-dir dist
err_is '^mlci-package: --model is required' "names the option"
expect_exit 64 "no --name" "$P" --model fx/model.json --version 1 --out-dir dist
expect_exit 64 "no --version" "$P" --model fx/model.json --name d --out-dir dist
expect_exit 64 "no --out-dir" "$P" --model fx/model.json --name d --version 1
expect_exit 64 "unknown option" "$P" "${ok_args[@]}" --name d --version 1 --out-dir dist --frobnicate
for bad in 'a/b' '../x' '.hidden' '-opt' 'sp ace' 'x;y' ''; do
	expect_exit 64 "bad --name '$bad'" "$P" "${ok_args[@]}" --name "$bad" --version 1 --out-dir dist
done
err_is "^mlci-package: --name (is required|must not be empty)" "empty name"
for bad in '1..2' '1/2' '..' 'channels' '.1'; do
	expect_exit 64 "bad --version '$bad'" "$P" "${ok_args[@]}" --name d --version "$bad" --out-dir dist
done
expect_exit 64 "--gate without --metrics" "$P" --model fx/model.json --gate fx/gate.json --name d --version 1 --out-dir dist
err_is 'gate needs --metrics' "explains why"
empty "usage errors"

expect_exit 66 "missing model file" "$P" --model nope/model.json --name d --version 1 --out-dir dist
err_is '^mlci-package: nope/model\.json: cannot open: No such file or directory$' "names the file"
expect_exit 66 "missing metrics file" "$P" --model fx/model.json --metrics gone.json --name d --version 1 --out-dir dist
err_is 'gone\.json: cannot open' "names the file"
expect_exit 66 "a directory as input" "$P" --model fx --name d --version 1 --out-dir dist
empty "missing inputs"

touch afile
expect_exit 73 "output directory under a regular file" "$P" "${ok_args[@]}" --name d --version 1 --out-dir afile/sub
err_is '^mlci-package: afile/sub: .*Not a directory$' "names the directory"
expect_exit 73 "output directory is a file" "$P" "${ok_args[@]}" --name d --version 1 --out-dir afile
err_is '^mlci-package: afile: output directory is not a directory$' "says so"
expect_exit 65 "a refused package does not create --out-dir" "$P" --model fx/metrics.json --name d --version 1 --out-dir new/dir
check "not created" test ! -e new
expect_exit 0 "a missing --out-dir is created" "$P" "${ok_args[@]}" --name d --version 1 --out-dir new/dir
check "with the package in it" test -f new/dir/d-1.tar.gz
if [ "$(id -u)" != 0 ]; then
	mkdir ro && chmod 555 ro
	expect_exit 73 "read-only output directory" "$P" "${ok_args[@]}" --name d --version 1 --out-dir ro
	check "nothing in it" sh -c '[ -z "$(ls -A ro)" ]'
fi

# an earlier package survives a failed run untouched
expect_exit 0 "a first package" "$P" "${ok_args[@]}" --name d --version 1 --out-dir dist
cp dist/d-1.tar.gz keep.tgz; cp dist/package.json keep.json
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" bm --break metrics
expect_exit 65 "a broken rerun" "$P" --model bm/model.json --metrics bm/metrics.json --name d --version 1 --out-dir dist
check "old tarball untouched" cmp keep.tgz dist/d-1.tar.gz
check "old package.json untouched" cmp keep.json dist/package.json
check "no temporary files" sh -c '! ls -A dist | grep -q tmp'
