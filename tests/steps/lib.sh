# Shared helpers for step tests (tests/steps/t-*.sh), sourced by ci/run-steps.
#
# Each test file runs with:
#   BIN   directory holding the mlci-* executables under test
#   DATA  tests/data (the real datasets shipped with the repository)
#   TOP   the repository root
#   T     a fresh empty scratch directory for this file (cwd is T)
# and reports each case with ok/not_ok through `check` or `expect_exit`.
# A file's last line of output is its tally; run-steps adds them up.

PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); printf 'ok - %s\n' "$1"; }
not_ok() { FAIL=$((FAIL + 1)); printf 'not ok - %s\n' "$1"; [ -n "${2:-}" ] && printf '#   %s\n' "$2"; return 0; }

# check NAME CMD...: pass when CMD succeeds.
check() {
	name=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name" "command failed: $*"; fi
}

# expect_exit CODE NAME CMD...: run CMD, capture stdout/stderr in
# $T/out and $T/err, pass when it exits with CODE.
expect_exit() {
	want=$1; name=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$name"
	else not_ok "$name" "exit $got, expected $want; stderr: $(head -c 400 "$T/err")"; fi
}

# err_is PATTERN NAME: stderr of the last expect_exit is exactly one line
# matching the extended regex PATTERN.
err_is() {
	pat=$1; name=$2
	lines=$(wc -l <"$T/err")
	if [ "$lines" -eq 1 ] && grep -Eq -- "$pat" "$T/err"; then ok "$name"
	else not_ok "$name" "stderr ($lines lines): $(head -c 400 "$T/err") -- wanted /$pat/"; fi
}

# absent FILE NAME: no output (and no temp file for it) was left behind.
absent() {
	f=$1; name=$2
	d=$(dirname "$f"); b=$(basename "$f")
	if [ ! -e "$f" ] && ! ls -a "$d" 2>/dev/null | grep -q "^\.$b\.tmp-"; then ok "$name"
	else not_ok "$name" "$f (or a temp of it) exists"; fi
}

# jq_is FILE EXPR EXPECTED NAME: python evaluates EXPR on the JSON in
# FILE (bound to j) and compares its str() with EXPECTED.
json_is() {
	f=$1; expr=$2; want=$3; name=$4
	got=$(/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$f" "$expr" 2>&1)
	if [ "$got" = "$want" ]; then ok "$name"; else not_ok "$name" "$expr = $got, expected $want"; fi
}

# no_nan NAME FILE...: every FILE is JSON without NaN or Infinity, as a
# literal or as a string value ("nan", "-inf"); a path or a git branch
# name that merely contains "nan" does not count.
no_nan() {
	name=$1; shift
	if /usr/bin/python3 - "$@" <<'PYEOF' >/dev/null 2>&1
import json, re, sys
def bad(c):
    raise ValueError(c)
def walk(v):
    if isinstance(v, dict):
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
    elif isinstance(v, str) and re.fullmatch(r"[-+]?(nan|inf(inity)?)", v, re.I):
        raise ValueError(v)
for p in sys.argv[1:]:
    walk(json.load(open(p), parse_constant=bad))
PYEOF
	then ok "$name"; else not_ok "$name" "NaN or Infinity in $*"; fi
}

tally() { printf '%d passed, %d failed\n' "$PASS" "$FAIL"; }
