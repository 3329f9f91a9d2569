-- wrk script for tools/bench/http: every request casts a different ballot.
-- BALLOTS (env) names a file with one JSON body per line; thread k of n takes lines k, k+n, ...
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("BALLOTS")
  local total = tonumber(os.getenv("THREADS") or "1")
  bodies = {}
  local i = 0
  for line in io.lines(path) do
    if i % total == id then table.insert(bodies, line) end
    i = i + 1
  end
  next_body = 1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = bodies[next_body]
  next_body = next_body + 1
  if next_body > #bodies then next_body = 1 end  -- past the end, repeats are refused (409)
  return wrk.format(nil, os.getenv("TARGET_PATH"), nil, body)
end
