-- wrk script for tools/bench/evaluation: each ballot is cast once. BALLOTS (env) names a file
-- with one JSON body per line; thread k of n takes lines k, k+n, ... and stops when each of its
-- ballots has had an answer, writing a line to DONE (env, a FIFO the script reads): wrk itself
-- runs until -d is over or it gets SIGINT, which the script sends once every thread has written.
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
  -- wrk calls request() once on thread 0 before the threads start, only to check what it
  -- returns (script_verify_request): that call must not use up a ballot.
  sent = id == 0 and -1 or 0
  answered = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if #bodies == 0 then finished() end
end

function finished()
  local done = os.getenv("DONE")
  if done then
    local f = io.open(done, "a")
    f:write("done\n")
    f:close()
  end
end

function request()
  sent = sent + 1
  -- Past the end (the last answers still in flight), ask for something harmless.
  if sent < 1 or sent > #bodies then return wrk.format("GET", "/healthz") end
  return wrk.format(nil, os.getenv("TARGET_PATH"), nil, bodies[sent])
end

function delay()
  -- No pause between ballots; the /healthz after them only every 100 ms per connection.
  if sent >= #bodies then return 100 end
  return 0
end

function response(status, headers, body)
  -- Only ballots count (202, or an error): not the /healthz asked for after the last one.
  if status == 200 and body == "ok\n" then return end
  answered = answered + 1
  if answered == #bodies then
    finished()
    wrk.thread:stop()
  end
end
