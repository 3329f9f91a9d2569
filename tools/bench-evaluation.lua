-- wrk script for tools/bench-evaluation: each ballot is cast once. BALLOTS (env) names a file
-- with one JSON body per line; thread k of n takes lines k, k+n, ... and stops when each of its
-- ballots has had an answer.
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
  sent, answered = 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  -- Past the end (the last answers still in flight), ask for something harmless.
  if sent > #bodies then return wrk.format("GET", "/healthz") end
  return wrk.format(nil, os.getenv("TARGET_PATH"), nil, bodies[sent])
end

function response(status, headers, body)
  answered = answered + 1
  if answered >= #bodies then wrk.thread:stop() end
end
