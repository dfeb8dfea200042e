-- count.lua [OPTION...] -- CMD [ARGS...]
-- Traces CMD and counts every seccomp stop, per thread and per process.
-- Options (KEY=VALUE):
--   trace=a,b    syscalls to trace (default getppid)
--   raise_at=N   the callback raises an error at the N-th stop
--   kill_at=N    at the N-th stop the callback SIGKILLs the calling process
--                with Process.kill and returns kill_ret (default nothing)
--   kill_ret=V   "allow", "errno" ({"errno", "EPERM"}) or "retval"
--   exec_ret=1   ask for execve's return (call:on_return) and print it
--   pending=1    also fork a child that is never released (it must go
--                away with the tracer, whatever ends it)
-- Output, after the trace (gopher-lua's print makes two writes per line, so
-- nothing is printed while tracees write to the same pipe): "exit PID STATUS"
-- for each traced process that ended (on_exit), in order, "killing PID",
-- "execve returned R in PID" as they happened, then "tid T N", "pid P N",
-- "name NAME N" lines, "root STATUS", "total N", "elapsed SECONDS".
local opts, cmd = {}, nil
for i = 1, select("#", ...) do
  local a = select(i, ...)
  if a == "--" then
    cmd = {select(i + 1, ...)}
    break
  end
  local k, v = a:match("^([%w_]+)=(.*)$")
  if not k then error("bad option " .. a) end
  opts[k] = v
end
if not cmd or #cmd == 0 then error("no command") end

local names = {}
for n in (opts.trace or "getppid"):gmatch("[^,]+") do names[#names + 1] = n end
local raise_at = tonumber(opts.raise_at)
local kill_at = tonumber(opts.kill_at)
local kill_ret = ({allow = "allow", errno = {"errno", "EPERM"}, retval = {"retval", 4242}})[opts.kill_ret or ""]
local exec_ret = opts.exec_ret == "1"

local pid = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(r)
    for i, n in ipairs(names) do r:trace(n, i) end
  end)
  ctx:load()
  exec(unpack(cmd))
end)

if opts.pending == "1" then Process.fork(function() end) end

local per_tid, per_pid, per_name, total = {}, {}, {}, 0
local events = {}
local function event(s) events[#events + 1] = s end
local t0 = Process.now()
local st = Seccomp.start_trace(pid, function(nr, p, ud, call)
  total = total + 1
  local tid = call.tid
  per_tid[tid] = (per_tid[tid] or 0) + 1
  per_pid[p] = (per_pid[p] or 0) + 1
  local name = call.name
  per_name[name] = (per_name[name] or 0) + 1
  if total == raise_at then
    error("raised at stop " .. total .. " (" .. name .. " of " .. p .. ")")
  end
  if total == kill_at then
    event("killing " .. p)
    Process.kill("KILL", p)
    return kill_ret
  end
  if exec_ret and name == "execve" then
    call:on_return(function(ret, c)
      event("execve returned " .. ret .. " in " .. c.pid)
    end)
  end
end, {on_exit = function(p, s)
  event("exit " .. p .. " " .. tostring(s))
end})
local elapsed = Process.now() - t0
for _, e in ipairs(events) do print(e) end

local function dump(label, t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do print(label .. " " .. k .. " " .. t[k]) end
end
dump("tid", per_tid)
dump("pid", per_pid)
dump("name", per_name)
print("root " .. tostring(st))
print("total " .. total)
print(string.format("elapsed %.6f", elapsed))
