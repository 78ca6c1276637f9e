-- wrk script of `python -m bench.steps`: each wrk thread has one connection and plays its own file of signed
-- requests in order (one call's steps, or a series of calls), so that every request is the one its call waits for.
-- An answer that is not a TwiML document going on with the call (a 4xx/5xx, a goodbye, an apology) is an error.
-- Paced (a second argument: milliseconds between one connection's requests), each connection sends on a fixed
-- schedule and each answer's latency is counted from the time its request was due, not from when it could be sent,
-- as wrk2 does: a slow answer delays the next request, and that wait counts against the server.

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

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
  interval = tonumber(args[2] or "0")
  latencies, due, scheduled = {}, nil, nil
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

function delay()
  if interval <= 0 then
    return 0
  end
  local now = now_ms()
  -- Connections start at random points of the first interval, so that requests do not come in bursts.
  due = due or now + math.random() * interval
  scheduled = due
  due = due + interval
  return math.max(0, math.floor(scheduled - now))
end

function response(status, headers, body)
  position = position + 1
  if scheduled ~= nil then
    latencies[#latencies + 1] = math.floor((now_ms() - scheduled) * 1000)
  end
  -- A 4xx or 5xx is counted by wrk itself; a 200 must still go on with the call.
  if status == 200 and not body:find("<Gather", 1, true) then
    errors = errors + 1
  end
end

local function percentile(sorted, share)
  return sorted[math.max(1, math.ceil(#sorted * share))]
end

function done(summary, latency, requests)
  local errors, paced = 0, {}
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("errors")
    for _, value in ipairs(thread:get("latencies")) do
      paced[#paced + 1] = value
    end
  end
  local p50, p99 = latency:percentile(50), latency:percentile(99)
  if #paced > 0 then
    table.sort(paced)
    p50, p99 = percentile(paced, 0.5), percentile(paced, 0.99)
  end
  io.write(string.format("RESULT requests=%d errors=%d seconds=%.3f p50_us=%d p99_us=%d\n",
    summary.requests, errors + summary.errors.status + summary.errors.timeout + summary.errors.read
    + summary.errors.connect + summary.errors.write, summary.duration / 1e6, p50, p99))
end
