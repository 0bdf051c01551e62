# Crash safety: each step is killed with SIGKILL at spread-out, random
# moments of its run (bounded trials; the seed is printed), and what is
# left must never be a partial artifact: every output is either absent or
# byte-identical to a complete run's, nothing but hidden temporaries of
# the atomic writes stays behind, and a registry is always consistent
# (every version whole, every channel pointing at a version, the history
# parseable), with a rerun completing it.
export SOURCE_DATE_EPOCH=1700000000
SEED=${MLCI_CRASH_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$SEED
TRIALS=${MLCI_CRASH_TRIALS:-12}
[ -n "${MLCI_VALGRIND:-}" ] && TRIALS=2
echo "# crash trials: $TRIALS per step, seed $SEED (MLCI_CRASH_SEED=$SEED to repeat)"
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
R=(--columns "$COLS" --trim)
PY=/usr/bin/python3

# the inputs every trial starts from
mkdir -p base && cp "$DATA/adult.data.csv" "$DATA/adult.test.csv" "$DATA/flights_200k.csv" \
	"$TOP/templates/gate.rules" base/

# step NAME: the command line of step NAME (run in a trial directory)
step() {
	case $1 in
	validate) echo "$BIN/mlci-validate-data --data flights_200k.csv --out r.json --infer-schema s.json" ;;
	train) echo "$BIN/mlci-train --data adult.data.csv ${R[*]} --label income --model logistic --out model.json" ;;
	evaluate) echo "$BIN/mlci-evaluate --model model.json --data adult.test.csv --skip-rows 1 ${R[*]} --label-suffix . --out metrics.json --predictions predictions.csv" ;;
	gate) echo "$BIN/mlci-gate --metrics metrics.json --rules gate.rules --out gate.json --junit junit.xml --markdown gate.md --openmetrics metrics.txt --dotenv gate.env" ;;
	package) echo "$BIN/mlci-package --model model.json --metrics metrics.json --gate gate.json --name adult --version 1.0.0 --out-dir dist" ;;
	deploy) echo "$BIN/mlci-deploy --package dist/adult-1.0.0.tar.gz --to dir://\$PWD/registry --channel staging --out deploy.json" ;;
	monitor) echo "$BIN/mlci-monitor --reference adult-report.json --live live.csv --out monitor.json --history monitor-history.jsonl" ;;
	esac
}
outputs() {
	case $1 in
	validate) echo r.json s.json ;;
	train) echo model.json ;;
	evaluate) echo metrics.json predictions.csv ;;
	gate) echo gate.json junit.xml gate.md metrics.txt gate.env ;;
	package) echo dist/adult-1.0.0.tar.gz dist/package.json dist/provenance.json ;;
	deploy) echo deploy.json ;;
	monitor) echo monitor.json monitor-history.jsonl ;;
	esac
}
STEPS="validate train evaluate gate package deploy monitor"
# run_in DIR NAME: run step NAME in DIR (argv split on blanks: the paths
# here have none; the COLS list has no blanks)
run_in() { ( cd "$1" && eval "exec $(step "$2")" ) >/dev/null 2>&1; }

# ---- complete runs: the reference outputs, and how long each step takes
cp -r base ref
declare -A MS
for s in $STEPS; do
	# the monitor's inputs, made once: the training data's report, and
	# adult.test with the model's predictions as live data
	if [ "$s" = monitor ]; then
		( cd ref && "$BIN/mlci-validate-data" --data adult.data.csv "${R[@]}" --label income \
			--out adult-report.json && $PY "$TOP/tests/ref/monitor_live.py" adult.test.csv \
			predictions.csv . ) >/dev/null 2>&1 || not_ok "the monitor's inputs" "validate or monitor_live.py failed"
	fi
	t0=$(date +%s%N)
	run_in ref "$s"; rc=$?
	MS[$s]=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$rc" -eq 0 ] && ok "reference run: $s (${MS[$s]} ms)" || not_ok "reference run: $s" "exit $rc"
done
# registry consistency: versions whole, channels pointing at versions,
# history lines parse; prints what is wrong, nothing when all is well
registry_ok() {
	$PY - "$1" <<'PY'
import hashlib, json, os, sys
reg = sys.argv[1]
bad = []
if os.path.isdir(reg):
    for name in os.listdir(reg):
        nd = os.path.join(reg, name)
        versions = set()
        for v in os.listdir(nd):
            p = os.path.join(nd, v)
            if v.startswith(".") or v in ("channels", "history.jsonl"):
                continue
            tar = os.path.join(p, "%s-%s.tar.gz" % (name, v))
            man = os.path.join(p, "manifest.json")
            if not (os.path.isfile(tar) and os.path.isfile(man)):
                bad.append("version %s incomplete" % v); continue
            versions.add(v)
        cd = os.path.join(nd, "channels")
        for c in os.listdir(cd) if os.path.isdir(cd) else []:
            if c.startswith("."):
                continue
            j = json.load(open(os.path.join(cd, c)))
            if j["version"] not in versions:
                bad.append("channel %s points at %s, absent" % (c, j["version"]))
            else:
                sha = hashlib.sha256(open(os.path.join(nd, j["version"], "%s-%s.tar.gz" % (name, j["version"])), "rb").read()).hexdigest()
                if sha != j["sha256"]:
                    bad.append("channel %s: sha256 differs from the version's" % c)
        h = os.path.join(nd, "history.jsonl")
        if os.path.exists(h):
            for i, line in enumerate(open(h)):
                try:
                    json.loads(line)
                except ValueError:
                    bad.append("history line %d does not parse" % (i + 1))
print("; ".join(bad))
PY
}

# ---- the trials
for s in $STEPS; do
	partial=0 absent=0 whole=0 strays=0 regbad=0
	for i in $(seq 1 "$TRIALS"); do
		d=trial-$s-$i
		cp -r ref "$d"
		# this step's outputs (and a deploy's registry) go; its inputs stay
		for o in $(outputs "$s"); do rm -f "$d/$o"; done
		[ "$s" = deploy ] && rm -rf "$d/registry"
		[ "$s" = package ] && rm -rf "$d/dist"
		before=$(cd "$d" && find . -type f | sort)
		# a moment spread over the step's run (from start-up to just
		# after its end), plus jitter
		span=$(( MS[$s] * 12 / 10 + 2 ))
		at=$(( (span * (i - 1)) / TRIALS + RANDOM % (span / TRIALS + 1) ))
		( cd "$d" && eval "exec $(step "$s")" ) >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf '0.%03d' "$at")" 2>/dev/null || sleep 0
		[ "$at" -ge 1000 ] && sleep $(( at / 1000 ))
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		for o in $(outputs "$s"); do
			if [ ! -e "$d/$o" ]; then absent=$((absent + 1))
			elif cmp -s "$d/$o" "ref/$o" ||
			     cmp -s <(sed "s|$PWD/$d/|$PWD/ref/|g" "$d/$o") "ref/$o"; then
				whole=$((whole + 1))	# (deploy.json names its registry)
			else partial=$((partial + 1)); echo "# partial: $d/$o (killed at $at ms)"; fi
		done
		# anything new that is not an output must be a hidden temporary
		new=$(cd "$d" && comm -13 <(echo "$before") <(find . -type f | sort) | grep -v -F "$(for o in $(outputs "$s"); do echo "./$o"; done)" \
			| grep -v '/\.[^/]*$' | grep -v '^\./registry/')
		if [ -n "$new" ]; then strays=$((strays + 1)); echo "# stray in $d: $new"; fi
		if [ "$s" = deploy ]; then
			why=$(registry_ok "$d/registry")
			if [ -n "$why" ]; then regbad=$((regbad + 1)); echo "# registry in $d: $why"; fi
			# a rerun completes the deploy, and the history then records it
			( cd "$d" && eval "$(step deploy)" ) >/dev/null 2>&1 || { regbad=$((regbad + 1)); echo "# rerun failed in $d"; }
			$PY -c 'import json,sys; h=[json.loads(l) for l in open(sys.argv[1])]; ev=[(x["event"], x["version"]) for x in h]; sys.exit(0 if ("publish","1.0.0") in ev and ("channel","1.0.0") in ev else 1)' \
				"$d/registry/adult/history.jsonl" 2>/dev/null || { regbad=$((regbad + 1)); echo "# history incomplete in $d"; }
		fi
		rm -rf "$d"
	done
	echo "# $s: $TRIALS kills: outputs whole $whole, absent $absent, partial $partial"
	[ "$partial" -eq 0 ] && ok "$s: no partial output in $TRIALS kills" || not_ok "$s: no partial output in $TRIALS kills" "$partial partial"
	[ "$strays" -eq 0 ] && ok "$s: nothing but hidden temporaries left behind" || not_ok "$s: nothing but hidden temporaries left behind"
	[ "$s" = deploy ] && { [ "$regbad" -eq 0 ] && ok "deploy: the registry is consistent after every kill, and a rerun completes it" \
		|| not_ok "deploy: the registry is consistent after every kill" "$regbad bad"; }
done

# the window between a rename and its history line is narrow: make it
# happen. A deploy whose history lines are lost (as if killed right after
# moving the version and the channel into place) is completed by the next
# deploy of the same package, which appends them marked "recovered".
H=ref/registry/adult/history.jsonl
: >"$H"
( cd ref && eval "$(step deploy)" ) >/dev/null 2>&1
got=$($PY -c 'import json,sys; print([(x["event"], x["version"], x.get("channel"), x.get("recovered")) for x in map(json.loads, open(sys.argv[1]))])' "$H")
[ "$got" = "[('publish', '1.0.0', None, True), ('channel', '1.0.0', 'staging', True)]" ] \
	&& ok "lost history lines are recovered by the next deploy" || not_ok "lost history lines are recovered by the next deploy" "$got"
( cd ref && eval "$(step deploy)" ) >/dev/null 2>&1
n=$(wc -l <"$H")
[ "$n" -eq 2 ] && ok "a complete history is not appended to again" || not_ok "a complete history is not appended to again" "$n lines"
rm -rf ref base
