# Hostile input: gate rules files with a 1 MB rule, 10^5 rules, 10^6-term
# and 10^6-deep expressions, a rules file over the 16 MiB limit. Each is
# a one-line 65 error at its line (bounds in rules.h: RULE_MAX_TEXT,
# RULES_MAX), with small memory, quickly, and no output left behind.
LIMIT_MB=${MLCI_HOSTILE_RSS_MB:-200}
if ldd "$BIN/mlci-gate" 2>/dev/null | grep -q libasan; then LIMIT_MB=$((LIMIT_MB * 4)); fi
[ -n "${MLCI_VALGRIND:-}" ] && LIMIT_MB=$((LIMIT_MB * 8))

# bounded WANT NAME CMD...: expect_exit, and peak RSS under LIMIT_MB
bounded() {
	want=$1; name=$2; shift 2
	/usr/bin/time -f %M -o "$T/rss" "$@" >"$T/out" 2>"$T/err"
	got=$?
	rss=$(tail -n 1 "$T/rss")
	if [ "$got" -ne "$want" ]; then
		not_ok "$name" "exit $got, expected $want; stderr: $(head -c 400 "$T/err")"
	elif [ "$rss" -gt $((LIMIT_MB * 1024)) ]; then
		not_ok "$name" "peak RSS ${rss} KB over ${LIMIT_MB} MB"
	else
		ok "$name (peak RSS $((rss / 1024)) MB)"
	fi
}
# no_outputs NAME: none of the gate's outputs (or their temporaries) left
no_outputs() {
	for o in g.json j.xml g.md m.txt g.env; do absent "$o" "$1: no $o left"; done
}
G=("$BIN/mlci-gate" --metrics metrics.json --out g.json --junit j.xml
	--markdown g.md --openmetrics m.txt --dotenv g.env)

cat >metrics.json <<'EOF'
{"kind": "mlci.metrics", "schema_version": 1, "task": "classification",
 "n_rows": 10, "metrics": {"accuracy": 0.9, "f1_macro": 0.8}, "inputs": []}
EOF
/usr/bin/python3 - <<'EOF'
mb = 1 << 20
open('long-number.rules', 'w').write('accuracy >= 0.' + '0' * mb + '1\n')
open('long-name.rules', 'w').write('a' * mb + ' >= 0.5\n')
open('long-sum.rules', 'w').write('accuracy >= ' + '+'.join(['1'] * (mb // 2)) + '\n')
open('long-nest.rules', 'w').write('accuracy >= ' + '(' * mb + '1' + ')' * mb + '\n')
open('long-minus.rules', 'w').write('accuracy >= ' + '-' * mb + '1\n')
open('second-line.rules', 'w').write('f1_macro >= 0.5\naccuracy >= 0.' + '0' * mb + '1\n')
open('long-comment.rules', 'w').write('accuracy >= 0.5 # ' + 'x' * mb + '\n')
open('1e5.rules', 'w').write('accuracy >= 0.5\n' * 100000)
open('1e4.rules', 'w').write('accuracy >= 0.5\n' * 10000)
open('1e5-comments.rules', 'w').write('# only a comment\n' * 100000 + 'accuracy >= 0.5\n')
EOF

for c in long-number long-name long-sum long-nest long-minus; do
	bounded 65 "gate: a 1 MB rule ($c)" "${G[@]}" --rules $c.rules
	err_is "^mlci-gate: $c.rules:1:1: rule is longer than 65536 bytes$" "gate: $c: one line at line 1"
	no_outputs "gate: $c"
done
bounded 65 "gate: a 1 MB rule on line 2" "${G[@]}" --rules second-line.rules
err_is "^mlci-gate: second-line.rules:2:1: rule is longer than 65536 bytes$" "gate: the error names line 2"
no_outputs "gate: second-line"
bounded 0 "gate: a 1 MB comment after a rule is only a comment" "${G[@]}" --rules long-comment.rules
json_is g.json 'j["rules"][0]["rule"]' "accuracy >= 0.5" "gate: the rule's text leaves the comment out"
rm -f g.json j.xml g.md m.txt g.env

bounded 65 "gate: 10^5 rules" "${G[@]}" --rules 1e5.rules
err_is "^mlci-gate: 1e5.rules:10001: more than 10000 rules$" "gate: 10^5 rules: one line naming the first one too many"
no_outputs "gate: 10^5 rules"
if [ -z "${MLCI_VALGRIND:-}" ]; then	# minutes under valgrind
bounded 0 "gate: 10^4 rules (the most there may be) pass" "${G[@]}" --rules 1e4.rules
json_is g.json 'j["counts"]["rules"]' 10000 "gate: all 10^4 rules in gate.json"
json_is g.json 'len(set(r["rule"] for r in j["rules"]))' 1 "gate: ... all of them the same rule"
check "gate: 10^4 same-named rules get unique JUnit test names" /usr/bin/python3 -c '
import xml.etree.ElementTree as E
names = [c.get("name") for c in E.parse("j.xml").iter("testcase")]
assert len(names) == 10000 and len(set(names)) == 10000, len(set(names))
assert names[-1] == "accuracy >= 0.5 (10000)", names[-1]'
rm -f g.json j.xml g.md m.txt g.env
bounded 0 "gate: 10^5 comment lines and one rule" "${G[@]}" --rules 1e5-comments.rules
rm -f g.json j.xml g.md m.txt g.env
fi

# --rule on the command line: the kernel caps one argument at 128 KiB,
# so 100 KB is the longest there is
long=$(head -c 100000 /dev/zero | tr '\0' 1)
bounded 64 "gate: a 100 KB --rule" "${G[@]}" --rule "accuracy >= $long"
err_is "^mlci-gate: --rule 'accuracy >= 1{180,}\.\.\.':1:1: rule is longer than 65536 bytes$" "gate: the --rule error is one line, the rule cut short"
no_outputs "gate: 100 KB --rule"

# over the rules file's own limit (16 MiB): refused from its size, unread
printf 'accuracy >= 0.5\n' >huge.rules
truncate -s 10G huge.rules
bounded 65 "gate: a 10 GB (sparse) rules file" "${G[@]}" --rules huge.rules
err_is "^mlci-gate: huge.rules: larger than the 16777216-byte limit$" "gate: the size error is one line"
no_outputs "gate: 10 GB rules file"
rm -f huge.rules
rm -f ./*.rules
