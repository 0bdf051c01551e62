# mlci-deploy to an http:// registry through tests/faultproxy.py, which
# drops, delays or cuts connections and answers 500/503 (seeded, one
# decision per connection): 1000 runs, each ending in 0 or 75, and 100
# more killed (SIGKILL) at random moments among them. Afterwards every file
# the server holds (fetched from nginx directly) is whole and the package's
# bytes, and every history record and channel file is sound.
PY=/usr/bin/python3
. "$TOP/tests/steps/dav_server.sh"
/usr/bin/python3 "$TOP/tests/steps/package_fixtures.py" fx >/dev/null
mkdir pk
for n in alpha beta gamma delta epsilon; do
	for v in 1 2 3; do
		"$BIN/mlci-package" --model fx/model.json --name $n --version $v --out-dir pk >/dev/null 2>&1 ||
			not_ok "package $n $v"
	done
done
rm -f pk/package.json
TRIALS=${MLCI_FAULT_TRIALS:-1000}
if dav_start "$T/dav"; then
	$PY "$TOP/tests/faultproxy.py" --upstream "127.0.0.1:$DAV_PORT" --port-file proxy.port \
		--stats proxy.json --seed 7 --fault-rate 0.3 --max-delay 0.4 &
	proxy=$!
	trap 'kill $proxy 2>/dev/null; dav_stop' EXIT
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		[ -s proxy.port ] && break
		sleep 0.1
	done
	PURL=http://127.0.0.1:$(cat proxy.port)
	$PY "$TOP/tests/deploy_faults.py" --deploy "$BIN/mlci-deploy" --packages pk \
		--proxy "$PURL" --direct "$DAV_URL" --root "$DAV_ROOT" --out figures.json \
		--trials "$TRIALS" --kills $((TRIALS / 10)) --parallel 16 --seed 11 \
		--deploy-args "--retries 3 --timeout 0.3 --retry-wait 0.02" >faults.out 2>&1
	frc=$?
	kill $proxy; wait $proxy 2>/dev/null
	cat faults.out
	sed 's/^/# proxy: /' proxy.json; echo
	check "the fault run's own checks pass" test "$frc" = 0
	json_is figures.json 'j["trials"]' "$TRIALS" "all trials ran"
	json_is figures.json 'j["exit_0"] + j["exit_75"] == j["trials"], j["exit_other"]' "(True, 0)" "every run ends in 0 or 75"
	json_is figures.json 'j["corrupt_entries"], j["half_written_versions"], j["unexpected_files"]' "(0, 0, 0)" "no corrupt or half-written entry"
	json_is figures.json 'j["exit_0"] > 0 and j["retries_in_successful_runs"] > 0' "True" "runs succeed through faults, retrying"
	json_is figures.json 'j["versions"]' "15" "every version got stored"
	json_is figures.json 'j["killed"] > 0' "True" "some runs were killed mid-deploy"
	json_is proxy.json 'all(j[k] > 0 for k in ("drop", "delay", "cut_request", "cut_response", "status_500", "status_503"))' "True" "every kind of fault was injected"
else
	not_ok "nginx did not start" "$(cat "$T/dav/logs/"* 2>/dev/null | head -c 400)"
fi
