-- wrk script of the capgen benchmark: POSTs a body with a unique id per request (MCP tools/call).
-- BENCH_BODY is the body, in which the first __ID__ (if any) is replaced with a request number unique
-- across wrk's threads; BENCH_HEADERS holds "name: value" lines. Written for tools/bench/run.ts.
local body = os.getenv("BENCH_BODY") or ""
local before, after = body:match("^(.-)__ID__(.*)$")
local headers = {}
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then headers[name] = value end
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_index", threads)
end

local counter = 0
function request()
  -- A body without __ID__ is sent as it is.
  if before == nil then return wrk.format("POST", nil, headers, body) end
  counter = counter + 1
  -- thread_index is set by setup() in this thread's own Lua state.
  local id = (thread_index or 0) * 1000000000 + counter
  return wrk.format("POST", nil, headers, before .. id .. after)
end
