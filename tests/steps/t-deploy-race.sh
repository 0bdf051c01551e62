# mlci-deploy: deploys racing on one registry stay consistent (flock).
FX="$TOP/tests/steps/package_fixtures.py"
/usr/bin/python3 "$FX" v1
/usr/bin/python3 "$FX" v2 --seed 2
mkdir p1 p2
"$BIN/mlci-package" --model v1/model.json --name demo --version 1 --out-dir p1 >/dev/null
"$BIN/mlci-package" --model v2/model.json --name demo --version 2 --out-dir p2 >/dev/null
REG=$T/reg
pids=""
for i in 1 2 3 4 5 6 7 8; do
	v=$(( i % 2 + 1 ))
	"$BIN/mlci-deploy" --package p$v/demo-$v.tar.gz --to "dir://$REG" --channel prod \
		--out d$i.json >o$i 2>e$i &
	pids="$pids $!"
done
rcs=""
for p in $pids; do wait $p; rcs="$rcs$?"; done
check "all eight deploys succeed" test "$rcs" = 00000000
check "each version created exactly once" /usr/bin/python3 -c '
import json
acts = [json.load(open("d%d.json" % i)) for i in range(1, 9)]
for v in ("1", "2"):
    made = [a for a in acts if a["version"] == v and a["action"] == "created"]
    assert len(made) == 1, (v, made)'
check "history: one publish per version" sh -c "[ \$(grep -c '\"event\":\"publish\"' '$REG/demo/history.jsonl') = 2 ]"
check "every history line is whole JSON" /usr/bin/python3 -c '
import json, sys
[json.loads(l) for l in open(sys.argv[1])]' "$REG/demo/history.jsonl"
check "the channel is a valid pointer to one of them" /usr/bin/python3 -c '
import json, sys
c = json.load(open(sys.argv[1])); assert c["version"] in ("1", "2") and c["kind"] == "mlci.channel"' "$REG/demo/channels/prod.json"
check "stored bytes are the packages" sh -c "cmp p1/demo-1.tar.gz '$REG/demo/1/demo-1.tar.gz' && cmp p2/demo-2.tar.gz '$REG/demo/2/demo-2.tar.gz'"
check "no staging or temporary files left" sh -c "! find '$REG' -name '*tmp*' | grep -q ."
