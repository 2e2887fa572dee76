-- Prints one JSON line with throughput and latency percentiles (wrk's --latency lacks p95).
-- Optional: env WRK_METHOD, WRK_BODY, WRK_COOKIE, WRK_CONTENT_TYPE for POST requests.
local method = os.getenv("WRK_METHOD")
local body = os.getenv("WRK_BODY")
local cookie = os.getenv("WRK_COOKIE")
local ctype = os.getenv("WRK_CONTENT_TYPE")
local counter = 0

request = function()
  local headers = {["User-Agent"] = "board-benchmark"}  -- USER_AGENT in run.py
  if cookie then headers["Cookie"] = cookie end
  if method == "POST" then
    counter = counter + 1
    headers["Content-Type"] = ctype or "application/x-www-form-urlencoded"
    local b = string.gsub(body or "", "{n}", tostring(counter) .. "-" .. tostring(math.random(1, 1000000000)))
    return wrk.format("POST", nil, headers, b)
  end
  return wrk.format("GET", nil, headers, nil)
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "errors": %d, "non2xx": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors, summary.errors.status))
end
