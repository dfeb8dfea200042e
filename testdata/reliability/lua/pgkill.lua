-- pgkill.lua LOAD N [FAN...]: traces a fork storm whose root makes its own
-- process group, and at the N-th stop SIGKILLs the whole group (as the OOM
-- killer or `kill -9 -PGID` would): processes die at every stage, some
-- before their creation was reported to the tracer. Then no status may be
-- left over: Process.wait must find no child (the script has none left).
-- Prints "stops N exits E", "seen-without-exit K", the root status, and
-- "wait" with what Process.wait(WNOHANG) returns.
local load, n = arg[1], tonumber(arg[2])
local fan = {select(3, ...)}
if #fan == 0 then fan = {"3", "6", "10", "10"} end
local t = Process.fork(function()
  local ctx = Seccomp.new({default = "allow"}, function(r) r:trace("getppid", 0) end)
  ctx:load()
  local args = {"storm"}
  for _, f in ipairs(fan) do args[#args + 1] = f end
  args[#args + 1] = "-s"
  args[#args + 1] = "30"
  args[#args + 1] = "-g"
  exec(load, unpack(args))
end)
local stops, exits, seen, exited = 0, 0, {}, {}
local st = Seccomp.start_trace(t, function(nr, pid)
  stops = stops + 1
  seen[pid] = true
  if stops == n then Process.kill("KILL", -t) end
end, {on_exit = function(pid)
  exits = exits + 1
  exited[pid] = true
end})
local missing = 0
for pid in pairs(seen) do
  if not exited[pid] then missing = missing + 1 end
end
print("stops " .. stops .. " exits " .. exits)
print("seen-without-exit " .. missing)
print("root " .. tostring(st))
print("wait", Process.wait(Process.WNOHANG))
