# mlci_retry CMD...: run CMD; while it exits 75 (a temporary failure),
# run it again, at most MLCI_RETRIES (default 2) more times,
# MLCI_RETRY_DELAY (default 10) seconds apart. Returns CMD's exit code.
mlci_retry() {
	_n=0
	while :; do
		_rc=0
		"$@" || _rc=$?
		[ "$_rc" -eq 75 ] && [ "$_n" -lt "${MLCI_RETRIES:-2}" ] || return "$_rc"
		_n=$((_n + 1))
		echo "$1: exit 75 (temporary failure), trying again ($_n of ${MLCI_RETRIES:-2})" >&2
		sleep "${MLCI_RETRY_DELAY:-10}"
	done
}
