# Shared by the mlci-serve step tests (tests/steps/t-serve-*.sh): start
# the server on a free loopback port and stop it; the caller's trap
# kills it if the test ends early.
CLIENT="/usr/bin/python3 $TOP/tests/steps/serve_client.py"
SERVE_PID=""
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null' EXIT

# start_serve TAG ARGS...: mlci-serve ARGS --listen 127.0.0.1:0 in the
# background, stdout in TAG.out and stderr in TAG.err; waits for its
# "listening on" line and sets SERVE_PID and PORT. Fails when it exits.
start_serve() {
	tag=$1; shift
	"$BIN/mlci-serve" --listen 127.0.0.1:0 "$@" >"$tag.out" 2>"$tag.err" &
	SERVE_PID=$!
	i=0
	while [ $i -lt 600 ]; do
		PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\), serving .*/\1/p' "$tag.out" 2>/dev/null)
		[ -n "$PORT" ] && return 0
		kill -0 "$SERVE_PID" 2>/dev/null || { SERVE_PID=""; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# stop_serve: SIGTERM, wait; SERVE_RC gets the exit code.
stop_serve() {
	kill "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID"
	SERVE_RC=$?
	SERVE_PID=""
}

# req METHOD PATH [client options]: the answer's status in $T/status,
# its content type in $T/ctype, Allow in $T/allow, the body in $T/body.
req() {
	m=$1; p=$2; shift 2
	$CLIENT request "$PORT" "$m" "$p" "$@" >"$T/resp" 2>"$T/resp.err"
	sed -n 1p "$T/resp" >"$T/status"
	sed -n 2p "$T/resp" >"$T/ctype"
	sed -n 3p "$T/resp" >"$T/allow"
	tail -n +4 "$T/resp" >"$T/body"
}

# status_is CODE NAME: the last req answered CODE.
status_is() {
	if [ "$(cat "$T/status")" = "$1" ]; then ok "$2"
	else not_ok "$2" "status $(cat "$T/status"), expected $1: $(head -c 300 "$T/body") $(head -c 300 "$T/resp.err")"; fi
}

# error_is CODE PATTERN NAME: the last req answered CODE with a JSON body
# {"error": MSG}, MSG matching the extended regex PATTERN.
error_is() {
	code=$1; pat=$2; label=$3
	msg=$(/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert list(j) == ["error"]; print(j["error"])' "$T/body" 2>/dev/null)
	if [ "$(cat "$T/status")" = "$code" ] && printf '%s\n' "$msg" | grep -Eq -- "$pat"; then ok "$label"
	else not_ok "$label" "status $(cat "$T/status") body $(head -c 300 "$T/body") -- wanted $code /$pat/"; fi
}
