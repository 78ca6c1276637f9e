-- wrk script of `python -m bench.steps`: each wrk thread has one connection and plays its own file of signed
-- requests in order (one call's steps, or a series of calls), so that every request is the one its call waits for.
-- An answer that is not a TwiML document going on with the call (a 4xx/5xx, a goodbye, an apology) is an error.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local folder = args[1]
  requests, position, errors = {}, 0, 0
  for line in io.lines(folder .. "/requests-" .. id .. ".tsv") do
    local path, signature, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", path, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Twilio-Signature"] = signature,
    }, body)
  end
end

-- The next request is the one after the last answered: a request wrk asks for but never sends (it does so once
-- per thread) is then sent next, and one sent again after a lost answer is a retry, which Twilio makes too.
function request()
  -- Out of prepared requests (too few for the run: --per-connection), the file starts again; those count as errors.
  return requests[position % #requests + 1]
end

function response(status, headers, body)
  position = position + 1
  -- A 4xx or 5xx is counted by wrk itself; a 200 must still go on with the call.
  if status == 200 and not body:find("<Gather", 1, true) then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local errors = 0
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("errors")
  end
  io.write(string.format("RESULT requests=%d errors=%d seconds=%.3f p50_us=%d p99_us=%d\n",
    summary.requests, errors + summary.errors.status + summary.errors.timeout + summary.errors.read
    + summary.errors.connect + summary.errors.write, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99)))
end
