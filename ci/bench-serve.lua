-- wrk script for ci/bench-serve: POST the body in the file named by the
-- BODY environment variable to /predict (as JSON, or as CTYPE when that
-- is set), and print one line:
-- requests, seconds, non-2xx answers, socket errors, p50 / p90 / p99
-- latency in microseconds.
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("CTYPE") or "application/json"
wrk.path = "/predict"

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %d %.3f %d %d %d %d %d\n",
		summary.requests, summary.duration / 1e6, e.status,
		e.connect + e.read + e.write + e.timeout,
		latency:percentile(50), latency:percentile(90),
		latency:percentile(99)))
end
