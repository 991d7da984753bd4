-- wrk script for `npm run bench`: POSTs the request body in $BENCH_BODY (a file written by
-- the bench from fixtures.ts) and, when wrk is done, prints one `RESULT k=v ...` line that
-- wrk.ts parses. Extra headers (a virtual key) come from wrk's own -H flags.
local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local errors = summary.errors
  local failed = errors.status + errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format(
    "RESULT requests=%d micros=%d failed=%d bytes=%d p50=%d p99=%d\n",
    summary.requests, summary.duration, failed, summary.bytes,
    latency:percentile(50), latency:percentile(99)))
end
